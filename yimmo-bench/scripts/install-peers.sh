#!/usr/bin/env bash
# Installs, from Debian, the servers and tools the comparison scripts start (compare.sh,
# wsgi-vs-peers.sh, http-vs-nginx.sh, loadgen-vs-wrk.sh): gunicorn, uWSGI with its python3
# plugin, waitress, Flask, nginx, wrk, curl. Only the missing packages; needs root. apt-get
# update runs only if the plain install fails. Exit status: 0 all present, 1 the install failed,
# 3 not root and something is missing.
set -euo pipefail

packages=(gunicorn uwsgi uwsgi-plugin-python3 python3-waitress python3-flask nginx wrk curl)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    echo "install-peers.sh: all present: ${packages[*]}" >&2
    exit 0
fi
if ((EUID != 0)); then
    echo "install-peers.sh: missing ${missing[*]}; run as root (or: sudo apt-get install -y ${missing[*]})" >&2
    exit 3
fi
echo "install-peers.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Installing nginx does not start the system service inside containers (policy-rc.d); the
# scripts never use it anyway, each starts a private instance.
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; } ||
    { echo "install-peers.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
