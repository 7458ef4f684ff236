"""files.move_into_place: a file renamed over another, atomically, as os.replace does."""

import os

import pytest

from disclosures import files


@pytest.fixture(params=["exchanged", "renamed"])
def how(request, monkeypatch):
    """Each case both ways: exchanged (renameat2, Linux) and where that is unavailable."""
    if request.param == "exchanged":
        if files._exchange is None:
            pytest.fail("renameat2 is missing from this Linux C library")
    else:
        monkeypatch.setattr(files, "_exchange", lambda source, target: False)
    return request.param


def test_a_file_replaces_the_old_one_and_nothing_is_left_beside_it(tmp_path, how):
    target, source = tmp_path / "disclosures.db", tmp_path / ".disclosures.db.1.tmp"
    target.write_bytes(b"old")
    source.write_bytes(b"new")
    files.move_into_place(source, target)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disclosures.db"]


def test_a_reader_of_the_old_file_keeps_reading_it(tmp_path, how):
    target, source = tmp_path / "t", tmp_path / "s"
    target.write_bytes(b"old")
    source.write_bytes(b"new")
    with target.open("rb") as reading:
        files.move_into_place(source, target)
        assert reading.read() == b"old"
    assert target.read_bytes() == b"new"


def test_a_file_with_nothing_to_replace_is_renamed(tmp_path, how):
    source = tmp_path / "s"
    source.write_bytes(b"new")
    files.move_into_place(source, tmp_path / "t")
    assert (tmp_path / "t").read_bytes() == b"new"
    assert not source.exists()


def test_a_folder_in_the_way_is_an_error_and_nothing_moves(tmp_path, how):
    target, source = tmp_path / "t", tmp_path / "s"
    target.mkdir()
    (target / "inside").write_bytes(b"kept")
    source.write_bytes(b"new")
    with pytest.raises(OSError):
        files.move_into_place(source, target)
    assert source.read_bytes() == b"new"
    assert (target / "inside").read_bytes() == b"kept"


def test_one_file_under_two_names_is_left_as_rename_leaves_it(tmp_path, how):
    target = tmp_path / "t"
    target.write_bytes(b"kept")
    files.move_into_place(target, target)
    files.move_into_place(tmp_path / "." / "t", target)
    assert target.read_bytes() == b"kept"
    os.link(target, tmp_path / "link")
    files.move_into_place(tmp_path / "link", target)
    assert target.read_bytes() == b"kept"
    assert (tmp_path / "link").read_bytes() == b"kept"  # as rename(2) leaves two names of one file


def test_the_exchange_is_what_linux_uses(tmp_path):
    # Where renameat2 exists (every Linux C library since glibc 2.28), the old file is exchanged
    # out rather than renamed over: the new file keeps its inode, the old one is deleted.
    if files._exchange is None:
        pytest.fail("renameat2 is missing from this Linux C library")
    target, source = tmp_path / "t", tmp_path / "s"
    target.write_bytes(b"old")
    source.write_bytes(b"new")
    inode = os.stat(source).st_ino
    assert files._exchange(os.fsencode(source), os.fsencode(target))
    assert os.stat(target).st_ino == inode
    assert source.read_bytes() == b"old"
