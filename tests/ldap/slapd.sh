#!/usr/bin/env bash
# Runs a throwaway OpenLDAP slapd holding the sandbox's SDS entries, for tests against a real
# directory server. Loopback only; everything lives in DIR.
#
#   tests/ldap/slapd.sh start DIR PORT [LDAPS_PORT]
#   tests/ldap/slapd.sh stop DIR
#
# start builds a cn=config from scratch in DIR/slapd.d (back_mdb module; the stock core, cosine,
# nis and inetorgperson schemas, then tests/ldap/nhs-schema.ldif; one read-only mdb database for
# o=nhs that anyone may read, anonymously included), loads DIR/data.ldif into it with slapadd,
# and starts slapd on ldap://127.0.0.1:PORT/ (and ldaps://127.0.0.1:LDAPS_PORT/ when given, with
# a fresh test CA in DIR/tls/ca.pem and a server certificate for IP:127.0.0.1), then waits until
# it answers. slapd writes its pid to DIR/slapd.pid and logs (stats level) to DIR/slapd.log.
#
# DIR/data.ldif, when absent, is produced from the sandbox's one definition of the entries:
#   cargo run -q -p vmcheck-sandbox --example directory_ldif -- "$VANDM_URL"
# (VANDM_URL defaults to the sandbox tests' http://127.0.0.1:18443/visitors-and-migrants/FHIR/R4).
# Callers that run inside cargo (the Rust tests) write DIR/data.ldif themselves with
# Directory::test_fixtures(url).to_ldif(), so no cargo runs inside cargo.
#
# With SLAPD_STOP_WITH_PID=<pid> in the environment, start also leaves a watcher that stops slapd
# as soon as that process has ended (how a test binary shares one instance between its tests
# and still never leaves it running).
#
# stop sends SIGTERM to exactly the pid in DIR/slapd.pid (after checking it is this DIR's slapd)
# and waits for it to exit (slapd takes about 1.5 s). Never pkill/killall.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export PATH="$PATH:/usr/sbin:/sbin"
STOCK_SCHEMA_DIR="${STOCK_SCHEMA_DIR:-/etc/ldap/schema}"
MODULE_DIR="${MODULE_DIR:-/usr/lib/ldap}"
VANDM_URL="${VANDM_URL:-http://127.0.0.1:18443/visitors-and-migrants/FHIR/R4}"

die() {
  echo "slapd.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start DIR PORT [LDAPS_PORT] | stop DIR" >&2
  exit 2
}

require() {
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 ||
      die "'$cmd' is not installed: run scripts/setup.sh (it installs slapd, ldap-utils and openssl)"
  done
}

# The pid in DIR/slapd.pid if that process is alive and is a slapd serving DIR, else nothing.
running_pid() {
  local dir="$1" pid
  [ -f "$dir/slapd.pid" ] || return 0
  pid="$(tr -dc 0-9 <"$dir/slapd.pid")"
  [ -n "$pid" ] || return 0
  [ -r "/proc/$pid/cmdline" ] || return 0
  if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- " -F $dir/slapd.d "; then
    echo "$pid"
  fi
}

# Whether process $1 exists and has not exited (a zombie waiting for its parent has exited).
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != "Z" ]
}

make_tls() {
  local tls="$1"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout ca.key -out ca.pem -days 2 -subj "/O=V&M Check tests/CN=V&M Check test CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout server.key -out server.csr -subj "/O=V&M Check tests/CN=127.0.0.1" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
      >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext ca.srl
    chmod 600 ca.key server.key
  ) || die "could not make the test CA and server certificate with openssl"
}

write_config() {
  local dir="$1" tls="$2"
  {
    cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid
olcArgsFile: $dir/slapd.args
EOF
    if [ -n "$tls" ]; then
      cat <<EOF
olcTLSCACertificateFile: $tls/ca.pem
olcTLSCertificateFile: $tls/server.pem
olcTLSCertificateKeyFile: $tls/server.key
olcTLSProtocolMin: 3.3
EOF
    fi
    cat <<EOF

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $MODULE_DIR
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

EOF
    for schema in core cosine nis inetorgperson; do
      [ -f "$STOCK_SCHEMA_DIR/$schema.ldif" ] ||
        die "$STOCK_SCHEMA_DIR/$schema.ldif is missing: run scripts/setup.sh"
      cat "$STOCK_SCHEMA_DIR/$schema.ldif"
      echo
    done
    cat "$HERE/nhs-schema.ldif"
    cat <<EOF

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to * by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: o=nhs
olcDbDirectory: $dir/db
olcDbMaxSize: 33554432
olcReadOnly: TRUE
olcAccess: {0}to * by * read
olcDbIndex: objectClass eq
olcDbIndex: uniqueIdentifier eq
olcDbIndex: nhsIDCode eq
olcDbIndex: nhsMHSPartyKey eq
olcDbIndex: nhsAsSvcIA eq
olcDbIndex: nhsMhsSvcIA eq
EOF
  } >"$dir/config.ldif"
}

start() {
  [ $# -ge 2 ] && [ $# -le 3 ] || usage
  local dir="$1" port="$2" ldaps_port="${3:-}"
  require slapd slapadd ldapsearch
  [ -z "$ldaps_port" ] || require openssl
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [ -z "$(running_pid "$dir")" ] || die "a slapd is already running for $dir (pid $(running_pid "$dir"))"
  rm -rf "$dir/slapd.d" "$dir/db" "$dir/tls" "$dir/slapd.pid" "$dir/slapd.args"
  mkdir -p "$dir/slapd.d" "$dir/db"

  if [ ! -s "$dir/data.ldif" ]; then
    require cargo
    (cd "$ROOT" && cargo run -q -p vmcheck-sandbox --example directory_ldif -- "$VANDM_URL") \
      >"$dir/data.ldif" || die "could not produce the entries with the directory_ldif example"
  fi

  local tls="" urls="ldap://127.0.0.1:$port/"
  if [ -n "$ldaps_port" ]; then
    tls="$dir/tls"
    make_tls "$tls"
    urls="$urls ldaps://127.0.0.1:$ldaps_port/"
  fi
  write_config "$dir" "$tls"

  slapadd -q -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" >"$dir/slapadd.log" 2>&1 ||
    { cat "$dir/slapadd.log" >&2; die "slapadd of cn=config failed"; }
  slapadd -q -F "$dir/slapd.d" -b o=nhs -l "$dir/data.ldif" >>"$dir/slapadd.log" 2>&1 ||
    { cat "$dir/slapadd.log" >&2; die "slapadd of $dir/data.ldif failed (schema check?)"; }

  # -d keeps slapd in the foreground (its log goes to DIR/slapd.log); it still writes its pid.
  slapd -h "$urls" -F "$dir/slapd.d" -d stats </dev/null >"$dir/slapd.log" 2>&1 &
  local child=$!

  local tries=0
  until ldapsearch -x -LLL -o nettimeout=1 -H "ldap://127.0.0.1:$port/" -b "" -s base \
    namingContexts >/dev/null 2>&1; do
    tries=$((tries + 1))
    if ! alive "$child" || [ "$tries" -ge 200 ]; then
      kill -TERM "$child" 2>/dev/null || true
      tail -n 20 "$dir/slapd.log" >&2 || true
      die "slapd did not start on 127.0.0.1:$port (log: $dir/slapd.log)"
    fi
    sleep 0.05
  done
  if [ -n "$ldaps_port" ]; then
    LDAPTLS_CACERT="$tls/ca.pem" ldapsearch -x -LLL -o nettimeout=2 \
      -H "ldaps://127.0.0.1:$ldaps_port/" -b "" -s base namingContexts >/dev/null 2>&1 ||
      { kill -TERM "$child"; die "slapd does not answer LDAPS on 127.0.0.1:$ldaps_port"; }
  fi
  [ "$(running_pid "$dir")" = "$child" ] ||
    { kill -TERM "$child"; die "slapd did not write $dir/slapd.pid"; }

  if [ -n "${SLAPD_STOP_WITH_PID:-}" ]; then
    local owner="$SLAPD_STOP_WITH_PID"
    (
      while alive "$owner" && alive "$child"; do
        sleep 0.2
      done
      "$HERE/slapd.sh" stop "$dir"
    ) </dev/null >>"$dir/watcher.log" 2>&1 &
  fi
  echo "slapd.sh: slapd (pid $child) serving o=nhs on $urls from $dir" >&2
}

stop() {
  [ $# -eq 1 ] || usage
  local dir
  dir="$(cd "$1" 2>/dev/null && pwd)" || die "no such directory: $1"
  local pid
  pid="$(running_pid "$dir")"
  if [ -z "$pid" ]; then
    echo "slapd.sh: no slapd running for $dir" >&2
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local tries=0
  while alive "$pid"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 200 ]; then
      echo "slapd.sh: slapd (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.05
  done
  echo "slapd.sh: stopped slapd (pid $pid)" >&2
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) usage ;;
esac
