# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.postconf that run Postfix's commands: read the live parameters with
``postconf``, and write main.cf/master.cf and check them with ``postfix check``, restoring both on failure."""

from __future__ import annotations

import os
import pty
import re

from ansible_collections.tkj.mailserver.plugins.module_utils._files import write_atomically
from ansible_collections.tkj.mailserver.plugins.module_utils._postfix import parse_postconf_output


def run_on_terminal(argv):
    """Run ``argv`` with a pseudo-terminal as its standard input, output and error; return (rc, output).

    postfix(1) and postlog(1) print their diagnostics only when standard error is a terminal (otherwise they
    go to the mail log only), so this is the way to learn why ``postfix check`` failed."""
    pid, terminal = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    chunks = []
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # EIO: every process holding the terminal has closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(terminal)
    status = os.waitpid(pid, 0)[1]
    output = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return os.waitstatus_to_exitcode(status), output


def unique_lines(output):
    """Non-empty lines of ``output``, each once, in order (postfix check repeats its warnings)."""
    seen = []
    for line in output.splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


def read_live_parameters(module, postconf, config_dir):
    """Every parameter Postfix knows for ``config_dir`` with its raw current value (defaults included)."""
    rc, out, err = module.run_command([postconf, "-c", config_dir])
    if rc != 0:
        module.fail_json(msg=f"postconf -c {config_dir} failed: {(err or out).strip()}")
    return parse_postconf_output(out)


# The file postalias(1) builds from an alias table's source, by table type.
ALIAS_DATABASE_SUFFIX = {"hash": ".db", "btree": ".db", "lmdb": ".lmdb", "cdb": ".cdb"}


def stale_alias_tables(alias_database):
    """The indexed tables of ``alias_database`` (its value, as "hash:/etc/aliases, lmdb:/etc/more") whose
    database is missing or not newer than its source file, as newaliases would rebuild them."""
    stale = []
    for table in re.split(r"[\s,]+", alias_database.strip()):
        kind, _colon, source = table.partition(":")
        if kind not in ALIAS_DATABASE_SUFFIX or not os.path.isabs(source) or not os.path.isfile(source):
            continue
        database = source + ALIAS_DATABASE_SUFFIX[kind]
        if not os.path.exists(database) or os.path.getmtime(database) <= os.path.getmtime(source):
            stale.append(table)
    return stale


def rebuild_alias_tables(module, config_dir, tables):
    """Build each table's database with postalias, as newaliases does; fail naming the table."""
    postalias = module.get_bin_path("postalias", required=True)
    for table in tables:
        rc, out, err = module.run_command([postalias, "-c", config_dir, table])
        if rc != 0:
            module.fail_json(msg=f"postalias {table} failed: {(err or out).strip()}")


def restore(module, originals):
    """Put back the previous content of each (path, text) written; remove a file that did not exist."""
    for path, text in originals:
        if text is None:
            os.unlink(path)
        else:
            write_atomically(module, path, text)


def write_and_check(module, postfix, config_dir, files):
    """Write each (path, before, after) atomically, run postfix check, roll back on failure; return the backups."""
    backups = []
    written = []
    try:
        for path, before, after in files:
            backup = write_atomically(module, path, after, backup=module.params["backup"])
            written.append((path, before))
            if backup:
                backups.append(backup)
    except OSError as error:
        restore(module, written)
        module.fail_json(msg=f"could not write {error.filename or 'the configuration'}, restored previous main.cf/master.cf: {error}")
    rc, output = run_on_terminal([postfix, "-c", config_dir, "check"])
    lines = unique_lines(output)
    if rc != 0:
        restore(module, written)
        for backup in backups:
            os.unlink(backup)
        errors = [line for line in lines if "fatal:" in line or "error:" in line] or lines or [f"exit code {rc} without a message"]
        module.fail_json(
            msg=f"postfix check rejected the new configuration, restored previous main.cf/master.cf: {'; '.join(errors)}",
            check_output=lines,
        )
    # Only warnings: postfix check also reports, for example, refreshing its chroot copies of /etc files.
    for line in lines:
        if "warning:" in line:
            module.warn(f"postfix check: {line}")
    return backups
