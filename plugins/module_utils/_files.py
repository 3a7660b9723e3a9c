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


def stage_file(path, text, mode, uid=-1, gid=-1):
    """Write ``text`` to a new temporary file beside ``path`` (same directory, so that moving it
    into place is atomic) with permissions ``mode`` and ownership ``uid``:``gid`` (-1 keeps the
    process's); first remove what an interrupted earlier run left there. Returns its path."""
    directory, name = os.path.split(path)
    remove_stale_temp_files(path)
    fd, temp_path = tempfile.mkstemp(prefix="." + name + TEMP_MARK, dir=directory or ".")
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(temp_path, mode)
    set_owner(temp_path, uid, gid)
    return temp_path


def set_owner(path, uid, gid):
    """chown ``path`` where it differs; an unprivileged run keeps the ownership it can."""
    info = os.stat(path)
    if (uid not in (-1, info.st_uid)) or (gid not in (-1, info.st_gid)):
        try:
            os.chown(path, uid, gid)
        except PermissionError:
            pass


def move_into_place(module, temp_path, path):
    """Move a staged file onto ``path`` atomically. ``atomic_move`` gives the result the permissions
    of the file it replaces (or the umask's for a new one): the staged ones are set again."""
    staged = os.stat(temp_path)
    module.atomic_move(temp_path, path, unsafe_writes=False)
    os.chmod(path, staged.st_mode & 0o7777)
    set_owner(path, staged.st_uid, staged.st_gid)


def write_atomically(module, path, text, validate=None, backup=False, mode=None):
    """Write ``text`` to ``path`` without ever leaving it half-written.

    The text goes to a temporary file in the same directory (so the final rename is atomic),
    takes the permissions and ownership of the file it replaces (``mode`` for a new file),
    is checked by ``validate(temp_path)`` when given, which returns an error message or None,
    and is moved into place. On a validation error the module fails with that message and
    ``path`` is left byte-identical. Returns the backup file name or None.
    """
    if os.path.exists(path):
        current = os.stat(path)
        temp_path = stage_file(path, text, current.st_mode & 0o7777, current.st_uid, current.st_gid)
    else:
        temp_path = stage_file(path, text, mode if mode is not None else 0o644)
    try:
        if validate is not None:
            error = validate(temp_path)
            if error:
                module.fail_json(msg="%s: the new content was rejected, the file is unchanged: %s" % (path, error))
        backup_file = None
        if backup and os.path.exists(path):
            backup_file = module.backup_local(path)
        move_into_place(module, temp_path, path)
        return backup_file
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
