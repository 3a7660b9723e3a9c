# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificates for the lab, on the controller: a small certificate authority made once, the
certificates it issues, and the checks a certificate must pass before it is installed.

The cryptography is the ``cryptography`` library's (which ansible-core itself depends on); this
file only decides what goes into a certificate and when one is due. It is controller-side code
(plugin_utils): the managed hosts need no crypto library."""

from __future__ import annotations

import datetime
import hashlib

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    CRYPTOGRAPHY_ERROR = None
except ImportError as error:  # ansible-core depends on it; the action says so if it is missing
    CRYPTOGRAPHY_ERROR = error

UTC = datetime.timezone.utc
KEY_SIZE = 2048
CA_KEY_SIZE = 3072
# Clocks in a classroom are often a little wrong: a certificate is valid from an hour ago.
BACKDATE = datetime.timedelta(hours=1)


class CertificateError(Exception):
    """A certificate, key or chain that cannot be used, with the reason in words."""


def now():
    return datetime.datetime.now(UTC)


def not_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=UTC)


def not_after(cert):
    """The end of ``cert``'s validity, timezone-aware (cryptography < 42 has only the naive value)."""
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=UTC)


def new_key(size=KEY_SIZE):
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def key_pem(key):
    """The private key as unencrypted PKCS#8 PEM, which Postfix, Dovecot and nginx all read."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_certs(text, what):
    """Every certificate in the PEM ``text``, in order; CertificateError naming ``what`` if none."""
    blocks, marker = [], "-----END CERTIFICATE-----"
    for part in text.split(marker)[:-1]:
        start = part.find("-----BEGIN CERTIFICATE-----")
        if start >= 0:
            blocks.append(part[start:] + marker + "\n")
    if not blocks:
        raise CertificateError("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)" % what)
    try:
        return [x509.load_pem_x509_certificate(block.encode("ascii")) for block in blocks]
    except ValueError as error:
        raise CertificateError("%s holds a certificate that cannot be read: %s" % (what, error)) from None


def load_key(text, what):
    """The private key in the PEM ``text``; CertificateError naming ``what`` if it is not one we can use."""
    try:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    except TypeError:
        raise CertificateError("%s is protected by a passphrase; mail servers start unattended, "
                               "so give the key without one (openssl pkey -in KEY -out KEY.plain)" % what) from None
    except (ValueError, UnicodeEncodeError) as error:
        raise CertificateError("%s holds no PEM private key that can be read (%s)" % (what, error)) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise CertificateError("%s is a %s key; use an RSA or ECDSA key" % (what, type(key).__name__))
    return key


def public_bytes(key_or_cert):
    public = key_or_cert.public_key()
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches(cert, key):
    """True when ``key`` is the private key of ``cert``."""
    return public_bytes(cert) == public_bytes(key)


def fingerprint(cert):
    """The SHA-256 fingerprint as browsers and Thunderbird show it (AA:BB:...)."""
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def dns_names(cert):
    """The DNS names of ``cert``'s subjectAltName (what clients check; the CN no longer counts)."""
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in extension.value.get_values_for_type(x509.DNSName)]


def name_covered(name, patterns):
    """True when ``name`` is one of ``patterns`` or matches a wildcard among them (*.nida.com covers
    mail.nida.com, not nida.com nor a.b.nida.com), as TLS clients match names."""
    name = name.lower().rstrip(".")
    for pattern in (pattern.lower() for pattern in patterns):
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def uncovered(cert, names):
    """The ``names`` that ``cert`` is not valid for."""
    patterns = dns_names(cert)
    return [name for name in names if not name_covered(name, patterns)]


def permitted_domains(ca_cert):
    """The DNS name constraints of the CA (an empty list when it has none)."""
    try:
        extension = ca_cert.extensions.get_extension_for_class(x509.NameConstraints)
    except x509.ExtensionNotFound:
        return []
    return [subtree.value.lower() for subtree in extension.value.permitted_subtrees or [] if isinstance(subtree, x509.DNSName)]


def outside_constraints(ca_cert, names):
    """The ``names`` that the CA may not issue for (a name constraint of nida.com allows nida.com
    and every name under it)."""
    domains = permitted_domains(ca_cert)
    if not domains:
        return []
    return [name for name in names
            if not any(name.lower() == domain or name.lower().endswith("." + domain) for domain in domains)]


def issued_by(cert, ca_cert):
    """True when ``ca_cert``'s key signed ``cert`` (issuer name and signature both checked)."""
    if cert.issuer != ca_cert.subject:
        return False
    public = ca_cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        else:
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    except Exception:  # pylint: disable=broad-except  # InvalidSignature, or a key of another kind
        return False
    return True


def serial():
    return x509.random_serial_number()


def make_ca(common_name, domains, days, at=None):
    """A new CA key and self-signed certificate, valid ``days``, that may sign only for ``domains``
    and the names under them (no constraint when ``domains`` is empty)."""
    at = at or now()
    key = new_key(CA_KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tkj.mailserver lab")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(serial()).not_valid_before(at - BACKDATE).not_valid_after(at + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if domains:
        builder = builder.add_extension(
            x509.NameConstraints(permitted_subtrees=[x509.DNSName(domain) for domain in domains], excluded_subtrees=None),
            critical=True)
    return key, builder.sign(key, hashes.SHA256())


def issue(ca_key, ca_cert, key, names, days, at=None):
    """A certificate for ``key`` and the DNS ``names`` (the first is the subject), signed by the CA,
    valid ``days`` but never beyond the CA itself; usable by servers and, for Postfix's client
    certificate between lab servers, by clients."""
    at = at or now()
    end = min(at + datetime.timedelta(days=days), not_after(ca_cert))
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
               .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(serial())
               .not_valid_before(at - BACKDATE).not_valid_after(end)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False))
    return builder.sign(ca_key, hashes.SHA256())


def reissue_reason(cert, key, ca_cert, names, renew_days, at=None, days=None):
    """Why the certificate must be issued again, in words, or None when it is still good: it is
    missing, its key is not ``key``, the CA did not sign it, its names are not ``names``, it is
    valid for more than ``days`` (a day's leeway for the backdated start; an older, longer default),
    or it ends within ``renew_days``."""
    at = at or now()
    if cert is None:
        return "there is no certificate yet"
    if not key_matches(cert, key):
        return "the certificate is not for this server's key"
    if not issued_by(cert, ca_cert):
        return "the certificate was not issued by this lab CA"
    if sorted(dns_names(cert)) != sorted(name.lower() for name in names):
        return "the names changed (%s, now %s)" % (", ".join(dns_names(cert)), ", ".join(names))
    lifespan = not_after(cert) - not_before(cert)
    if days is not None and lifespan > datetime.timedelta(days=days + 1):
        return "it is valid for %d days, more than days (%d)" % (lifespan.days, days)
    # A certificate that already ends with the CA cannot be given more time: the CA's warning says so.
    if not_after(cert) - at < datetime.timedelta(days=renew_days) and not_after(cert) < not_after(ca_cert):
        return "it ends on %s, within %d days" % (not_after(cert).strftime("%Y-%m-%d"), renew_days)
    return None


def check_own(cert_text, key_text, chain_text, names, at=None, what=("cert", "key", "chain")):
    """Check a certificate the user brings, before anything is installed: the key is the
    certificate's, it covers every one of ``names``, and it is valid now. Returns the certificate;
    raises CertificateError saying what is wrong and naming the file (``what``)."""
    at = at or now()
    cert_what, key_what, chain_what = what
    cert = load_certs(cert_text, cert_what)[0]
    key = load_key(key_text, key_what)
    if chain_text:
        load_certs(chain_text, chain_what)
    if not key_matches(cert, key):
        raise CertificateError("%s is not the private key of %s (their public keys differ)" % (key_what, cert_what))
    missing = uncovered(cert, names)
    if missing:
        raise CertificateError("%s is for %s, not for %s: clients would refuse it" % (
            cert_what, ", ".join(dns_names(cert)) or "no DNS name (no subjectAltName)", ", ".join(missing)))
    if not_after(cert) < at:
        raise CertificateError("%s expired on %s" % (cert_what, not_after(cert).strftime("%Y-%m-%d")))
    if not_before(cert) > at:
        raise CertificateError("%s is valid only from %s (is this machine's clock right?)" % (
            cert_what, not_before(cert).strftime("%Y-%m-%d %H:%M UTC")))
    return cert
