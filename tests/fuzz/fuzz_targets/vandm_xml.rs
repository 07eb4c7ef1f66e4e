//! libFuzzer entry point of the `vandm_xml` target; the target and its oracle are
//! `vmcheck_fuzz_targets::vandm_xml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::vandm_xml(data));
