#!/usr/bin/env bash
# TLS load comparison: the status server over TLS against itself over plain HTTP (keep-alive),
# and new TLS handshakes per second against nginx with the same certificate, in one run.
# Prints a Markdown report on stdout; progress goes to stderr. Run with --help for everything.
set -euo pipefail

readonly PROG=${0##*/}
# shellcheck source=bench-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"

usage() {
    cat <<EOF
Usage: $PROG [options]

Starts the status server (plain HTTP on --port, HTTPS on --tls-port) and a private nginx (plain
on --nginx-port, HTTPS on --nginx-tls-port) with the same certificate, made for the run with
openssl. Then, in alternating rounds:

  keep-alive   wrk -tTHREADS -cCONNECTIONS -dDURATIONs --latency URL/PATH
               for yimmo http, yimmo https, nginx http, nginx https: the TLS/plain ratio of
               each server (target for yimmo: >= 0.8) and yimmo/nginx over TLS
  handshakes   openssl s_time -new (a full handshake per connection, one request each,
               single-threaded client) for yimmo https and nginx https; and the same through
               wrk -H 'Connection: close' (wrk's client may resume sessions)

Options:
  --server-cmd CMD     the status server; '{port}', '{tls_port}', '{cert}', '{key}' are
                       replaced (default: java -cp yimmo-bench/target/benchmarks.jar
                       org.yimmo.bench.StatusServer --port {port} --tls-port {tls_port}
                       --tls-cert {cert} --tls-key {key} -l WARNING)
  --path PATH          what yimmo is asked for (default: /status; / for a WSGI app, as in
                       the example below); nginx always answers /status
  --port, --tls-port, --nginx-port, --nginx-tls-port PORT   (default: 8080, 8443, 8081, 8444)
  --key-type rsa|ec    certificate key: RSA 2048 or EC P-256 (default: ec)
  -c, --connections N  wrk connections (default: 64)
  -d, --duration S     seconds per measured run (default: 10)
  -t, --threads N      wrk threads (default: 1)
  -r, --rounds N       measured rounds (default: 3)
  -w, --warmup S       discarded warm-up per server and scheme, 0 for none (default: 5)
  --no-pin, --server-cpus LIST, --wrk-cpus LIST   as http-vs-nginx.sh (default: servers on
                       CPU 0, clients on CPU 1)
  --start-timeout S    (default: 30)
  --raw-dir DIR        keep every output in DIR
  -h, --help           this text

The WSGI hello world over TLS and plain HTTP, one process serving both (hello:app from
yimmo-wsgi/examples):

  $PROG --path / --server-cmd 'yimmo-wsgi/bin/yimmo-wsgi --python /usr/bin/python3
      --pythonpath yimmo-wsgi/examples --port {tls_port} --plain-port {port}
      --tls-cert {cert} --tls-key {key} -l WARNING hello:app'   (all on one line)

Exit status: 0 clean; 1 wrk reported errors or a server died; 2 bad command line; 3 a server or
a tool failed. Servers are stopped by their process group, never by name.
EOF
}

SERVER_CMD='java -cp yimmo-bench/target/benchmarks.jar org.yimmo.bench.StatusServer --port {port} --tls-port {tls_port} --tls-cert {cert} --tls-key {key} -l WARNING'
SERVER_PORT=8080
TLS_PORT=8443
URL_PATH=/status
NGINX_PORT=8081
NGINX_TLS_PORT=8444
KEY_TYPE=ec
CONNECTIONS=64
DURATION=10
THREADS=1
ROUNDS=3
WARMUP=5
PIN=1
SERVER_CPUS=0
WRK_CPUS=1
START_TIMEOUT=30
RAW_DIR=""

parse_args() {
    while (($#)); do
        case $1 in
            --server-cmd | --path | --port | --tls-port | --nginx-port | --nginx-tls-port | --key-type | -c | \
                --connections | -d | --duration | -t | --threads | -r | --rounds | -w | --warmup | \
                --server-cpus | --wrk-cpus | --start-timeout | --raw-dir)
                (($# >= 2)) || die 2 "option '$1' needs a value (see --help)" ;;
        esac
        case $1 in
            -h | --help) usage; exit 0 ;;
            --server-cmd) SERVER_CMD=$2; shift ;;
            --path) URL_PATH=$2; shift ;;
            --port) SERVER_PORT=$2; shift ;;
            --tls-port) TLS_PORT=$2; shift ;;
            --nginx-port) NGINX_PORT=$2; shift ;;
            --nginx-tls-port) NGINX_TLS_PORT=$2; shift ;;
            --key-type) KEY_TYPE=$2; shift ;;
            -c | --connections) CONNECTIONS=$2; shift ;;
            -d | --duration) DURATION=$2; shift ;;
            -t | --threads) THREADS=$2; shift ;;
            -r | --rounds) ROUNDS=$2; shift ;;
            -w | --warmup) WARMUP=$2; shift ;;
            --no-pin) PIN=0 ;;
            --server-cpus) SERVER_CPUS=$2; shift ;;
            --wrk-cpus) WRK_CPUS=$2; shift ;;
            --start-timeout) START_TIMEOUT=$2; shift ;;
            --raw-dir) RAW_DIR=$2; shift ;;
            *) die 2 "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done
    local p
    for p in "$SERVER_PORT" "$TLS_PORT" "$NGINX_PORT" "$NGINX_TLS_PORT"; do require_uint port "$p" 1; done
    [[ $KEY_TYPE == rsa || $KEY_TYPE == ec ]] || die 2 "--key-type must be rsa or ec"
    require_uint --connections "$CONNECTIONS" 1
    require_uint --duration "$DURATION" 1
    require_uint --threads "$THREADS" 1
    require_uint --rounds "$ROUNDS" 1
    require_uint --warmup "$WARMUP" 0
    require_uint --start-timeout "$START_TIMEOUT" 1
}

# run_wrk URL SECONDS OUTFILE [EXTRA...]
run_wrk() {
    local url=$1 secs=$2 out=$3
    shift 3
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$WRK_CPUS")
    if ! "${pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "$@" "$url" >"$out" 2>&1; then
        cat "$out" >&2
        die 3 "wrk failed"
    fi
}

# run_s_time PORT PATH SECONDS OUTFILE: prints new connections per second (full handshakes).
run_s_time() {
    local port=$1 path=$2 secs=$3 out=$4
    local -a pin=()
    mapfile -d '' pin < <(pin_prefix "$WRK_CPUS")
    "${pin[@]}" openssl s_time -connect "127.0.0.1:$port" -new -time "$secs" -www "$path" \
        -CAfile "$CERT" >"$out" 2>&1 || { cat "$out" >&2; die 3 "openssl s_time failed"; }
    # "1234 connections in 10.00s; 123.40 connections/user sec, bytes read 0"
    # "1234 connections in 11 real seconds, 0 bytes read per connection"
    awk '/connections in [0-9]+ real seconds/ { printf "%.1f\n", $1 / $4; found = 1 }
         END { if (!found) exit 1 }' "$out" || die 3 "cannot parse $out"
}

main() {
    parse_args "$@"
    local tool
    for tool in wrk nginx curl openssl taskset setsid; do
        command -v "$tool" >/dev/null || [[ $tool == nginx && -x /usr/sbin/nginx ]] || die 3 "$tool is required"
    done
    command -v nginx >/dev/null || PATH=$PATH:/usr/sbin

    TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tls-vs-plain.XXXXXX")
    trap cleanup EXIT
    trap 'log "interrupted"; exit 130' INT
    trap 'log "terminated"; exit 143' TERM
    check_pinning "$WRK_CPUS"
    local load_at_start
    read -r load_at_start _ </proc/loadavg
    local p
    for p in "$SERVER_PORT" "$TLS_PORT" "$NGINX_PORT" "$NGINX_TLS_PORT"; do
        port_in_use "$p" && die 3 "port $p is already in use on 127.0.0.1"
    done

    CERT=$TMP_DIR/cert.pem
    KEY=$TMP_DIR/key.pem
    local -a newkey=(-newkey rsa:2048)
    [[ $KEY_TYPE == ec ]] && newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    openssl req -x509 "${newkey[@]}" -nodes -keyout "$KEY" -out "$CERT" -days 2 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>"$TMP_DIR/openssl.out" ||
        { cat "$TMP_DIR/openssl.out" >&2; die 3 "openssl req failed"; }

    start_private_nginx "$TMP_DIR/nginx" "$NGINX_PORT" \
        "    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;" \
        "        listen 127.0.0.1:$NGINX_PORT;
        listen 127.0.0.1:$NGINX_TLS_PORT ssl;"

    local cmd=${SERVER_CMD//'{port}'/$SERVER_PORT}
    cmd=${cmd//'{tls_port}'/$TLS_PORT}
    cmd=${cmd//'{cert}'/$CERT}
    cmd=${cmd//'{key}'/$KEY}
    start_server yimmo "$TMP_DIR/server.out" "" bash -c "$cmd"
    wait_ready yimmo "$SERVER_PORT" "$TMP_DIR/server.out" "$URL_PATH"
    curl -fsS --max-time 5 --cacert "$CERT" -o /dev/null "https://127.0.0.1:$TLS_PORT$URL_PATH" ||
        die 3 "no HTTPS answer from yimmo on port $TLS_PORT"
    curl -fsS --max-time 5 --cacert "$CERT" -o /dev/null "https://127.0.0.1:$NGINX_TLS_PORT/status" ||
        die 3 "no HTTPS answer from nginx on port $NGINX_TLS_PORT"

    # The keep-alive runs: label, URL.
    local -a labels=("yimmo http" "yimmo https" "nginx http" "nginx https")
    local -a urls=("http://127.0.0.1:$SERVER_PORT$URL_PATH" "https://127.0.0.1:$TLS_PORT$URL_PATH"
        "http://127.0.0.1:$NGINX_PORT/status" "https://127.0.0.1:$NGINX_TLS_PORT/status")
    local i
    if ((WARMUP > 0)); then
        for i in 0 1 2 3; do
            log "${labels[i]}: warm-up ${WARMUP} s (discarded)"
            run_wrk "${urls[i]}" "$WARMUP" "$TMP_DIR/warmup-$i.txt"
        done
        log "handshake warm-up ${WARMUP} s each (discarded)"
        run_s_time "$TLS_PORT" "$URL_PATH" "$WARMUP" "$TMP_DIR/warmup-stime-yimmo.txt" >/dev/null
        run_s_time "$NGINX_TLS_PORT" /status "$WARMUP" "$TMP_DIR/warmup-stime-nginx.txt" >/dev/null
    fi

    declare -A results=()
    local round flagged=0 died=0
    for ((round = 1; round <= ROUNDS; round++)); do
        for i in 0 1 2 3; do
            local out=$TMP_DIR/round$round-$i.txt
            log "round $round/$ROUNDS: ${labels[i]} keep-alive, ${DURATION} s"
            run_wrk "${urls[i]}" "$DURATION" "$out"
            results[$round,$i]=$(parse_wrk "$out") || die 3 "cannot parse $out"
            log "  ${results[$round,$i]%% *} req/s"
        done
        for i in 1 3; do
            local out=$TMP_DIR/round$round-close-$i.txt
            log "round $round/$ROUNDS: ${labels[i]} Connection: close, ${DURATION} s"
            run_wrk "${urls[i]}" "$DURATION" "$out" -H 'Connection: close'
            results[$round,close$i]=$(parse_wrk "$out") || die 3 "cannot parse $out"
            log "  ${results[$round,close$i]%% *} req/s"
        done
        log "round $round/$ROUNDS: openssl s_time -new, ${DURATION} s each"
        results[$round,stime1]=$(run_s_time "$TLS_PORT" "$URL_PATH" "$DURATION" "$TMP_DIR/round$round-stime-yimmo.txt")
        results[$round,stime3]=$(run_s_time "$NGINX_TLS_PORT" /status "$DURATION" "$TMP_DIR/round$round-stime-nginx.txt")
        log "  yimmo ${results[$round,stime1]}/s, nginx ${results[$round,stime3]}/s"
        local label
        for label in yimmo nginx; do
            if ! group_alive "${STARTED_PIDS[$label]}"; then
                log "error: $label died during round $round"
                died=1
            fi
        done
        if ((died)); then break; fi
    done
    local measured=$((round > ROUNDS ? ROUNDS : round))

    echo "### TLS: keep-alive against plain HTTP, and new handshakes against nginx"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), 1-min load average at start $load_at_start"
    echo "- certificate: $KEY_TYPE ($([[ $KEY_TYPE == ec ]] && echo P-256 || echo RSA 2048)), self-signed; $(openssl version)"
    echo "- yimmo: \`$cmd\`, asked for $URL_PATH"
    echo "- nginx: $(nginx -v 2>&1 | sed 's/nginx version: //'), 1 worker, TLSv1.2 TLSv1.3, default ciphers and session settings"
    echo "- keep-alive and Connection: close: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s; handshakes: openssl s_time -new -time $DURATION (one client thread)"
    ((PIN)) && echo "- pinning: servers \`taskset -c $SERVER_CPUS\`, clients \`taskset -c $WRK_CPUS\`"
    echo
    echo "| round | yimmo http | yimmo https | yimmo https/http | nginx http | nginx https | nginx https/http | yimmo/nginx https | close: yimmo / nginx req/s | s_time -new: yimmo / nginx /s | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    local -a yh=() ys=() nh=() ns=() yc=() nc=() yt=() nt=()
    for ((round = 1; round <= measured; round++)); do
        local -a r0 r1 r2 r3 c1 c3
        read -r -a r0 <<<"${results[$round,0]:-}"
        read -r -a r1 <<<"${results[$round,1]:-}"
        read -r -a r2 <<<"${results[$round,2]:-}"
        read -r -a r3 <<<"${results[$round,3]:-}"
        read -r -a c1 <<<"${results[$round,close1]:-}"
        read -r -a c3 <<<"${results[$round,close3]:-}"
        ((${#r0[@]} && ${#r1[@]} && ${#r2[@]} && ${#r3[@]} && ${#c1[@]} && ${#c3[@]})) || continue
        yh+=("${r0[0]}") ys+=("${r1[0]}") nh+=("${r2[0]}") ns+=("${r3[0]}") yc+=("${c1[0]}") nc+=("${c3[0]}")
        yt+=("${results[$round,stime1]}") nt+=("${results[$round,stime3]}")
        local errors="" e j
        local -a names=("yimmo http" "yimmo https" "nginx http" "nginx https")
        for j in 0 1 2 3; do
            local -a rr
            read -r -a rr <<<"${results[$round,$j]}"
            e=$(error_text "${rr[@]:3}")
            [[ -n $e ]] && errors="${errors:+$errors; }**${names[j]}: $e**"
        done
        # Connection: close runs: wrk counts the server's close as a read error on some
        # versions; only status errors and timeouts flag them.
        for j in c1 c3; do
            local -n cc=$j
            ((cc[3] + cc[7])) && errors="${errors:+$errors; }**close run $j: $(error_text "${cc[@]:3}")**"
        done
        [[ -n $errors ]] && flagged=$((flagged + 1))
        echo "| $round | $(group_digits "${r0[0]}") | $(group_digits "${r1[0]}") | $(ratio "${r1[0]}" "${r0[0]}") |" \
            "$(group_digits "${r2[0]}") | $(group_digits "${r3[0]}") | $(ratio "${r3[0]}" "${r2[0]}") |" \
            "$(ratio "${r1[0]}" "${r3[0]}") | $(group_digits "${c1[0]}") / $(group_digits "${c3[0]}") |" \
            "$(group_digits "${results[$round,stime1]}") / $(group_digits "${results[$round,stime3]}") | ${errors:-none} |"
    done
    echo
    if ((${#yh[@]})); then
        local myh mys mnh mns myt mnt
        myh=$(median "${yh[@]}") mys=$(median "${ys[@]}") mnh=$(median "${nh[@]}") mns=$(median "${ns[@]}")
        myt=$(median "${yt[@]}") mnt=$(median "${nt[@]}")
        echo "**Median of ${#yh[@]} round(s):** keep-alive yimmo https $(group_digits "$mys") req/s against" \
            "http $(group_digits "$myh"), **ratio https/http $(ratio "$mys" "$myh")** (nginx $(ratio "$mns" "$mnh"));" \
            "yimmo/nginx over TLS $(ratio "$mys" "$mns"). New handshakes (s_time -new): yimmo $(group_digits "$myt")/s," \
            "nginx $(group_digits "$mnt")/s, **ratio $(ratio "$myt" "$mnt")**; Connection: close through wrk:" \
            "yimmo $(group_digits "$(median "${yc[@]}")"), nginx $(group_digits "$(median "${nc[@]}")") req/s."
    fi
    end_report "$flagged" "${#yh[@]}" "$died"
}

main "$@"
