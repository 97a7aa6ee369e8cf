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
# Environment:
#   COFFER_TEST_LARGE_MB   size of the multi-GB round-trip test (default 3072 = 3 GiB)
#   COFFER_CHROMIUM        the Chromium the browser tests use (default /usr/bin/chromium)
#   TEST_CONFIGURATION     Release (default) or Debug
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

CONFIGURATION=${TEST_CONFIGURATION:-Release}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

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

dotnet build Coffer.slnx -c "$CONFIGURATION" -warnaserror --nologo -v quiet
set +e
dotnet test --solution Coffer.slnx -c "$CONFIGURATION" --no-build 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

# One plain closing line that any reader of the log can count on.
passed=$(awk '/^  succeeded:/ {print $2}' "$LOG" | tail -1)
failed=$(awk '/^  failed:/ {print $2}' "$LOG" | tail -1)
skipped=$(awk '/^  skipped:/ {print $2}' "$LOG" | tail -1)
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [[ -z $passed || $passed == 0 ]] && (( status == 0 )); then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
