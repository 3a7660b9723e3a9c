# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of tkj.mailserver.config_files: the real main() on files in tmp_path; validation
commands are real programs (true, false, grep)."""

from __future__ import annotations

import grp
import os
import pwd
import stat

import pytest

OWNER = pwd.getpwuid(os.geteuid()).pw_name
GROUP = grp.getgrgid(os.getegid()).gr_name


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(directory):
    return [name for name in os.listdir(directory) if ".tkj-tmp-" in name]


@pytest.fixture
def etc(tmp_path):
    (tmp_path / "named.conf.local").write_text("old local\n")
    os.chmod(tmp_path / "named.conf.local", 0o640)
    return tmp_path


def test_writes_new_and_changed_files_in_one_call(run_module, etc):
    result = run_module("config_files", {"files": [
        {"path": str(etc / "named.conf.options"), "content": "options {};\n", "mode": "0644", "owner": OWNER, "group": GROUP},
        {"path": str(etc / "named.conf.local"), "content": "new local\n"},
    ]})
    assert not result["failed"] and result["changed"]
    assert result["changed_files"] == [str(etc / "named.conf.options"), str(etc / "named.conf.local")]
    assert (etc / "named.conf.options").read_text() == "options {};\n" and mode_of(etc / "named.conf.options") == 0o644
    # A replaced file keeps its mode unless one is given.
    assert (etc / "named.conf.local").read_text() == "new local\n" and mode_of(etc / "named.conf.local") == 0o640
    assert leftovers(etc) == []


def test_second_run_changes_nothing(run_module, etc):
    args = {"files": [{"path": str(etc / "named.conf.local"), "content": "new local\n", "mode": "0640"}]}
    run_module("config_files", args)
    result = run_module("config_files", args)
    assert not result["changed"] and result["changed_files"] == []


def test_only_the_mode_is_set_when_the_content_is_right(run_module, etc):
    result = run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "content": "old local\n", "mode": "0644"}]})
    assert result["changed"] and result["diff"] == []
    assert mode_of(etc / "named.conf.local") == 0o644


def test_new_file_gets_the_mode_asked_for_whatever_the_umask(run_module, etc):
    old_umask = os.umask(0o077)
    try:
        run_module("config_files", {"files": [{"path": str(etc / "mailname"), "content": "mail.nida.com\n", "mode": "0644"}]})
    finally:
        os.umask(old_umask)
    assert mode_of(etc / "mailname") == 0o644


def test_one_rejected_file_changes_none(run_module, etc):
    result = run_module("config_files", {"files": [
        {"path": str(etc / "named.conf.options"), "content": "options {};\n", "validate": "true %s"},
        {"path": str(etc / "named.conf.local"), "content": "zone broken\n", "validate": "grep -q zone.{ %s"},
    ]})
    assert result["failed"]
    assert "named.conf.local: the new content was rejected, no file was changed: grep rejected it (rc 1)" in result["msg"]
    assert not (etc / "named.conf.options").exists()
    assert (etc / "named.conf.local").read_text() == "old local\n"
    assert leftovers(etc) == []


def test_validate_sees_the_new_content(run_module, etc):
    result = run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "content": "zone ok {\n", "validate": "grep -q zone.ok %s"}]})
    assert not result["failed"] and (etc / "named.conf.local").read_text() == "zone ok {\n"


def test_absent_removes_and_reports(run_module, etc):
    result = run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "state": "absent"}]})
    assert result["changed"] and not (etc / "named.conf.local").exists()
    again = run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "state": "absent"}]})
    assert not again["changed"]


def test_check_mode_and_diff_write_nothing(run_module, etc):
    result = run_module("config_files", {"files": [
        {"path": str(etc / "named.conf.local"), "content": "new local\n"},
        {"path": str(etc / "absent.conf"), "state": "absent"},
    ]}, check_mode=True, diff=True)
    assert result["changed"] and result["changed_files"] == [str(etc / "named.conf.local")]
    assert result["diff"] == [{"before_header": str(etc / "named.conf.local"), "after_header": str(etc / "named.conf.local"),
                               "before": "old local\n", "after": "new local\n"}]
    assert (etc / "named.conf.local").read_text() == "old local\n"


def test_backup_keeps_the_replaced_file(run_module, etc):
    result = run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "content": "new local\n"}], "backup": True})
    assert len(result["backup_files"]) == 1
    assert open(result["backup_files"][0]).read() == "old local\n"


def test_stale_temporary_file_is_removed(run_module, etc):
    (etc / ".named.conf.local.tkj-tmp-abc123").write_text("from a killed run\n")
    run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "content": "new local\n"}]})
    assert leftovers(etc) == []


@pytest.mark.parametrize("item, message", [
    ({"path": "named.conf", "content": "x"}, "files[0] (named.conf): path must be absolute"),
    ({"path": "/etc/x.conf"}, "files[0] (/etc/x.conf): content is required unless state is absent"),
    ({"path": "/etc/x.conf", "content": "x", "mode": "644x"}, "mode '644x' is not an octal mode such as '0644'"),
    ({"path": "/etc/x.conf", "content": "x", "validate": "named-checkconf"}, "validate must contain %s where the file's path goes"),
    ({"path": "/nonexistent-dir/x.conf", "content": "x"}, "the directory /nonexistent-dir does not exist"),
    ({"path": "/etc/x.conf", "content": "x", "owner": "no-such-user-tkj"}, "owner 'no-such-user-tkj' does not exist on this host"),
    ({"path": "/etc/x.conf", "content": "x", "group": "no-such-group-tkj"}, "group 'no-such-group-tkj' does not exist on this host"),
])
def test_bad_input_is_refused(run_module, item, message):
    result = run_module("config_files", {"files": [item]})
    assert result["failed"] and message in result["msg"]


def test_duplicate_path_is_refused(run_module, etc):
    item = {"path": str(etc / "named.conf.local"), "content": "x\n"}
    result = run_module("config_files", {"files": [item, item]})
    assert result["failed"] and "the path is given twice" in result["msg"]
    assert (etc / "named.conf.local").read_text() == "old local\n"
