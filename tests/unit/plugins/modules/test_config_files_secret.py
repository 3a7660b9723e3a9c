# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the secret option of tkj.mailserver.config_files: the real main() on files in
tmp_path; a secret content is written like any other but never appears in the module's output,
neither in the diff nor in the invocation Ansible records."""

from __future__ import annotations

import grp
import json
import os
import pwd
import stat

OWNER = pwd.getpwuid(os.geteuid()).pw_name
GROUP = grp.getgrgid(os.getegid()).gr_name
SHOWN_AS = "(secret content, not shown)\n"
SECRET = """\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7tkjSECRETLINE1
q2w3e4r5t6y7u8i9o0pTKJSECRETLINE2zxcvbnmasdfghjklqwertyuiop1234567
-----END PRIVATE KEY-----
"""
OLD_SECRET = """\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDOLDKEYLINEONE99
-----END PRIVATE KEY-----
"""


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def output(result):
    """The whole result as the controller receives it (JSON), to search for leaks."""
    return json.dumps(result)


def leaks(result, *secrets):
    """The secret texts, or any of their lines, that appear somewhere in ``result``."""
    text = output(result)
    pieces = list(secrets) + [line for secret in secrets for line in secret.splitlines() if "PRIVATE KEY" not in line]
    return [piece for piece in pieces if piece in text or json.dumps(piece)[1:-1] in text]


def key_item(path, content=SECRET, **more):
    return dict({"path": str(path), "content": content, "owner": OWNER, "group": GROUP, "mode": "0600", "secret": True}, **more)


def test_a_secret_file_is_written_with_its_content_and_mode(run_module, tmp_path):
    """secret changes nothing about the file itself: it gets the content and the mode asked for."""
    result = run_module("config_files", {"files": [key_item(tmp_path / "mail.key")]})
    assert not result["failed"] and result["changed"]
    assert result["changed_files"] == [str(tmp_path / "mail.key")]
    assert (tmp_path / "mail.key").read_text() == SECRET
    assert mode_of(tmp_path / "mail.key") == 0o600
    again = run_module("config_files", {"files": [key_item(tmp_path / "mail.key")]}, diff=True)
    assert not again["changed"] and again["diff"] == []


def test_the_diff_of_a_new_secret_shows_the_placeholder(run_module, tmp_path):
    """A new secret file: the diff says only that it is new, while a plain file of the same call
    shows its content."""
    path = tmp_path / "mail.key"
    result = run_module("config_files", {"files": [
        key_item(path),
        {"path": str(tmp_path / "mail.pem"), "content": "-----BEGIN CERTIFICATE-----\nPUBLIC\n", "mode": "0644"},
    ]}, diff=True)
    assert result["diff"][0] == {"before_header": str(path), "after_header": str(path), "before": "", "after": "(new) " + SHOWN_AS}
    assert result["diff"][1]["after"] == "-----BEGIN CERTIFICATE-----\nPUBLIC\n"
    assert leaks(result, SECRET) == []


def test_a_replaced_secret_shows_neither_the_old_nor_the_new_content(run_module, tmp_path):
    """Changing a secret file: before and after are both the placeholder; neither key is in the output."""
    path = tmp_path / "mail.key"
    path.write_text(OLD_SECRET)
    result = run_module("config_files", {"files": [key_item(path)]}, diff=True)
    assert result["changed"]
    assert result["diff"] == [{"before_header": str(path), "after_header": str(path), "before": SHOWN_AS, "after": "(new) " + SHOWN_AS}]
    assert leaks(result, SECRET, OLD_SECRET) == []
    assert path.read_text() == SECRET


def test_check_mode_diff_of_a_secret_writes_and_shows_nothing(run_module, tmp_path):
    """Check mode and diff: the change is reported with the placeholder and the old key stays."""
    path = tmp_path / "mail.key"
    path.write_text(OLD_SECRET)
    result = run_module("config_files", {"files": [key_item(path)]}, check_mode=True, diff=True)
    assert result["changed"] and result["changed_files"] == [str(path)]
    assert [entry["before"] for entry in result["diff"]] == [SHOWN_AS]
    assert leaks(result, SECRET, OLD_SECRET) == []
    assert path.read_text() == OLD_SECRET


def test_removing_a_secret_file_does_not_show_what_it_held(run_module, tmp_path):
    """state=absent on a secret file: the diff's before is the placeholder, not the old key."""
    path = tmp_path / "mail.key"
    path.write_text(OLD_SECRET)
    result = run_module("config_files", {"files": [{"path": str(path), "state": "absent", "secret": True}]}, diff=True)
    assert result["changed"] and not path.exists()
    assert result["diff"] == [{"before_header": str(path), "after_header": str(path), "before": SHOWN_AS, "after": ""}]
    assert leaks(result, OLD_SECRET) == []


def test_the_invocation_masks_the_secret_but_not_the_rest(run_module, tmp_path):
    """The module's arguments come back in the invocation: the secret content is masked there, the
    other items' contents and every path are kept."""
    result = run_module("config_files", {"files": [
        key_item(tmp_path / "mail.key"),
        {"path": str(tmp_path / "mailname"), "content": "mail.nida.com\n"},
    ]}, diff=True)
    assert "invocation" in result
    items = result["invocation"]["module_args"]["files"]
    assert [item["path"] for item in items] == [str(tmp_path / "mail.key"), str(tmp_path / "mailname")]
    assert items[0]["content"] != SECRET and items[0]["secret"] is True
    assert items[1]["content"] == "mail.nida.com\n"
    assert leaks(result, SECRET) == []


def test_without_secret_the_content_is_shown(run_module, tmp_path):
    """The same key without secret: true is shown in the diff, so the masking above is the option's doing."""
    result = run_module("config_files", {"files": [key_item(tmp_path / "mail.key", secret=False)]}, diff=True)
    assert result["diff"][0]["after"] == SECRET
    assert leaks(result, SECRET) != []


def test_a_checker_that_rejects_a_secret_does_not_quote_it(run_module, tmp_path):
    """A validate command that prints the secret and fails: the task fails, the file is not written,
    and the message says the checker's output is not shown."""
    result = run_module("config_files", {"files": [key_item(tmp_path / "mail.key", validate="sh -c 'cat %s; exit 1'")]})
    assert result["failed"]
    assert "its output is not shown, the content is secret" in result["msg"]
    assert leaks(result, SECRET) == []
    assert not (tmp_path / "mail.key").exists()


def host_log(monkeypatch):
    """What the module writes to the host's syslog (the journal is bypassed): a list that fills up."""
    from ansible.module_utils import basic

    written = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic.AnsibleModule, "_log_to_syslog", lambda self, msg: written.append(msg))
    return written


def test_without_no_log_the_host_log_records_the_secret(run_module, tmp_path, monkeypatch):
    """Why the action plugin sets no_log: AnsibleModule logs "Invoked with" and the arguments before
    the module reads them, and secret cannot mask a multi-line content there."""
    written = host_log(monkeypatch)
    run_module("config_files", {"files": [key_item(tmp_path / "mail.key")]})
    assert any("Invoked with" in line for line in written)
    assert [line for line in SECRET.splitlines()[1:-1] if any(line in entry for entry in written)] != []


def test_with_no_log_the_host_log_has_nothing_and_the_result_stays_useful(run_module, tmp_path, monkeypatch):
    """_ansible_no_log, as the action plugin passes it for a secret item: nothing is logged on the host,
    while changed, changed_files and the placeholder diff still come back, without the key."""
    written = host_log(monkeypatch)
    path = tmp_path / "mail.key"
    path.write_text(OLD_SECRET)
    result = run_module("config_files", {"files": [key_item(path)], "_ansible_no_log": True}, diff=True)
    assert written == []
    assert result["changed"] and result["changed_files"] == [str(path)]
    assert result["diff"] == [{"before_header": str(path), "after_header": str(path), "before": SHOWN_AS, "after": "(new) " + SHOWN_AS}]
    assert leaks(result, SECRET, OLD_SECRET) == []
    assert path.read_text() == SECRET
