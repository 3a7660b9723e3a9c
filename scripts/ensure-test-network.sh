#!/usr/bin/env bash
# Make sure the Docker network for test and lab containers exists: internal (no route past this
# machine), with a fixed subnet so scenarios can give hosts fixed addresses below .128 while Docker
# hands out .128 and up. The host is the gateway; containers reach its apt proxy there.
#   ensure-test-network.sh [NAME]    (default: $TKJ_NETWORK or tkj-mailserver)
set -euo pipefail
name=${1:-${TKJ_NETWORK:-tkj-mailserver}}
subnet=${TKJ_SUBNET:-172.30.26.0/24}
gateway=${subnet%.*}.1
range=${subnet%.*}.128/25

if docker network inspect "$name" >/dev/null 2>&1; then
    internal=$(docker network inspect -f '{{.Internal}}' "$name")
    if [ "$internal" != true ]; then
        echo "ensure-test-network: network $name exists but is not internal; remove it (docker network rm $name)" >&2
        exit 1
    fi
    exit 0
fi
docker network create --internal --driver bridge --subnet "$subnet" --gateway "$gateway" \
    --ip-range "$range" "$name" >/dev/null
echo "ensure-test-network: created internal network $name ($subnet, host at $gateway)" >&2
