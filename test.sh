#!/usr/bin/env bash
# Runs every Coffer test: `./test.sh` (what CI runs through .ci/run).
#
# The embedded defaults (SQLite, local disk) need nothing beyond the .NET SDK that
# global.json names. Later backends add their servers here (started on 127.0.0.1, stopped
# on exit), so a test never depends on something this script did not start.
#
# The browser tests (tests/Coffer.E2E) drive the system Chromium through Playwright and never
# download a browser: when it is missing and we are root with apt-get, this script installs
# Debian's `chromium` package; otherwise it stops with a message. It sets COFFER_E2E_REQUIRED=1 so
# that those tests fail rather than skip without a browser (plain `dotnet test` skips them).
#
# The PostgreSQL and S3 tests run against real servers that this script starts from
# tests/infra/ on free loopback ports and stops on exit: a throwaway PostgreSQL cluster and a
# one-node Ceph cluster with its RADOS Gateway (S3). When their Debian packages are missing and
# we are root with apt-get, it installs them (postgresql; ceph-mon ceph-osd radosgw ceph-common);
# otherwise it stops with a message. The tests find them through COFFER_TEST_PG (an Npgsql
# connection string for a role that may create databases), COFFER_TEST_S3_URL,
# COFFER_TEST_S3_BUCKET and the standard AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY;
# COFFER_TEST_SERVERS_REQUIRED=1 makes a test whose server is missing fail rather than skip
# (plain `dotnet test` skips them).
#
# Environment:
#   COFFER_TEST_LARGE_MB   size of the multi-GB round-trip test (default 3072 = 3 GiB)
#   COFFER_CHROMIUM        the Chromium the browser tests use (default /usr/bin/chromium)
#   TEST_CONFIGURATION     Release (default) or Debug
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

CONFIGURATION=${TEST_CONFIGURATION:-Release}
LOG=$(mktemp)
SERVERS=""   # the folder the test servers run from, once they are started
stop_servers() {
  [[ -n $SERVERS ]] || return 0
  PG_ROOT=$SERVERS/pg tests/infra/pg-stop.sh &
  CEPH_DIR=$SERVERS/ceph tests/infra/ceph-stop.sh &
  wait
  rm -rf "$SERVERS"
}
trap 'rm -f "$LOG"; stop_servers' EXIT

need() { command -v "$1" >/dev/null || { echo "test.sh: '$1' is required: $2" >&2; exit 1; }; }
need dotnet "install the .NET SDK that global.json names (https://dot.net)"

# The multi-GB test needs that much free disk where temporary files go.
large_mb=${COFFER_TEST_LARGE_MB:-3072}
free_mb=$(df -Pm "${TMPDIR:-/tmp}" | awk 'NR==2 {print $4}')
if (( free_mb < large_mb + 1024 )); then
  echo "test.sh: ${TMPDIR:-/tmp} has ${free_mb} MiB free; the large-file test needs $((large_mb + 1024)) MiB." >&2
  echo "         Free some space, point TMPDIR elsewhere, or set COFFER_TEST_LARGE_MB (at least 2049 to cross 2 GiB)." >&2
  exit 1
fi
export COFFER_TEST_LARGE_MB=$large_mb

# The browser tests need Chromium; install Debian's when it is missing and we may.
chromium=${COFFER_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "test.sh: installing chromium for the browser tests (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; } || true
  fi
  if [[ ! -x $chromium ]]; then
    echo "test.sh: the browser tests need Chromium at $chromium and it could not be installed." >&2
    echo "         Install it (Debian/Ubuntu: apt-get install chromium) or set COFFER_CHROMIUM to a Chromium or Chrome executable." >&2
    exit 1
  fi
fi
export COFFER_CHROMIUM=$chromium COFFER_E2E_REQUIRED=1

# The reverse-proxy test (tests/Coffer.Server.Tests/Deploy) runs deploy/nginx.conf in an nginx of
# its own on free loopback ports; install Debian's package when it is missing and we may. A
# temporary policy-rc.d keeps the package from starting its own service (default site, port 80).
if [[ ! -x /usr/sbin/nginx ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "test.sh: installing nginx for the reverse-proxy test (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    no_start=
    [[ -e /usr/sbin/policy-rc.d ]] ||
      { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1; }
    apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1; } || true
    [[ -z $no_start ]] || rm -f /usr/sbin/policy-rc.d
  fi
  if [[ ! -x /usr/sbin/nginx ]]; then
    echo "test.sh: the reverse-proxy test needs nginx at /usr/sbin/nginx and it could not be installed." >&2
    echo "         Install it (Debian/Ubuntu: apt-get install nginx)." >&2
    exit 1
  fi
fi

# PostgreSQL and the S3 store: install the Debian packages that are missing, if we may (without
# letting them start services of their own, as for nginx above).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
missing=()
[[ -x $pg_bin/initdb ]] || missing+=(postgresql)
for cmd in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$cmd" >/dev/null || { missing+=(ceph-mon ceph-osd radosgw ceph-common); break; }
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "test.sh: installing ${missing[*]} for the PostgreSQL and S3 tests (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    no_start=
    [[ -e /usr/sbin/policy-rc.d ]] ||
      { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1; }
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } || true
    [[ -z $no_start ]] || rm -f /usr/sbin/policy-rc.d
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  fi
  if [[ ! -x $pg_bin/initdb ]] || ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null; then
    echo "test.sh: the PostgreSQL and S3 tests need PostgreSQL and Ceph's RADOS Gateway and they could not be installed." >&2
    echo "         Install them as root (Debian/Ubuntu: apt-get install postgresql ceph-mon ceph-osd radosgw ceph-common)." >&2
    exit 1
  fi
fi

# Ceph keeps what the S3 tests store (the large file too) in a sparse file under the same folder.
if (( free_mb < 2 * large_mb + 1024 )); then
  echo "test.sh: ${TMPDIR:-/tmp} has ${free_mb} MiB free; with the S3 store's copy the large-file test needs $((2 * large_mb + 1024)) MiB." >&2
  exit 1
fi

# The first free port from $1 on (a connection there is refused), or a message naming the range.
free_port() {
  local port
  for ((port = $1; port < $1 + 50; port++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  echo "test.sh: ports $1-$(($1 + 49)) on 127.0.0.1 are all taken; free one for the $2." >&2
  return 1
}
pg_port=$(free_port 55432 "PostgreSQL test server")
rgw_port=$(free_port 57480 "S3 test server")
mon_v2=$(free_port 53300 "Ceph monitor")
mon_v1=$(free_port 56700 "Ceph monitor")

# Both start at once (PostgreSQL ~1 s, Ceph ~6 s); the EXIT trap stops them and deletes their data.
SERVERS=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test-servers.XXXXXX")
s3_bucket=coffer-test
s3_access=TESTACCESSKEY0000001
s3_secret=testsecretkey0000000000000000000000000001
PG_BIN=$pg_bin PG_ROOT=$SERVERS/pg PG_PORT=$pg_port tests/infra/pg-start.sh >"$SERVERS/pg.out" 2>&1 &
pg_pid=$!
CEPH_DIR=$SERVERS/ceph RGW_PORT=$rgw_port MON_V2=$mon_v2 MON_V1=$mon_v1 S3_BUCKETS=$s3_bucket \
  S3_ACCESS_KEY=$s3_access S3_SECRET_KEY=$s3_secret tests/infra/ceph-start.sh >"$SERVERS/ceph.out" 2>&1 &
ceph_pid=$!
pg_status=0 ceph_status=0
wait $pg_pid || pg_status=$?
wait $ceph_pid || ceph_status=$?
if (( pg_status )); then
  echo "test.sh: the PostgreSQL test server did not start:" >&2; tail -20 "$SERVERS/pg.out" >&2; exit 1
fi
if (( ceph_status )); then
  echo "test.sh: the S3 test server (Ceph) did not start:" >&2; tail -20 "$SERVERS/ceph.out" >&2; exit 1
fi
COFFER_TEST_PG=$(tail -1 "$SERVERS/pg.out")
export COFFER_TEST_PG COFFER_TEST_S3_URL=http://127.0.0.1:$rgw_port COFFER_TEST_S3_BUCKET=$s3_bucket
export AWS_ACCESS_KEY_ID=$s3_access AWS_SECRET_ACCESS_KEY=$s3_secret COFFER_TEST_SERVERS_REQUIRED=1

dotnet build Coffer.slnx -c "$CONFIGURATION" -warnaserror --nologo -v quiet
set +e
# Pass 1: every project on the embedded defaults (SQLite + local disk). Pass 2: the whole
# integration suite again on PostgreSQL + S3 (COFFER_TEST_STACK=scale-out, see
# tests/Coffer.Server.Tests/Infrastructure/TestStack.cs), with the tests that are about many
# instances, direct transfers and the like (namespace ScaleOut), which need that stack anyway.
dotnet test --solution Coffer.slnx -c "$CONFIGURATION" --no-build --filter-not-namespace Coffer.Server.Tests.ScaleOut 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
echo "test.sh: the integration suite again, on PostgreSQL + S3"
COFFER_TEST_STACK=scale-out dotnet test --project tests/Coffer.Server.Tests -c "$CONFIGURATION" --no-build 2>&1 | tee -a "$LOG"
scale_out_status=${PIPESTATUS[0]}
(( status != 0 )) || status=$scale_out_status
set -e

# One plain closing line that any reader of the log can count on (both passes summed).
sum() { awk -v key="$1" '$1 == key ":" {n += $2} END {print n + 0}' "$LOG"; }
passed=$(sum succeeded)
failed=$(sum failed)
skipped=$(sum skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped"
if (( passed == 0 )) && (( status == 0 )); then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
