"""``ledger report spend``: project spend against budget as JSON, CSV or PDF; ``ledger report check``: the
roll-up summaries the spend report reads, compared with the postings and records they sum."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import msgspec

from ledger.cli.batch_cmd import cli_transaction, database_option
from ledger.cli.common import fail, friendly_errors
from ledger.cli.statements_cmd import write_whole
from ledger.exports.pdf import render_spend_report
from ledger.payments.batches import resolve_project
from ledger.reports.involvement_glance import with_glance
from ledger.reports.spend import project_spend, spend_csv, spend_report
from ledger.reports.spend_summaries import check as check_summaries

DATE = click.DateTime(["%Y-%m-%d"])


@click.group("report")
def report() -> None:
    """Reports for programme managers and funders."""


@report.command("spend")
@click.option("--project", default=None, help="One project (code or id); default: every project.")
@click.option("--from", "period_from", type=DATE, default=None, help="First activity date (default: tax year).")
@click.option("--to", "period_to", type=DATE, default=None, help="Last activity date (default: tax year end).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "pdf"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: print JSON or CSV; PDF needs --out).")
@database_option
@friendly_errors
def spend(project: str | None, period_from: datetime | None, period_to: datetime | None, fmt: str,
          out: Path | None, database_url: str | None) -> None:
    """Spend, committed, paid and remaining per project, hours recognised and days to payment."""
    if fmt == "pdf" and out is None:
        fail("a PDF needs --out FILE")
    if out is not None and not out.parent.exists():
        fail(f"the folder {out.parent} does not exist")
    start = period_from.date() if period_from else None
    end = period_to.date() if period_to else None
    with cli_transaction(database_url) as session:
        found = resolve_project(session, project)
        data = project_spend(session, found.id, start, end) if found else spend_report(session, None, start, end)
        data = with_glance(session, data) if fmt == "pdf" else data  # involvement at a glance (PDF only)
    if fmt == "pdf":
        body = render_spend_report(data)
    elif fmt == "csv":
        body = spend_csv(data)
    else:
        body = msgspec.json.format(msgspec.json.encode(data), indent=2) + b"\n"
    if out is None:
        click.echo(body.decode("utf-8"), nl=False)
    else:
        write_whole(out, body)
        click.echo(f"Wrote the spend report to {out}.")


@report.command("check")
@database_option
@friendly_errors
def check(database_url: str | None) -> None:
    """Prove the roll-up summaries equal the postings and records they sum (exit 1 if not)."""
    with cli_transaction(database_url) as session:
        results = check_summaries(session)
    for result in results:
        if result.ok:
            click.echo(f"{result.table}: {result.rows} rows, all equal to the sums of their source rows.")
            continue
        click.echo(f"{result.table}: {result.only_in_summary} summary rows are wrong or extra, "
                   f"{result.only_in_source} source groups are missing or differ. For example:")
        for example in result.examples:
            click.echo(f"  {example}")
    wrong = [r.table for r in results if not r.ok]
    if wrong:
        fail(f"the roll-up summaries do not match the ledger ({', '.join(wrong)}): the spend report would be "
             "wrong. Nothing was changed. Report this as a bug; keep a backup of the database as it is now.")


def register(group: click.Group) -> None:
    group.add_command(report)
