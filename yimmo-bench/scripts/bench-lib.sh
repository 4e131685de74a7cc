# shellcheck shell=bash
# bench-lib.sh: functions shared by the whole-server benchmark scripts (http-vs-nginx.sh,
# wsgi-vs-peers.sh). Not a program: source it, at the top level of the script (not inside a
# function), relative to the script's own location:
#
#     source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"
#
# The caller runs under 'set -euo pipefail'; the functions rely on it (die exits, a failing
# parse_wrk stops the caller).
#
# Provides:
#   messages     log MESSAGE... (timestamped, on stderr); die CODE MESSAGE... (logs 'error: ...'
#                and exits CODE; the caller's EXIT trap, normally cleanup, does the cleaning up)
#   arguments    require_uint NAME VALUE MIN (exit 2 unless VALUE is an integer >= MIN)
#   servers      port_in_use PORT; pin_prefix CPUS; check_pinning WRK_CPUS;
#                start_server LABEL LOGFILE DIR CMD...;
#                wait_ready LABEL PORT LOGFILE URLPATH; group_alive PGID; pid_alive PID;
#                stop_server LABEL; cleanup (the EXIT trap: stops every server still in
#                STARTED_PIDS, keeps TMP_DIR in RAW_DIR if set, removes TMP_DIR)
#   nginx        start_private_nginx DIR PORT HTTP_LINES SERVER_LINES (a private instance as
#                label 'nginx', answering 'location = /status' with 200 "OK")
#   WSGI         wsgi_app_dir APP; wsgi_app_module APP (the benchmark apps: hello, flask, cpu,
#                payload, echo); wsgi_server_cmd SERVER PORT DIR MODULE PROCESSES THREADS (the
#                command line of yimmo, gunicorn (gthread), gunicorn-sync, uwsgi or waitress)
#   wrk output   parse_wrk FILE -> 'rps p50_us p99_us non2xx_3xx connect read write timeout'
#   generator    parse_load FILE -> 'rps p50_us p99_us status connect read write timeout parse'
#                (the report of org.yimmo.bench.load.LoadGenerator; write is always 0);
#                run_generator CPUS OUTFILE ARGS... (one pinned run, parsed)
#   report       median N...; group_digits N; ratio A B;
#                error_text STATUS CONNECT READ WRITE TIMEOUT [PARSE];
#                end_report FLAGGED ROUNDS DIED (the closing flags; exits 1 if any)
#
# Globals the caller must set (before calling the functions that read them):
#   PIN            1 to pin with taskset, 0 for --no-pin            (pin_prefix, start_server)
#   SERVER_CPUS    taskset CPU list for the servers                  (start_server)
#   START_TIMEOUT  seconds wait_ready waits for an answer            (wait_ready)
#   TMP_DIR        the run's temporary directory, '' until created   (cleanup)
#   RAW_DIR        directory to copy TMP_DIR into on exit, '' for none (cleanup)
#   ROOT           the repository root                               (wsgi_app_dir)
#   BENCH_JAR      yimmo-bench/target/benchmarks.jar                 (run_generator)
#   YIMMO_BIN      yimmo-wsgi's launcher; PYTHON the interpreter yimmo embeds and waitress runs
#                                                                    (wsgi_server_cmd)
# Globals this library defines and owns:
#   STARTED_PIDS   associative array LABEL -> PID of each server started by start_server and not
#                  yet stopped; each PID is also the id of the server's process group.
#   TMP_DIR        initialised to '' here; the caller assigns it (mktemp -d) before
#                  installing 'trap cleanup EXIT'.
#
# Processes are stopped by the process group this script started (setsid), never by name.

# shellcheck disable=SC2154 # PIN, SERVER_CPUS, START_TIMEOUT, RAW_DIR, ROOT, BENCH_JAR, YIMMO_BIN, PYTHON: the caller's

# PIDs of the servers this script started (each is also its process group id), by label.
declare -gA STARTED_PIDS=()
TMP_DIR=""

# ------------------------------------------------------------------------------------ helpers

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# die CODE MESSAGE...: the EXIT trap does the cleaning up.
die() {
    local code=$1
    shift
    log "error: $*"
    exit "$code"
}

require_uint() { # NAME VALUE MIN
    # shellcheck disable=SC2015 # die exits, so it runs only when the test failed
    [[ $2 =~ ^[0-9]+$ ]] && (($2 >= $3)) || die 2 "$1 must be an integer >= $3, got '$2'"
}

# True if something already accepts connections on 127.0.0.1:PORT. Checked before starting,
# because otherwise the readiness probe would happily talk to a stranger.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# check_pinning WRK_CPUS: with PIN, fails early if SERVER_CPUS or WRK_CPUS does not exist here.
check_pinning() {
    if ((PIN)); then
        # taskset fails on a CPU that does not exist; say so before starting anything.
        # shellcheck disable=SC2015 # die exits, so it runs only when a taskset failed
        taskset -c "$SERVER_CPUS" true 2>/dev/null && taskset -c "$1" true 2>/dev/null ||
            die 3 "cannot pin to CPUs '$SERVER_CPUS' / '$1' on this machine ($(nproc) CPUs); use --no-pin or --server-cpus/--wrk-cpus"
    fi
}

# ------------------------------------------------------------------------ starting, stopping

# Command prefix that pins a process to CPU list $1 (nothing with --no-pin).
pin_prefix() {
    if ((PIN)); then printf '%s\0' taskset -c "$1"; fi
}

# start_server LABEL LOGFILE DIR CMD...: starts CMD in the background, pinned to SERVER_CPUS,
# in a new session (so it has its own process group for a clean stop and for summing its
# memory, and Ctrl-C in the terminal reaches only this script and the load generator; the trap
# then stops the servers in order). DIR is the directory to start it in; '' leaves the
# working directory as it is.
start_server() {
    local label=$1 logfile=$2 dir=$3
    shift 3
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$SERVER_CPUS")
    if [[ -n $dir ]]; then
        (cd "$dir" && exec setsid "${pin[@]}" "$@") </dev/null >"$logfile" 2>&1 &
    else
        setsid "${pin[@]}" "$@" </dev/null >"$logfile" 2>&1 &
    fi
    local pid=$!
    STARTED_PIDS[$label]=$pid
    # setsid forks (and $! is then a short-lived parent) only if it is already a process group
    # leader, which a background job of a non-interactive script is not. Make sure, since the
    # stop relies on the group id being this PID.
    sleep 0.1
    local pgid
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || true
    if [[ -n $pgid && $pgid != "$pid" ]]; then
        die 3 "$label: PID $pid is not its own process group leader (pgid $pgid)"
    fi
    log "$label: started, PID $pid"
}

# True while a process of group PGID is alive (zombies - exited, not yet reaped - do not count).
group_alive() {
    ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# True while the process PID is alive and not a zombie.
pid_alive() {
    local stat
    stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $stat != Z* ]]
}

stop_server() {
    local label=$1 pid=${STARTED_PIDS[$1]}
    if group_alive "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            group_alive "$pid" || break
            sleep 0.1
        done
        if group_alive "$pid"; then
            log "$label: still running 5 s after SIGTERM, sending SIGKILL to group $pid"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true # reap it; its exit status does not matter any more
    log "$label: stopped (PID $pid)"
    unset "STARTED_PIDS[$label]"
}

# The EXIT trap: stops the servers still running, keeps the raw output if asked, exits with the
# status the script was exiting with.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local label
    for label in "${!STARTED_PIDS[@]}"; do
        stop_server "$label"
    done
    if [[ -n $TMP_DIR && -d $TMP_DIR ]]; then
        if [[ -n $RAW_DIR ]]; then
            mkdir -p "$RAW_DIR" && cp -r "$TMP_DIR"/. "$RAW_DIR"/ && log "raw output kept in $RAW_DIR"
        fi
        rm -rf "$TMP_DIR"
    fi
    exit "$rc"
}

# wait_ready LABEL PORT LOGFILE URLPATH: polls GET URLPATH (e.g. /status or /) until it answers
# 2xx; fails fast if the process exits, and after START_TIMEOUT seconds otherwise.
wait_ready() {
    local label=$1 port=$2 logfile=$3 urlpath=$4 pid=${STARTED_PIDS[$1]}
    local url="http://127.0.0.1:$port$urlpath"
    local deadline=$((SECONDS + START_TIMEOUT))
    # --max-time 5: a probe that hangs must not eat the whole start timeout, but a slow first
    # answer (a JVM still compiling) should still count.
    until curl -fsS --max-time 5 -o /dev/null "$url" 2>/dev/null; do
        if ! pid_alive "$pid"; then
            local rc=0
            wait "$pid" 2>/dev/null || rc=$?
            unset "STARTED_PIDS[$label]"
            log "$label: exited with status $rc before answering; last lines of its log:"
            tail -n 20 "$logfile" >&2 || true
            die 3 "$label failed to start"
        fi
        if ((SECONDS >= deadline)); then
            log "$label: last lines of its log:"
            tail -n 20 "$logfile" >&2 || true
            die 3 "$label did not answer $url within ${START_TIMEOUT} s"
        fi
        sleep 0.2
    done
    log "$label: answers on $url"
}

# ------------------------------------------------------------------------------------- parse

# parse_wrk FILE: prints 'rps p50_us p99_us status_errors connect read write timeout'.
# Latencies come from wrk's format_time_us: microseconds below 850 us, then ms, then s, then m
# (at 51 s and above; 'h' is never printed but is accepted).
parse_wrk() {
    awk '
        function us(v,    n, u) {
            n = v + 0
            u = v; sub(/^[0-9.]+/, "", u)
            if (u == "us") return n
            if (u == "ms") return n * 1000
            if (u == "s")  return n * 1000000
            if (u == "m")  return n * 60000000
            if (u == "h")  return n * 3600000000
            bad = bad " unit(" v ")"
            return -1
        }
        /^  Latency Distribution/ { dist = 1; next }
        dist && $1 == "50%" { p50 = us($2) }
        dist && $1 == "99%" { p99 = us($2) }
        /^Requests\/sec:/ { rps = $2; seen = 1 }
        /Non-2xx or 3xx responses:/ { status = $NF }
        /Socket errors:/ {
            # Socket errors: connect 0, read 0, write 0, timeout 0
            for (i = 1; i <= NF; i++) { f = $(i + 1); sub(/,$/, "", f); err[$i] = f }
        }
        END {
            if (!seen || p50 == "" || p99 == "" || bad != "") {
                print "unparseable wrk output:" (seen ? "" : " no Requests/sec") \
                    (p50 == "" || p99 == "" ? " no latency distribution" : "") bad > "/dev/stderr"
                exit 1
            }
            printf "%s %.0f %.0f %d %d %d %d %d\n", rps, p50, p99, status + 0,
                err["connect"] + 0, err["read"] + 0, err["write"] + 0, err["timeout"] + 0
        }' "$1"
}

# parse_load FILE: the report of org.yimmo.bench.load.LoadGenerator (latencies in ms there) as
# 'rps p50_us p99_us status connect read write timeout parse', the fields of parse_wrk plus the
# generator's parse errors; write is always 0 (a failed write shows up as a read/reset error).
parse_load() {
    awk '
        /^Requests\/sec:/ { rps = $2; seen = 1 }
        /^Latency:/ { for (i = 2; i < NF; i++) { if ($i == "p50") p50 = $(i + 1) * 1000; if ($i == "p99") p99 = $(i + 1) * 1000 } }
        /^Errors:/ {
            # Errors:        0 (connect 0, read/reset 0, timeout 0, status 0, parse 0)
            line = $0; sub(/^[^(]*\(/, "", line); gsub(/[),]/, "", line)
            n = split(line, f, " ")
            for (i = 1; i < n; i += 2) err[f[i]] = f[i + 1]
            errors = 1
        }
        END {
            if (!seen || p50 == "" || p99 == "" || !errors) {
                print "unparseable generator output:" (seen ? "" : " no Requests/sec") \
                    (p50 == "" || p99 == "" ? " no latency" : "") (errors ? "" : " no errors line") > "/dev/stderr"
                exit 1
            }
            printf "%s %.0f %.0f %d %d %d 0 %d %d\n", rps, p50, p99, err["status"] + 0, err["connect"] + 0,
                err["read/reset"] + 0, err["timeout"] + 0, err["parse"] + 0
        }' "$1"
}

# run_generator CPUS OUTFILE ARGS...: one run of org.yimmo.bench.load.LoadGenerator ARGS from
# BENCH_JAR, pinned to CPUS; its report goes to OUTFILE, its progress to OUTFILE.progress; prints
# parse_load's line. A failed run or an unparseable report ends the script (status 3).
run_generator() {
    local cpus=$1 out=$2
    shift 2
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$cpus")
    "${pin[@]}" java -cp "$BENCH_JAR" org.yimmo.bench.load.LoadGenerator "$@" >"$out" 2>"$out.progress" ||
        { cat "$out" "$out.progress" >&2; die 3 "the generator failed"; }
    parse_load "$out" || die 3 "cannot parse $out"
}

# ----------------------------------------------------------------------------------- report

# median of the arguments (mean of the middle two for an even count)
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# 123456.78 -> 123,457 (Markdown readers compare magnitudes at a glance)
group_digits() {
    LC_ALL=C awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""
        while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
        print s o }'
}

# ratio A B: A/B with two decimals (four below 0.1, where two would round to nothing)
ratio() {
    LC_ALL=C awk -v a="$1" -v b="$2" 'BEGIN {
        if (b <= 0) print "n/a"; else if (a / b >= 0.1) printf "%.2f", a / b; else printf "%.4f", a / b }'
}

# error_text STATUS CONNECT READ WRITE TIMEOUT [PARSE]: '' when clean, else a short description
error_text() {
    local t=""
    (($1)) && t="non-2xx/3xx $1"
    if (($2 + $3 + $4 + $5)); then
        t="${t:+$t; }socket connect $2, read $3, write $4, timeout $5"
    fi
    if ((${6:-0})); then
        t="${t:+$t; }parse $6"
    fi
    printf '%s' "$t"
}

# end_report FLAGGED ROUNDS DIED: the report's closing lines for runs with errors (FLAGGED of
# ROUNDS) and a dead server (DIED 1); then exits 1 if either, else returns.
end_report() {
    if (($1)); then
        echo
        echo "**Flagged: wrk reported errors in $1 of $2 rounds; those figures are not valid.**"
    fi
    if (($3)); then
        echo
        echo "**Flagged: a server died during the run (see the log above).**"
    fi
    (($1 == 0 && $3 == 0)) || exit 1
}

# -------------------------------------------------------------------------------------- nginx

# start_private_nginx DIR PORT HTTP_LINES SERVER_LINES: writes DIR/nginx.conf and starts Debian's
# nginx on it as label 'nginx' (never the system service), waiting until GET /status answers on
# 127.0.0.1:PORT. One worker, 'user root;' (its worker can run in a container where we are root),
# access log off, keepalive_requests 1000000 (the default 1000 would make wrk reconnect). The
# server block answers 'location = /status' with 200 "OK"; SERVER_LINES add its 'listen' lines
# (at least the plain one on PORT), HTTP_LINES more http-level directives (certificates).
start_private_nginx() {
    local dir=$1 port=$2 http_lines=$3 server_lines=$4
    mkdir -p "$dir/logs" "$dir/tmp"
    # The *_temp_path lines keep nginx away from /var/lib/nginx (Debian compiles absolute
    # paths in). log_not_found off keeps a mistyped URL from writing one error line per request.
    cat >"$dir/nginx.conf" <<EOF
# Generated by ${PROG:-bench-lib.sh}; private instance, not the system service.
worker_processes 1;
user root;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;

# Room for wrk's 1,000-connection runs with margin (nginx counts its listening socket too).
worker_rlimit_nofile 8192;
events {
    worker_connections 4096;
}

http {
    access_log off;
    log_not_found off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$http_lines
    server {
$server_lines
        location = /status {
            return 200 "OK";
        }
    }
}
EOF
    # -e: nginx opens its compiled-in error log (/var/log/nginx/error.log) before reading the
    # configuration; -e points that early log into the temporary directory as well.
    start_server nginx "$TMP_DIR/nginx.out" "" \
        nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/logs/error.log" -g 'daemon off;'
    wait_ready nginx "$port" "$dir/logs/error.log" /status
}

# --------------------------------------------------------------------------------------- WSGI

# wsgi_app_dir APP / wsgi_app_module APP: where a benchmark app lives and its MODULE:CALLABLE.
#   hello    yimmo-wsgi/examples/hello.py (14-byte body)
#   flask    yimmo-bench/apps/flask_hello.py (the same body through Flask)
#   cpu      yimmo-bench/apps/cpu_bound.py (about 2 ms of pure Python per request)
#   payload  yimmo-bench/apps/payload.py (a 10 KiB body)
#   echo     yimmo-bench/apps/echo.py (answers a POST with its body)
wsgi_app_dir() {
    case $1 in
        hello) echo "$ROOT/yimmo-wsgi/examples" ;;
        flask | cpu | payload | echo) echo "$ROOT/yimmo-bench/apps" ;;
    esac
}
wsgi_app_module() {
    case $1 in
        hello) echo hello:app ;;
        flask) echo flask_hello:app ;;
        cpu) echo cpu_bound:app ;;
        payload) echo payload:app ;;
        echo) echo echo:app ;;
    esac
}

# wsgi_server_cmd SERVER PORT DIR MODULE PROCESSES THREADS: prints the command that serves
# MODULE on 127.0.0.1:PORT with PROCESSES worker processes of THREADS threads each, one word per
# line (NUL-separated). gunicorn-sync has no threads (one request at a time per worker, and no
# keep-alive); waitress is always one process (PROCESSES is ignored). Start it in DIR.
wsgi_server_cmd() {
    local server=$1 port=$2 dir=$3 module=$4 processes=$5 threads=$6
    case $server in
        yimmo) printf '%s\0' "$YIMMO_BIN" --python "$PYTHON" --port "$port" -p "$processes" -t "$threads" "$module" ;;
        gunicorn) printf '%s\0' gunicorn --worker-class gthread --workers "$processes" --threads "$threads" \
            --bind "127.0.0.1:$port" --chdir "$dir" "$module" ;;
        gunicorn-sync) printf '%s\0' gunicorn --worker-class sync --workers "$processes" \
            --bind "127.0.0.1:$port" --chdir "$dir" "$module" ;;
        uwsgi) printf '%s\0' uwsgi --http11-socket "127.0.0.1:$port" --plugin python3 --master \
            --die-on-term --need-app --disable-logging --chdir "$dir" --module "$module" \
            --processes "$processes" --threads "$threads" ;;
        waitress) printf '%s\0' "$PYTHON" -m waitress --listen="127.0.0.1:$port" --threads="$threads" "$module" ;;
    esac
}
