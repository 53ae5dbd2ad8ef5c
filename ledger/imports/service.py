"""One import: read the file, run every row through the services, then keep all of it or none of it.

* A dry run does exactly what the real run would (every row through the same services, in the caller's
  transaction) and then undoes it, so it reports every problem the real run would meet, and saves nothing.
* A real run with any problem undoes everything too: a spreadsheet is imported whole or not at all.
* The work sits inside a savepoint, so the undo does not depend on the caller: the API commits a 200
  dry-run answer and the command line commits its transaction, and neither can keep a half-import.
* A real run that added rows writes ONE ``import.<kind>`` audit event naming the file by its SHA-256, who
  ran it and what it added (the services also audit each person and activity they create, as always).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import chain
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.db.models import Role
from ledger.imports.activities import ActivityImporter
from ledger.imports.columns import COLUMNS, HEADING_SEARCH_ROWS, HeadingRow, columns_of, find_heading_row
from ledger.imports.participants import ParticipantImporter
from ledger.imports.reading import Source, UnsavedFormula, open_table
from ledger.imports.report import Added, ImportProblem, ImportReport, row_ranges
from ledger.imports.run import ImportRun
from ledger.imports.templates import EXAMPLE_MARK
from ledger.imports.values import CellProblem, is_blank
from ledger.involvement.access import ensure_role
from ledger.rates.registry import CardRegistry
from ledger.security.actor import Actor

Kind = Literal["participants", "activities"]
KINDS: tuple[Kind, ...] = ("participants", "activities")
MAX_ROWS = 50_000
PERSON_KEYS = ("participant", "participant_name", "participant_email")


class Importer(Protocol):
    def add_row(self, row: int, cells: list[Any]) -> None: ...

    def finish(self) -> None: ...


def file_sha256(source: Source) -> str:
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
    else:
        with source.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def run_import(
    session: Session,
    actor: Actor,
    kind: str,
    source: Source,
    *,
    dry_run: bool,
    project: str | None = None,
    registry: CardRegistry | None = None,
) -> ImportReport:
    """Import ``source`` (the bytes of an upload, or a file on disk) as ``kind``; see the module notes.

    Leads and administrators may import; a lead limited to some projects imports only into them (each row
    for another project is a problem on that row). ``project`` is the project code for rows without one
    (activities), or the project people join when their Projects cell is blank (participants).
    """
    ensure_role(actor, Role.LEAD, doing="import spreadsheets")
    if kind not in KINDS:
        raise CellProblem(f"{kind!r} is not something the ledger imports", "import participants or activities")
    sha = file_sha256(source)
    shell = _Report(kind, sha, dry_run)
    try:
        with open_table(source, kind) as table:
            shell.file_format = table.format
            rows = iter(table.rows)
            heading, first = _heading(kind, rows)
            if heading is None:
                return shell.file_problem(
                    "no heading row was found: the first rows of the sheet should name the columns"
                    + (f" (sheet {table.sheet!r})" if table.sheet else ""),
                    "put the column headings (such as " + ", ".join(c.heading for c in COLUMNS[kind] if c.required)
                    + ") in the first row, or start from the template: ledger import template " + kind)
            missing = _missing(kind, heading, project)
            if heading.problems or missing:
                return shell.file_problems([*heading.problems, *missing], heading)
            run = ImportRun(headings=heading.by_key, columns=columns_of(kind))
            savepoint = session.begin_nested()
            try:
                importer: Importer = (
                    ParticipantImporter(session, actor, run, default_project=project) if kind == "participants" else
                    ActivityImporter(session, actor, run, epoch=table.epoch, default_project=project,
                                     registry=registry))
                too_many = _feed(importer, run, chain(first, rows))
                importer.finish()
                if too_many:
                    run.problem(None, None, f"the file has more than {MAX_ROWS:,} rows",
                                "split it into smaller files and import them one by one")
                saving = not dry_run and not run.problems and bool(run.added_rows)
                if saving:
                    _audit(session, actor, kind, sha, shell.file_format, run)
                    savepoint.commit()
                else:
                    savepoint.rollback()
            except BaseException:
                if savepoint.is_active:
                    savepoint.rollback()
                raise
    except CellProblem as exc:
        return shell.file_problem(exc.message, exc.what_to_do)
    return shell.finish(run, heading, saved=saving)


def _heading(kind: str, rows: Iterator[tuple[int, list[Any]]]) -> tuple[HeadingRow | None, list[tuple[int, list[Any]]]]:
    """The heading row, and the rows read after it while looking (they are data and are fed first)."""
    seen: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        if all(is_blank(value) for value in cells):
            continue
        seen.append((number, cells))
        if len(seen) >= HEADING_SEARCH_ROWS:
            break
    heading = find_heading_row(kind, seen)
    if heading is None:
        return None, []
    return heading, [(number, cells) for number, cells in seen if number > heading.row]


def _missing(kind: str, heading: HeadingRow, project: str | None) -> list[str]:
    missing = [f"there is no {column.heading} column" for column in COLUMNS[kind]
               if column.required and column.key not in heading.by_key]
    if kind == "activities":
        if not any(key in heading.by_key for key in PERSON_KEYS):
            missing.append("there is no column saying who took part (Participant, Name or Email)")
        if "project" not in heading.by_key and not project:
            missing.append("there is no Project column, and no project was named for the whole file")
    return missing


def _feed(importer: Importer, run: ImportRun, rows: Iterator[tuple[int, list[Any]]]) -> bool:
    """Every row with something in it, in order; ``True`` if the file was cut off at ``MAX_ROWS``."""
    for number, cells in rows:
        if all(is_blank(value) for value in cells):
            continue
        run.rows_read += 1
        if run.rows_read > MAX_ROWS:
            return True
        if any(isinstance(value, str) and EXAMPLE_MARK in value for value in cells):
            run.problem(number, None, "this is the template's example row", "delete the row, then import again")
            continue
        unsaved = [(key, cells[h.index]) for key, h in run.headings.items()
                   if h.index < len(cells) and isinstance(cells[h.index], UnsavedFormula)]
        for key, formula in unsaved:
            run.problem(number, key, f"this cell holds a formula ({formula.formula}) whose value was not saved in "
                                     "the file, and the ledger never works formulas out itself",
                        "open the file in your spreadsheet program, let it calculate, save it and import it again; "
                        "or type the value instead of the formula")
        if unsaved:
            continue
        importer.add_row(number, cells)
    return False


def _audit(session: Session, actor: Actor, kind: str, sha: str, file_format: str, run: ImportRun) -> None:
    record_event(session, actor, f"import.{kind}", "import", sha, None, {
        "file_sha256": sha,
        "file_format": file_format,
        "kind": kind,
        "run_by": actor.name,
        "rows_read": run.rows_read,
        "added": {"participants": run.added.participants, "payee_changes": run.added.payee_changes,
                  "activities": run.added.activities, "records": run.added.records},
        "rows_added": row_ranges(run.added_rows),
        "rows_already_there": len(run.already_there),
    })


class _Report:
    def __init__(self, kind: str, sha: str, dry_run: bool) -> None:
        self.kind, self.sha, self.dry_run = kind, sha, dry_run
        self.file_format = "unknown"

    def _empty(self, problems: list[ImportProblem], notes: list[str]) -> ImportReport:
        return ImportReport(kind=self.kind, file_sha256=self.sha, file_format=self.file_format, dry_run=self.dry_run,
                            saved=False, rows_read=0, added=Added(), added_rows=[], already_there=[],
                            problems=problems, notes=notes, summary=_summary(self.dry_run, False, Added(), 0, problems,
                                                                             0, self.kind))

    def file_problem(self, message: str, what_to_do: str | None) -> ImportReport:
        return self._empty([ImportProblem(message=message, what_to_do=what_to_do)], [])

    def file_problems(self, messages: list[str], heading: HeadingRow) -> ImportReport:
        how = ("use the template's headings (ledger import template " + self.kind + "), or rename the column")
        return self._empty([ImportProblem(row=heading.row, message=m, what_to_do=how) for m in messages],
                           [f"{place} is not a column the ledger reads: left out" for place in heading.left_out])

    def finish(self, run: ImportRun, heading: HeadingRow, *, saved: bool) -> ImportReport:
        notes = [f"headings found in row {heading.row}"]
        notes += [f"{place} is not a column the ledger reads: left out" for place in heading.left_out]
        problems = sorted(run.problems, key=lambda p: (p.row or 0, p.column or ""))
        return ImportReport(
            kind=self.kind, file_sha256=self.sha, file_format=self.file_format, dry_run=self.dry_run, saved=saved,
            rows_read=run.rows_read, added=run.added if (saved or self.dry_run) else Added(),
            added_rows=row_ranges(run.added_rows) if (saved or self.dry_run) else [],
            already_there=run.already_there, problems=problems, notes=notes,
            summary=_summary(self.dry_run, saved, run.added, len(run.already_there), problems, run.rows_read,
                             self.kind),
        )


def _summary(dry_run: bool, saved: bool, added: Added, left_out: int, problems: list[ImportProblem],
             rows: int, kind: str) -> str:
    what = (_count(added.participants, "participant") + (
        f" ({added.payee_changes} with payment details waiting for a second person to confirm)"
        if added.payee_changes else "")
        if kind == "participants" else
        f"{_count(added.records, 'record')} in {_count(added.activities, 'activity', 'activities')}")
    there = f"; {_count(left_out, 'row')} left out as already there" if left_out else ""
    rows_text = _count(rows, "row")
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        if dry_run:
            return f"Dry run: {count} to fix in {rows_text}. Nothing was saved."
        return f"Nothing was imported: {count} to fix. Fix them and import the file again (nothing was saved)."
    if dry_run:
        return f"Dry run: {rows_text} read, no problems. Importing would add {what}{there}. Nothing was saved."
    if saved:
        tail = " Records arrive as submitted: they still need approval by a second person." \
            if kind == "activities" else ""
        return f"Imported {what} from {rows_text}{there}.{tail}"
    return f"Nothing new to import: {rows_text} read{there}."


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"
