#!/usr/bin/env bash
# Run `ansible-test sanity` on this collection. ansible-test needs the collection to live at
# .../ansible_collections/tkj/mailserver, so the files git knows (tracked, or new and not ignored)
# are copied to build/sanity/ansible_collections/tkj/mailserver first. Extra arguments go to
# ansible-test (for example --test validate-modules plugins/modules/postconf.py).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$repo/.venv}
dest=$repo/build/sanity${SANITY_SUFFIX:-}/ansible_collections/tkj/mailserver

# The shellcheck sanity test needs shellcheck; install it where we can.
if ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q shellcheck >/dev/null
fi

rm -rf "$dest"
mkdir -p "$dest"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) | tar -C "$dest" -xf -
cd "$dest"
# ansible-test takes the file list from git when it finds a repository.
git init -q . && git add -A >/dev/null
export PATH="$venv/bin:$PATH"
# ansible-test bootstraps pip in its test venvs with a get-pip script from a host this machine
# may not reach. Where that script is not cached, cache a stand-in that does the same job with
# Python's bundled ensurepip, then runs pip with the arguments ansible-test gives (PyPI only).
pip_version=$("$venv/bin/python" - <<'PY'
import pathlib, re, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)
get_pip=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
if [ ! -s "$get_pip" ]; then
    mkdir -p "$(dirname "$get_pip")"
    cat > "$get_pip" <<'PY'
"""Stand-in for get-pip.py (written by tkj.mailserver scripts/sanity.sh): bundled pip, then pip."""
import ensurepip
import os
import subprocess
import sys

environment = dict(os.environ)  # ensurepip switches pip's configuration off in os.environ
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=environment))
PY
fi
exec ansible-test sanity --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
    --requirements --color no "$@"
