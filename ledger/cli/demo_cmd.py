"""``ledger demo``: build a realistic ledger and write what each kind of user would see."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ledger.cli.common import friendly_errors
from ledger.demo.run import STEPS, DemoSummary, build_demo
from ledger.demo.web_users import sign_in_text

DEMO_ORGANISATION = "Northshire Health and Care Partnership"

WHO = {
    "finance officer": "Finance officer: payment batch files to upload to the bank or import into Xero/Sage",
    "payee": "Payees: remittance advice (what is being paid, how, and for which activities)",
    "participant": "Participants: statements in standard, large print and Easy Read styles (PDF and JSON)",
    "manager": "Managers: spend per project against budget (PDF with a chart, CSV, JSON)",
}


@click.command("demo")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("ledger-demo"), show_default=True,
              help="Folder for the demo database and every document it produces (replaced each run).")
@friendly_errors
def demo(out: Path) -> None:
    """Build a demo ledger on SQLite (3 projects, 12 participants, 150+ records) and write its documents."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LEDGER_ORGANISATION_NAME", DEMO_ORGANISATION)
    database = out / "demo.db"
    for leftover in (database, out / "demo.db-wal", out / "demo.db-shm"):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{database.resolve()}"
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]Building the demo ledger"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, disable=not sys.stderr.isatty()) as progress:
        progress.add_task("demo", total=STEPS)
        summary = build_demo(url, out, progress)
    print_summary(summary)


def print_summary(summary: DemoSummary) -> None:
    console = Console()
    console.print(f"[bold]Demo ledger built[/bold] in {summary.database}")
    table = Table(show_header=False, box=None)
    table.add_row("Projects", str(summary.projects))
    table.add_row("Participants", str(summary.participants))
    table.add_row("Records", ", ".join(f"{count} {status}" for status, count in sorted(summary.records.items())))
    table.add_row("Approved fees", summary.fees_approved)
    table.add_row("Approved expenses", summary.expenses_approved)
    table.add_row("Watch-limit warnings", str(summary.warnings))
    for line in summary.batches:
        table.add_row("Batch", line)
    for line in summary.left_out or ["nobody (everyone owed money had details their payment method needs)"]:
        table.add_row("Left out of a batch", line)
    console.print(table)
    console.print("\n[bold]What each user sees[/bold] (all under " + str(summary.out) + "):")
    for who, paths in summary.files.items():
        console.print(f"\n{WHO.get(who, who)}")
        for path in paths:
            console.print(f"  {path}")
    console.print("\n[bold]Try the web interface[/bold] (see docs/administrators.md)")
    console.print(sign_in_text(summary), markup=False, highlight=False, soft_wrap=True)
    console.print("The API and its documentation: http://127.0.0.1:8000/api/v1/schema", highlight=False)


def register(group: click.Group) -> None:
    group.add_command(demo)
