//! libFuzzer entry point of the `card_apdu` target; the target and its oracle are
//! `vmcheck_fuzz_targets::card_apdu`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::card_apdu(data));
