# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles skip their checks and their work on a host that tkj.mailserver.converged_state finds
as the last converged run left it. That is only right if each role's fingerprint covers every
variable its tasks, handlers and templates read: these tests keep the two in step."""

from __future__ import annotations

import os

import jinja2
import jinja2.meta
import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES = ["dns", "postfix", "dovecot"]
# Read by the converge tasks without being role variables: Ansible's own, and what
# playbooks/site.yml hands to the roles.
ALLOWED = {
    "inventory_hostname", "ansible_check_mode", "omit", "item", "lookup", "query",
    "tkj_mailserver_state", "tkj_mailserver_installed_packages", "tkj_mailserver_install_pending",
}
# Other hosts' variables are read only in vars/main.yml, into variables that enter the fingerprint
# (postfix_dns_servers_zones: the zones that the check that DNS and mail agree reads).
ALLOWED_IN = {os.path.join("vars", "main.yml"): {"groups", "hostvars"}}
CONDITION_KEYS = {"when", "that", "changed_when", "failed_when", "until"}


def load(role, *parts):
    with open(os.path.join(REPO, "roles", role, *parts)) as handle:
        return yaml.safe_load(handle) or {}


def option_names(role):
    return set(load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"])


def expressions(node, key=None):
    """Every Jinja template in a YAML structure; bare conditions are wrapped in {{ }}."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from expressions(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from expressions(value, key)
    elif isinstance(node, str):
        if key in CONDITION_KEYS:
            yield "{{ %s }}" % node
        elif "{{" in node or "{%" in node:
            yield node
    elif isinstance(node, bool) or node is None:
        return


class AnyName(dict):
    """Ansible's filters and tests are not loaded here: every name is taken to exist."""

    def __contains__(self, name):
        return True

    def get(self, name, default=None):
        return super().get(name, lambda *args, **kwargs: None)


def referenced_names(text):
    environment = jinja2.Environment()
    environment.filters = AnyName(environment.filters)
    environment.tests = AnyName(environment.tests)
    return jinja2.meta.find_undeclared_variables(environment.parse(text))


def registered_names(node):
    """Names a task file defines itself: registered results, facts and task variables."""
    if isinstance(node, dict):
        if "register" in node:
            yield node["register"]
        if "ansible.builtin.set_fact" in node:
            yield from node["ansible.builtin.set_fact"]
        if isinstance(node.get("vars"), dict):
            yield from node["vars"]  # a task's own variables
        for value in node.values():
            yield from registered_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from registered_names(value)


def role_sources(role):
    """(file, parsed YAML or template text) of everything the role reads."""
    base = os.path.join(REPO, "roles", role)
    for folder in ("tasks", "handlers", "vars", "defaults"):
        for name in sorted(os.listdir(os.path.join(base, folder))):
            yield os.path.join(folder, name), load(role, folder, name)
    for directory, _subdirectories, files in os.walk(os.path.join(base, "templates")):
        for name in files:
            with open(os.path.join(directory, name)) as handle:
                yield os.path.relpath(os.path.join(directory, name), base), handle.read()


@pytest.mark.parametrize("role", ROLES)
def test_fingerprint_names_every_role_variable(role):
    names = set(load(role, "vars", "main.yml")["%s_input_names" % role])
    if role == "dovecot":
        names.add("dovecot_users")  # enters as dovecot_users_without_passwords
    assert names == option_names(role)


@pytest.mark.parametrize("role", ROLES)
def test_role_reads_only_what_the_fingerprint_covers(role):
    sources = list(role_sources(role))
    known = option_names(role) | set(load(role, "vars", "main.yml")) | ALLOWED
    for _path, content in sources:
        if not isinstance(content, str):
            known |= set(registered_names(content))
    unknown = {}
    for path, content in sources:
        texts = [content] if isinstance(content, str) else list(expressions(content))
        for text in texts:
            for name in referenced_names(text) - known - ALLOWED_IN.get(path, set()):
                unknown.setdefault(name, set()).add(path)
    assert unknown == {}, "variables read by the role but not in the role's fingerprint: %s" % unknown
