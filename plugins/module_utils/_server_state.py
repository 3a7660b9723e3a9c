# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a mail server says about itself, for tkj.mailserver.check: whether its services run, where
Postfix delivers local mail and where Dovecot reads it, who owns each user's Maildir, and the firewall
rules on the mail ports. A client sees only that a message never arrived or a port never answered;
these say why (read on the server, by the mail_server_state module; judged in _mail_check.py).

Everything is read with the server's own tools (systemctl, postconf, doveconf, nft, iptables), each
run once; a tool that is missing gives an empty answer, as on a server where that part is not
installed yet."""

from __future__ import annotations

import json
import os
import pwd
import re

# The ports of a mail server's clients: SMTP, submission, POP3, IMAP, and their TLS forms.
MAIL_PORTS = (25, 110, 143, 465, 587, 993, 995)
_PORTS = "|".join(str(port) for port in MAIL_PORTS)
# A firewall rule that drops or refuses traffic to a mail port (nft list ruleset, iptables -S).
_BLOCKING = re.compile(r"(dport|--dport|dports)\s+(\{[^}]*\b(%s)\b[^}]*\}|(%s))\b.*\b(drop|reject|DROP|REJECT)\b" % (
    _PORTS, _PORTS))


def services(run, units):
    """{unit: state} from systemctl is-active (which exits 3 when one is not active)."""
    if not units:
        return {}
    _rc, out, _err = run(["systemctl", "is-active"] + list(units))
    states = out.split()
    return dict(zip(units, states + ["unknown"] * (len(units) - len(states))))


def postfix_delivery(run):
    """Which domains Postfix takes as its own and where it delivers local users' mail: {mydestination,
    virtual_mailbox_domains, virtual_alias_domains, home_mailbox, mailbox_transport, mailbox_command},
    with $names expanded ({} when Postfix is not installed)."""
    names = ["mydestination", "virtual_mailbox_domains", "virtual_alias_domains", "home_mailbox", "mailbox_transport", "mailbox_command"]
    rc, out, _err = run(["postconf", "-x", "-h"] + names)
    if rc != 0:
        return {}
    values = out.split("\n")
    return {name: (values[index].strip() if index < len(values) else "") for index, name in enumerate(names)}


def dovecot_location(run):
    """Where Dovecot reads mail, as Dovecot 2.3 writes it (maildir:~/Maildir, :INBOX=PATH when the
    INBOX is elsewhere); on Dovecot 2.4 made from mail_driver, mail_path and mail_inbox_path (2.4
    prints an empty mail_location). Empty when doveconf is missing or refuses its configuration."""
    rc, out, _err = run(["doveconf", "-h", "mail_location"])
    if rc == 0 and out.strip():
        return out.strip()
    rc, out, _err = run(["doveconf", "-h", "mail_driver", "mail_path", "mail_inbox_path"])
    if rc != 0:
        return ""
    values = [value.strip() for value in out.split("\n")] + ["", "", ""]
    return ":".join([values[0], values[1]] + (["INBOX=" + values[2]] if values[2] else []))


def maildirs(users, getpwnam=pwd.getpwnam, stat=os.stat):
    """{user: {path, owner}}: each system user's ~/Maildir and its owner's name (None when the user or
    the directory does not exist; the owner's number when it has no name)."""
    found = {}
    for user in users:
        try:
            home = getpwnam(user).pw_dir
        except KeyError:
            found[user] = {"path": None, "owner": None}
            continue
        path = os.path.join(home, "Maildir")
        try:
            uid = stat(path).st_uid
        except OSError:
            found[user] = {"path": path, "owner": None}
            continue
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = str(uid)
        found[user] = {"path": path, "owner": owner}
    return found


def firewall(run):
    """The firewall's rules that drop or refuse a mail port, as nft and iptables print them."""
    rules = []
    for command in (["nft", "list", "ruleset"], ["iptables", "-S"]):
        rc, out, _err = run(command)
        if rc == 0:
            rules += [" ".join(line.split()) for line in out.splitlines() if _BLOCKING.search(line)]
    return rules


def queue(run):
    """The mail Postfix holds back (postqueue -j): {deferred: how many messages, reasons: [[reason, recipients], ...]},
    the most frequent reasons first, at most three (Postfix's delay_reason, such as a relay's refused login); None
    when Postfix cannot say (not installed, or down)."""
    rc, out, _err = run(["postqueue", "-j"])
    if rc != 0:
        return None
    deferred, reasons = 0, {}
    for line in out.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("queue_name") != "deferred":
            continue
        deferred += 1
        for recipient in message.get("recipients", []):
            reason = " ".join(str(recipient.get("delay_reason", "")).split())
            reasons[reason] = reasons.get(reason, 0) + 1
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:3]
    return {"deferred": deferred, "reasons": [list(item) for item in ranked]}


def read(run, units, users):
    """Everything the check uses: ``run(argv)`` gives (rc, stdout, stderr) and (rc 127) for a tool
    that is missing; ``units`` are the systemd units to ask about; ``users`` the mail users' names."""
    return {
        "services": services(run, units),
        "postfix": postfix_delivery(run),
        "dovecot_location": dovecot_location(run),
        "maildirs": maildirs(users),
        "firewall": firewall(run),
        "queue": queue(run),
    }
