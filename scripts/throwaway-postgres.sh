#!/usr/bin/env bash
# scripts/throwaway-postgres.sh — a PostgreSQL 15 server to try several
# fronts on (docs/cluster.md, "Several fronts"): a fresh cluster in DIR,
# its socket in DIR, no TCP port, trust authentication for user `orders`.
# Not for production: no password, no backups, fsync off.
#
#   scripts/throwaway-postgres.sh start [DIR]   prints the --journal URI
#   scripts/throwaway-postgres.sh stop [DIR]    stops it and removes DIR
#
# DIR defaults to /tmp/order-node-pg. As root, the server runs as `nobody`
# (PostgreSQL refuses to run as root). Needs Debian's postgresql-15
# (apt-get install postgresql-15).
set -euo pipefail

cmd=${1:-}
dir=${2:-/tmp/order-node-pg}
bin=/usr/lib/postgresql/15/bin

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
      --clear-groups -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  if [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL 15 is not installed: apt-get install postgresql-15" >&2
    exit 1
  fi
  if [ -e "$dir" ]; then
    echo "$dir exists: stop it first ($0 stop $dir) or name another" >&2
    exit 1
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown nobody "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U orders -E UTF8 \
    --no-sync >"$dir/initdb.log"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-k $dir -c listen_addresses='' -c fsync=off" start >/dev/null
  echo "postgresql:///postgres?host=$dir&user=orders"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop [DIR]" >&2
  exit 2
  ;;
esac
