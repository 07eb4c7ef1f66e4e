#!/usr/bin/env bash
# The desktop end-to-end tests (tests/e2e): the real V&M Check app under Xvfb, driven over
# WebDriver (thirtyfour → tauri-driver → WebKitWebDriver), signing in with the virtual smartcard
# through a real pcscd, looking patients up in the sandbox, axe-core in the page.
#
#   tests/e2e/run.sh                 everything
#   tests/e2e/run.sh kiosk           only tests whose name contains "kiosk" (cargo test filter)
#
# Builds the web UI, the app and the CLI, installs axe-core (npm ci here; in ui/ and here only
# when node_modules is older than the lock file), then runs
# `cargo test -p vmcheck-e2e-tests` under xvfb-run, one test at a time. Screenshots of every
# state: target/e2e-screenshots/<test>-<state>.png; axe-core reports: target/e2e-axe/.
# Needs root (the tests start pcscd). Fails, never skips, when something is missing: run
# scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "e2e: $*" >&2; exit 1; }
command -v xvfb-run >/dev/null || fail "xvfb-run is missing (Debian: xvfb xauth): run scripts/setup.sh"
command -v WebKitWebDriver >/dev/null || fail "WebKitWebDriver is missing (Debian: webkit2gtk-driver): run scripts/setup.sh"
command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] ||
  fail "tauri-driver is missing: cargo install tauri-driver --locked --version '^2' (scripts/setup.sh does)"
command -v npm >/dev/null || fail "npm is missing: run scripts/setup.sh"
[ -x /usr/sbin/pcscd ] || fail "pcscd is missing: run scripts/setup.sh (or tests/card/harness.sh install)"
[ "$(id -u)" -eq 0 ] || fail "the tests start pcscd, which must run as root: run them as root"

# `npm ci` only when node_modules is missing or older than the lock file: reinstalling under
# someone else's running vitest or StrykerJS (scripts/test.sh, scripts/mutants.sh) breaks it.
npm_ci() {
  local hidden="$1/node_modules/.package-lock.json"
  if [ -f "$hidden" ] && [ "$hidden" -nt "$1/package-lock.json" ] && [ "$hidden" -nt "$1/package.json" ]; then
    return 0
  fi
  (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
}

echo "e2e: building the web UI, the app and the CLI"
npm_ci ui
(cd ui && npm run --silent build)
npm_ci tests/e2e
cargo build --locked --quiet -p vmcheck-desktop -p vmcheck-cli

target="${CARGO_TARGET_DIR:-target}"
rm -rf "$target/e2e-screenshots" "$target/e2e-axe"
status=0
log=$(mktemp)
xvfb-run -a -s "-screen 0 1280x900x24" \
  cargo test -p vmcheck-e2e-tests --locked -- --test-threads=1 "$@" 2>&1 | tee "$log" || status=$?
# A filter that matches no test is a mistake, not a pass.
passed=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed.*/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
rm -f "$log"
if [ "$status" = 0 ] && [ "$passed" = 0 ]; then
  echo "e2e: no test ran${1:+ (no test name contains \"$1\")}" >&2
  status=1
fi
shots=$(find "$target/e2e-screenshots" -name '*.png' 2>/dev/null | wc -l || true)
echo "e2e: $passed tests passed; $shots screenshots in $target/e2e-screenshots/, axe-core reports in $target/e2e-axe/"
exit "$status"
