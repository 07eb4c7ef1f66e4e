//! libFuzzer entry point of the `vandm_json` target; the target and its oracle are
//! `vmcheck_fuzz_targets::vandm_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::vandm_json(data));
