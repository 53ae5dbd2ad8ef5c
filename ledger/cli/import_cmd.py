"""``ledger import participants|activities FILE [--dry-run]``, ``ledger import template KIND`` and
``ledger export workbook``.

Who is importing: ``--token`` (or ``LEDGER_TOKEN``) acts as that API token's holder, with its role and
projects, so a lead limited to some projects imports only into them, and a finance or auditor token is
refused, exactly as ``POST /api/v1/imports`` would. Without a token the command acts with administrator
rights (whoever runs it can reach the database anyway) under the name given with ``--as``, which the
audit event keeps as who ran the import.

Exit status: 0 when the import (or dry run) found no problems; 1 when it found any (nothing is saved).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
import msgspec
from sqlalchemy.orm import Session

from ledger.cli.common import echo_json, fail
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session, resolve_url
from ledger.db.models import Role
from ledger.imports import run_import
from ledger.imports.report import report_lines
from ledger.imports.templates import FORMATS, template_csv, template_notes_text, template_xlsx
from ledger.imports.values import CellProblem
from ledger.security.actor import Actor
from ledger.security.tokens import authenticate

MAX_NAME = 200


def _actor(session: Session, token: str | None, as_name: str | None, *, dry_run: bool) -> Actor:
    if token:
        actor = authenticate(session, token.strip())
        if actor is None:
            fail("that token is not known, or it was revoked (check --token or LEDGER_TOKEN)")
        return actor
    name = (as_name or "").strip()
    if not name:
        if dry_run:
            return Actor(token_id=None, name="dry run", role=Role.ADMIN)
        fail("say who is importing with --as NAME (it goes into the audit trail), or use --token")
    if len(name) > MAX_NAME:
        fail(f"--as: a name of at most {MAX_NAME} characters, please")
    return Actor(token_id=None, name=name, role=Role.ADMIN)


def _import(kind: str, file: Path, dry_run: bool, project: str | None, as_name: str | None, token: str | None,
            as_json: bool, database_url: str | None) -> None:
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        actor = _actor(session, token, as_name, dry_run=dry_run)
        try:
            report = run_import(session, actor, kind, file, dry_run=dry_run, project=project)
        except CellProblem as exc:  # pragma: no cover - run_import reports file problems itself
            fail(exc.message)
    if as_json:
        echo_json(msgspec.json.encode(report))
    else:
        click.echo("\n".join(report_lines(report)))
    if report.problems:
        fail(f"{len(report.problems)} problem(s) in {file.name}; nothing was saved")


def _common(func: click.decorators.FC) -> click.decorators.FC:
    func = database_option(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(func)
    func = click.option("--token", envvar="LEDGER_TOKEN", default=None, metavar="SECRET",
                        help="Act as this API token's holder (its role and projects). Default: $LEDGER_TOKEN.")(func)
    func = click.option("--as", "as_name", metavar="NAME",
                        help="Your name, for the audit trail (needed for a real import without --token).")(func)
    func = click.option("--dry-run", is_flag=True,
                        help="Check every row and report every problem; save nothing.")(func)
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(func)


@click.group("import")
def import_group() -> None:
    """Bring in participants and involvement from CSV or Excel (.xlsx) spreadsheets (see docs/importing.md)."""


@import_group.command("participants")
@_common
@click.option("--project", metavar="CODE", help="The project people join when their Projects cell is blank.")
def participants_command(file: Path, dry_run: bool, as_name: str | None, token: str | None, as_json: bool,
                         database_url: str | None, project: str | None) -> None:
    """Add the people in FILE (CSV or .xlsx). People already in the ledger are left out, never changed;
    bank details wait for a second person to confirm them (ledger payees pending)."""
    _import("participants", file, dry_run, project, as_name, token, as_json, database_url)


@import_group.command("activities")
@_common
@click.option("--project", metavar="CODE", help="The project for rows without a Project column or cell.")
def activities_command(file: Path, dry_run: bool, as_name: str | None, token: str | None, as_json: bool,
                       database_url: str | None, project: str | None) -> None:
    """Add the involvement in FILE (CSV or .xlsx): one row per person per activity. Rows the ledger already
    has are left out; records arrive as submitted and wait for approval."""
    _import("activities", file, dry_run, project, as_name, token, as_json, database_url)


@import_group.command("template")
@click.argument("kind", type=click.Choice(["participants", "activities"]))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write it. Default: KIND-template.xlsx (or .csv) in this folder.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_command(kind: str, fmt: str, out: Path | None, force: bool) -> None:
    """Write a template to fill in: the headings, an example row and notes on every column."""
    out = out or Path(f"{kind}-template.{fmt}")
    if out.exists() and not force:
        fail(f"{out} exists already; choose another --out or add --force")
    if fmt == "xlsx":
        out.write_bytes(template_xlsx(kind))
        click.echo(f"Wrote {out} (the Notes sheet explains each column; delete the example row before importing).")
        return
    out.write_bytes(template_csv(kind))
    notes = out.with_name(out.stem + "-notes.txt")
    notes.write_text(template_notes_text(kind), encoding="utf-8")
    click.echo(f"Wrote {out} and {notes} (what goes in each column; delete the example row before importing).")


@click.group("export")
def export_group() -> None:
    """Write the ledger out for people who still want a spreadsheet."""


@export_group.command("workbook")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@database_option
def workbook_command(out: Path, force: bool, database_url: str | None) -> None:
    """Participants (bank details masked), records with the reason for every amount, and payments, as one
    .xlsx workbook. Text that a spreadsheet could run as a formula is neutralised."""
    from ledger.exports.workbook import write_workbook
    from ledger.reports.workbook import workbook_data

    if out.exists() and not force:
        fail(f"{out} exists already; choose another --out or add --force")
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        data = workbook_data(session, Actor.system("cli"))
        # Everyone's names, e-mails and phones: a new file only its owner reads (mkstemp makes it 0600, as the
        # bank files), streamed there and put in place only when whole; a failed run leaves nothing behind.
        descriptor, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                counts = write_workbook(data, handle)
            os.replace(partial, out)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    click.echo(f"Wrote {out}: {counts.participants} participants, {counts.records} records, "
               f"{counts.payments} payments.")


def register(group: click.Group) -> None:
    group.add_command(import_group)
    group.add_command(export_group)
