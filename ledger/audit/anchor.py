"""Anchors: the trail's length and last hash, written down somewhere the database cannot reach.

The hash chain proves that no event was changed and none was removed from the middle. It cannot prove
that the *newest* events are still there: cut the last ten rows off and what is left is a perfectly good,
shorter chain. An anchor is the remedy: one line (``ledger audit anchor``) saying "on this date the trail
had N events and the N-th had hash H". Kept elsewhere (printed, emailed to the auditor each month, in a
ticket), it lets ``ledger audit verify --anchor`` check that the trail still reaches at least N events and
that event N still has hash H.

One line of text, readable by a person and by this module::

    ledger-audit-anchor v1 events=1234 last_id=1290 last_hash=9f2c...e1 taken=2026-11-30T17:00:00Z

or the same as JSON (``--json``). A file may hold many anchors (one per line, e.g. a monthly log); every
one of them is checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ledger.audit.chain import VerifyResult
from ledger.errors import Invalid

PREFIX = "ledger-audit-anchor"
VERSION = "v1"
_LINE = re.compile(
    rf"{PREFIX}\s+{VERSION}\s+events=(?P<events>\d+)\s+last_id=(?P<last_id>\d+|-)\s+"
    r"last_hash=(?P<last_hash>[0-9a-f]{64})\s+taken=(?P<taken>\S+)"
)


class AnchorError(Invalid):
    """An anchor given to ``verify --anchor`` could not be read."""


@dataclass(frozen=True)
class Anchor:
    """The trail had ``events`` events, the last with id ``last_id`` and hash ``last_hash``, at ``taken``."""

    events: int
    last_hash: str
    last_id: int | None
    taken: datetime

    def when(self) -> str:
        return f"at {self.taken.astimezone(UTC):%Y-%m-%d %H:%M UTC}"

    def line(self) -> str:
        last_id = "-" if self.last_id is None else str(self.last_id)
        return (
            f"{PREFIX} {VERSION} events={self.events} last_id={last_id} last_hash={self.last_hash} "
            f"taken={_iso(self.taken)}"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "anchor": f"{PREFIX} {VERSION}",
            "events": self.events,
            "last_id": self.last_id,
            "last_hash": self.last_hash,
            "taken": _iso(self.taken),
        }


def _iso(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AnchorError(f"the anchor's time {text!r} is not an ISO 8601 date and time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def anchor_for(result: VerifyResult, *, now: datetime | None = None) -> Anchor:
    """The anchor for a trail that was just verified: exactly the events that were checked.

    Taken from the verification itself, not from a second query, so events written meanwhile by another
    process can never be in an anchor without having been checked.
    """
    if not result.ok:
        raise ValueError("an anchor is only taken of an intact trail")
    return Anchor(events=result.count, last_hash=result.last_hash, last_id=result.last_id,
                  taken=now or datetime.now(UTC))


def parse_anchor(text: str) -> Anchor:
    """One anchor from its line or its JSON form; a clear ``AnchorError`` for anything else."""
    text = text.strip()
    if text.startswith("{"):
        return _from_json(text)
    match = _LINE.search(text)
    if match is None:
        raise AnchorError(
            "this is not an audit anchor: expected a line such as "
            f"'{PREFIX} {VERSION} events=12 last_id=12 last_hash=<64 hex digits> taken=2026-01-31T17:00:00Z' "
            "as printed by `ledger audit anchor`, or its --json form"
        )
    last_id = match.group("last_id")
    return Anchor(
        events=int(match.group("events")),
        last_hash=match.group("last_hash"),
        last_id=None if last_id == "-" else int(last_id),
        taken=_parse_time(match.group("taken")),
    )


def _from_json(text: str) -> Anchor:
    try:
        data = json.loads(text)
        events, last_hash, last_id = data["events"], data["last_hash"], data.get("last_id")
        taken = _parse_time(str(data["taken"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AnchorError("this JSON is not an audit anchor: it needs events, last_hash and taken") from exc
    if not isinstance(events, int) or isinstance(events, bool) or events < 0:
        raise AnchorError("the anchor's events must be a whole number, 0 or more")
    if not isinstance(last_hash, str) or not re.fullmatch(r"[0-9a-f]{64}", last_hash):
        raise AnchorError("the anchor's last_hash must be 64 hexadecimal digits")
    if last_id is not None and (not isinstance(last_id, int) or isinstance(last_id, bool)):
        raise AnchorError("the anchor's last_id must be a whole number")
    return Anchor(events=events, last_hash=last_hash, last_id=last_id, taken=taken)


def read_anchors(line_or_file: str) -> list[Anchor]:
    """Anchors from ``--anchor``: a file (every anchor line in it, other lines ignored) or one anchor line."""
    path = Path(line_or_file).expanduser()
    looks_like_anchor = line_or_file.lstrip().startswith(("{", PREFIX))
    if not looks_like_anchor and path.is_file():
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AnchorError(f"cannot read the anchor file {path}: {exc}") from exc
        anchors = [
            parse_anchor(line) for line in content.splitlines() if PREFIX in line or line.lstrip().startswith("{")
        ]
        if not anchors:
            raise AnchorError(f"the file {path} holds no audit anchor (lines starting '{PREFIX}' or JSON)")
        return anchors
    if not looks_like_anchor and not path.exists() and ("/" in line_or_file or line_or_file.endswith(".txt")):
        raise AnchorError(f"there is no anchor file at {path}")
    return [parse_anchor(line_or_file)]
