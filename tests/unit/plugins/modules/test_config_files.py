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


def maildir_items(base, mode="0700"):
    """The skeleton Maildir of the dovecot role: the directory and its cur, new and tmp, in that order."""
    return [{"path": str(base / name), "state": "directory", "owner": OWNER, "group": GROUP, "mode": mode}
            for name in ("Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp")]


def test_directories_are_created_with_the_mode_asked_for(run_module, tmp_path):
    old_umask = os.umask(0o022)
    try:
        result = run_module("config_files", {"files": maildir_items(tmp_path)})
    finally:
        os.umask(old_umask)
    assert not result["failed"] and result["changed"]
    for name in ("Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"):
        assert (tmp_path / name).is_dir() and mode_of(tmp_path / name) == 0o700
    assert result["changed_files"] == [item["path"] for item in maildir_items(tmp_path)]
    assert result["files"][0] == {"path": str(tmp_path / "Maildir"), "state": "directory", "changed": True}


def test_new_directory_without_a_mode_gets_0755_whatever_the_umask(run_module, tmp_path):
    old_umask = os.umask(0o077)
    try:
        run_module("config_files", {"files": [{"path": str(tmp_path / "zones"), "state": "directory"}]})
    finally:
        os.umask(old_umask)
    assert mode_of(tmp_path / "zones") == 0o755


def test_second_run_on_directories_changes_nothing(run_module, tmp_path):
    run_module("config_files", {"files": maildir_items(tmp_path)})
    result = run_module("config_files", {"files": maildir_items(tmp_path)})
    assert not result["changed"] and result["changed_files"] == []
    assert [entry["changed"] for entry in result["files"]] == [False] * 4


def test_only_the_mode_of_an_existing_directory_is_set(run_module, tmp_path):
    (tmp_path / "Maildir").mkdir()
    (tmp_path / "Maildir" / "kept").write_text("mail\n")
    os.chmod(tmp_path / "Maildir", 0o755)
    result = run_module("config_files", {"files": maildir_items(tmp_path)[:1]}, diff=True)
    assert result["changed"] and result["changed_files"] == [str(tmp_path / "Maildir")]
    assert result["diff"] == []
    assert mode_of(tmp_path / "Maildir") == 0o700
    assert (tmp_path / "Maildir" / "kept").read_text() == "mail\n"


def test_owner_and_group_of_an_existing_directory_are_set(run_module, tmp_path):
    """An existing directory is given the owner and group asked for (the tests run as root, as make test and CI do)."""
    (tmp_path / "zones").mkdir(mode=0o755)
    nobody = pwd.getpwnam("nobody")
    item = {"path": str(tmp_path / "zones"), "state": "directory", "owner": "nobody", "group": str(nobody.pw_gid)}
    result = run_module("config_files", {"files": [item]})
    assert result["changed"]
    info = os.stat(tmp_path / "zones")
    assert (info.st_uid, info.st_gid) == (nobody.pw_uid, nobody.pw_gid)


@pytest.mark.parametrize("extra", [{"content": "x\n"}, {"validate": "true %s"}])
def test_content_or_validate_on_a_directory_is_refused(run_module, tmp_path, extra):
    item = dict({"path": str(tmp_path / "Maildir"), "state": "directory"}, **extra)
    result = run_module("config_files", {"files": [item]})
    assert result["failed"]
    assert "files[0] (%s): content and validate are for files; a state=directory item takes only owner, group and mode" % item["path"] in result["msg"]
    assert not (tmp_path / "Maildir").exists()


def test_check_mode_creates_no_directory(run_module, tmp_path):
    items = maildir_items(tmp_path) + [{"path": str(tmp_path / "Maildir" / "maildirfolder"), "content": ""}]
    result = run_module("config_files", {"files": items}, check_mode=True, diff=True)
    assert result["changed"] and len(result["changed_files"]) == 5
    assert result["diff"][0] == {"before": {"path": str(tmp_path / "Maildir"), "state": "absent"},
                                 "after": {"path": str(tmp_path / "Maildir"), "state": "directory"}}
    assert os.listdir(tmp_path) == []


def test_check_mode_reports_but_keeps_the_mode_of_a_directory(run_module, tmp_path):
    (tmp_path / "Maildir").mkdir(mode=0o755)
    os.chmod(tmp_path / "Maildir", 0o755)
    result = run_module("config_files", {"files": maildir_items(tmp_path)[:1]}, check_mode=True)
    assert result["changed"] and mode_of(tmp_path / "Maildir") == 0o755


def test_a_file_inside_a_directory_of_the_same_call(run_module, tmp_path):
    # The file is listed first: every directory item is made before any file is staged.
    items = [{"path": str(tmp_path / "conf.d" / "91-tkj-postfix-auth.conf"), "content": "service auth {}\n", "mode": "0644"},
             {"path": str(tmp_path / "conf.d"), "state": "directory", "mode": "0755"}]
    result = run_module("config_files", {"files": items})
    assert not result["failed"] and result["changed"]
    assert (tmp_path / "conf.d" / "91-tkj-postfix-auth.conf").read_text() == "service auth {}\n"
    assert mode_of(tmp_path / "conf.d") == 0o755 and mode_of(tmp_path / "conf.d" / "91-tkj-postfix-auth.conf") == 0o644
    assert leftovers(tmp_path / "conf.d") == []
    assert not run_module("config_files", {"files": items})["changed"]


def test_a_rejected_file_removes_the_directories_of_the_call(run_module, tmp_path):
    items = maildir_items(tmp_path) + [{"path": str(tmp_path / "Maildir" / "cur" / "x.conf"), "content": "bad\n", "validate": "false %s"}]
    result = run_module("config_files", {"files": items})
    assert result["failed"] and "no file was changed" in result["msg"]
    assert os.listdir(tmp_path) == []


def test_a_directory_must_follow_its_parent_directory(run_module, tmp_path):
    items = list(reversed(maildir_items(tmp_path)[:2]))
    result = run_module("config_files", {"files": items})
    assert result["failed"]
    cur, maildir = tmp_path / "Maildir" / "cur", tmp_path / "Maildir"
    assert "files[0] (%s): the directory %s does not exist (list the directory item first)" % (cur, maildir) in result["msg"]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("state, make, message", [
    ("directory", lambda path: path.write_text("x\n"), "it exists and is not a directory"),
    ("present", lambda path: path.mkdir(), "it is a directory; give state=directory to manage a directory"),
    ("absent", lambda path: path.mkdir(), "it is a directory; state=absent removes files only"),
])
def test_the_wrong_kind_of_file_is_refused(run_module, tmp_path, state, make, message):
    make(tmp_path / "thing")
    item = {"path": str(tmp_path / "thing"), "state": state}
    if state == "present":
        item["content"] = "x\n"
    result = run_module("config_files", {"files": [item]})
    assert result["failed"] and message in result["msg"]


@pytest.mark.parametrize("mode, expected", [("u=rw,g=r,o=", 0o640), ("go-r", 0o600), (0o640, 0o640), ("640", 0o640)])
def test_symbolic_and_numeric_modes_are_set(run_module, etc, mode, expected):
    os.chmod(etc / "named.conf.local", 0o644)
    result = run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "content": "new local\n", "mode": mode}]})
    assert not result["failed"] and mode_of(etc / "named.conf.local") == expected
    assert not run_module("config_files", {"files": [{"path": str(etc / "named.conf.local"), "content": "new local\n", "mode": mode}]})["changed"]


def test_new_file_with_a_symbolic_mode_starts_from_0644(run_module, etc):
    run_module("config_files", {"files": [{"path": str(etc / "mailname"), "content": "mail.nida.com\n", "mode": "g+w"}]})
    assert mode_of(etc / "mailname") == 0o664


@pytest.mark.parametrize("mode", ["u=rw,g", "rw-r--r--", 0o17777, True])
def test_bad_mode_is_refused_before_anything_changes(run_module, etc, mode):
    result = run_module("config_files", {"files": [
        {"path": str(etc / "new.conf"), "content": "x\n"},
        {"path": str(etc / "named.conf.local"), "content": "new local\n", "mode": mode},
    ]})
    assert result["failed"]
    assert "files[1] (%s): mode %r is not an octal mode such as '0644' nor a symbolic mode" % (etc / "named.conf.local", mode) in result["msg"]
    assert not (etc / "new.conf").exists() and (etc / "named.conf.local").read_text() == "old local\n"
