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
  # tests against a real directory server (tests/ldap/slapd.sh): OpenLDAP, its clients, a test CA
  slapd ldap-utils openssl
  # desktop app: WebKitGTK for Tauri, and Xvfb + WebKitWebDriver for headless runs and e2e tests
  libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver imagemagick librsvg2-bin
  # the kiosk session (packaging/kiosk) and its e2e tests: openbox; xprop and xmessage (x11-utils)
  openbox x11-utils
  # the packages (scripts/package.sh, tests/package): rpm to inspect the .rpm
  rpm
  # the result slip's tests read its PDF back as text and as an image (pdftotext, pdftoppm)
  poppler-utils
  # smartcard (tests/card)
  pcscd libpcsclite-dev pcsc-tools vsmartcard-vpcd python3-virtualsmartcard
  python3-pycryptodome python3-cryptography python3-pyscard
  # the central audit store's tests (tests/postgres/pg.sh): a throw-away PostgreSQL server
  postgresql postgresql-client
  # OS keyring tests (tests/keyring): gnome-keyring in a private D-Bus session, secret-tool
  dbus gnome-keyring libsecret-tools
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
  # slapd: install the binaries only. Without this Debian's post-install creates and starts a
  # system directory (dc=nodomain on port 389); the tests run their own instance from a temp dir.
  echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web UI's build and unit tests (ui/): Node.js 20+ with npm.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: the Rust toolchain (cargo, rustc 1.85 or newer) is required; install it with rustup." >&2
  exit 1
fi

# Mutation testing and fuzzing of the safety code (scripts/mutants.sh, scripts/fuzz.sh): the
# nightly toolchain beside stable (cargo-fuzz needs it), cargo-mutants and cargo-fuzz.
if [ "${VMCHECK_SETUP_SAFETY_TOOLS:-1}" = 1 ]; then
  if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "setup: installing the nightly Rust toolchain (for cargo-fuzz)" >&2
    rustup toolchain install nightly --profile minimal >/dev/null
  fi
  if ! command -v cargo-mutants >/dev/null 2>&1; then
    echo "setup: installing cargo-mutants (about 2 minutes)" >&2
    cargo install cargo-mutants --locked --quiet
  fi
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "setup: installing cargo-fuzz (about 1 minute)" >&2
    cargo install cargo-fuzz --locked --quiet
  fi
fi

# tauri-driver (WebDriver for the desktop app's end-to-end tests), 2.x.
if ! command -v tauri-driver >/dev/null 2>&1 && [ "${VMCHECK_SETUP_E2E:-1}" = 1 ]; then
  echo "setup: installing tauri-driver 2 (cargo install, about 2 minutes)" >&2
  cargo install tauri-driver --locked --version '^2' --quiet
fi
