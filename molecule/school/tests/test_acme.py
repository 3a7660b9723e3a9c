"""The school's certificate from an ACME CA (tls_mode: acme): Debian's Pebble on the test network
issued it through certbot and HTTP-01 on the first run; IMAP, submission and the webmail serve it,
verified against Pebble's root; certbot's timer is on, and a renewal is served on all three at once,
through the deploy hook, without a reload by hand."""

import re

import pytest

from mailtests import PROBE_CA, wait_for

# (port, openssl's STARTTLS protocol or None, the name asked for)
PORTS = ((993, None, "hostname"), (587, "smtp", "hostname"), (443, None, "webmail"))


def served(host, school, port, starttls, name):
    """The certificate ``host`` serves on 127.0.0.1:``port`` for ``name``: {serial, names, issuer, verified}."""
    start = "-starttls %s " % starttls if starttls else ""
    out = host.run("openssl s_client -connect 127.0.0.1:%d %s-servername %s -verify_hostname %s -CAfile %s </dev/null 2>&1 "
                   "| tee /root/s_client.txt | openssl x509 -noout -serial -issuer -ext subjectAltName; grep -a 'Verify return code' "
                   "/root/s_client.txt" % (port, start, school[name], school[name], PROBE_CA)).stdout
    serial = re.search(r"serial=(\w+)", out)
    return {"serial": serial.group(1) if serial else None, "names": re.findall(r"DNS:([\w.-]+)", out),
            "issuer": re.search(r"issuer=(.*)", out).group(1) if "issuer=" in out else "",
            "verified": "Verify return code: 0 (ok)" in out}


def renewed_on(host, school, port, starttls, name, before):
    """What ``port`` serves, once it is no longer the certificate whose serial is ``before`` (else None)."""
    found = served(host, school, port, starttls, name)
    return found if found["serial"] not in (None, before) else None


@pytest.fixture(scope="module")
def first(hosts, school):
    return {port: served(hosts["sekolah"], school, port, starttls, name) for port, starttls, name in PORTS}


def test_imap_submission_and_webmail_serve_the_acme_certificate_verified(first, school):
    for port, found in first.items():
        assert found["verified"], (port, found)
        assert sorted(found["names"]) == sorted([school["hostname"], school["webmail"]]), (port, found)
        assert "Pebble" in found["issuer"], (port, found)
    assert len({found["serial"] for found in first.values()}) == 1, first


def test_certbot_renews_by_its_own_timer(hosts):
    assert hosts["sekolah"].service("certbot.timer").is_running


def test_a_renewal_is_served_on_every_port_without_a_reload_by_hand(first, hosts, school):
    server = hosts["sekolah"]
    before = first[993]["serial"]
    server.run_test("certbot renew --force-renewal --cert-name tkj-mailserver --no-random-sleep-on-renew")
    for port, starttls, name in PORTS:
        renewed = wait_for(lambda port=port, starttls=starttls, name=name: renewed_on(server, school, port, starttls, name, before),
                           what="the renewed certificate on port %d" % port)
        assert renewed["verified"], (port, renewed)
    lineage = server.file("/etc/letsencrypt/live/tkj-mailserver/fullchain.pem").content_string
    assert server.file("/etc/ssl/certs/tkj-mailserver.pem").content_string == lineage
    key = server.file("/etc/ssl/private/tkj-mailserver.key")
    assert (key.user, key.mode) == ("root", 0o600)
