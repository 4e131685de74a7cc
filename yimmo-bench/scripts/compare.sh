#!/usr/bin/env bash
# Side-by-side comparison with the project's load generator: yimmo-wsgi against WSGI servers
# from Debian (gunicorn gthread and sync, uWSGI, waitress) on the same apps, and yimmo's
# StatusServer against nginx for raw HTTP; alternating runs, a ratio table of the medians.
# Markdown report on stdout, progress on stderr. Run with --help.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
readonly ROOT
# Shared helpers (log, die, server start/stop, WSGI server commands, generator parsing, report).
# shellcheck source=bench-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"

usage() {
    cat <<EOF
Usage: $PROG [options]

For each app, starts every server on it (same worker processes and threads), warms each up
with one discarded run, then runs the same load against each in alternation (A B C, B C A,
C A B, ...) for --rounds rounds, and prints per app a table of the medians over the rounds
with yimmo's ratio to each peer. Every run is

    java -cp yimmo-bench/target/benchmarks.jar org.yimmo.bench.load.LoadGenerator
         -c CONNECTIONS -d DURATION -w GEN_WARMUP --timeout 2 [APP LOAD] http://127.0.0.1:PORT/PATH

Apps (--apps):
  hello    yimmo-wsgi/examples/hello.py, GET / (14-byte body)
  payload  yimmo-bench/apps/payload.py, GET / (10 KiB body)
  echo     yimmo-bench/apps/echo.py, POST / with a 1 KiB body, echoed back
  flask    yimmo-bench/apps/flask_hello.py, GET / (Flask)
  status   raw HTTP: yimmo's StatusServer against a private nginx, GET /status (the WSGI
           servers are not started for it)

Servers (--servers), each started in the app's directory:
  yimmo          yimmo-wsgi/bin/yimmo-wsgi -p PROCESSES -t THREADS
  gunicorn       gunicorn --worker-class gthread --workers PROCESSES --threads THREADS
  gunicorn-sync  gunicorn --worker-class sync --workers PROCESSES (no threads, no keep-alive)
  uwsgi          uwsgi --http11-socket --processes PROCESSES --threads THREADS
  waitress       python3 -m waitress --threads THREADS (always one process)

Options:
  --apps LIST          comma-separated (default: hello,payload,echo,flask)
  --servers LIST       comma-separated, yimmo first (default: yimmo,gunicorn,gunicorn-sync,uwsgi,waitress)
  -p, --processes N    worker processes of each server (default: 1)
      --threads N      worker threads per process (default: 1)
  -c, --connections N  generator connections (default: 16)
  -d, --duration S     seconds per measured run (default: 5)
  -r, --rounds N       rounds (default: 3)
  -w, --warmup S       discarded warm-up run per server, 0 for none (default: 2)
      --gen-warmup S   the generator's own discarded warm-up inside each run (default: 1)
      --base-port PORT servers listen on PORT, PORT+1, ... (default: 18500)
      --start-timeout S seconds to wait for a server to answer (default: 30)
      --python PATH    interpreter yimmo embeds and waitress runs (default: /usr/bin/python3)
  --smoke              a quick check that everything starts and answers (CI): --apps hello
                       --servers yimmo,gunicorn -d 1 -r 2 -w 1 --gen-warmup 0; options after
                       it still apply; well under 30 s
  --no-pin             run everything unpinned
  --server-cpus LIST   taskset CPU list for the servers (default: 0)
  --load-cpus LIST     taskset CPU list for the generator (default: 1)
  --raw-dir DIR        keep every generator output and server log in DIR
  -h, --help           this text

Peers are Debian packages: install them with yimmo-bench/scripts/install-peers.sh (as root).
yimmo-wsgi and yimmo-bench must be built: mvn -q -DskipTests package (BENCH_CLASSPATH in the
environment, if set, is the generator's classpath instead of yimmo-bench/target/benchmarks.jar).

Report: per app, a row per server: median requests/s, yimmo's ratio to it (yimmo / server),
median p50 and p99 in µs, and the errors of its runs (a peer's errors are reported, not fatal).
uWSGI's --http11-socket serves one keep-alive connection at a time per process: the others wait,
and their requests count as timeout errors only in runs longer than the 2 s --timeout; in
shorter runs uWSGI's figures are those of the connections it served.

Exit status: 0 done; 1 yimmo had errors or a server died; 2 bad command line; 3 a server failed
to start, a port was taken or a tool is missing. Servers are stopped by the process group this
script started, never by name.
EOF
}

APPS=hello,payload,echo,flask
SERVERS=yimmo,gunicorn,gunicorn-sync,uwsgi,waitress
PROCESSES=1
SERVER_THREADS=1
CONNECTIONS=16
DURATION=5
ROUNDS=3
WARMUP=2
GEN_WARMUP=1
BASE_PORT=18500
START_TIMEOUT=30
PYTHON=/usr/bin/python3
PIN=1
SERVER_CPUS=0
LOAD_CPUS=1
RAW_DIR=""
# BENCH_CLASSPATH in the environment replaces the shaded jar (the JUnit smoke test passes its own
# classpath, since the jar is made after the tests).
readonly BENCH_JAR=${BENCH_CLASSPATH:-$ROOT/yimmo-bench/target/benchmarks.jar}
readonly YIMMO_BIN=$ROOT/yimmo-wsgi/bin/yimmo-wsgi
readonly ALL_APPS=" hello payload echo flask status "
readonly ALL_SERVERS=" yimmo gunicorn gunicorn-sync uwsgi waitress "
# bench-lib.sh reads PIN, SERVER_CPUS, START_TIMEOUT, RAW_DIR, ROOT, YIMMO_BIN, PYTHON.

parse_args() {
    local arg
    for arg in "$@"; do
        if [[ $arg == --smoke ]]; then
            APPS=hello SERVERS=yimmo,gunicorn DURATION=1 ROUNDS=2 WARMUP=1 GEN_WARMUP=0
        fi
    done
    while (($#)); do
        case $1 in
            --apps | --servers | -p | --processes | --threads | -c | --connections | -d | --duration | \
                -r | --rounds | -w | --warmup | --gen-warmup | --base-port | --start-timeout | --python | \
                --server-cpus | --load-cpus | --raw-dir)
                (($# >= 2)) || die 2 "option '$1' needs a value (see --help)" ;;
        esac
        case $1 in
            -h | --help) usage; exit 0 ;;
            --smoke) ;;
            --apps) APPS=$2; shift ;;
            --servers) SERVERS=$2; shift ;;
            -p | --processes) PROCESSES=$2; shift ;;
            --threads) SERVER_THREADS=$2; shift ;;
            -c | --connections) CONNECTIONS=$2; shift ;;
            -d | --duration) DURATION=$2; shift ;;
            -r | --rounds) ROUNDS=$2; shift ;;
            -w | --warmup) WARMUP=$2; shift ;;
            --gen-warmup) GEN_WARMUP=$2; shift ;;
            --base-port) BASE_PORT=$2; shift ;;
            --start-timeout) START_TIMEOUT=$2; shift ;;
            --python) PYTHON=$2; shift ;;
            --no-pin) PIN=0 ;;
            --server-cpus) SERVER_CPUS=$2; shift ;;
            --load-cpus) LOAD_CPUS=$2; shift ;;
            --raw-dir) RAW_DIR=$2; shift ;;
            *) die 2 "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done
    local name
    IFS=, read -r -a APP_LIST <<<"$APPS"
    IFS=, read -r -a SERVER_LIST <<<"$SERVERS"
    ((${#APP_LIST[@]})) || die 2 "--apps is empty"
    ((${#SERVER_LIST[@]})) || die 2 "--servers is empty"
    for name in "${APP_LIST[@]}"; do
        [[ $ALL_APPS == *" $name "* ]] || die 2 "--apps: unknown app '$name' (expected some of:$ALL_APPS)"
    done
    for name in "${SERVER_LIST[@]}"; do
        [[ $ALL_SERVERS == *" $name "* ]] || die 2 "--servers: unknown server '$name' (expected some of:$ALL_SERVERS)"
    done
    [[ ${SERVER_LIST[0]} == yimmo ]] || die 2 "--servers must start with yimmo (the ratios are yimmo's), got '$SERVERS'"
    require_uint --processes "$PROCESSES" 1
    require_uint --threads "$SERVER_THREADS" 1
    require_uint --connections "$CONNECTIONS" 1
    require_uint --duration "$DURATION" 1
    require_uint --rounds "$ROUNDS" 1
    require_uint --warmup "$WARMUP" 0
    require_uint --gen-warmup "$GEN_WARMUP" 0
    require_uint --base-port "$BASE_PORT" 1
    ((BASE_PORT + ${#SERVER_LIST[@]} <= 65535)) || die 2 "--base-port must leave room for one port per server"
    require_uint --start-timeout "$START_TIMEOUT" 1
    [[ -x $PYTHON ]] || die 2 "--python: '$PYTHON' is not an executable"
}

ensure_tools() {
    command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
    local tool
    for tool in java curl taskset setsid; do
        command -v "$tool" >/dev/null || die 3 "$tool is required"
    done
    local server
    for server in "${SERVER_LIST[@]}"; do
        case $server in
            gunicorn | gunicorn-sync) command -v gunicorn >/dev/null ;;
            uwsgi) command -v uwsgi >/dev/null && [[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]] ;;
            waitress) "$PYTHON" -c 'import waitress' 2>/dev/null ;;
            *) true ;;
        esac || die 3 "$server is not installed; run yimmo-bench/scripts/install-peers.sh as root"
    done
    if [[ " ${APP_LIST[*]} " == *" flask "* ]] && ! "$PYTHON" -c 'import flask' 2>/dev/null; then
        die 3 "Flask is not installed for $PYTHON; run yimmo-bench/scripts/install-peers.sh as root"
    fi
    if [[ " ${APP_LIST[*]} " == *" status "* ]] && ! command -v nginx >/dev/null; then
        die 3 "nginx is not installed; run yimmo-bench/scripts/install-peers.sh as root"
    fi
    [[ -n ${BENCH_CLASSPATH:-} || -f $BENCH_JAR ]] || die 3 "$BENCH_JAR is missing; build first: mvn -q -DskipTests package"
    [[ -x $YIMMO_BIN ]] || die 3 "$YIMMO_BIN is missing"
}

# app_path APP / app_load APP: the URL path, and the generator options of the app's load.
app_path() {
    if [[ $1 == status ]]; then echo /status; else echo /; fi
}
app_load() {
    if [[ $1 == echo ]]; then printf '%s\0' --method POST --body-size 1024; fi
}

# run_load APP PORT SECONDS GEN_WARMUP OUTFILE: one generator run, pinned to LOAD_CPUS; prints
# the parsed line (see parse_load).
run_load() {
    local app=$1 port=$2 secs=$3 warm=$4 out=$5
    local -a load=()
    mapfile -d '' load < <(app_load "$app")
    run_generator "$LOAD_CPUS" "$out" -c "$CONNECTIONS" -d "$secs" -w "$warm" --timeout 2 "${load[@]}" \
        "http://127.0.0.1:$port$(app_path "$app")"
}

# start_for_app APP SERVER PORT: starts SERVER on the app and waits until it answers.
start_for_app() {
    local app=$1 server=$2 port=$3 log=$TMP_DIR/$1-$2.out
    if [[ $server == nginx ]]; then
        start_private_nginx "$TMP_DIR/nginx" "$port" "" "        listen 127.0.0.1:$port;"
        return
    fi
    if [[ $app == status ]]; then
        start_server "$server" "$log" "" java -cp "$BENCH_JAR" org.yimmo.bench.StatusServer --port "$port"
    else
        local dir
        local -a cmd=()
        dir=$(wsgi_app_dir "$app")
        mapfile -d '' cmd < <(wsgi_server_cmd "$server" "$port" "$dir" "$(wsgi_app_module "$app")" \
            "$PROCESSES" "$SERVER_THREADS")
        start_server "$server" "$log" "$dir" "${cmd[@]}"
    fi
    wait_ready "$server" "$port" "$log" "$(app_path "$app")"
}

YIMMO_FAILED=0

# measure_app APP: starts the app's servers, warms them up, runs the rounds, stops them, and
# prints the app's table.
measure_app() {
    local app=$1 i round
    local -a servers=("${SERVER_LIST[@]}")
    [[ $app == status ]] && servers=(yimmo nginx)
    local n=${#servers[@]}
    for ((i = 0; i < n; i++)); do
        port_in_use $((BASE_PORT + i)) && die 3 "port $((BASE_PORT + i)) is already in use on 127.0.0.1"
    done
    for ((i = 0; i < n; i++)); do
        start_for_app "$app" "${servers[i]}" $((BASE_PORT + i))
    done
    if ((WARMUP > 0)); then
        for ((i = 0; i < n; i++)); do
            log "$app: ${servers[i]}: warm-up ${WARMUP} s (discarded)"
            run_load "$app" $((BASE_PORT + i)) "$WARMUP" 0 "$TMP_DIR/$app-warmup-${servers[i]}.txt" >/dev/null
        done
    fi
    declare -A results=()
    local died=0
    for ((round = 1; round <= ROUNDS; round++)); do
        local k
        for ((k = 0; k < n; k++)); do
            i=$(((round - 1 + k) % n)) # rotate the order so that drift touches all
            log "$app: round $round/$ROUNDS: ${servers[i]}"
            results[$round,$i]=$(run_load "$app" $((BASE_PORT + i)) "$DURATION" "$GEN_WARMUP" \
                "$TMP_DIR/$app-round$round-${servers[i]}.txt")
            log "  ${results[$round,$i]%% *} req/s"
        done
        for ((i = 0; i < n; i++)); do
            group_alive "${STARTED_PIDS[${servers[i]}]}" || { log "error: ${servers[i]} died"; died=1; }
        done
        ((died == 0)) || break
    done
    for ((i = 0; i < n; i++)); do
        stop_server "${servers[i]}"
    done
    ((died == 0)) || { YIMMO_FAILED=1; echo "**$app: a server died during the run; see the log.**"; echo; return; }

    echo "#### $app: $(app_path "$app")$( [[ $app == echo ]] && echo ' (POST, 1 KiB body)')"
    echo
    echo "| server | median req/s | yimmo / server | median p50 / p99 µs | errors |"
    echo "| --- | ---: | ---: | ---: | --- |"
    local yimmo_rps=""
    for ((i = 0; i < n; i++)); do
        local -a rps=() p50=() p99=()
        local errors="" e
        for ((round = 1; round <= ROUNDS; round++)); do
            local -a f
            read -r -a f <<<"${results[$round,$i]}"
            rps+=("${f[0]}") p50+=("${f[1]}") p99+=("${f[2]}")
            e=$(error_text "${f[@]:3}")
            [[ -z $e ]] || errors="${errors:+$errors; }round $round: $e"
        done
        local m
        m=$(median "${rps[@]}")
        [[ -n $yimmo_rps ]] || yimmo_rps=$m
        if ((i == 0)) && [[ -n $errors ]]; then YIMMO_FAILED=1; fi
        echo "| ${servers[i]} | $(group_digits "$m") | $(ratio "$yimmo_rps" "$m") |" \
            "$(group_digits "$(median "${p50[@]}")") / $(group_digits "$(median "${p99[@]}")") | ${errors:-none} |"
    done
    echo
}

main() {
    parse_args "$@"
    ensure_tools
    TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/compare.XXXXXX")
    trap cleanup EXIT
    trap 'log "interrupted"; exit 130' INT
    trap 'log "terminated"; exit 143' TERM
    check_pinning "$LOAD_CPUS"
    local load_at_start
    read -r load_at_start _ </proc/loadavg
    local pinning="none (--no-pin)"
    ((PIN)) && pinning="servers \`taskset -c $SERVER_CPUS\`, generator \`taskset -c $LOAD_CPUS\`"
    echo "### yimmo against its peers: $PROCESSES process(es) x $SERVER_THREADS thread(s), -c$CONNECTIONS -d${DURATION}s, $ROUNDS round(s)"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), 1-min load average at start $load_at_start"
    echo "- pinning: $pinning; $(java -version 2>&1 | sed -n 1p); $("$PYTHON" --version 2>&1)"
    echo "- command: \`$PROG $ORIGINAL_ARGS\`; server warm-up ${WARMUP} s, generator warm-up ${GEN_WARMUP} s per run"
    echo
    local app
    for app in "${APP_LIST[@]}"; do
        measure_app "$app"
    done
    ((YIMMO_FAILED == 0)) || { echo "**Flagged: yimmo had errors or a server died.**"; exit 1; }
}

ORIGINAL_ARGS="$*"
main "$@"
