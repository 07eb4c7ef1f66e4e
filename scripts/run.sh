#!/usr/bin/env bash
# Runs V&M Check: the desktop application. Without a configuration file it starts in training
# mode (the built-in sandbox and training card — TRAINING, not real patient data; the training
# card's passcode is 1234). Without a display it runs under Xvfb and saves a screenshot.
# `scripts/run.sh --cli [NHS_NUMBER]` looks a training patient up on the command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
VMCHECK_SETUP_E2E=0 bash scripts/setup.sh
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
if [ "${1:-}" = "--cli" ]; then
  cargo build --quiet --locked -p vmcheck-cli
  exec target/debug/vmcheck lookup --sandbox "${2:-9990000018}"
fi
cargo build --quiet --locked -p vmcheck-desktop
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec target/debug/vmcheck-desktop "$@"
fi
shot=${VMCHECK_SCREENSHOT:-target/vmcheck-desktop.png}
# VMCHECK_RUN_SECONDS=N stops the app after N seconds (the test suite's smoke run).
stop_after=${VMCHECK_RUN_SECONDS:-}
echo "No display: running under Xvfb; a screenshot goes to $shot after 8 seconds${stop_after:+, stopping after $stop_after s} (Ctrl+C to stop)."
exec xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
  target/debug/vmcheck-desktop "$@" & app=$!
  sleep 8; import -window root "'"$shot"'" && echo "screenshot: '"$shot"'"
  if [ -n "'"$stop_after"'" ]; then
    sleep $(( '"${stop_after:-0}"' > 8 ? '"${stop_after:-0}"' - 8 : 0 ))
    kill -0 $app || { echo "the app exited early" >&2; exit 1; }
    kill -TERM $app; wait $app || true; exit 0
  fi
  wait $app' _ "$@"
