"""`make readme`: the README's user-facing commands, run exactly as written.

README.md's code blocks fenced as "```sh clone" (from a clone of the repository) and "```sh tarball"
(from the release tarball) are read from the README itself, so that the README and this test
cannot drift apart. Each block runs line by line, as a user types it, with a controller of its own:

  clone    ansible-core 2.14 (Debian 12's `apt install ansible`) in a clean copy of the repository
           (its tracked and unignored files), against a Debian 12 server
  tarball  ansible-core 2.19, in an empty directory holding the tarball `make galaxy` built,
           against a Debian 13 server

Each controller is a venv of its own under build/readme/ with only ansible-core from PyPI, HOME is
a fresh directory (so ~/.ansible/collections starts empty) and no ANSIBLE_* variable of the caller
passes through (the test sets only the SSH key and known hosts file of that HOME). The server is a
systemd container on the internal network tkj-readme, reached over SSH as root with a key, as a
real server is; the only thing the test does that the README asks the user to do by hand is the
edit of the inventory's hosts.yml (the server's address), before the first ansible-playbook line.
Every line must succeed, the check run and both real runs must fail nothing, and the last run of
each block must report changed=0 on every host.

  python tests/readme/readme_commands.py [--only clone|tarball] [--keep]
"""

import argparse
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from run_bench import docker, ensure_network, remove_containers, start_hosts  # noqa: E402  pylint: disable=wrong-import-position

BUILD = REPO / "build" / "readme"
NETWORK = "tkj-readme"
SUBNET = "172.30.33.0/24"
APT_PROXY = "http://%s.1:3142" % SUBNET.rsplit(".", 1)[0]
BLOCKS = {
    "clone": {"core": "2.14.18", "image": os.environ.get("TKJ_IMAGE_DEBIAN12", "tkj-mailserver-debian:12")},
    "tarball": {"core": "2.19.14", "image": os.environ.get("TKJ_IMAGE_DEBIAN13", "tkj-mailserver-debian:13")},
}
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def readme_blocks(text):
    """The commands of each tagged block: {tag: [line, ...]}, comments and blank lines left out."""
    blocks = {}
    for tag, body in re.findall(r"^```sh (\w+)\n(.*?)^```$", text, re.MULTILINE | re.DOTALL):
        lines = [line.strip() for line in body.splitlines()]
        blocks[tag] = [line for line in lines if line and not line.startswith("#")]
    return blocks


def controller(version):
    """A venv with ansible-core ``version`` only; made once, kept under build/readme/."""
    venv = BUILD / ("venv-" + version)
    ansible = venv / "bin" / "ansible-playbook"
    if not ansible.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "ansible-core==" + version], check=True)
    return venv / "bin"


def start_server(name, image):
    """A fresh Debian container with sshd, root's login by key; returns its address."""
    start_hosts([name], image, NETWORK, APT_PROXY)
    docker("exec", name, "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server python3-apt >/dev/null")
    docker("exec", name, "systemctl", "start", "ssh")
    return docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).stdout.strip()


def user_home(home, name, address):
    """A new HOME with an SSH key the server accepts for root and the server's host key known."""
    if home.exists():
        shutil.rmtree(home)
    ssh = home / ".ssh"
    ssh.mkdir(parents=True, mode=0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ssh / "id_ed25519")], check=True)
    key = (ssh / "id_ed25519.pub").read_text()
    docker("exec", name, "sh", "-c", "install -d -m 700 /root/.ssh && printf '%%s' %s >> /root/.ssh/authorized_keys" % shlex.quote(key))
    scan = subprocess.run(["ssh-keyscan", "-T", "10", address], capture_output=True, text=True, check=True)
    (ssh / "known_hosts").write_text(scan.stdout)


def workdir_for(tag, work):
    """Where the block runs: a copy of the repository (clone) or a directory with the tarball."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if tag == "clone":
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.split("\0")
        for name in filter(None, files):
            source = REPO / name
            if source.is_file():
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, work / name)
    else:
        tarballs = sorted((REPO / "build" / "galaxy").glob("tkj-mailserver-*.tar.gz"))
        if len(tarballs) != 1:
            raise SystemExit("readme: run `make galaxy` first (build/galaxy holds %d tarballs)" % len(tarballs))
        shutil.copy2(tarballs[0], work / tarballs[0].name)


def point_inventory_at(work, line, address):
    """The user's edit: the inventory's hosts.yml names the server's address (the -i argument of ``line``)."""
    inventory = work / shlex.split(line)[shlex.split(line).index("-i") + 1]
    hosts = inventory / "hosts.yml"
    text = hosts.read_text()
    edited = re.sub(r"ansible_host: \S+", "ansible_host: " + address, text)
    if edited == text:
        raise AssertionError("%s has no ansible_host line to edit" % hosts)
    hosts.write_text(edited)


def run_block(tag, lines, args):
    """Run one block's lines in order; return the recaps of its ansible-playbook lines."""
    settings = BLOCKS[tag]
    name = "tkj-readme-" + tag
    work, home = BUILD / tag / "work", BUILD / tag / "home"
    bin_dir = controller(settings["core"])
    remove_containers(name)
    address = start_server(name, settings["image"])
    user_home(home, name, address)
    workdir_for(tag, work)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(HOME=str(home), PATH="%s:/usr/local/bin:/usr/bin:/bin" % bin_dir)
    # The user's SSH setup (README: "Reaching the servers"): ssh reads ~/.ssh of the passwd entry,
    # not of $HOME, so the key and the known host key of this HOME are named to it.
    env.update(ANSIBLE_PRIVATE_KEY_FILE=str(home / ".ssh" / "id_ed25519"),
               ANSIBLE_SSH_COMMON_ARGS="-o UserKnownHostsFile=%s" % (home / ".ssh" / "known_hosts"))
    edited = False
    recaps = []
    for number, line in enumerate(lines, 1):
        if line.startswith("ansible-playbook") and not edited:
            point_inventory_at(work, line, address)
            edited = True
        print("readme %s [ansible-core %s] $ %s" % (tag, settings["core"], line), file=sys.stderr, flush=True)
        log = BUILD / tag / ("%02d.log" % number)
        result = subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True, text=True, check=False)
        log.write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
            raise AssertionError("readme %s: `%s` exited %d (whole output: %s):\n%s" % (tag, line, result.returncode, log, tail))
        if line.startswith("ansible-playbook"):
            recap = {host: {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}
                     for host, ok, changed, unreachable, failed in RECAP.findall(result.stdout)}
            if not recap:
                raise AssertionError("readme %s: `%s` printed no PLAY RECAP (%s)" % (tag, line, log))
            recaps.append((line, recap))
    if not args.keep:
        remove_containers(name)
    return recaps


def check_recaps(tag, recaps):
    """No run failed or left a host unreachable; the last run changed nothing."""
    for line, recap in recaps:
        bad = {host: counts for host, counts in recap.items() if counts["failed"] or counts["unreachable"]}
        if bad:
            raise AssertionError("readme %s: `%s` failed on %s" % (tag, line, bad))
    line, last = recaps[-1]
    changed = {host: counts["changed"] for host, counts in last.items() if counts["changed"]}
    if changed:
        raise AssertionError("readme %s: the last run `%s` changed something: %s (want changed=0)" % (tag, line, changed))
    if len(recaps) < 3:
        raise AssertionError("readme %s: the block should check, apply and re-run; it has %d ansible-playbook lines" % (tag, len(recaps)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(BLOCKS))
    parser.add_argument("--keep", action="store_true", help="leave the servers running afterwards")
    args = parser.parse_args()
    blocks = readme_blocks((REPO / "README.md").read_text())
    missing = sorted(set(BLOCKS) - set(blocks))
    if missing:
        raise SystemExit("readme: README.md has no ```sh %s block" % " / ```sh ".join(missing))
    version = re.search(r"^version: *(\S+)", (REPO / "galaxy.yml").read_text(), re.MULTILINE).group(1)
    named = re.findall(r"tkj-mailserver-(\S+)\.tar\.gz", " ".join(blocks["tarball"]))
    if named != [version]:
        raise SystemExit("readme: README.md installs tkj-mailserver-%s.tar.gz, galaxy.yml builds version %s" % (named, version))
    BUILD.mkdir(parents=True, exist_ok=True)
    ensure_network(NETWORK, SUBNET)
    try:
        for tag in [args.only] if args.only else sorted(BLOCKS):
            recaps = run_block(tag, blocks[tag], args)
            check_recaps(tag, recaps)
            print("readme %s: %d lines as written, ansible-core %s; last run changed=0 on %s"
                  % (tag, len(blocks[tag]), BLOCKS[tag]["core"], ", ".join(recaps[-1][1])))
    finally:
        if not args.keep:
            remove_containers("tkj-readme-")
            docker("network", "rm", NETWORK, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
