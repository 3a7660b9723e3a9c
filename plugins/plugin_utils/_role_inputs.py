# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What tkj.mailserver.role_inputs shares between the roles: which variables a role reads (the options
of its meta/argument_specs.yml, the documented contract), the one command that reads on the host what
the settings name there, and each role's checks (plugin_utils/_inputs_<role>.py).

Why one task in Python instead of a list of assert tasks: each task costs the controller a worker and
the templating of every argument (fail_msg too) whether it fails or not, per host; this templates each
variable once and makes one round trip to the host."""

from __future__ import annotations

import os
import shlex

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.tkj.mailserver.plugins.plugin_utils import (_inputs_dns, _inputs_dovecot, _inputs_mail_auth, _inputs_postfix,
                                                                     _inputs_tls, _inputs_webmail)

CHECKS = {"dns": _inputs_dns, "dovecot": _inputs_dovecot, "mail_auth": _inputs_mail_auth, "postfix": _inputs_postfix,
          "tls": _inputs_tls, "webmail": _inputs_webmail}

# For each argument "account:NAME" the account's passwd line after "account " (nothing when there is
# no such account); for "login_defs" the UID_MIN and UID_MAX lines of
# /etc/login.defs after "account "; for "file:PATH" the line "missing PATH" when nothing is at PATH;
# for "resolve:NAME" the line "unresolved NAME" when the host finds no IPv4 address for NAME; for
# "nameservers" a line "nameserver ADDRESS" for each DNS server in /etc/resolv.conf.
# It only reads, so check mode runs it too.
HOST_SCRIPT = ('for item; do case "$item" in '
               'account:*) getent passwd "${item#account:}" | sed "s/^/account /";; '
               'login_defs) grep -E "^[[:space:]]*UID_(MIN|MAX)[[:space:]]" /etc/login.defs | sed "s/^/account /";; '
               'file:*) [ -e "${item#file:}" ] || echo "missing ${item#file:}";; '
               'resolve:*) getent ahostsv4 "${item#resolve:}" >/dev/null || echo "unresolved ${item#resolve:}";; '
               'nameservers) awk \'$1 == "nameserver" && NF > 1 { print "nameserver " $2 }\' /etc/resolv.conf 2>/dev/null;; '
               'esac; done; exit 0')


def role_name(role):
    """The short name of a role (postfix for tkj.mailserver.postfix)."""
    return role.get_name().rsplit(".", 1)[-1]


def option_specs(role_path, entry_point="main"):
    """The variables the role documents in meta/argument_specs.yml, for ``entry_point``: name -> spec."""
    with open(os.path.join(role_path, "meta", "argument_specs.yml"), encoding="utf-8") as stream:
        specs = yaml.safe_load(stream)["argument_specs"]
    return specs[entry_point].get("options") or {}


def spec_errors(options, values):
    """What ansible-core's own argument spec validation (as for a role's entry point) finds wrong in
    ``values``: types, choices, required sub-options. The tasks_from: validate entry has no spec of its
    own, so that checking a host before any host changes (site.yml) costs one task per role, not two."""
    validator = ArgumentSpecValidator(options)
    try:
        result = validator.validate(values, validate_role_argument_spec=True)
    except TypeError:  # ansible-core 2.14 takes no keyword
        result = validator.validate(values)
    return result.error_messages


def not_yet_installed(paths, task_vars):
    """``paths`` less the files the tls role will install on this host: its check, run earlier in the same
    run, registered them as tls_inputs.installs. site.yml checks every host before any changes, when the
    certificate may not be there yet; a file given by another path must be there."""
    planned = (task_vars.get("tls_inputs") or {}).get("installs") or []
    return [path for path in paths if path not in planned]


def host_command(queries):
    """The shell command that reads ``queries`` on the host, or None when there is nothing to read:
    {"accounts": names whose passwd lines to read, "login_defs": whether to read
    UID_MIN and UID_MAX, "files": paths to look for, "resolve": names to resolve, "nameservers": whether
    to read the host's DNS servers}."""
    items = (["account:%s" % name for name in queries.get("accounts", [])]
             + (["login_defs"] if queries.get("login_defs") else []) + ["file:%s" % path for path in queries.get("files", [])]
             + ["resolve:%s" % name for name in queries.get("resolve", [])] + (["nameservers"] if queries.get("nameservers") else []))
    if not items:
        return None
    return " ".join(["sh", "-c", shlex.quote(HOST_SCRIPT), "sh"] + [shlex.quote(item) for item in items])


def host_state(stdout):
    """The command's answer: {"accounts": the passwd and login.defs lines read, "missing": the files that
    are not there, "unresolved": the names without an address, "nameservers": the host's DNS servers}."""
    state = {"accounts": [], "missing": [], "unresolved": [], "nameservers": []}
    kinds = {"account": "accounts", "missing": "missing", "unresolved": "unresolved", "nameserver": "nameservers"}
    for line in stdout.splitlines():
        kind, _space, value = line.partition(" ")
        if kind in kinds:
            state[kinds[kind]].append(value)
    return state
