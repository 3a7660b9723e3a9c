# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for tkj.mailserver.dkim_key: keys in tmp_path, made by the real openssl command."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import time

import pytest

OWNER = {"owner": "root", "group": "root"}


@pytest.fixture
def keys(tmp_path, run_module):
    def run(selector="tkj2026", check_mode=False, diff=False, **extra):
        args = dict(OWNER, domain="nida.com", selector=selector, directory=str(tmp_path))
        args.update(extra)
        return run_module("dkim_key", args, check_mode=check_mode, diff=diff)
    return run


def public_key_of(path):
    """The DER public key of the private key in ``path``, as openssl derives it."""
    return subprocess.run(["openssl", "pkey", "-in", str(path), "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout


def test_a_key_is_made_once_readable_only_by_its_owner(keys, tmp_path):
    """The first run makes a 2048-bit key with mode 0600 and returns its record; the second keeps it (changed=false)."""
    first = keys()
    path = tmp_path / "nida.com.tkj2026.private"
    assert first["changed"] and first["created"] and first["key_file"] == str(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    record = first["records"][0]
    assert record["name"] == "tkj2026._domainkey" and record["value"].startswith("v=DKIM1; k=rsa; p=")
    assert base64.b64decode(record["value"].split("p=")[1]) == public_key_of(path)
    text = subprocess.run(["openssl", "pkey", "-in", str(path), "-noout", "-text"], check=True, capture_output=True, text=True).stdout
    assert "2048 bit" in text
    second = keys()
    assert not second["changed"] and second["records"] == first["records"]


def test_check_mode_makes_nothing_and_publishes_nothing_yet(keys, tmp_path):
    result = keys(check_mode=True, diff=True)
    assert result["changed"] and result["created"] and result["records"] == []
    assert list(tmp_path.iterdir()) == []
    assert result["diff"]["after"] == "nida.com.tkj2026.private\n" and result["diff"]["before"] == ""


def test_a_new_selector_signs_and_the_old_key_stays_for_the_grace_period(keys, tmp_path):
    """After a change of selector both keys are published, the new one first; once the new key is
    older than grace_days the old one is removed and no longer published."""
    old = keys("tkj2025")
    new = keys("tkj2026", grace_days=7)
    assert new["changed"] and [r["selector"] for r in new["records"]] == ["tkj2026", "tkj2025"]
    assert new["records"][1] == old["records"][0]
    eight_days_ago = time.time() - 8 * 86400
    os.utime(tmp_path / "nida.com.tkj2026.private", (eight_days_ago, eight_days_ago))
    later = keys("tkj2026", grace_days=7)
    assert later["changed"] and later["removed"] == ["tkj2025"]
    assert [r["selector"] for r in later["records"]] == ["tkj2026"]
    assert not (tmp_path / "nida.com.tkj2025.private").exists()
    assert not keys("tkj2026", grace_days=7)["changed"]


def test_keys_of_other_domains_are_not_touched(keys, tmp_path, run_module):
    """sub.nida.com's key is not one of nida.com's (what follows the domain must be one label)."""
    other = run_module("dkim_key", dict(OWNER, domain="sub.nida.com", selector="s1", directory=str(tmp_path)))
    assert other["created"]
    result = keys("tkj2026", grace_days=0)
    eight_days_ago = time.time() - 8 * 86400
    os.utime(tmp_path / "nida.com.tkj2026.private", (eight_days_ago, eight_days_ago))
    assert keys("tkj2026", grace_days=0)["removed"] == []
    assert (tmp_path / "sub.nida.com.s1.private").exists() and [r["selector"] for r in result["records"]] == ["tkj2026"]


def test_a_readable_key_is_made_private_again(keys, tmp_path):
    keys()
    path = tmp_path / "nida.com.tkj2026.private"
    os.chmod(path, 0o644)
    result = keys()
    assert result["changed"] and not result["created"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("args, message", [
    ({"selector": "Tkj_2026"}, "selector 'Tkj_2026' must be one DNS label"),
    ({"selector": "-tkj"}, "must be one DNS label"),
    ({"domain": "nida..com"}, "is not a domain name"),
    ({"bits": 512}, "bits (512) must be at least 1024"),
    ({"grace_days": -1}, "grace_days (-1) must be 0 or more"),
    ({"directory": "/nonexistent/dkimkeys"}, "the key directory /nonexistent/dkimkeys does not exist"),
    ({"owner": "no-such-user-tkj"}, "owner no-such-user-tkj or group root does not exist"),
])
def test_bad_input_is_refused_and_nothing_is_written(tmp_path, run_module, args, message):
    full = dict(OWNER, domain="nida.com", selector="tkj2026", directory=str(tmp_path))
    full.update(args)
    result = run_module("dkim_key", full)
    assert result["failed"] and message in result["msg"], result
    assert list(tmp_path.iterdir()) == []


def test_the_private_key_is_in_no_result_and_no_host_log(keys, tmp_path, monkeypatch):
    """The key is made and read on the host by openssl: neither the results of the first and second run
    (with diff) nor what the module logs on the host hold a line of it."""
    import json

    from ansible.module_utils import basic

    written = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic.AnsibleModule, "_log_to_syslog", lambda self, msg: written.append(msg))
    results = [keys(diff=True), keys(diff=True)]
    private = (tmp_path / "nida.com.tkj2026.private").read_text()
    lines = [line for line in private.splitlines() if line and "-----" not in line]
    shown = json.dumps(results) + "\n".join(written)
    assert written and lines
    assert [line for line in lines if line in shown] == []
