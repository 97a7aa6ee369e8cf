#!/usr/bin/env bash
# Coffer vs nginx's WebDAV module on this machine, in the same run: large-file PUT and
# GET throughput (ratios taken round by round, the servers' order shuffled) and
# Coffer's peak RSS. A second Coffer from the same build, with encryption at rest off
# ("plain"), runs beside them, so the same rounds also give encrypted / unencrypted
# ratios. The method is PERF.md's "How these were taken"; see bench/README.md.
#
#   bench/run.sh                                 # 1 GiB, 3 rounds
#   BENCH_SIZE_MB=256 BENCH_ROUNDS=1 bench/run.sh
#
# Progress goes to stderr and the results table to stdout.
set -euo pipefail
export LC_ALL=C                         # "612.3", not "612,3", for printf, awk and sort
PATH=$PATH:/usr/sbin:/sbin              # where Debian puts nginx

# ---- knobs ---------------------------------------------------------------------------
SIZE_MB=${BENCH_SIZE_MB:-1024}          # MiB; 1024 = 1 GiB
ROUNDS=${BENCH_ROUNDS:-3}               # measured rounds
WARMUP=${BENCH_WARMUP:-1}               # untimed rounds first (JIT, first-touch memory)
TMP_PARENT=${BENCH_TMPDIR:-/var/tmp}    # a real disk: /tmp may be tmpfs (RAM)

# Targets (see README.md); reported, not enforced: one figure can swing 2-3x here.
readonly TARGET_UPLOAD_RATIO=0.60 TARGET_DOWNLOAD_RATIO=0.60 TARGET_RSS_MIB=200
readonly TARGET_SEALED_RATIO=0.85       # encrypted Coffer / plain Coffer, upload and download

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
readonly BENCH_DIR REPO_DIR

# The servers: "coffer" is Coffer as shipped (encryption at rest on), "plain" the same
# build with Coffer__Encryption__Enabled=false, "nginx" the WebDAV peer.
readonly SERVERS=(coffer plain nginx)

# ---- state (read by cleanup) ---------------------------------------------------------
WORK="" NGINX_PID="" NGINX_WORKER_PID="" NGINX_URL=""
declare -A COFFER_PID COFFER_URL COFFER_ITEM # [coffer|plain] -> that instance's
MBPS="" PEAK_KIB="" CPU_S=""             # results of the last transfer()
declare -A PUT_MBPS GET_MBPS            # [round,server] -> MB/s
declare -A ROUND_KIB                    # [round,server] -> peak RSS over that round
declare -A PEAK_KIB_OF=([coffer]=0 [plain]=0 [nginx]=0) # [server] -> over all rounds
declare -A ORDER                        # [round] -> the order the servers were visited
LOAD_BEFORE=""

log() { printf '%s\n' "$*" >&2; }
die() { printf '\nbench/run.sh: error: %s\n' "$*" >&2; exit 1; }

# ---- set-up --------------------------------------------------------------------------

check_knobs() {
    [[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZE_MB must be a positive integer (MiB), got '$SIZE_MB'"
    [[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, got '$ROUNDS'"
    [[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a non-negative integer, got '$WARMUP'"
    [[ -d $TMP_PARENT ]] || die "BENCH_TMPDIR '$TMP_PARENT' is not a directory"
    SIZE_BYTES=$((SIZE_MB * 1024 * 1024))
}

ensure_tools() {
    local missing=()
    command -v curl >/dev/null || missing+=(curl)
    command -v nginx >/dev/null || missing+=(nginx)
    if ((${#missing[@]})); then
        ((EUID == 0)) || die "missing ${missing[*]}: run as root, or install them first"
        log "installing ${missing[*]} ..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # Debian's nginx has the dav module built in; a custom build may not.
    local nginx_build
    nginx_build=$(nginx -V 2>&1)
    [[ $nginx_build == *--with-http_dav_module* ]] ||
        die "this nginx has no WebDAV module (nginx -V lacks --with-http_dav_module)"
    command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"
}

make_workdir() {
    WORK=$(mktemp -d "$TMP_PARENT/coffer-bench.XXXXXX")
    if [[ $(stat -f -c %T "$WORK") == tmpfs ]]; then
        log "warning: $WORK is on tmpfs, so no disk is involved; set BENCH_TMPDIR to a disk"
    fi
    # The payload, nginx's copy, one version per round in each Coffer, the check
    # download, spare.
    local need_kib=$(((SIZE_BYTES / 1024) * (2 * (ROUNDS + WARMUP) + 4)))
    local free_kib
    free_kib=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
    ((free_kib >= need_kib)) ||
        die "need ~$((need_kib / 1024)) MiB free in $TMP_PARENT, have $((free_kib / 1024)) MiB"
}

# free_port [TAKEN...]: a TCP port nothing answers on and not among TAKEN (racy in
# theory; a lost race fails the start loudly).
free_port() {
    local port _
    for _ in {1..100}; do
        port=$((20000 + RANDOM % 40000))
        [[ " $* " == *" $port "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "found no free TCP port"
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
    # --artifacts-path keeps bin/ and obj/ out of src/, so this never races a developer's
    # own build of the same tree; --disable-build-servers leaves no compiler server running.
    if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
        dotnet publish "$REPO_DIR/src/Coffer.Server" -c Release --disable-build-servers \
        --artifacts-path "$WORK/artifacts" -o "$WORK/coffer" >"$WORK/publish.log" 2>&1; then
        tail -n 40 "$WORK/publish.log" >&2
        die "dotnet publish src/Coffer.Server failed (its output is above)"
    fi
}

# unused_port: a free port that no server started so far listens on.
unused_port() {
    local url taken=()
    for url in "${COFFER_URL[@]}" "$NGINX_URL"; do
        if [[ -n $url ]]; then taken+=("${url##*:}"); fi
    done
    free_port "${taken[@]}"
}

# start_coffer NAME ENCRYPTED: one Coffer instance from the published build, with its own
# data directory (so its own database and keys), port and log; ENCRYPTED (true|false)
# becomes Coffer__Encryption__Enabled, set either way so the caller's environment cannot
# flip it.
start_coffer() {
    local name=$1 encrypted=$2 port
    port=$(unused_port)
    COFFER_URL[$name]=http://127.0.0.1:$port
    mkdir "$WORK/data-$name"
    # From the publish folder, so the content root (wwwroot, appsettings) is the app's own;
    # `exec` so $! is the dotnet process itself, whose RSS we read; setsid so a Ctrl-C
    # reaches only this script, which then stops the server itself.
    (
        cd "$WORK/coffer"
        export Coffer__DataDir=$WORK/data-$name
        export Coffer__Encryption__Enabled=$encrypted
        exec setsid dotnet Coffer.Server.dll --urls "${COFFER_URL[$name]}"
    ) >"$WORK/$name.log" 2>&1 &
    COFFER_PID[$name]=$!
    wait_for_200 "Coffer ($name)" "${COFFER_PID[$name]}" "${COFFER_URL[$name]}/health/live" "$WORK/$name.log"
    log "Coffer ($name: encryption $([[ $encrypted == true ]] && echo on || echo off)) is up at" \
        "${COFFER_URL[$name]} (pid ${COFFER_PID[$name]})"
}

start_nginx() {
    local port prefix=$WORK/nginx
    port=$(unused_port)
    NGINX_URL=http://127.0.0.1:$port
    mkdir -p "$prefix/www"
    echo ok >"$prefix/www/ping"
    sed -e "s/@PORT@/$port/" -e "s/@USER@/$(id -un)/" \
        "$BENCH_DIR/nginx.conf.template" >"$prefix/nginx.conf"
    # -p: relative paths in the config live under $prefix; -e: start-up errors go there
    # too rather than to /var/log/nginx. setsid: as for Coffer.
    setsid nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" \
        >"$prefix/stderr.log" 2>&1 &
    NGINX_PID=$!
    wait_for_200 nginx "$NGINX_PID" "$NGINX_URL/ping" "$prefix/error.log"
    NGINX_WORKER_PID=$(pgrep -P "$NGINX_PID" | head -n 1)
    [[ -n $NGINX_WORKER_PID ]] || die "nginx started without a worker process"
    log "nginx $(nginx -v 2>&1 | sed 's|.*/||') is up at $NGINX_URL (worker pid $NGINX_WORKER_PID)"
}

# json_field NAME FILE: the first "NAME": "string" or number in FILE (no jq needed; the
# answers here are flat objects whose own fields come first).
json_field() {
    grep -oE "\"$1\"[[:space:]]*:[[:space:]]*(\"[^\"]*\"|[0-9]+)" "$2" | head -n 1 |
        sed -E 's/^[^:]*:[[:space:]]*"?([^"]*)"?$/\1/'
}

# coffer_post NAME PATH JSON WANT: POST JSON to Coffer instance NAME, expect status WANT;
# the answer is in $WORK/answer.json.
coffer_post() {
    local code
    code=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' \
        -H 'Content-Type: application/json' --data-binary "$3" "${COFFER_URL[$1]}$2") ||
        die "POST $2 to Coffer ($1) failed to connect"
    [[ $code == "$4" ]] ||
        die "POST $2 to Coffer ($1) answered $code, expected $4: $(head -c 400 "$WORK/answer.json")"
}

# coffer_sign_in NAME: register on Coffer instance NAME; its token goes to $WORK/auth-NAME.header.
coffer_sign_in() {
    local name=$1 email=bench@example.com password='Bench-Coffer-2026!pw' token
    coffer_post "$name" /api/v1/auth/register "{\"email\":\"$email\",\"password\":\"$password\"}" 201
    coffer_post "$name" /api/v1/auth/tokens \
        "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"bench\"}" 201
    token=$(json_field token "$WORK/answer.json")
    [[ -n $token ]] || die "POST /api/v1/auth/tokens gave no token: $(head -c 400 "$WORK/answer.json")"
    # Passed as `-H @file` so the token is not on curl's command line (ps).
    printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth-$name.header"
}

make_payload() {
    log "writing a ${SIZE_MB} MiB payload of random bytes ..."
    # Random, so nothing on the path can compress or deduplicate it.
    head -c "$SIZE_BYTES" /dev/urandom >"$WORK/payload.bin"
    sync
}

# ---- measuring -----------------------------------------------------------------------

reset_peak_rss() { echo 5 >"/proc/$1/clear_refs"; }        # VmHWM := current RSS
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system CPU time of all its threads so far, in clock ticks
# (fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK

# curl_timed URL OUT [curl args...]: one transfer; prints
# "status seconds bytes-sent bytes-received".
# A server that stalls for a minute fails the run instead of hanging it.
curl_timed() {
    local url=$1 out=$2
    shift 2
    curl -sS --speed-limit 1 --speed-time 60 -o "$out" \
        -w '%{http_code} %{time_total} %{size_upload} %{size_download}' "$@" "$url" ||
        die "curl $url failed"
}

# transfer SERVER put|get: one timed transfer. Sets MBPS (10^6 B/s over curl's
# time_total, i.e. until the server's whole answer arrived), PEAK_KIB (the server's
# VmHWM over the transfer) and CPU_S (the CPU seconds the server process, or nginx's
# worker, spent on it: where a slower server's time goes).
transfer() {
    local server=$1 op=$2 pid out code seconds sent received bytes ticks
    # Write back the previous transfer's dirty pages now, not during this one.
    sync
    if [[ $server == nginx ]]; then pid=$NGINX_WORKER_PID; else pid=${COFFER_PID[$server]}; fi
    if ! kill -0 "$pid" 2>/dev/null; then
        [[ $server == nginx ]] || tail -n 40 "$WORK/$server.log" >&2
        die "$server (pid $pid) is no longer running"
    fi
    reset_peak_rss "$pid"
    ticks=$(cpu_ticks "$pid")

    case $server/$op in
    nginx/put)
        out=$(curl_timed "$NGINX_URL/big.bin" /dev/null -H 'Expect:' -T "$WORK/payload.bin") ;;
    nginx/get)
        out=$(curl_timed "$NGINX_URL/big.bin" /dev/null) ;;
    */put)
        out=$(curl_timed "${COFFER_URL[$server]}/api/v1/items/root/content?name=big.bin&conflict=replace" \
            "$WORK/answer.json" -H @"$WORK/auth-$server.header" -H 'Expect:' -T "$WORK/payload.bin") ;;
    */get)
        # The timed download goes to /dev/null: writing 1 GiB to any file costs curl
        # 1-3.5 s of CPU here, which would hide the server. check_download() compares.
        out=$(curl_timed "${COFFER_URL[$server]}/api/v1/items/${COFFER_ITEM[$server]}/content" /dev/null \
            -H @"$WORK/auth-$server.header") ;;
    esac

    PEAK_KIB=$(peak_rss_kib "$pid")
    CPU_S=$(awk -v t=$(($(cpu_ticks "$pid") - ticks)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
    read -r code seconds sent received <<<"$out"
    if [[ $op == put ]]; then bytes=$sent; else bytes=$received; fi
    case $server/$op/$code in
    nginx/put/20[14] | */get/200) ;;
    nginx/*) die "nginx ${op^^} answered $code" ;;
    */put/20[01]) ;;
    */put/*) die "Coffer ($server) PUT answered $code: $(head -c 400 "$WORK/answer.json")" ;;
    *) die "Coffer ($server) ${op^^} answered $code" ;;
    esac
    ((bytes == SIZE_BYTES)) || die "$server ${op^^} moved $bytes bytes, expected $SIZE_BYTES"
    if [[ $server != nginx && $op == put ]]; then
        COFFER_ITEM[$server]=$(json_field id "$WORK/answer.json")
        [[ -n ${COFFER_ITEM[$server]} ]] ||
            die "Coffer ($server) PUT answer has no id: $(head -c 400 "$WORK/answer.json")"
    fi
    MBPS=$(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.1f", b / s / 1e6 }')
}

# check_download SERVER ROUND: fetch the file again (untimed) and compare it byte for
# byte with what was uploaded.
check_download() {
    local server=$1 round=$2 url auth=()
    if [[ $server == nginx ]]; then
        url=$NGINX_URL/big.bin
    else
        url=${COFFER_URL[$server]}/api/v1/items/${COFFER_ITEM[$server]}/content
        auth=(-H @"$WORK/auth-$server.header")
    fi
    curl -sS --fail --speed-limit 1 --speed-time 60 -o "$WORK/check.bin" "${auth[@]}" "$url" ||
        die "$server, round $round: the check download failed"
    cmp -s "$WORK/payload.bin" "$WORK/check.bin" ||
        die "$server, round $round: the downloaded bytes differ from the uploaded ones"
    rm -f "$WORK/check.bin"
}

# check_at_rest SERVER ROUND: the blob Coffer instance SERVER stored last is sealed
# ("coffer": the encrypted-blob magic "CFRB" and more bytes than the file) or plain
# ("plain": exactly the file's bytes), so the comparison compares what it says it does.
check_at_rest() {
    local server=$1 round=$2 newest size magic
    newest=$(find "$WORK/data-$server/blobs" -type f ! -name '*.partial' -printf '%T@ %s %p\n' |
        sort -g | tail -n 1)
    [[ -n $newest ]] || die "$server, round $round: no blob under $WORK/data-$server/blobs"
    read -r _ size newest <<<"$newest"
    if [[ $server == coffer ]]; then
        magic=$(head -c 4 "$newest" | tr -dc '[:print:]')
        if [[ $magic != CFRB ]] || ((size <= SIZE_BYTES)); then
            die "$server, round $round: the stored blob is not sealed ($size bytes, starts '$magic')"
        fi
    else
        ((size == SIZE_BYTES)) ||
            die "$server, round $round: the stored blob is $size bytes, not the file's $SIZE_BYTES (sealed?)"
    fi
}

max() { echo $(($1 > $2 ? $1 : $2)); }

# run_round ROUND ORDER: each server in ORDER does a PUT then a GET. ROUND "w1", "w2",
# ... are warm-ups whose figures are not kept.
run_round() {
    local round=$1 order=$2 server op
    for server in $order; do
        for op in put get; do
            transfer "$server" "$op"
            log "$(printf 'round %-3s %-6s %s %8s MB/s   peak RSS %4d MiB   server CPU %5s s' \
                "$round" "$server" "${op^^}" "$MBPS" $((PEAK_KIB / 1024)) "$CPU_S")"
            [[ $round == w* ]] && continue
            if [[ $op == put ]]; then PUT_MBPS[$round,$server]=$MBPS; else GET_MBPS[$round,$server]=$MBPS; fi
            ROUND_KIB[$round,$server]=$(max "${ROUND_KIB[$round,$server]:-0}" "$PEAK_KIB")
            PEAK_KIB_OF[$server]=$(max "${PEAK_KIB_OF[$server]}" "$PEAK_KIB")
        done
        check_download "$server" "$round"
        [[ $server == nginx ]] || check_at_rest "$server" "$round"
    done
    [[ $round == w* ]] || ORDER[$round]=$order
}

# ---- reporting -----------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {
    ok = op == ">=" ? v >= t : v <= t; print ok ? "meets target" : "MISSES target" }'; }

# The commit measured, marked when the work tree differs from it.
coffer_revision() {
    local rev
    rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
    [[ -z $(git -C "$REPO_DIR" status --porcelain -- src 2>/dev/null) ]] || rev+="+changes"
    echo "$rev"
}

report() {
    local r put_ratios=() get_ratios=() cp=() np=() cg=() ng=() pr gr
    local sealed_put=() sealed_get=() pp=() pg=()
    echo
    echo "Coffer $(coffer_revision) vs nginx $(nginx -v 2>&1 | sed 's|.*/||') WebDAV:" \
        "${SIZE_MB} MiB file, $ROUNDS round(s) after $WARMUP warm-up"
    echo "$(nproc) cores, load average $LOAD_BEFORE before and $(cut -d ' ' -f 1 /proc/loadavg) after;" \
        "MB/s = 10^6 B/s; ratio = Coffer / nginx, per round"
    printf '%-5s  %-18s  %10s %10s %6s  %10s %10s %6s  %10s\n' \
        round order "PUT coffer" nginx ratio "GET coffer" nginx ratio "coffer RSS"
    for ((r = 1; r <= ROUNDS; r++)); do
        cp+=("${PUT_MBPS[$r,coffer]}")
        np+=("${PUT_MBPS[$r,nginx]}")
        cg+=("${GET_MBPS[$r,coffer]}")
        ng+=("${GET_MBPS[$r,nginx]}")
        pr=$(ratio "${PUT_MBPS[$r,coffer]}" "${PUT_MBPS[$r,nginx]}")
        gr=$(ratio "${GET_MBPS[$r,coffer]}" "${GET_MBPS[$r,nginx]}")
        put_ratios+=("$pr")
        get_ratios+=("$gr")
        printf '%-5s  %-18s  %10.0f %10.0f %6s  %10.0f %10.0f %6s  %6d MiB\n' "$r" "${ORDER[$r]}" \
            "${PUT_MBPS[$r,coffer]}" "${PUT_MBPS[$r,nginx]}" "$pr" \
            "${GET_MBPS[$r,coffer]}" "${GET_MBPS[$r,nginx]}" "$gr" $((ROUND_KIB[$r,coffer] / 1024))
    done

    # The cost of encryption at rest: the same rounds, Coffer (sealed) against Coffer plain.
    echo
    echo "encryption at rest: plain = the same build with Coffer__Encryption__Enabled=false;" \
        "ratio = coffer / plain, per round"
    printf '%-5s  %10s %10s %6s  %10s %10s %6s  %10s  %10s\n' \
        round "PUT coffer" plain ratio "GET coffer" plain ratio "coffer RSS" "plain RSS"
    for ((r = 1; r <= ROUNDS; r++)); do
        pp+=("${PUT_MBPS[$r,plain]}")
        pg+=("${GET_MBPS[$r,plain]}")
        pr=$(ratio "${PUT_MBPS[$r,coffer]}" "${PUT_MBPS[$r,plain]}")
        gr=$(ratio "${GET_MBPS[$r,coffer]}" "${GET_MBPS[$r,plain]}")
        sealed_put+=("$pr")
        sealed_get+=("$gr")
        printf '%-5s  %10.0f %10.0f %6s  %10.0f %10.0f %6s  %6d MiB  %6d MiB\n' "$r" \
            "${PUT_MBPS[$r,coffer]}" "${PUT_MBPS[$r,plain]}" "$pr" \
            "${GET_MBPS[$r,coffer]}" "${GET_MBPS[$r,plain]}" "$gr" \
            $((ROUND_KIB[$r,coffer] / 1024)) $((ROUND_KIB[$r,plain] / 1024))
    done

    local put_ratio get_ratio rss_mib=$((PEAK_KIB_OF[coffer] / 1024))
    local sealed_put_ratio sealed_get_ratio plain_rss_mib=$((PEAK_KIB_OF[plain] / 1024))
    put_ratio=$(median "${put_ratios[@]}")
    get_ratio=$(median "${get_ratios[@]}")
    echo
    printf 'upload:   coffer %.0f MB/s, nginx %.0f MB/s, ratio %s (median of %d) - %s (>= %s)\n' \
        "$(median "${cp[@]}")" "$(median "${np[@]}")" "$put_ratio" "$ROUNDS" \
        "$(verdict "$put_ratio" $TARGET_UPLOAD_RATIO '>=')" $TARGET_UPLOAD_RATIO
    printf 'download: coffer %.0f MB/s, nginx %.0f MB/s, ratio %s (median of %d) - %s (>= %s)\n' \
        "$(median "${cg[@]}")" "$(median "${ng[@]}")" "$get_ratio" "$ROUNDS" \
        "$(verdict "$get_ratio" $TARGET_DOWNLOAD_RATIO '>=')" $TARGET_DOWNLOAD_RATIO
    printf 'peak RSS: coffer %d MiB (max over all transfers) - %s (<= %d MiB); nginx worker %d MiB\n' \
        "$rss_mib" "$(verdict "$rss_mib" $TARGET_RSS_MIB '<=')" $TARGET_RSS_MIB \
        $((PEAK_KIB_OF[nginx] / 1024))
    sealed_put_ratio=$(median "${sealed_put[@]}")
    sealed_get_ratio=$(median "${sealed_get[@]}")
    printf 'encrypted upload:   coffer %.0f MB/s, plain %.0f MB/s, ratio %s (median of %d) - %s (>= %s)\n' \
        "$(median "${cp[@]}")" "$(median "${pp[@]}")" "$sealed_put_ratio" "$ROUNDS" \
        "$(verdict "$sealed_put_ratio" $TARGET_SEALED_RATIO '>=')" $TARGET_SEALED_RATIO
    printf 'encrypted download: coffer %.0f MB/s, plain %.0f MB/s, ratio %s (median of %d) - %s (>= %s)\n' \
        "$(median "${cg[@]}")" "$(median "${pg[@]}")" "$sealed_get_ratio" "$ROUNDS" \
        "$(verdict "$sealed_get_ratio" $TARGET_SEALED_RATIO '>=')" $TARGET_SEALED_RATIO
    printf 'peak RSS: coffer (encrypted) %d MiB, plain %d MiB (max over all transfers) - plain %s (<= %d MiB)\n' \
        "$rss_mib" "$plain_rss_mib" "$(verdict "$plain_rss_mib" $TARGET_RSS_MIB '<=')" $TARGET_RSS_MIB
    echo "every download matched the upload byte for byte (cmp);" \
        "coffer's blobs were sealed at rest and plain's were not"
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
    [[ -n $NGINX_PID ]] && stop "$NGINX_PID"
    # Normally gone with its master; not if the master had to be killed.
    [[ -n $NGINX_WORKER_PID ]] && stop "$NGINX_WORKER_PID"
    [[ -n $WORK ]] && rm -rf "$WORK"
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
    start_coffer coffer true
    coffer_sign_in coffer
    start_coffer plain false
    coffer_sign_in plain
    start_nginx
    local name
    for name in coffer plain; do
        log "Coffer ($name) RSS at rest: $(($(awk '/^VmRSS:/ { print $2 }' \
            "/proc/${COFFER_PID[$name]}/status") / 1024)) MiB"
    done
    make_payload
    # Another job on the machine shows here first; it is why only ratios compare.
    LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)

    # The order is shuffled once and then rotates round by round (the first goes last):
    # every 3 rounds each server has gone first, second and third once, where a fresh
    # shuffle each round would often leave one server in the same place every round.
    local r order
    read -ra order < <(shuf -e "${SERVERS[@]}" | paste -sd ' ')
    for ((r = 1; r <= WARMUP; r++)); do run_round "w$r" "${order[*]}"; done
    for ((r = 1; r <= ROUNDS; r++)); do
        run_round "$r" "${order[*]}"
        order=("${order[@]:1}" "${order[0]}")
    done
    report
}

main "$@"
