#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dovecot_config
short_description: Set top-level Dovecot settings in configuration files, for Dovecot 2.3 and 2.4
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Sets top-level C(name = value) settings in files under the Dovecot configuration directory, for example
    C(conf.d/10-mail.conf), editing them the way a person would; one file by O(path), several in one call by O(files).
  - An active C(name = value) line outside any C({ }) section is changed in place (its trailing comment is kept).
    Otherwise a commented-out line C(#name = ...) outside any section, with the C(#) in the first column, is
    uncommented and set in place (the first such line). Otherwise the setting is appended to the end of the file.
    Commented lines with the C(#) indented (the body of a commented-out section) are never uncommented.
    Every other line stays byte-identical.
  - Settings named in O(absent) are commented out (a C(#) is put in front of the line), not deleted.
  - Knows the installed Dovecot version (C(dovecot --version), run once) and the settings renamed between Dovecot 2.3
    (Debian 12) and 2.4 (Debian 13); O(mail_location) is written as 2.3's C(mail_location) or as the 2.4 C(mail_*)
    settings, and on 2.4 the 2.3 names in O(settings) with an exact 2.4 translation are translated (see O(settings)).
  - On Dovecot 2.4, an active top-level line of a Dovecot 2.3 setting in an edited file (a line added following a 2.3
    tutorial, or a file kept over an upgrade from Debian 12) is commented out when the task sets (or comments out)
    its 2.4 successor in that file, or, for C(mail_location), gives O(mail_location) for that file; otherwise it is
    rewritten in place as its exact 2.4 translation (returned in RV(translated)). A 2.3 line with no exact translation
    (for example C(auth_worker_max_count), or C(ssl_cert) with the PEM text itself) fails the task before any file
    is changed, naming the file, the line number, the setting and what it is in Dovecot 2.4.
    Commented-out lines and lines inside sections are left as they are.
  - Values are compared with white space collapsed and surrounding quotes removed, so an equivalent value is no change.
  - All files are edited in memory first. Then the whole configuration with every new file in it is checked once with
    C(doveconf -c DIR/dovecot.conf -n) in a private temporary directory that mirrors the configuration directory with
    symbolic links (so files readable only by root or dovecot, and C(!include) or C(!include_try) of relative and
    absolute paths, work as in the real directory). Only when doveconf accepts it are the changed files replaced, each
    atomically; otherwise every file stays byte-identical and the module fails with doveconf's message.
  - A name that doveconf does not know fails naming the setting and close names; a Dovecot 2.4 name on 2.3, or a 2.3
    name with no exact translation on 2.4, fails before doveconf runs, naming the name to use on the installed version.
options:
  files:
    description:
      - Several files to edit in one call, each with the options O(path), O(settings), O(mail_location) and O(absent)
        of its own, with the same meaning. Each file may be listed once. Mutually exclusive with those options.
    type: list
    version_added: 0.3.0
    elements: dict
    suboptions:
      path:
        description: The file to edit, as O(path).
        type: str
        required: true
      settings:
        description: Top-level settings to set in this file, as O(settings).
        type: dict
        default: {}
      mail_location:
        description: Where the mail is, as O(mail_location), written to this file.
        type: str
      absent:
        description: Top-level settings to comment out in this file, as O(absent).
        type: list
        elements: str
        default: []
  path:
    description:
      - The file to edit, relative to O(config_dir), or an absolute path inside O(config_dir) (one outside is refused).
      - A file that does not exist yet is created (mode 0644) when there is something to set; its directory must exist.
        Make sure Dovecot includes it (Debian's C(dovecot.conf) includes C(conf.d/*.conf) and C(local.conf)).
    type: str
    default: conf.d/10-mail.conf
  config_dir:
    description: The Dovecot configuration directory. It must hold C(dovecot.conf).
    type: path
    default: /etc/dovecot
  settings:
    description:
      - Top-level settings to set in the file, a dictionary of setting names and values.
      - A value may be a string, a number, a boolean (written as V(yes) or V(no)) or a list of those (written
        joined with spaces, for example the list V([imap, pop3]) for C(protocols) gives C(protocols = imap pop3)).
        Use V("") for an empty value. A value must be one line.
      - A value containing C(#) is written in double quotes, since Dovecot reads C(#) as the start of a comment.
      - Names are those of the installed Dovecot version. A 2.4 name on 2.3 (for example C(ssl_server_cert_file),
        C(auth_allow_cleartext)) fails with the name to use instead.
      - "On Dovecot 2.4, a 2.3 name is translated where the translation is exact (returned in RV(translated)):
        the renamed settings (C(ssl_cert) -> C(ssl_server_cert_file), C(ssl_key) -> C(ssl_server_key_file),
        C(ssl_dh) -> C(ssl_server_dh_file), C(auth_default_realm) -> C(auth_default_domain), and the others of the
        Dovecot upgrade notes); C(disable_plaintext_auth) -> C(auth_allow_cleartext) with the value inverted;
        C(ssl_prefer_server_ciphers) V(yes)/V(no) -> C(ssl_server_prefer_ciphers) V(server)/V(client).
        A 2.3 PEM setting given as C(<) and a file name becomes the plain file name of the 2.4 C(*_file) setting;
        the PEM text itself is refused. Names with no exact translation (C(ssl_ca), C(auth_worker_max_count),
        C(verbose_ssl)), and C(mail_location) (use O(mail_location)), fail with what to use instead."
      - On Dovecot 2.4, C(*_file) settings take a plain path; a value starting with C(<) (the 2.3 way) is refused. On 2.3,
        C(ssl_cert), C(ssl_key), C(ssl_dh), C(ssl_ca), C(ssl_alt_cert), C(ssl_alt_key), C(ssl_client_cert) and
        C(ssl_client_key) take C(<) and the file path (or the PEM text itself); a plain path is refused.
      - Values of settings whose name ends in C(_password) are kept out of the module's output.
    type: dict
    default: {}
  mail_location:
    description:
      - Where the mail is, in Dovecot 2.3's C(mail_location) form C(DRIVER:PATH[:KEY=VALUE|:FLAG]...),
        for example V(maildir:~/Maildir) or V(mbox:~/mail:INBOX=/var/mail/%u). A literal C(:) in a value is written C(::).
      - The driver is one of V(maildir), V(mbox), V(sdbox), V(mdbox), V(imapc), V(pop3c). Dovecot 2.3 gets C(mail_location = VALUE).
      - "On Dovecot 2.4 it is written as the settings that replaced C(mail_location):
        DRIVER -> C(mail_driver); PATH -> C(mail_path); C(INBOX=) -> C(mail_inbox_path); C(INDEX=) -> C(mail_index_path);
        C(INDEXPVT=) -> C(mail_index_private_path); C(INDEXCACHE=) -> C(mail_cache_path); C(CONTROL=) -> C(mail_control_path);
        C(VOLATILEDIR=) -> C(mail_volatile_path); C(ALT=) -> C(mail_alt_path); C(ALTNOCHECK) -> C(mail_alt_check = no);
        C(LAYOUT=) -> C(mailbox_list_layout); C(SUBSCRIPTIONS=) -> C(mailbox_subscriptions_filename);
        C(MAILBOXDIR=) -> C(mailbox_root_directory_name);
        C(DIRNAME=) -> C(mailbox_directory_name) and C(mailbox_directory_name_legacy = yes);
        C(FULLDIRNAME=) -> C(mailbox_directory_name) and C(mailbox_directory_name_legacy = no);
        C(LISTINDEX=) -> C(mailbox_list_index_prefix); C(BROKENCHAR=) -> C(mailbox_list_visible_escape_char);
        C(ITERINDEX) -> C(mailbox_list_iter_from_index_dir = yes); C(UTF-8) -> C(mailbox_list_utf8 = yes);
        C(KEEP-NOSELECT) -> C(mailbox_list_drop_noselect = no); C(NO-NOSELECT) -> C(mailbox_list_drop_noselect = yes);
        C(NO-FS-VALIDATION) -> C(mailbox_list_validate_fs_names = no)."
      - On Dovecot 2.4 every other setting of that table, and an old C(mail_location) line, active in the file is
        commented out, so that the file describes exactly the given location (Debian 13's C(mail_inbox_path =
        /var/mail/%{user}) for V(maildir:~/Maildir), so INBOX is C(~/Maildir)). C(mail_home) is left as it is.
      - On Dovecot 2.4 the 2.3 variables C(%u), C(%n), C(%d), C(%h) are written as C(%{user}), C(%{user | username}),
        C(%{user | domain}), C(%{home}); other one-letter variables are refused (write them in the 2.4 C(%{...}) form).
      - Must not be combined with any of those settings in O(settings) or O(absent).
    type: str
  debian_upgrade:
    description:
      - On Dovecot 2.4, first replace the Dovecot 2.3 files an upgrade from Debian 12 to 13 kept in O(config_dir)
        by Debian 13's version, as on a fresh Debian 13 host, then apply the settings to them.
      - "Debian installs Dovecot's configuration with ucf: the upgrade keeps each file that was changed (with dpkg's
        C(--force-confold), every file) and puts Debian 13's version beside it as C(FILE.ucf-dist); dpkg then fails to
        configure C(dovecot-core), because Dovecot 2.4 refuses the 2.3 files."
      - A kept file is replaced when it holds nothing but Debian 12's defaults and the settings this task writes to it
        (in O(files), O(settings), O(mail_location), O(absent), by their 2.3 or 2.4 names); the kept file stays beside it
        as C(FILE.ucf-old) and C(FILE.ucf-dist) is removed (RV(replaced)). Comments are not compared.
      - When a kept file holds other settings (the admin's own), the task fails before any file is changed, naming each
        such file and its lines, so that the admin carries them over into C(FILE.ucf-dist) in Dovecot 2.4's words.
      - Does nothing on Dovecot 2.3, or where no C(FILE.ucf-dist) is beside a file.
    type: bool
    default: false
    version_added: 0.10.0
  absent:
    description:
      - Top-level settings to comment out in the file, wherever they are active outside a section (a name that is not
        active is no change). A name may not also be in O(settings).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - tkj.mailserver.config_file
attributes:
  check_mode:
    support: full
    details: Computes the new files, their diff and the changes, and validates them with doveconf, without writing any file.
  diff_mode:
    support: full
    details: The whole file before and after; with O(files), a list of one such diff per file.
  platform:
    platforms: debian
    support: full
    details: Debian 12 (Dovecot 2.3) and Debian 13 (Dovecot 2.4).
notes:
  - Run it as root (C(become=true)), because doveconf must read the whole configuration, including files readable only by root.
  - Settings of sections (C(service imap { ... }), C(namespace inbox { ... }), C(protocol ... { ... })) are never touched.
  - Only the given files are edited. A later file (for example C(local.conf)) that sets the same name still wins in Dovecot.
  - A file included by an absolute path into the configuration directory is read from the real directory during
    validation, so the new content of such a file would not be checked.
  - doveconf accepts some wrong values that only fail when mail is accessed (for example C(mail_driver = nosuch) on 2.4);
    the module checks the mail driver itself.
seealso:
  - name: Upgrading Dovecot CE from 2.3 to 2.4
    description: The settings renamed in Dovecot 2.4.
    link: https://doc.dovecot.org/2.4.0/installation/upgrade/2.3-to-2.4.html
"""

EXAMPLES = r"""
- name: Mail in ~/Maildir, TLS-only cleartext logins and the snakeoil certificate, on Debian 12 and 13 alike
  tkj.mailserver.dovecot_config:
    files:
      - path: conf.d/10-mail.conf
        mail_location: maildir:~/Maildir
      - path: conf.d/10-auth.conf  # on Dovecot 2.4: auth_allow_cleartext = no
        settings: {disable_plaintext_auth: "yes", auth_mechanisms: plain login}
      - path: conf.d/10-ssl.conf  # on Dovecot 2.4: ssl_server_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem, ...
        settings: {ssl: required, ssl_cert: "</etc/ssl/certs/ssl-cert-snakeoil.pem", ssl_key: "</etc/ssl/private/ssl-cert-snakeoil.key"}

- name: Keep mail in ~/Maildir (mail_location on Debian 12, mail_driver/mail_path on Debian 13)
  tkj.mailserver.dovecot_config:
    mail_location: maildir:~/Maildir

- name: Learn the Dovecot version (no arguments change nothing)
  tkj.mailserver.dovecot_config:
  register: dovecot

- name: Use a certificate, in the Dovecot 2.4 words (fails on 2.3)
  tkj.mailserver.dovecot_config:
    path: conf.d/10-ssl.conf
    settings: {ssl_server_cert_file: /etc/ssl/certs/mail.pem, ssl_server_key_file: /etc/ssl/private/mail.key}
    backup: true
  when: dovecot.dovecot_version is version('2.4', '>=')

- name: Comment out a setting
  tkj.mailserver.dovecot_config:
    path: conf.d/10-ssl.conf
    absent: [ssl_min_protocol]
"""

RETURN = r"""
changes:
  description:
    - The settings that were (or, in check mode, would be) changed, file by file, in the order they were applied
      (the Dovecot 2.3 lines commented out or rewritten on 2.4, then O(settings), then the settings of O(mail_location),
      then commented-out ones). A rewritten 2.3 line is two items, the 2.3 name with RV(changes[].after=null) and the 2.4 name.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      returned: always
      type: str
    name:
      description: The setting name.
      returned: always
      type: str
    before:
      description: The value of the last active line before, without quotes; V(null) when no line was active.
      returned: always
      type: str
    after:
      description: The value written; V(null) when the setting was commented out.
      returned: always
      type: str
  sample:
    - {path: /etc/dovecot/conf.d/10-mail.conf, name: mail_driver, before: mbox, after: maildir}
    - {path: /etc/dovecot/conf.d/10-mail.conf, name: mail_path, before: "%{home}/mail", after: ~/Maildir}
    - {path: /etc/dovecot/conf.d/10-mail.conf, name: mail_inbox_path, before: "/var/mail/%{user}", after: null}
translated:
  description:
    - On Dovecot 2.4, the Dovecot 2.3 settings translated to 2.4 ones, file by file; first those of O(settings)
      (on every run, changed or not), then the active 2.3 lines of the files that were (or would be) rewritten.
      A 2.3 C(mail_location) line is one item per 2.4 setting it becomes. Empty on Dovecot 2.3.
  returned: always
  type: list
  version_added: 0.3.0
  elements: dict
  contains:
    path:
      description: The file.
      returned: always
      type: str
    name:
      description: The Dovecot 2.3 name.
      returned: always
      type: str
    value:
      description: The Dovecot 2.3 value, without quotes.
      returned: always
      type: str
    to_name:
      description: The Dovecot 2.4 name.
      returned: always
      type: str
    to_value:
      description: The Dovecot 2.4 value.
      returned: always
      type: str
  sample:
    - {path: /etc/dovecot/conf.d/10-auth.conf, name: disable_plaintext_auth, value: "yes", to_name: auth_allow_cleartext, to_value: "no"}
    - {path: /etc/dovecot/conf.d/10-ssl.conf, name: ssl_cert, value: </etc/ssl/certs/a.pem, to_name: ssl_server_cert_file, to_value: /etc/ssl/certs/a.pem}
replaced:
  description: The files replaced by Debian 13's version (O(debian_upgrade)); each kept file is beside it as C(FILE.ucf-old).
  returned: always
  type: list
  elements: str
  version_added: 0.10.0
  sample: [/etc/dovecot/dovecot.conf, /etc/dovecot/conf.d/10-auth.conf]
dovecot_version:
  description: The installed Dovecot version, from C(dovecot --version).
  returned: always
  type: str
  sample: 2.4.1-4
backup_file:
  description: The backup copy of the file, when O(backup=true) and the file was changed (the single-file form, without O(files)).
  returned: changed and O(backup=true) and O(files) is not given
  type: str
  sample: /etc/dovecot/conf.d/10-mail.conf.12345.2024-01-01@12:00:00~
backup_files:
  description: The backup copy of each changed file, by file, when O(backup=true).
  returned: changed and O(backup=true)
  type: dict
  version_added: 0.3.0
  sample: {/etc/dovecot/conf.d/10-mail.conf: "/etc/dovecot/conf.d/10-mail.conf.12345.2024-01-01@12:00:00~"}
diff:
  description: The file before and after (with C(--diff)); with O(files), a list of those, one per file.
  returned: when diff mode is on
  type: raw
  sample: {before_header: /etc/dovecot/conf.d/10-mail.conf, after_header: /etc/dovecot/conf.d/10-mail.conf, before: "...", after: "..."}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._dovecot import (FILE_OPTIONS, file_items, parse_version, password_values,
                                                                              resolve_paths, validate, write_files)
from ansible_collections.tkj.mailserver.plugins.module_utils._dovecot_upgrade import NEW_SUFFIX, keep_upgraded_file, replacements
from ansible_collections.tkj.mailserver.plugins.module_utils._dovecot_versions import LOCATION_SETTINGS_24, Request, edit_file
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._files import file_diff, read_text


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                options=dict(path=dict(type="str", required=True), settings=dict(type="dict", default={}),
                             mail_location=dict(type="str"), absent=dict(type="list", elements="str", default=[])),
            ),
            path=dict(type="str", default="conf.d/10-mail.conf"),
            config_dir=dict(type="path", default="/etc/dovecot"),
            settings=dict(type="dict", default={}),
            mail_location=dict(type="str"),
            absent=dict(type="list", elements="str", default=[]),
            backup=dict(type="bool", default=False),
            debian_upgrade=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("files", option) for option in FILE_OPTIONS],
        supports_check_mode=True,
    )
    items = file_items(module.params)
    result = dict(changed=False, changes=[], translated=[], replaced=[], dovecot_version=None)
    module.no_log_values.update(password_values(items, result))
    edits = []
    try:
        config_dir = os.path.normpath(module.params["config_dir"])
        if not os.path.isfile(os.path.join(config_dir, "dovecot.conf")):
            raise InputError("config_dir: %s has no dovecot.conf" % config_dir)
        paths = resolve_paths(config_dir, items)
        dovecot = module.get_bin_path("dovecot", required=True)
        doveconf = module.get_bin_path("doveconf", required=True)
        rc, out, err = module.run_command([dovecot, "--version"])
        if rc != 0:
            raise InputError("'dovecot --version' failed: %s" % (err or out).strip())
        result["dovecot_version"], version = parse_version(out)

        # Every file is edited in memory first, so that a refused input or 2.3 line changes no file.
        requests = [Request(item, version, where) for where, item in items]
        replaced = {}
        if module.params["debian_upgrade"] and version >= (2, 4):
            replaced = replacements(config_dir, read_text, {
                relative: set(item.get("settings") or {}) | set(request.wanted) | set(request.absent) | ({"mail_location"} if request.location_given else set())
                for (_where, item), (_target, relative), request in zip(items, paths, requests)})
        names = {}
        for (where, _item), (target, relative), request in zip(items, paths, requests):
            before = base = read_text(target)
            if relative in replaced:
                base = replaced.pop(relative)[1]
                result["replaced"].append(target)
            after, changes, translated = edit_file(base or "", target, request, version)
            result["changes"].extend(changes)
            result["translated"].extend(translated)
            for name in request.wanted:
                names.setdefault(name, where + "settings")
            edits.append((target, relative, before, after))
        for relative, (kept, new) in sorted(replaced.items()):
            target = os.path.join(config_dir, relative)
            result["replaced"].append(target)
            edits.append((target, relative, kept, new))
        result["replaced"].sort()
        module.no_log_values.update(password_values(items, result))
        changed = {relative: after for _target, relative, before, after in edits if after != (before or "")}
        result["changed"] = bool(changed or result["replaced"])
        if changed:
            extra_names = LOCATION_SETTINGS_24 if version >= (2, 4) else ["mail_location"]
            validate(module, doveconf, version, config_dir, changed, names, extra_names)
    except InputError as error:
        module.fail_json(msg=str(error), changed=False, dovecot_version=result["dovecot_version"])

    if module._diff:
        diffs = [file_diff(target, before, after) for target, _relative, before, after in edits]
        result["diff"] = diffs if module.params["files"] is not None else diffs[0]
    if result["changed"] and not module.check_mode:
        texts = {target: after for target, _relative, before, after in edits if after != (before or "")}
        for target in result["replaced"]:
            keep_upgraded_file(target)
        backups = write_files(module, texts, backup=module.params["backup"])
        for target in result["replaced"]:
            os.unlink(target + NEW_SUFFIX)
        if backups:
            result["backup_files"] = backups
            if module.params["files"] is None:
                result["backup_file"] = backups[edits[0][0]]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
