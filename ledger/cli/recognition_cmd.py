"""``ledger recognition`` (records of involvement and their codes) and ``ledger outcomes`` (what changed).

``ledger recognition --participant ID [--out FILE]`` writes a new record of involvement as PDF and prints
its verification code (shown once: only a keyed hash is kept). ``ledger recognition list --participant ID``
lists the records issued, how often each was checked and whether it was withdrawn; ``ledger recognition
withdraw RECORD_ID --reason TEXT`` withdraws one. ``ledger outcomes add/list/overdue`` are for leads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from ledger.cli.batch_cmd import cli_transaction
from ledger.cli.common import fail, friendly_errors
from ledger.cli.db_cmd import database_option
from ledger.cli.statements_cmd import write_whole
from ledger.db.models import Role
from ledger.exports.pdf.recognition import render_record
from ledger.recognition.data import RECORD_STYLES
from ledger.recognition.outcomes import DEFAULT_OVERDUE_WEEKS, add_outcome, list_outcomes, overdue_activities
from ledger.recognition.record import issue_record, list_records, withdraw_record
from ledger.recognition.schemas import OutcomeIn
from ledger.security.actor import Actor

DATE = click.DateTime(["%Y-%m-%d"])


def _actor(name: str | None) -> Actor:
    """The CLI acts as an administrator; ``--as`` names the person for the audit trail."""
    words = " ".join((name or "command line").split())
    if not words:
        fail("--as needs your name")
    return Actor(token_id=None, name=words, role=Role.ADMIN)


as_option = click.option("--as", "as_name", metavar="NAME", default=None, help="Your name, for the audit trail.")


@click.group("recognition", invoke_without_command=True)
@click.option("--participant", "participant_id", type=int, default=None, help="The participant (id).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PDF (default: involvement-<reference>-<date>.pdf here).")
@click.option("--style", type=click.Choice(RECORD_STYLES), default=None,
              help="Override the person's own statement style.")
@click.option("--amounts", is_flag=True, help="Show money too (only when the person asks for it).")
@as_option
@database_option
@click.pass_context
@friendly_errors
def recognition(ctx: click.Context, participant_id: int | None, out_file: Path | None, style: str | None,
                amounts: bool, as_name: str | None, database_url: str | None) -> None:
    """Write a record of involvement (PDF) with a new verification code; see also list and withdraw."""
    if ctx.invoked_subcommand is not None:
        return
    if participant_id is None:
        fail("give --participant ID (or a subcommand: list, withdraw)")
    with cli_transaction(database_url) as session:
        record = issue_record(session, _actor(as_name), participant_id, style=style, include_amounts=amounts)
        data = render_record(record)
        path = out_file or Path(f"involvement-{record.summary.participant_reference}-"
                                f"{record.summary.issued_on.isoformat()}.pdf")
        write_whole(path, data)
    click.echo(f"Wrote {path} (record {record.record_id}).")
    click.echo(f"Verification code: {record.code}  (check at {record.check_address}; shown once, not stored)")


@recognition.command("list")
@click.option("--participant", "participant_id", type=int, required=True, help="The participant (id).")
@database_option
@friendly_errors
def list_command(participant_id: int, database_url: str | None) -> None:
    """The records issued for a person: when, by whom, how often checked, withdrawn or not."""
    with cli_transaction(database_url) as session:
        rows = list_records(session, _actor(None), participant_id)
        if not rows:
            click.echo("No records of involvement issued yet.")
        for row in rows:
            state = (f"withdrawn {row.withdrawn_at:%Y-%m-%d} by {row.withdrawn_by}: {row.withdrawn_reason}"
                     if row.withdrawn_at else "in use")
            click.echo(f"{row.id:>6}  issued {row.created_at:%Y-%m-%d} by {row.issued_by}  {row.style:<11} "
                       f"checked {row.check_count} time{'s' if row.check_count != 1 else ''}  {state}")


@recognition.command("withdraw")
@click.argument("record_id", type=int)
@click.option("--reason", required=True, help="Why (for example: issued by mistake).")
@as_option
@database_option
@friendly_errors
def withdraw_command(record_id: int, reason: str, as_name: str | None, database_url: str | None) -> None:
    """Withdraw a record: its code then says "withdrawn" and shows nothing else."""
    with cli_transaction(database_url) as session:
        withdraw_record(session, _actor(as_name), record_id, reason)
    click.echo(f"Record {record_id} withdrawn: its code no longer vouches for it.")


@click.group("outcomes")
def outcomes() -> None:
    """What changed because of participants' input: add, list, and activities with nothing reported back."""


@outcomes.command("add")
@click.option("--activity", "activity_id", type=int, default=None, help="The activity it came from (id).")
@click.option("--project", "project_id", type=int, default=None, help="Or the whole project (id).")
@click.option("--date", "on", type=DATE, required=True, help="When it was decided or changed (YYYY-MM-DD).")
@click.option("--text", required=True, help="What changed, in plain words.")
@as_option
@database_option
@friendly_errors
def add_command(activity_id: int | None, project_id: int | None, on: datetime, text: str, as_name: str | None,
                database_url: str | None) -> None:
    """Add an outcome to an activity (--activity) or a whole project (--project)."""
    with cli_transaction(database_url) as session:
        item = add_outcome(session, _actor(as_name),
                           OutcomeIn(text=text, date=on.date(), activity=activity_id, project=project_id))
    click.echo(f"Outcome {item.id} added to {item.activity_label or 'the project'} ({item.project_name}).")


@outcomes.command("list")
@click.option("--project", "project_id", type=int, default=None, help="Only this project (id).")
@database_option
@friendly_errors
def list_outcomes_command(project_id: int | None, database_url: str | None) -> None:
    """Every outcome, oldest first."""
    with cli_transaction(database_url) as session:
        items = list_outcomes(session, _actor(None), project_id=project_id)
    if not items:
        click.echo("No outcomes yet.")
    for item in items:
        source = (f"{item.activity_label} on {item.activity_date:%Y-%m-%d}" if item.activity_date
                  else "whole project")
        click.echo(f"{item.id:>5}  {item.outcome_date:%Y-%m-%d}  {item.project_name} ({source}): {item.text}")


@outcomes.command("overdue")
@click.option("--weeks", type=click.IntRange(1, 520), default=DEFAULT_OVERDUE_WEEKS, show_default=True,
              help="Nothing reported back after this many weeks.")
@click.option("--project", "project_id", type=int, default=None, help="Only this project (id).")
@database_option
@friendly_errors
def overdue_command(weeks: int, project_id: int | None, database_url: str | None) -> None:
    """Activities with nothing reported back after the set time, oldest first."""
    with cli_transaction(database_url) as session:
        items = overdue_activities(session, _actor(None), weeks, project_id=project_id)
    if not items:
        click.echo(f"Every activity older than {weeks} weeks has had something reported back.")
    for item in items:
        click.echo(f"{item.activity:>6}  {item.date:%Y-%m-%d}  {item.project_name}: {item.activity_label}"
                   f"{' (' + item.description + ')' if item.description else ''}, {item.people} "
                   f"{'person' if item.people == 1 else 'people'}, {item.weeks_waiting} weeks waiting")


def register(group: click.Group) -> None:
    group.add_command(recognition)
    group.add_command(outcomes)
