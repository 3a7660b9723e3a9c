#!/usr/bin/env bash
# make lab-down: remove what make lab made: the lab containers, the network tkj-lab, the port
# forwarder and build/lab. The images and the venv stay. Safe to run when nothing is there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build/lab
network=tkj-lab
log() { printf 'lab-down: %s\n' "$*" >&2; }

pid=$(cat "$build/forward.pid" 2>/dev/null || true)
if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'lab-forward\.py'; then
    kill "$pid"
    for _ in $(seq 1 50); do
        [ -e "/proc/$pid" ] || break
        sleep 0.1
    done
    log "stopped the port forwarder"
fi

containers=$(docker ps --all --quiet --filter label=tkj.mailserver.lab)
if [ -n "$containers" ]; then
    # shellcheck disable=SC2086  # one container id per word
    docker rm --force $containers >/dev/null
    log "removed the lab containers"
fi

if docker network inspect "$network" >/dev/null 2>&1; then
    docker network rm "$network" >/dev/null
    log "removed the network $network"
fi

rm -rf "$build"
