#!/usr/bin/env bash
# Screenshots of every UI state with headless Chromium, from the dev build (fake IPC).
# Usage: scripts/screenshots.sh [OUT_DIR] [NAME[:QUERY[:WIDTH,HEIGHT]]...]   (default OUT_DIR /tmp/ui-shots)
# NAME is the file name and, without QUERY, the dev-fake scenario.
# Needs: chromium (apt-get install -y chromium). Serves dev-dist/ on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/ui-shots}"; shift || true
mkdir -p "$out"
[ -d node_modules ] || npm ci
node build.mjs --dev >/dev/null
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory dev-dist >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/dev.html" >/dev/null && break; sleep 0.1; done
shots=("$@")
if [ ${#shots[@]} -eq 0 ]; then
  shots=(signin-no-service signin-no-reader signin-waiting signin-passcode signin-wrong signin-last-try
    signin-last-try-unconfirmed signin-blocked "signin-expired:scenario=signin-wrong&signin=expired"
    "signin-no-role:scenario=signin-wrong&signin=no-role" choose-role ready nhs-invalid
    result-red result-red-stale result-green result-amber result-grey result-restricted
    result-superseded result-deceased "result-details:scenario=result-details:1280,1500" "error:scenario=error:1280,1100"
    progress "search:scenario=search:1280,1000" "search-errors:scenario=search-errors:1280,1500" settings
    locked "kiosk-result:scenario=result-red&mode=kiosk&training=0" "desk-result:scenario=result-green&mode=desk&training=0")
fi
for shot in "${shots[@]}"; do
  IFS=: read -r name query size <<<"$shot"
  query="${query:-scenario=$name}"; size="${size:-1280,900}"
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$profile" --virtual-time-budget=4000 \
    --window-size="$size" --screenshot="$out/$name.png" "http://127.0.0.1:$port/dev.html?$query" >/dev/null 2>&1 || echo "failed: $name"
  rm -rf "$profile"
done
ls "$out"
