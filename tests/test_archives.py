"""Safe archive extraction: good archives extract; every unsafe member refuses the whole archive."""

import gzip
import lzma
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from scratchnet.data.archives import (
    ArchiveError,
    ArchiveLimits,
    check_member_name,
    extract_archive,
    is_archive,
)

FILES = {"package/data/a": b"first file", "package/data/b": b"second file" * 10}


def make_tar(path: Path, members, mode: str = "w:gz") -> Path:
    """``members``: (name, bytes) for files, or ready TarInfo objects, written as a header alone.

    The archive is put together from ``TarInfo.tobuf`` headers rather than with ``addfile``,
    which since Python 3.13 refuses a regular member without its data, the very lie some tests
    need (a header claiming 10 GB that no data follows). ``mode`` says how it is compressed, as
    ``tarfile.open`` takes it: ``"w"``, ``"w:gz"`` or ``"w:xz"``.
    """
    parts = []
    for member in members:
        if isinstance(member, tarfile.TarInfo):
            parts.append(member.tobuf())
        else:
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            parts += [info.tobuf(), data, bytes(-len(data) % tarfile.BLOCKSIZE)]
    parts.append(bytes(2 * tarfile.BLOCKSIZE))         # the end-of-archive marker
    compress = {"w": bytes, "w:gz": gzip.compress, "w:xz": lzma.compress}[mode]
    path.write_bytes(compress(b"".join(parts)))
    return path


def make_zip(path: Path, members, compression=zipfile.ZIP_DEFLATED) -> Path:
    """``members``: (name, bytes) or (ZipInfo, bytes)."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def tar_info(name: str, kind: bytes, size: int = 0, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size, linkname
    return info


def assert_nothing_written(dest: Path) -> None:
    assert not dest.exists() or not any(dest.rglob("*"))


# --- good archives ----------------------------------------------------------------------------

@pytest.mark.parametrize("suffix, mode", [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                          (".tar.xz", "w:xz")])
def test_tar_archives_extract_their_files(tmp_path, suffix, mode):
    archive = make_tar(tmp_path / f"a{suffix}", [tar_info("package", tarfile.DIRTYPE),
                                                 *FILES.items()], mode)
    extracted = extract_archive(archive, tmp_path / "out")
    assert {str(p): f.read_bytes() for p, f in extracted.items()} == FILES
    assert (tmp_path / "out/package/data/a").read_bytes() == b"first file"


def test_zip_archive_extracts_its_files(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("package/data/", b""), *FILES.items()])
    extracted = extract_archive(archive, tmp_path / "out")
    assert {str(p): f.read_bytes() for p, f in extracted.items()} == FILES


def test_select_extracts_only_chosen_members(tmp_path):
    archive = make_tar(tmp_path / "a.tgz", FILES.items())
    extracted = extract_archive(archive, tmp_path / "out",
                                select=lambda member: member.name == "b")
    assert list(extracted) == [PurePosixPath("package/data/b")]
    assert not (tmp_path / "out/package/data/a").exists()


def test_dot_slash_prefixes_are_accepted(tmp_path):
    archive = make_tar(tmp_path / "a.tar", [tar_info("./", tarfile.DIRTYPE), ("./x/y", b"data")],
                       "w")
    assert list(extract_archive(archive, tmp_path / "out")) == [PurePosixPath("x/y")]


def test_is_archive_recognises_formats_by_content(tmp_path):
    tar = make_tar(tmp_path / "misnamed.bin", FILES.items())
    (tmp_path / "plain.tgz").write_bytes(b"just text")
    assert is_archive(tar) and is_archive(make_zip(tmp_path / "z", FILES.items()))
    assert not is_archive(tmp_path / "plain.tgz") and not is_archive(tmp_path)


# --- unsafe names -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, problem", [
    ("/etc/passwd", "is an absolute path"),
    ("../escape", "contains '..'"),
    ("package/data/../../../escape", "contains '..'"),
    ("..\\escape", "contains '..'"),
    ("C:/Windows/escape", "starts with a drive letter"),
    ("\\\\server\\share\\escape", "is an absolute path"),
    ("nul\x00byte", "contains a NUL byte"),
])
def test_unsafe_member_names_are_refused(name, problem):
    with pytest.raises(ArchiveError, match=problem):
        check_member_name("a.tgz", name)


@pytest.mark.parametrize("name", ["/abs/escape", "../escape", "package/../../escape"])
@pytest.mark.parametrize("kind", ["tgz", "zip"])
def test_archive_with_escaping_member_is_refused_and_writes_nothing(tmp_path, name, kind):
    members = [*FILES.items(), (name, b"evil")]
    archive = (make_tar(tmp_path / "a.tgz", members) if kind == "tgz"
               else make_zip(tmp_path / "a.zip", members))
    dest = tmp_path / "deep" / "out"
    with pytest.raises(ArchiveError, match="refusing the archive"):
        extract_archive(archive, dest)
    assert_nothing_written(dest)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "deep" / "escape").exists()


def test_unsafe_member_refuses_even_when_not_selected(tmp_path):
    archive = make_tar(tmp_path / "a.tgz", [*FILES.items(), ("../escape", b"evil")])
    with pytest.raises(ArchiveError, match="'../escape'"):
        extract_archive(archive, tmp_path / "out", select=lambda member: member.name == "a")
    assert_nothing_written(tmp_path / "out")


# --- links and special files ------------------------------------------------------------------

@pytest.mark.parametrize("info, message", [
    (tar_info("package/data/a", tarfile.SYMTYPE, linkname="/etc/passwd"), "symbolic link"),
    (tar_info("package/link", tarfile.SYMTYPE, linkname="../../outside"), "symbolic link"),
    (tar_info("package/data/hard", tarfile.LNKTYPE, linkname="/etc/shadow"), "hard link"),
    (tar_info("package/fifo", tarfile.FIFOTYPE), "not a regular file"),
    (tar_info("package/dev", tarfile.CHRTYPE), "not a regular file"),
    (tar_info("package/blk", tarfile.BLKTYPE), "not a regular file"),
], ids=["symlink-abs", "symlink-up", "hardlink", "fifo", "chardev", "blockdev"])
def test_tar_links_and_devices_are_refused(tmp_path, info, message):
    archive = make_tar(tmp_path / "a.tgz", [info, *FILES.items()])
    with pytest.raises(ArchiveError, match=message):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_zip_symlink_is_refused(tmp_path):
    link = zipfile.ZipInfo("package/data/a")
    link.external_attr = (0o120777 << 16)
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(ArchiveError, match="symbolic link"):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


# --- sizes and bombs --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_member_claiming_ten_gigabytes_is_refused_without_reading_it(tmp_path, mode):
    # The header claims 10 GB but no data follows: reading on would fail, refusing must not.
    archive = make_tar(tmp_path / "a.tar", [tar_info("package/data/a", tarfile.REGTYPE,
                                                     size=10 * 10**9)], mode)
    with pytest.raises(ArchiveError, match="is 10000000000 bytes, above the limit"):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_members_adding_up_beyond_the_total_limit_are_refused(tmp_path):
    archive = make_tar(tmp_path / "a.tar", [(f"f{i}", bytes(600)) for i in range(4)], "w")
    limits = ArchiveLimits(max_member_bytes=1000, max_total_bytes=2000)
    with pytest.raises(ArchiveError, match="add up to more than 2000 bytes"):
        extract_archive(archive, tmp_path / "out", limits=limits)


def test_too_many_members_are_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [(f"f{i}", b"x") for i in range(6)])
    with pytest.raises(ArchiveError, match="more than 5 members"):
        extract_archive(archive, tmp_path / "out", limits=ArchiveLimits(max_members=5))


def test_zip_bomb_member_is_refused_by_its_ratio(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", [("package/data/a", bytes(20 * 10**6))])
    with pytest.raises(ArchiveError, match="a zip bomb"):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_gzip_bomb_tarball_is_refused_by_its_ratio(tmp_path):
    archive = make_tar(tmp_path / "bomb.tgz", [("package/data/a", bytes(20 * 10**6))])
    assert archive.stat().st_size < 100_000
    with pytest.raises(ArchiveError, match="decompression bomb"):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_duplicate_file_members_are_refused(tmp_path):
    archive = make_tar(tmp_path / "a.tar", [("package/data/a", b"one"), ("package/data/a", b"two")],
                       "w")
    with pytest.raises(ArchiveError, match="appears twice"):
        extract_archive(archive, tmp_path / "out")


# --- unreadable input -------------------------------------------------------------------------

def test_non_archive_is_refused(tmp_path):
    path = tmp_path / "notes.tgz"
    path.write_bytes(b"these are not the files you are looking for")
    with pytest.raises(ArchiveError, match="not a tar, tar.gz/tgz or zip archive"):
        extract_archive(path, tmp_path / "out")


def test_truncated_tarball_is_refused_with_archive_error(tmp_path):
    archive = make_tar(tmp_path / "a.tgz", [("package/data/a", bytes(range(256)) * 400)])
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ArchiveError, match="a.tgz"):
        extract_archive(archive, tmp_path / "out")
