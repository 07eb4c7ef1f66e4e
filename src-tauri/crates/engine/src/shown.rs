//! The result on screen, kept so that its slip can be printed or saved later: only the result
//! with that id, only for the user and role it was shown to, and only while the session has not
//! been locked since (a lock, a sign-out or a change of role starts a new generation). The
//! desktop keeps one; the page never sends the result itself.

use vmcheck_core::session::Actor;

use crate::report::LookupReport;
use crate::slip::{Slip, SlipError};

/// A result as it was shown.
#[derive(Debug, Clone)]
pub struct ShownResult {
    /// The UI's id of the lookup.
    pub lookup_id: u32,
    /// The result as shown.
    pub report: LookupReport,
    /// Who it was shown to.
    pub actor: Actor,
    /// Their role's name.
    pub role: String,
    /// The session's generation then.
    pub generation: u64,
}

/// Why the slip of a result on screen was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShownError {
    /// No result, or another one, is on screen.
    #[error("This result is no longer on screen: check the patient again.")]
    NotOnScreen,
    /// Someone else is signed in, in another role, or the session was locked since.
    #[error("The session changed since this result was shown: check the patient again.")]
    SessionChanged,
    /// The result has no status to put on paper.
    #[error(transparent)]
    NoSlip(#[from] SlipError),
}

/// The organisation as a slip names it: `Name (ODS)`.
pub fn organisation_line(name: &str, ods_code: &str) -> String {
    format!("{name} ({ods_code})")
}

/// The slip of result `lookup_id`, if it is `shown` and the session (`actor` now signed in, at
/// `generation`) is the one it was shown in; made at `now` (Unix seconds) for `organisation`.
pub fn slip_of(
    shown: Option<&ShownResult>,
    lookup_id: u32,
    actor: Option<&Actor>,
    generation: u64,
    now: i64,
    organisation: &str,
) -> Result<(Slip, Actor), ShownError> {
    let shown = shown
        .filter(|s| s.lookup_id == lookup_id)
        .ok_or(ShownError::NotOnScreen)?;
    if actor != Some(&shown.actor) || generation != shown.generation {
        return Err(ShownError::SessionChanged);
    }
    let slip = Slip::new(&shown.report, now, &shown.role, organisation)?;
    Ok((slip, shown.actor.clone()))
}

#[cfg(test)]
mod tests {
    use vmcheck_core::roles::DetailView;
    use vmcheck_core::BannerColour;

    use super::*;

    fn actor(uuid: &str, role: &str) -> Actor {
        Actor {
            user_uuid: uuid.into(),
            role_profile_id: role.into(),
            view: DetailView::Full,
        }
    }

    fn shown() -> ShownResult {
        ShownResult {
            lookup_id: 7,
            report: LookupReport {
                nhs_number: "9434765919".into(),
                outcome: "status",
                banner: Some(BannerColour::Green),
                headline: Some("Not chargeable"),
                basic: Some("N"),
                category: None,
                category_display: None,
                category_definition: None,
                effective: None,
                effective_display: None,
                effective_older_than_12_months: false,
                effective_in_future: false,
                exemption_reminder: false,
                patient: None,
                error: None,
                trace_id: "trace".into(),
                view: DetailView::Full,
                detail_withheld: None,
                hospital_number: None,
                trust_nhs_number: None,
                hospital_number_warning: None,
            },
            actor: actor("555021935107", "555021936109"),
            role: "Overseas Visitors Manager".into(),
            generation: 3,
        }
    }

    #[test]
    fn the_slip_is_of_the_result_on_screen_for_whom_it_was_shown() {
        let s = shown();
        let ovm = actor("555021935107", "555021936109");
        let (slip, by) = slip_of(Some(&s), 7, Some(&ovm), 3, 0, "Training (RRK99)").expect("slip");
        assert_eq!(by, ovm);
        assert_eq!(slip.nhs_number, "943 476 5919");
        assert_eq!(
            slip.checked_by,
            "Overseas Visitors Manager, Training (RRK99)"
        );
    }

    #[test]
    fn another_result_user_role_or_a_lock_since_gets_no_slip() {
        let s = shown();
        let ovm = actor("555021935107", "555021936109");
        let refused = |shown, id, who: Option<&Actor>, generation| {
            slip_of(shown, id, who, generation, 0, "Training (RRK99)").map(|_| ())
        };
        assert_eq!(
            refused(None, 7, Some(&ovm), 3),
            Err(ShownError::NotOnScreen)
        );
        assert_eq!(
            refused(Some(&s), 8, Some(&ovm), 3),
            Err(ShownError::NotOnScreen)
        );
        let someone_else = actor("555021937101", "555021936109");
        assert_eq!(
            refused(Some(&s), 7, Some(&someone_else), 3),
            Err(ShownError::SessionChanged)
        );
        let other_role = actor("555021935107", "555021938107");
        assert_eq!(
            refused(Some(&s), 7, Some(&other_role), 3),
            Err(ShownError::SessionChanged)
        );
        assert_eq!(
            refused(Some(&s), 7, None, 3),
            Err(ShownError::SessionChanged)
        );
        assert_eq!(
            refused(Some(&s), 7, Some(&ovm), 4),
            Err(ShownError::SessionChanged),
            "locked since"
        );
        let mut error = shown();
        error.report.banner = None;
        error.report.headline = None;
        assert_eq!(
            refused(Some(&error), 7, Some(&ovm), 3),
            Err(ShownError::NoSlip(SlipError::NoStatus))
        );
    }

    #[test]
    fn the_organisation_is_named_with_its_code() {
        assert_eq!(organisation_line("Training", "RRK99"), "Training (RRK99)");
    }
}
