#!/usr/bin/env bash
# Make sure apt-cacher-ng answers on port 3142 of this machine. Test containers fetch their
# Debian packages only through it (they sit on an internal network with no route out), and
# it caches, so a second converge downloads nothing. Safe to run any number of times.
set -euo pipefail

log() { printf 'ensure-apt-proxy: %s\n' "$*" >&2; }
port=3142
backend_file=/etc/apt-cacher-ng/backends_debian
backend='http://deb.debian.org/debian/'

proxy_answers() {
    python3 - "$port" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/acng-report.html", timeout=3)
except Exception:
    sys.exit(1)
PY
}

if [ ! -x /usr/sbin/apt-cacher-ng ]; then
    if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ]; then
        if proxy_answers; then exit 0; fi
        log "no apt proxy answers on 127.0.0.1:$port and this is not root on Debian."
        log "Install apt-cacher-ng (or any apt proxy on port $port that reaches deb.debian.org)."
        exit 1
    fi
    log "installing apt-cacher-ng from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q apt-cacher-ng >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q apt-cacher-ng >/dev/null; }
fi

restart=no
if [ "$(id -u)" -eq 0 ] && [ "$(cat "$backend_file" 2>/dev/null)" != "$backend" ]; then
    # Its default mirror list does not resolve on every machine; the main mirror does.
    printf '%s\n' "$backend" > "$backend_file"
    restart=yes
fi

if [ "$restart" = yes ] && pgrep -x apt-cacher-ng >/dev/null 2>&1; then
    pkill -x apt-cacher-ng || true
    sleep 1
fi

if ! pgrep -x apt-cacher-ng >/dev/null 2>&1; then
    log "starting apt-cacher-ng on port $port"
    install -d -o apt-cacher-ng -g apt-cacher-ng /var/run/apt-cacher-ng /var/log/apt-cacher-ng /var/cache/apt-cacher-ng
    setsid /usr/sbin/apt-cacher-ng -c /etc/apt-cacher-ng ForeGround=0 \
        pidfile=/var/run/apt-cacher-ng/pid SocketPath=/var/run/apt-cacher-ng/socket \
        </dev/null >/dev/null 2>&1 || true
fi

for _ in $(seq 1 30); do
    if proxy_answers; then exit 0; fi
    sleep 1
done
log "apt-cacher-ng does not answer on port $port; see /var/log/apt-cacher-ng/"
exit 1
