//! libFuzzer entry point of the `worklist_row` target; the target and its oracle are
//! `vmcheck_fuzz_targets::worklist_row`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::worklist_row(data));
