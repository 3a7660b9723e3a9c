#!/usr/bin/env bash
# Make sure this machine has the real browser the webmail tests drive: Debian's Chromium and its
# chromedriver, and certutil to give the browser a certificate store that trusts the lab CA.
# Nothing downloads a browser: the packages come from Debian. Safe to run any number of times.
set -euo pipefail

log() { printf 'ensure-browser: %s\n' "$*" >&2; }
packages=(chromium chromium-driver libnss3-tools)

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && command -v certutil >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ]; then
    log "chromium, chromedriver and certutil are needed for the webmail's browser tests."
    log "Install them (Debian: apt-get install ${packages[*]}), or run as root on Debian."
    exit 1
fi
log "installing ${packages[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null
