"""Which file system holds a path: used to refuse projects on network shares.

SQLite's documentation: WAL "does not work over a network filesystem", and file locking there is
unreliable. Sharing between analysts goes through export and import instead.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

NETWORK_FS_TYPES = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p",
        "ceph", "glusterfs", "lustre", "gpfs", "davfs", "fuse.sshfs", "fuse.davfs2",
        "fuse.glusterfs", "fuse.cephfs", "fuse.rclone", "fuse.s3fs", "fuse.smbnetfs",
    }
)


def _unescape_mount_path(field: str) -> str:
    # /proc/self/mountinfo escapes space, tab, newline and backslash as octal.
    out, i = [], 0
    while i < len(field):
        code = field[i + 1 : i + 4]
        if field[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[tuple[str, str]]:
    """Return ``(mount point, file-system type)`` pairs from ``/proc/self/mountinfo`` text."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and tail:
            mounts.append((_unescape_mount_path(fields[4]), tail[0]))
    return mounts


def fs_type_for(path: Path, mounts: list[tuple[str, str]]) -> str | None:
    """The file-system type of the longest mount point containing ``path`` (None if unknown)."""
    target = str(path)
    best, best_type = -1, None
    for mount_point, fs_type in mounts:
        prefix = mount_point.rstrip("/") + "/"
        if (target == mount_point or target.startswith(prefix) or mount_point == "/") and len(
            mount_point
        ) > best:
            best, best_type = len(mount_point), fs_type
    return best_type


def network_fs_type(path: Path) -> str | None:
    """The network file-system type holding ``path``, or None when it is local (or unknown)."""
    existing = Path(os.path.abspath(path))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    existing = existing.resolve()
    if sys.platform.startswith("linux"):
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        fs_type = fs_type_for(existing, parse_mountinfo(mountinfo))
        return fs_type if fs_type in NETWORK_FS_TYPES else None
    if os.name == "nt":
        return _windows_network_type(existing)
    return None


def _windows_network_type(path: Path) -> str | None:  # pragma: no cover - Windows only
    text = str(path)
    if text.startswith("\\\\"):
        return "smb"
    import ctypes

    drive = os.path.splitdrive(text)[0] + "\\"
    drive_remote = 4
    if ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote:
        return "smb"
    return None


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"
