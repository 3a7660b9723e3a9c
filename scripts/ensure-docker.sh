#!/usr/bin/env bash
# Make sure a Docker daemon answers. Safe to run any number of times.
#   - a daemon already answers: nothing to do;
#   - root on Debian: install docker.io if needed, start dockerd in the background, wait for it;
#   - anything else: say what is missing and stop.
# dockerd is started with --ip-forward=false so containers get no route past this machine.
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if docker_answers; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ]; then
    log "no Docker daemon answers, and this is not root on Debian, so it cannot be set up here."
    log "Install Docker (https://docs.docker.com/engine/install/), start it, and make sure"
    log "'docker info' works for this user; then run the command again."
    exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q docker.io >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q docker.io >/dev/null; }
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "starting dockerd (log: /var/log/tkj-dockerd.log)"
    # Our own process group, so that it outlives the calling make.
    setsid dockerd --ip-forward=false >/var/log/tkj-dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
    if docker_answers; then
        exit 0
    fi
    sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/tkj-dockerd.log"
exit 1
