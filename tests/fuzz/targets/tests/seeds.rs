//! The seed writer: `cargo test -p vmcheck-fuzz-targets --test seeds -- --ignored` writes the
//! seeds this repository can make by itself into `tests/fuzz/corpus/NAME/` (`seed-*` files;
//! existing files are kept). The sandbox's answers come from `tests/fuzz/sandbox-seeds.py`.

use std::path::{Path, PathBuf};

use vmcheck_fuzz_targets::seeds;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .canonicalize()
        .expect("repository root")
}

fn put(target: &str, name: &str, data: &[u8]) {
    let dir = root().join("tests/fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir).expect("corpus directory");
    std::fs::write(dir.join(format!("seed-{name}")), data).expect("seed written");
}

fn each_file(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("directory") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            out.push((name, std::fs::read(&path).expect("readable")));
        }
    }
    out.sort();
    out
}

/// The `toml` blocks of README.md.
fn readme_toml() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in readme.lines() {
        match (&mut block, line.trim_start()) {
            (None, "```toml") => block = Some(String::new()),
            (Some(b), "```") => {
                out.push(std::mem::take(b));
                block = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
#[ignore = "writes the seed corpora; run by hand"]
fn write_seeds() {
    let spec = Path::new("/work/shared/spec");
    let vandm = if spec.join("vandm/Examples").is_dir() {
        spec.join("vandm/Examples")
    } else {
        root().join("src-tauri/crates/core/tests/fixtures/vandm")
    };
    for (name, data) in each_file(&vandm) {
        let text = String::from_utf8_lossy(&data);
        let target = if name.ends_with(".xml") {
            "vandm_xml"
        } else if name.ends_with(".json") {
            "vandm_json"
        } else {
            continue;
        };
        for (i, variant) in seeds::vandm_variants(&text).iter().enumerate() {
            put(target, &format!("{name}-{i}"), variant.as_bytes());
        }
    }
    for levels in [60, 63, 64, 70, 200, 2_000] {
        put(
            "vandm_json",
            &format!("deep-{levels}"),
            &seeds::deep_json(levels),
        );
        put(
            "vandm_xml",
            &format!("deep-{levels}"),
            &seeds::deep_xml(levels),
        );
    }

    let pds = if spec.join("pds/examples").is_dir() {
        spec.join("pds/examples")
    } else {
        root().join("src-tauri/crates/core/tests/fixtures/pds")
    };
    for (name, data) in each_file(&pds) {
        if name.ends_with(".json") {
            put("pds_patient", &name, &data);
        }
    }

    for (name, data) in seeds::card_conversations() {
        put("card_apdu", &name, &data);
    }

    let core = root().join("src-tauri/crates/core");
    for (name, data) in each_file(&core.join("tests/fixtures/cards")) {
        put("certificate", &name, &data);
    }
    put(
        "certificate",
        "training-card.der",
        vmcheck_core::card::soft::TRAINING_CERTIFICATE,
    );

    // SDS: the published entries (an nhsAs and an nhsMhs), as they are and as the V&M lookup
    // would find them.
    let sds = std::fs::read(spec.join("sds/my_real_server_entries.json")).expect("SDS entries");
    let sds: serde_json::Value = serde_json::from_slice(&sds).expect("JSON");
    let entry = |e: &serde_json::Value| -> vmcheck_fuzz_targets::sds::Entry {
        e["raw"]
            .as_object()
            .expect("raw attributes")
            .iter()
            .map(|(k, v)| {
                let values = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (k.clone(), values)
            })
            .collect()
    };
    let entries: Vec<_> = sds["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(entry)
        .collect();
    let [accredited, mhs] = entries.as_slice() else {
        panic!("two SDS entries");
    };
    let role = |id: &str, role: &str, ods: &str| -> vmcheck_fuzz_targets::sds::Entry {
        vec![
            ("objectClass".into(), vec!["nhsOrgPersonRole".into()]),
            ("uniqueIdentifier".into(), vec![id.into()]),
            ("nhsJobRole".into(), vec![role.into()]),
            ("nhsJobRoleCode".into(), vec!["S8000:G8001:R8006".into()]),
            ("nhsIDCode".into(), vec![ods.into()]),
        ]
    };
    let roles = vec![
        role(
            "555021936109",
            "\"Admin & Clerical\":\"Admin & Clerical\":\"Overseas Visitors Manager\"",
            "RRK99",
        ),
        role("555021937108", "Receptionist", "rrk99"),
        role("555021938107", "Nurse", "RXQ"),
    ];
    use vmcheck_fuzz_targets::sds::encode;
    put(
        "sds_entries",
        "published",
        &encode(&[vec![accredited.clone()], vec![mhs.clone()], roles.clone()]),
    );
    put(
        "sds_entries",
        "roles-only",
        &encode(&[vec![], vec![], roles]),
    );
    put(
        "sds_entries",
        "two-accredited",
        &encode(&[
            vec![accredited.clone(), accredited.clone()],
            vec![mhs.clone()],
        ]),
    );
    put(
        "sds_entries",
        "two-mhs",
        &encode(&[vec![accredited.clone()], vec![mhs.clone(), mhs.clone()]]),
    );

    let blocks = readme_toml();
    for (i, block) in blocks.iter().enumerate() {
        put("config_toml", &format!("readme-{i}"), block.as_bytes());
    }
    put("config_toml", "readme-all", blocks.concat().as_bytes());
    put("config_toml", "sandbox", SANDBOX_CONFIG.as_bytes());

    write_worklist_seeds();
}

/// Worklists: CSV as trusts export them (comma, semicolon, tab, a byte-order mark, Windows-1252,
/// quoted cells, full names, two-digit years, a repeated NHS number, a bad check digit, a number
/// Excel wrote in scientific form, empty rows) and the same rows as an XLSX workbook.
fn worklist_seeds() -> Vec<(String, Vec<u8>)> {
    let headers = [
        "NHS Number",
        "Hospital No",
        "Surname",
        "Forename",
        "DOB",
        "Sex",
        "Postcode",
        "Admission Date",
        "Ward",
        "Notes",
    ];
    let rows = [
        [
            "943 476 5919",
            "RRK0001",
            "SMITH",
            "Jane",
            "1982-03-14",
            "F",
            "LS1 4AP",
            "01/12/2026",
            "Ward 4",
            "",
        ],
        [
            "9434765870",
            "RRK0002",
            "O'Brien",
            "Seán",
            "14/03/82",
            "M",
            "ls14ap",
            "2026-12-02",
            "",
            "x",
        ],
        [
            "",
            "RRK0003",
            "Jones",
            "Tom",
            "31/12/1999",
            "male",
            "SW1A 1AA",
            "",
            "AMU",
            "",
        ],
        [
            "943-476-5919",
            "",
            "Smith",
            "Jane",
            "14/03/1982",
            "female",
            "",
            "",
            "",
            "again",
        ],
        [
            "9434765918",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "bad check digit",
        ],
        [
            "9.43477E+09",
            "",
            "Lee",
            "",
            "2030-01-01",
            "U",
            "",
            "",
            "",
            "scientific",
        ],
        ["", "", "", "", "", "", "", "", "", ""],
    ];
    let header_strings: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let row_strings: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect();
    let delimited = |sep: &str| {
        let mut text = headers.join(sep);
        text.push_str("\r\n");
        for row in &rows {
            text.push_str(&row.join(sep));
            text.push_str("\r\n");
        }
        text
    };
    let mut out = vec![
        ("comma.csv".to_owned(), delimited(",").into_bytes()),
        ("semicolon.csv".to_owned(), delimited(";").into_bytes()),
        ("tab.csv".to_owned(), delimited("\t").into_bytes()),
        ("bom.csv".to_owned(), [b"\xEF\xBB\xBF".as_slice(), delimited(",").as_bytes()].concat()),
        (
            "cp1252.csv".to_owned(),
            b"NHS Number,Patient Name,Date of Birth\r\n9434765919,\"O'BRIEN, Se\xe1n\",14/03/1982\r\n"
                .to_vec(),
        ),
        (
            "quoted.csv".to_owned(),
            b"\"NHS No\",\"Name\",\"D.O.B.\",\"Gender\"\n\"9434765919\",\"SMITH, Jane \"\"Janie\"\"\",\"14-Mar-1982\",\"2\"\n"
                .to_vec(),
        ),
        (
            "blank-lines-first.csv".to_owned(),
            b"\n\n,,\nNHS Number,Surname\n9434765919,Smith\n".to_vec(),
        ),
    ];
    let xlsx = vmcheck_sheets::xlsx_bytes(&header_strings, &row_strings, None).expect("XLSX");
    out.push(("list.xlsx".to_owned(), xlsx));
    out
}

#[test]
#[ignore = "writes the worklist_row seeds; run by hand"]
fn write_worklist_seeds() {
    for (name, data) in worklist_seeds() {
        put("worklist_row", &name, &data);
    }
}

/// A configuration that validates: the sandbox environment with the training card.
const SANDBOX_CONFIG: &str = r#"environment = "sandbox"

[organisation]
ods_code = "RRK99"
name = "Training"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"

[identity]
user_uuid = "555021935107"
role_profile_id = "555021936109"

[pds]
base_url = "http://127.0.0.1:1/personal-demographics/FHIR/R4"

[sds]
ldap_url = "ldap://127.0.0.1:2"

[vandm]
format = "xml"

[session]
card = "training"
mode = "kiosk"
idle_lock_secs = 300

[http]
max_response_bytes = 1048576

[tls]
ca_bundle = "ca.pem"
client_certificate = "client.pem"
key_file = "client.key"
"#;
