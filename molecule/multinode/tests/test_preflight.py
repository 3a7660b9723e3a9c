"""A mistake stops the site playbook before any host changes, also on a bare host: every host's
settings are checked first, in plays that change nothing, before the tls role installs a package
or issues a certificate.

client2 is bare Debian 13 (no mail packages). A second inventory makes it a mail server of the lab
with a mailbox limit smaller than the message limit, which Postfix's checks refuse; the run, limited
to it, must fail with that message and leave it as bare as it was: no package of the collection, no
certificate on it, none issued for it by the lab CA on the controller."""

import json

import yaml

from conftest import INVENTORY, lab_ca_file

# Postfix's checks refuse these (mail Postfix would accept and then fail to deliver); the tls,
# Dovecot and DKIM checks before them pass.
REFUSED = {"postfix_mailbox_size_limit": 1048576, "postfix_message_size_limit": 2097152}
# What the tls, mail_auth, postfix and dovecot roles would install first.
PACKAGES = ["ssl-cert", "ca-certificates", "nginx", "opendkim", "opendmarc", "postfix", "dovecot-core"]


def installed(host):
    """The packages of PACKAGES that dpkg has installed on ``host``."""
    out = host.run("dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n' %s 2>/dev/null", " ".join(PACKAGES)).stdout
    return sorted(line.split()[-1] for line in out.splitlines() if line.startswith("ii "))


def test_a_refused_setting_stops_a_bare_host_before_it_changes(site_playbook, hosts, tmp_path):
    bare = hosts["client2"]
    before = installed(bare)
    assert "postfix" not in before and "opendkim" not in before, before
    extra_inventory = tmp_path / "client2-as-mail-server.yml"
    extra_inventory.write_text(yaml.safe_dump({"mail_servers": {"hosts": {"client2": {
        "postfix_domain": "alpha.lab", "postfix_hostname": "mail.alpha.lab"}}}}), encoding="utf-8")
    run = site_playbook("-i", extra_inventory, "--limit", "client2", "-e", json.dumps(REFUSED))
    assert run.wait(600) != 0, run.output
    assert "Postfix would accept such mail and then fail to deliver it" in " ".join(run.output.split()), run.output
    assert run.recap()["client2"]["changed"] == 0 and run.recap()["client2"]["failed"] == 1, run.recap()
    assert installed(bare) == before
    assert not bare.file("/etc/ssl/certs/tkj-mailserver.pem").exists
    assert not (lab_ca_file(INVENTORY).parent / "issued" / "client2.crt").exists()
