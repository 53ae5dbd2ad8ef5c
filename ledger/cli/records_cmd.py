"""``ledger records list|show``: the approval queue and one record, with what a correction changes.

An approver reading a correction sees, field by field, what it changes from the record it corrects and
the fees, expenses and total before and after (the same ``changes`` the API shows). Output names people
by reference number only, never by name.
"""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from ledger import settings
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session
from ledger.db.models import Participant
from ledger.involvement.records import get_record, list_records
from ledger.involvement.schemas import CorrectionChanges, RecordOut
from ledger.rates.explain import duration
from ledger.security.actor import Actor

CLI_ACTOR = Actor.system("cli")


def describe_changes(changes: CorrectionChanges) -> list[str]:
    """A correction's changes as lines an approver can check."""
    out = [f"  Corrects record {changes.corrects_record}. What changes:"]
    if not changes.fields:
        out.append("    nothing: the same figures are sent again")
    out += [f"    {change.field.replace('_', ' ')}: {change.old} -> {change.new}" for change in changes.fields]
    if changes.amounts:
        out.append("  Money (before -> after, difference):")
        out += [f"    {a.what}: {a.old} -> {a.new} ({a.difference})" for a in changes.amounts]
    elif changes.amounts_problem:
        out.append(f"  Money: cannot be compared ({changes.amounts_problem})")
    return out


def describe(record: RecordOut, reference: str, *, lines: bool) -> list[str]:
    time = sum((record.involvement_minutes, record.preparation_minutes, record.follow_up_minutes,
                record.travel_minutes))
    head = (f"Record {record.id} ({record.status}): {reference}, {record.activity.activity} on "
            f"{record.activity.date.isoformat()}, {record.role}, {duration(time)} recorded")
    out = [head]
    if record.quote is not None:
        q = record.quote
        out.append(f"  Fees {q.fees_total}, expenses {q.expenses_total}, total {q.total} {q.currency}")
        if lines:
            out += [f"    {line.amount:>9}  {line.explanation}" for line in q.lines]
    elif record.quote_problem:
        out.append(f"  {record.quote_problem}")
    if record.changes is not None:
        out += describe_changes(record.changes)
    return out


@click.group("records")
def records() -> None:
    """Read records: the approval queue, and what each correction changes."""


@records.command("list")
@click.option("--status", type=click.Choice(["submitted", "approved", "rejected", "reversed"]),
              default="submitted", show_default=True, help="Which records (submitted = the approval queue).")
@click.option("--project", "project_id", type=int, default=None, help="One project (id).")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@database_option
def list_command(status: str, project_id: int | None, limit: int, database_url: str | None) -> None:
    """Records newest first, with what each correction changes."""
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        page = list_records(session, CLI_ACTOR, limit=limit, offset=0, status=status, project=project_id)
        text = [line for item in page.items for line in describe(item, _reference(session, item), lines=False)]
    click.echo("\n".join(text) if text else f"No {status} records.")
    if page.total > len(page.items):
        click.echo(f"({len(page.items)} of {page.total} shown; use --limit for more)")


@records.command("show")
@click.argument("record_id", type=int)
@database_option
def show_command(record_id: int, database_url: str | None) -> None:
    """One record with every line explained, and what it changes if it is a correction."""
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        record = get_record(session, CLI_ACTOR, record_id)
        text = describe(record, _reference(session, record), lines=True)
    click.echo("\n".join(text))


def _reference(session: Session, record: RecordOut) -> str:
    person = session.get(Participant, record.participant)
    return person.reference if person is not None else f"participant {record.participant}"


def register(group: click.Group) -> None:
    group.add_command(records)
