#!/usr/bin/env bash
# Search timing at scale: one Coffer (embedded SQLite) with BENCH_ITEMS items (default
# 100,000) written straight into its database with one SQL statement, then GET
# /api/v1/search timed for a few kinds of query: a rare word (FTS5 trigram index), ten
# hits, every item matching (first page of 50), a two-character query (the owner's-names
# index), a non-ASCII one. Medians of BENCH_REPEATS requests each, over loopback.
#
#   bench/search.sh
#   BENCH_ITEMS=1000000 BENCH_REPEATS=50 bench/search.sh
#
# Needs curl and the sqlite3 command-line shell (3.34+, for FTS5's trigram tokenizer).
set -euo pipefail
export LC_ALL=C

ITEMS=${BENCH_ITEMS:-100000}
REPEATS=${BENCH_REPEATS:-20}
TMP_PARENT=${BENCH_TMPDIR:-/var/tmp}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
WORK="" PID=""

log() { printf '%s\n' "$*" >&2; }
die() { printf '\nbench/search.sh: error: %s\n' "$*" >&2; exit 1; }

cleanup() {
    if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" && wait "$PID" 2>/dev/null || true
    fi
    if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

[[ $ITEMS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ITEMS must be a positive integer, got '$ITEMS'"
[[ $REPEATS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEATS must be a positive integer, got '$REPEATS'"
command -v curl >/dev/null || die "curl is missing"
command -v sqlite3 >/dev/null || die "the sqlite3 shell is missing (apt-get install sqlite3)"

WORK=$(mktemp -d "$TMP_PARENT/coffer-search-bench.XXXXXX")
log "building Coffer (dotnet publish -c Release) ..."
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$REPO_DIR/src/Coffer.Server" -c Release \
    --disable-build-servers --artifacts-path "$WORK/artifacts" -o "$WORK/coffer" >"$WORK/publish.log" 2>&1 ||
    { tail -n 40 "$WORK/publish.log" >&2; die "dotnet publish failed"; }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
(
    cd "$WORK/coffer"
    export Coffer__DataDir=$WORK/data
    exec setsid dotnet Coffer.Server.dll --urls "$URL"
) >"$WORK/coffer.log" 2>&1 &
PID=$!
for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$URL/health/live" && break
    kill -0 "$PID" 2>/dev/null || { tail -n 40 "$WORK/coffer.log" >&2; die "Coffer exited while starting"; }
    sleep 0.2
done
curl -sf -o /dev/null "$URL/health/live" || die "Coffer did not come up"

# field NAME: the first "NAME": "string" in answer.json (flat answers; no jq needed).
field() { grep -oE "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$WORK/answer.json" | head -n 1 | sed -E 's/.*"([^"]*)"$/\1/'; }
post() {
    local code
    code=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' "${@:3}" \
        --data-binary "$2" "$URL$1")
    [[ $code == 201 ]] || die "POST $1 answered $code: $(head -c 300 "$WORK/answer.json")"
}
post /api/v1/auth/register '{"email":"bench@example.com","password":"Bench-Coffer-2026!pw"}'
USER_ID=$(field id)
post /api/v1/auth/tokens '{"email":"bench@example.com","password":"Bench-Coffer-2026!pw","name":"bench"}'
printf 'Authorization: Bearer %s\n' "$(field token)" >"$WORK/auth.header" # not on curl's command line
post /api/v1/items/root/folders '{"name":"bulk"}' -H "@$WORK/auth.header"
FOLDER_ID=$(field id)
post /api/v1/items/root/folders '{"name":"Größe Needle"}' -H "@$WORK/auth.header"

log "writing $ITEMS items into the database ..."
# Guids as EF stores them in SQLite (upper-case text); names are ASCII, so their search key is the name.
sqlite3 "$WORK/data/coffer.db" >/dev/null <<SQL
PRAGMA busy_timeout = 10000;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $ITEMS)
INSERT INTO "Items" ("Id", "OwnerId", "ParentId", "Name", "SearchName", "Kind", "Size", "Created", "Modified", "Replicated")
SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-A'
             || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       upper('$USER_ID'), upper('$FOLDER_ID'), printf('item-%07d.dat', x), printf('item-%07d.dat', x), 1, 0, 0, 0, 0
FROM n;
SQL

# time_get LABEL PATH [CURL ARGS]: median milliseconds of REPEATS GETs, and how many items the answer held.
time_get() {
    local label=$1 path=$2 times=() hits
    for _ in $(seq 1 "$REPEATS"); do
        times+=("$(curl -sS -G -o "$WORK/answer.json" -w '%{time_total}' -H "@$WORK/auth.header" "${@:3}" "$URL$path")")
    done
    hits=$(grep -o '"id"' "$WORK/answer.json" | wc -l)
    printf '%s\n' "${times[@]}" | sort -g | awk -v label="$label" -v hits="$hits" '{ v[NR] = $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "| %s | %d | %.1f |\n", label, hits, m * 1000 }'
}
time_query() { time_get "search \`$1\`" /api/v1/search --data-urlencode "q=$1"; }

echo "Search over $ITEMS items (SQLite, loopback; median of $REPEATS requests)"
echo
echo "| request | items in the answer | median ms |"
echo "| --- | --- | --- |"
time_get "baseline: GET /api/v1/items/root" /api/v1/items/root
time_query needle
time_query item-004217
time_query item
time_query ne
time_query GRÖSSE
