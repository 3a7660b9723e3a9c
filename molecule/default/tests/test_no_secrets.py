"""No secret in any log: after the converge, its idempotence run and one more run with -vvv and
--diff, neither the server's journal (every field, as journalctl -o verbose shows them: modules log
their arguments in fields of their own) nor the controller's output holds the TLS private key, the
lab CA's key, Roundcube's des_key, the DKIM private key or a mail user's password or hash."""

import os
import pathlib
import re
import subprocess

import pytest
import testinfra.utils.ansible_runner

from mailtests import lab_ca_file

PROJECT = pathlib.Path(__file__).resolve().parents[3]
INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("mail_servers")
DES_KEY = re.compile(r"\$config\['des_key'\]\s*=\s*'([^']+)'")


def pem_lines(text):
    """The base64 lines of a PEM text: each is found whether the key was logged as text or JSON-escaped."""
    return [line for line in text.splitlines() if line and not line.startswith("-----")]


def secrets(host, users):
    """What may appear in no log, by what it is: pieces of each key, the des_key, the passwords and their hashes."""
    found = {
        "TLS key": pem_lines(host.file("/etc/ssl/private/tkj-mailserver.key").content_string),
        "lab CA key": pem_lines((lab_ca_file(INVENTORY).parent / "private" / "lab-ca.key").read_text(encoding="utf-8")),
        "DKIM key": pem_lines(host.check_output("cat /etc/dkimkeys/*.private")),
        "des_key": DES_KEY.findall(host.file("/etc/roundcube/config.inc.php").content_string),
        "passwords": [user["password"] for user in users],
        "hashes": [host.check_output("getent shadow %s", user["name"]).split(":")[1] for user in users],
    }
    assert all(found.values()), {what: len(values) for what, values in found.items()}
    return found


def leaks(text, found):
    """The kinds of secret that stand in ``text``."""
    return sorted(what for what, values in found.items() if any(value in text for value in values))


@pytest.fixture(scope="module")
def verbose_run(host):
    """site.yml once more on this server, with -vvv and --diff: what the controller prints."""
    run = subprocess.run(["ansible-playbook", str(PROJECT / "playbooks" / "site.yml"), "-i", INVENTORY, "--limit", host.backend.host,
                          "-vvv", "--diff"], cwd=PROJECT, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout + run.stderr


def test_controller_output_holds_no_secret(host, lab, verbose_run):
    """The -vvv --diff run prints module arguments and results, and none of the secrets."""
    assert leaks(verbose_run, secrets(host, lab["users"])) == []


def test_journal_holds_no_secret(host, lab, verbose_run):
    """The server's journal, after three runs, holds the modules' "Invoked with" lines (so it is the log that
    would leak) and none of the secrets."""
    journal = host.check_output("journalctl --no-pager -o verbose")
    assert "Invoked with" in journal
    assert leaks(journal, secrets(host, lab["users"])) == []
