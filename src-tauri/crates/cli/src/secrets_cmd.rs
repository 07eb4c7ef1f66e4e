//! `vmcheck secrets import NAME FILE`, `vmcheck secrets remove NAME`, `vmcheck secrets list`:
//! the keys V&M Check uses (TLS private key, PDS signing key, audit JWT signing key) kept in the
//! OS keyring (`vmcheck-secrets`). Nothing secret is ever printed: `import` says which name was
//! stored, `list` prints names only.
//!
//! Exit codes: 0 done; 1 no secret of that name, or the keyring refused the operation; 2 the
//! input was refused before the keyring was touched (bad name, unreadable, empty or oversized
//! file); 4 no keyring is reachable, or it is locked.

use std::path::Path;

use clap::Subcommand;
use vmcheck_secrets::{SecretStore, SecretsError, Zeroizing};

/// Exit code: done.
const EXIT_OK: u8 = 0;
/// Exit code: not found, or the keyring refused the operation.
const EXIT_FAILED: u8 = 1;
/// Exit code: input refused locally.
const EXIT_REFUSED: u8 = 2;
/// Exit code: no keyring reachable, or locked.
const EXIT_UNAVAILABLE: u8 = 4;
/// The largest file `import` accepts (keys and certificates are a few kilobytes).
const MAX_FILE: u64 = 64 * 1024;

/// `vmcheck secrets …`.
#[derive(Subcommand)]
pub(crate) enum SecretsCommand {
    /// Store FILE's contents in the keyring as NAME (replacing a secret of that name). Prints
    /// nothing secret; the file can be deleted afterwards.
    Import {
        /// The secret's name, e.g. pds-signing-key (letters, digits, '.', '_', '-').
        name: String,
        /// The file to store, e.g. a PEM private key.
        file: std::path::PathBuf,
    },
    /// Delete the secret NAME from the keyring.
    Remove {
        /// The secret's name.
        name: String,
    },
    /// List the names of the stored secrets (never their values).
    List {
        /// Print a JSON array of names.
        #[arg(long)]
        json: bool,
    },
}

/// What to tell the user to do.
fn action(e: &SecretsError) -> &'static str {
    match e {
        SecretsError::NoKeyring(_) => "Run V&M Check in a desktop session with a keyring (GNOME Keyring or KWallet on Linux), or start one.",
        SecretsError::Locked => "Unlock the keyring (sign in to the desktop, or open Passwords and Keys) and run the command again.",
        SecretsError::NotFound(_) => "See the stored names with `vmcheck secrets list`.",
        SecretsError::InvalidName(_) => "Choose a name such as pds-signing-key or tls-key.",
        SecretsError::Empty(_) => "Check the file: it must hold the key (e.g. a PEM file).",
        SecretsError::Other(_) => "Check the keyring (e.g. with Seahorse) and run the command again.",
    }
}

fn fail(e: &SecretsError, json: bool) -> u8 {
    crate::output::print_error(e.code(), &e.to_string(), action(e), json);
    match e {
        SecretsError::NoKeyring(_) | SecretsError::Locked => EXIT_UNAVAILABLE,
        SecretsError::InvalidName(_) | SecretsError::Empty(_) => EXIT_REFUSED,
        SecretsError::NotFound(_) | SecretsError::Other(_) => EXIT_FAILED,
    }
}

fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    if meta.len() > MAX_FILE {
        return Err(format!(
            "{shown} is larger than {} KiB: it is not a key file",
            MAX_FILE / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.is_empty() {
        return Err(format!("{shown} is empty: nothing was stored"));
    }
    Ok(Zeroizing::new(bytes))
}

/// Runs one `secrets` subcommand; returns the exit code.
pub(crate) fn run(command: SecretsCommand) -> u8 {
    match command {
        SecretsCommand::Import { name, file } => {
            if let Err(e) = vmcheck_secrets::check_name(&name) {
                return fail(&e, false);
            }
            let bytes = match read_file(&file) {
                Ok(b) => b,
                Err(message) => {
                    crate::output::print_error(
                        "SECRET_FILE",
                        &message,
                        "Give the path of the key file to store.",
                        false,
                    );
                    return EXIT_REFUSED;
                }
            };
            match SecretStore::open().and_then(|s| s.import(&name, &bytes)) {
                Ok(()) => {
                    println!("Stored '{name}' in the keyring.");
                    EXIT_OK
                }
                Err(e) => fail(&e, false),
            }
        }
        SecretsCommand::Remove { name } => {
            match SecretStore::open().and_then(|s| s.remove(&name)) {
                Ok(()) => {
                    println!("Removed '{name}' from the keyring.");
                    EXIT_OK
                }
                Err(e) => fail(&e, false),
            }
        }
        SecretsCommand::List { json } => match SecretStore::open().and_then(|s| s.list()) {
            Ok(names) => {
                if json {
                    println!("{}", serde_json::json!(names));
                } else {
                    for name in names {
                        println!("{name}");
                    }
                }
                EXIT_OK
            }
            Err(e) => fail(&e, json),
        },
    }
}
