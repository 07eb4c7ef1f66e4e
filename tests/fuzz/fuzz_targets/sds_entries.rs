//! libFuzzer entry point of the `sds_entries` target; the target and its oracle are
//! `vmcheck_fuzz_targets::sds_entries`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::sds_entries(data));
