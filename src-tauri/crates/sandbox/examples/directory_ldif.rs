//! Prints the sandbox's SDS test directory ([`Directory::test_fixtures`]) as LDIF on standard
//! output, for loading a real OpenLDAP server with the same entries as the embedded one.
//!
//! ```text
//! cargo run -q -p vmcheck-sandbox --example directory_ldif -- https://vandm.example/fhir
//! ```
//!
//! The one argument is the Visitors and Migrants base URL the message handling systems name.
//! `--spine-only` before it prints [`Directory::spine`] instead (no test fixtures).

use std::io::Write;
use std::process::ExitCode;

use vmcheck_sandbox::directory::Directory;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (spine_only, url) = match args.as_slice() {
        [url] => (false, url),
        [flag, url] if flag == "--spine-only" => (true, url),
        _ => {
            eprintln!("usage: directory_ldif [--spine-only] VANDM_BASE_URL");
            return ExitCode::from(2);
        }
    };
    let directory = if spine_only {
        Directory::spine(url)
    } else {
        Directory::test_fixtures(url)
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(directory.to_ldif().as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("directory_ldif: cannot write: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
