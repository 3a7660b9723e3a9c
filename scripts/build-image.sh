#!/usr/bin/env bash
# Build a local Debian test image with systemd and python3, because no registry can be pulled.
#   build-image.sh SUITE IMAGE [--rebuild]
# Skips the build when IMAGE already exists (unless --rebuild). Packages come through the
# local apt proxy (scripts/ensure-apt-proxy.sh), so a rebuild downloads nothing new.
set -euo pipefail

suite=${1:?usage: build-image.sh SUITE IMAGE [--rebuild]}
image=${2:?usage: build-image.sh SUITE IMAGE [--rebuild]}
rebuild=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
log() { printf 'build-image: %s\n' "$*" >&2; }

"$here/ensure-docker.sh"
if [ "$rebuild" != --rebuild ] && docker image inspect "$image" >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ]; then
    log "image $image is missing and building it needs root on Debian (debootstrap)."
    log "Elsewhere, name an image you can pull with systemd and python3 in TKJ_IMAGE_DEBIAN12 / TKJ_IMAGE_DEBIAN13."
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi
"$here/ensure-apt-proxy.sh"

root=$(mktemp -d /var/tmp/tkj-image-XXXXXX)
trap 'rm -rf "$root"' EXIT
log "debootstrap $suite into $root (a few minutes the first time)"
debootstrap --variant=minbase --include=python3,systemd,systemd-sysv,ca-certificates \
    "$suite" "$root" http://127.0.0.1:3142/deb.debian.org/debian >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

# The image names the real mirror; containers reach it through the proxy set in Molecule's prepare.
printf 'deb http://deb.debian.org/debian %s main\n' "$suite" > "$root/etc/apt/sources.list"
rm -f "$root/etc/apt/sources.list.d/"*.sources 2>/dev/null || true
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/tmp/"*
: > "$root/etc/machine-id"
# Units that cannot work in a container and only slow the boot down.
for unit in systemd-remount-fs.service getty.target console-getty.service systemd-firstboot.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

log "importing $image"
tar -C "$root" -c . | docker import \
    --change 'ENV container=docker' \
    --change 'CMD ["/lib/systemd/systemd"]' \
    - "$image" >/dev/null
log "built $image"
