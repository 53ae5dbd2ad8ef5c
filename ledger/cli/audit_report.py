"""How every command reports an audit-trail check (``audit verify``, ``db backup``, ``db restore``).

One wording in one place: an intact trail prints its length, last hash and a fresh anchor line; a broken
one stops the command with ``error: audit chain BROKEN ...`` and exit status 1, naming the first bad event.
"""

from __future__ import annotations

import click

from ledger.audit import Anchor, VerifyResult
from ledger.cli.common import fail


def echo_intact(result: VerifyResult, anchor: Anchor | None = None) -> None:
    """Say the trail is intact, how much of it is keyed, and which anchors were checked."""
    plain = result.count - result.keyed
    sealed = f" ({plain} written before keyed hashing, sealed by the key)" if plain else ""
    events = "event" if result.count == 1 else "events"
    click.echo(f"audit chain intact: {result.count} {events}{sealed}")
    if result.anchors_checked:
        click.echo(f"anchors checked: {result.anchors_checked} (none of the newest events was removed)")
    click.echo(f"last hash: {result.last_hash}")
    if anchor is not None:
        click.echo("anchor (keep a copy somewhere else; `ledger audit verify --anchor` checks it):")
        click.echo(anchor.line())


def fail_broken(result: VerifyResult, where: str) -> None:
    """Stop with exit status 1 and the first problem found (never a traceback)."""
    at = f" at event {result.first_bad_id}" if result.first_bad_id is not None else ""
    before = "" if result.unsealed else f"{result.count} events before it are intact. "
    fail(
        f"audit chain BROKEN{at}: {result.problem}\n"
        f"{before}({where}) Treat this as a security incident: keep a copy of the database as it is and "
        "compare it with a backup you trust."
    )
