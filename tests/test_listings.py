"""A folder's listing is read again whenever the folder changes."""

from __future__ import annotations

import os
import time

from backend_architect.core.files import list_dir


def test_list_dir_sees_files_added_and_removed(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    old = time.time() - 60
    os.utime(tmp_path, (old, old))  # settled: the listing is kept
    assert list_dir(str(tmp_path)) == ("0001_a.sql",)
    (tmp_path / "0002_b.sql").write_text("SELECT 2;")  # the folder's time moves on
    assert list_dir(str(tmp_path)) == ("0001_a.sql", "0002_b.sql")
    os.utime(tmp_path, (old + 1, old + 1))
    (tmp_path / "0001_a.sql").unlink()
    os.utime(tmp_path, (old + 2, old + 2))
    assert list_dir(str(tmp_path)) == ("0002_b.sql",)


def test_list_dir_of_a_folder_changed_just_now_is_never_stale(tmp_path):
    # two changes within the file system's time-stamp resolution leave the same time
    now = time.time()
    os.utime(tmp_path, (now, now))
    assert list_dir(str(tmp_path)) == ()
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    os.utime(tmp_path, (now, now))
    assert list_dir(str(tmp_path)) == ("0001_a.sql",)
