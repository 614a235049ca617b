"""Which file system holds a path, from /proc/self/mountinfo."""

from __future__ import annotations

from pathlib import Path

from annotator.store.fsinfo import NETWORK_FS_TYPES, fs_type_for, network_fs_type, parse_mountinfo

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=8141200k,mode=755
31 22 8:2 / /home rw,relatime shared:29 - ext4 /dev/sda2 rw
88 22 0:48 / /mnt/team rw,relatime shared:45 - nfs4 fileserver:/export/team rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.0.0.5,local_lock=none,addr=10.0.0.2
91 22 0:51 / /mnt/win\\040share rw,relatime shared:48 - cifs //nas/annotations rw,vers=3.1.1,cache=strict,username=analyst,uid=1000,noforceuid,gid=1000,noforcegid,addr=10.0.0.3,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,bsize=1048576,echo_interval=60,actimeo=1
95 88 0:52 / /mnt/team/local rw,relatime shared:50 - ext4 /dev/sdb1 rw
97 31 0:53 / /home/analyst/.cache/doc rw,nosuid,nodev,relatime shared:52 - fuse.portal portal rw,user_id=1000,group_id=1000
99 22 0:55 / /media/ssh rw,nosuid,nodev,relatime shared:53 - fuse.sshfs analyst@host:/data rw,user_id=0,group_id=0
"""


def test_parse_mountinfo() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert ("/", "ext4") in mounts
    assert ("/mnt/team", "nfs4") in mounts
    assert ("/mnt/win share", "cifs") in mounts  # \040 unescaped
    assert ("/media/ssh", "fuse.sshfs") in mounts
    assert len(mounts) == 10


def test_parse_ignores_malformed_lines() -> None:
    assert parse_mountinfo("garbage\n\n22 1 8:1 / / rw - ext4 /dev/sda1 rw\n") == [("/", "ext4")]


def test_fs_type_for_longest_mount_point() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert fs_type_for(Path("/home/analyst/p.annotator"), mounts) == "ext4"
    assert fs_type_for(Path("/mnt/team/projects/p.annotator"), mounts) == "nfs4"
    assert fs_type_for(Path("/mnt/team"), mounts) == "nfs4"
    assert fs_type_for(Path("/mnt/team/local/p.annotator"), mounts) == "ext4"
    assert fs_type_for(Path("/mnt/teamwork/p.annotator"), mounts) == "ext4"  # not a prefix match
    assert fs_type_for(Path("/mnt/win share/p.annotator"), mounts) == "cifs"
    assert fs_type_for(Path("/media/ssh/x"), mounts) == "fuse.sshfs"
    assert fs_type_for(Path("/x"), []) is None


def test_network_types() -> None:
    for fs_type in ("nfs", "nfs4", "cifs", "smb3", "fuse.sshfs"):
        assert fs_type in NETWORK_FS_TYPES
    for fs_type in ("ext4", "xfs", "btrfs", "tmpfs", "overlay", "fuse.portal"):
        assert fs_type not in NETWORK_FS_TYPES


def test_local_tmp_is_not_a_network_share(tmp_path: Path) -> None:
    assert network_fs_type(tmp_path / "missing" / "p.annotator") is None
