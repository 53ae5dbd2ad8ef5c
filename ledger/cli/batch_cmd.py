"""``ledger batch ...``: payment batches from the command line (create, show, approve, export, paid, return).

Each command is one transaction on the database given by ``--database`` (default: ``LEDGER_DATABASE_URL``
or the SQLite file in the working folder) and acts as the system user "cli". Problems print one clear
line and exit with status 1; nothing is half-written.

``show`` and ``approve`` list every line with its payee, masked account and amount: what the approver
checks, and exactly what the export will write (the details copied when the batch was built).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session

from ledger.cli.common import fail, friendly_errors
from ledger.cli.db_cmd import database_option
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Batch, Role
from ledger.exports.finance import EXPORTERS, export_to_path, get_exporter
from ledger.money import Money
from ledger.payments.batches import (
    approve_batch,
    build_batch,
    get_batch,
    mark_exported,
    mark_paid,
    resolve_project,
)
from ledger.payments.returns import return_line
from ledger.reports.batch_export import batch_export_data
from ledger.reports.batch_review import review_lines
from ledger.security.actor import Actor
from ledger.settings import database_url

CLI_ACTOR = Actor.system("cli")
#: Who builds and who approves: the CLI has no token, so the person is their name, and the ledger refuses
#: an approval by the builder's name (four eyes; ledger.security.actor.same_person).
as_option = click.option(
    "--as", "as_name", required=True, metavar="NAME",
    help="Your name, for the audit trail. The batch must be approved by someone other than who built it.",
)

#: The same helper under the name earlier command modules used; one decorator is enough.
database_errors = friendly_errors


def _person(name: str) -> Actor:
    name = " ".join(name.split())
    if not name:
        fail("--as needs your name")
    return Actor(token_id=None, name=name, role=Role.ADMIN)


@contextmanager
def cli_transaction(given: str | None) -> Iterator[Session]:
    """One transaction for the whole command: committed at the end, rolled back on any error."""
    engine = make_engine(database_url(given))
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _print_lines(session: Session, b: Batch) -> None:
    """Every line as the approver checks it: payee, masked account, amount (never the full numbers)."""
    for line in review_lines(session, b):
        status = "" if line.status == "pending" else f"  [{line.status}]"
        click.echo(f"  {line.participant_reference:<10} {line.participant_name[:30]:<30} {line.paid_to:<46} "
                   f"{Money(line.amount, b.currency).display():>12}{status}")
    click.echo(f"  {len(b.lines)} payments, total {Money.from_minor(b.total_minor, b.currency).display()}")


@click.group("batch")
def batch() -> None:
    """Payment batches: build, approve, export, mark paid, handle returned payments."""


@batch.command("create")
@click.option("--method", required=True, type=click.Choice(["bank_transfer", "voucher", "organisation"]))
@click.option("--project", default=None, help="Only this project (code or id).")
@click.option("--up-to", "up_to", default=None, type=click.DateTime(["%Y-%m-%d"]),
              help="Only activities on or before this date (YYYY-MM-DD).")
@as_option
@database_option
@friendly_errors
def create(method: str, project: str | None, up_to: object, as_name: str, database_url: str | None) -> None:
    """Build a draft batch of everything payable by METHOD (someone else approves it)."""
    builder = _person(as_name)
    with cli_transaction(database_url) as session:
        found = resolve_project(session, project)
        cutoff = up_to.date() if up_to is not None else None  # type: ignore[attr-defined]
        outcome = build_batch(session, builder, method, found.id if found else None, cutoff)
        b = outcome.batch
        click.echo(f"Batch {b.reference} (id {b.id}) created as a draft: {len(b.lines)} payments, "
                   f"total {Money.from_minor(b.total_minor, b.currency).display()}.")
        for s in outcome.skipped:
            click.echo(f"  left out {s.participant_reference} {s.name} "
                       f"({Money(s.amount, s.currency).display()}): {s.reason}")
        click.echo(f"Next: someone other than {builder.name} checks it, then 'ledger batch approve {b.id} --as NAME'.")


@batch.command("show")
@click.argument("batch_id", type=int)
@database_option
@friendly_errors
def show(batch_id: int, database_url: str | None) -> None:
    """Show batch BATCH_ID line by line: payee, masked account, amount (check this before approving)."""
    with cli_transaction(database_url) as session:
        b = get_batch(session, batch_id)
        click.echo(f"Batch {b.reference} (id {b.id}), {b.method.replace('_', ' ')}, {b.status}:")
        _print_lines(session, b)


@batch.command("approve")
@click.argument("batch_id", type=int)
@as_option
@database_option
@friendly_errors
def approve(batch_id: int, as_name: str, database_url: str | None) -> None:
    """Approve draft batch BATCH_ID as NAME, not the person who built it (re-checked first); list what was approved."""
    with cli_transaction(database_url) as session:
        b = approve_batch(session, _person(as_name), batch_id)
        click.echo(f"Batch {b.reference} approved. The export will pay exactly these lines:")
        _print_lines(session, b)


@batch.command("export")
@click.argument("batch_id", type=int)
@click.option("--format", "fmt", required=True, type=click.Choice(sorted(EXPORTERS)))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@database_option
@friendly_errors
def export(batch_id: int, fmt: str, out: Path, database_url: str | None) -> None:
    """Write approved batch BATCH_ID as a file for the bank or accounts (written whole or not at all)."""
    if not out.parent.exists():
        fail(f"the folder {out.parent} does not exist")
    exporter = get_exporter(fmt)
    with cli_transaction(database_url) as session:
        b = mark_exported(session, CLI_ACTOR, batch_id, exporter.name)  # re-checks the batch first
        data = batch_export_data(session, b)  # its lines are read from the database as the file is written
        export_to_path(exporter, data, out)
        click.echo(f"Wrote {data.line_count} payments, total {Money(data.total, data.currency).display()}, "
                   f"to {out} ({exporter.name}).")


@batch.command("paid")
@click.argument("batch_id", type=int)
@click.option("--on", "paid_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Date the money was sent.")
@database_option
@friendly_errors
def paid(batch_id: int, paid_on: object, database_url: str | None) -> None:
    """Record that batch BATCH_ID has been paid."""
    with cli_transaction(database_url) as session:
        b = mark_paid(session, CLI_ACTOR, batch_id, paid_on.date())  # type: ignore[attr-defined]
        click.echo(f"Batch {b.reference} marked paid on {b.paid_on}.")


@batch.command("return")
@click.argument("batch_id", type=int)
@click.argument("line_id", type=int)
@click.option("--reason", required=True, help="Why the payment came back, e.g. 'account closed'.")
@database_option
@friendly_errors
def return_cmd(batch_id: int, line_id: int, reason: str, database_url: str | None) -> None:
    """Record that line LINE_ID of paid batch BATCH_ID came back; the amount is owed again."""
    with cli_transaction(database_url) as session:
        line = return_line(session, CLI_ACTOR, batch_id, line_id, reason)
        click.echo(f"Payment {line.payment_reference} marked returned; "
                   f"{Money.from_minor(line.amount_minor, line.batch.currency).display()} is owed again and "
                   "will go in the next batch.")


def register(group: click.Group) -> None:
    group.add_command(batch)
