#!/usr/bin/env bash
# Stop the throwaway cluster started by pg-start.sh (same PG_ROOT) and delete its files.
set -uo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_ROOT=${PG_ROOT:-${TMPDIR:-/tmp}/coffer-test-pg}
if [ -f "$PG_ROOT/data/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); else RUN=(); fi
  "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -m immediate -w -t 30 stop >/dev/null || true
fi
rm -rf "$PG_ROOT"
