# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The READMEs: README.md (English) and README.id.md (Bahasa Indonesia, for students) name every
variable the lab inventory sets, link to each other near the top, and show the same commands."""

from __future__ import annotations

import os
import re

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAB_VARIABLES = os.path.join("inventories", "lab", "group_vars", "all.yml")
READMES = ("README.md", "README.id.md")
# "Near the top": the link to the other README stands within a README's first lines.
TOP_LINES = 10
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def read(name):
    """The text of a file of the repository."""
    with open(os.path.join(REPO, name), encoding="utf-8") as handle:
        return handle.read()


def lab_variables():
    """The top-level keys of the lab inventory, in file order (commented-out ones are not keys)."""
    variables = yaml.safe_load(read(LAB_VARIABLES))
    assert isinstance(variables, dict) and variables, "%s holds no variables" % LAB_VARIABLES
    return list(variables)


def links_to(text, target):
    """True when ``text`` has a Markdown link to ``target`` (with or without an anchor)."""
    return re.search(r"\]\(%s(#[^)]*)?\)" % re.escape(target), text) is not None


@pytest.mark.parametrize("readme", READMES)
def test_readme_names_every_lab_variable(readme):
    """Each variable set in the lab inventory is named, in backticks, in the README."""
    text = read(readme)
    missing = [name for name in lab_variables() if "`%s`" % name not in text]
    assert not missing, "%s does not name these variables of %s (as `name`): %s" % (
        readme, LAB_VARIABLES, ", ".join(missing))


@pytest.mark.parametrize("readme, other", [("README.md", "README.id.md"), ("README.id.md", "README.md")])
def test_readme_links_to_the_other_near_the_top(readme, other):
    """README.md links to the Indonesian README, and README.id.md back to README.md, in their first lines."""
    top = "\n".join(read(readme).splitlines()[:TOP_LINES])
    assert links_to(top, other), "%s has no link [...](%s) in its first %d lines" % (readme, other, TOP_LINES)


def test_readme_id_shows_the_quick_start_commands_as_readme_does():
    """The commands of README.md's block that runs playbooks/site.yml on the lab inventory stand in
    README.id.md line for line, so the students' README never shows an outdated command."""
    blocks = [block for block in FENCE.findall(read("README.md"))
              if "ansible-playbook -i inventories/lab playbooks/site.yml" in block]
    assert blocks, "README.md has no code block running ansible-playbook -i inventories/lab playbooks/site.yml"
    commands = [line for block in blocks for line in block.splitlines()
                if line.startswith(("ansible-galaxy collection install", "ansible-playbook "))]
    lines = set(line for block in FENCE.findall(read("README.id.md")) for line in block.splitlines())
    missing = [command for command in commands if command not in lines]
    assert not missing, "README.id.md's code blocks lack these lines of README.md's quick start:\n" + "\n".join(missing)
