"""``ledger participants retention|erase``: when personal details may be erased, and erasing them (UK GDPR).

Both act as the system administrator on an existing ledger (``--database``), in one transaction. Output
names people by reference only (P-0012), never by name: this is run to decide about personal data, and
its output may end up in a ticket or a log.
"""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import settings
from ledger.cli.common import fail
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session
from ledger.clock import today
from ledger.db.models import Participant
from ledger.involvement.erasure import Retention, erase, retention_report
from ledger.security.actor import Actor

CLI_ACTOR = Actor.system("cli")


def _day(on: object) -> str:
    return f"{on:%-d %b %Y}" if on is not None else "never"


def find_participant_id(session: Session, given: str) -> int:
    """A participant by id (``12``) or reference (``P-0012``)."""
    text = given.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    found = session.scalar(select(Participant.id).where(Participant.reference == text.upper()))
    if found is None:
        fail(f"there is no participant {given!r}; give an id such as 12 or a reference such as P-0012")
    return found


def _status(row: Retention) -> str:
    if row.blocked_by:
        return f"not yet: {row.blocked_by}"
    if row.erasable():
        return "can be erased now"
    return f"from {_day(row.erasable_from)}"


@click.group("participants")
def participants_group() -> None:
    """Personal data with an end: retention dates and erasure."""


@participants_group.command("retention")
@click.option("--erasable", "only_erasable", is_flag=True, help="List only people who can be erased today.")
@database_option
def retention_command(only_erasable: bool, database_url: str | None) -> None:
    """Who can be erased now, and when everyone else becomes erasable (soonest first)."""
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        rows = retention_report(session, CLI_ACTOR)
        years = settings.retention_years()
    if only_erasable:
        rows = [row for row in rows if row.erasable()]
    click.echo(f"Personal details are kept for {years} years after the end of the tax year of a person's "
               f"last payment (or later activity). Today is {_day(today())}.")
    if not rows:
        click.echo("Nobody can be erased today." if only_erasable else "No participants (or all are erased).")
        return
    header = ("REFERENCE", "LAST PAYMENT", "COUNTS FROM", "KEPT UNTIL", "ERASABLE")
    table = [header, *[(row.reference, _day(row.last_payment), _day(row.counted_from), _day(row.retention_ends),
                        _status(row)) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    ready = sum(1 for row in rows if row.erasable())
    click.echo(f"{ready} of {len(rows)} can be erased now: ledger participants erase REFERENCE")


@participants_group.command("erase")
@click.argument("participant")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@database_option
def erase_command(participant: str, yes: bool, database_url: str | None) -> None:
    """Replace PARTICIPANT's name, contact and bank details by a tombstone (id or reference, e.g. P-0012).

    Only after their retention period; amounts, references and records stay. It cannot be undone.
    """
    url = settings.database_url(database_url)
    if not yes:
        click.confirm(f"Erase the personal details of participant {participant}? This cannot be undone",
                      abort=True, err=True)
    with cli_errors(url), existing_database_session(url) as session:
        done = erase(session, CLI_ACTOR, find_participant_id(session, participant))
    click.echo(f"Erased the personal details of {done.reference} (retention ended {_day(done.retention_ended)}): "
               f"name, contact, bank details and watch limits; {done.batch_lines} batch line(s), "
               f"{done.payee_changes} payee change(s) and {done.tokens} token(s) blanked. Amounts and records stay.")


def register(group: click.Group) -> None:
    group.add_command(participants_group)
