# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the controller-side certificate helpers of tkj.mailserver (plugin_utils/_certificates.py):
what the lab CA and the certificates it issues contain, when a certificate is due again, how names
are matched, and why a certificate the user brings is refused. The RSA keys are made once per module."""

from __future__ import annotations

import datetime
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.tkj.mailserver.plugins.plugin_utils import _certificates as certs
from ansible_collections.tkj.mailserver.plugins.plugin_utils._certificates import CertificateError

NAMES = ["mail.nida.com", "webmail.nida.com"]
WHAT = ("cert.pem", "key.pem", "chain.pem")
DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def lab():
    """The lab CA (key, certificate), constrained to nida.com."""
    return certs.make_ca("Test lab CA", ["nida.com"], 3650)


@pytest.fixture(scope="module")
def other_lab():
    """A second CA with the very same subject as ``lab`` but its own key."""
    return certs.make_ca("Test lab CA", ["nida.com"], 3650)


@pytest.fixture(scope="module")
def open_lab():
    """A CA made without ca_domains: no name constraint."""
    return certs.make_ca("Open lab CA", [], 30)


@pytest.fixture(scope="module")
def host_key():
    return certs.new_key()


@pytest.fixture(scope="module")
def other_key():
    return certs.new_key()


@pytest.fixture(scope="module")
def cert(lab, host_key):
    """The server certificate the lab CA issues for ``host_key`` and NAMES, valid 397 days."""
    ca_key, ca_cert = lab
    return certs.issue(ca_key, ca_cert, host_key, NAMES, 397)


def self_signed(key, names, not_before, not_after, algorithm=None):
    """A self-signed certificate for ``names``, built here with cryptography's own CertificateBuilder."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False))
    return builder.sign(key, algorithm)


def pem(*certificates):
    return "".join(certs.cert_pem(c) for c in certificates)


# What the CA and its certificates contain.

def test_issued_certificate_verifies_against_its_ca(lab, other_lab, cert, host_key, other_key):
    """The issued certificate is signed by the lab CA's key, not by another CA with the same name,
    and belongs to the server's key."""
    _ca_key, ca_cert = lab
    assert other_lab[1].subject == ca_cert.subject
    assert certs.issued_by(cert, ca_cert) is True
    assert certs.issued_by(cert, other_lab[1]) is False
    assert cert.issuer == ca_cert.subject
    assert certs.key_matches(cert, host_key) is True
    assert certs.key_matches(cert, other_key) is False


def test_issued_certificate_is_a_server_and_client_certificate_for_the_names(cert):
    """The names are in the subjectAltName (the first also the CN); extended key usage is serverAuth
    and clientAuth; the certificate is no CA."""
    assert certs.dns_names(cert) == NAMES
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "mail.nida.com"
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usage) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical is True and basic.value.ca is False
    key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert key_usage.digital_signature and key_usage.key_encipherment and not key_usage.key_cert_sign


def test_issued_certificate_is_valid_from_an_hour_ago_for_the_days_asked(lab, host_key):
    """Validity starts an hour back (classroom clocks) and lasts the days asked for."""
    ca_key, ca_cert = lab
    at = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=certs.UTC)
    issued = certs.issue(ca_key, ca_cert, host_key, ["mail.nida.com"], 90, at=at)
    start = getattr(issued, "not_valid_before_utc", None) or issued.not_valid_before.replace(tzinfo=certs.UTC)
    assert start == at - datetime.timedelta(hours=1)
    assert certs.not_after(issued) == at + 90 * DAY


def test_certificate_never_outlives_its_ca(lab, host_key):
    """A certificate issued 100 days before the CA ends, for 397 days, ends with the CA."""
    ca_key, ca_cert = lab
    issued = certs.issue(ca_key, ca_cert, host_key, ["mail.nida.com"], 397, at=certs.not_after(ca_cert) - 100 * DAY)
    assert certs.not_after(issued) == certs.not_after(ca_cert)
    assert certs.issued_by(issued, ca_cert)


def test_a_short_lived_ca_limits_what_it_issues(open_lab, host_key):
    """A CA made for 30 days issues a 397-day certificate that ends on the CA's last day."""
    ca_key, ca_cert = open_lab
    issued = certs.issue(ca_key, ca_cert, host_key, ["mail.example.org"], 397)
    assert certs.not_after(issued) == certs.not_after(ca_cert)
    assert certs.not_after(ca_cert) - certs.now() < 31 * DAY


def test_ca_certificate_is_a_constrained_self_signed_ca(lab):
    """The CA certificate is self-signed, a CA (critical basicConstraints, keyCertSign) and carries a
    critical NameConstraints extension permitting exactly its domains."""
    _ca_key, ca_cert = lab
    assert certs.issued_by(ca_cert, ca_cert)
    basic = ca_cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical is True and basic.value.ca is True
    assert ca_cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical is True
    assert constraints.value.permitted_subtrees == [x509.DNSName("nida.com")]
    assert not constraints.value.excluded_subtrees
    assert certs.permitted_domains(ca_cert) == ["nida.com"]
    assert certs.dns_names(ca_cert) == []


def test_ca_without_domains_has_no_name_constraint(open_lab):
    """A CA made with no domains has no NameConstraints and may issue for any name."""
    _ca_key, ca_cert = open_lab
    with pytest.raises(x509.ExtensionNotFound):
        ca_cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert certs.outside_constraints(ca_cert, ["mail.example.org", "www.bank.example"]) == []


def test_outside_constraints_allows_the_domain_and_names_under_it_only(lab):
    """nida.com allows nida.com and every name under it, not a name that merely ends in the same letters
    or contains the domain elsewhere."""
    _ca_key, ca_cert = lab
    names = ["nida.com", "mail.nida.com", "a.b.nida.com", "*.nida.com", "evilnida.com", "nida.com.evil.org", "mail.example.org"]
    assert certs.outside_constraints(ca_cert, names) == ["evilnida.com", "nida.com.evil.org", "mail.example.org"]


# When a certificate is issued again.

def test_fresh_certificate_needs_no_reissue(lab, cert, host_key):
    """The certificate just issued is good, whatever the order or case the names are given in."""
    _ca_key, ca_cert = lab
    assert certs.reissue_reason(cert, host_key, ca_cert, NAMES, 30) is None
    assert certs.reissue_reason(cert, host_key, ca_cert, ["WEBMAIL.nida.com", "mail.nida.com"], 30) is None


def test_reissue_when_there_is_no_certificate(lab, host_key):
    """No certificate yet: it must be issued."""
    assert certs.reissue_reason(None, host_key, lab[1], NAMES, 30) == "there is no certificate yet"


def test_reissue_when_the_names_changed(lab, cert, host_key):
    """A name removed or a name added: the reason lists the certificate's names and the new ones."""
    _ca_key, ca_cert = lab
    assert certs.reissue_reason(cert, host_key, ca_cert, ["mail.nida.com"], 30) == \
        "the names changed (mail.nida.com, webmail.nida.com, now mail.nida.com)"
    assert certs.reissue_reason(cert, host_key, ca_cert, NAMES + ["smtp.nida.com"], 30) == \
        "the names changed (mail.nida.com, webmail.nida.com, now mail.nida.com, webmail.nida.com, smtp.nida.com)"


def test_reissue_when_another_ca_signed_it(other_lab, cert, host_key):
    """A CA with the same name but another key did not sign the certificate."""
    assert certs.reissue_reason(cert, host_key, other_lab[1], NAMES, 30) == "the certificate was not issued by this lab CA"


def test_reissue_when_the_key_is_another(lab, cert, other_key):
    """The server's key is not the certificate's."""
    assert certs.reissue_reason(cert, other_key, lab[1], NAMES, 30) == "the certificate is not for this server's key"


def test_reissue_within_renew_days(lab, cert, host_key):
    """Fewer than renew_days days left: due, with the end date in the reason; one day more is still good."""
    _ca_key, ca_cert = lab
    end = certs.not_after(cert)
    late = end - 29 * DAY
    assert certs.reissue_reason(cert, host_key, ca_cert, NAMES, 30, at=late) == \
        "it ends on %s, within 30 days" % end.strftime("%Y-%m-%d")
    assert certs.reissue_reason(cert, host_key, ca_cert, NAMES, 30, at=end - 31 * DAY) is None
    # renew_days beyond the whole validity: due at once.
    assert certs.reissue_reason(cert, host_key, ca_cert, NAMES, 400).endswith("within 400 days")


# Name matching.

@pytest.mark.parametrize("name, patterns, covered", [
    ("mail.nida.com", ["*.nida.com"], True),
    ("nida.com", ["*.nida.com"], False),
    ("a.b.nida.com", ["*.nida.com"], False),
    ("MAIL.Nida.COM", ["*.nida.com"], True),
    ("MAIL.Nida.COM", ["mail.nida.com"], True),
    ("mail.nida.com", ["mail.nida.com"], True),
    ("mail.nida.com", ["webmail.nida.com", "nida.com"], False),
    ("mail.nida.com", ["*.nida.org"], False),
    ("mail.nida.com", [], False),
])
def test_name_covered_follows_tls_wildcard_rules(name, patterns, covered):
    """A wildcard covers exactly one label; the name is compared without regard to case."""
    assert certs.name_covered(name, patterns) is covered


def test_uncovered_lists_the_names_a_certificate_is_not_for(lab, host_key):
    """uncovered matches against the certificate's subjectAltName, whose names count in any case."""
    ca_key, ca_cert = lab
    wildcard = certs.issue(ca_key, ca_cert, host_key, ["*.NIDA.com"], 30)
    assert certs.dns_names(wildcard) == ["*.nida.com"]
    assert certs.uncovered(wildcard, ["mail.nida.com", "Webmail.nida.com", "nida.com", "a.b.nida.com"]) == ["nida.com", "a.b.nida.com"]


# Reading PEM.

def test_load_certs_reads_every_certificate_in_order(lab, cert):
    """A certificate followed by its chain, with text around them, gives both certificates in order."""
    text = "subject=CN = mail.nida.com\n" + pem(cert) + "# the CA\n" + pem(lab[1]) + "trailing words\n"
    assert certs.load_certs(text, "bundle") == [cert, lab[1]]


@pytest.mark.parametrize("text, message", [
    ("", "bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
    ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "bundle holds no PEM certificate"),
    ("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", "bundle holds a certificate that cannot be read"),
])
def test_load_certs_refuses_text_without_a_readable_certificate(text, message):
    """No certificate block, or one that is not a certificate: CertificateError naming the file."""
    with pytest.raises(CertificateError, match="^" + re.escape(message)):
        certs.load_certs(text, "bundle")


def test_key_pem_is_unencrypted_pkcs8_that_load_key_reads_back(host_key):
    """The key is written as unencrypted PKCS#8, and reads back as the same key."""
    text = certs.key_pem(host_key)
    assert text.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert certs.public_bytes(certs.load_key(text, "key")) == certs.public_bytes(host_key)


def test_load_key_refuses_keys_mail_servers_cannot_use():
    """Garbage and an Ed25519 key are refused with the file named."""
    with pytest.raises(CertificateError, match=r"^key\.pem holds no PEM private key that can be read"):
        certs.load_key("not a key\n", "key.pem")
    ed_key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode("ascii")
    with pytest.raises(CertificateError, match=r"^key\.pem is a .*Ed25519.* key; use an RSA or ECDSA key"):
        certs.load_key(ed_key, "key.pem")


def test_fingerprint_is_the_sha256_of_the_certificate_in_colon_pairs(cert):
    """The fingerprint is the SHA-256 of the DER certificate, upper-case hex pairs joined by colons."""
    value = certs.fingerprint(cert)
    assert re.match(r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$", value)
    assert value.replace(":", "").lower() == cert.fingerprint(hashes.SHA256()).hex()


def test_issued_by_checks_ecdsa_signatures_too():
    """An ECDSA-signed certificate verifies against its own key, and not against another ECDSA key's."""
    key, stranger = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    start = certs.now() - DAY
    signed = self_signed(key, ["mail.nida.com"], start, start + 30 * DAY, hashes.SHA256())
    impostor = self_signed(stranger, ["mail.nida.com"], start, start + 30 * DAY, hashes.SHA256())
    assert certs.issued_by(signed, signed) is True
    assert certs.issued_by(signed, impostor) is False


# Checking a certificate the user brings.

def test_check_own_accepts_a_valid_certificate_key_and_chain(lab, cert, host_key):
    """A certificate for the names, its key and a chain pass, and the certificate is returned."""
    checked = certs.check_own(pem(cert), certs.key_pem(host_key), pem(lab[1]), ["mail.nida.com"], what=WHAT)
    assert checked == cert
    assert certs.check_own(pem(cert), certs.key_pem(host_key), "", NAMES, what=WHAT) == cert


def test_check_own_accepts_an_ecdsa_certificate_and_key():
    """An ECDSA certificate with its key is usable."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = certs.now() - DAY
    own = self_signed(key, ["mail.example.org"], start, start + 90 * DAY, hashes.SHA256())
    key_text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption()).decode("ascii")
    assert certs.check_own(pem(own), key_text, "", ["mail.example.org"], what=WHAT) == own


def test_check_own_refuses_a_key_that_is_not_the_certificates(cert, other_key):
    """Another key: refused, naming both files."""
    with pytest.raises(CertificateError, match=r"^key\.pem is not the private key of cert\.pem \(their public keys differ\)$"):
        certs.check_own(pem(cert), certs.key_pem(other_key), "", ["mail.nida.com"], what=WHAT)


def test_check_own_refuses_a_certificate_not_for_every_name(cert, host_key):
    """A name the certificate does not cover: refused, with the names it is for and the ones missing."""
    with pytest.raises(CertificateError) as error:
        certs.check_own(pem(cert), certs.key_pem(host_key), "", ["mail.nida.com", "smtp.nida.com", "nida.com"], what=WHAT)
    assert str(error.value) == "cert.pem is for mail.nida.com, webmail.nida.com, not for smtp.nida.com, nida.com: clients would refuse it"


def test_check_own_refuses_a_certificate_without_subject_alt_name(lab):
    """A certificate without DNS names (here the CA's own) covers no name."""
    ca_key, ca_cert = lab
    with pytest.raises(CertificateError, match=r"^cert\.pem is for no DNS name \(no subjectAltName\), not for mail\.nida\.com"):
        certs.check_own(pem(ca_cert), certs.key_pem(ca_key), "", ["mail.nida.com"], what=WHAT)


def test_check_own_refuses_an_expired_certificate(host_key):
    """A certificate whose end is past: refused with the date it expired."""
    end = (certs.now() - 10 * DAY).replace(microsecond=0)
    expired = self_signed(host_key, ["mail.nida.com"], end - 365 * DAY, end, hashes.SHA256())
    with pytest.raises(CertificateError, match=r"^cert\.pem expired on %s$" % end.strftime("%Y-%m-%d")):
        certs.check_own(pem(expired), certs.key_pem(host_key), "", ["mail.nida.com"], what=WHAT)


def test_check_own_refuses_a_passphrase_protected_key(cert, host_key):
    """An encrypted key cannot be used by a server that starts unattended: the message says passphrase."""
    encrypted = host_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(b"secret")).decode("ascii")
    with pytest.raises(CertificateError, match=r"^key\.pem is protected by a passphrase"):
        certs.check_own(pem(cert), encrypted, "", ["mail.nida.com"], what=WHAT)


@pytest.mark.parametrize("field, message", [
    ("cert", "cert.pem holds no PEM certificate"),
    ("chain", "chain.pem holds no PEM certificate"),
    ("key", "key.pem holds no PEM private key that can be read"),
])
def test_check_own_refuses_text_without_certificate_or_key(cert, host_key, field, message):
    """A certificate, chain or key file that holds no PEM of its kind is refused, naming that file."""
    texts = {"cert": pem(cert), "key": certs.key_pem(host_key), "chain": pem(cert)}
    texts[field] = "This is not PEM at all.\n"
    with pytest.raises(CertificateError, match="^" + re.escape(message)):
        certs.check_own(texts["cert"], texts["key"], texts["chain"], ["mail.nida.com"], what=WHAT)


def test_names_and_patterns_compare_without_case(lab):
    """DNS names have no case: Mail.Nida.COM is inside the nida.com constraint, and *.NIDA.com or
    Mail.nida.com in a certificate cover mail.nida.com."""
    _ca_key, ca_cert = lab
    assert certs.outside_constraints(ca_cert, ["Mail.Nida.COM"]) == []
    assert certs.name_covered("mail.nida.com", ["*.NIDA.com"])
    assert certs.name_covered("mail.nida.com", ["Mail.nida.com"])


def test_check_own_refuses_a_certificate_not_valid_yet(host_key):
    """A certificate whose validity starts tomorrow is refused now, naming the date."""
    now = certs.now()
    future = self_signed(host_key, ["mail.nida.com"], now + DAY, now + 30 * DAY, hashes.SHA256())
    with pytest.raises(CertificateError, match="cert.pem is valid only from %s" % (now + DAY).strftime("%Y-%m-%d")):
        certs.check_own(pem(future), certs.key_pem(host_key), "", ["mail.nida.com"], what=WHAT)


def test_a_certificate_ending_with_its_ca_is_not_issued_again_every_run(open_lab, host_key):
    """When the CA itself ends within renew_days, a certificate already ending with the CA gets no
    more time by issuing it again: no reissue (the CA's warning says what to do)."""
    ca_key, ca_cert = open_lab  # valid 30 days
    cert = certs.issue(ca_key, ca_cert, host_key, ["mail.nida.com"], 397)
    assert certs.not_after(cert) == certs.not_after(ca_cert)
    assert certs.reissue_reason(cert, host_key, ca_cert, ["mail.nida.com"], 60) is None


def test_reissue_when_valid_longer_than_days(lab, host_key):
    """A certificate of an older, longer default (397 days) is issued again for the profile's 366; one issued for
    366 days (with its backdated start) is good."""
    ca_key, ca_cert = lab
    long_lived = certs.issue(ca_key, ca_cert, host_key, NAMES, 397)
    assert certs.reissue_reason(long_lived, host_key, ca_cert, NAMES, 30, days=366) == \
        "it is valid for 397 days, more than days (366)"
    assert certs.reissue_reason(certs.issue(ca_key, ca_cert, host_key, NAMES, 366), host_key, ca_cert, NAMES, 30, days=366) is None
