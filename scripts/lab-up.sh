#!/usr/bin/env bash
# make lab: start the container lab (DNS, mail, client on the internal network tkj-lab), publish
# its mail ports on 127.0.0.1, apply playbooks/site.yml to it, then check it end to end and report.
#   lab-up.sh [VALUES]    (default: inventories/docker-lab/lab.yml)
# Run it through `make lab`, which first prepares the venv, Docker, the apt proxy and the images.
# Safe to run again: what exists is kept, and the playbook then changes nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
values=${1:-$repo/inventories/docker-lab/lab.yml}
build=$repo/build/lab
pidfile=$build/forward.pid
log() { printf 'lab: %s\n' "$*" >&2; }

# The values, checked; the inventory is written to build/lab/inventory.yml.
setup=$(python "$repo/scripts/lab.py" setup "$values" "$build")
read -r network subnet release <<<"$(sed -n 1p <<<"$setup")"
containers=$(sed -n 2,4p <<<"$setup")
read -r -a forwards <<<"$(sed -n 5p <<<"$setup")"
image_variable=TKJ_IMAGE_DEBIAN$release
image=${!image_variable:-tkj-mailserver-debian:$release}

TKJ_SUBNET=$subnet "$repo/scripts/ensure-test-network.sh" "$network"
have_subnet=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$network")
if [ "$have_subnet" != "$subnet" ]; then
    log "network $network has $have_subnet, $values says $subnet: run make lab-down first"
    exit 1
fi

# One container: created with systemd as PID 1, or started if it is stopped, or kept as it is.
start_container() {
    local name=$1 hostname=$2 address=$3 resolver=$4 have
    if have=$(docker container inspect -f \
        "{{.Config.Image}} {{with index .NetworkSettings.Networks \"$network\"}}{{.IPAMConfig.IPv4Address}}{{end}}" \
        "$name" 2>/dev/null); then
        if [ "$have" != "$image $address" ]; then
            log "$name runs $have, $values says $image $address: run make lab-down first"
            exit 1
        fi
        if [ "$(docker container inspect -f '{{.State.Running}}' "$name")" != true ]; then
            docker start "$name" >/dev/null
            log "started $name again"
        fi
        return
    fi
    # Docker warns that IPv4 forwarding is off: on purpose, the lab has no route past this machine.
    docker run --detach --name "$name" --hostname "$hostname" --label tkj.mailserver.lab \
        --network "$network" --ip "$address" --dns "$resolver" \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --cgroupns=host --volume /sys/fs/cgroup:/sys/fs/cgroup:rw \
        --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
        --stop-signal SIGRTMIN+3 "$image" /lib/systemd/systemd \
        2> >(grep -v 'IPv4 forwarding is disabled' >&2) >/dev/null
    log "created $name ($hostname, $address, $image)"
}
while read -r -u 3 name hostname address resolver; do
    start_container "$name" "$hostname" "$address" "$resolver"
done 3<<<"$containers"

# The forwarder publishing the mail and DNS ports on 127.0.0.1 (kept when it runs with these ports).
forwarder_command() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }
wanted="$repo/scripts/lab-forward.py --pidfile $pidfile ${forwards[*]} "
running=$(cat "$pidfile" 2>/dev/null || true)
if [ -n "$running" ] && [[ "$(forwarder_command "$running")" != *"$wanted" ]]; then
    if [[ "$(forwarder_command "$running")" == *lab-forward.py* ]]; then
        kill "$running"
    fi
    rm -f "$pidfile"
    running=
fi
if [ -z "$running" ]; then
    setsid python3 "$repo/scripts/lab-forward.py" --pidfile "$pidfile" "${forwards[@]}" \
        </dev/null >"$build/forward.log" 2>&1 &
    forwarder=$!
    for _ in $(seq 1 50); do
        [ -s "$pidfile" ] && break
        if ! kill -0 "$forwarder" 2>/dev/null; then
            log "the port forwarder stopped: $(cat "$build/forward.log")"
            exit 1
        fi
        sleep 0.2
    done
    [ -s "$pidfile" ] || { log "the port forwarder did not start within 10 s: $build/forward.log"; exit 1; }
    log "publishing ports on 127.0.0.1: ${forwards[*]}"
fi

# The same playbook users run against real hosts, after the containers' preparation (apt proxy, tools).
export ANSIBLE_PIPELINING=true ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
ansible-playbook -i "$build/inventory.yml" -e "@$values" \
    "$repo/molecule/shared/prepare.yml" "$repo/playbooks/site.yml" | tee "$build/playbook.log"

python "$repo/scripts/lab.py" report "$values" "$build"
