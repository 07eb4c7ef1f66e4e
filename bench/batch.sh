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

# Lists of distinct patients, as a PAS exports them: the sandbox's load-test patients (any valid
# NHS number starting 9995 is a not-chargeable patient under that number), so every row is a
# PDS trace and a V&M search for vmcheck and for the Python script alike.
make_list() { # rows file
  python3 - "$1" "$2" <<'PY'
import csv, sys
n, out = int(sys.argv[1]), sys.argv[2]
def valid(base):
    digits = [int(c) for c in base]
    check = (11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11) % 11
    return None if check == 10 else base + str(check)
numbers = (valid(f"9995{i:05d}") for i in range(100000))
numbers = [x for x in numbers if x][:n]
assert len(numbers) == n, "not enough load-test numbers"
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["NHS Number", "Ward"])
    for i, number in enumerate(numbers):
        w.writerow([number, f"Ward {i % 20}"])
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
echo "ratio (vmcheck / python), rows a second: $(python3 -c "print(f'{$vm / $py_rate:.1f}x')")"

echo "reading and validating 100,000 rows:"
target/release/examples/bench_read_list "$work" 100000 | sed 's/^/  /'
