#!/usr/bin/env bash
# Mutation testing of the clinical-safety code: every mitigation in docs/safety/hazard-log.md must
# have a test that fails when the code is changed. Runs cargo-mutants over the core's safety
# files, the engine's audited path and the engine's other safety rules, and StrykerJS over the UI's; prints the scores and fails
# on any missed (surviving) mutant. A truly equivalent mutant is excluded beside the code
# (`#[mutants::skip]` with a reason in Rust, `// Stryker disable next-line …: reason` in
# TypeScript).
#
# Usage: scripts/mutants.sh [rust|ui|both] [--full]
#
# The UI run is incremental (StrykerJS `incremental`, ui/stryker-incremental.json, committed):
# every mutant whose code or covering tests changed since that file was written is tested again,
# and the others keep their recorded result. `--full` tests every mutant afresh and rewrites the
# file — do it (and commit the file) after changing the UI's safety code or its tests. The Rust
# run is incremental too: only the mutants in lines of the safety files changed since the last
# full run (scripts/mutants-rust-baseline for the core, scripts/mutants-engine-baseline for
# the engine's audited path, scripts/mutants-engine-rules-baseline for its other rules: each its
# commit and figures); `--full` tests every mutant and, when none is missed,
# rewrites that file.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
full=${2:-}
fail=0

# The safety code (see docs/safety/hazard-log.md): the banner table, the status model, the last
# gate before a banner, the FHIR model extraction, NHS numbers, the V&M request, the audit JWT,
# the PDS model, the session machine (locks, the generation guard, roles), and the worklist's
# identity cross-check against PDS and its results order, and the reading of a hospital number
# search on the trust's Care Connect API (one patient, a verified NHS number).
RUST_FILES=(
  src-tauri/crates/core/src/banner.rs
  src-tauri/crates/core/src/status.rs
  src-tauri/crates/core/src/assess.rs
  src-tauri/crates/core/src/fhir/model.rs
  src-tauri/crates/core/src/nhs.rs
  src-tauri/crates/core/src/request.rs
  src-tauri/crates/core/src/jwt.rs
  src-tauri/crates/core/src/pds.rs
  src-tauri/crates/core/src/session.rs
  src-tauri/crates/core/src/worklist/crosscheck.rs
  src-tauri/crates/core/src/worklist/order.rs
  src-tauri/crates/core/src/care_connect.rs
)

# The engine's audited path (docs/safety/hazard-log.md, HZ-09 and HZ-17): the intent committed before
# anything leaves, fail closed, the outcome after, checkpoints. Killed by the engine's tests of
# that path (the sandbox over loopback; no outside server).
ENGINE_FILES=(
  src-tauri/crates/engine/src/access/mod.rs
  src-tauri/crates/engine/src/access/rows.rs
)
ENGINE_TESTS=(--lib --test audit_path --test care_connect --test lookup --test signed_jwt --test worklist --test session)

# The engine's other safety rules named in the hazard log: the installation's audit key never
# made anew for a keyed log (HZ-17), a slip only of the result on screen (HZ-02), what a lookup
# and a report carry, a worklist row's order, colour and withheld detail (HZ-10). The same tests.
ENGINE_RULE_FILES=(
  src-tauri/crates/engine/src/audit.rs
  src-tauri/crates/engine/src/shown.rs
  src-tauri/crates/engine/src/lookup.rs
  src-tauri/crates/engine/src/report.rs
  src-tauri/crates/engine/src/worklist/record.rs
)

# rust_mutants LABEL PACKAGE BASELINE TIMEOUT FILES... [-- TEST-ARGS...]
# cargo-mutants over FILES with PACKAGE's tests. Incremental unless --full: only the mutants in
# lines of FILES changed since the last full run with none missed (BASELINE: its commit, then
# its figures). A full run with none missed rewrites BASELINE — commit it.
rust_mutants() {
  local label=$1 package=$2 baseline=$3 timeout=$4
  shift 4
  local files=() tests=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift && tests=("$@")
  local out="target/mutants/$package"
  rm -rf "$out"
  mkdir -p "$out"
  local args=()
  for f in "${files[@]}"; do args+=(-f "$f"); done
  local start
  start=$(date +%s)
  if [ "$full" != --full ] && [ -f "$baseline" ]; then
    local base
    base=$(head -n 1 "$baseline")
    if git cat-file -e "$base^{commit}" 2>/dev/null; then
      git diff "$base" -- "${files[@]}" >"$out/changed.diff"
      if [ ! -s "$out/changed.diff" ]; then
        echo "$label: unchanged since the full run at ${base:0:12} ($(sed -n 2p "$baseline")): no mutant to test again"
        return 0
      fi
      echo "mutants: testing the mutants in the $label changed since the full run at ${base:0:12}"
      args+=(--in-diff "$out/changed.diff")
    else
      echo "mutants: the full run's commit ${base:0:12} is not in this clone: testing every mutant" >&2
    fi
  fi
  if ! command -v cargo-mutants >/dev/null 2>&1; then
    echo "mutants: installing cargo-mutants (about 2 minutes)" >&2
    cargo install cargo-mutants --locked --quiet
  fi
  # 2 jobs on a 2-core machine; the property tests run 200 cases a mutant (2,000 in the
  # ordinary test run).
  local rc
  set +e
  PROPTEST_CASES=200 cargo mutants -p "$package" "${args[@]}" --jobs 2 --timeout "$timeout" \
    --profile mutants --output "$out" --no-shuffle -- "${tests[@]}"
  rc=$?
  set -e
  # cargo-mutants: 0 all caught, 2 some missed, 3 some timed out; anything else (a usage error,
  # the unmutated tree failing its tests) means nothing was proven.
  case $rc in
    0 | 2 | 3) ;;
    *) echo "mutants: cargo-mutants failed (exit $rc): nothing was tested" >&2; return 1 ;;
  esac
  local dir="$out/mutants.out"
  count() {
    local n=0
    [ -f "$dir/$1.txt" ] && n=$(grep -c . "$dir/$1.txt" || true)
    echo "${n:-0}"
  }
  local caught missed timeouts unviable summary
  caught=$(count caught); missed=$(count missed); timeouts=$(count timeout); unviable=$(count unviable)
  summary="$caught caught, $timeouts timed out (caught), $missed missed, $unviable unviable"
  echo "$label: $summary — $(( $(date +%s) - start )) s"
  if [ "$caught" = 0 ] && [[ " ${args[*]} " != *" --in-diff "* ]]; then
    echo "mutants: no mutant was caught: the run tested nothing" >&2
    return 1
  fi
  if [ $(( caught + missed + timeouts + unviable )) = 0 ]; then
    echo "mutants: the changed lines hold no mutant (tests or comments only)"
  fi
  if [ "$missed" != 0 ]; then
    echo "missed mutants (each needs a test that fails, or a written reason it is equivalent):" >&2
    cat "$dir/missed.txt" >&2
    return 1
  elif [ "$full" = --full ] && git diff --quiet HEAD -- "${files[@]}"; then
    printf '%s\n%s (full run, %s)\n' "$(git rev-parse HEAD)" "$summary" "$(date -u +%Y-%m-%d)" >"$baseline"
    echo "mutants: $baseline now records this run: commit it"
  fi
}

if [ "$which" = both ] || [ "$which" = rust ]; then
  rust_mutants "Rust safety code (core)" vmcheck-core scripts/mutants-rust-baseline 120 "${RUST_FILES[@]}" || fail=1
  rust_mutants "the audited path (engine)" vmcheck-engine scripts/mutants-engine-baseline 60 \
    "${ENGINE_FILES[@]}" -- "${ENGINE_TESTS[@]}" || fail=1
  rust_mutants "the engine's safety rules (engine)" vmcheck-engine scripts/mutants-engine-rules-baseline 60 \
    "${ENGINE_RULE_FILES[@]}" -- "${ENGINE_TESTS[@]}" || fail=1
fi

if [ "$which" = both ] || [ "$which" = ui ]; then
  start=$(date +%s)
  force=()
  [ "$full" = --full ] && force=(--force)
  report=ui/reports/mutation/mutation.json
  rm -f "$report"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npx stryker run "${force[@]}") || fail=1
  if [ ! -f "$report" ]; then
    echo "mutants: StrykerJS wrote no report: nothing was proven" >&2
    fail=1
  else
    python3 - "$report" <<'PY' || fail=1
import json, sys
data = json.load(open(sys.argv[1]))
counts = {}
for f in data["files"].values():
    for m in f["mutants"]:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
survived = counts.get("Survived", 0) + counts.get("NoCoverage", 0)
print("UI safety code: " + ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())))
sys.exit(1 if survived or not counts.get("Killed") else 0)
PY
  fi
  echo "UI mutation run: $(( $(date +%s) - start )) s"
fi
exit $fail
