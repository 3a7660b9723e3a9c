# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.postconf that run Postfix's commands: read the live parameters with
``postconf``, and write main.cf/master.cf and check them with ``postfix check``, restoring both on failure."""

from __future__ import annotations

import os
import pty

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
