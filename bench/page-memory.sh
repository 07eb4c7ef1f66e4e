#!/usr/bin/env bash
# What a page costs in memory, shown in the bench's bare window (printed, never asserted).
#
#   bench/page-memory.sh [--runs N] PAGE...
#
# PAGE is a directory holding an index.html and what it loads (a page saved from the app, cut
# one part at a time), or `scenario:NAME`: the real UI with its fake IPC (ui/src/dev-fake.ts),
# playing that scenario — `scenario:desk-flow` signs in, chooses a role and looks a patient up
# as bench/desktop.sh does in the app, at a person's pace. `bare` is the bare window's own page.
# Each page is built into bench/bare-window in turn (its dist/ put back from git afterwards),
# started N times (2) under Xvfb with compositing off (the bench's mode), left 5 s, and the PSS
# of the window's process and its WebKit processes printed. No WebDriver: the figures compare
# pages with each other, not with bench/desktop.sh's.
# Needs the bench's tools (scripts/setup.sh); the UI's node_modules for `scenario:`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=2
if [ "${1:-}" = --runs ]; then runs=$2; shift 2; fi
[ $# -gt 0 ] || { sed -n 2,14p "$0" >&2; exit 2; }
command -v xvfb-run >/dev/null || { echo "page-memory: xvfb-run is missing: scripts/setup.sh" >&2; exit 1; }

dist=bench/bare-window/dist
restore() { rm -rf "$dist" && git checkout -q -- "$dist" && touch bench/bare-window/src/main.rs; }
trap restore EXIT
target=${CARGO_TARGET_DIR:-$PWD/target}
work=$(mktemp -d)

for page in "$@"; do
  rm -rf "$dist" && mkdir -p "$dist"
  case "$page" in
    bare) git checkout -q -- "$dist" ;;
    scenario:*)
      name=${page#scenario:}
      (cd ui && npm run --silent build:dev >/dev/null)
      cp -r ui/dev-dist/. "$dist/"
      mv "$dist/dev.html" "$dist/index.html"
      sed -i "s/data-dev-fake=\"auto\"/data-dev-fake=\"auto\" data-scenario=\"$name\"/" "$dist/index.html"
      ;;
    *) [ -f "$page/index.html" ] || { echo "page-memory: $page/index.html is missing" >&2; exit 1; }
       cp -r "$page"/. "$dist/" ;;
  esac
  touch bench/bare-window/src/main.rs
  (. scripts/release-env.sh && cargo build --release --quiet --locked -p vmcheck-bench-bare-window)
  for run in $(seq "$runs"); do
    home="$work/home-$run" && mkdir -p "$home" "$work/run-$run" && chmod 700 "$work/run-$run"
    # shellcheck disable=SC2016
    line=$(HOME="$home" XDG_RUNTIME_DIR="$work/run-$run" WEBKIT_DISABLE_COMPOSITING_MODE=1 \
      xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
        "$1" & pid=$!
        sleep 5
        total=0; parts=""
        for p in $pid $(pgrep -P $pid); do
          kb=$(awk "/^Pss:/ {print \$2}" /proc/$p/smaps_rollup 2>/dev/null || echo 0)
          parts="$parts $(cat /proc/$p/comm)=$(awk -v k="$kb" "BEGIN {printf \"%.1f\", k / 1024}")"
          total=$((total + kb))
        done
        kill $pid; wait $pid 2>/dev/null || true
        echo "$(awk -v k="$total" "BEGIN {printf \"%.1f\", k / 1024}") MB:$parts"' _ "$target/release/bare-window")
    echo "$page run $run: $line"
  done
done
rm -rf "$work"
