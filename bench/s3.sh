#!/usr/bin/env bash
# Coffer on S3 (Ceph RGW) + PostgreSQL vs the S3 server alone, on this machine, in the
# same run: large-file upload and download throughput (ratios to the aws CLI taken round
# by round, the order shuffled then rotated) and Coffer's peak RSS. Two Coffers from one
# build: "coffer" (encryption at rest on: every byte through the server) and "plain"
# (encryption off), which is measured both through the server and with direct transfers
# (pre-signed part PUTs and a pre-signed GET). See bench/README.md, "Coffer on S3".
#
#   bench/s3.sh                                 # 1 GiB, 3 rounds
#   BENCH_SIZE_MB=256 BENCH_ROUNDS=1 bench/s3.sh
#
# Progress goes to stderr and the results table to stdout.
set -euo pipefail
export LC_ALL=C                         # "612.3", not "612,3", for printf, awk and sort
PATH=$PATH:/usr/sbin:/sbin

# ---- knobs ---------------------------------------------------------------------------
SIZE_MB=${BENCH_SIZE_MB:-1024}          # MiB; 1024 = 1 GiB
ROUNDS=${BENCH_ROUNDS:-3}               # measured rounds
WARMUP=${BENCH_WARMUP:-1}               # untimed rounds first (JIT, first-touch memory)
TMP_PARENT=${BENCH_TMPDIR:-/var/tmp}    # a real disk: /tmp may be tmpfs (RAM)
KEEP=${BENCH_KEEP:-}                    # non-empty: keep the private directory (logs) on exit
DIRECT_PARALLEL=${BENCH_DIRECT_PARALLEL:-3}   # part PUTs at a time in a direct upload (a browser's few)
AWS_CONCURRENCY=${BENCH_AWS_CONCURRENCY:-10}  # the aws CLI's defaults: 10 requests at a time,
AWS_CHUNK_MB=${BENCH_AWS_CHUNK_MB:-8}         # 8 MiB parts

readonly TARGET_RSS_MIB=200             # as run.sh: Coffer streams, whatever the file size
readonly MAX_SIZE_MB=2048               # ceph-start.sh's OSD is a 20 GiB file (see check_knobs)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
INFRA_DIR=$REPO_DIR/tests/infra
readonly BENCH_DIR REPO_DIR INFRA_DIR

# What a round visits: "s3" the aws CLI against radosgw; "coffer" encryption on, through
# the server; "plain" encryption off, through the server; "direct" the same instance as
# plain, with pre-signed URLs.
readonly PATHS=(s3 coffer plain direct)
declare -A INSTANCE=([coffer]=coffer [plain]=plain [direct]=plain)
readonly BUCKET=bench S3_KEY=yardstick/big.bin
# Test-only credentials for the throwaway cluster (ceph-start.sh creates this user).
readonly S3_ACCESS=BENCHACCESSKEY000001 S3_SECRET=benchsecretkey00000000000000000000000001
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# ---- state (read by cleanup) ---------------------------------------------------------
WORK="" CEPH_STARTED="" PG_STARTED="" S3_URL="" PG_CONN="" RGW_PID="" OSD_PID=""
declare -A COFFER_PID COFFER_URL COFFER_ITEM # [coffer|plain] -> that instance's
PAYLOAD_SHA=""
MBPS="" PEAK_KIB="" CPU_NOTE="" PHASES="" # results of the last transfer()
PARTS_S="" COMPLETE_S=""                # the last direct upload's part PUTs and complete, in s
declare -A DIRECT_PARTS_S DIRECT_COMPLETE_S # [round] -> those
declare -A PUT_MBPS GET_MBPS            # [round,path] -> MB/s
declare -A ROUND_KIB                    # [round,path] -> Coffer's peak RSS over that path's transfers
declare -A PEAK_KIB_OF=([coffer]=0 [plain]=0 [direct]=0 [rgw]=0 [osd]=0)
declare -A ORDER                        # [round] -> the order the paths were visited
declare -A AT_REST_KIB                  # [coffer|plain] -> RSS after start-up and sign-in
LOAD_BEFORE="" PART_BYTES="" PART_COUNT="" AWS_VERSION=""

log() { printf '%s\n' "$*" >&2; }
die() {
    printf '\nbench/s3.sh: error: %s\n' "$*" >&2
    # What the Coffers logged as errors, if anything: the cause of a 500 is there.
    local name
    for name in "${!COFFER_PID[@]}"; do
        if grep -q '"LogLevel":"\(Error\|Critical\)"' "$WORK/$name.log" 2>/dev/null; then
            printf '\nCoffer (%s) logged:\n' "$name" >&2
            grep '"LogLevel":"\(Error\|Critical\)"' "$WORK/$name.log" | tail -n 3 | cut -c 1-3000 >&2
        fi
    done
    exit 1
}

# ---- set-up --------------------------------------------------------------------------

check_knobs() {
    [[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZE_MB must be a positive integer (MiB), got '$SIZE_MB'"
    [[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, got '$ROUNDS'"
    [[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a non-negative integer, got '$WARMUP'"
    [[ $DIRECT_PARALLEL =~ ^[1-9][0-9]*$ ]] || die "BENCH_DIRECT_PARALLEL must be a positive integer"
    [[ $AWS_CONCURRENCY =~ ^[1-9][0-9]*$ ]] || die "BENCH_AWS_CONCURRENCY must be a positive integer"
    [[ $AWS_CHUNK_MB =~ ^[1-9][0-9]*$ ]] || die "BENCH_AWS_CHUNK_MB must be a positive integer (MiB)"
    [[ -d $TMP_PARENT ]] || die "BENCH_TMPDIR '$TMP_PARENT' is not a directory"
    # Up to four copies live in the OSD at once, plus overwritten ones radosgw has not
    # collected yet (it does so 60-120 s later): more than 2 GiB would fill its 20 GiB.
    ((SIZE_MB <= MAX_SIZE_MB)) ||
        die "BENCH_SIZE_MB is at most $MAX_SIZE_MB here: tests/infra/ceph-start.sh's OSD holds 20 GiB"
    SIZE_BYTES=$((SIZE_MB * 1024 * 1024))
}

ensure_tools() {
    ((EUID == 0)) || die "run as root: ceph-start.sh and pg-start.sh need it"
    local missing=()
    command -v curl >/dev/null || missing+=(curl)
    command -v jq >/dev/null || missing+=(jq)
    command -v ss >/dev/null || missing+=(iproute2)
    command -v aws >/dev/null || missing+=(awscli)
    [[ -x $PG_BIN/initdb ]] || missing+=(postgresql)
    local tool
    for tool in ceph-mon ceph-osd radosgw; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    command -v ceph-authtool >/dev/null || missing+=(ceph-common)
    if ((${#missing[@]})); then
        log "installing ${missing[*]} ..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"
    AWS_VERSION=$(s3cli --version 2>&1 | awk '{ print $1 }')
    [[ $AWS_VERSION == aws-cli/* ]] || die "aws --version says '$AWS_VERSION'"
}

make_workdir() {
    WORK=$(mktemp -d "$TMP_PARENT/coffer-bench-s3.XXXXXX")
    if [[ $(stat -f -c %T "$WORK") == tmpfs ]]; then
        log "warning: $WORK is on tmpfs; set BENCH_TMPDIR to a disk (the OSD's 20 GiB file goes there too)"
    fi
    # The payload, its parts, the check download, the OSD's file (up to ~4 copies plus
    # uncollected ones), spare.
    local need_kib=$(((SIZE_BYTES / 1024) * 12))
    local free_kib
    free_kib=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
    ((free_kib >= need_kib)) ||
        die "need ~$((need_kib / 1024)) MiB free in $TMP_PARENT, have $((free_kib / 1024)) MiB"
    mkdir "$WORK/parts" "$WORK/aws"
}

# free_port VAR: set VAR to a TCP port below the kernel's ephemeral range (a port there
# can be some connection's local end, which a connect test misses but bind trips on) that
# no socket uses, none we took already, and not a default of tests/infra (a test run may
# start those later). The messenger range in ceph-start.sh's ceph.conf (56800-56899) is
# above that. Racy in theory; a lost race fails loudly.
TAKEN_PORTS=(55432 57480 53300 56789)
free_port() {
    local _fp _ low
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    ((low > 12000)) || low=60000 # an unusual set-up: fall back on the socket check alone
    for _ in {1..200}; do
        _fp=$((10000 + RANDOM % (low - 10000)))
        ((_fp >= 56800 && _fp <= 56899)) && continue
        [[ " ${TAKEN_PORTS[*]} " == *" $_fp "* ]] && continue
        if [[ -z $(ss -Htan "sport = :$_fp") ]]; then
            TAKEN_PORTS+=("$_fp")
            printf -v "$1" '%s' "$_fp"
            return
        fi
    done
    die "found no free TCP port"
}

# s3cli ARGS...: the aws CLI, on our cluster only (a private config; no profile, no
# instance metadata). Ceph 16 rejects the CRC32 trailers newer CLIs (botocore >= 1.36,
# aws-cli >= 2.23) send by default, hence "when_required"; older ones ignore the setting.
s3cli() {
    env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_DEFAULT_PROFILE \
        AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET \
        AWS_CONFIG_FILE="$WORK/aws/config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws/credentials" \
        AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER= \
        AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required \
        aws ${S3_URL:+--endpoint-url "$S3_URL"} "$@"
}

start_ceph() {
    local port mon2 mon1 out
    free_port port
    free_port mon2
    free_port mon1
    export CEPH_DIR=$WORK/ceph RGW_PORT=$port MON_V2=$mon2 MON_V1=$mon1
    log "starting Ceph (1 mon, 1 bluestore OSD, radosgw on 127.0.0.1:$port) with tests/infra/ceph-start.sh ..."
    CEPH_STARTED=1
    if ! OSD_STORE=bluestore S3_ACCESS_KEY=$S3_ACCESS S3_SECRET_KEY=$S3_SECRET S3_BUCKETS=$BUCKET \
        "$INFRA_DIR/ceph-start.sh" >"$WORK/ceph-start.log" 2>&1; then
        tail -n 30 "$WORK/ceph-start.log" >&2
        die "tests/infra/ceph-start.sh failed (its output is above)"
    fi
    out=$(grep -o 'radosgw up: http://[^ ]*' "$WORK/ceph-start.log") ||
        die "ceph-start.sh did not say where radosgw is: $(tail -n 5 "$WORK/ceph-start.log")"
    S3_URL=${out#radosgw up: }
    RGW_PID=$(cat "$CEPH_DIR/run/client.rgw.a.pid")
    OSD_PID=$(cat "$CEPH_DIR/run/osd.0.pid")
    # The aws CLI's S3 transfer settings, written out so every CLI version uses the same.
    printf '[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = %d\n  multipart_threshold = %dMB\n  multipart_chunksize = %dMB\n' \
        "$AWS_CONCURRENCY" "$AWS_CHUNK_MB" "$AWS_CHUNK_MB" >"$WORK/aws/config"
    : >"$WORK/aws/credentials"
    s3cli s3api head-bucket --bucket "$BUCKET" >/dev/null 2>"$WORK/aws.err" ||
        die "bucket $BUCKET is not there: $(cat "$WORK/aws.err")"
    log "$(ceph --version | awk '{ print "Ceph " $3 }') radosgw is up at $S3_URL (pid $RGW_PID, ceph-osd pid $OSD_PID), bucket $BUCKET"
}

start_postgres() {
    local port
    free_port port
    log "starting PostgreSQL on 127.0.0.1:$port with tests/infra/pg-start.sh ..."
    PG_STARTED=1
    export PG_ROOT=$WORK/pg PG_PORT=$port
    # pg-start.sh makes the database for coffer; plain's is made beside it (Coffer
    # migrates a database but does not create one).
    PG_CONN=$(PG_DB=coffer_coffer "$INFRA_DIR/pg-start.sh" 2>"$WORK/pg-start.err" | tail -n 1) || {
        cat "$WORK/pg-start.err" >&2
        die "tests/infra/pg-start.sh failed"
    }
    [[ $PG_CONN == Host=*Database=coffer_coffer\;* ]] || die "pg-start.sh printed '$PG_CONN', not the connection string expected"
    runuser -u postgres -- "$PG_BIN/psql" -h "$PG_ROOT/sock" -p "$port" -U postgres -d postgres -q \
        -v ON_ERROR_STOP=1 -c "CREATE DATABASE coffer_plain OWNER coffer" >"$WORK/psql.log" 2>&1 ||
        die "could not create database coffer_plain: $(cat "$WORK/psql.log")"
    log "$("$PG_BIN/postgres" --version) is up on port $port"
}

# wait_for_200 NAME PID URL LOG: poll until URL answers 200; fail early if PID dies.
wait_for_200() {
    local name=$1 pid=$2 url=$3 logfile=$4 code=000
    local deadline=$((SECONDS + 90))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$logfile" >&2 || true
            die "$name exited while starting (its log is above)"
        fi
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
        [[ $code == 200 ]] && return 0
        sleep 0.2
    done
    tail -n 40 "$logfile" >&2 || true
    die "$name did not answer GET $url with 200 within 90 s (last answer: $code)"
}

build_coffer() {
    log "building Coffer (dotnet publish -c Release) ..."
    # As run.sh: a private artifacts path, no compiler server left running.
    if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
        dotnet publish "$REPO_DIR/src/Coffer.Server" -c Release --disable-build-servers \
        --artifacts-path "$WORK/artifacts" -o "$WORK/coffer" >"$WORK/publish.log" 2>&1; then
        tail -n 40 "$WORK/publish.log" >&2
        die "dotnet publish src/Coffer.Server failed (its output is above)"
    fi
}

# start_coffer NAME ENCRYPTED: one Coffer from the published build on PostgreSQL (its own
# database, which it creates) and S3 (the shared bucket, its own prefix NAME/), with its
# own data and key directory, port and log.
start_coffer() {
    local name=$1 encrypted=$2 port
    free_port port
    COFFER_URL[$name]=http://127.0.0.1:$port
    mkdir "$WORK/data-$name"
    (
        cd "$WORK/coffer"
        # Nothing from the caller's AWS set-up: these credentials and the private files only.
        unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION
        export AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET
        export AWS_CONFIG_FILE=$WORK/aws/config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws/credentials
        export Coffer__DataDir=$WORK/data-$name
        export Coffer__Encryption__Enabled=$encrypted
        # Coffer refuses keys in one instance's data directory when the database may be
        # shared: name the directory (this instance's alone here), set on both so they
        # still differ in Enabled only.
        export Coffer__Encryption__KeyDirectory=$WORK/data-$name/keys
        export Coffer__Database__Provider=Postgres
        export ConnectionStrings__Coffer="${PG_CONN/Database=coffer_coffer;/Database=coffer_$name;}"
        export Coffer__Storage__Provider=S3
        export Coffer__Storage__S3__Bucket=$BUCKET
        export Coffer__Storage__S3__ServiceUrl=$S3_URL
        export Coffer__Storage__S3__ForcePathStyle=true
        export Coffer__Storage__S3__Prefix=$name/
        exec setsid dotnet Coffer.Server.dll --urls "${COFFER_URL[$name]}"
    ) >"$WORK/$name.log" 2>&1 &
    COFFER_PID[$name]=$!
    wait_for_200 "Coffer ($name)" "${COFFER_PID[$name]}" "${COFFER_URL[$name]}/health/live" "$WORK/$name.log"
    log "Coffer ($name: encryption $([[ $encrypted == true ]] && echo on || echo off)) is up at" \
        "${COFFER_URL[$name]} (pid ${COFFER_PID[$name]}), database coffer_$name, prefix $name/"
}

# api NAME METHOD PATH JSON WANT...: a JSON request to Coffer instance NAME; the status
# must be one of WANT. The answer is in $WORK/answer.json, its status in $API_CODE. On any
# other status it stops, showing the exact request and answer.
API_CODE=""
api() {
    local name=$1 method=$2 path=$3 body=$4 auth=()
    shift 4
    [[ -f $WORK/auth-$name.header ]] && auth=(-H @"$WORK/auth-$name.header")
    API_CODE=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' -X "$method" "${auth[@]}" \
        -H 'Content-Type: application/json' --data-binary "$body" "${COFFER_URL[$name]}$path") ||
        die "$method $path to Coffer ($name) failed to connect"
    local want
    for want in "$@"; do [[ $API_CODE == "$want" ]] && return 0; done
    die "$(printf 'Coffer (%s) answered %s, expected %s, to\n  %s %s\n  %s\nanswer:\n  %s' \
        "$name" "$API_CODE" "$*" "$method" "${COFFER_URL[$name]}$path" "$(head -c 1500 <<<"$body")" \
        "$(head -c 1500 "$WORK/answer.json")")"
}

# coffer_sign_in NAME: register on instance NAME; its token goes to $WORK/auth-NAME.header.
coffer_sign_in() {
    local name=$1 email=bench@example.com password='Bench-Coffer-2026!pw' token
    api "$name" POST /api/v1/auth/register "{\"email\":\"$email\",\"password\":\"$password\"}" 201
    api "$name" POST /api/v1/auth/tokens "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"bench\"}" 201
    token=$(jq -r '.token // empty' "$WORK/answer.json")
    [[ -n $token ]] || die "POST /api/v1/auth/tokens gave no token: $(head -c 400 "$WORK/answer.json")"
    # Passed as `-H @file` so the token is not on curl's command line (ps).
    printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth-$name.header"
}

make_payload() {
    log "writing a ${SIZE_MB} MiB payload of random bytes ..."
    head -c "$SIZE_BYTES" /dev/urandom >"$WORK/payload.bin"
    PAYLOAD_SHA=$(sha256sum "$WORK/payload.bin" | cut -d ' ' -f 1)
    sync
}

# split_payload: learn the direct uploads' part size from a started and aborted upload,
# then cut the payload into part files, so the timed upload only sends them.
split_payload() {
    local id
    api plain POST /api/v1/items/root/uploads \
        "{\"name\":\"probe.bin\",\"size\":$SIZE_BYTES,\"conflict\":\"replace\"}" 201
    PART_BYTES=$(jq -r '.partSize' "$WORK/answer.json")
    id=$(jq -r '.id' "$WORK/answer.json")
    [[ $PART_BYTES =~ ^[1-9][0-9]*$ && -n $id ]] ||
        die "POST /api/v1/items/root/uploads answered without id/partSize: $(head -c 600 "$WORK/answer.json")"
    api plain DELETE "/api/v1/items/root/uploads/$id" "" 204
    split -b "$PART_BYTES" -a 5 -d "$WORK/payload.bin" "$WORK/parts/p."
    sync
    local files=("$WORK"/parts/p.*)
    PART_COUNT=${#files[@]}
    log "direct uploads: $PART_COUNT parts of $((PART_BYTES / 1024 / 1024)) MiB, $DIRECT_PARALLEL at a time"
}

# ---- measuring -----------------------------------------------------------------------

reset_peak_rss() { local p; for p; do echo 5 >"/proc/$p/clear_refs"; done; } # VmHWM := current RSS
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system CPU of all its threads so far (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# client_ticks: CPU of this script's finished children (curl, aws, jq: the client side),
# fields 16 and 17 (cutime, cstime) of our own stat.
client_ticks() { sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'; }
CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK
now() { echo "$EPOCHREALTIME"; }
# seconds_since T0 [T1]: seconds from T0 to T1 (default: now), 3 decimals.
seconds_since() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.3f", b - a }'; }
ticks_s() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }'; }

CURL=(curl -sS --speed-limit 1 --speed-time 60)

# check_item_answer NAME WHAT: the upload's answer in $WORK/answer.json names the item
# and the payload's SHA-256.
check_item_answer() {
    local name=$1 what=$2 sha
    COFFER_ITEM[$name]=$(jq -r '.id // empty' "$WORK/answer.json")
    [[ -n ${COFFER_ITEM[$name]} ]] || die "$what: the answer has no id: $(head -c 400 "$WORK/answer.json")"
    sha=$(jq -r '.sha256 // empty' "$WORK/answer.json")
    [[ $sha == "$PAYLOAD_SHA" ]] || die "$what: the answer's sha256 is '$sha', the file's is $PAYLOAD_SHA"
}

# put_through NAME / get_through NAME: run.sh's transfers (curl, one stream, through Coffer).
put_through() {
    local name=$1 out code sent
    out=$("${CURL[@]}" -o "$WORK/answer.json" -w '%{http_code} %{size_upload}' \
        -H @"$WORK/auth-$name.header" -H 'Expect:' -T "$WORK/payload.bin" \
        "${COFFER_URL[$name]}/api/v1/items/root/content?name=big.bin&conflict=replace") ||
        die "Coffer ($name) PUT: curl failed"
    read -r code sent <<<"$out"
    [[ $code == 20[01] ]] || die "Coffer ($name) PUT answered $code: $(head -c 600 "$WORK/answer.json")"
    ((sent == SIZE_BYTES)) || die "Coffer ($name) PUT sent $sent bytes, expected $SIZE_BYTES"
    check_item_answer "$name" "Coffer ($name) PUT"
}

get_through() {
    local name=$1 out code received
    # To /dev/null, as run.sh: writing 1 GiB costs curl seconds of CPU here.
    out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' -H @"$WORK/auth-$name.header" \
        "${COFFER_URL[$name]}/api/v1/items/${COFFER_ITEM[$name]}/content") || die "Coffer ($name) GET: curl failed"
    read -r code received <<<"$out"
    [[ $code == 200 ]] || die "Coffer ($name) GET answered $code"
    ((received == SIZE_BYTES)) || die "Coffer ($name) GET received $received bytes, expected $SIZE_BYTES"
}

# put_direct: start a direct upload on plain, PUT the parts to their pre-signed URLs
# ($DIRECT_PARALLEL at a time, one curl as a browser would: connections reused), then
# complete it with the parts' ETags (Coffer then reads the object back to hash it).
put_direct() {
    local id count n number url code sent etag body expect t0 t1 t2
    t0=$(now)
    api plain POST /api/v1/items/root/uploads \
        "{\"name\":\"big.bin\",\"size\":$SIZE_BYTES,\"conflict\":\"replace\"}" 201
    id=$(jq -r '.id // empty' "$WORK/answer.json")
    [[ -n $id ]] || die "the direct upload's start answer has no id: $(head -c 600 "$WORK/answer.json")"
    [[ $(jq -r '.partSize' "$WORK/answer.json") == "$PART_BYTES" ]] ||
        die "the part size changed from $PART_BYTES: $(jq -c '{id, partSize, expiresAt}' "$WORK/answer.json")"
    count=$PART_COUNT
    # A curl config: URL, file and where the (normally empty) answer goes, part by part.
    jq -r '.parts[] | "\(.number) \(.url)"' "$WORK/answer.json" >"$WORK/part-urls"
    (($(wc -l <"$WORK/part-urls") == count)) ||
        die "the start answer lists $(wc -l <"$WORK/part-urls") parts; $SIZE_BYTES bytes in $PART_BYTES-byte parts are $count"
    : >"$WORK/parts.cfg"
    rm -f "$WORK"/parts/r.*
    n=0
    while read -r number url; do
        ((number == n + 1)) || die "the start answer's parts are not numbered 1, 2, ... (part $((n + 1)) is $number)"
        printf 'url = "%s"\nupload-file = "%s/parts/p.%05d"\noutput = "%s/parts/r.%d"\n' \
            "$url" "$WORK" "$n" "$WORK" "$number" >>"$WORK/parts.cfg"
        n=$((n + 1))
    done <"$WORK/part-urls"
    t1=$(now)
    # No "Expect: 100-continue" (a browser waits for no go-ahead); one line per part as it ends.
    # (--no-progress-meter: with --parallel, curl 7.88 draws its meter despite -s.)
    "${CURL[@]}" --no-progress-meter --parallel --parallel-immediate --parallel-max "$DIRECT_PARALLEL" \
        -H 'Expect:' -w '%{urlnum} %{http_code} %{size_upload} %header{etag}\n' -K "$WORK/parts.cfg" \
        >"$WORK/part-results" || true # statuses are checked below, with what went wrong
    : >"$WORK/etags"
    while read -r n code sent etag; do
        number=$((n + 1))
        expect=$((number < count ? PART_BYTES : SIZE_BYTES - (count - 1) * PART_BYTES))
        if [[ $code != 200 || $sent != "$expect" || -z ${etag:-} ]]; then
            die "$(printf 'a part PUT failed:\n  PUT %s\n  (%s bytes of %s sent)\nanswered %s, ETag "%s":\n  %s' \
                "$(sed -n "${number}p" "$WORK/part-urls" | cut -d ' ' -f 2)" "$sent" "$expect" "$code" "${etag:-}" \
                "$(head -c 1500 "$WORK/parts/r.$number" 2>/dev/null)")"
        fi
        printf '%d %s\n' "$number" "$etag" >>"$WORK/etags"
    done <"$WORK/part-results"
    (($(wc -l <"$WORK/etags") == count)) ||
        die "curl reported $(wc -l <"$WORK/etags") of $count part PUTs: $(tail -n 3 "$WORK/part-results")"
    body=$(sort -n "$WORK/etags" | jq -Rnc '{parts: [inputs | split(" ") | {number: (.[0] | tonumber), etag: .[1]}]}')
    t2=$(now)
    api plain POST "/api/v1/items/root/uploads/$id/complete" "$body" 200 201
    PHASES="start $(seconds_since "$t0" "$t1") s, parts $(seconds_since "$t1" "$t2") s, complete $(seconds_since "$t2") s"
    PARTS_S=$(seconds_since "$t1" "$t2")
    COMPLETE_S=$(seconds_since "$t2")
    check_item_answer plain "the direct upload's complete"
    [[ $(jq -r '.size' "$WORK/answer.json") == "$SIZE_BYTES" ]] ||
        die "the direct upload's complete answered size $(jq -r '.size' "$WORK/answer.json"), not $SIZE_BYTES"
}

# get_direct: ask plain for a download URL (a pre-signed GET on the bucket: anything else
# is not a direct transfer and stops the run) and GET it.
DIRECT_URL=""
get_direct() {
    local out code received t0 t1
    t0=$(now)
    api plain POST "/api/v1/items/${COFFER_ITEM[plain]}/download-url" '{}' 200
    t1=$(now)
    DIRECT_URL=$(jq -r '.url // empty' "$WORK/answer.json")
    [[ $DIRECT_URL == "$S3_URL/"* ]] ||
        die "download-url did not point at the bucket ($S3_URL): $(head -c 600 "$WORK/answer.json")"
    out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' "$DIRECT_URL") || die "the pre-signed GET: curl failed"
    read -r code received <<<"$out"
    [[ $code == 200 ]] || die "the pre-signed GET answered $code: GET $DIRECT_URL"
    ((received == SIZE_BYTES)) || die "the pre-signed GET received $received bytes, expected $SIZE_BYTES"
    PHASES="download-url $(seconds_since "$t0" "$t1") s, GET $(seconds_since "$t1") s"
}

# The yardstick: the aws CLI (multipart, its own part size and concurrency) on the bucket.
put_s3() {
    s3cli s3 cp --only-show-errors --no-progress "$WORK/payload.bin" "s3://$BUCKET/$S3_KEY" 2>"$WORK/aws.err" ||
        die "aws s3 cp (upload) failed: $(cat "$WORK/aws.err")"
}
get_s3() {
    # To stdout and /dev/null, as curl's GETs (the CLI still fetches ranges in parallel).
    s3cli s3 cp --only-show-errors --no-progress "s3://$BUCKET/$S3_KEY" - 2>"$WORK/aws.err" >/dev/null ||
        die "aws s3 cp (download) failed: $(cat "$WORK/aws.err")"
}

# transfer PATH put|get: one timed transfer. Sets MBPS (10^6 B/s over the wall-clock time
# of the whole exchange), PEAK_KIB (the Coffer instance's VmHWM over it; 0 for s3) and
# CPU_NOTE (CPU seconds of Coffer, radosgw, ceph-osd and the client over it).
transfer() {
    local path=$1 op=$2 name=${INSTANCE[$1]:-} pid="" pids t0 seconds c0 r0 o0 k0 rgw_kib osd_kib
    sync # the previous transfer's writeback now, not during this one
    for pid in "$RGW_PID" "$OSD_PID" ${name:+"${COFFER_PID[$name]}"}; do
        kill -0 "$pid" 2>/dev/null || {
            [[ -n $name ]] && tail -n 40 "$WORK/$name.log" >&2
            die "a server (pid $pid) is no longer running (radosgw $RGW_PID, ceph-osd $OSD_PID${name:+, Coffer ($name) ${COFFER_PID[$name]}})"
        }
    done
    pid=${name:+${COFFER_PID[$name]}}
    pids=("$RGW_PID" "$OSD_PID")
    [[ -n $pid ]] && pids+=("$pid")
    reset_peak_rss "${pids[@]}"
    r0=$(cpu_ticks "$RGW_PID")
    o0=$(cpu_ticks "$OSD_PID")
    c0=$([[ -n $pid ]] && cpu_ticks "$pid" || echo 0)
    k0=$(client_ticks)
    PHASES=""
    t0=$(now)
    case $path/$op in
    s3/put) put_s3 ;;
    s3/get) get_s3 ;;
    direct/put) put_direct ;;
    direct/get) get_direct ;;
    */put) put_through "$name" ;;
    */get) get_through "$name" ;;
    esac
    seconds=$(seconds_since "$t0")
    CPU_NOTE="rgw $(ticks_s $(($(cpu_ticks "$RGW_PID") - r0))) osd $(ticks_s $(($(cpu_ticks "$OSD_PID") - o0)))"
    CPU_NOTE+=" client $(ticks_s $(($(client_ticks) - k0)))"
    if [[ -n $pid ]]; then
        PEAK_KIB=$(peak_rss_kib "$pid")
        CPU_NOTE="coffer $(ticks_s $(($(cpu_ticks "$pid") - c0))) $CPU_NOTE"
    else
        PEAK_KIB=0
    fi
    rgw_kib=$(peak_rss_kib "$RGW_PID")
    osd_kib=$(peak_rss_kib "$OSD_PID")
    PEAK_KIB_OF[rgw]=$(max "${PEAK_KIB_OF[rgw]}" "$rgw_kib")
    PEAK_KIB_OF[osd]=$(max "${PEAK_KIB_OF[osd]}" "$osd_kib")
    MBPS=$(awk -v b="$SIZE_BYTES" -v s="$seconds" 'BEGIN { printf "%.1f", b / s / 1e6 }')
}

# check_download PATH ROUND: fetch the file again the same way (untimed) and compare it
# byte for byte with the payload.
check_download() {
    local path=$1 round=$2 name=${INSTANCE[$1]:-}
    rm -f "$WORK/check.bin"
    case $path in
    s3)
        s3cli s3 cp --only-show-errors --no-progress "s3://$BUCKET/$S3_KEY" "$WORK/check.bin" 2>"$WORK/aws.err" ||
            die "s3, round $round: the check download failed: $(cat "$WORK/aws.err")" ;;
    direct)
        "${CURL[@]}" --fail -o "$WORK/check.bin" "$DIRECT_URL" || die "direct, round $round: the check download failed" ;;
    *)
        "${CURL[@]}" --fail -o "$WORK/check.bin" -H @"$WORK/auth-$name.header" \
            "${COFFER_URL[$name]}/api/v1/items/${COFFER_ITEM[$name]}/content" ||
            die "$path, round $round: the check download failed" ;;
    esac
    cmp -s "$WORK/payload.bin" "$WORK/check.bin" ||
        die "$path, round $round: the downloaded bytes differ from the uploaded ones"
    rm -f "$WORK/check.bin"
}

# check_at_rest PATH ROUND: the object the instance stored last is sealed (coffer: starts
# "CFRB" and is longer than the file) or the file's exact size (plain, direct).
check_at_rest() {
    local path=$1 round=$2 name=${INSTANCE[$1]} key size magic
    # (Through a file, not < <(...): a process substitution is reaped late, and its CPU
    # would be billed to the next transfer's client.)
    s3cli s3api list-objects-v2 --bucket "$BUCKET" --prefix "$name/" \
        --query 'sort_by(Contents, &LastModified)[-1].[Key, Size]' --output text >"$WORK/newest" 2>"$WORK/aws.err" ||
        die "$path, round $round: listing $name/ failed: $(cat "$WORK/aws.err")"
    read -r key size <"$WORK/newest"
    [[ $size =~ ^[0-9]+$ ]] || die "$path, round $round: no object under s3://$BUCKET/$name/ ($key $size)"
    if [[ $name == coffer ]]; then
        s3cli s3api get-object --bucket "$BUCKET" --key "$key" --range bytes=0-3 "$WORK/magic.bin" >/dev/null 2>"$WORK/aws.err" ||
            die "$path, round $round: reading $key failed: $(cat "$WORK/aws.err")"
        magic=$(tr -dc '[:print:]' <"$WORK/magic.bin")
        if [[ $magic != CFRB ]] || ((size <= SIZE_BYTES)); then
            die "$path, round $round: the stored object $key is not sealed ($size bytes, starts '$magic')"
        fi
    else
        ((size == SIZE_BYTES)) ||
            die "$path, round $round: the stored object $key is $size bytes, not the file's $SIZE_BYTES (sealed?)"
    fi
}

max() { echo $(($1 > $2 ? $1 : $2)); }

# run_round ROUND ORDER: each path in ORDER does an upload then a download. ROUND "w1",
# "w2", ... are warm-ups whose figures are not kept.
run_round() {
    local round=$1 order=$2 path op
    for path in $order; do
        for op in put get; do
            transfer "$path" "$op"
            log "$(printf 'round %-3s %-6s %s %8s MB/s   Coffer RSS %4d MiB   CPU s: %s%s' \
                "$round" "$path" "${op^^}" "$MBPS" $((PEAK_KIB / 1024)) "$CPU_NOTE" "${PHASES:+   ($PHASES)}")"
            [[ $round == w* ]] && continue
            if [[ $path/$op == direct/put ]]; then
                DIRECT_PARTS_S[$round]=$PARTS_S
                DIRECT_COMPLETE_S[$round]=$COMPLETE_S
            fi
            # shellcheck disable=SC2034 # read through namerefs (table, summary_line, pair_ratio)
            if [[ $op == put ]]; then PUT_MBPS[$round,$path]=$MBPS; else GET_MBPS[$round,$path]=$MBPS; fi
            [[ $path == s3 ]] && continue
            ROUND_KIB[$round,$path]=$(max "${ROUND_KIB[$round,$path]:-0}" "$PEAK_KIB")
            PEAK_KIB_OF[$path]=$(max "${PEAK_KIB_OF[$path]}" "$PEAK_KIB")
        done
        check_download "$path" "$round"
        [[ $path == s3 ]] || check_at_rest "$path" "$round"
    done
    [[ $round == w* ]] || ORDER[$round]=$order
}

# ---- reporting -----------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print v <= t ? "meets target" : "MISSES target" }'; }

coffer_revision() {
    local rev
    rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
    [[ -z $(git -C "$REPO_DIR" status --porcelain -- src 2>/dev/null) ]] || rev+="+changes"
    echo "$rev"
}

# table put|get: one line per round, MB/s of each path and Coffer / s3 ratios.
table() {
    local op=$1 r p v s
    local -n mbps=${op^^}_MBPS
    printf '%-5s  %-25s  %6s  %7s %5s  %7s %5s  %7s %5s\n' \
        round order s3 coffer ratio plain ratio direct ratio
    for ((r = 1; r <= ROUNDS; r++)); do
        s=${mbps[$r,s3]}
        printf '%-5s  %-25s  %6.0f' "$r" "${ORDER[$r]}" "$s"
        for p in coffer plain direct; do
            v=${mbps[$r,$p]}
            printf '  %7.0f %5s' "$v" "$(ratio "$v" "$s")"
        done
        echo
    done
}

# summary_line put|get LABEL: medians of each path's MB/s and of its per-round ratio to s3.
summary_line() {
    local op=$1 label=$2 r p vals ratios line
    local -n mbps=${op^^}_MBPS
    vals=()
    for ((r = 1; r <= ROUNDS; r++)); do vals+=("${mbps[$r,s3]}"); done
    line=$(printf '%-9s s3 %.0f MB/s' "$label" "$(median "${vals[@]}")")
    for p in coffer plain direct; do
        vals=() ratios=()
        for ((r = 1; r <= ROUNDS; r++)); do
            vals+=("${mbps[$r,$p]}")
            ratios+=("$(ratio "${mbps[$r,$p]}" "${mbps[$r,s3]}")")
        done
        line+=$(printf '; %s %.0f (%s)' "$p" "$(median "${vals[@]}")" "$(median "${ratios[@]}")")
    done
    echo "$line"
}

# pair_ratio put|get A B: the median over rounds of A / B.
pair_ratio() {
    local op=$1 a=$2 b=$3 r ratios=()
    local -n mbps=${op^^}_MBPS
    for ((r = 1; r <= ROUNDS; r++)); do ratios+=("$(ratio "${mbps[$r,$a]}" "${mbps[$r,$b]}")"); done
    median "${ratios[@]}"
}

report() {
    local r rss_max
    echo
    echo "Coffer $(coffer_revision) on S3 + PostgreSQL vs the S3 server alone: ${SIZE_MB} MiB file," \
        "$ROUNDS round(s) after $WARMUP warm-up"
    echo "S3: Ceph $(ceph --version | awk '{ print $3 }') radosgw, 1 bluestore OSD (tests/infra/ceph-start.sh);" \
        "$("$PG_BIN/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /') (tests/infra/pg-start.sh)"
    echo "s3     = $AWS_VERSION s3 cp alone: ${AWS_CHUNK_MB} MiB parts, $AWS_CONCURRENCY at a time;" \
        "download to stdout > /dev/null"
    echo "coffer = encryption at rest on, through the server (curl -T / GET, one stream)"
    echo "plain  = Coffer__Encryption__Enabled=false, through the server, the same way"
    echo "direct = plain's direct transfers: $((PART_BYTES / 1024 / 1024)) MiB pre-signed part PUTs," \
        "$DIRECT_PARALLEL at a time, + complete; download-url + pre-signed GET"
    echo "$(nproc) cores, load average $LOAD_BEFORE before and $(cut -d ' ' -f 1 /proc/loadavg) after;" \
        "MB/s = 10^6 B/s over the whole exchange; ratio = Coffer / s3, per round"
    echo
    echo "upload (MB/s)"
    table put
    echo
    echo "download (MB/s)"
    table get
    echo
    echo "Coffer's peak RSS (MiB, max over the round's upload and download)"
    printf '%-5s  %7s %7s %7s\n' round coffer plain direct
    for ((r = 1; r <= ROUNDS; r++)); do
        printf '%-5s  %7d %7d %7d\n' "$r" $((ROUND_KIB[$r,coffer] / 1024)) \
            $((ROUND_KIB[$r,plain] / 1024)) $((ROUND_KIB[$r,direct] / 1024))
    done
    echo
    echo "medians of $ROUNDS: MB/s (ratio to s3)"
    summary_line put upload:
    summary_line get download:
    echo "direct / through the server (plain): upload $(pair_ratio put direct plain)," \
        "download $(pair_ratio get direct plain)"
    local parts=() completes=() parts_s
    for ((r = 1; r <= ROUNDS; r++)); do
        parts+=("${DIRECT_PARTS_S[$r]}")
        completes+=("${DIRECT_COMPLETE_S[$r]}")
    done
    parts_s=$(median "${parts[@]}")
    printf 'direct upload: the part PUTs %.1f s (%.0f MB/s), complete (plain reads the object back to hash it) %.1f s\n' \
        "$parts_s" "$(awk -v b="$SIZE_BYTES" -v s="$parts_s" 'BEGIN { print b / s / 1e6 }')" "$(median "${completes[@]}")"
    echo "encrypted / plain, through the server: upload $(pair_ratio put coffer plain)," \
        "download $(pair_ratio get coffer plain)"
    rss_max=$(max "$(max "${PEAK_KIB_OF[coffer]}" "${PEAK_KIB_OF[plain]}")" "${PEAK_KIB_OF[direct]}")
    printf 'peak RSS: coffer %d MiB, plain %d MiB (%d MiB in direct transfers) - %s (<= %d MiB)\n' \
        $((PEAK_KIB_OF[coffer] / 1024)) $((PEAK_KIB_OF[plain] / 1024)) $((PEAK_KIB_OF[direct] / 1024)) \
        "$(verdict $((rss_max / 1024)) $TARGET_RSS_MIB)" $TARGET_RSS_MIB
    printf '          at rest after start-up coffer %d MiB, plain %d MiB; radosgw peaked at %d MiB, ceph-osd at %d MiB\n' \
        $((AT_REST_KIB[coffer] / 1024)) $((AT_REST_KIB[plain] / 1024)) \
        $((PEAK_KIB_OF[rgw] / 1024)) $((PEAK_KIB_OF[osd] / 1024))
    echo "every download matched the upload byte for byte (cmp) and every Coffer upload answered its SHA-256;" \
        "coffer's objects were sealed at rest and plain's were not"
}

# ---- clean-up ------------------------------------------------------------------------

# stop PID...: TERM, up to 10 s to exit, then KILL.
stop() {
    local pid _
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    set +e
    local name
    for name in "${!COFFER_PID[@]}"; do stop "${COFFER_PID[$name]}"; done
    # The project's stop scripts, on the directories we gave the start scripts.
    [[ -n $CEPH_STARTED ]] && CEPH_DIR=$WORK/ceph "$INFRA_DIR/ceph-stop.sh" >/dev/null 2>&1
    [[ -n $PG_STARTED ]] && PG_ROOT=$WORK/pg "$INFRA_DIR/pg-stop.sh" >/dev/null 2>&1
    if [[ -n $WORK && -n $KEEP ]]; then
        rm -rf "$WORK/payload.bin" "$WORK/parts" "$WORK/check.bin"
        log "kept $WORK (BENCH_KEEP): the servers' logs are there"
    elif [[ -n $WORK ]]; then
        rm -rf "$WORK"
    fi
    exit "$status"
}

main() {
    check_knobs
    ensure_tools
    trap cleanup EXIT
    trap 'log "interrupted"; exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    make_workdir
    log "working in $WORK"
    build_coffer
    start_postgres
    start_ceph
    start_coffer coffer true
    coffer_sign_in coffer
    start_coffer plain false
    coffer_sign_in plain
    local name
    for name in coffer plain; do
        AT_REST_KIB[$name]=$(awk '/^VmRSS:/ { print $2 }' "/proc/${COFFER_PID[$name]}/status")
        log "Coffer ($name) RSS at rest: $((AT_REST_KIB[$name] / 1024)) MiB"
    done
    make_payload
    split_payload
    LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)

    # Shuffled once, then rotated round by round (the first goes last), as run.sh.
    local r order
    read -ra order < <(shuf -e "${PATHS[@]}" | paste -sd ' ')
    for ((r = 1; r <= WARMUP; r++)); do run_round "w$r" "${order[*]}"; done
    for ((r = 1; r <= ROUNDS; r++)); do
        run_round "$r" "${order[*]}"
        order=("${order[@]:1}" "${order[0]}")
    done
    report
}

main "$@"
