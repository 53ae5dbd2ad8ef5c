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
import stat
import tempfile
import time
from pathlib import Path

KEEP_SECONDS = 3600
_NAME = re.compile(r"^[0-9a-f]{64}$")


def folder() -> Path:
    """The private folder, made 0700 even when it already existed more open (a folder in the shared temporary
    folder may have been made by someone else first: then it is refused, never used)."""
    place = Path(os.environ.get("LEDGER_IMPORT_HOLD_DIR") or Path(tempfile.gettempdir()) / "ledger-imports-held")
    place.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = place.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise RuntimeError(f"{place} is not a folder of this server's own: set LEDGER_IMPORT_HOLD_DIR to a private "
                           "folder")
    if stat.S_IMODE(found.st_mode) != 0o700:
        os.chmod(place, 0o700)
    return place


def _owner(owner: str) -> str:
    return hashlib.sha256(owner.encode()).hexdigest()[:24]


def _path(sha: str, owner: str) -> Path:
    return folder() / f"{sha}-{_owner(owner)}.upload"


def _forget_old() -> None:
    cutoff = time.time() - KEEP_SECONDS
    place = folder()
    for path in [*place.glob("*.upload"), *place.glob("*.part")]:  # .part: a hold cut off half way
        try:
            if path.lstat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another worker got there first
            pass


def hold(content: bytes, owner: str) -> str:
    """Keep ``content`` for ``owner``; returns its SHA-256 (the name to take it back by)."""
    _forget_old()
    sha = hashlib.sha256(content).hexdigest()
    path = _path(sha, owner)
    # A new file of our own (mkstemp: 0600, never an existing file or link), then renamed over the name:
    # a rename replaces a link planted there instead of writing into whatever it points at.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha


def take(sha: str, owner: str) -> bytes | None:
    """The file ``owner`` held under ``sha``, or ``None`` if it is gone (over an hour, or never theirs)."""
    _forget_old()
    if not _NAME.match(sha):
        return None
    path = _path(sha, owner)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # a link is never a held file
    except OSError:  # not there, or a link
        return None
    with os.fdopen(descriptor, "rb") as handle:
        content = handle.read()
    return content if hashlib.sha256(content).hexdigest() == sha else None


def drop(sha: str, owner: str) -> None:
    if _NAME.match(sha):
        _path(sha, owner).unlink(missing_ok=True)
