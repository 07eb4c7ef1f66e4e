#!/usr/bin/env bash
# Fuzzes every target under tests/fuzz for a while: scripts/fuzz.sh [seconds-per-target]
# (default 60). Builds with `cargo +nightly fuzz build` (nightly toolchain, cargo-fuzz; the
# latter is installed if missing), runs each target from its committed corpus and regressions,
# copies any crash into tests/fuzz/regressions/NAME/, and prints one line per target:
# executions, coverage (cov/ft from libFuzzer's final stats) and crashes. Exits 1 if any target
# crashed. New inputs the fuzzer finds go to a scratch directory, not the committed corpus
# (tests/fuzz/README.md says how to grow and minimise it). Everything runs under `nice`
# (FUZZ_NICE, default 19) so a build beside it keeps the machine. FUZZ_RUNS=N runs each target
# for N executions instead of a time (the campaign behind README's figures: FUZZ_RUNS=10000000),
# and FUZZ_TARGETS="a b" limits the run to those targets. FUZZ_QUICK=1 builds without
# optimisation or AddressSanitizer (`--dev --sanitizer none`): a smoke run's build in a third of
# the time (the test command uses it; campaigns should not). FUZZ_TARGET_DIR builds elsewhere
# than tests/fuzz/target (a second campaign beside one still running its binaries).
set -euo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
    echo "usage: scripts/fuzz.sh [seconds-per-target]   (a whole number, default 60)" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$root/tests/fuzz"
nice_level=${FUZZ_NICE:-19}
run_nice=(nice -n "$nice_level")

# Every target; the parser targets get inputs up to 32 KB from the start, so deep nesting is
# reachable (libFuzzer's default 4 KB cap and slow length growth never get there): 32 KB holds
# thousands of levels of JSON or XML, far past every depth limit (64 levels in the FHIR tree,
# 128 in serde_json), while longer inputs only slow every execution down (a body's size is
# capped before parsing, and that cap is tested with the faults). FUZZ_MAX_LEN overrides it.
targets=(vandm_json vandm_xml pds_patient card_apdu certificate sds_entries config_toml worklist_row)
if [[ -n ${FUZZ_TARGETS:-} ]]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
fi
runs=${FUZZ_RUNS:-}
if [[ -n $runs ]] && ! [[ $runs =~ ^[0-9]+$ ]]; then
    echo "fuzz.sh: FUZZ_RUNS must be a whole number of executions" >&2
    exit 2
fi
parser_targets=" vandm_json vandm_xml pds_patient certificate config_toml worklist_row "

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: the nightly Rust toolchain is not installed (cargo-fuzz needs it):" >&2
    echo "         rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz (cargo install cargo-fuzz --locked)…"
    "${run_nice[@]}" cargo install cargo-fuzz --locked --quiet
fi

build_flags=()
profile_dir=release
if [[ -n ${FUZZ_QUICK:-} ]]; then
    build_flags=(--dev --sanitizer none)
    profile_dir=debug
fi
echo "fuzz.sh: building the fuzz targets (cargo +nightly fuzz build ${build_flags[*]})…"
target_dir=${FUZZ_TARGET_DIR:-$fuzz/target}
"${run_nice[@]}" cargo +nightly fuzz build "${build_flags[@]}" --fuzz-dir "$fuzz" --target-dir "$target_dir" >"$fuzz/build.log" 2>&1 || {
    tail -n 40 "$fuzz/build.log" >&2
    echo "fuzz.sh: the build failed (full log: tests/fuzz/build.log)" >&2
    exit 1
}
bin_dir="$target_dir/x86_64-unknown-linux-gnu/$profile_dir"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
summary=()
for target in "${targets[@]}"; do
    work="$scratch/$target"
    artifacts="$fuzz/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    seeds=("$fuzz/corpus/$target")
    if compgen -G "$fuzz/regressions/$target/*" >/dev/null; then
        seeds+=("$fuzz/regressions/$target")
    fi
    options=(-print_final_stats=1 -timeout=10 -artifact_prefix="$artifacts/")
    if [[ -n $runs ]]; then
        options+=(-runs="$runs")
    else
        options+=(-max_total_time="$seconds")
    fi
    started=$(date +%s)
    if [[ -f "$fuzz/dict/$target.dict" ]]; then
        options+=(-dict="$fuzz/dict/$target.dict")
    fi
    if [[ $parser_targets == *" $target "* ]]; then
        options+=(-max_len="${FUZZ_MAX_LEN:-32768}" -len_control=0)
    fi
    log="$scratch/$target.log"
    # Artifacts newer than this stamp are this run's (the log is written until the end, so it
    # is always newer than them).
    stamp="$scratch/$target.start"
    touch "$stamp"
    set +e
    ASAN_OPTIONS=detect_odr_violation=0 "${run_nice[@]}" "$bin_dir/$target" \
        "${options[@]}" "$work" "${seeds[@]}" >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
    crashes=0
    while IFS= read -r file; do
        [[ -n $file ]] || continue
        mkdir -p "$fuzz/regressions/$target"
        cp "$file" "$fuzz/regressions/$target/"
        echo "fuzz.sh: $target crashed; input kept in tests/fuzz/regressions/$target/$(basename "$file")" >&2
        crashes=$((crashes + 1))
    done < <(find "$artifacts" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) -newer "$stamp" 2>/dev/null; true)
    if ((rc != 0)); then
        if ((crashes == 0)); then
            crashes=1
            echo "fuzz.sh: $target exited with status $rc without an artifact:" >&2
        fi
        grep -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 >&2 || true
        status=1
    fi
    summary+=("$(printf '%-12s %12s execs   %-22s %d crashes   %d s' "$target" "${execs:-?}" "${cov:-cov: ? ft: ?}" "$crashes" "$(($(date +%s) - started))")")
done

for line in "${summary[@]}"; do
    echo "$line"
done
exit $status
