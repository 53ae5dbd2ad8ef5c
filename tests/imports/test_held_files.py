"""The upload page's held files: private on disk, only for whoever uploaded them, never followed through a
planted link, gone after an hour."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from ledger.imports import held

CONTENT = b"Name,Sort code,Account number\r\nJo Smith,12-34-56,12345678\r\n"


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "held"
    monkeypatch.setenv("LEDGER_IMPORT_HOLD_DIR", str(folder))
    return folder


def test_only_the_uploader_takes_a_held_file_and_names_cannot_climb_out(place: Path) -> None:
    sha = held.hold(CONTENT, "7:None:Lee Lead")
    assert held.take(sha, "8:None:Other Lead") is None, "another person guessing the name gets nothing"
    for bad in ("../" * 5 + "etc/passwd", sha[:63], sha.upper() + "x", f"{sha}/../{sha}"):
        assert held.take(bad, "7:None:Lee Lead") is None
        held.drop(bad, "7:None:Lee Lead")
    assert held.take(sha, "7:None:Lee Lead") == CONTENT
    held.drop(sha, "7:None:Lee Lead")
    assert held.take(sha, "7:None:Lee Lead") is None and list(place.iterdir()) == []


def test_the_folder_and_files_are_private_even_if_the_folder_was_made_open_beforehand(place: Path) -> None:
    place.mkdir(mode=0o777)
    os.chmod(place, 0o777)  # someone (or an old umask) made it open to everyone
    sha = held.hold(CONTENT, "owner")
    assert stat.S_IMODE(place.stat().st_mode) == 0o700
    (kept,) = place.iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and sha in kept.name


def test_a_link_planted_where_the_file_will_go_is_not_written_through(place: Path, tmp_path: Path) -> None:
    """Names are predictable (the file's hash), so someone able to write the folder could plant a link to a
    file of the server's; holding must replace the link, never write into what it points at."""
    victim = tmp_path / "important.conf"
    victim.write_bytes(b"keep me")
    place.mkdir(mode=0o700)
    sha = held.hold(CONTENT, "owner")
    target = next(place.iterdir())
    target.unlink()
    target.symlink_to(victim)
    assert held.take(sha, "owner") is None, "a link is not a held file"
    held.hold(CONTENT, "owner")
    assert victim.read_bytes() == b"keep me"
    assert not target.is_symlink() and held.take(sha, "owner") == CONTENT


def test_files_older_than_an_hour_are_deleted(place: Path) -> None:
    sha = held.hold(CONTENT, "owner")
    (kept,) = place.iterdir()
    old = time.time() - held.KEEP_SECONDS - 5
    os.utime(kept, (old, old))
    assert held.take(sha, "owner") is None and list(place.iterdir()) == []
