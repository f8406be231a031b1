"""cloud_config writes dest atomically through a file it creates exclusively: nothing planted in the directory is
followed, a dest link or directory is refused, the mode is 0600."""

import os
import stat

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules.cloud_config import (
    WriteError,
    dest_problem,
    write_file,
)


def test_a_link_planted_at_the_old_temp_name_is_not_followed(tmp_path):
    other = tmp_path / "other"
    other.write_text("keep me")
    dest = tmp_path / "vsphere.conf"
    os.symlink(other, str(dest) + ".tmp-vsphere-k8s")
    changed, before = write_file(str(dest), "new", check_mode=False)
    assert changed and before is None
    assert other.read_text() == "keep me"
    assert dest.read_text() == "new" and not dest.is_symlink()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_no_temporary_file_is_left_and_the_mode_is_fixed(tmp_path):
    dest = tmp_path / "vsphere.conf"
    dest.write_text("new")
    os.chmod(dest, 0o644)
    assert write_file(str(dest), "new", check_mode=False) == (True, "new")
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert write_file(str(dest), "new", check_mode=False) == (False, "new")
    assert sorted(os.listdir(tmp_path)) == ["vsphere.conf"]


def test_a_dest_that_is_a_link_is_refused_and_its_target_unchanged(tmp_path):
    target = tmp_path / "target"
    target.write_text("keep me")
    dest = tmp_path / "vsphere.conf"
    os.symlink(target, dest)
    with pytest.raises(WriteError, match="symbolic link"):
        write_file(str(dest), "new", check_mode=False)
    assert target.read_text() == "keep me" and dest.is_symlink()


@pytest.mark.parametrize("make, match", [
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: None, None),
])
def test_a_directory_dest_is_a_clear_error(tmp_path, make, match):
    dest = tmp_path / "vsphere.conf"
    make(dest)
    if match:
        with pytest.raises(WriteError, match=match):
            write_file(str(dest), "new", check_mode=False)
    else:
        assert write_file(str(dest), "new", check_mode=True) == (True, None)
        assert not dest.exists()


def test_a_dest_below_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    assert "not a directory" in dest_problem(str(tmp_path / "file" / "sub" / "vsphere.conf"))


def test_missing_parents_are_created(tmp_path):
    dest = tmp_path / "a" / "b" / "vsphere.conf"
    assert write_file(str(dest), "x", check_mode=False)[0]
    assert dest.read_text() == "x"


def test_a_trailing_slash_or_empty_dest_is_refused(tmp_path):
    assert "slash" in dest_problem(str(tmp_path) + "/x/")
    assert "empty" in dest_problem("")
