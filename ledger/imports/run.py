"""What one import collects as it goes: problems by row and column, rows added, rows left out.

Shared by the participants and activities importers, so both report in one shape and one set of words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import FieldProblem, LedgerError
from ledger.imports.columns import Column, Heading
from ledger.imports.report import Added, ImportProblem, RowNote
from ledger.imports.values import CellProblem, is_blank

FIX = "correct it in the file and import it again (a dry run first shows whether everything else is right)"
_PATH_SEGMENT = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*$")


@dataclass
class ImportRun:
    headings: dict[str, Heading]
    columns: dict[str, Column]
    problems: list[ImportProblem] = field(default_factory=list)
    already_there: list[RowNote] = field(default_factory=list)
    added_rows: list[int] = field(default_factory=list)
    added: Added = field(default_factory=Added)
    rows_read: int = 0

    def cell(self, cells: list[Any], key: str) -> Any:
        heading = self.headings.get(key)
        if heading is None or heading.index >= len(cells):
            return None
        value = cells[heading.index]
        return None if is_blank(value) else value

    def problem(self, row: int | None, key: str | None, message: str, what_to_do: str | None = None) -> None:
        heading = self.headings.get(key) if key else None
        self.problems.append(ImportProblem(
            row=row,
            column=heading.letter if heading else None,
            heading=heading.written if heading else None,
            message=message,
            what_to_do=what_to_do or FIX,
        ))

    def cell_problem(self, row: int, key: str, exc: CellProblem) -> None:
        self.problem(row, key, exc.message, exc.what_to_do)

    def service_problems(self, row: int, exc: LedgerError, where: dict[str, str], *, strip: str = "") -> None:
        """A service's refusal put back on the row: each field it names becomes the column it came from.

        ``where`` maps the service's field paths (``bank.sort_code``, ``expenses[0].amount``) to column keys;
        ``strip`` is a prefix to take off first (``attendees[2].``). A field with no column (or no field at
        all) is reported against the row.
        """
        problems = exc.problems or [FieldProblem("", exc.detail)]
        for problem in problems:
            path = problem.field.removeprefix(strip) if strip else problem.field
            key = where.get(path)
            if key is None and "." in path:
                key = where.get(path.split(".")[0])
            self.problem(row, key, _without_path(problem.message, problem.field, path))

    def left_out(self, row: int, note: str) -> None:
        self.already_there.append(RowNote(row=row, note=note))


def _without_path(message: str, *paths: str) -> str:
    """``"expenses[0].amount '1.234' has more than 2 decimals"`` -> ``"'1.234' has more than 2 decimals"``:
    the report names the column, so the JSON path would only confuse someone reading a spreadsheet."""
    message = message.strip()
    for path in paths:
        segments = path.split(".")
        for start in range(len(segments)):
            written = ".".join(segments[start:])
            if written and _PATH_SEGMENT.match(written) and message.startswith((written + " ", written + ":")):
                return message[len(written):].lstrip(": ")
    return message
