# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of plugins/module_utils/_dovecot.py: the configuration file editor, value rendering and the
mirror directory that doveconf checks, without a module around them."""

from __future__ import annotations

import os
import shutil

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils._dovecot import (
    ConfigFile,
    build_mirror,
    parse_version,
    render_value,
    resolve_path,
    split_comment,
    unquote,
)
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

TEXT = "# top\nmail_uid = a  # who\nnamespace inbox {\n  inbox = yes\n}\n#mail_gid = x\nmail_plugins = acl \\\n  quota\n"


def test_config_file_indexes_top_level_lines_only():
    """Active and commented-out top-level names are indexed by line; section lines are not."""
    config = ConfigFile(TEXT)
    assert config.active == {"mail_uid": [(1, 2)], "mail_plugins": [(6, 8)]}
    assert config.commented == {"mail_gid": (5, 6)}
    assert config.current("mail_plugins") == "acl quota"


def test_set_comment_out_and_untouched_lines():
    """set keeps the trailing comment, uncomments a '#name =' line; comment_out puts '#' before each line."""
    config = ConfigFile(TEXT)
    assert config.set("mail_uid", "b") is True
    assert config.set("mail_gid", "y") is True
    assert config.comment_out("mail_plugins") is True
    assert config.text() == "# top\nmail_uid = b  # who\nnamespace inbox {\n  inbox = yes\n}\nmail_gid = y\n#mail_plugins = acl \\\n#quota\n"


def test_rewrite_one_setting_keeps_separator_and_comment():
    """rewrite gives the line another name and value, with its spacing and trailing comment."""
    config = ConfigFile("a = 1\ndisable_plaintext_auth=no # student\nb = 2\n")
    config.rewrite(1, 2, [("auth_allow_cleartext", "yes")])
    assert config.text() == "a = 1\nauth_allow_cleartext=yes # student\nb = 2\n"


def test_rewrite_as_several_settings_at_end_without_newline():
    """rewrite into several settings puts them on lines of their own, also for a last line without a line ending."""
    config = ConfigFile("  mail_location = mbox:~/mail")
    config.rewrite(0, 1, [("mail_driver", "mbox"), ("mail_path", "~/mail"), ("x", "a # b")])
    assert config.text() == '  mail_driver = mbox\n  mail_path = ~/mail\n  x = "a # b"'


def test_crlf_line_endings_kept():
    """A file with CRLF line endings keeps them for changed and appended lines."""
    config = ConfigFile("a = 1\r\nb = 2\r\n")
    config.rewrite(0, 1, [("c", "3"), ("d", "4")])
    config.appended.append("e = 5\r\n")
    assert config.text() == "c = 3\r\nd = 4\r\nb = 2\r\ne = 5\r\n"


@pytest.mark.parametrize("value, text", [(True, "yes"), (False, "no"), (3, "3"), (["imap", "pop3"], "imap pop3"), ("", "")])
def test_render_value(value, text):
    """Booleans, numbers and lists are written the way Dovecot reads them."""
    assert render_value("x", value) == text


def test_render_value_names_option():
    """A value that cannot be written fails naming the option it came from."""
    with pytest.raises(InputError, match=r"^files\[2\]\.settings\.x: value 'a\\nb' contains a line break"):
        render_value("x", "a\nb", "files[2].settings")


def test_quotes_and_comments():
    """A '#' inside quotes is no comment; quotes and escapes are removed from a value."""
    assert split_comment(' "a # b" # c') == (' "a # b" ', "# c")
    assert unquote(' "a \\" b" ') == 'a " b'


def test_parse_version():
    """The version number and (major, minor) from 'dovecot --version'."""
    assert parse_version("2.4.1-4 (7d8c0e5759)\n") == ("2.4.1-4", (2, 4))
    with pytest.raises(InputError):
        parse_version("garbage")


def test_resolve_path(tmp_path):
    """Paths inside config_dir resolve; others fail naming the option."""
    (tmp_path / "conf.d").mkdir()
    assert resolve_path(str(tmp_path), "conf.d/10-a.conf") == (str(tmp_path / "conf.d" / "10-a.conf"), "conf.d/10-a.conf")
    with pytest.raises(InputError, match=r"^files\[1\]\.path: '\.\./x' is not a file inside config_dir"):
        resolve_path(str(tmp_path), "../x", "files[1].path")


def test_mirror_with_several_new_files(tmp_path):
    """The mirror links every real entry, holds the new texts of several files (new ones too), and leaves
    the real directory alone."""
    real = tmp_path / "dovecot"
    (real / "conf.d").mkdir(parents=True)
    (real / "dovecot.conf").write_text("!include conf.d/*.conf\n")
    (real / "conf.d" / "10-a.conf").write_text("a = 1\n")
    (real / "conf.d" / "10-b.conf").write_text("b = 1\n")
    root = build_mirror(str(real), {"conf.d/10-a.conf": "a = 2\n", "conf.d/99-new.conf": "n = 1\n", "local.conf": "l = 1\n"})
    try:
        assert os.path.islink(os.path.join(root, "dovecot.conf"))
        assert not os.path.islink(os.path.join(root, "conf.d"))
        assert os.path.islink(os.path.join(root, "conf.d", "10-b.conf"))
        assert sorted(os.listdir(os.path.join(root, "conf.d"))) == ["10-a.conf", "10-b.conf", "99-new.conf"]
        for relative, text in {"conf.d/10-a.conf": "a = 2\n", "conf.d/99-new.conf": "n = 1\n", "local.conf": "l = 1\n"}.items():
            assert not os.path.islink(os.path.join(root, relative))
            with open(os.path.join(root, relative)) as handle:
                assert handle.read() == text
    finally:
        shutil.rmtree(root)
    assert (real / "conf.d" / "10-a.conf").read_text() == "a = 1\n"
    assert sorted(os.listdir(real / "conf.d")) == ["10-a.conf", "10-b.conf"]
