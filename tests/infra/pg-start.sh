#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster on 127.0.0.1:$PG_PORT and print its Npgsql
# connection string. The test role may create databases (the tests make one per app).
# Works as root (runs the server as the 'postgres' OS user) or as a normal user.
# Stop with pg-stop.sh (same PG_ROOT).
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-55432}
PG_ROOT=${PG_ROOT:-${TMPDIR:-/tmp}/coffer-test-pg}      # everything lives here; deleted by pg-stop.sh
PG_DB=${PG_DB:-coffer}
PG_USER=${PG_USER:-coffer}
PG_PASSWORD=${PG_PASSWORD:-coffer-test-pw}

if [ "$(id -u)" = 0 ]; then
  RUN=(runuser -u postgres --)
  OWNER=postgres
else
  RUN=()
  OWNER=$(id -un)
fi

rm -rf "$PG_ROOT"
mkdir -p "$PG_ROOT/data" "$PG_ROOT/sock"
chown -R "$OWNER" "$PG_ROOT"
chmod 700 "$PG_ROOT/data"
# as root, PG_ROOT may sit in a folder only root can enter (mktemp -d): let the server through
[ "$(id -u)" = 0 ] && chmod o+x "$(dirname "$PG_ROOT")"

# superuser password file (only readable by the owner)
echo "$PG_PASSWORD-super" > "$PG_ROOT/superpw"
chown "$OWNER" "$PG_ROOT/superpw"; chmod 600 "$PG_ROOT/superpw"

"${RUN[@]}" "$PG_BIN/initdb" -D "$PG_ROOT/data" -U postgres \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$PG_ROOT/superpw" \
  -E UTF8 --locale=C.UTF-8 >"$PG_ROOT/initdb.log" 2>&1

# Test-only settings (NOT for production): no fsync; no autovacuum, whose workers (superuser
# backends) would make the tests' DROP DATABASE ... WITH (FORCE) fail with 42501 now and then.
"${RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_ROOT/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
  start >/dev/null

"${RUN[@]}" "$PG_BIN/psql" -h "$PG_ROOT/sock" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL
CREATE ROLE "$PG_USER" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
CREATE DATABASE "$PG_DB" OWNER "$PG_USER";
SQL

echo "Host=127.0.0.1;Port=$PG_PORT;Database=$PG_DB;Username=$PG_USER;Password=$PG_PASSWORD"
