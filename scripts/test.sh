#!/usr/bin/env bash
# The whole V&M Check test suite, from a fresh clone: installs what is missing, checks the
# layering, builds the web UI and runs every test — the Rust crates (with the sandbox, a real
# OpenLDAP slapd and a real pcscd with virtual smartcards, each started by the tests themselves
# on loopback and stopped when they end), the UI's unit tests, the virtual card's own tests, and
# the desktop end-to-end tests under Xvfb; then mutation testing of the safety code and a short
# live fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
start=$(date +%s)
# Each step says the time so far and the disk left where the build writes (a CI machine's disk
# is shared, and a full disk shows up as some unrelated tool's failure).
step() { echo; echo "== $* ($(( $(date +%s) - start )) s, $(df -h --output=avail . | tail -1 | tr -d ' ') free)"; }
# A CI run builds once from a fresh clone: incremental compilation data would only take disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

step "formatting"
cargo fmt --all -- --check

step "the layering: a pure core, no sandbox in the engine, no adapter above its layer, no shell past the engine"
bash scripts/check-layers.sh

step "the hazard log names only tests and files that exist"
python3 scripts/check-hazard-log.py

step "the release linker lays the named functions out first and packs the relocations, only in the desktop app"
python3 scripts/test_link_ordered.py

step "web UI: install, typecheck, unit tests, build (the desktop app embeds it, so before any Rust build)"
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm test --silent && npm run --silent build)

step "lints: clippy with warnings as errors (the core's clippy.toml forbids clock, randomness, environment, files)"
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

step "documentation builds without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked --quiet

step "Rust tests (unit, flow, sandbox, slapd, PC/SC system tests, CLI)"
cargo test --workspace --all-targets --locked --exclude vmcheck-e2e-tests

step "OS keyring tests (a real Secret Service: gnome-keyring in a private D-Bus session)"
bash tests/keyring/run.sh

step "the virtual smartcard's own tests (real pcscd)"
bash tests/card/run-tests.sh

if [ -x tests/e2e/run.sh ]; then
  step "desktop end-to-end tests (WebDriver under Xvfb)"
  bash tests/e2e/run.sh
fi

step "the packages: .deb and .rpm built, the .deb installed, run and removed (tests/package)"
bash tests/package/run.sh

step "the README's run command: the app starts in training mode under Xvfb"
smoke=target/run-smoke
rm -rf "$smoke" && mkdir -p "$smoke"
env -u DISPLAY -u WAYLAND_DISPLAY -u VMCHECK_CONFIG XDG_CONFIG_HOME="$PWD/$smoke/config" XDG_DATA_HOME="$PWD/$smoke/data" XDG_STATE_HOME="$PWD/$smoke/state" \
  VMCHECK_RUN_SECONDS=10 VMCHECK_SCREENSHOT="$smoke/app.png" bash scripts/run.sh
# The screenshot must show a rendered window, not an empty screen (a blank PNG is a few KB).
[ "$(stat -c %s "$smoke/app.png")" -gt 20000 ] || { echo "the app showed nothing" >&2; exit 1; }
ls "$smoke/data/vmcheck/training-audit.sqlite" >/dev/null

step "benchmarks compile (they are run by bench/, not here; built here without optimisation)"
cargo test -p vmcheck-core --benches --no-run --locked --quiet

step "mutation testing of the safety code changed since the last full run: every mutant killed (cargo-mutants, StrykerJS)"
bash scripts/mutants.sh

step "fuzzing: a 20-second live run of every target (nightly; every corpus was replayed above)"
FUZZ_NICE=0 bash scripts/fuzz.sh 20

step "done"
