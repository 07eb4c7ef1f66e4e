//! libFuzzer entry point of the `certificate` target; the target and its oracle are
//! `vmcheck_fuzz_targets::certificate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::certificate(data));
