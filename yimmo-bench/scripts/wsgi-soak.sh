#!/usr/bin/env bash
# Soak test of yimmo-wsgi: serves at least --requests requests (default 1,000,000) with wrk over
# keep-alive, sampling the server's RSS and the Python object count between segments, and checks
# that both stay flat after the warm-up: RSS within 10% of its post-warm-up value, objects within
# 1% (gc.collect() runs before counting). Prints a Markdown report; exits 1 if either grew.
set -euo pipefail

usage() {
    cat <<'HELP'
Usage: wsgi-soak.sh [--requests N] [--segment S] [--port P] [--python PYTHON] [--threads T]

  --requests N   requests to serve after the warm-up (default 1000000)
  --segment S    seconds per wrk run between samples (default 5)
  --port P       port for yimmo-wsgi (default 18400)
  --python P     interpreter to embed (default: yimmo-wsgi's own choice)
  --threads T    worker threads (default 1)

Needs wrk (apt-get install wrk) and a build (mvn -q -DskipTests package).
HELP
}

requests=1000000
segment=5
port=18400
python_args=()
threads=1
while (($#)); do
    case "$1" in
        --requests) requests="$2"; shift 2 ;;
        --segment) segment="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --python) python_args=(--python "$2"); shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "wsgi-soak.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v wrk >/dev/null || { echo "wsgi-soak.sh: wrk is missing (apt-get install wrk)" >&2; exit 3; }
log="$(mktemp)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT

(cd "$root/yimmo-bench/apps" && exec "$root/yimmo-wsgi/bin/yimmo-wsgi" "${python_args[@]}" \
    --port "$port" -t "$threads" soak:app) >"$log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -fsS "$url/objects" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 3; }
    sleep 0.2
done

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
objects() { curl -fsS "$url/objects"; }
run_wrk() { # prints the number of requests served
    wrk -t1 -c64 -d"$1"s "$url/?q=ab" | awk '/requests in/ { print $1 }'
}

run_wrk 10 >/dev/null # warm-up: JIT, pools, Python caches
sleep 1
rss0=$(rss_kib)
objects0=$(objects)
echo "| requests served | RSS MiB | vs start | Python objects | vs start |"
echo "| ---: | ---: | ---: | ---: | ---: |"
printf '| %s | %.1f | %s | %s | %s |\n' 0 "$(echo "$rss0 / 1024" | bc -l)" "-" "$objects0" "-"
served=0
rss_max=$rss0
objects_max=$objects0
while ((served < requests)); do
    served=$((served + $(run_wrk "$segment")))
    rss=$(rss_kib)
    count=$(objects)
    ((rss > rss_max)) && rss_max=$rss
    ((count > objects_max)) && objects_max=$count
    printf '| %s | %.1f | %+.1f%% | %s | %+.2f%% |\n' "$served" "$(echo "$rss / 1024" | bc -l)" \
        "$(echo "($rss - $rss0) * 100 / $rss0" | bc -l)" "$count" \
        "$(echo "($count - $objects0) * 100 / $objects0" | bc -l)"
done
echo
rss_growth=$(echo "($rss_max - $rss0) * 100 / $rss0" | bc -l)
objects_growth=$(echo "($objects_max - $objects0) * 100 / $objects0" | bc -l)
printf 'Largest growth after warm-up: RSS %+.1f%% (limit 10%%), Python objects %+.2f%% (limit 1%%).\n' \
    "$rss_growth" "$objects_growth"
if (($(echo "$rss_growth > 10 || $objects_growth > 1" | bc -l))); then
    echo "NOT FLAT"
    exit 1
fi
echo "FLAT"
