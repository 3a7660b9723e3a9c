"""Bad input changes nothing: every case of the catalogue (bad_input_cases.yml, rendered as
docs/bad-input.md) is run through the site playbook or the module it names, module cases on both
servers (Debian 12 and 13), role-variable cases on one of them in turn. Each run fails with the
case's message; afterwards the configuration is byte-identical, no temporary file is left behind,
and SMTP, IMAP and DNS still answer."""

import concurrent.futures
import json
import os
import pathlib
import subprocess
import tempfile

import pytest
import testinfra
import testinfra.utils.ansible_runner
import yaml

from bad_input_doc import DOC_FILE, load_cases, render_doc
from mailtests import install_probe, lab_ca_file, probe

PROJECT = pathlib.Path(__file__).resolve().parents[3]
INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SERVERS = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("mail_servers")

CASES = load_cases()
# Which case runs on which server. A module runs on the server, so each module case runs on every
# server (Debian 12 and 13 ship different Postfix, Dovecot and BIND). Role variables are checked on
# the controller, so the role-variable cases take the servers in turn.
ROLE_CASES = [case for case in CASES if "vars" in case]
RUNS = [(SERVERS[index % len(SERVERS)], case) for index, case in enumerate(ROLE_CASES)] + [
    (server, case) for case in CASES if "module" in case for server in SERVERS]
RUN_IDS = ["%s-%s" % (server, case["id"]) for server, case in RUNS]
SITE_PLAYBOOK = PROJECT / "playbooks" / "site.yml"
ZONE_DIR = yaml.safe_load((PROJECT / "roles" / "dns" / "defaults" / "main.yml").read_text(encoding="utf-8"))["dns_zone_dir"]
# Files and directories a bad input must leave byte-identical.
WATCHED = ["/etc/postfix", "/etc/dovecot", "/etc/bind", ZONE_DIR, "/etc/mailname", "/etc/default/named",
           "/etc/passwd", "/etc/shadow", "/var/cache/debconf/config.dat", "/etc/ssl/certs/tkj-mailserver.pem",
           "/etc/ssl/private/tkj-mailserver.key", "/usr/local/share/ca-certificates", "/etc/nginx", "/var/www/tkj-lab-ca", "/etc/roundcube",
           "/etc/opendkim.conf", "/etc/opendkim", "/etc/dkimkeys", "/etc/opendmarc.conf", "/etc/opendmarc"]
# Certificates and keys the TLS cases name (bad_input_cases.yml), made with openssl on the controller.
TLS_CASE_DIR = pathlib.Path("/tmp/tkj-bad-input-tls")
# The mark in the names of the modules' temporary files (plugins/module_utils/_files.py, TEMP_MARK).
TEMP_MARK = ".tkj-tmp-"
# Machine-readable output from ansible and ansible-playbook.
ANSIBLE_ENV = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACKS_ENABLED="ansible.posix.json",
                   ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_NOCOLOR="1")


def lab_server(name):
    """A testinfra host for one server, its lab values, and the mail client installed on it."""
    server = testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))
    variables = server.ansible.get_variables()
    user = variables["lab_users"][0]
    lab = {
        "domain": variables["lab_domain"],
        "hostname": "%s.%s" % (variables["lab_mail_host"], variables["lab_domain"]),
        "user": user["name"],
        "password": user["password"],
    }
    install_probe(server, ca_file=lab_ca_file(INVENTORY), server=lab["hostname"], connect="127.0.0.1")
    return server, lab


def answer(server, *args, **kwargs):
    """mailprobe's answer, or an empty one when the service did not answer."""
    try:
        return probe(server, *args, **kwargs)
    except AssertionError:
        return {}


def state(server, lab):
    """The SHA-256 of every watched file (one command), and what SMTP, IMAP and DNS answer now."""
    files = {}
    for line in server.run("find %s -type f -exec sha256sum {} +" % " ".join(WATCHED)).stdout.splitlines():
        digest, path = line.split(None, 1)
        files[path] = digest
    return {
        "files": files,
        "smtp": answer(server, "ehlo", "--port", 25).get("greeting", ""),
        "imap": answer(server, "imap", "--port", 143, "--starttls", "--user", lab["user"], password=lab["password"]).get("login", False),
        "soa": server.run("dig +short @127.0.0.1 %s SOA", lab["domain"]).stdout.strip(),
    }


def run_case(name, case, workdir):
    """Run one case against the server ``name``: the site playbook with the case's variables, or its module ad hoc."""
    if "vars" in case:
        values = pathlib.Path(workdir) / ("%s-%s.json" % (name, case["id"]))
        values.write_text(json.dumps(case["vars"]), encoding="utf-8")
        argv = ["ansible-playbook", str(SITE_PLAYBOOK), "-i", INVENTORY, "--limit", name, "-e", "@%s" % values]
    else:
        argv = ["ansible", name, "-i", INVENTORY, "-m", case["module"], "-a", json.dumps(case["args"]),
                "-e", json.dumps({"dns_zone_dir": ZONE_DIR})]
    return subprocess.run(argv, cwd=PROJECT, env=ANSIBLE_ENV, capture_output=True, text=True, timeout=300, check=False)


def run_cases(name, workdir):
    """The cases of RUNS for one server, one after another; each with the state before and after its run."""
    server, lab = lab_server(name)
    outcomes = {}
    before = state(server, lab)
    for case in [case for server_name, case in RUNS if server_name == name]:
        completed = run_case(name, case, workdir)
        after = state(server, lab)
        outcomes[case["id"]] = {"run": completed, "before": before, "after": after, "lab": lab}
        before = after
    return outcomes


@pytest.fixture(scope="module", autouse=True)
def mail_client():
    """Takes the place of the scenario's per-server fixture of that name: these tests choose their server
    per case (RUNS), and lab_server() installs the mail client on each server."""


def make_tls_case_files(mail_name):
    """mail.crt/mail.key for the mail host, other.key (another key) and other-name.crt/.key for
    mail.other.invalid: self-signed, made by openssl, independent of the collection's own code."""
    TLS_CASE_DIR.mkdir(exist_ok=True)
    for stem, name in (("mail", mail_name), ("other-name", "mail.other.invalid")):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=%s" % name,
                        "-addext", "subjectAltName=DNS:%s" % name, "-keyout", str(TLS_CASE_DIR / ("%s.key" % stem)),
                        "-out", str(TLS_CASE_DIR / ("%s.crt" % stem))], check=True, capture_output=True)
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", str(TLS_CASE_DIR / "other.key")], check=True, capture_output=True)


@pytest.fixture(scope="module")
def outcomes():
    """The outcome of every run in RUNS, by server and case; the servers are run at the same time."""
    variables = testinfra.get_host("ansible://%s?ansible_inventory=%s" % (SERVERS[0], INVENTORY)).ansible.get_variables()
    make_tls_case_files("%s.%s" % (variables["lab_mail_host"], variables["lab_domain"]))
    with tempfile.TemporaryDirectory() as workdir:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(SERVERS)) as pool:
            futures = {name: pool.submit(run_cases, name, workdir) for name in SERVERS}
            return {name: future.result() for name, future in futures.items()}


def failed_results(output):
    """(play name, task name, messages) of each failed result in the JSON output of ansible or ansible-playbook."""
    failures = []
    for play in json.loads(output)["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                if result.get("failed"):
                    messages = [result.get("msg", "")] + [item.get("msg", "") for item in result.get("results", []) if item.get("failed")]
                    failures.append((play["play"]["name"], task["task"]["name"], messages))
    return failures


def collapsed(text):
    """``text`` with its white space collapsed to single spaces."""
    return " ".join(str(text).split())


@pytest.mark.parametrize(("server", "case"), RUNS, ids=RUN_IDS)
def test_bad_input_refused(server, case, outcomes):
    """The run fails with the case's message: a bad role variable at the role's check the catalogue names
    (which comes before any task that changes the host); a bad module argument in the module."""
    run = outcomes[server][case["id"]]["run"]
    assert run.returncode != 0, run.stdout
    failures = failed_results(run.stdout)
    assert failures, run.stderr
    _play, task, messages = failures[0]
    if "vars" in case:
        assert case["caught_by"] in task
    assert any(collapsed(case["message"]) in collapsed(message) for message in messages), messages


@pytest.mark.parametrize(("server", "case"), RUNS, ids=RUN_IDS)
def test_bad_input_changes_nothing(server, case, outcomes):
    """After the run every watched file is byte-identical, no temporary file is left, and the services
    answer: the SMTP greeting on 25, an IMAP login after STARTTLS on 143, the zone's SOA with the same serial."""
    outcome = outcomes[server][case["id"]]
    before, after, lab = outcome["before"], outcome["after"], outcome["lab"]
    required = {"/etc/postfix/main.cf", "/etc/postfix/master.cf", "/etc/bind/named.conf.local", "/etc/bind/named.conf.options",
                "%s/db.%s" % (ZONE_DIR, lab["domain"])}
    assert required <= set(before["files"])
    assert after["files"] == before["files"]
    assert [path for path in after["files"] if TEMP_MARK in path] == []
    assert after["smtp"].startswith("220 %s " % lab["hostname"]), after["smtp"]
    assert after["imap"] is True
    assert after["soa"]
    assert after["soa"] == before["soa"]


def test_catalogue_doc_is_current():
    """docs/bad-input.md is the rendering of bad_input_cases.yml, so the documented table is the tested one."""
    assert DOC_FILE.read_text(encoding="utf-8") == render_doc(CASES)
