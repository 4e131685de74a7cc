#!/usr/bin/env bash
# Whole-server WSGI comparison: yimmo-wsgi against gunicorn and uWSGI, in the same run, with wrk
# (requests/s, latency) and ConnectionCensus (how many connections were answered at all), plus
# the servers' memory. Prints a Markdown report on stdout; progress goes to stderr, so
# `... > result.md` keeps only the report. Run with --help for everything.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
readonly ROOT
# Shared helpers (log, die, server start/stop, wrk parsing, report formatting): see its header.
# shellcheck source=bench-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"

usage() {
    cat <<EOF
Usage: $PROG [options]

Measures yimmo-wsgi against gunicorn and uWSGI serving the same WSGI application, one process
with one worker thread each, keep-alive, and prints a Markdown report with the targets of
issue 4 and whether they were met.

Apps (--apps, in this order):
  hello   yimmo-wsgi/examples/hello.py, hello:app (plain WSGI, 14-byte body)
  flask   yimmo-bench/apps/flask_hello.py, flask_hello:app (the same body through Flask)

Servers, each started in the app's directory, all three up for the whole app:
  yimmo     yimmo-wsgi/bin/yimmo-wsgi --python PYTHON --port P -p N -t 1 MODULE:app
  gunicorn  gunicorn --worker-class gthread --workers N --threads 1 --bind 127.0.0.1:P
                     --chdir DIR MODULE:app
  uwsgi     uwsgi --http11-socket 127.0.0.1:P --plugin python3 --master --die-on-term
                  --need-app --disable-logging --chdir DIR --module MODULE:app
                  --processes N --threads 1
N is --processes (default 1). With N above 1, yimmo runs its process manager and N workers,
gunicorn and uWSGI their master and N workers; the targets printed are then issue 7's.
gunicorn's master (arbiter) and uWSGI's master do not serve requests; each has one worker
process. uWSGI logs every request unless --disable-logging (gunicorn and yimmo log none by
default). All three embed or run Debian's /usr/bin/python3 (--python).

Per app: each server gets one discarded warm-up wrk run, then all are left idle for
--rest-idle seconds and their memory is read ('at rest'). Then the measured rounds: in each,
every server gets one wrk run and then one ConnectionCensus run; the order of the servers
rotates from round to round (yimmo, gunicorn, uwsgi; gunicorn, uwsgi, yimmo; ...) so that
drift on a shared machine touches all. Every wrk run is

    wrk -tTHREADS -cCONNECTIONS -dDURATIONs --timeout TIMEOUTs --latency http://127.0.0.1:P/

and the memory 'under load' is read 90 % into it. Every census run is

    java -cp yimmo-bench/target/benchmarks.jar org.yimmo.bench.ConnectionCensus
         --port P -c CONNECTIONS -d CENSUS_DURATION

which keeps one request in flight on each of CONNECTIONS keep-alive connections and counts
the responses per connection: wrk cannot (its Lua hooks have no connection identity) and it
counts only answered requests, so a server that serves one keep-alive connection at a time
(uWSGI's --http11-socket with one process) looks fine in wrk's figures while the other
connections wait in its accept queue for the whole run.

Options:
  --apps LIST          comma-separated, from: hello, flask, cpu (default: hello,flask); cpu is
                       yimmo-bench/apps/cpu_bound.py, about 2 ms of pure Python per request
  -p, --processes N    worker processes of every server (default: 1)
  --python PATH        interpreter yimmo embeds (default: /usr/bin/python3, the one Debian's
                       gunicorn and uwsgi-plugin-python3 use)
  --base-port PORT     yimmo listens on PORT, gunicorn PORT+1, uwsgi PORT+2 (default: 18300)
  --start-timeout S    seconds to wait for each server to answer GET / (default: 30)
  -c, --connections N  connections, for wrk and the census (default: 64)
  -d, --duration S     seconds per measured wrk run (default: 10)
  -t, --threads N      wrk threads (default: 1)
  -r, --rounds N       measured rounds (default: 3)
  -w, --warmup S       seconds of the discarded warm-up run per server, 0 for none (default: 5)
      --timeout S      wrk --timeout (default: 2, wrk's own default)
      --census S       seconds per census run, 0 to skip the census (default: 5)
      --rest-idle S    idle seconds before the memory 'at rest' is read (default: 6)

CPU pinning (default on; the reference machine has 2 vCPUs):
  --no-pin             run everything unpinned
  --server-cpus LIST   taskset CPU list for all three servers (default: 0)
  --wrk-cpus LIST      taskset CPU list for wrk and the census (default: 1)

Other:
  --raw-dir DIR        keep every wrk and census output and the server logs in DIR
  --parse FILE         parse one saved wrk --latency output, print
                       'rps p50_us p99_us non2xx_3xx connect read write timeout' and exit
  -h, --help           this text

Memory: for each server, the sum over the processes of its process group (the PID this script
started: yimmo is one JVM process; gunicorn and uWSGI a master and a worker) of VmRSS from
/proc/PID/status, and of Pss from /proc/PID/smaps_rollup. RSS counts pages shared between a
forked master and its worker twice; PSS divides them between the sharers.

Report: per app, a row per round and server (wrk requests/s, p50 and p99, wrk errors; census
answered connections, its requests/s and p99; RSS under load), then a summary with the medians
over the rounds, yimmo's ratio to each peer, the fewest connections answered in any round, and
the memory; then the targets and whether they were met:
  hello: yimmo >= 1.5x uWSGI's and >= 4x gunicorn's requests/s (wrk medians)
  flask: yimmo >= 1.2x the better of the two
  both:  yimmo answers every connection in every census round, median wrk p99 < 10 ms
wrk's socket errors are expected for uWSGI (requests on connections it never accepts time out
after --timeout); they are reported, not treated as a failure of the run.

Tools: wrk, gunicorn, uwsgi, uwsgi-plugin-python3 and python3-flask are installed with
apt-get if missing (needs root). yimmo-wsgi and yimmo-bench must be built:
  mvn -q -DskipTests package

Exit status:
  0  all runs clean and every target met
  1  yimmo had wrk errors or unanswered connections, or a server died during the run
  2  bad command line
  3  a server failed to start, a port was taken, a tool is missing, or wrk/census failed
  4  the runs were clean but a target was missed

Servers are stopped on exit, including Ctrl-C and errors: each is started in its own session
(setsid), and exactly that process group - whose id is the PID this script started - is sent
SIGTERM, then SIGKILL after 5 s. Nothing is killed by name.

Example (from the repository root):
  mvn -q -DskipTests package
  bash yimmo-bench/scripts/$PROG > wsgi-result.md
EOF
}

# ---------------------------------------------------------------------------------- settings

APPS=hello,flask
PYTHON=/usr/bin/python3
BASE_PORT=18300
START_TIMEOUT=30
CONNECTIONS=64
PROCESSES=1
DURATION=10
THREADS=1
ROUNDS=3
WARMUP=5
WRK_TIMEOUT=2
CENSUS=5
REST_IDLE=6
PIN=1
SERVER_CPUS=0
WRK_CPUS=1
RAW_DIR=""

readonly SERVERS=(yimmo gunicorn uwsgi)
readonly BENCH_JAR=$ROOT/yimmo-bench/target/benchmarks.jar
readonly YIMMO_BIN=$ROOT/yimmo-wsgi/bin/yimmo-wsgi
# bench-lib.sh reads PIN, SERVER_CPUS, START_TIMEOUT, RAW_DIR, and owns TMP_DIR and STARTED_PIDS.

# ------------------------------------------------------------------------------- arguments

parse_args() {
    while (($#)); do
        case $1 in
            --apps | --python | --base-port | --start-timeout | -c | --connections | -d | --duration | \
                -t | --threads | -r | --rounds | -w | --warmup | --timeout | --census | --rest-idle | \
                --server-cpus | --wrk-cpus | --raw-dir | --parse)
                (($# >= 2)) || die 2 "option '$1' needs a value (see --help)" ;;
        esac
        case $1 in
            -h | --help) usage; exit 0 ;;
            --apps) APPS=$2; shift ;;
            --python) PYTHON=$2; shift ;;
            --base-port) BASE_PORT=$2; shift ;;
            --start-timeout) START_TIMEOUT=$2; shift ;;
            -c | --connections) CONNECTIONS=$2; shift ;;
            -p | --processes) PROCESSES=$2; shift ;;
            -d | --duration) DURATION=$2; shift ;;
            -t | --threads) THREADS=$2; shift ;;
            -r | --rounds) ROUNDS=$2; shift ;;
            -w | --warmup) WARMUP=$2; shift ;;
            --timeout) WRK_TIMEOUT=$2; shift ;;
            --census) CENSUS=$2; shift ;;
            --rest-idle) REST_IDLE=$2; shift ;;
            --no-pin) PIN=0 ;;
            --server-cpus) SERVER_CPUS=$2; shift ;;
            --wrk-cpus) WRK_CPUS=$2; shift ;;
            --raw-dir) RAW_DIR=$2; shift ;;
            --parse) parse_wrk "$2"; exit 0 ;;
            *) die 2 "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done

    local app
    IFS=, read -r -a APP_LIST <<<"$APPS"
    ((${#APP_LIST[@]})) || die 2 "--apps is empty"
    for app in "${APP_LIST[@]}"; do
        [[ $app == hello || $app == flask || $app == cpu ]] || die 2 "unknown app '$app' (hello, flask, cpu)"
    done
    [[ -x $PYTHON ]] || die 2 "--python $PYTHON is not an executable"
    require_uint --base-port "$BASE_PORT" 1
    ((BASE_PORT + 2 <= 65535)) || die 2 "--base-port must leave room for two more ports"
    require_uint --start-timeout "$START_TIMEOUT" 1
    require_uint --connections "$CONNECTIONS" 1
    require_uint --duration "$DURATION" 2
    require_uint --threads "$THREADS" 1
    ((CONNECTIONS >= THREADS)) || die 2 "--connections must be >= --threads (wrk refuses otherwise)"
    require_uint --rounds "$ROUNDS" 1
    require_uint --warmup "$WARMUP" 0
    require_uint --timeout "$WRK_TIMEOUT" 1
    require_uint --census "$CENSUS" 0
    require_uint --rest-idle "$REST_IDLE" 0
}

# Installs the peers and wrk if missing (Debian packages).
ensure_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v gunicorn >/dev/null || missing+=(gunicorn)
    command -v uwsgi >/dev/null || missing+=(uwsgi)
    [[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]] || missing+=(uwsgi-plugin-python3)
    /usr/bin/python3 -c 'import flask' 2>/dev/null || missing+=(python3-flask)
    if ((${#missing[@]})); then
        ((EUID == 0)) || die 3 "missing ${missing[*]}; install as root: apt-get install -y ${missing[*]}"
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y "${missing[@]}" >&2 ||
            { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; } ||
            die 3 "apt-get install ${missing[*]} failed"
    fi
    local tool
    for tool in wrk gunicorn uwsgi java curl taskset setsid; do
        command -v "$tool" >/dev/null || die 3 "$tool is required"
    done
    [[ -f $BENCH_JAR ]] || die 3 "$BENCH_JAR is missing; build first: mvn -q -DskipTests package"
    [[ -x $YIMMO_BIN ]] || die 3 "$YIMMO_BIN is missing"
}

# ------------------------------------------------------------------------------------ memory

# memory PGID: prints 'rss_kib pss_kib nprocs', summed over the live processes of the group.
memory() {
    local pid rss pss total_rss=0 total_pss=0 n=0
    for pid in $(ps -e -o pid=,pgid=,stat= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'); do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
        pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || pss=0
        total_rss=$((total_rss + ${rss:-0})) total_pss=$((total_pss + ${pss:-0})) n=$((n + 1))
    done
    echo "$total_rss $total_pss $n"
}

# ------------------------------------------------------------------------------- load, parse

# run_wrk PORT SECONDS OUTFILE [PGID MEMFILE]: one wrk run; with PGID, the group's memory is
# written to MEMFILE 90 % into the run. wrk exits 0 even when every request failed, so the
# caller judges the output, not the status.
run_wrk() {
    local port=$1 secs=$2 out=$3 pgid=${4:-} memfile=${5:-}
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$WRK_CPUS")
    local sampler=""
    if [[ -n $pgid ]]; then
        (sleep "$(awk -v s="$secs" 'BEGIN { print s * 0.9 }')" && memory "$pgid" >"$memfile") &
        sampler=$!
    fi
    if ! "${pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout "${WRK_TIMEOUT}s" \
        --latency "http://127.0.0.1:$port/" >"$out" 2>&1; then
        cat "$out" >&2
        die 3 "wrk failed"
    fi
    [[ -z $sampler ]] || wait "$sampler" || true
}

# run_census PORT OUTFILE: one ConnectionCensus run; prints its key=value line to OUTFILE.
run_census() {
    local port=$1 out=$2
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$WRK_CPUS")
    if ! "${pin[@]}" java -XX:+UseSerialGC -cp "$BENCH_JAR" org.yimmo.bench.ConnectionCensus \
        --port "$port" -c "$CONNECTIONS" -d "$CENSUS" >"$out" 2>&1; then
        cat "$out" >&2
        die 3 "ConnectionCensus failed"
    fi
}

# field KEY LINE: the value of KEY in a census 'key=value ...' line
field() {
    awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' <<<"$2"
}

# ----------------------------------------------------------------------------------- report

# smallest of the arguments
minimum() {
    printf '%s\n' "$@" | sort -g | head -n 1
}

# mib KIB: KiB -> MiB with one decimal
mib() {
    LC_ALL=C awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# ---------------------------------------------------------------------------------- one app

# Sets by reference: the exit status contributions of this app.
APP_FAILED=0
TARGET_MISSED=0

# measure_app APP: starts the three servers, measures, stops them, prints the app's report.
measure_app() {
    local app=$1 dir module
    dir=$(wsgi_app_dir "$app")
    module=$(wsgi_app_module "$app")
    local -A port=() cmdline=()
    local i s
    for i in 0 1 2; do
        s=${SERVERS[i]}
        port[$s]=$((BASE_PORT + i))
        port_in_use "${port[$s]}" && die 3 "port ${port[$s]} is already in use on 127.0.0.1"
    done

    local load_at_start
    read -r load_at_start _ </proc/loadavg

    for s in "${SERVERS[@]}"; do
        local -a cmd=()
        mapfile -d '' cmd < <(wsgi_server_cmd "$s" "${port[$s]}" "$dir" "$module" "$PROCESSES" 1)
        cmdline[$s]="${cmd[*]}"
        start_server "$s" "$TMP_DIR/$app-$s.log" "$dir" "${cmd[@]}"
        wait_ready "$s" "${port[$s]}" "$TMP_DIR/$app-$s.log" /
    done

    if ((WARMUP > 0)); then
        for s in "${SERVERS[@]}"; do
            log "$app/$s: warm-up ${WARMUP} s (discarded)"
            run_wrk "${port[$s]}" "$WARMUP" "$TMP_DIR/$app-warmup-$s.txt"
        done
    fi
    log "$app: idle ${REST_IDLE} s, then memory at rest"
    sleep "$REST_IDLE"
    local -A rest=()
    for s in "${SERVERS[@]}"; do
        rest[$s]=$(memory "${STARTED_PIDS[$s]}")
    done

    # w[round,s] = wrk 'rps p50 p99 status connect read write timeout'; c[round,s] = census line;
    # m[round,s] = memory under load 'rss pss n'
    local -A w=() c=() m=()
    local round j died=0
    for ((round = 1; round <= ROUNDS; round++)); do
        for j in 0 1 2; do
            s=${SERVERS[(round - 1 + j) % 3]}
            local out=$TMP_DIR/$app-round$round-$s
            log "$app round $round/$ROUNDS: $s, wrk ${DURATION} s"
            run_wrk "${port[$s]}" "$DURATION" "$out.wrk.txt" "${STARTED_PIDS[$s]}" "$out.mem.txt"
            w[$round,$s]=$(parse_wrk "$out.wrk.txt") || die 3 "cannot parse $out.wrk.txt"
            m[$round,$s]=$(cat "$out.mem.txt" 2>/dev/null || echo "0 0 0")
            log "  ${w[$round,$s]%% *} req/s"
            if ((CENSUS > 0)); then
                log "$app round $round/$ROUNDS: $s, census ${CENSUS} s"
                run_census "${port[$s]}" "$out.census.txt"
                c[$round,$s]=$(tail -n 1 "$out.census.txt")
                log "  answered $(field answered "${c[$round,$s]}")/$CONNECTIONS connections"
            fi
        done
        for s in "${SERVERS[@]}"; do
            if ! group_alive "${STARTED_PIDS[$s]}"; then
                log "error: $s died during round $round"
                died=1
            fi
        done
        if ((died)); then break; fi
    done
    local measured=$((round > ROUNDS ? ROUNDS : round))

    # ---- report
    local wrk_version
    wrk_version=$(wrk -v 2>&1 || true)
    wrk_version=${wrk_version%%$'\n'*}
    local pinning="none (--no-pin)"
    ((PIN)) && pinning="servers \`taskset -c $SERVER_CPUS\`, wrk and census \`taskset -c $WRK_CPUS\`"
    local warm="no warm-up"
    ((WARMUP)) && warm="warm-up ${WARMUP} s per server (discarded)"

    echo "### $app ($module): yimmo against gunicorn and uWSGI, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), 1-min load average at start $load_at_start"
    echo "- pinning: $pinning"
    echo "- Python: $("$PYTHON" -V 2>&1) ($PYTHON); gunicorn $(gunicorn --version 2>&1 | awk '{ print $NF }' | tr -d '()'); uWSGI $(uwsgi --version 2>&1)"
    for s in "${SERVERS[@]}"; do
        echo "- $s: \`${cmdline[$s]/#$ROOT\//}\` (in ${dir#"$ROOT"/})"
    done
    echo "- ${wrk_version% Copyright*}; $warm; $ROUNDS round(s), server order rotating;" \
        "census: ConnectionCensus -c$CONNECTIONS -d${CENSUS}s after each wrk run"
    echo
    echo "| round | server | req/s | p50 / p99 µs | wrk errors | answered | census req/s | census p99 µs | RSS under load MiB |"
    echo "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
    local -A rps=() p99=() ans=() crps=() cp99=() lrss=() lpss=() wrk_err=()
    for ((round = 1; round <= measured; round++)); do
        for j in 0 1 2; do
            s=${SERVERS[(round - 1 + j) % 3]}
            local -a f=()
            read -r -a f <<<"${w[$round,$s]:-}"
            ((${#f[@]})) || continue
            rps[$s]+=" ${f[0]}" p99[$s]+=" ${f[2]}"
            local e
            e=$(error_text "${f[@]:3}")
            [[ -n $e ]] && wrk_err[$s]=1
            local -a mem=()
            read -r -a mem <<<"${m[$round,$s]}"
            lrss[$s]+=" ${mem[0]}" lpss[$s]+=" ${mem[1]}"
            local a="–" cr="–" cp="–"
            if [[ -n ${c[$round,$s]:-} ]]; then
                a=$(field answered "${c[$round,$s]}")
                cr=$(field rps "${c[$round,$s]}")
                cp=$(field p99_us "${c[$round,$s]}")
                ans[$s]+=" $a" crps[$s]+=" $cr" cp99[$s]+=" $cp"
                if ((a < CONNECTIONS)); then
                    a="**$a/$CONNECTIONS** (oldest wait $(field oldest_wait_ms "${c[$round,$s]}") ms)"
                else
                    a="$a/$CONNECTIONS"
                fi
                cr=$(group_digits "$cr") cp=$(group_digits "$cp")
            fi
            echo "| $round | $s | $(group_digits "${f[0]}") | ${f[1]} / ${f[2]} | ${e:-none} | $a | $cr | $cp | $(mib "${mem[0]}") |"
        done
    done
    echo

    echo "Medians over the rounds (requests/s and p99 from wrk; memory summed over the server's processes):"
    echo
    echo "| server | req/s | yimmo / server | p99 µs | fewest answered | census req/s | RSS at rest MiB | RSS under load MiB | PSS at rest / under load MiB | processes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    local -A med=() medp99=() fewest=()
    for s in "${SERVERS[@]}"; do
        [[ -n ${rps[$s]:-} ]] || continue
        # shellcheck disable=SC2086 # space-separated lists on purpose
        {
            med[$s]=$(median ${rps[$s]})
            medp99[$s]=$(median ${p99[$s]})
            local lr lp cm="–"
            lr=$(median ${lrss[$s]})
            lp=$(median ${lpss[$s]})
            fewest[$s]=-1
            if [[ -n ${ans[$s]:-} ]]; then
                fewest[$s]=$(minimum ${ans[$s]})
                cm=$(group_digits "$(median ${crps[$s]})")
            fi
        }
        local -a r=()
        read -r -a r <<<"${rest[$s]}"
        local fw="–"
        ((fewest[$s] >= 0)) && fw="${fewest[$s]}/$CONNECTIONS"
        echo "| $s | $(group_digits "${med[$s]}") | $(ratio "${med[yimmo]:-0}" "${med[$s]}") |" \
            "$(group_digits "${medp99[$s]}") | $fw | $cm | $(mib "${r[0]}") | $(mib "$lr") |" \
            "$(mib "${r[1]}") / $(mib "$lp") | ${r[2]} |"
    done
    echo

    # ---- targets
    if [[ -z ${med[yimmo]:-} || -z ${med[gunicorn]:-} || -z ${med[uwsgi]:-} ]]; then
        echo "**Targets not evaluated: a server has no measured round.**"
        APP_FAILED=1
        return
    fi
    echo "Targets:"
    echo
    # target LABEL RATIO MIN
    target() {
        if LC_ALL=C awk -v r="$2" -v m="$3" 'BEGIN { exit !(r >= m) }'; then
            echo "- $1: ${2}x, target ${3}x: **met**"
        else
            echo "- $1: ${2}x, target ${3}x: **missed** (by $(LC_ALL=C awk -v r="$2" -v m="$3" 'BEGIN { printf "%.0f", (1 - r / m) * 100 }') %)"
            TARGET_MISSED=1
        fi
    }
    if [[ $app == cpu ]]; then
        echo "- cpu: no target against the peers; issue 7 compares yimmo -p 2 with -p 1 (two runs)"
    elif [[ $app == hello ]] && ((PROCESSES > 1)); then
        target "yimmo / uWSGI requests/s" "$(ratio "${med[yimmo]}" "${med[uwsgi]}")" 1.5
        local yr gr
        read -r -a yr <<<"${rest[yimmo]}"
        read -r -a gr <<<"${rest[gunicorn]}"
        # smaller is better: gunicorn's RSS over yimmo's, against 1 / 1.5
        target "gunicorn / yimmo RSS at rest, all processes" "$(ratio "${gr[0]}" "${yr[0]}")" 0.67
    elif [[ $app == hello ]]; then
        target "yimmo / uWSGI requests/s" "$(ratio "${med[yimmo]}" "${med[uwsgi]}")" 1.5
        target "yimmo / gunicorn requests/s" "$(ratio "${med[yimmo]}" "${med[gunicorn]}")" 4
    else
        local best=gunicorn
        LC_ALL=C awk -v u="${med[uwsgi]}" -v g="${med[gunicorn]}" 'BEGIN { exit !(u > g) }' && best=uwsgi
        target "yimmo / the better peer ($best) requests/s" "$(ratio "${med[yimmo]}" "${med[$best]}")" 1.2
    fi
    if LC_ALL=C awk -v p="${medp99[yimmo]}" 'BEGIN { exit !(p < 10000) }'; then
        echo "- yimmo median p99 $(group_digits "${medp99[yimmo]}") µs, target < 10,000 µs: **met**"
    else
        echo "- yimmo median p99 $(group_digits "${medp99[yimmo]}") µs, target < 10,000 µs: **missed**"
        TARGET_MISSED=1
    fi
    if ((fewest[yimmo] < 0)); then
        echo "- connections answered: not measured (--census 0)"
    elif ((fewest[yimmo] == CONNECTIONS)); then
        echo "- yimmo answered every connection ($CONNECTIONS/$CONNECTIONS) in every round: **met**"
    else
        echo "- yimmo answered as few as ${fewest[yimmo]}/$CONNECTIONS connections in a round: **missed**"
        APP_FAILED=1
    fi
    if [[ -n ${wrk_err[yimmo]:-} ]]; then
        echo
        echo "**Flagged: wrk reported errors for yimmo; its figures are not valid.**"
        APP_FAILED=1
    fi
    if ((died)); then
        echo
        echo "**Flagged: a server died during the run (see the log).**"
        APP_FAILED=1
    fi
    echo

    for s in "${SERVERS[@]}"; do
        [[ -n ${STARTED_PIDS[$s]:-} ]] && stop_server "$s"
    done
}

# -------------------------------------------------------------------------------------- main

main() {
    parse_args "$@"
    ensure_tools

    TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wsgi-vs-peers.XXXXXX")
    trap cleanup EXIT
    trap 'log "interrupted"; exit 130' INT
    trap 'log "terminated"; exit 143' TERM

    check_pinning "$WRK_CPUS"

    local app
    for app in "${APP_LIST[@]}"; do
        measure_app "$app"
    done

    ((APP_FAILED == 0)) || exit 1
    ((TARGET_MISSED == 0)) || exit 4
}

main "$@"
