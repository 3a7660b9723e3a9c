"""Helpers shared by the testinfra tests of every scenario: run the mail client (mailprobe.py)
inside a container, poll for a result with a deadline, look into a user's Maildir, and read a class's
list as the classroom inventory plugin makes it."""

import base64
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time
import uuid

PROBE_PATH = "/usr/local/lib/tkj-mailprobe.py"
PROBE_DEFAULTS = "/usr/local/lib/tkj-mailprobe.json"
# The lab CA as the client has it: the file the playbook wrote on the controller, copied in.
PROBE_CA = "/usr/local/lib/tkj-mailprobe-ca.crt"
PROBE_SOURCE = pathlib.Path(__file__).with_name("mailprobe.py").read_bytes()


def lab_ca_file(inventory_file):
    """The lab CA certificate on the controller: .lab-ca/lab-ca.crt in the inventory's directory (the tls role's
    default tls_ca_dir), the file students import."""
    return pathlib.Path(inventory_file).parent / ".lab-ca" / "lab-ca.crt"


def put_file(host, path, data):
    """Write ``data`` (bytes) to ``path`` in the container."""
    host.run_test("echo %s | base64 -d > %s", base64.b64encode(data).decode(), path)


def install_probe(host, ca_file=None, server=None, connect=None):
    """Copy mailprobe.py into the container, with the lab CA it verifies servers against and, when
    given, the server name and address it talks to by default."""
    put_file(host, PROBE_PATH, PROBE_SOURCE)
    defaults = {"server": server, "connect": connect}
    if ca_file is not None:
        put_file(host, PROBE_CA, pathlib.Path(ca_file).read_bytes())
        defaults["cafile"] = PROBE_CA
    put_file(host, PROBE_DEFAULTS, json.dumps({k: v for k, v in defaults.items() if v}).encode())


def probe(host, *args, password=None):
    """Run mailprobe.py in ``host`` with ``args``; the password goes through the environment."""
    env = "MAILPROBE_PASSWORD=%s " % shlex.quote(password) if password is not None else ""
    command = env + " ".join(["python3", PROBE_PATH] + [shlex.quote(str(arg)) for arg in args])
    result = host.run(command)
    assert result.rc == 0, "mailprobe %s failed: %s" % (args[0], result.stderr)
    return json.loads(result.stdout)


def wait_for(check, timeout=30.0, interval=0.5, what="the condition"):
    """Poll ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("%s did not happen within %.0f s" % (what, timeout))
        time.sleep(interval)


def unique_subject(label):
    """A subject no other test uses, so each test finds only its own message."""
    return "tkj %s %s" % (label, uuid.uuid4().hex[:12])


def maildir_files_with(host, user, text, folder="new"):
    """Paths of the files in ``user``'s ~/Maildir/<folder> that contain ``text``."""
    home = host.user(user).home
    result = host.run("grep -l -F -- %s %s/Maildir/%s/* 2>/dev/null", text, home, folder)
    return result.stdout.split()


def queue_is_empty(host):
    """True when Postfix has no mail waiting in its queue."""
    return host.run("postqueue -j").stdout.strip() == ""


def maildir_subjects_starting(host, user, prefix, folder="new"):
    """The Subject of every message in ``user``'s ~/Maildir/<folder> whose subject starts with
    ``prefix``, one entry per file (so a message delivered twice is listed twice)."""
    home = host.user(user).home
    header = "Subject: " + prefix
    result = host.run("grep -h -F -- %s %s/Maildir/%s/* 2>/dev/null", header, home, folder)
    return [line[len("Subject: "):] for line in result.stdout.splitlines() if line.startswith(header)]


def unsafe_free(value):
    """A value of ansible-inventory's JSON without the markers of unsafe strings (ansible-core 2.19)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return unsafe_free(value["__ansible_unsafe"])
        return {key: unsafe_free(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsafe_free(item) for item in value]
    return value


def class_inventory(path):
    """ansible-inventory --list of a class's list alone (the classroom plugin's hosts, groups and variables)."""
    listed = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-inventory")), "-i", str(path), "--list"],
                            env=dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="1"), capture_output=True, text=True,
                            timeout=120, check=True)
    return unsafe_free(json.loads(listed.stdout))


# tkj.mailserver.check's tables, as ansible-core's default callback prints them with
# ANSIBLE_CALLBACK_RESULT_FORMAT=json: ok: [HOST] => {"msg": [the table's lines]}
TABLE = re.compile(r'^ok: \[([^\]]+)\] => \{\s*"msg": (\[.*?\])\s*\}$', re.MULTILINE | re.DOTALL)


def tables(output):
    """The tables the run printed, {mail server: [line, ...]}, each row's wrapped lines joined into one."""
    found = {}
    for match in TABLE.finditer(output):
        lines = []
        for line in json.loads(match.group(2)):
            if line.startswith(" " * 22) and lines:
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
        found[match.group(1)] = lines
    return found


def has_row(table, check, status, detail):
    """Whether ``table`` has the row of ``check`` with ``status`` whose text starts with ``detail``."""
    return any(line.startswith("%-12s %-8s %s" % (check, status, detail)) for line in table)
