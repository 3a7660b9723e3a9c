"""The container lab behind `make lab`: its values, its inventory, and the report a student reads.

  python lab.py setup VALUES BUILD_DIR    check VALUES, write BUILD_DIR/inventory.yml, print what
                                          scripts/lab-up.sh needs (network, containers, forwards)
  python lab.py report VALUES BUILD_DIR   check the running lab end to end and print the report;
                                          exit 1 when a check fails

VALUES is the lab values file (inventories/docker-lab/lab.yml). Run with the project's venv python
(PyYAML, ansible-playbook). The mail system is checked by tkj.mailserver.check (playbooks/check.yml),
the playbook for real servers; this file adds only what is the container lab's own: the playbook
run's recap and the ports published on 127.0.0.1 (checked with molecule/shared/mailprobe.py).
"""

import ipaddress
import json
import os
import pathlib
import re
import socket
import ssl
import subprocess
import sys

import urllib.request

import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "molecule" / "shared"))
# The collection's own DNS client (make collection-path links this checkout there).
sys.path.insert(0, str(REPO / "build" / "collections"))

from mailtests import lab_ca_file  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.tkj.mailserver.plugins.module_utils import _dns_client as dns_client  # noqa: E402  pylint: disable=wrong-import-position

NETWORK = "tkj-lab"
# Inventory group, container name and host name of each lab machine; the address comes from VALUES.
MACHINES = {
    "dns": ("dns_servers", "tkj-lab-dns", "dns"),
    "mail": ("mail_servers", "tkj-lab-mail", None),  # host name: lab_mail_host
    "client": ("clients", "tkj-lab-client", "client"),
}
# Ports published on 127.0.0.1: local port, machine, container port, what a client sets.
PUBLISHED = [
    (2525, "mail", 25, "SMTP (as from another mail server, no login)"),
    (2587, "mail", 587, "SMTP submission, STARTTLS, login"),
    (2143, "mail", 143, "IMAP, STARTTLS"),
    (2993, "mail", 993, "IMAP, SSL/TLS"),
    (2110, "mail", 110, "POP3, STARTTLS"),
    (2995, "mail", 995, "POP3, SSL/TLS"),
    (2053, "dns", 53, "DNS over TCP"),
    (2080, "mail", 80, "the lab CA certificate to import (http://127.0.0.1:2080/)"),
    (2443, "mail", 443, "the webmail, Roundcube (HTTPS)"),
]
REQUIRED = ["lab_domain", "lab_mail_host", "lab_users", "lab_network", "lab_dns_address", "lab_mail_address",
            "lab_client_address", "lab_debian_release"]
# The task of playbooks/check.yml whose results are the rows.
CHECK_TASK = "Check DNS, SMTP, IMAP, POP3, TLS, a message and the published records"
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def load_values(path):
    """The lab values from VALUES, checked; stops with the list of problems."""
    values = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8")) or {}
    missing = [key for key in REQUIRED if key not in values]
    if missing:
        sys.exit("%s: missing %s" % (path, ", ".join(missing)))
    try:
        network = ipaddress.ip_network(values["lab_network"])
        addresses = [ipaddress.ip_address(values["lab_%s_address" % machine]) for machine in MACHINES]
    except ValueError as error:
        sys.exit("%s: %s" % (path, error))
    problems = []
    if network.version != 4 or network.prefixlen != 24:
        problems.append("lab_network must be an IPv4 /24 such as 172.30.29.0/24")
    for machine, address in zip(MACHINES, addresses):
        if address not in network or not 2 <= int(address) - int(network.network_address) <= 127:
            problems.append("lab_%s_address %s must lie in %s, between .2 and .127" % (machine, address, network))
    if len(set(addresses)) != len(addresses):
        problems.append("the three lab_*_address values must differ")
    if not values["lab_users"] or any("name" not in user or "password" not in user for user in values["lab_users"]):
        problems.append("lab_users needs at least one user, each with name and password")
    if values["lab_debian_release"] not in (12, 13):
        problems.append("lab_debian_release must be 12 or 13")
    if problems:
        sys.exit("%s: %s" % (path, "; ".join(problems)))
    values["gateway"] = str(next(network.hosts()))
    return values


def host_name(values, machine):
    """The container's host name (the mail container is the tutorial's mail host)."""
    return MACHINES[machine][2] or values["lab_mail_host"]


def write_inventory(values, values_path, build):
    """build/lab/inventory.yml, and group_vars linked to the tutorial's mapping of lab_* to the roles."""
    inventory = {"all": {
        "vars": {
            "ansible_connection": "community.docker.docker",
            "ansible_python_interpreter": "/usr/bin/python3",
            # molecule/shared/prepare.yml sends apt through this proxy: the network has no route out.
            "molecule_apt_proxy": "http://%s:3142" % values["gateway"],
        },
        "children": {group: {"hosts": {container: None}} for group, container, _name in MACHINES.values()},
    }}
    inventory["all"]["children"]["clients"]["hosts"][MACHINES["client"][1]] = {"client_tools": ["bind9-dnsutils"]}
    # The webmail runs on the mail container (inventories/lab: webmail.<domain>, a CNAME to the mail host).
    inventory["all"]["children"]["webmail_servers"] = {"hosts": {MACHINES["mail"][1]: None}}
    header = "# Generated by scripts/lab.py from %s: edit that file, not this one.\n" % values_path
    (build / "inventory.yml").write_text(header + yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    group_vars = build / "group_vars"
    if not group_vars.is_symlink():
        group_vars.symlink_to(os.path.relpath(REPO / "inventories" / "lab" / "group_vars", build))


def setup(values_path, build):
    """Write the inventory; print the network, one line per container and the forwards for lab-up.sh."""
    values = load_values(values_path)
    build.mkdir(parents=True, exist_ok=True)
    write_inventory(values, values_path, build)
    print(NETWORK, values["lab_network"], values["lab_debian_release"])
    for machine, (_group, container, _name) in MACHINES.items():
        print(container, host_name(values, machine), values["lab_%s_address" % machine], values["lab_dns_address"])
    print(" ".join("%d:%s:%d" % (local, values["lab_%s_address" % machine], port)
                   for local, machine, port, _what in PUBLISHED))


def probe_here(check, *args, password=""):
    """mailprobe.py run on this machine against the ports published on 127.0.0.1, verifying the
    mail host's certificate (its name, and the lab CA file the playbook wrote)."""
    command = [sys.executable, str(REPO / "molecule" / "shared" / "mailprobe.py")] + [str(arg) for arg in args] + [
        "--server", check.mail_fqdn, "--connect", "127.0.0.1", "--cafile", str(check.ca_file)]
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, MAILPROBE_PASSWORD=password),
                            check=False)
    assert result.returncode == 0, "mailprobe %s failed: %s" % (args[0], result.stderr.strip())
    return json.loads(result.stdout)


def dns_answers_over_tcp(port, name):
    """Number of answers to an SOA query for ``name`` sent over TCP to 127.0.0.1:port."""
    answer = dns_client.query("127.0.0.1", name, "SOA", timeout=10, port=port, tcp=True)
    assert answer["rcode"] == "NOERROR", "DNS on 127.0.0.1:%d answered %s" % (port, answer["rcode"])
    return len(dns_client.values(answer, "SOA"))


def https_get(port, name, path, cafile):
    """GET https://NAME:PORT/PATH from 127.0.0.1, verifying the certificate against ``cafile`` for
    ``name``; the status line and the body."""
    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=name) as connection:
            connection.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, name)).encode())
            reply = b"".join(iter(lambda: connection.recv(65536), b""))
    head, _blank, body = reply.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body.decode("utf-8", "replace")


class LabCheck:
    """The smoke check: each stage returns a line for the report or fails with an AssertionError."""

    def __init__(self, values, values_path, build):
        self.values = values
        self.values_path = values_path
        self.build = build
        self.domain = values["lab_domain"]
        self.mail_fqdn = "%s.%s" % (values["lab_mail_host"], self.domain)
        self.webmail_fqdn = "%s.%s" % (values.get("lab_webmail_host", "webmail"), self.domain)
        self.recipient = values["lab_users"][-1]
        self.ca_file = lab_ca_file(build / "inventory.yml")

    def email(self, user):
        """user@domain."""
        return "%s@%s" % (user["name"], self.domain)

    def playbook(self):
        """The PLAY RECAP of this run of the playbook."""
        # Each playbook prints a recap; the last one counts both (prepare.yml, then site.yml).
        recap = RECAP.findall((self.build / "playbook.log").read_text(encoding="utf-8").rpartition("PLAY RECAP")[2])
        assert recap, "no PLAY RECAP in %s" % (self.build / "playbook.log")
        assert all(int(unreachable) + int(failed) == 0 for _host, _ok, _changed, unreachable, failed in recap), \
            "hosts failed or unreachable: see %s" % (self.build / "playbook.log")
        changed = sum(int(count) for _host, _ok, count, _unreachable, _failed in recap)
        return "playbooks/site.yml (after prepare.yml) on %d containers: changed=%d%s" % (
            len(recap), changed, " (nothing to change)" if changed == 0 else "")

    def mail_system(self):
        """tkj.mailserver.check, the playbook for real servers, run from the client container against
        the lab DNS: its rows, one list per mail server. Nothing of it is written twice here."""
        env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_NOCOLOR="1")
        command = ["ansible-playbook", "-i", str(self.build / "inventory.yml"), "-e", "@%s" % self.values_path,
                   "-e", "check_from=%s" % MACHINES["client"][1],
                   "-e", json.dumps({"check_dns_servers": [self.values["lab_dns_address"]]}), "tkj.mailserver.check"]
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        try:
            plays = json.loads(result.stdout)["plays"]
        except ValueError:
            raise AssertionError("tkj.mailserver.check did not run: %s" % one_line(result.stderr or result.stdout)) from None
        found = {}
        for play in plays:
            for task in play["tasks"]:
                if task["task"]["name"] == CHECK_TASK:
                    found.update({host: answer for host, answer in task["hosts"].items() if "rows" in answer})
        assert found, "tkj.mailserver.check gave no rows: %s" % one_line(result.stderr or result.stdout)
        return found

    def published_ports(self):
        """Each port published on 127.0.0.1 answers as its service, with logins where a client logs in."""
        user, password = self.recipient["name"], self.recipient["password"]
        for local, _machine, port, _what in PUBLISHED:
            if port == 53:
                assert dns_answers_over_tcp(local, self.domain) == 1, "no SOA for %s on 127.0.0.1:%d" % (self.domain, local)
            elif port == 443:
                status, body = https_get(local, self.webmail_fqdn, "/", self.ca_file)
                assert status.endswith(" 200 OK") and 'id="rcmloginuser"' in body, \
                    "https://%s:%d/: %s, no Roundcube login form" % (self.webmail_fqdn, local, status)
            elif port == 80:
                with urllib.request.urlopen("http://127.0.0.1:%d/lab-ca.crt" % local, timeout=10) as answer:
                    assert answer.read() == self.ca_file.read_bytes(), "127.0.0.1:%d/lab-ca.crt is not %s" % (local, self.ca_file)
            elif port in (25, 587):
                greeting = probe_here(self, "ehlo", "--port", local, *(["--starttls"] if port == 587 else []))
                assert greeting["greeting"].startswith("220 " + self.mail_fqdn), "127.0.0.1:%d: %s" % (local, greeting)
            else:
                tls = "--ssl" if port in (993, 995) else "--starttls"
                result = probe_here(self, "imap" if port in (143, 993) else "pop3", "--port", local, tls, "--user", user,
                                    password=password)
                assert result["login"], "127.0.0.1:%d: login as %s failed: %s" % (local, user, result.get("error"))
        return "127.0.0.1 ports %s answer, TLS verified for %s" % (", ".join(str(local) for local, _machine, _port, _what in PUBLISHED), self.mail_fqdn)


def one_line(error):
    """An error as one line: a traceback in it is shortened to its last line, the exception."""
    lines = str(error).strip().splitlines() or [repr(error)]
    if len(lines) == 1:
        return lines[0]
    return "%s %s" % (lines[0].replace("Traceback (most recent call last):", "").strip(), lines[-1].strip())


def report(values_path, build):
    """Run every stage, print the report; 1 when a stage failed."""
    values = load_values(values_path)
    check = LabCheck(values, values_path, build)
    print("\nThe container lab: %s, mail server %s (Debian %s)" % (check.domain, check.mail_fqdn, values["lab_debian_release"]))
    failures = 0
    for name, stage in (("Playbook", check.playbook), ("Ports", check.published_ports)):
        try:
            line, status = stage(), "OK"
        except (AssertionError, OSError, ValueError) as error:
            line, status = one_line(error), "FAILED"
            failures += 1
        print("  %-9s %-7s %s" % (name, status, line))
    try:
        checked = check.mail_system()
    except AssertionError as error:
        print("  %-9s %-7s %s" % ("Check", "FAILED", one_line(error)))
        failures += 1
    else:
        # The table tkj.mailserver.check prints, the same for a real server (README: Checking the servers).
        for host, answer in sorted(checked.items()):
            print("\n  tkj.mailserver.check on %s, from %s:" % (host, MACHINES["client"][1]))
            for line in answer["table"]:
                print("  " + line)
            failures += answer["failures"]

    print("\nA shell in each container (exit leaves it):")
    for machine, (_group, container, _name) in MACHINES.items():
        print("  docker exec -it %-15s bash    # %s, %s" % (container, host_name(values, machine),
                                                            values["lab_%s_address" % machine]))
    print("\nA mail client on this machine: server %s with \"127.0.0.1 %s\" in /etc/hosts (the name the" % (check.mail_fqdn, check.mail_fqdn))
    print("certificate is for), user %s (password in %s), \"normal password\" login." % (
        " or ".join(user["name"] for user in values["lab_users"]), values_path))
    print("Import the lab CA first, %s or http://127.0.0.1:2080/ (README: Trusting the lab CA)." % check.ca_file)
    print("The webmail: https://%s:2443/ (with \"127.0.0.1 %s\" in /etc/hosts), log in as %s." % (
        check.webmail_fqdn, check.webmail_fqdn, " or ".join(user["name"] for user in values["lab_users"])))
    for local, _machine, _port, what in PUBLISHED:
        print("  port %d  %s" % (local, what))
    print("\nmake lab-down removes the containers, the network and the forwarders.")
    return 1 if failures else 0


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("setup", "report"):
        sys.exit(__doc__)
    command, values_path, build = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    if command == "setup":
        setup(values_path, build)
    else:
        sys.exit(report(values_path, build))


if __name__ == "__main__":
    main()
