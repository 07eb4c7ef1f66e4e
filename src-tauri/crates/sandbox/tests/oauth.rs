//! The sandbox's token endpoint (`POST /oauth2/token`, NHS API platform signed-JWT flow) and PDS
//! requiring its tokens; and signed audit JWTs on the V&M endpoint when a public key is given.
//! Assertions are built here by hand, so every refusal can be provoked.

mod common;

use common::{client, nhs, now, pds_get, read, routing, send, trace_id};
use serde_json::{json, Value};
use vmcheck_core::fhir::WireFormat;
use vmcheck_core::jwt::AuditJwt;
use vmcheck_core::request;
use vmcheck_jws::jsonwebtoken::{Algorithm, EncodingKey, Header};
use vmcheck_jws::testing::{rsa_key_pair, TestKeyPair};
use vmcheck_sandbox::patients::{PdsBehaviour, VandmBehaviour};
use vmcheck_sandbox::{training_audit_context, PdsAuthConfig, Sandbox, SandboxOptions};

const API_KEY: &str = "Qw3rTyApiKey";
const KID: &str = "test-1";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async fn start(keys: &TestKeyPair) -> Sandbox {
    Sandbox::start(SandboxOptions {
        pds_auth: Some(PdsAuthConfig::new(API_KEY, KID, &keys.public_pem)),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn claims(sandbox: &Sandbox) -> Value {
    json!({
        "iss": API_KEY,
        "sub": API_KEY,
        "aud": sandbox.urls().token_url(),
        "jti": uuid::Uuid::new_v4().to_string(),
        "exp": now() + 300,
    })
}

fn sign(keys: &TestKeyPair, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_rsa_pem(&keys.private_pem).expect("pem");
    vmcheck_jws::encode(&header, claims, &key).expect("signs")
}

async fn post_form(sandbox: &Sandbox, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client()
        .post(sandbox.urls().token_url())
        .form(form)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON");
    (status, body)
}

async fn exchange(sandbox: &Sandbox, assertion: &str) -> (u16, Value) {
    post_form(
        sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
        ],
    )
    .await
}

fn assert_refused(answer: &(u16, Value), status: u16, error: &str, description: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"], error, "{}", answer.1);
    assert_eq!(answer.1["error_description"], description, "{}", answer.1);
    assert!(answer.1["message_id"]
        .as_str()
        .is_some_and(|m| m.len() == 36));
    assert!(answer.1.get("access_token").is_none());
}

fn found_number() -> &'static str {
    vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.pds == PdsBehaviour::Found)
        .expect("a traced patient")
        .nhs_number
}

#[tokio::test]
async fn a_good_assertion_gets_a_token_shaped_like_the_platforms() {
    let keys = rsa_key_pair();
    let sandbox = start(&keys).await;
    let (status, body) = exchange(
        &sandbox,
        &sign(&keys, Algorithm::RS512, Some(KID), &claims(&sandbox)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let keys_in_order: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys_in_order,
        ["access_token", "expires_in", "token_type", "issued_at"]
    );
    assert_eq!(
        body["expires_in"], "599",
        "a string, as the platform sends it"
    );
    assert_eq!(body["token_type"], "Bearer");
    let issued_ms: u64 = body["issued_at"]
        .as_str()
        .expect("string")
        .parse()
        .expect("ms");
    assert!(issued_ms / 1000 + 5 >= now() && issued_ms / 1000 <= now());
    let token = body["access_token"].as_str().expect("token");

    // PDS: the token works; none, or a made-up one, is 401 ACCESS_DENIED.
    let with = client()
        .get(format!(
            "{}/Patient/{}",
            sandbox.urls().pds_base,
            found_number()
        ))
        .header("X-Request-ID", trace_id())
        .bearer_auth(token)
        .send()
        .await
        .expect("answer");
    assert_eq!(read(with).await.status, 200);
    let without = pds_get(&client(), &sandbox, found_number()).await;
    assert_eq!(without.status, 401);
    let issue = &without.json()["issue"][0];
    assert_eq!(issue["code"], "forbidden");
    assert_eq!(issue["details"]["coding"][0]["code"], "ACCESS_DENIED");
    assert_eq!(issue["diagnostics"], "Missing Authorization header");
    let made_up = client()
        .get(format!(
            "{}/Patient/{}",
            sandbox.urls().pds_base,
            found_number()
        ))
        .header("X-Request-ID", trace_id())
        .bearer_auth("made-up")
        .send()
        .await
        .expect("answer");
    let made_up = read(made_up).await;
    assert_eq!(made_up.status, 401);
    assert_eq!(
        made_up.json()["issue"][0]["diagnostics"],
        "Invalid Access Token"
    );

    sandbox.revoke_pds_tokens();
    let revoked = client()
        .get(format!(
            "{}/Patient/{}",
            sandbox.urls().pds_base,
            found_number()
        ))
        .header("X-Request-ID", trace_id())
        .bearer_auth(token)
        .send()
        .await
        .expect("answer");
    assert_eq!(read(revoked).await.status, 401);
    assert_eq!(sandbox.token_request_count(), 1);
}

#[tokio::test]
async fn expired_reused_far_future_and_misaddressed_assertions_are_refused() {
    let keys = rsa_key_pair();
    let sandbox = start(&keys).await;
    let sign512 = |c: &Value| sign(&keys, Algorithm::RS512, Some(KID), c);

    let mut expired = claims(&sandbox);
    expired["exp"] = json!(now() - 10);
    assert_refused(
        &exchange(&sandbox, &sign512(&expired)).await,
        400,
        "invalid_request",
        "Invalid exp claim in JWT - JWT has expired",
    );

    let mut far = claims(&sandbox);
    far["exp"] = json!(now() + 400);
    assert_refused(
        &exchange(&sandbox, &sign512(&far)).await,
        400,
        "invalid_request",
        "Invalid exp claim in JWT - more than 5 minutes in future",
    );

    let once = sign512(&claims(&sandbox));
    assert_eq!(exchange(&sandbox, &once).await.0, 200);
    assert_refused(
        &exchange(&sandbox, &once).await,
        400,
        "invalid_request",
        "Non-unique jti claim in JWT",
    );

    let mut aud = claims(&sandbox);
    aud["aud"] = json!("https://int.api.service.nhs.uk/oauth2/token");
    assert_refused(
        &exchange(&sandbox, &sign512(&aud)).await,
        401,
        "invalid_request",
        "Missing or invalid aud claim in JWT",
    );

    let mut split = claims(&sandbox);
    split["sub"] = json!("other");
    assert_refused(
        &exchange(&sandbox, &sign512(&split)).await,
        400,
        "invalid_request",
        "Missing or non-matching iss/sub claims in JWT",
    );

    let mut stranger = claims(&sandbox);
    stranger["iss"] = json!("Stranger");
    stranger["sub"] = json!("Stranger");
    assert_refused(
        &exchange(&sandbox, &sign512(&stranger)).await,
        401,
        "invalid_request",
        "Invalid iss/sub claims in JWT",
    );

    let mut no_jti = claims(&sandbox);
    no_jti.as_object_mut().expect("object").remove("jti");
    assert_refused(
        &exchange(&sandbox, &sign512(&no_jti)).await,
        400,
        "invalid_request",
        "Missing jti claim in JWT",
    );
    assert_eq!(sandbox.token_request_count(), 8);
}

#[tokio::test]
async fn a_wrong_key_algorithm_or_kid_is_refused() {
    let (keys, other) = (rsa_key_pair(), rsa_key_pair());
    let sandbox = start(&keys).await;
    assert_refused(
        &exchange(
            &sandbox,
            &sign(&other, Algorithm::RS512, Some(KID), &claims(&sandbox)),
        )
        .await,
        401,
        "invalid_client",
        "Invalid JWT signature - it does not match the public key registered under kid 'test-1'",
    );
    assert_refused(
        &exchange(
            &sandbox,
            &sign(&keys, Algorithm::RS256, Some(KID), &claims(&sandbox)),
        )
        .await,
        400,
        "invalid_request",
        "Invalid 'alg' header in JWT - unsupported JWT algorithm - must be 'RS512'",
    );
    assert_refused(
        &exchange(
            &sandbox,
            &sign(&keys, Algorithm::RS512, None, &claims(&sandbox)),
        )
        .await,
        400,
        "invalid_request",
        "Missing 'kid' header in JWT",
    );
    assert_refused(
        &exchange(
            &sandbox,
            &sign(&keys, Algorithm::RS512, Some("INVALID"), &claims(&sandbox)),
        )
        .await,
        401,
        "invalid_request",
        "Invalid 'kid' header in JWT - no matching public key",
    );
    // A token signed with a wrong key, then "fixed" by swapping in a good signature: refused.
    let good = sign(&keys, Algorithm::RS512, Some(KID), &claims(&sandbox));
    let forged = sign(&other, Algorithm::RS512, Some(KID), &claims(&sandbox));
    let spliced = format!(
        "{}.{}",
        forged.rsplit_once('.').expect("dots").0,
        good.rsplit_once('.').expect("dots").1
    );
    assert_eq!(exchange(&sandbox, &spliced).await.0, 401);
}

#[tokio::test]
async fn bad_forms_are_refused_with_the_platforms_words() {
    let keys = rsa_key_pair();
    let sandbox = start(&keys).await;
    let assertion = sign(&keys, Algorithm::RS512, Some(KID), &claims(&sandbox));
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("client_assertion_type", ASSERTION_TYPE), ("client_assertion", &assertion)], "Missing grant_type"),
        (&[("grant_type", "authorization_code"), ("client_assertion_type", ASSERTION_TYPE)], "Unsupported grant_type 'authorization_code'"),
        (&[("grant_type", "client_credentials"), ("client_assertion", &assertion)], "Missing or invalid client_assertion_type - must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'"),
        (&[("grant_type", "client_credentials"), ("client_assertion_type", "INVALID")], "Missing or invalid client_assertion_type - must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'"),
        (&[("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE)], "Missing client_assertion"),
        (&[("grant_type", "client_credentials"), ("client_assertion_type", ASSERTION_TYPE), ("client_assertion", "INVALID")], "Malformed JWT in client_assertion"),
    ];
    for (form, description) in cases {
        assert_refused(
            &post_form(&sandbox, form).await,
            400,
            "invalid_request",
            description,
        );
    }
    // The assertion above was never accepted, so it still works.
    assert_eq!(exchange(&sandbox, &assertion).await.0, 200);
}

#[tokio::test]
async fn without_pds_auth_there_is_no_token_endpoint_and_pds_needs_no_token() {
    let sandbox = common::start().await;
    let (status, body) = exchange(&sandbox, "a.b.c").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        pds_get(&client(), &sandbox, found_number()).await.status,
        200
    );
    assert_eq!(
        sandbox.urls().token_url(),
        sandbox
            .urls()
            .pds_base
            .replace("/personal-demographics/FHIR/R4", "/oauth2/token")
    );
    assert_eq!(sandbox.token_request_count(), 0);
}

fn status_number() -> &'static str {
    vmcheck_sandbox::patients()
        .iter()
        .find(|p| {
            p.pds == PdsBehaviour::Found
                && p.fault.is_none()
                && matches!(p.vandm, VandmBehaviour::Status(_))
        })
        .expect("a patient with a status")
        .nhs_number
}

fn signed_audit(keys: &TestKeyPair, alg: Algorithm, number: &str) -> String {
    let jwt = AuditJwt::new(&training_audit_context(), &nhs(number), now());
    let key = EncodingKey::from_rsa_pem(&keys.private_pem).expect("pem");
    vmcheck_jws::encode(&Header::new(alg), jwt.claims(), &key).expect("signs")
}

async fn vandm_with_token(sandbox: &Sandbox, number: &str, token: &str) -> common::Answer {
    let get = request::search(
        &sandbox.urls().vandm_base,
        &nhs(number),
        &routing(),
        &trace_id(),
        token,
        WireFormat::Json,
    );
    send(&client(), &get).await
}

#[tokio::test]
async fn signed_audit_tokens_are_accepted_with_the_right_key_only() {
    let (keys, other) = (rsa_key_pair(), rsa_key_pair());
    let sandbox = Sandbox::start(SandboxOptions {
        audit_jwt_public_key_pem: Some(keys.public_pem.clone()),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let number = status_number();
    for alg in [Algorithm::RS256, Algorithm::RS512] {
        let answer = vandm_with_token(&sandbox, number, &signed_audit(&keys, alg, number)).await;
        assert_eq!(
            answer.status,
            200,
            "{alg:?}: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    let wrong = vandm_with_token(
        &sandbox,
        number,
        &signed_audit(&other, Algorithm::RS512, number),
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert!(String::from_utf8_lossy(&wrong.body).contains("signature does not verify"));
    let unsigned = vandm_with_token(&sandbox, number, &common::token(number)).await;
    assert_eq!(
        unsigned.status, 400,
        "this environment validates signatures"
    );
    // The claims are still checked after the signature: an expired signed token is refused.
    let jwt = AuditJwt::new(&training_audit_context(), &nhs(number), now() - 600);
    let key = EncodingKey::from_rsa_pem(&keys.private_pem).expect("pem");
    let stale =
        vmcheck_jws::encode(&Header::new(Algorithm::RS512), jwt.claims(), &key).expect("signs");
    let stale = vandm_with_token(&sandbox, number, &stale).await;
    assert_eq!(stale.status, 400);
    assert!(String::from_utf8_lossy(&stale.body).contains("expired"));

    // Without the key configured, a signed token is refused as Spine's reading says (alg none).
    let plain = common::start().await;
    let refused = vandm_with_token(
        &plain,
        number,
        &signed_audit(&keys, Algorithm::RS512, number),
    )
    .await;
    assert_eq!(refused.status, 400);
}
