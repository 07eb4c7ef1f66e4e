#!/usr/bin/env bash
# Lookup latency against the sandbox, warm and cold, beside curl making the same HTTP requests.
# Prints figures; asserts nothing. Usage: bench/lookup.sh [runs]   (default 30)
#
#  cold  = a fresh `vmcheck lookup --config` process per lookup (process start, new connections,
#          SDS lookup, PDS trace, V&M query)
#  warm  = lookups inside one engine (pooled connections, cached SDS endpoint): measured by the
#          engine's own timing loop (the vmcheck-cli example `bench_lookup`). Each lookup commits
#          its intent durably (an fsync) before anything is sent, and its outcome after: shown
#          with the audit log on disk, and on tmpfs (no flush) to give the cost of the durable
#          intent.
#  curl  = the same PDS + V&M GETs issued by curl with a pre-built token (the floor of the HTTP
#          work without our parsing and SDS lookups)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
bash scripts/setup.sh
cargo build --release --quiet --locked -p vmcheck-cli --bins --examples
bin=target/release/vmcheck
work=$(mktemp -d)
shm=/dev/shm/vmcheck-bench-$$
trap 'kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; rm -rf "$work" "$shm"' EXIT

"$bin" sandbox > "$work/urls.json" 2>/dev/null &
sandbox_pid=$!
for _ in $(seq 100); do [ -s "$work/urls.json" ] && break; sleep 0.05; done
pds=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["pds_base"])' "$work/urls.json")
ldap=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["ldap_url"])' "$work/urls.json")
vandm=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["vandm_base"])' "$work/urls.json")
nhs=$("$bin" sandbox --list | python3 -c 'import json,sys;print(next(p["nhs_number"] for p in json.load(sys.stdin) if p["expected"]["outcome"]=="status"))')

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
TOML
mkdir -p "$shm"
sed "s|^path = .*|path = \"$shm/audit.sqlite\"|" "$work/config.toml" > "$work/config-tmpfs.toml"

stats() { # reads microseconds, one a line; prints median p90 min max in ms
  sort -n | awk '{a[NR]=$1/1000} END {printf "median %7.2f ms   p90 %7.2f ms   min %7.2f ms   max %7.2f ms   (n=%d)\n", a[int((NR+1)/2)], a[int(NR*0.9+0.5)], a[1], a[NR], NR}'
}

echo "V&M Check lookup benchmark — $runs runs each, release build, sandbox on loopback"
printf '%-34s' "cold (process per lookup):"
for _ in $(seq "$runs"); do
  s=$(date +%s%N); "$bin" lookup --json --config "$work/config.toml" "$nhs" >/dev/null; e=$(date +%s%N)
  echo $(( (e - s) / 1000 ))
done | stats

printf '%-34s' "warm (one engine, cached SDS):"
target/release/examples/bench_lookup "$work/config.toml" "$nhs" "$runs" | stats
printf '%-34s' "warm, audit log on tmpfs:"
target/release/examples/bench_lookup "$work/config-tmpfs.toml" "$nhs" "$runs" | stats

token=$(target/release/examples/bench_lookup --print-token "$work/config.toml" "$nhs")
printf '%-34s' "curl (same PDS + V&M GETs):"
for _ in $(seq "$runs"); do
  s=$(date +%s%N)
  curl -s -o /dev/null -H "X-Request-ID: $(cat /proc/sys/kernel/random/uuid)" "$pds/Patient/$nhs"
  curl -s -o /dev/null \
    -H "Ssp-TraceID: $(cat /proc/sys/kernel/random/uuid)" -H "Ssp-From: 200000000359" -H "Ssp-To: 928942012545" \
    -H "Ssp-InteractionID: urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation" \
    -H "Ssp-Version: 1" -H "Authorization: Bearer $token" -H "Accept: application/json+fhir" \
    "$vandm/Observation?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C$nhs&code=https://fhir.nhs.uk/fhir-observation-code-1%7C0001"
  e=$(date +%s%N)
  echo $(( (e - s) / 1000 ))
done | stats
