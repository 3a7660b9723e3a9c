# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the keep option of tkj.mailserver.config_files: the real main() on files in tmp_path;
a line made once on the host (a generated key) survives every rewrite, and a new file gets the
content's own line."""

from __future__ import annotations

import grp
import json
import os
import pwd

from ansible_collections.tkj.mailserver.plugins.module_utils._files import keep_lines

OWNER = pwd.getpwuid(os.geteuid()).pw_name
GROUP = grp.getgrgid(os.getegid()).gr_name
KEEP = r"\$config\['des_key'\]\s*="


def config(key, product="Webmail"):
    return "<?php\n$config['des_key'] = '%s';\n$config['product_name'] = '%s';\n" % (key, product)


def item(path, content):
    return {"path": str(path), "content": content, "owner": OWNER, "group": GROUP, "mode": "0640", "secret": True, "keep": KEEP}


def test_keep_lines_takes_the_first_matching_line_of_the_existing_text():
    """Each matching line of the content becomes the existing text's first matching line, line ending kept."""
    assert keep_lines(config("new"), config("old"), KEEP) == config("old")
    assert keep_lines("a\r\n$config['des_key'] = 'new';\r\n", "$config['des_key'] = 'old';\n", KEEP) == "a\r\n$config['des_key'] = 'old';\r\n"
    assert keep_lines(config("new"), None, KEEP) == config("new")
    assert keep_lines(config("new"), "<?php\n", KEEP) == config("new")


def test_a_new_file_gets_the_contents_line_and_keeps_it_afterwards(run_module, tmp_path):
    """The first run writes the content's key; a later run with another generated key changes nothing,
    and a change elsewhere in the file rewrites it with the key it had."""
    path = tmp_path / "config.inc.php"
    assert run_module("config_files", {"files": [item(path, config("first"))]})["changed"]
    assert path.read_text() == config("first")
    again = run_module("config_files", {"files": [item(path, config("second"))]})
    assert not again["failed"] and not again["changed"]
    other = run_module("config_files", {"files": [item(path, config("third", product="Surat"))]})
    assert other["changed"] and path.read_text() == config("first", product="Surat")


def test_a_bad_pattern_is_refused_before_anything_is_written(run_module, tmp_path):
    """keep that is no regular expression fails naming the item; no file is made."""
    bad = dict(item(tmp_path / "config.inc.php", config("x")), keep="$config[")
    result = run_module("config_files", {"files": [bad]})
    assert result["failed"] and "keep is not a regular expression" in result["msg"] and "files[0]" in result["msg"]
    assert not (tmp_path / "config.inc.php").exists()


def test_a_kept_secret_line_appears_nowhere_in_the_result(run_module, tmp_path):
    """The key kept from the file is in no part of the result: not in the invocation, not in the diff."""
    path = tmp_path / "config.inc.php"
    path.write_text(config("oldsecretkey"))
    result = run_module("config_files", {"files": [item(path, config("newsecretkey", product="Surat"))]}, diff=True)
    assert result["changed"] and path.read_text() == config("oldsecretkey", product="Surat")
    assert "oldsecretkey" not in json.dumps(result) and "newsecretkey" not in json.dumps(result)
