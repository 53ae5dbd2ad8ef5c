"""``ledger statements``: write participants' statements as PDF files, one per person.

For everyone (``--all``) this is long work, so it shows a progress bar when run on a terminal. The
files are named ``statement-<reference>-<from>-to-<to>.pdf`` and each is written whole (temporary file,
then renamed), so a stopped run never leaves a half-written statement behind.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

from ledger.cli.batch_cmd import cli_transaction, database_option
from ledger.cli.common import fail, friendly_errors
from ledger.db.models import Participant
from ledger.exports.pdf import render_statement
from ledger.reports.statements import build_statements

DATE = click.DateTime(["%Y-%m-%d"])


def write_whole(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("statements")
@click.option("--participant", "participant_id", type=int, default=None, help="One participant (id).")
@click.option("--all", "everyone", is_flag=True, help="Every participant.")
@click.option("--from", "period_from", type=DATE, default=None, help="First day (default: start of tax year).")
@click.option("--to", "period_to", type=DATE, default=None, help="Last day (default: end of tax year).")
@click.option("--style", type=click.Choice(["standard", "large_print", "easy_read"]), default=None,
              help="Override each person's own choice of style.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the PDF files (created if missing).")
@database_option
@friendly_errors
def statements(participant_id: int | None, everyone: bool, period_from: datetime | None,
               period_to: datetime | None, style: str | None, out_dir: Path, database_url: str | None) -> None:
    """Write statements (PDF) for one participant or for everyone."""
    if (participant_id is None) == (not everyone):
        fail("give either --participant ID or --all")
    out_dir.mkdir(parents=True, exist_ok=True)
    start = period_from.date() if period_from else None
    end = period_to.date() if period_to else None
    console = Console(stderr=True)
    with cli_transaction(database_url) as session:
        if participant_id is not None:
            ids = [participant_id]
        else:
            ids = list(session.scalars(select(Participant.id).order_by(Participant.reference)))
        written = 0
        with Progress(TextColumn("Statements"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("statements", total=len(ids))
            for first in range(0, len(ids), 500):  # a few queries per 500 people, not several per person
                for statement in build_statements(session, ids[first : first + 500], start, end, style):
                    name = (f"statement-{statement.participant_reference}-{statement.period_from.isoformat()}-to-"
                            f"{statement.period_to.isoformat()}.pdf")
                    write_whole(out_dir / name, render_statement(statement))
                    written += 1
                    progress.advance(task)
    click.echo(f"Wrote {written} statement{'s' if written != 1 else ''} to {out_dir}.")


def register(group: click.Group) -> None:
    group.add_command(statements)
