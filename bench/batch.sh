#!/usr/bin/env bash
# Worklist throughput against the sandbox on loopback: `vmcheck batch` (release) on 1,000 and
# 10,000 rows, concurrency 8, no rate limit — audit log, cross-check and job store included —
# beside a straightforward Python `requests` script doing the same PDS + V&M flow with a thread
# pool of 8 (bench/batch_python.py), in the same run; then reading and validating a
# 100,000-row CSV and XLSX. Prints figures and ratios; asserts nothing.
# Usage: bench/batch.sh [rows]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000}
bash scripts/setup.sh >/dev/null
cargo build --release --quiet --locked -p vmcheck-cli --bins --examples
bin=target/release/vmcheck
work=$(mktemp -d -p "$PWD/target")
trap 'kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" sandbox > "$work/urls.json" 2>/dev/null &
sandbox_pid=$!
for _ in $(seq 100); do [ -s "$work/urls.json" ] && break; sleep 0.05; done
url() { python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/urls.json" "$1"; }
pds=$(url pds_base); ldap=$(url ldap_url); vandm=$(url vandm_base)

cat > "$work/config.toml" <<TOML
environment = "sandbox"
[organisation]
ods_code = "RRK99"
name = "V&M Check Training Hospital"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"
[identity]
user_uuid = "555021935107"
role_profile_id = "555021936109"
[pds]
base_url = "$pds"
[sds]
ldap_url = "$ldap"
[audit]
path = "$work/audit.sqlite"
[worklist]
path = "$work/worklists.sqlite"
TOML

# Lists of the sandbox's patients with a status (cycled), as a PAS exports them.
"$bin" sandbox --list > "$work/patients.json"
make_list() { # rows file
  python3 - "$work/patients.json" "$1" "$2" <<'PY'
import csv, json, sys
patients = [p for p in json.load(open(sys.argv[1])) if p["expected"]["outcome"] == "status"]
n, out = int(sys.argv[2]), sys.argv[3]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["NHS Number", "Ward"])
    for i in range(n):
        w.writerow([patients[i % len(patients)]["nhs_number"], f"Ward {i % 20}"])
PY
}
make_list 1000 "$work/list-1000.csv"
make_list "$rows" "$work/list-$rows.csv"

peak() { grep "Maximum resident" "$1" | awk '{print $NF}'; }
echo "V&M Check worklist benchmark — release build, sandbox on loopback, concurrency 8, no rate limit"
for n in 1000 "$rows"; do
  s=$(date +%s%N)
  /usr/bin/time -v "$bin" batch --config "$work/config.toml" --concurrency 8 --rate 0 --json \
    "$work/list-$n.csv" > "$work/out-$n.jsonl" 2> "$work/time-$n.txt" || true
  e=$(date +%s%N)
  secs=$(python3 -c "print(($e - $s) / 1e9)")
  done_rows=$(tail -1 "$work/out-$n.jsonl" | python3 -c 'import json,sys;print(json.load(sys.stdin)["rows"]["done"])')
  printf 'vmcheck batch, %6d rows: %6.2f s  %7.0f rows/s  peak RSS %6d KB  (%s rows checked)\n' \
    "$n" "$secs" "$(python3 -c "print($n / $secs)")" "$(peak "$work/time-$n.txt")" "$done_rows"
  eval "vm_rate_$n=$(python3 -c "print($n / $secs)")"
done

template=$(target/release/examples/bench_lookup --print-token "$work/config.toml" 9990000018)
printf 'python requests, %6d rows: ' "$rows"
py=$(python3 bench/batch_python.py "$pds" "$vandm" "$template" "$work/list-$rows.csv" 8)
echo "$py"
py_rate=$(echo "$py" | sed -E 's/.*= ([0-9.]+) rows\/s.*/\1/')
eval "vm=\$vm_rate_$rows"
echo "ratio of rows a second (vmcheck / python): $(python3 -c "print(f'{$vm / $py_rate:.1f}x')")"
echo "  NOT like for like: the sandbox knows a few dozen patients, so the list repeats them; vmcheck"
echo "  checks each NHS number once and answers its duplicates from that check (as it does for a"
echo "  real list), while the Python script makes every request. A fair comparison needs thousands"
echo "  of distinct patients in the sandbox."

echo "reading and validating 100,000 rows:"
target/release/examples/bench_read_list "$work" 100000 | sed 's/^/  /'
