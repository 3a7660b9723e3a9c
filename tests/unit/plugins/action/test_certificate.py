# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the tkj.mailserver.certificate action: the lab CA kept in a ca_dir under tmp_path,
when a certificate is issued again, the user's own files checked, and what is handed to
tkj.mailserver.config_files (faked) for the host."""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import stat
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail, AnsibleFileNotFound
from ansible.plugins.action import ActionBase
from ansible_collections.tkj.mailserver.plugins.action import certificate
from ansible_collections.tkj.mailserver.plugins.plugin_utils import _certificates as certs

HOST = "mail1"
KEY_FILE = "/etc/ssl/private/tkj-mailserver.key"
CERT_FILE = "/etc/ssl/certs/tkj-mailserver.pem"
CA_FILE = "/usr/local/share/ca-certificates/tkj-lab-ca.crt"
REAL_NEW_KEY = certs.new_key
KEY_POOL = {}


@pytest.fixture(autouse=True)
def pooled_keys(monkeypatch):
    """RSA keys are slow to make: each test draws distinct keys, of the size asked, from a pool kept
    across the tests of this file (every test has its own ca_dir, so no two share a CA)."""
    taken = {}

    def new_key(size=certs.KEY_SIZE):
        pool = KEY_POOL.setdefault(size, [])
        index = taken[size] = taken.get(size, -1) + 1
        while len(pool) <= index:
            pool.append(REAL_NEW_KEY(size))
        return pool[index]

    monkeypatch.setattr(certs, "new_key", new_key)


def module_result(changed=True, changed_files=None):
    """What config_files answers: its result, with the invocation Ansible adds."""
    return {"changed": changed, "changed_files": list(changed_files if changed_files is not None else [KEY_FILE, CERT_FILE]),
            "diff": [], "invocation": {"module_args": {"files": "..."}}}


def make_action(args, check_mode=False, answer=None, find_needle=None):
    """The action with ``args``; the host's modules answer ``answer`` (a dict, or a function of
    module_name and module_args); a controller file is found where its src says."""
    action = certificate.ActionModule.__new__(certificate.ActionModule)
    action._task = mock.MagicMock(args=args, check_mode=check_mode)
    if callable(answer):
        action._execute_module = mock.MagicMock(side_effect=lambda module_name, module_args, task_vars: answer(module_name, module_args))
    else:
        action._execute_module = mock.MagicMock(side_effect=lambda **kwargs: dict(answer or module_result()))
    action._find_needle = mock.MagicMock(side_effect=find_needle or (lambda dirname, needle: needle))
    return action


def run(action, host=HOST):
    with mock.patch.object(ActionBase, "run", return_value={}):
        return action.run(task_vars={"inventory_hostname": host})


def run_action(args, check_mode=False, answer=None, host=HOST, find_needle=None):
    """Run the action with ``args`` for ``host``. Returns (result, the _execute_module calls)."""
    action = make_action(args, check_mode, answer, find_needle)
    result = run(action, host)
    return result, action._execute_module.call_args_list


def lab_args(ca_dir, **more):
    return dict({"names": ["mail.nida.com"], "ca_dir": str(ca_dir), "ca_domains": ["nida.com"]}, **more)


def installed(calls):
    """The files given to config_files, by path, from the only config_files call."""
    config_calls = [call for call in calls if call.kwargs["module_name"] == "tkj.mailserver.config_files"]
    assert len(config_calls) == 1
    return {item["path"]: item for item in config_calls[0].kwargs["module_args"]["files"]}


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read(path):
    with open(path) as stream:
        return stream.read()


def tree(directory):
    """Every path under ``directory``, relative to it."""
    return sorted(os.path.relpath(os.path.join(root, name), directory)
                  for root, dirs, files in os.walk(directory) for name in dirs + files)


# mode=lab_ca

def test_first_run_makes_the_ca_and_issues(tmp_path):
    """An empty ca_dir: the CA is made (key 0600 in a 0700 private/, certificate 0644, a .gitignore keeping
    private/ out of git), the host's key and certificate are issued and kept, and all three go to the host."""
    ca_dir = tmp_path / "lab-ca"
    result, calls = run_action(lab_args(ca_dir))

    ca_cert_path, ca_key_path = ca_dir / "lab-ca.crt", ca_dir / "private" / "lab-ca.key"
    host_key_path, host_cert_path = ca_dir / "private" / (HOST + ".key"), ca_dir / "issued" / (HOST + ".crt")
    assert mode_of(ca_dir / "private") == 0o700
    assert mode_of(ca_key_path) == 0o600 and mode_of(host_key_path) == 0o600
    assert mode_of(ca_cert_path) == 0o644 and mode_of(host_cert_path) == 0o644
    assert mode_of(ca_dir / "private" / ".gitignore") == 0o644
    assert read(ca_dir / "private" / ".gitignore").splitlines()[-1] == "*"

    ca_cert = certs.load_certs(read(ca_cert_path), "ca")[0]
    host_cert = certs.load_certs(read(host_cert_path), "cert")[0]
    host_key = certs.load_key(read(host_key_path), "key")
    ca_key = certs.load_key(read(ca_key_path), "ca key")
    assert certs.key_matches(ca_cert, ca_key)
    assert (ca_key.key_size, host_key.key_size) == (certs.CA_KEY_SIZE, certs.KEY_SIZE)
    assert certs.issued_by(host_cert, ca_cert) and certs.key_matches(host_cert, host_key)
    assert certs.permitted_domains(ca_cert) == ["nida.com"]
    assert ca_cert.subject.rfc4514_string() == "O=tkj.mailserver lab,CN=tkj.mailserver lab CA"

    files = installed(calls)
    assert list(files) == [KEY_FILE, CERT_FILE, CA_FILE]
    assert files[KEY_FILE] == {"path": KEY_FILE, "content": read(host_key_path), "owner": "root", "group": "root",
                               "mode": "0600", "secret": True}
    assert files[CERT_FILE]["content"] == read(host_cert_path) and files[CERT_FILE]["mode"] == "0644"
    assert not files[CERT_FILE].get("secret")
    assert files[CA_FILE]["content"] == read(ca_cert_path) and files[CA_FILE]["mode"] == "0644"
    assert calls[0].kwargs["task_vars"] == {"inventory_hostname": HOST}

    assert result["changed"] is True and result["ca_created"] is True
    assert result["reason"] == "there is no certificate yet"
    assert (result["cert_file"], result["key_file"], result["ca_file"]) == (CERT_FILE, KEY_FILE, CA_FILE)
    assert result["names"] == ["mail.nida.com"] and result["verifiable"] is True
    assert result["fingerprint"] == certs.fingerprint(host_cert)
    assert result["ca_fingerprint"] == certs.fingerprint(ca_cert) and result["ca_pem"] == read(ca_cert_path)
    assert result["ca_certificate"] == str(ca_cert_path)
    assert result["changed_files"] == [KEY_FILE, CERT_FILE]
    assert "invocation" not in result


def test_second_run_reuses_the_ca_and_the_certificate(tmp_path):
    """The same arguments again: the CA and certificate are kept, the same files go to the host, and
    when config_files changes nothing the task changes nothing."""
    first, first_calls = run_action(lab_args(tmp_path))
    kept = {path: read(tmp_path / path) for path in ("lab-ca.crt", "private/lab-ca.key", "private/mail1.key", "issued/mail1.crt")}

    result, calls = run_action(lab_args(tmp_path), answer=module_result(changed=False, changed_files=[]))
    assert result["changed"] is False and result["reason"] is None and result["ca_created"] is False
    assert result["fingerprint"] == first["fingerprint"] and result["ca_fingerprint"] == first["ca_fingerprint"]
    assert installed(calls) == installed(first_calls)
    assert {path: read(tmp_path / path) for path in kept} == kept


def test_host_changes_alone_make_the_task_changed(tmp_path):
    """Nothing issued, but config_files changed a file on the host (say, a deleted key): changed."""
    run_action(lab_args(tmp_path))
    result, _calls = run_action(lab_args(tmp_path), answer=module_result(changed=True, changed_files=[KEY_FILE]))
    assert result["changed"] is True and result["reason"] is None and result["changed_files"] == [KEY_FILE]


def test_changed_names_reissue_from_the_same_ca_with_the_same_key(tmp_path):
    """A name added: issued again, the reason naming the old and new names; the CA and the host's key stay."""
    first, _calls = run_action(lab_args(tmp_path))
    ca_text, key_text = read(tmp_path / "lab-ca.crt"), read(tmp_path / "private" / "mail1.key")

    result, calls = run_action(lab_args(tmp_path, names=["mail.nida.com", "webmail.nida.com"]))
    assert result["changed"] is True and result["ca_created"] is False
    assert result["reason"] == "the names changed (mail.nida.com, now mail.nida.com, webmail.nida.com)"
    assert result["names"] == ["mail.nida.com", "webmail.nida.com"]
    assert result["fingerprint"] != first["fingerprint"] and result["ca_fingerprint"] == first["ca_fingerprint"]
    assert read(tmp_path / "lab-ca.crt") == ca_text and read(tmp_path / "private" / "mail1.key") == key_text
    new_cert = certs.load_certs(read(tmp_path / "issued" / "mail1.crt"), "cert")[0]
    assert certs.dns_names(new_cert) == ["mail.nida.com", "webmail.nida.com"]
    assert certs.fingerprint(new_cert) == result["fingerprint"]
    assert installed(calls)[CERT_FILE]["content"] == certs.cert_pem(new_cert)
    assert installed(calls)[KEY_FILE]["content"] == key_text


def test_hosts_share_one_ca_with_their_own_keys(tmp_path):
    """Two hosts with the same ca_dir: one CA, made by the first; each host its own key and certificate."""
    first, _calls = run_action(lab_args(tmp_path), host="mail1")
    second, _calls = run_action(lab_args(tmp_path, names=["mail.nida.com"]), host="mail2")
    assert first["ca_created"] is True and second["ca_created"] is False
    assert first["ca_fingerprint"] == second["ca_fingerprint"]
    assert read(tmp_path / "private" / "mail1.key") != read(tmp_path / "private" / "mail2.key")
    ca_cert = certs.load_certs(read(tmp_path / "lab-ca.crt"), "ca")[0]
    for host in ("mail1", "mail2"):
        assert certs.issued_by(certs.load_certs(read(tmp_path / "issued" / (host + ".crt")), host)[0], ca_cert)


@pytest.mark.parametrize("make_dir", [False, True])
def test_check_mode_on_an_empty_ca_dir_writes_nothing(tmp_path, make_dir):
    """Check mode with no CA yet (ca_dir missing or empty): nothing is written on the controller, yet the
    task reports the CA and certificate it would make and passes them to config_files (in check mode)."""
    ca_dir = tmp_path / "lab-ca"
    if make_dir:
        ca_dir.mkdir()
    result, calls = run_action(lab_args(ca_dir), check_mode=True)
    if make_dir:
        assert os.listdir(ca_dir) == []
    else:
        assert not ca_dir.exists()
    assert result["changed"] is True and result["ca_created"] is True and result["reason"] == "there is no certificate yet"
    files = installed(calls)
    assert list(files) == [KEY_FILE, CERT_FILE, CA_FILE]
    cert = certs.load_certs(files[CERT_FILE]["content"], "cert")[0]
    assert certs.issued_by(cert, certs.load_certs(files[CA_FILE]["content"], "ca")[0])
    assert certs.key_matches(cert, certs.load_key(files[KEY_FILE]["content"], "key"))


def test_check_mode_with_changed_names_keeps_the_issued_certificate(tmp_path):
    """Check mode, names changed: reported as issued again, but the kept certificate is not replaced."""
    run_action(lab_args(tmp_path))
    before = {path: read(tmp_path / path) for path in tree(tmp_path) if os.path.isfile(tmp_path / path)}
    result, _calls = run_action(lab_args(tmp_path, names=["mail.nida.com", "webmail.nida.com"]), check_mode=True)
    assert result["changed"] is True and result["reason"].startswith("the names changed")
    assert {path: read(tmp_path / path) for path in tree(tmp_path) if os.path.isfile(tmp_path / path)} == before


def test_names_outside_the_ca_domains_fail_naming_them(tmp_path):
    """A name outside the CA's ca_domains: the task fails naming it and the CA's domains; nothing is
    issued or installed."""
    run_action(lab_args(tmp_path))
    issued = read(tmp_path / "issued" / "mail1.crt")
    with pytest.raises(AnsibleActionFail) as error:
        run_action(lab_args(tmp_path, names=["mail.nida.com", "mail.example.org", "www.example.net"]))
    message = str(error.value)
    assert message.startswith("tkj.mailserver.certificate: names mail.example.org, www.example.net are outside the domains")
    assert "mail.nida.com," not in message and "(nida.com)" in message and message.endswith("Nothing was changed.")
    assert read(tmp_path / "issued" / "mail1.crt") == issued


def test_an_existing_ca_keeps_its_domains(tmp_path):
    """ca_domains only shape a new CA: an existing one keeps its constraint, so other names still fail."""
    run_action(lab_args(tmp_path))
    with pytest.raises(AnsibleActionFail, match="names mail.example.org are outside"):
        run_action(lab_args(tmp_path, names=["mail.example.org"], ca_domains=["example.org"]))


def test_a_ca_certificate_without_its_key_fails(tmp_path):
    """lab-ca.crt present but its key gone: the task fails saying which file is missing, and makes no new CA."""
    run_action(lab_args(tmp_path))
    os.unlink(tmp_path / "private" / "lab-ca.key")
    ca_text = read(tmp_path / "lab-ca.crt")
    with pytest.raises(AnsibleActionFail, match=re.escape("has %s but not %s" % (tmp_path / "lab-ca.crt", tmp_path / "private" / "lab-ca.key"))):
        run_action(lab_args(tmp_path))
    assert read(tmp_path / "lab-ca.crt") == ca_text and not (tmp_path / "private" / "lab-ca.key").exists()


def test_a_ca_ending_within_renew_days_is_warned_about(tmp_path):
    """A lab CA that ends within renew_days: a warning says when it ends and what to do."""
    result, _calls = run_action(lab_args(tmp_path, ca_days=10))
    ca_cert = certs.load_certs(read(tmp_path / "lab-ca.crt"), "ca")[0]
    assert result["not_after"] == certs.not_after(ca_cert).isoformat()
    assert len(result["warnings"]) == 1
    assert "the lab CA in %s ends on %s" % (tmp_path, certs.not_after(ca_cert).date()) in result["warnings"][0]


def test_installing_failure_is_the_task_failure(tmp_path):
    """config_files fails on the host: the task fails with its message."""
    result, _calls = run_action(lab_args(tmp_path), answer={"failed": True, "msg": "owner 'root' does not exist", "invocation": {}})
    assert result["failed"] is True
    assert result["msg"] == "tkj.mailserver.certificate: installing on the host failed: owner 'root' does not exist"
    assert "invocation" not in result


# mode=own

@pytest.fixture(scope="module")
def own_pki():
    """A CA, a server key and certificate for mail.example.org, and a stranger key, as PEM text."""
    ca_key, ca_cert = certs.make_ca("Example CA", [], 365)
    key, stranger = certs.new_key(), certs.new_key()
    cert = certs.issue(ca_key, ca_cert, key, ["mail.example.org"], 90)
    return {"cert": certs.cert_pem(cert), "key": certs.key_pem(key), "chain": certs.cert_pem(ca_cert),
            "stranger": certs.key_pem(stranger), "fingerprint": certs.fingerprint(cert)}


def own_files(tmp_path, pki, key="key"):
    for name, field in (("mail.crt", "cert"), ("mail.key", key), ("chain.pem", "chain")):
        (tmp_path / name).write_text(pki[field])
    return {"mode": "own", "names": ["mail.example.org"], "cert_src": str(tmp_path / "mail.crt"),
            "key_src": str(tmp_path / "mail.key"), "chain_src": str(tmp_path / "chain.pem")}


def test_own_files_are_installed_with_the_chain(tmp_path, own_pki):
    """Valid own files: the key (secret) and the certificate followed by the chain go to the host; no CA file."""
    result, calls = run_action(own_files(tmp_path, own_pki))
    files = installed(calls)
    assert list(files) == [KEY_FILE, CERT_FILE]
    assert files[KEY_FILE]["content"] == own_pki["key"] and files[KEY_FILE]["secret"] is True and files[KEY_FILE]["mode"] == "0600"
    assert files[CERT_FILE]["content"] == own_pki["cert"] + own_pki["chain"]
    assert result["changed"] is True and result["mode"] == "own" and result["ca_file"] == "" and result["ca_pem"] == ""
    assert result["names"] == ["mail.example.org"] and result["fingerprint"] == own_pki["fingerprint"]
    assert result["reason"] is None and result["ca_created"] is False
    assert result["issuer"] == "O=tkj.mailserver lab,CN=Example CA"


def test_own_files_unchanged_on_the_host_change_nothing(tmp_path, own_pki):
    """Own files already installed: the task is unchanged when config_files is."""
    result, _calls = run_action(own_files(tmp_path, own_pki), answer=module_result(changed=False, changed_files=[]))
    assert result["changed"] is False


def test_own_files_are_found_as_copy_finds_its_src(tmp_path, own_pki):
    """cert_src and key_src are looked up in the role's files/, as ansible.builtin.copy's src is."""
    args = own_files(tmp_path, own_pki)
    args.pop("chain_src")
    args.update(cert_src="mail.crt", key_src="mail.key")
    result, calls = run_action(args, find_needle=lambda dirname, needle: str(tmp_path / needle))
    assert installed(calls)[CERT_FILE]["content"] == own_pki["cert"]
    assert result["fingerprint"] == own_pki["fingerprint"]


def test_own_key_not_matching_the_certificate_fails_before_the_host(tmp_path, own_pki):
    """A key that is not the certificate's: the task fails naming both files, and config_files never runs."""
    args = own_files(tmp_path, own_pki, key="stranger")
    action = make_action(args)
    with pytest.raises(AnsibleActionFail) as error:
        run(action)
    message = str(error.value)
    assert "key_src %s (on the controller) is not the private key of cert_src %s (on the controller)" % (
        args["key_src"], args["cert_src"]) in message
    assert message.endswith("Nothing was changed.")
    assert action._execute_module.call_count == 0  # neither config_files nor any other module


def test_own_certificate_for_other_names_fails(tmp_path, own_pki):
    """A certificate not for the names asked: refused before anything is installed."""
    args = dict(own_files(tmp_path, own_pki), names=["mail.example.org", "smtp.example.org"])
    with pytest.raises(AnsibleActionFail, match=r"is for mail\.example\.org, not for smtp\.example\.org"):
        run_action(args)


def test_own_file_missing_on_the_controller_fails(tmp_path, own_pki):
    """A cert_src that is not found: the task fails saying so."""
    def find_needle(dirname, needle):
        raise AnsibleFileNotFound("not found")
    with pytest.raises(AnsibleActionFail, match=r"cert_src\.pem does not exist on the controller"):
        run_action({"mode": "own", "names": ["mail.example.org"], "cert_src": "cert_src.pem", "key_src": "k.pem"},
                   find_needle=find_needle)


def test_own_files_on_the_host_are_read_with_slurp(own_pki):
    """remote_src: the files are read on the host with ansible.builtin.slurp and installed from there."""
    sources = {"/srv/mail.crt": own_pki["cert"], "/srv/mail.key": own_pki["key"]}

    def answer(module_name, module_args):
        if module_name == "ansible.builtin.slurp":
            return {"content": base64.b64encode(sources[module_args["src"]].encode()).decode(), "encoding": "base64"}
        return module_result()

    result, calls = run_action({"mode": "own", "names": ["mail.example.org"], "cert_src": "/srv/mail.crt",
                                "key_src": "/srv/mail.key", "remote_src": True}, answer=answer)
    assert [call.kwargs["module_name"] for call in calls] == ["ansible.builtin.slurp", "ansible.builtin.slurp", "tkj.mailserver.config_files"]
    assert installed(calls)[KEY_FILE]["content"] == own_pki["key"]
    assert result["fingerprint"] == own_pki["fingerprint"]


# No secret in any log: the keys reach the host only in a module call with no_log

PLACEHOLDER = "(secret content, not shown)\n"


def key_lines(*pems):
    """The base64 lines of PEM texts: any of them in an output is a leak."""
    return [line for pem in pems for line in pem.splitlines() if line and "-----" not in line]


def leaked(result, *pems):
    text = json.dumps(result)
    return [line for line in key_lines(*pems) if line in text]


def placeholder_answer(module_name, module_args):
    """config_files as it answers on the host: the key's diff is the placeholder, the others their content."""
    diff = [{"before_header": item["path"], "after_header": item["path"], "before": "",
             "after": "(new) " + PLACEHOLDER if item.get("secret") else item["content"]} for item in module_args["files"]]
    return {"changed": True, "changed_files": [item["path"] for item in module_args["files"]], "diff": diff,
            "invocation": {"module_args": module_args}}


def test_the_key_goes_to_config_files_with_no_log_on_every_run(tmp_path):
    """First run and second run: the config_files call that carries the host's key sets
    _ansible_no_log, so the host's journal never records its arguments."""
    for _run in range(2):
        _result, calls = run_action(lab_args(tmp_path))
        config_calls = [call for call in calls if call.kwargs["module_name"] == "tkj.mailserver.config_files"]
        assert config_calls[0].kwargs["module_args"]["_ansible_no_log"] is True
        assert installed(calls)[KEY_FILE]["secret"] is True


def test_the_result_and_its_diff_carry_neither_key(tmp_path):
    """The action's result (what -v and --diff show) has the key's placeholder, the certificates,
    and no line of the host's key nor of the lab CA's key; the module's invocation is dropped."""
    result, calls = run_action(lab_args(tmp_path), answer=placeholder_answer)
    host_key = read(tmp_path / "private" / (HOST + ".key"))
    ca_key = read(tmp_path / "private" / "lab-ca.key")
    assert installed(calls)[KEY_FILE]["content"] == host_key
    assert [entry["after"] for entry in result["diff"]][0] == "(new) " + PLACEHOLDER
    assert result["diff"][1]["after"] == read(tmp_path / "issued" / (HOST + ".crt"))
    assert "invocation" not in result
    assert leaked(result, host_key, ca_key) == []
    # The lab CA's key never leaves the controller.
    assert leaked([call.kwargs for call in calls], ca_key) == []


def test_own_key_on_the_host_is_read_with_no_log(own_pki):
    """remote_src: the key is slurped with _ansible_no_log, the certificate without; the result has no key."""
    sources = {"/srv/mail.crt": own_pki["cert"], "/srv/mail.key": own_pki["key"]}

    def answer(module_name, module_args):
        if module_name == "ansible.builtin.slurp":
            return {"content": base64.b64encode(sources[module_args["src"]].encode()).decode(), "encoding": "base64"}
        return placeholder_answer(module_name, module_args)

    result, calls = run_action({"mode": "own", "names": ["mail.example.org"], "cert_src": "/srv/mail.crt",
                                "key_src": "/srv/mail.key", "remote_src": True}, answer=answer)
    no_log = {call.kwargs["module_args"].get("src", call.kwargs["module_name"]): call.kwargs["module_args"].get("_ansible_no_log")
              for call in calls}
    assert no_log == {"/srv/mail.crt": None, "/srv/mail.key": True, "tkj.mailserver.config_files": True}
    assert leaked(result, own_pki["key"]) == []


def test_module_calls_keep_the_no_log_they_ask_for():
    """ansible-core sets _ansible_no_log from the task's no_log alone; a call that asks for it keeps it,
    the others get what ansible-core gives."""
    def core_update(self, module_name, module_args, task_vars, *args, **kwargs):
        module_args["_ansible_no_log"] = False

    action = certificate.ActionModule.__new__(certificate.ActionModule)
    with mock.patch.object(ActionBase, "_update_module_args", core_update):
        secret, plain = {"files": [], "_ansible_no_log": True}, {"src": "/etc/hostname"}
        action._update_module_args("tkj.mailserver.config_files", secret, {})
        action._update_module_args("ansible.builtin.slurp", plain, {})
    assert secret["_ansible_no_log"] is True and plain["_ansible_no_log"] is False


# mode=snakeoil and arguments

def test_snakeoil_installs_nothing_and_warns(tmp_path):
    """mode=snakeoil: no module runs, the result names Debian's snakeoil files and a warning says clients
    cannot verify it."""
    result, calls = run_action({"mode": "snakeoil", "ca_dir": str(tmp_path / "lab-ca")})
    assert calls == []
    assert result["cert_file"] == "/etc/ssl/certs/ssl-cert-snakeoil.pem"
    assert result["key_file"] == "/etc/ssl/private/ssl-cert-snakeoil.key"
    assert result["changed"] is False and result["verifiable"] is False and result["ca_file"] == ""
    assert len(result["warnings"]) == 1 and "snakeoil" in result["warnings"][0] and result["warnings"][0].startswith(HOST)
    assert not (tmp_path / "lab-ca").exists()


@pytest.mark.parametrize("args, message", [
    ({"names": ["mail.nida.com"], "days": 30, "renew_days": 30}, "renew_days (30) must be at least 0 and less than days (30)"),
    ({"names": ["mail.nida.com"], "days": 30, "renew_days": 60}, "renew_days (60) must be at least 0 and less than days (30)"),
    ({"names": ["mail.nida.com"], "renew_days": -1}, "renew_days (-1) must be at least 0"),
    ({}, "names: give the names clients use for this server"),
    ({"names": ["mail nida.com"]}, "names: 'mail nida.com' is not a host name"),
    ({"names": ["mail.nida.com."]}, "names: 'mail.nida.com.' is not a host name"),
    ({"names": ["mail.nida.com"], "mode": "own", "cert_src": "mail.crt"}, "mode=own needs cert_src and key_src"),
    ({"names": ["mail.nida.com"], "mode": "letsencrypt"}, "value of mode must be one of: lab_ca, own, snakeoil, got: letsencrypt"),
])
def test_bad_arguments_fail_before_anything_is_made(tmp_path, args, message):
    """Bad arguments fail with a message naming them; no CA is made and no module runs."""
    ca_dir = tmp_path / "lab-ca"
    args = dict({"ca_dir": str(ca_dir)}, **args)
    with pytest.raises(AnsibleActionFail, match="^tkj\\.mailserver\\.certificate: .*" + re.escape(message)):
        run_action(args)
    assert not ca_dir.exists()


def test_lab_ca_needs_ca_dir():
    """mode=lab_ca without ca_dir: refused."""
    with pytest.raises(AnsibleActionFail, match="ca_dir: give the controller directory that keeps the lab CA"):
        run_action({"names": ["mail.nida.com"]})


def test_renewal_is_due_within_renew_days(tmp_path):
    """A kept certificate that ends within renew_days (40 days left, renew_days 45) is issued again,
    from the same CA, for the full days, with the end date in the reason."""
    run_action(lab_args(tmp_path, days=40, renew_days=0))
    cert = certs.load_certs(read(tmp_path / "issued" / "mail1.crt"), "cert")[0]
    assert certs.not_after(cert) - certs.now() < datetime.timedelta(days=41)
    result, _calls = run_action(lab_args(tmp_path, days=397, renew_days=45))
    assert result["reason"] == "it ends on %s, within 45 days" % certs.not_after(cert).strftime("%Y-%m-%d")
    assert result["ca_created"] is False and result["changed"] is True
    renewed = certs.load_certs(read(tmp_path / "issued" / "mail1.crt"), "cert")[0]
    assert certs.not_after(renewed) - certs.now() > datetime.timedelta(days=396)


def test_names_outside_the_domains_of_a_new_ca_make_no_ca(tmp_path):
    """On the first run, names outside ca_domains fail before the CA is written: the controller
    keeps no CA that was never used."""
    with pytest.raises(AnsibleActionFail, match="names mail.example.org are outside ca_domains"):
        run_action(lab_args(tmp_path, names=["mail.example.org"]))
    assert not (tmp_path / "lab-ca.crt").exists() and not (tmp_path / "private" / "lab-ca.key").exists()


def test_own_certificate_file_with_its_intermediates_keeps_them(tmp_path, own_pki):
    """A full-chain cert_src (certificate then intermediates) and no chain_src: every certificate of
    the file is installed, the certificate first."""
    args = own_files(tmp_path, own_pki)
    (tmp_path / "mail.crt").write_text(own_pki["cert"] + own_pki["chain"])
    del args["chain_src"]
    _result, calls = run_action(args)
    assert installed(calls)[CERT_FILE]["content"] == own_pki["cert"] + own_pki["chain"]
