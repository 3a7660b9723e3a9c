"""A run that stops half-way still reloads what it changed (force_handlers in playbooks/site.yml).

The lab CA's copy of the server's certificate is removed on the controller, so the tls role issues
a new one (same key, new serial), installs it and notifies the reloads; a misspelt Postfix parameter,
which only Postfix itself can tell (the settings checks before any host changes pass it), then fails
the run when main.cf is written, after the certificate changed. The daemons
must serve the new certificate on the wire (IMAPS, submission, HTTPS), not only have it on disk:
without the forced handlers the next run would see nothing to change and nothing would reload them."""

import json
import os
import pathlib
import subprocess

import testinfra.utils.ansible_runner

from mailtests import lab_ca_file

PROJECT = pathlib.Path(__file__).resolve().parents[3]
INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("mail_servers")
CERT_FILE = "/etc/ssl/certs/tkj-mailserver.pem"
# Accepted by every settings check, refused by tkj.mailserver.postconf (postconf does not know it),
# which runs after the tls role in the mail play.
FAILS_AFTER_TLS = {"postfix_extra_settings": {"mesage_size_limit": 1048576}}


def served_fingerprints(host, lab):
    """The SHA-256 fingerprint of the certificate each port presents, read with openssl on the host."""
    ports = {"imaps": "-connect 127.0.0.1:993 -servername %s" % lab["hostname"],
             "submission": "-connect 127.0.0.1:587 -starttls smtp -servername %s" % lab["hostname"],
             "https": "-connect 127.0.0.1:443 -servername %s" % lab["webmail"]}
    return {name: host.check_output("openssl s_client %s </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256" % args)
            for name, args in ports.items()}


def test_a_failed_run_still_reloads_the_renewed_certificate(host, lab):
    """The run fails at main.cf, after the certificate was renewed; every port then serves the renewed
    certificate, the one in the file."""
    before = served_fingerprints(host, lab)
    (lab_ca_file(INVENTORY).parent / "issued" / ("%s.crt" % host.backend.host)).unlink()
    run = subprocess.run(["ansible-playbook", str(PROJECT / "playbooks" / "site.yml"), "-i", INVENTORY, "--limit", host.backend.host,
                          "-e", json.dumps(FAILS_AFTER_TLS)],
                         cwd=PROJECT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode != 0, run.stdout
    assert "unknown Postfix parameter 'mesage_size_limit'" in " ".join((run.stdout + run.stderr).split()), run.stderr
    on_disk = host.check_output("openssl x509 -in %s -noout -fingerprint -sha256", CERT_FILE)
    after = served_fingerprints(host, lab)
    assert set(before.values()) != {on_disk}, before
    assert after == dict.fromkeys(before, on_disk), (before, after, on_disk)
