//! The sandbox's LDAP server: serves a [`Directory`] read-only over plain LDAPv3 (RFC 4511),
//! close enough to OpenLDAP with the SDS schema for the product's SDS adapter, the `ldap3` client
//! and OpenLDAP's `ldapsearch` to work against it unchanged.
//!
//! It answers:
//! - simple Bind: anonymous (empty name and password) succeeds; a name with an empty password
//!   (an "unauthenticated bind") is refused with unwillingToPerform as slapd does by default; a
//!   name with a password gets invalidCredentials (the sandbox holds no passwords); SASL gets
//!   authMethodNotSupported; a version other than 3 gets protocolError;
//! - Unbind (closes the connection) and Abandon (ignored: replies are never in flight);
//! - Search: base DN, scope, filter, requested attributes (none or `*` = all, `1.1` = none),
//!   types-only, size limit (sizeLimitExceeded, 4, after that many entries), unknown base
//!   (noSuchObject, 32, with the matched DN), malformed base (invalidDNSyntax, 34), and the root
//!   DSE (base `""`, scope base);
//! - the WhoAmI extended operation (an empty authorisation id: everyone is anonymous);
//! - Add, Modify, Delete, ModifyDN and Compare: unwillingToPerform (53); other extended
//!   operations (StartTLS included): protocolError (2); a critical control on any request:
//!   unavailableCriticalExtension (12); a response sent by a client: a notice of disconnection
//!   with protocolError, then the connection is closed.
//!
//! [`ServeOptions::search_delay`] makes every search reply late, so that client timeouts can be
//! tested.
//!
//! It deliberately does not do TLS (no LDAPS, no StartTLS), paging (the paged-results control is
//! not critical when clients send it and is ignored), time limits, referrals, or writes. A
//! malformed or non-UTF-8 request ends the connection without a reply (the codec gives up on it).

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapBindResponse, LdapExtendedRequest, LdapExtendedResponse,
    LdapMsg, LdapOp, LdapPartialAttribute, LdapResult, LdapResultCode, LdapSearchRequest,
    LdapSearchResultEntry, LdapSearchScope, OID_WHOAMI,
};
use ldap3_proto::LdapCodec;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::directory::{Directory, Entry, SearchError};

/// How the server behaves beyond the directory's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServeOptions {
    /// How long to wait before answering each Search (zero: answer at once).
    pub search_delay: Duration,
}

/// What the server does for one connection or message, decided as it arrives (so that the
/// sandbox's run-wide faults can change it between lookups).
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The directory to answer from.
    pub directory: Arc<Directory>,
    /// How long to wait before answering each Search.
    pub search_delay: Duration,
    /// Close every connection as soon as it is made.
    pub down: bool,
}

/// Decides the [`Plan`].
pub(crate) trait Planner: Send + Sync + 'static {
    /// The plan now.
    fn plan(&self) -> Plan;
}

/// The same plan always: a directory and fixed options.
pub(crate) struct Fixed(pub Plan);

impl Planner for Fixed {
    fn plan(&self) -> Plan {
        self.0.clone()
    }
}

/// Serves `directory` on `listener` until the task is dropped, each connection in its own task.
pub async fn serve(listener: TcpListener, directory: Arc<Directory>) {
    serve_with(listener, directory, ServeOptions::default()).await;
}

/// Like [`serve`], with [`ServeOptions`].
pub async fn serve_with(listener: TcpListener, directory: Arc<Directory>, options: ServeOptions) {
    let plan = Plan {
        directory,
        search_delay: options.search_delay,
        down: false,
    };
    serve_planned(listener, Arc::new(Fixed(plan))).await;
}

/// Serves on `listener`, asking `planner` what to do for each connection and message.
pub(crate) async fn serve_planned(listener: TcpListener, planner: Arc<dyn Planner>) {
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                tracing::debug!(%peer, "ldap connection accepted");
                if planner.plan().down {
                    tracing::debug!("ldap fault: closing the connection at once");
                    drop(socket);
                    continue;
                }
                tokio::spawn(handle_connection(socket, Arc::clone(&planner)));
            }
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "ldap accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// What to do after answering a message.
enum Next {
    Continue,
    Close,
}

async fn handle_connection(socket: TcpStream, planner: Arc<dyn Planner>) {
    let (r, w) = socket.into_split();
    let mut requests = FramedRead::new(r, LdapCodec::default());
    let mut replies = FramedWrite::new(w, LdapCodec::default());
    while let Some(msg) = requests.next().await {
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!(error = %e, "ldap request undecodable; closing connection");
                return;
            }
        };
        let plan = planner.plan();
        if plan.down {
            return;
        }
        let (out, next) = answer(msg, &plan.directory, plan.search_delay).await;
        for m in out {
            if replies.feed(m).await.is_err() {
                return;
            }
        }
        if replies.flush().await.is_err() {
            return;
        }
        if let Next::Close = next {
            return;
        }
    }
}

fn result(code: LdapResultCode, matcheddn: &str, message: &str) -> LdapResult {
    LdapResult {
        code,
        matcheddn: matcheddn.to_owned(),
        message: message.to_owned(),
        referral: Vec::new(),
    }
}

/// The response of the right type for request `op` carrying `res`; `None` for requests that
/// have no response (Unbind, Abandon) or that are not requests.
fn response_for(op: &LdapOp, res: LdapResult) -> Option<LdapOp> {
    Some(match op {
        LdapOp::BindRequest(_) => LdapOp::BindResponse(LdapBindResponse {
            res,
            saslcreds: None,
        }),
        LdapOp::SearchRequest(_) => LdapOp::SearchResultDone(res),
        LdapOp::ModifyRequest(_) => LdapOp::ModifyResponse(res),
        LdapOp::AddRequest(_) => LdapOp::AddResponse(res),
        LdapOp::DelRequest(_) => LdapOp::DelResponse(res),
        LdapOp::ModifyDNRequest(_) => LdapOp::ModifyDNResponse(res),
        LdapOp::CompareRequest(_) => LdapOp::CompareResult(res),
        LdapOp::ExtendedRequest(_) => LdapOp::ExtendedResponse(LdapExtendedResponse {
            res,
            name: None,
            value: None,
        }),
        _ => return None,
    })
}

/// Whether a control was sent marked critical (controls whose decoded form drops the flag are
/// treated as non-critical).
fn is_critical(control: &LdapControl) -> bool {
    match control {
        LdapControl::SyncRequest { criticality, .. }
        | LdapControl::ManageDsaIT { criticality }
        | LdapControl::PasswordPolicyRequest { criticality }
        | LdapControl::SearchOptions { criticality, .. }
        | LdapControl::ShowDeleted { criticality }
        | LdapControl::SdFlags { criticality, .. }
        | LdapControl::ExtendedDn { criticality, .. }
        | LdapControl::Unknown { criticality, .. } => *criticality,
        _ => false,
    }
}

async fn answer(
    msg: LdapMsg,
    directory: &Directory,
    search_delay: Duration,
) -> (Vec<LdapMsg>, Next) {
    let LdapMsg { msgid, op, ctrl } = msg;
    let reply = |op: LdapOp| LdapMsg::new(msgid, op);
    let one = |op: LdapOp| (vec![LdapMsg::new(msgid, op)], Next::Continue);

    if ctrl.iter().any(is_critical) {
        let res = result(
            LdapResultCode::UnavailableCriticalExtension,
            "",
            "critical control not supported",
        );
        return match response_for(&op, res) {
            Some(r) => one(r),
            None => (Vec::new(), Next::Continue),
        };
    }

    match op {
        LdapOp::BindRequest(ref bind) => {
            let res = bind_result(bind);
            tracing::debug!(code = ?res.code, "ldap bind");
            one(LdapOp::BindResponse(LdapBindResponse {
                res,
                saslcreds: None,
            }))
        }
        LdapOp::UnbindRequest => (Vec::new(), Next::Close),
        LdapOp::AbandonRequest(_) => (Vec::new(), Next::Continue),
        LdapOp::SearchRequest(search) => {
            if !search_delay.is_zero() {
                tokio::time::sleep(search_delay).await;
            }
            let ops = search_replies(directory, &search);
            (ops.into_iter().map(reply).collect(), Next::Continue)
        }
        LdapOp::ExtendedRequest(LdapExtendedRequest { ref name, .. }) if name == OID_WHOAMI => one(
            LdapOp::ExtendedResponse(LdapExtendedResponse::new_success(None, Some(""))),
        ),
        LdapOp::ExtendedRequest(ref ext) => {
            tracing::debug!(name = %ext.name, "ldap extended operation not supported");
            let res = result(
                LdapResultCode::ProtocolError,
                "",
                "extended operation not supported",
            );
            one(LdapOp::ExtendedResponse(LdapExtendedResponse {
                res,
                name: Some(ext.name.clone()),
                value: None,
            }))
        }
        LdapOp::AddRequest(_)
        | LdapOp::ModifyRequest(_)
        | LdapOp::DelRequest(_)
        | LdapOp::ModifyDNRequest(_)
        | LdapOp::CompareRequest(_) => {
            let res = result(
                LdapResultCode::UnwillingToPerform,
                "",
                "the sandbox directory is read-only",
            );
            match response_for(&op, res) {
                Some(r) => one(r),
                None => (Vec::new(), Next::Continue),
            }
        }
        other => {
            // A response or intermediate message sent by a client: RFC 4511 §4.4.1.
            tracing::debug!(?other, "ldap client sent a non-request; disconnecting");
            let notice = ldap3_proto::DisconnectionNotice::gen_response(
                LdapResultCode::ProtocolError,
                "unexpected message from client",
            );
            (vec![notice], Next::Close)
        }
    }
}

fn bind_result(bind: &LdapBindRequest) -> LdapResult {
    if bind.version != 3 {
        return result(
            LdapResultCode::ProtocolError,
            "",
            "only LDAP version 3 is supported",
        );
    }
    match &bind.cred {
        LdapBindCred::Simple(pw) if bind.dn.is_empty() && pw.is_empty() => {
            result(LdapResultCode::Success, "", "")
        }
        LdapBindCred::Simple(pw) if pw.is_empty() => result(
            LdapResultCode::UnwillingToPerform,
            "",
            "unauthenticated bind (DN with no password) disallowed",
        ),
        LdapBindCred::Simple(_) => result(LdapResultCode::InvalidCredentials, "", ""),
        _ => result(
            LdapResultCode::AuthMethodNotSupported,
            "",
            "only simple anonymous bind is supported",
        ),
    }
}

/// The root DSE, returned for a base-scope search of the empty DN.
fn root_dse() -> Entry {
    Entry::new("")
        .with("objectClass", ["top", "OpenLDAProotDSE"])
        .with("namingContexts", ["o=nhs"])
        .with("supportedLDAPVersion", ["3"])
        .with("supportedExtension", [OID_WHOAMI])
}

/// The entry and done messages answering `search`.
fn search_replies(directory: &Directory, search: &LdapSearchRequest) -> Vec<LdapOp> {
    // People searches name a user id in their base: never logged.
    if search.base.to_ascii_lowercase().contains("ou=people") {
        tracing::debug!(scope = ?search.scope, "ldap search under ou=people");
    } else {
        tracing::debug!(
            base = %search.base,
            scope = ?search.scope,
            filter = ?search.filter,
            "ldap search"
        );
    }
    let root;
    let found: Vec<&Entry> =
        if search.base.trim().is_empty() && search.scope == LdapSearchScope::Base {
            root = root_dse();
            if root.matches(&search.filter) {
                vec![&root]
            } else {
                Vec::new()
            }
        } else {
            match directory.search(&search.base, &search.scope, &search.filter) {
                Ok(found) => found,
                Err(SearchError::NoSuchObject { matched, .. }) => {
                    return vec![LdapOp::SearchResultDone(result(
                        LdapResultCode::NoSuchObject,
                        &matched,
                        "no such object",
                    ))]
                }
                Err(SearchError::InvalidDn(_)) => {
                    return vec![LdapOp::SearchResultDone(result(
                        LdapResultCode::InvalidDNSyntax,
                        "",
                        "invalid DN",
                    ))]
                }
            }
        };
    let limit = usize::try_from(search.sizelimit)
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let mut out: Vec<LdapOp> = found
        .iter()
        .take(limit)
        .map(|e| LdapOp::SearchResultEntry(project(e, &search.attrs, search.typesonly)))
        .collect();
    out.push(LdapOp::SearchResultDone(if found.len() > limit {
        result(LdapResultCode::SizeLimitExceeded, "", "size limit exceeded")
    } else {
        result(LdapResultCode::Success, "", "")
    }));
    out
}

/// The entry as sent: the requested attributes in their stored spelling.
fn project(entry: &Entry, requested: &[String], typesonly: bool) -> LdapSearchResultEntry {
    let all = requested.is_empty() || requested.iter().any(|a| a == "*");
    let attributes = entry
        .attrs
        .iter()
        .filter(|(name, _)| {
            all || requested
                .iter()
                .any(|r| r.split(';').next().unwrap_or(r).eq_ignore_ascii_case(name))
        })
        .map(|(name, values)| LdapPartialAttribute {
            atype: name.clone(),
            vals: if typesonly {
                Vec::new()
            } else {
                values.iter().map(|v| v.as_bytes().to_vec()).collect()
            },
        })
        .collect();
    LdapSearchResultEntry {
        dn: entry.dn.clone(),
        attributes,
    }
}
