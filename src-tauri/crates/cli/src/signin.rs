//! `vmcheck login`, `vmcheck card status|watch`, and signing in before a configured lookup:
//! the passcode is read without echo from the terminal, or from standard input when it is not
//! a terminal (scripts, tests); it is never printed or logged.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vmcheck_card::pcsc_access::{watch, PcscCards};
use vmcheck_card::CardAccess;
use vmcheck_engine::session::{Session, SessionState, SessionView, SignInError};

/// Exit code: sign-in refused (wrong passcode, blocked card, no role…).
pub const EXIT_SIGN_IN: u8 = 5;

/// Reads the passcode: no echo on a terminal, one line from stdin otherwise.
pub fn read_passcode() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Smartcard passcode: ")
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// Waits up to `timeout` for a card in a reader (following card events).
pub async fn wait_for_card(session: &Arc<Session>, timeout: Duration) -> Option<SessionView> {
    let deadline = Instant::now() + timeout;
    loop {
        let view = session.view();
        if view.state == SessionState::CardPresent {
            return Some(view);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        session.refresh_readers();
    }
}

/// `require_role`: lookups need a role, so several roles without `--role` is an error then;
/// `login` only lists them.
/// Signs in: waits for a card, shows tries left, reads the passcode, confirms the last try
/// (only on a terminal; from stdin the caller must pass `--confirm-last-try`), chooses the role.
pub async fn sign_in(
    session: &Arc<Session>,
    role: Option<&str>,
    require_role: bool,
    confirm_last_try: bool,
    json: bool,
) -> Result<SessionView, (String, String)> {
    let fail = |e: SignInError| (e.code().as_str().to_owned(), e.to_string());
    if wait_for_card(
        session,
        Duration::from_secs(if std::io::stdin().is_terminal() {
            60
        } else {
            5
        }),
    )
    .await
    .is_none()
    {
        let view = session.view();
        let message = match view.state {
            SessionState::NoService => "The smartcard service is not running on this computer.",
            SessionState::NoReader => "No smartcard reader is connected.",
            _ => "Insert your smartcard.",
        };
        return Err(("NO_CARD".into(), message.into()));
    }
    let tries = session.query_tries().await.map_err(fail)?;
    let mut confirm = confirm_last_try;
    match tries {
        vmcheck_core::card::PinState::Blocked => {
            return Err(fail(SignInError::Card(
                vmcheck_core::card::CardError::Blocked.into(),
            )))
        }
        vmcheck_core::card::PinState::TriesLeft { tries: 1 }
            if !confirm && std::io::stdin().is_terminal() && !json =>
        {
            eprintln!("Warning: one try is left. A wrong passcode will lock the card. Type the passcode to continue.");
            confirm = true;
        }
        vmcheck_core::card::PinState::TriesLeft { tries }
            if std::io::stdin().is_terminal() && !json =>
        {
            eprintln!("{tries} passcode tries left.");
        }
        _ => {}
    }
    let passcode = read_passcode().map_err(|e| {
        (
            vmcheck_engine::ErrorCode::PasscodeInput.as_str().to_owned(),
            e.to_string(),
        )
    })?;
    let view = session.sign_in(passcode, confirm).await.map_err(fail)?;
    if view.state == SessionState::ChooseRole {
        let chosen = match role {
            Some(id) => id.to_owned(),
            // Signing in only: the roles are listed, none chosen.
            None if !require_role => return Ok(view),
            None => {
                let list: Vec<String> = view
                    .roles
                    .iter()
                    .map(|r| format!("{} ({})", r.role_profile_id, r.job_role))
                    .collect();
                return Err((
                    "CHOOSE_ROLE".into(),
                    format!(
                        "You have several roles; choose one with --role: {}",
                        list.join(", ")
                    ),
                ));
            }
        };
        return session.choose_role(&chosen).map_err(fail);
    }
    if let Some(id) = role {
        return session.choose_role(id).map_err(fail);
    }
    Ok(view)
}

/// Prints the readers and cards.
pub fn card_status(json: bool) -> u8 {
    match PcscCards::new().readers() {
        Ok(readers) => {
            if json {
                println!("{}", serde_json::json!({ "readers": readers }));
            } else if readers.is_empty() {
                println!("No smartcard reader is connected.");
            } else {
                for r in readers {
                    let card = if r.card_present {
                        format!("card present (ATR {})", r.atr.unwrap_or_default())
                    } else {
                        "empty".into()
                    };
                    println!("{}: {card}", r.reader);
                }
            }
            0
        }
        Err(e) => {
            crate::output::print_error(
                "CARD",
                &e.to_string(),
                "Check that the smartcard service (pcscd) is running.",
                json,
            );
            crate::EXIT_SERVICE
        }
    }
}

/// Prints card events as JSON lines until interrupted.
pub async fn card_watch() -> u8 {
    let watcher = watch(|event| println!("{}", serde_json::to_string(&event).unwrap_or_default()));
    let _ = tokio::signal::ctrl_c().await;
    watcher.stop();
    0
}
