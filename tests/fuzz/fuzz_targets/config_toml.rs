//! libFuzzer entry point of the `config_toml` target; the target and its oracle are
//! `vmcheck_fuzz_targets::config_toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vmcheck_fuzz_targets::config_toml(data));
