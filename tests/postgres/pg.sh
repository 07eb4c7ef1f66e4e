#!/usr/bin/env bash
# A throw-away PostgreSQL server for the central audit tests, on loopback only, with TLS (a test
# CA made here) and password authentication (SCRAM) for TCP connections.
#
#   pg.sh init DIR PASSWORD   a cluster in DIR/data (superuser `vmcheck` with PASSWORD), the CA
#                             certificate in DIR/ca.pem; TCP sign-in by SCRAM, or as
#                             $PG_HOST_AUTH says (`trust`: no password)
#   pg.sh start DIR PORT      start it on 127.0.0.1:PORT (socket in DIR); waits until it accepts
#   pg.sh stop DIR            a fast shutdown
#   pg.sh kill DIR            SIGKILL the postmaster (a crash); its backends end with it
#   pg.sh sql DIR PORT DB SQL run SQL as the superuser over the socket (a test tampering with
#                             the store as a database administrator could); prints the result
#
# initdb and the server refuse to run as root: as root (CI) they run as the `postgres` user
# (Debian's package creates it) in a directory it owns. The server's log is DIR/server.log.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "pg.sh: PostgreSQL is not installed (scripts/setup.sh installs it: postgresql)" >&2
  exit 2
fi
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cmd=$1
dir=$2
case $cmd in
  init)
    password=$3
    mkdir -p "$dir"
    chmod 700 "$dir"
    printf '%s\n' "$password" > "$dir/pwfile"
    # A CA and a server certificate for 127.0.0.1.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=V&M Check test CA" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$dir/ext.cnf"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
      -CAcreateserial -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null
    chmod 600 "$dir/server.key"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U vmcheck --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host="${PG_HOST_AUTH:-scram-sha-256}" -E UTF8 --locale=C.UTF-8 --no-sync -N >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    ;;
  start)
    port=$3
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" \
      start >/dev/null || {
      tail -n 20 "$dir/server.log" >&2
      exit 1
    }
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  kill)
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    ;;
  sql)
    as_pg psql -X -q -t -A -h "$dir" -p "$3" -U vmcheck -d "$4" -v ON_ERROR_STOP=1 -c "$5"
    ;;
  *)
    echo "usage: pg.sh init DIR PASSWORD | start DIR PORT | stop DIR | kill DIR | sql DIR PORT DB SQL" >&2
    exit 2
    ;;
esac
