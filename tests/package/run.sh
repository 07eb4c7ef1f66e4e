#!/usr/bin/env bash
# The package, installed as a trust would install it: builds the .deb (and .rpm) with
# scripts/package.sh --debug, installs the .deb with apt (its dependencies resolved by the
# system's package manager), checks what it put where, runs the *installed* vmcheck-desktop in
# training mode under Xvfb (screenshot: target/package-smoke/app.png) and the installed
# `vmcheck lookup --sandbox`, then removes the package and checks that nothing is left behind.
# Needs root (apt). Fails, never skips.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "package test: needs root (apt-get install)" >&2; exit 1; }

bash scripts/package.sh --debug
deb=$(ls target/packages/*.deb)
rpm_file=$(ls target/packages/*.rpm)
pkg=$(dpkg-deb -f "$deb" Package)
echo "package test: $deb (package $pkg)"

# What the package declares and holds.
depends=$(dpkg-deb -f "$deb" Depends)
for d in pcscd openbox x11-utils libwebkit2gtk-4.1-0; do
  [[ $depends == *"$d"* ]] || { echo "package test: $d is not a declared dependency: $depends" >&2; exit 1; }
done
# The package's paths, one a line, as /usr/bin/vmcheck.
contents=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|^\([^/]\)|/\1|' -e 's|/$||')
for f in /usr/bin/vmcheck-desktop /usr/bin/vmcheck /usr/bin/vmcheck-kiosk-session \
  /usr/share/vmcheck/kiosk/rc.xml /usr/share/xsessions/vmcheck-kiosk.desktop \
  /etc/vmcheck/config.toml.example /usr/share/doc/vmcheck/copyright \
  /usr/share/doc/vmcheck/changelog /usr/share/applications/vmcheck.desktop \
  /usr/share/icons/hicolor/32x32/apps/vmcheck-desktop.png \
  /usr/share/icons/hicolor/128x128/apps/vmcheck-desktop.png; do
  grep -qx "$f" <<<"$contents" || { echo "package test: $f is not in the package" >&2; exit 1; }
done
dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*usr/share/applications/vmcheck.desktop' | grep -qx 'Name=V&M Check' \
  || { echo "package test: the desktop entry does not name V&M Check" >&2; exit 1; }
if command -v rpm >/dev/null; then
  rpm -qlp "$rpm_file" | grep -qx /usr/bin/vmcheck || { echo "package test: the .rpm lacks /usr/bin/vmcheck" >&2; exit 1; }
  # A release app's packed relocations need glibc's DT_RELR support, named as RPM names it
  # (a requirement with a version would reach the .rpm as one unusable name).
  rpm -qp --qf '[%{REQUIRENAME}\n]' "$rpm_file" | grep -qxF 'libc.so.6(GLIBC_ABI_DT_RELR)(64bit)' \
    || { echo "package test: the .rpm does not require glibc's DT_RELR support" >&2; exit 1; }
fi
# The C library declared is at least the newest one the programs need (objdump's version needs).
declared=$(grep -o 'libc6 (>= [0-9.]*)' <<<"$depends" | sed 's/^libc6 (>= \(.*\))$/\1/') \
  || { echo "package test: no libc6 version is declared: $depends" >&2; exit 1; }
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
needed=$(objdump -T "$unpacked/usr/bin/vmcheck-desktop" "$unpacked/usr/bin/vmcheck" | grep -o 'GLIBC_2\.[0-9]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
rm -rf "$unpacked"
[ "$(printf '%s\n%s\n' "$needed" "$declared" | sort -V | tail -1)" = "$declared" ] \
  || { echo "package test: the programs need glibc $needed, the package declares libc6 >= $declared" >&2; exit 1; }
echo "package test: the programs need glibc $needed; the package declares libc6 >= $declared"

# Installed by the system's package manager.
# Removed again however this test ends (a half-installed package too).
trap 'apt-get remove --purge -y -o DPkg::Lock::Timeout=600 "$pkg" >/dev/null 2>&1 || true' EXIT
# apt's own account goes to a log, printed with the disk left and dpkg's audit if it fails.
apt_log=target/package-apt.log
if ! apt-get install -y -o DPkg::Lock::Timeout=600 "./$deb" >"$apt_log" 2>&1; then
  echo "package test: apt-get install failed; its last lines:" >&2
  tail -n 40 "$apt_log" >&2
  df -h / "$PWD" /usr /var >&2 || true
  dpkg --audit >&2 || true
  exit 1
fi
[ -x /usr/bin/vmcheck-kiosk-session ] || { echo "package test: the kiosk session is not executable" >&2; exit 1; }
/usr/bin/vmcheck --version

smoke=target/package-smoke
rm -rf "$smoke" && mkdir -p "$smoke/home"
export HOME="$PWD/$smoke/home" XDG_CONFIG_HOME="$PWD/$smoke/home/config" \
  XDG_DATA_HOME="$PWD/$smoke/home/data" XDG_STATE_HOME="$PWD/$smoke/home/state"
unset VMCHECK_CONFIG DISPLAY WAYLAND_DISPLAY
# The installed command line against its in-process sandbox.
out=$(/usr/bin/vmcheck lookup --sandbox --json 9990000018)
grep -q '"outcome":"status"' <<<"$out" || { echo "package test: lookup said: $out" >&2; exit 1; }
# The installed desktop app, training mode, under Xvfb; a screenshot after 8 seconds.
xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
  /usr/bin/vmcheck-desktop --training & app=$!
  sleep 8
  import -window root "$1"
  kill -0 $app || { echo "package test: the installed app exited early" >&2; exit 1; }
  kill -TERM $app; wait $app || true' _ "$smoke/app.png"
[ "$(stat -c %s "$smoke/app.png")" -gt 20000 ] || { echo "package test: the installed app showed nothing" >&2; exit 1; }
echo "package test: screenshot $smoke/app.png"

# Removed: nothing left behind.
trap - EXIT
apt-get remove --purge -y -o DPkg::Lock::Timeout=600 "$pkg" >/dev/null
if dpkg -s "$pkg" >/dev/null 2>&1; then
  echo "package test: $pkg is still installed" >&2; exit 1
fi
left=()
# Shared folders (/usr/bin, /usr/share/icons/…) stay; the package's own files must not.
while read -r f; do
  [ -n "$f" ] || continue
  if [ -f "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
done <<<"$contents"
for d in /usr/share/vmcheck /usr/share/doc/vmcheck /etc/vmcheck; do
  [ -e "$d" ] && left+=("$d")
done
if [ ${#left[@]} -gt 0 ]; then
  echo "package test: left behind after removal: ${left[*]}" >&2; exit 1
fi
echo "package test: installed, ran, removed; nothing left behind"
