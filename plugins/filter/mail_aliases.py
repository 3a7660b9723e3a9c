# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail_aliases filter: the postfix role's aliases checked and sorted into what each table gets."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mail_aliases
short_description: The postfix role's aliases, checked and sorted into /etc/aliases and the per-domain table
version_added: 0.6.0
author:
- tkj.mailserver developers (@tkj-lab)
description:
- Takes the postfix role's C(postfix_aliases), C({name, to}), and returns what goes where, with every mistake
  found, so that the role can refuse them all at once before anything changes.
- A name without C(@) (C(guru)) is an address at every domain the server receives mail for, written to
  C(/etc/aliases); a name with C(@) (C(kelas@nida.com)) is one address, at one of O(domains), written to the
  per-domain table (C(virtual_alias_maps)).
- C(/etc/aliases) always sends RFC 2142's C(postmaster) and C(abuse) to root, and root to O(root_recipient) when it
  names someone; aliases of the same names win.
- A target is a local name (a user, an alias, root) or an address; an address at one of O(local_domains) counts as
  its local name. Local names that are no alias, no root and none of O(users) are returned in C(lookups), for the
  role to find on the host.
positional: domains, local_domains, root_recipient, users, lab_domains
options:
  _input:
    description: The aliases, a list of C({name, to}) where C(to) is a list of targets.
    type: list
    elements: dict
    required: true
  domains:
    description: The domains the server receives mail for (C(postfix_domain) and C(postfix_hosted_domains)).
    type: list
    elements: string
    required: true
  local_domains:
    description: Every domain delivered on this server (O(domains), the host name, C(localhost)).
    type: list
    elements: string
    required: true
  root_recipient:
    description: Who gets root's mail (C(postfix_root_recipient)); empty leaves it with root.
    type: string
    default: ""
  users:
    description: The mail users the aliases may name besides the host's accounts (C(postfix_local_users)).
    type: list
    elements: string
    default: []
  lab_domains:
    description:
    - With lab isolation, the other lab domains mail may go to (C(postfix_lab_domains)); a target at any other
      domain is a mistake. C(null) (no isolation) allows every domain.
    type: list
    elements: string
"""

EXAMPLES = r"""
- name: Sort the aliases
  ansible.builtin.set_fact:
    plan: >-
      {{ [{'name': 'guru', 'to': ['nida']}, {'name': 'kelas@nida.com', 'to': ['nida', 'budi']}]
         | tkj.mailserver.mail_aliases(['nida.com'], ['nida.com', 'mail.nida.com', 'localhost'], 'nida', ['nida', 'budi']) }}
# plan.local: {postmaster: [root], abuse: [root], root: [nida], guru: [nida]}
# plan.domain: [{name: kelas@nida.com, to: [nida, budi]}]
# plan.lookups: []
"""

RETURN = r"""
_value:
  description: What goes where, and what is wrong.
  type: dict
  contains:
    errors:
      description: One sentence per mistake, naming the entry and what to write instead; empty when all is well.
      type: list
      elements: string
    local:
      description: C(/etc/aliases), name to targets, in order (postmaster, abuse, root, then the aliases).
      type: dict
    domain:
      description: The per-domain aliases, C({name, to}), names in lower case.
      type: list
      elements: dict
    lookups:
      description: Local target names to look up on the host (no alias, not root, not in O(users)), lower case.
      type: list
      elements: string
    senders:
      description:
        - The addresses of O(_input) and who may send as them after logging in (C(smtpd_sender_login_maps)),
          as C({address, domain, owners}), C(address) a local part in lower case, C(domain) its domain or C(None) (every
          domain of the server), C(owners) the local names among its targets (O(users) only, when given; never root).
        - Aliases without such a target are left out. The implicit postmaster, abuse and root are never listed.
      type: list
      elements: dict
"""

import re

from ansible.errors import AnsibleFilterError

# A local part, as an alias name or a target user (letters, digits and . _ + -).
LOCAL_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]*$")
# A fully qualified name: dot-separated labels of letters, digits and hyphens.
DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$")


def split_address(text):
    """(local part, domain in lower case or None) of a name or an address."""
    local, at, domain = text.partition("@")
    return local, (domain.lower() if at else None)


def check_entry(number, entry, domains):
    """The mistakes in one alias entry's shape and name."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        return ["entry %d (%r) has no name: write {name: guru, to: [nida]}" % (number, entry)]
    name = entry["name"]
    targets = entry.get("to")
    errors = []
    if not isinstance(targets, list) or not targets or not all(isinstance(target, str) and target for target in targets):
        errors.append("%s: to must be a non-empty list of users or addresses, such as [nida] (got %r)" % (name, targets))
    local, domain = split_address(name)
    if not LOCAL_PART.match(local):
        errors.append("%s: %r is not a local part (letters, digits and . _ + -)" % (name, local))
    if domain is not None and domain not in domains:
        errors.append("%s: %s is not a domain of this server (%s); an alias is at one of them, or at all of them"
                      " when its name has no @" % (name, domain, ", ".join(domains)))
    return errors


def check_target(name, target, local_domains, lab_domains):
    """The mistakes in one target; the local name it stands for, or None when it is elsewhere."""
    local, domain = split_address(target)
    if not LOCAL_PART.match(local):
        return ["%s: target %r is not a user name or an address user@domain" % (name, target)], None
    if domain is None or domain in local_domains:
        return [], local.lower()
    if not DOMAIN.match(domain):
        return ["%s: target %r is not an address user@domain" % (name, target)], None
    if lab_domains is not None and domain not in lab_domains:
        return ["%s: forwards to %s, which lab isolation refuses (postfix_lab_isolation): forward only to the lab's"
                " domains (%s), or add %s to postfix_lab_domains" % (name, target, ", ".join(local_domains[:1] + lab_domains), domain)], None
    return [], None


def sender_entry(name, targets, local_domains, users):
    """{address, domain, owners} of an alias: who logs in to send as it (its targets that are local users)."""
    address, domain = split_address(name)
    allowed = {user.lower() for user in users or []}
    owners = []
    for target in targets:
        local, target_domain = split_address(target)
        owner = local.lower()
        if (target_domain is None or target_domain in local_domains) and owner != "root" and owner not in owners \
                and (not allowed or owner in allowed):
            owners.append(owner)
    return {"address": address.lower(), "domain": domain, "owners": owners}


def mail_aliases(aliases, domains, local_domains, root_recipient="", users=None, lab_domains=None):
    """The aliases checked and sorted: {errors, local, domain, lookups} (see DOCUMENTATION)."""
    if not isinstance(aliases, list):
        raise AnsibleFilterError("mail_aliases: expected a list of aliases {name, to}, got %r" % (aliases,))
    domains = [domain.lower() for domain in domains]
    local_domains = [domain.lower() for domain in local_domains]
    lab = None if lab_domains is None else [domain.lower() for domain in lab_domains]
    errors, seen = [], set()
    local = {"postmaster": ["root"], "abuse": ["root"]}
    if root_recipient:
        local["root"] = [root_recipient]
    per_domain = []
    senders = []
    wanted = []
    # (who names it, target): every target, checked once all entries are read.
    checked = [("postfix_root_recipient", root_recipient)] if root_recipient else []
    for number, entry in enumerate(aliases, 1):
        entry_errors = check_entry(number, entry, domains)
        errors += entry_errors
        if entry_errors:
            continue
        name = entry["name"]
        if name.lower() in seen:
            errors.append("%s: the name is given twice; list all its targets in one entry" % name)
            continue
        seen.add(name.lower())
        if "@" in name:
            per_domain.append({"name": name.lower(), "to": list(entry["to"])})
        else:
            local[name] = list(entry["to"])
        checked += [(name, target) for target in entry["to"]]
        senders.append(sender_entry(name, entry["to"], local_domains, users))
    for name, target in checked:
        target_errors, local_name = check_target(name, target, local_domains, lab)
        errors += target_errors
        if local_name is not None:
            wanted.append(local_name)
    known = {name.lower() for name in list(users or []) + list(local) + ["root"]}
    lookups = sorted({name for name in wanted if name not in known})
    return {"errors": errors, "local": local, "domain": per_domain, "lookups": lookups,
            "senders": [sender for sender in senders if sender["owners"]]}


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"mail_aliases": mail_aliases}
