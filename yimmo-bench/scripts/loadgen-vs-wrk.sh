#!/usr/bin/env bash
# Validates the project's load generator (org.yimmo.bench.load.LoadGenerator) against wrk: both
# load the same StatusServer in alternating rounds, and the report gives their requests/s and
# the ratio; then both load a private nginx once, which is faster than StatusServer here, for the
# generator's own ceiling. Markdown report on stdout, progress on stderr. Run with --help.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
readonly ROOT
# Shared helpers (log, die, server start/stop, wrk and generator parsing, report formatting).
# shellcheck source=bench-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"

usage() {
    cat <<EOF
Usage: $PROG [options]

Starts StatusServer (java -cp yimmo-bench/target/benchmarks.jar org.yimmo.bench.StatusServer)
and a private nginx answering the same GET /status, then:

  1. --rounds rounds, each: wrk, then the generator, against StatusServer (same connections,
     threads, duration, CPU); prints both requests/s and the ratio generator/wrk per round and
     of the medians. Target: the ratio within 0.90 - 1.10.
  2. the ceiling: one wrk run and one generator run against nginx (one worker), to show what
     each client can drive when the server is not the bottleneck.

    wrk -tTHREADS -cCONNECTIONS -dDURATIONs --timeout 2s --latency URL
    java -cp benchmarks.jar org.yimmo.bench.load.LoadGenerator -t THREADS -c CONNECTIONS
         -d DURATION -w GEN_WARMUP --timeout 2 URL

The generator gets GEN_WARMUP seconds of its own (discarded) warm-up inside each run, so that
its JIT compilation is not measured; wrk needs none. The servers each get one discarded wrk
warm-up run of --warmup seconds.

Options:
  -c, --connections N  connections (default: 64)
  -d, --duration S     seconds per measured run (default: 5)
  -t, --threads N      threads of wrk and of the generator (default: 1)
  -r, --rounds N       rounds against StatusServer (default: 2)
  -w, --warmup S       server warm-up seconds, 0 for none (default: 2)
      --gen-warmup S   the generator's own warm-up in each run (default: 1)
      --port PORT      StatusServer's port; nginx gets PORT+1 (default: 18400)
      --start-timeout S seconds to wait for each server (default: 30)
  --no-pin             run everything unpinned
  --server-cpus LIST   taskset CPU list for the servers (default: 0)
  --load-cpus LIST     taskset CPU list for wrk and the generator (default: 1)
  --raw-dir DIR        keep every output and the server logs in DIR
  -h, --help           this text

Tools: wrk and nginx (apt-get install -y wrk nginx); yimmo-bench built with
  mvn -q -DskipTests package

Exit status: 0 clean; 1 a client reported errors or a server died; 2 bad command line;
3 a server failed to start, a port was taken, a tool is missing or a client failed.
Servers are stopped by the process group this script started, never by name.
EOF
}

CONNECTIONS=64
DURATION=5
THREADS=1
ROUNDS=2
WARMUP=2
GEN_WARMUP=1
PORT=18400
START_TIMEOUT=30
PIN=1
SERVER_CPUS=0
LOAD_CPUS=1
RAW_DIR=""
readonly BENCH_JAR=$ROOT/yimmo-bench/target/benchmarks.jar
# bench-lib.sh reads PIN, SERVER_CPUS, START_TIMEOUT, RAW_DIR, and owns TMP_DIR and STARTED_PIDS.

parse_args() {
    while (($#)); do
        case $1 in
            -c | --connections | -d | --duration | -t | --threads | -r | --rounds | -w | --warmup | \
                --gen-warmup | --port | --start-timeout | --server-cpus | --load-cpus | --raw-dir)
                (($# >= 2)) || die 2 "option '$1' needs a value (see --help)" ;;
        esac
        case $1 in
            -h | --help) usage; exit 0 ;;
            -c | --connections) CONNECTIONS=$2; shift ;;
            -d | --duration) DURATION=$2; shift ;;
            -t | --threads) THREADS=$2; shift ;;
            -r | --rounds) ROUNDS=$2; shift ;;
            -w | --warmup) WARMUP=$2; shift ;;
            --gen-warmup) GEN_WARMUP=$2; shift ;;
            --port) PORT=$2; shift ;;
            --start-timeout) START_TIMEOUT=$2; shift ;;
            --no-pin) PIN=0 ;;
            --server-cpus) SERVER_CPUS=$2; shift ;;
            --load-cpus) LOAD_CPUS=$2; shift ;;
            --raw-dir) RAW_DIR=$2; shift ;;
            *) die 2 "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done
    require_uint --connections "$CONNECTIONS" 1
    require_uint --duration "$DURATION" 1
    require_uint --threads "$THREADS" 1
    ((CONNECTIONS >= THREADS)) || die 2 "--connections must be >= --threads"
    require_uint --rounds "$ROUNDS" 1
    require_uint --warmup "$WARMUP" 0
    require_uint --gen-warmup "$GEN_WARMUP" 0
    require_uint --port "$PORT" 1
    ((PORT < 65535)) || die 2 "--port must leave room for nginx on PORT+1"
    require_uint --start-timeout "$START_TIMEOUT" 1
}

ensure_tools() {
    command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
    local tool
    for tool in wrk nginx java curl taskset setsid; do
        command -v "$tool" >/dev/null || die 3 "$tool is required (apt-get install -y wrk nginx)"
    done
    [[ -f $BENCH_JAR ]] || die 3 "$BENCH_JAR is missing; build it: mvn -q -DskipTests package"
}

# run_client wrk|gen PORT SECONDS OUTFILE: one run, pinned to LOAD_CPUS; prints the parsed line.
run_client() {
    local client=$1 port=$2 secs=$3 out=$4 url="http://127.0.0.1:$2/status"
    if [[ $client == wrk ]]; then
        local -a pin=()
        mapfile -d '' pin < <(pin_prefix "$LOAD_CPUS")
        "${pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 2s --latency "$url" >"$out" 2>&1 ||
            { cat "$out" >&2; die 3 "wrk failed"; }
        parse_wrk "$out" || die 3 "cannot parse $out"
    else
        run_generator "$LOAD_CPUS" "$out" -t "$THREADS" -c "$CONNECTIONS" -d "$secs" -w "$GEN_WARMUP" --timeout 2 "$url"
    fi
}

main() {
    parse_args "$@"
    ensure_tools
    TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-vs-wrk.XXXXXX")
    trap cleanup EXIT
    trap 'log "interrupted"; exit 130' INT
    trap 'log "terminated"; exit 143' TERM
    check_pinning "$LOAD_CPUS"
    local load_at_start
    read -r load_at_start _ </proc/loadavg
    local nginx_port=$((PORT + 1)) port
    for port in "$PORT" "$nginx_port"; do
        port_in_use "$port" && die 3 "port $port is already in use on 127.0.0.1"
    done
    start_private_nginx "$TMP_DIR/nginx" "$nginx_port" "" "        listen 127.0.0.1:$nginx_port;"
    start_server status "$TMP_DIR/status.out" "" java -cp "$BENCH_JAR" org.yimmo.bench.StatusServer --port "$PORT"
    wait_ready status "$PORT" "$TMP_DIR/status.out" /status
    if ((WARMUP > 0)); then
        for port in "$PORT" "$nginx_port"; do
            log "warm-up ${WARMUP} s on port $port (discarded)"
            run_client wrk "$port" "$WARMUP" "$TMP_DIR/warmup-$port.txt" >/dev/null
        done
    fi

    local round flagged=0 died=0 rows="" w g
    local -a rps_w=() rps_g=()
    for ((round = 1; round <= ROUNDS; round++)); do
        log "round $round/$ROUNDS: wrk"
        w=$(run_client wrk "$PORT" "$DURATION" "$TMP_DIR/round$round-wrk.txt")
        log "round $round/$ROUNDS: generator"
        g=$(run_client gen "$PORT" "$DURATION" "$TMP_DIR/round$round-gen.txt")
        local -a fw fg
        read -r -a fw <<<"$w"
        read -r -a fg <<<"$g"
        rps_w+=("${fw[0]}") rps_g+=("${fg[0]}")
        local errors ew eg
        ew=$(error_text "${fw[@]:3}")
        eg=$(error_text "${fg[@]:3}")
        errors="${ew:+**wrk: $ew** }${eg:+**generator: $eg**}"
        [[ -n $errors ]] && flagged=$((flagged + 1))
        rows+="| $round | $(group_digits "${fw[0]}") | $(group_digits "${fg[0]}") | $(ratio "${fg[0]}" "${fw[0]}") |"
        rows+=" ${fw[1]} / ${fw[2]} | ${fg[1]} / ${fg[2]} | ${errors:-none} |"$'\n'
        group_alive "${STARTED_PIDS[status]}" || { log "error: StatusServer died"; died=1; break; }
    done

    log "ceiling: wrk and the generator against nginx"
    local cw cg
    cw=$(run_client wrk "$nginx_port" "$DURATION" "$TMP_DIR/ceiling-wrk.txt")
    cg=$(run_client gen "$nginx_port" "$DURATION" "$TMP_DIR/ceiling-gen.txt")

    local pinning="none (--no-pin)"
    ((PIN)) && pinning="servers \`taskset -c $SERVER_CPUS\`, wrk and generator \`taskset -c $LOAD_CPUS\`"
    echo "### The generator against wrk: GET /status, -t$THREADS -c$CONNECTIONS -d${DURATION}s"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), 1-min load average at start $load_at_start"
    echo "- pinning: $pinning; $(java -version 2>&1 | sed -n 1p); $(wrk -v 2>&1 | sed -n 1p | sed 's/ Copyright.*//')"
    echo "- command: \`$PROG $ORIGINAL_ARGS\`; generator warm-up ${GEN_WARMUP} s inside each run (discarded)"
    echo
    echo "| round | wrk req/s | generator req/s | generator/wrk | wrk p50 / p99 µs | generator p50 / p99 µs | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    printf '%s' "$rows"
    echo
    local mw mg
    mw=$(median "${rps_w[@]}")
    mg=$(median "${rps_g[@]}")
    echo "**Median against StatusServer:** wrk $(group_digits "$mw") req/s, generator $(group_digits "$mg") req/s," \
        "**ratio generator/wrk $(ratio "$mg" "$mw")** (target 0.90 - 1.10)."
    echo
    local -a c1 c2
    read -r -a c1 <<<"$cw"
    read -r -a c2 <<<"$cg"
    echo "**Ceiling against nginx (one worker, one run each):** wrk $(group_digits "${c1[0]}") req/s," \
        "generator $(group_digits "${c2[0]}") req/s, ratio $(ratio "${c2[0]}" "${c1[0]}")."
    end_report "$flagged" "${#rps_w[@]}" "$died"
}

ORIGINAL_ARGS="$*"
main "$@"
