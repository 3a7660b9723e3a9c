# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.dovecot_config: the configuration an upgrade from Debian 12 to 13 leaves.

Debian's Dovecot packages install their configuration with ucf. On the upgrade to Debian 13, ucf keeps every file
that was changed (and, with dpkg's --force-confold, every file) as it was, puts Debian 13's version beside it as
FILE.ucf-dist, and dpkg then fails to configure dovecot-core: Dovecot 2.4 refuses the kept Dovecot 2.3 files
(dovecot.conf lacks dovecot_config_version). Debian 12's files are replaced here by Debian 13's, as on a fresh
Debian 13 host, when they hold nothing but Debian 12's defaults and the settings the task itself writes; a file
with other settings of the admin's own is left for the admin, with the lines that differ.

Why hand-written: ucf and dpkg keep no copy of Debian 12's files once the upgrade ran, so what Debian 12 shipped is
written down below."""

from __future__ import annotations

import os
import shutil

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

# The active lines (no comments, no blank lines, indentation removed) of the files Debian 12's dovecot-core, -imapd,
# -pop3d and -lmtpd (1:2.3.19.1+dfsg1-2.1+deb12u6) install in /etc/dovecot and Debian 13's install again, by path.
DEBIAN_12_FILES = r"""
== conf.d/10-auth.conf
auth_mechanisms = plain
!include auth-system.conf.ext
== conf.d/10-logging.conf
plugin {
}
== conf.d/10-mail.conf
mail_location = mbox:~/mail:INBOX=/var/mail/%u
namespace inbox {
  inbox = yes
}
mail_privileged_group = mail
protocol !indexer-worker {
}
== conf.d/10-master.conf
service imap-login {
  inet_listener imap {
  }
  inet_listener imaps {
  }
}
service pop3-login {
  inet_listener pop3 {
  }
  inet_listener pop3s {
  }
}
service submission-login {
  inet_listener submission {
  }
}
service lmtp {
  unix_listener lmtp {
  }
}
service imap {
}
service pop3 {
}
service submission {
}
service auth {
  unix_listener auth-userdb {
  }
}
service auth-worker {
}
service dict {
  unix_listener dict {
  }
}
== conf.d/10-ssl.conf
ssl = yes
ssl_cert = </etc/dovecot/private/dovecot.pem
ssl_key = </etc/dovecot/private/dovecot.key
ssl_client_ca_dir = /etc/ssl/certs
ssl_dh = </usr/share/dovecot/dh.pem
== conf.d/15-lda.conf
protocol lda {
}
== conf.d/15-mailboxes.conf
namespace inbox {
  mailbox Drafts {
    special_use = \Drafts
  }
  mailbox Junk {
    special_use = \Junk
  }
  mailbox Trash {
    special_use = \Trash
  }
  mailbox Sent {
    special_use = \Sent
  }
  mailbox "Sent Messages" {
    special_use = \Sent
  }
}
== conf.d/20-imap.conf
protocol imap {
}
== conf.d/20-lmtp.conf
protocol lmtp {
}
== conf.d/20-pop3.conf
protocol pop3 {
}
== conf.d/90-acl.conf
plugin {
}
plugin {
}
== conf.d/90-quota.conf
plugin {
}
plugin {
}
plugin {
}
plugin {
}
== conf.d/auth-checkpassword.conf.ext
passdb {
  driver = checkpassword
  args = /usr/bin/checkpassword
}
userdb {
  driver = prefetch
}
== conf.d/auth-deny.conf.ext
passdb {
  driver = passwd-file
  deny = yes
  args = /etc/dovecot/deny-users
}
== conf.d/auth-dict.conf.ext
passdb {
  driver = dict
  args = /etc/dovecot/dovecot-dict-auth.conf.ext
}
userdb {
  driver = dict
  args = /etc/dovecot/dovecot-dict-auth.conf.ext
}
== conf.d/auth-master.conf.ext
passdb {
  driver = passwd-file
  master = yes
  args = /etc/dovecot/master-users
  pass = yes
}
== conf.d/auth-passwdfile.conf.ext
passdb {
  driver = passwd-file
  args = scheme=CRYPT username_format=%u /etc/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%u /etc/dovecot/users
}
== conf.d/auth-sql.conf.ext
passdb {
  driver = sql
  args = /etc/dovecot/dovecot-sql.conf.ext
}
userdb {
  driver = sql
  args = /etc/dovecot/dovecot-sql.conf.ext
}
== conf.d/auth-static.conf.ext
== conf.d/auth-system.conf.ext
passdb {
  driver = pam
}
userdb {
  driver = passwd
}
== dovecot.conf
!include_try /usr/share/dovecot/protocols.d/*.protocol
dict {
}
!include conf.d/*.conf
!include_try local.conf
"""
# Debian 13's version of a file, left beside it by ucf; and the name ucf gives a replaced file, kept for the admin.
NEW_SUFFIX = ".ucf-dist"
OLD_SUFFIX = ".ucf-old"


def parse_files(text):
    """{path: [active lines]} from the "== path" blocks above."""
    files, lines = {}, None
    for line in text.strip().splitlines():
        if line.startswith("== "):
            lines = files.setdefault(line[3:], [])
        else:
            lines.append(line.strip())
    return files


DEBIAN_12 = parse_files(DEBIAN_12_FILES)


def active_lines(text):
    """The lines Dovecot reads from ``text``: without comments, blank lines and indentation."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def setting_name(line):
    """The name a ``name = value`` line sets, else None."""
    name, equals, _value = line.partition("=")
    return name.strip() if equals and name.strip().isidentifier() else None


def own_lines(text, debian_lines, names):
    """The lines of ``text`` that neither Debian 12's file (``debian_lines``) has nor set one of ``names``, and Debian's
    lines it lacks (other than those setting one of ``names``), as (added, removed)."""
    def without_names(lines):
        return [line for line in lines if setting_name(line) not in names]

    have, debian = without_names(active_lines(text)), without_names(debian_lines)
    if have == debian:
        return [], []
    return [line for line in have if line not in debian], [line for line in debian if line not in have]


def upgraded_files(config_dir):
    """The files of ``config_dir`` (relative paths) that ucf kept over an upgrade, each with Debian 13's version beside it."""
    found = []
    for directory, _dirs, names in os.walk(config_dir):
        for name in names:
            if name.endswith(NEW_SUFFIX) and os.path.isfile(os.path.join(directory, name[: -len(NEW_SUFFIX)])):
                found.append(os.path.relpath(os.path.join(directory, name[: -len(NEW_SUFFIX)]), config_dir))
    return sorted(found)


def replacements(config_dir, read, managed):
    """Debian 13's text for each file of ``config_dir`` that an upgrade from Debian 12 kept: {relative path: (kept
    text, Debian 13 text)}. ``read(path)`` reads a file; ``managed`` maps a relative path to the setting names the
    task writes there (their lines may differ from Debian 12's). Raises InputError, naming each file and its own
    lines, when a kept file is not Debian 12's (or holds more than the task's settings); then nothing is replaced."""
    found, refused = {}, []
    for relative in upgraded_files(config_dir):
        path = os.path.join(config_dir, relative)
        kept, new = read(path), read(path + NEW_SUFFIX)
        if kept == new:
            found[relative] = (kept, new)
            continue
        if relative not in DEBIAN_12:
            refused.append("%s (not a file of Debian 12's Dovecot)" % path)
            continue
        added, removed = own_lines(kept, DEBIAN_12[relative], managed.get(relative, set()))
        if added or removed:
            refused.append("%s (%s)" % (path, "; ".join(
                ["added: %s" % " | ".join(added)] * bool(added) + ["removed: %s" % " | ".join(removed)] * bool(removed))))
            continue
        found[relative] = (kept, new)
    if refused:
        raise InputError(
            "The upgrade to Debian 13 kept these Dovecot 2.3 files, which hold settings of their own: %s. No file was"
            " changed. Carry those settings over into Debian 13's version beside each (FILE%s, in Dovecot 2.4's words),"
            " move it to FILE, and run again; the other kept files are then replaced by Debian 13's version, each kept as"
            " FILE%s." % ("; ".join(refused), NEW_SUFFIX, OLD_SUFFIX))
    return found


def keep_upgraded_file(path):
    """Keep the file an upgrade kept, before Debian 13's version replaces it, as ucf names it (FILE.ucf-old)."""
    shutil.copy2(path, path + OLD_SUFFIX)
    status = os.stat(path)
    os.chown(path + OLD_SUFFIX, status.st_uid, status.st_gid)
