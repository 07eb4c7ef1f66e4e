//! libFuzzer entry point of the `pds_patient` target; the target and its oracle are
//! `vmcheck_fuzz_targets::pds_patient`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::pds_patient(data));
