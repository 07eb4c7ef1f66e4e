//! A worklist job's records, found by its batch id (what a resumed job reads to complete the
//! intents it left open).

mod common;

use common::{fresh, lookup};
use vmcheck_audit::{Action, NewRecord};

#[test]
fn a_jobs_records_are_found_by_its_batch_id_in_order() {
    let (_dir, _path, log) = fresh();
    let in_batch = |i: i64, batch: Option<&str>, action: Action| NewRecord {
        batch_id: batch.map(str::to_owned),
        action,
        detail: Some(format!("row={i}")),
        ..lookup(i)
    };
    log.append_all(vec![
        in_batch(1, Some("job-a"), Action::Lookup),
        in_batch(2, Some("job-b"), Action::Lookup),
        in_batch(3, None, Action::Lookup),
        in_batch(4, Some("job-a"), Action::Lookup),
    ])
    .expect("append");
    log.append(NewRecord {
        refers_to: Some(1),
        ..in_batch(1, Some("job-a"), Action::Outcome)
    })
    .expect("append");

    let a = log.batch_records("job-a").expect("job-a");
    let seen: Vec<(i64, Action, Option<&str>)> = a
        .iter()
        .map(|r| (r.seq, r.record.action, r.record.detail.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Action::Lookup, Some("row=1")),
            (4, Action::Lookup, Some("row=4")),
            (5, Action::Outcome, Some("row=1")),
        ]
    );
    assert_eq!(log.batch_records("job-b").expect("job-b").len(), 1);
    assert!(log.batch_records("job-c").expect("job-c").is_empty());
    assert!(log.verify().expect("verify").is_intact());
}
