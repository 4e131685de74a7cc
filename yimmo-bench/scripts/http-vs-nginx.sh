#!/usr/bin/env bash
# Whole-server load comparison: an HTTP server under test against nginx, in the same run, with
# wrk. Prints a Markdown report (per-round table and a median summary) on stdout; progress goes
# to stderr, so `... > result.md` keeps only the report. Run with --help for everything.
set -euo pipefail

readonly PROG=${0##*/}
# Shared helpers (log, die, server start/stop, wrk parsing, report formatting): see its header.
# shellcheck source=bench-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"

usage() {
    cat <<EOF
Usage: $PROG --server-cmd CMD [options]

Measures the HTTP server started by CMD against a private nginx that answers the same
'GET /status' with 200 "OK", with wrk, in alternating rounds, and prints a Markdown report.

Both servers are started once and stay up for the whole run. Each gets one discarded warm-up
run, then the measured rounds alternate (server, nginx, server, nginx, ...) so that drift on a
shared machine touches both. Every run is:

    wrk -tTHREADS -cCONNECTIONS -dDURATIONs --timeout TIMEOUTs --latency http://127.0.0.1:PORT/status

Server under test:
  --server-cmd CMD     shell command that starts the server in the foreground (required).
                       '{port}' in CMD is replaced by --port. Example:
                       'java -cp yimmo-bench/target/benchmarks.jar org.yimmo.bench.StatusServer --port {port}'
                       It must answer GET /status with a 2xx (checked with curl -fsS).
  --name NAME          label for the server in the report (default: server)
  --port PORT          port for the server under test (default: 8080)
  --nginx-port PORT    port for nginx (default: 8081)
  --start-timeout S    seconds to wait for each server to answer /status (default: 30)

Load:
  -c, --connections N  wrk connections (default: 64)
  -d, --duration S     seconds per measured run (default: 10)
  -t, --threads N      wrk threads (default: 1)
  -r, --rounds N       measured rounds per server (default: 3)
  -w, --warmup S       seconds of the discarded warm-up run per server, 0 for none (default: 5)
      --timeout S      wrk --timeout: a response slower than this counts as a timeout error
                       (default: 2, wrk's own default)

CPU pinning (default on; the reference machine has 2 vCPUs):
  --no-pin             run everything unpinned
  --server-cpus LIST   taskset CPU list for both servers (default: 0)
  --wrk-cpus LIST      taskset CPU list for wrk (default: 1)
  Both servers get the same list, so they are treated identically. A JVM sizes itself from its
  affinity mask (availableProcessors, GC and compiler threads), so pinning changes the JVM too.

Other:
  --raw-dir DIR        keep every wrk output and both server logs in DIR
  --parse FILE         parse one saved wrk --latency output, print
                       'rps p50_us p99_us non2xx_3xx connect read write timeout' and exit
  -h, --help           this text

nginx: Debian's binary (apt-get install -y nginx), never the system service. A private
instance runs from a temporary directory with its own configuration: one worker process,
'user root;' (so its worker can run in a container where we are root), 'access_log off;',
'keepalive_requests 1000000;' (nginx closes keep-alive connections after 1000 requests by
default, which would cost wrk reconnections), error log in the temporary directory, and
'location = /status { return 200 "OK"; }' on 127.0.0.1:NGINX_PORT.

Tools: wrk and nginx are installed with apt-get if missing (needs root); curl and taskset
must be present.

Parsing: Requests/sec; p50 and p99 from wrk's 'Latency Distribution' (wrk prints us, ms, s
or m; all normalised to microseconds); 'Non-2xx or 3xx responses' (wrk counts status >= 400)
and 'Socket errors' (connect, read, write, timeout). wrk prints those two lines only when
non-zero. Any of them in a measured run flags the run in the report.

Output: Markdown on stdout - a header with the settings, a per-round table, and a summary line
with the median requests/s of each, the ratio server/nginx of those medians, and the median p99
of each. Medians are over the measured rounds (the mean of the middle two for an even count).

Exit status:
  0  all runs clean
  1  wrk reported errors (non-2xx/3xx or socket errors) or a server died during the run;
     the report is still printed, with the faulty runs flagged
  2  bad command line
  3  a server failed to start or answer /status, a port was already taken, a tool is missing,
     or wrk itself failed

Both servers are stopped on exit, including Ctrl-C and errors: each is started in its own
session (setsid), and exactly that process group - whose id is the PID this script started - is
sent SIGTERM, then SIGKILL after 5 s. Nothing is killed by name.

Example (from the repository root, after mvn -q -DskipTests package):
  $PROG --name yimmo \\
    --server-cmd 'java -cp yimmo-bench/target/benchmarks.jar org.yimmo.bench.StatusServer --port {port}'
EOF
}

# ---------------------------------------------------------------------------------- settings

SERVER_CMD=""
SERVER_NAME="server"
SERVER_PORT=8080
NGINX_PORT=8081
START_TIMEOUT=30
CONNECTIONS=64
DURATION=10
THREADS=1
ROUNDS=3
WARMUP=5
WRK_TIMEOUT=2
PIN=1
SERVER_CPUS=0
WRK_CPUS=1
RAW_DIR=""
# bench-lib.sh reads PIN, SERVER_CPUS, START_TIMEOUT, RAW_DIR, and owns TMP_DIR and STARTED_PIDS.

# ------------------------------------------------------------------------------- arguments

parse_args() {
    while (($#)); do
        case $1 in
            --server-cmd | --name | --port | --nginx-port | --start-timeout | -c | --connections | \
                -d | --duration | -t | --threads | -r | --rounds | -w | --warmup | --timeout | \
                --server-cpus | --wrk-cpus | --raw-dir | --parse)
                (($# >= 2)) || die 2 "option '$1' needs a value (see --help)" ;;
        esac
        case $1 in
            -h | --help) usage; exit 0 ;;
            --server-cmd) SERVER_CMD=$2; shift ;;
            --name) SERVER_NAME=$2; shift ;;
            --port) SERVER_PORT=$2; shift ;;
            --nginx-port) NGINX_PORT=$2; shift ;;
            --start-timeout) START_TIMEOUT=$2; shift ;;
            -c | --connections) CONNECTIONS=$2; shift ;;
            -d | --duration) DURATION=$2; shift ;;
            -t | --threads) THREADS=$2; shift ;;
            -r | --rounds) ROUNDS=$2; shift ;;
            -w | --warmup) WARMUP=$2; shift ;;
            --timeout) WRK_TIMEOUT=$2; shift ;;
            --no-pin) PIN=0 ;;
            --server-cpus) SERVER_CPUS=$2; shift ;;
            --wrk-cpus) WRK_CPUS=$2; shift ;;
            --raw-dir) RAW_DIR=$2; shift ;;
            --parse) parse_wrk "$2"; exit 0 ;;
            *) die 2 "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done

    [[ -n $SERVER_CMD ]] || die 2 "--server-cmd is required (see --help)"
    [[ $SERVER_NAME != nginx && -n $SERVER_NAME ]] || die 2 "--name must not be empty or 'nginx'"
    require_uint --port "$SERVER_PORT" 1
    require_uint --nginx-port "$NGINX_PORT" 1
    ((SERVER_PORT != NGINX_PORT)) || die 2 "--port and --nginx-port must differ"
    require_uint --start-timeout "$START_TIMEOUT" 1
    require_uint --connections "$CONNECTIONS" 1
    require_uint --duration "$DURATION" 1
    require_uint --threads "$THREADS" 1
    ((CONNECTIONS >= THREADS)) || die 2 "--connections must be >= --threads (wrk refuses otherwise)"
    require_uint --rounds "$ROUNDS" 1
    require_uint --warmup "$WARMUP" 0
    require_uint --timeout "$WRK_TIMEOUT" 1
    if [[ $SERVER_CMD != *'{port}'* ]]; then
        log "warning: --server-cmd has no {port}; it must listen on $SERVER_PORT by itself"
    fi
    SERVER_CMD=${SERVER_CMD//'{port}'/$SERVER_PORT}
}

# Installs wrk and nginx if missing. apt-get update only when the plain install fails, because
# it is slow and usually not needed. Installing nginx does not start the system service inside
# containers (policy-rc.d), and this script never uses it anyway.
ensure_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
    if ((${#missing[@]})); then
        ((EUID == 0)) || die 3 "missing ${missing[*]}; install as root: apt-get install -y ${missing[*]}"
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y "${missing[@]}" >&2 ||
            { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; } ||
            die 3 "apt-get install ${missing[*]} failed"
    fi
    command -v nginx >/dev/null || PATH=$PATH:/usr/sbin # root's PATH has it, others may not
    local tool
    for tool in wrk nginx curl taskset setsid; do
        command -v "$tool" >/dev/null || die 3 "$tool is required"
    done
}

# -------------------------------------------------------------------------------------- load

# run_wrk PORT SECONDS OUTFILE: one wrk run. wrk exits 0 even when every request failed, so
# the caller judges the output, not the status.
run_wrk() {
    local port=$1 secs=$2 out=$3
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$WRK_CPUS")
    if ! "${pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout "${WRK_TIMEOUT}s" \
        --latency "http://127.0.0.1:$port/status" >"$out" 2>&1; then
        cat "$out" >&2
        die 3 "wrk failed"
    fi
}

# -------------------------------------------------------------------------------------- main

main() {
    parse_args "$@"
    ensure_tools

    TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/http-vs-nginx.XXXXXX")
    trap cleanup EXIT
    trap 'log "interrupted"; exit 130' INT
    trap 'log "terminated"; exit 143' TERM

    check_pinning "$WRK_CPUS"

    # Other load on the machine shows up in both columns but widens the spread; record it.
    local load_at_start
    read -r load_at_start _ </proc/loadavg

    local port
    for port in "$NGINX_PORT" "$SERVER_PORT"; do
        port_in_use "$port" && die 3 "port $port is already in use on 127.0.0.1"
    done

    start_private_nginx "$TMP_DIR/nginx" "$NGINX_PORT" "" "        listen 127.0.0.1:$NGINX_PORT;"

    start_server "$SERVER_NAME" "$TMP_DIR/server.out" "" bash -c "$SERVER_CMD"
    wait_ready "$SERVER_NAME" "$SERVER_PORT" "$TMP_DIR/server.out" /status

    local -a labels=("$SERVER_NAME" nginx) ports=("$SERVER_PORT" "$NGINX_PORT")
    local i

    if ((WARMUP > 0)); then
        for i in 0 1; do
            log "${labels[i]}: warm-up ${WARMUP} s (discarded)"
            run_wrk "${ports[i]}" "$WARMUP" "$TMP_DIR/warmup-$i.txt"
            local w e
            w=$(parse_wrk "$TMP_DIR/warmup-$i.txt") || die 3 "cannot parse the warm-up output of ${labels[i]}"
            local -a f
            read -r -a f <<<"$w"
            e=$(error_text "${f[@]:3}")
            [[ -z $e ]] || log "warning: ${labels[i]} warm-up had errors: $e"
        done
    fi

    # results[round,i] = 'rps p50 p99 status connect read write timeout'
    declare -A results=()
    local round flagged=0 died=0
    for ((round = 1; round <= ROUNDS; round++)); do
        for i in 0 1; do
            local out=$TMP_DIR/round$round-$i.txt
            log "round $round/$ROUNDS: ${labels[i]}, ${DURATION} s"
            run_wrk "${ports[i]}" "$DURATION" "$out"
            results[$round,$i]=$(parse_wrk "$out") || die 3 "cannot parse $out"
            log "  ${results[$round,$i]%% *} req/s"
        done
        for i in 0 1; do
            if ! group_alive "${STARTED_PIDS[${labels[i]}]}"; then
                log "error: ${labels[i]} died during round $round"
                died=1
            fi
        done
        if ((died)); then break; fi
    done
    local measured=$((round > ROUNDS ? ROUNDS : round))

    # ---- report
    local nginx_version wrk_version
    nginx_version=$(nginx -v 2>&1 || true)
    wrk_version=$(wrk -v 2>&1 || true)
    wrk_version=${wrk_version%%$'\n'*}

    local pinning="none (--no-pin)"
    ((PIN)) && pinning="servers \`taskset -c $SERVER_CPUS\`, wrk \`taskset -c $WRK_CPUS\`"

    echo "### $SERVER_NAME against nginx: GET /status, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), 1-min load average at start $load_at_start"
    echo "- pinning: $pinning"
    echo "- $SERVER_NAME: \`$SERVER_CMD\`"
    echo "- nginx: ${nginx_version#nginx version: }, 1 worker, access log off, keepalive_requests 1000000"
    local warm="no warm-up"
    ((WARMUP)) && warm="warm-up ${WARMUP} s per server (discarded)"
    echo "- ${wrk_version% Copyright*}; $warm; $ROUNDS round(s) alternating $SERVER_NAME, nginx"
    echo
    echo "| round | $SERVER_NAME req/s | nginx req/s | $SERVER_NAME/nginx | $SERVER_NAME p50 / p99 µs | nginx p50 / p99 µs | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"

    local -a rps_s=() rps_n=() p99_s=() p99_n=()
    for ((round = 1; round <= measured; round++)); do
        local -a s n
        read -r -a s <<<"${results[$round,0]:-}"
        read -r -a n <<<"${results[$round,1]:-}"
        ((${#s[@]} && ${#n[@]})) || continue # a round cut short by a dead server
        rps_s+=("${s[0]}") rps_n+=("${n[0]}") p99_s+=("${s[2]}") p99_n+=("${n[2]}")
        local es en errors=""
        es=$(error_text "${s[@]:3}")
        en=$(error_text "${n[@]:3}")
        [[ -n $es ]] && errors="**$SERVER_NAME: $es**"
        [[ -n $en ]] && errors="${errors:+$errors; }**nginx: $en**"
        [[ -n $errors ]] && flagged=$((flagged + 1))
        echo "| $round | $(group_digits "${s[0]}") | $(group_digits "${n[0]}") | $(ratio "${s[0]}" "${n[0]}") |" \
            "${s[1]} / ${s[2]} | ${n[1]} / ${n[2]} | ${errors:-none} |"
    done
    echo

    if ((${#rps_s[@]})); then
        local ms mn
        ms=$(median "${rps_s[@]}")
        mn=$(median "${rps_n[@]}")
        echo "**Median of ${#rps_s[@]} round(s):** $SERVER_NAME $(group_digits "$ms") req/s, nginx" \
            "$(group_digits "$mn") req/s, **ratio $SERVER_NAME/nginx $(ratio "$ms" "$mn")**;" \
            "median p99 $SERVER_NAME $(group_digits "$(median "${p99_s[@]}")") µs," \
            "nginx $(group_digits "$(median "${p99_n[@]}")") µs."
    fi
    end_report "$flagged" "${#rps_s[@]}" "$died"
}

main "$@"
