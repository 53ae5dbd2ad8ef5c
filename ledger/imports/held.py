"""An uploaded file kept between the upload page's check and its "Import" button, for one hour at most.

Why: a browser cannot send a chosen file again by itself, and asking people to choose it twice invites
importing a different file from the one that was checked. So the page keeps the checked file, names it by
its SHA-256, and the "Import" button sends only that name. The import then checks the file again (the
ledger may have changed meanwhile) and saves it all or nothing, as always.

The files hold personal details (names, perhaps bank details), so: a private folder (0700) and files
(0600) in the system's temporary folder, named by the file's hash and a hash of who uploaded it (nobody
else can take it), deleted as soon as the import is saved, and anything older than an hour deleted
whenever a file is held or taken.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

KEEP_SECONDS = 3600
_NAME = re.compile(r"^[0-9a-f]{64}$")


def folder() -> Path:
    place = Path(os.environ.get("LEDGER_IMPORT_HOLD_DIR") or Path(tempfile.gettempdir()) / "ledger-imports-held")
    place.mkdir(mode=0o700, parents=True, exist_ok=True)
    return place


def _owner(owner: str) -> str:
    return hashlib.sha256(owner.encode()).hexdigest()[:24]


def _path(sha: str, owner: str) -> Path:
    return folder() / f"{sha}-{_owner(owner)}.upload"


def _forget_old() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another worker got there first
            pass


def hold(content: bytes, owner: str) -> str:
    """Keep ``content`` for ``owner``; returns its SHA-256 (the name to take it back by)."""
    _forget_old()
    sha = hashlib.sha256(content).hexdigest()
    path = _path(sha, owner)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return sha


def take(sha: str, owner: str) -> bytes | None:
    """The file ``owner`` held under ``sha``, or ``None`` if it is gone (over an hour, or never theirs)."""
    _forget_old()
    if not _NAME.match(sha):
        return None
    path = _path(sha, owner)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha else None


def drop(sha: str, owner: str) -> None:
    if _NAME.match(sha):
        _path(sha, owner).unlink(missing_ok=True)
