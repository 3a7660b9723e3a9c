# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of tkj.mailserver.certificate: the server's TLS certificate from the lab's own CA, from
the user's files, or Debian's snakeoil, checked on the controller and installed in one call of
tkj.mailserver.config_files.

Why an action and the cryptography library rather than community.crypto's modules: the CA and the
decisions (issue again? does this key fit this certificate?) belong on the controller, where the
CA is kept and where ansible-core already brings ``cryptography``; the managed hosts then need no
crypto library at all, the collection no dependency that would raise its ansible-core floor, and a
re-run costs one round trip to the host instead of six module calls."""

from __future__ import annotations

import base64
import datetime
import fcntl
import os
import tempfile
from contextlib import contextmanager

from ansible.errors import AnsibleActionFail, AnsibleFileNotFound
from ansible_collections.tkj.mailserver.plugins.plugin_utils import _certificates as certs
from ansible_collections.tkj.mailserver.plugins.plugin_utils._action import CollectionAction

ARGUMENT_SPEC = {
    "mode": {"type": "str", "choices": ["lab_ca", "own", "snakeoil"], "default": "lab_ca"},
    "names": {"type": "list", "elements": "str", "default": []},
    "ca_dir": {"type": "path"},
    "ca_name": {"type": "str", "default": "tkj.mailserver lab CA"},
    "ca_domains": {"type": "list", "elements": "str", "default": []},
    "ca_days": {"type": "int", "default": 3650},
    "days": {"type": "int", "default": 366},
    "renew_days": {"type": "int", "default": 30},
    "cert_src": {"type": "str"},
    "key_src": {"type": "str", "no_log": False},
    "chain_src": {"type": "str"},
    "remote_src": {"type": "bool", "default": False},
    "cert_file": {"type": "path", "default": "/etc/ssl/certs/tkj-mailserver.pem"},
    "key_file": {"type": "path", "default": "/etc/ssl/private/tkj-mailserver.key", "no_log": False},
    "ca_file": {"type": "path", "default": "/usr/local/share/ca-certificates/tkj-lab-ca.crt"},
}
SNAKEOIL_CERT = "/etc/ssl/certs/ssl-cert-snakeoil.pem"
SNAKEOIL_KEY = "/etc/ssl/private/ssl-cert-snakeoil.key"
CA_CERT_NAME = "lab-ca.crt"
CA_KEY_NAME = "lab-ca.key"


def write_private(path, text, mode):
    """Write ``text`` to ``path`` atomically, the file never readable beyond ``mode``."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tkj-")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def read(path):
    try:
        with open(path) as stream:
            return stream.read()
    except FileNotFoundError:
        return None


class LabCA:
    """The lab CA's directory on the controller:
    ca_dir/lab-ca.crt          the CA certificate, for students to import (0644)
    ca_dir/private/lab-ca.key  the CA's key (0600, in a 0700 directory)
    ca_dir/private/HOST.key    each server's key, ca_dir/issued/HOST.crt its certificate."""

    def __init__(self, directory):
        self.directory = directory
        self.private = os.path.join(directory, "private")
        self.issued = os.path.join(directory, "issued")
        self.cert_path = os.path.join(directory, CA_CERT_NAME)
        self.key_path = os.path.join(self.private, CA_KEY_NAME)

    @contextmanager
    def locked(self, create):
        """Hold the directory's lock: the hosts of a play run in parallel and must share one CA."""
        if create:
            for path, mode in ((self.directory, 0o755), (self.private, 0o700), (self.issued, 0o755)):
                os.makedirs(path, mode=mode, exist_ok=True)
            ignore = os.path.join(self.private, ".gitignore")
            if not os.path.exists(ignore):
                write_private(ignore, "# Private keys: never commit them.\n*\n", 0o644)
        if not os.path.isdir(self.private):
            yield
            return
        with open(os.path.join(self.private, ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self):
        """The CA's key and certificate, or (None, None) when there is no CA yet."""
        cert_text, key_text = read(self.cert_path), read(self.key_path)
        if cert_text is None and key_text is None:
            return None, None
        if cert_text is None or key_text is None:
            present, missing = (self.cert_path, self.key_path) if cert_text else (self.key_path, self.cert_path)
            raise certs.CertificateError(
                "%s has %s but not %s: put the missing file back, or move the directory away to make a new CA "
                "(students must then import the new one)" % (self.directory, present, missing))
        cert = certs.load_certs(cert_text, self.cert_path)[0]
        key = certs.load_key(key_text, self.key_path)
        if not certs.key_matches(cert, key):
            raise certs.CertificateError("%s is not the key of %s: put the right key back, or move %s away to make a new CA"
                                         % (self.key_path, self.cert_path, self.directory))
        return key, cert

    def host_paths(self, host):
        return os.path.join(self.private, "%s.key" % host), os.path.join(self.issued, "%s.crt" % host)


class ActionModule(CollectionAction):
    """Install this server's certificate, issued by the lab CA or brought by the user."""

    NAME = "certificate"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run(self, tmp=None, task_vars=None):
        result, args = self.start(tmp, task_vars)
        self.check_args(args)
        if certs.CRYPTOGRAPHY_ERROR is not None:
            raise AnsibleActionFail("tkj.mailserver.certificate needs the Python library cryptography on the controller, "
                                    "which ansible-core depends on (pip install cryptography, or apt install "
                                    "python3-cryptography): %s" % certs.CRYPTOGRAPHY_ERROR)
        host = task_vars.get("inventory_hostname", "localhost") if task_vars else "localhost"
        try:
            if args["mode"] == "snakeoil":
                return self.snakeoil(result, host)
            if args["mode"] == "lab_ca":
                planned = self.from_lab_ca(args, host)
            else:
                planned = self.from_own_files(args, task_vars)
        except certs.CertificateError as error:
            raise AnsibleActionFail("tkj.mailserver.certificate: %s. Nothing was changed." % error) from None
        return self.install(result, args, planned, task_vars)

    @staticmethod
    def check_args(args):
        problems = []
        for name in args["names"]:
            if not name or " " in name or name != name.strip("."):
                problems.append("names: %r is not a host name such as mail.nida.com" % name)
        if args["mode"] != "snakeoil" and not args["names"]:
            problems.append("names: give the names clients use for this server, for example [mail.nida.com]")
        if args["mode"] == "lab_ca" and not args["ca_dir"]:
            problems.append("ca_dir: give the controller directory that keeps the lab CA")
        if args["mode"] == "own" and not (args["cert_src"] and args["key_src"]):
            problems.append("mode=own needs cert_src and key_src (and chain_src when the CA is not trusted directly)")
        if not 0 <= args["renew_days"] < args["days"]:
            problems.append("renew_days (%d) must be at least 0 and less than days (%d), or every run would issue again"
                            % (args["renew_days"], args["days"]))
        if problems:
            raise AnsibleActionFail("tkj.mailserver.certificate: %s. Nothing was changed." % "; ".join(problems))

    def snakeoil(self, result, host):
        result.update(changed=False, mode="snakeoil", cert_file=SNAKEOIL_CERT, key_file=SNAKEOIL_KEY, ca_file="", verifiable=False)
        result.setdefault("warnings", []).append(
            "%s uses Debian's snakeoil certificate (mode=snakeoil): it is self-signed and named after the machine, not the "
            "mail host, so no mail client or browser can verify it; they warn, and mail between servers is not checked. "
            "mode=lab_ca gives certificates clients can verify." % host)
        return result

    def from_lab_ca(self, args, host):
        """The lab CA (made now if there is none) and this host's key and certificate, issued again
        when needed. In check mode nothing is written on the controller either."""
        lab = LabCA(os.path.abspath(os.path.expanduser(args["ca_dir"])))
        check_mode = self._task.check_mode
        planned = {"changed": False, "reason": None, "ca_created": False}
        with lab.locked(create=not check_mode):
            ca_key, ca_cert = lab.load()
            new_ca = ca_cert is None
            if new_ca:
                ca_key, ca_cert = certs.make_ca(args["ca_name"], args["ca_domains"], args["ca_days"])
            outside = certs.outside_constraints(ca_cert, args["names"])
            if outside and new_ca:
                raise certs.CertificateError(
                    "names %s are outside ca_domains (%s), the domains the new lab CA could sign for: add their domains "
                    "to ca_domains, or use names in those domains" % (", ".join(outside), ", ".join(args["ca_domains"])))
            if outside:
                raise certs.CertificateError(
                    "names %s are outside the domains the lab CA in %s may sign for (%s): use names in those domains, or "
                    "move that directory away so that a new CA is made with ca_domains covering them (students must then "
                    "import the new CA)" % (", ".join(outside), lab.directory, ", ".join(certs.permitted_domains(ca_cert))))
            if new_ca:
                planned.update(changed=True, ca_created=True)
                if not check_mode:
                    write_private(lab.key_path, certs.key_pem(ca_key), 0o600)
                    write_private(lab.cert_path, certs.cert_pem(ca_cert), 0o644)
            key_path, cert_path = lab.host_paths(host)
            key_text, cert_text = read(key_path), read(cert_path)
            key = certs.load_key(key_text, key_path) if key_text else certs.new_key()
            cert = certs.load_certs(cert_text, cert_path)[0] if cert_text else None
            reason = certs.reissue_reason(cert, key, ca_cert, args["names"], args["renew_days"], days=args["days"])
            if reason:
                cert = certs.issue(ca_key, ca_cert, key, args["names"], args["days"])
                planned.update(changed=True, reason=reason)
                if not check_mode:
                    if not key_text:
                        write_private(key_path, certs.key_pem(key), 0o600)
                    write_private(cert_path, certs.cert_pem(cert), 0o644)
        ca_warning = None
        if certs.not_after(ca_cert) - certs.now() < datetime.timedelta(days=args["renew_days"]):
            ca_warning = ("the lab CA in %s ends on %s; certificates it issues end with it. Move that directory away to make "
                          "a new CA (students must then import the new one)" % (lab.directory, certs.not_after(ca_cert).date()))
        planned.update(cert=cert, key_text=key_text or certs.key_pem(key), cert_text=certs.cert_pem(cert),
                       ca_text=certs.cert_pem(ca_cert), ca_certificate=lab.cert_path, ca_warning=ca_warning)
        return planned

    def source_text(self, path, remote, task_vars, secret=False):
        """The text of ``path``: on the host when ``remote`` (read with ansible.builtin.slurp, with
        no_log when the file is ``secret``), else on the controller (found as ansible.builtin.copy
        finds its src)."""
        if remote:
            execute = self.execute_secret_module if secret else self._execute_module
            slurped = execute(module_name="ansible.builtin.slurp", module_args={"src": path}, task_vars=task_vars)
            if slurped.get("failed"):
                raise certs.CertificateError("%s cannot be read on the host: %s" % (path, slurped.get("msg", "")))
            return base64.b64decode(slurped["content"]).decode("utf-8", "replace")
        try:
            found = self._find_needle("files", path)
        except AnsibleFileNotFound:
            raise certs.CertificateError("%s does not exist on the controller" % path) from None
        with open(found, encoding="utf-8", errors="replace") as stream:
            return stream.read()

    def from_own_files(self, args, task_vars):
        """The user's certificate, chain and key, checked before anything is installed."""
        remote = args["remote_src"]
        where = "on the host" if remote else "on the controller"
        cert_text = self.source_text(args["cert_src"], remote, task_vars)
        key_text = self.source_text(args["key_src"], remote, task_vars, secret=True)
        chain_text = self.source_text(args["chain_src"], remote, task_vars) if args["chain_src"] else ""
        cert = certs.check_own(cert_text, key_text, chain_text, args["names"], what=(
            "cert_src %s (%s)" % (args["cert_src"], where), "key_src %s (%s)" % (args["key_src"], where),
            "chain_src %s (%s)" % (args["chain_src"], where)))
        # The certificate first, then the intermediates, whether they came in cert_src or chain_src.
        chain = certs.load_certs(cert_text, "cert_src") + (certs.load_certs(chain_text, "chain_src") if chain_text else [])
        full_chain = "".join(certs.cert_pem(each) for each in chain)
        return {"changed": False, "reason": None, "ca_created": False, "cert": cert, "key_text": key_text,
                "cert_text": full_chain, "ca_text": None, "ca_certificate": None, "ca_warning": None}

    def install(self, result, args, planned, task_vars):
        """Write the key, the certificate and (lab CA) the CA certificate on the host, all or none.
        The key travels as a secret item of config_files, called with no_log so that the host's
        journal never records it; its diff shows a placeholder, never the key."""
        files = [
            {"path": args["key_file"], "content": planned["key_text"], "owner": "root", "group": "root", "mode": "0600", "secret": True},
            {"path": args["cert_file"], "content": planned["cert_text"], "owner": "root", "group": "root", "mode": "0644"},
        ]
        if planned["ca_text"]:
            files.append({"path": args["ca_file"], "content": planned["ca_text"], "owner": "root", "group": "root", "mode": "0644"})
        written = self.execute_secret_module("tkj.mailserver.config_files", {"files": files}, task_vars)
        written.pop("invocation", None)
        if written.get("failed"):
            result.update(failed=True, msg="tkj.mailserver.certificate: installing on the host failed: %s" % written.get("msg"))
            return result
        cert = planned["cert"]
        result.update(
            changed=planned["changed"] or written.get("changed", False),
            mode=args["mode"],
            cert_file=args["cert_file"],
            key_file=args["key_file"],
            ca_file=args["ca_file"] if planned["ca_text"] else "",
            verifiable=True,
            names=certs.dns_names(cert),
            not_after=certs.not_after(cert).isoformat(),
            fingerprint=certs.fingerprint(cert),
            issuer=cert.issuer.rfc4514_string(),
            reason=planned["reason"],
            ca_created=planned["ca_created"],
            ca_certificate=planned["ca_certificate"],
            ca_pem=planned["ca_text"] or "",
            ca_fingerprint=certs.fingerprint(certs.load_certs(planned["ca_text"], "the CA")[0]) if planned["ca_text"] else "",
            changed_files=written.get("changed_files", []),
            diff=written.get("diff", []),
        )
        if planned["ca_warning"]:
            result.setdefault("warnings", []).append(planned["ca_warning"])
        return result
