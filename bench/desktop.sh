#!/usr/bin/env bash
# Desktop app figures, under Xvfb (printed, never asserted). Usage: bench/desktop.sh [runs] (15)
#
#  launch = from WebDriver's new-session request (WebKitWebDriver spawns the release app) until
#           the passcode field is in the DOM (polled over WebDriver every 10 ms), the card
#           already in the reader; each run a fresh app process
#  memory = PSS (/proc/PID/smaps_rollup) of the app + its WebKitWebProcess and
#           WebKitNetworkProcess, after sign-in and one lookup
# Three setups: PC/SC card with a config file (sandbox over loopback) and training mode (no
# config), both with WEBKIT_DISABLE_COMPOSITING_MODE=1; and PC/SC with compositing on (what the
# e2e tests use). Then the yardstick, the same way and as many times: bench/bare-window, a bare
# Tauri 2 window (the same tauri and window size) showing one static page with a #passcode field,
# compositing off and on; its memory is taken once shown (no sign-in or lookup in it). Printed
# last: app launch / bare launch (medians) and app PSS - bare PSS, per compositing mode, and each
# process's PSS split into anonymous / file-backed / shared memory. BENCH_SMAPS_DIR=DIR keeps each
# measured process's /proc/PID/smaps there; bench/smaps-top.py DIR/FILE.smaps says what holds it.
# Needs root (pcscd), tauri-driver and WebKitWebDriver: scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
bash scripts/setup.sh
[ "$(id -u)" -eq 0 ] || { echo "bench: pcscd must run as root" >&2; exit 1; }
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
# The release app as scripts/package.sh builds it: its startup code laid out together
# (scripts/release-env.sh).
(. scripts/release-env.sh && cargo build --release --quiet --locked -p vmcheck-desktop -p vmcheck-bench-bare-window)
cargo build --quiet --locked -p vmcheck-cli --bins
cargo build --quiet --locked -p vmcheck-e2e-tests --examples
target=${CARGO_TARGET_DIR:-$PWD/target}
BENCH_RUNS=$runs VMCHECK_E2E_APP="$target/release/vmcheck-desktop" \
  BENCH_BARE_WINDOW="$target/release/bare-window" \
  xvfb-run -a -s "-screen 0 1280x900x24" "$target/debug/examples/desktop_bench"
