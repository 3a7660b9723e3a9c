# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers shared by the modules of tkj.mailserver: read, diff, validate and write a file
atomically, so that no configuration file is ever half-written."""

from __future__ import annotations

import glob
import os
import tempfile

TEMP_MARK = ".tkj-tmp-"


def read_text(path):
    """Return the text of ``path``, or ``None`` when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except FileNotFoundError:
        return None


def file_diff(path, before, after):
    """An Ansible diff entry (shown by ``--diff``) for a file going from ``before`` to ``after``."""
    return {
        "before_header": path,
        "after_header": path,
        "before": before if before is not None else "",
        "after": after,
    }


def remove_stale_temp_files(path):
    """Remove temporary files that an interrupted earlier run left beside ``path``."""
    directory, name = os.path.split(path)
    for stale in glob.glob(os.path.join(directory or ".", "." + glob.escape(name) + TEMP_MARK + "*")):
        try:
            os.unlink(stale)
        except OSError:
            pass


def write_atomically(module, path, text, validate=None, backup=False, mode=None):
    """Write ``text`` to ``path`` without ever leaving it half-written.

    The text goes to a temporary file in the same directory (so the final rename is atomic),
    takes the permissions and ownership of the file it replaces (``mode`` for a new file),
    is checked by ``validate(temp_path)`` when given, which returns an error message or None,
    and is moved into place with ``module.atomic_move``. On a validation error the module fails
    with that message and ``path`` is left byte-identical. Returns the backup file name or None.
    """
    directory, name = os.path.split(path)
    directory = directory or "."
    remove_stale_temp_files(path)
    fd, temp_path = tempfile.mkstemp(prefix="." + name + TEMP_MARK, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        existed = os.path.exists(path)
        if existed:
            current = os.stat(path)
            os.chmod(temp_path, current.st_mode & 0o7777)
            try:
                os.chown(temp_path, current.st_uid, current.st_gid)
            except PermissionError:
                pass
        else:
            os.chmod(temp_path, mode if mode is not None else 0o644)
        if validate is not None:
            error = validate(temp_path)
            if error:
                module.fail_json(msg="%s: the new content was rejected, the file is unchanged: %s" % (path, error))
        backup_file = None
        if backup and os.path.exists(path):
            backup_file = module.backup_local(path)
        module.atomic_move(temp_path, path, unsafe_writes=False)
        if not existed:
            # atomic_move gives a new file the umask's permissions; keep the ones asked for.
            os.chmod(path, mode if mode is not None else 0o644)
        return backup_file
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
