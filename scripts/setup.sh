#!/usr/bin/env bash
# Installs what V&M Check needs to build, run and test on Debian/Ubuntu: the one package list.
# Idempotent and quiet when everything is present. Needs root (or sudo) only to install.
set -euo pipefail

# Debian packages. Grouped by what needs them.
PACKAGES=(
  # build
  build-essential pkg-config ca-certificates
  # benchmarks and the README's examples
  curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: the Rust toolchain (cargo, rustc 1.85 or newer) is required; install it with rustup." >&2
  exit 1
fi
