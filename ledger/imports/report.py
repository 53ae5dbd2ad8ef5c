"""What an import (or a dry run of one) says back: every problem by row and column, what was added, and
which rows were already in the ledger.

The same report is printed by ``ledger import``, returned by ``POST /api/v1/imports`` and shown on the
upload page, so people see the same words wherever they import. Cell values are never echoed for bank
columns (a report can be pasted into an email).
"""

from __future__ import annotations

import msgspec


class ImportProblem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One thing to fix: where it is (spreadsheet row number and column letter, as Excel shows them),
    what is wrong, and what to do about it. ``row`` is ``None`` for a problem with the whole file."""

    row: int | None = None
    column: str | None = None  # "C"
    heading: str | None = None  # the heading as written in the file, "Date of meeting"
    message: str
    what_to_do: str | None = None

    def place(self) -> str:
        """``row 7, column C (Date)`` or ``the file``."""
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}" + (f" ({self.heading})" if self.heading else ""))
        return ", ".join(parts) or "the file"


class RowNote(msgspec.Struct, kw_only=True):
    """A row left out on purpose: already in the ledger, or a repeat of an earlier row of the file."""

    row: int
    note: str


class Added(msgspec.Struct, kw_only=True):
    participants: int = 0
    payee_changes: int = 0  # bank details and payee organisations waiting for a second person
    activities: int = 0
    records: int = 0


class ImportReport(msgspec.Struct, kw_only=True):
    kind: str  # "participants" or "activities"
    file_sha256: str
    file_format: str  # "csv" or "xlsx"
    dry_run: bool
    saved: bool  # True only for a real run that added everything
    rows_read: int  # rows with something in them, below the heading row
    added: Added
    added_rows: list[list[int]]  # [[first, last], ...] spreadsheet rows, ranges for short reports
    already_there: list[RowNote]
    problems: list[ImportProblem]
    notes: list[str]  # columns left out, assumptions said out loud
    summary: str

    @property
    def ok(self) -> bool:
        return not self.problems


def row_ranges(rows: list[int]) -> list[list[int]]:
    """``[2, 3, 4, 7]`` -> ``[[2, 4], [7, 7]]`` (rows are added in order, so this stays short)."""
    ranges: list[list[int]] = []
    for row in rows:
        if ranges and ranges[-1][1] == row - 1:
            ranges[-1][1] = row
        else:
            ranges.append([row, row])
    return ranges


def ranges_text(ranges: list[list[int]]) -> str:
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges)


def report_lines(report: ImportReport) -> list[str]:
    """The report in plain lines, for the command line (the page and the API show the same fields)."""
    lines = [report.summary]
    for note in report.notes:
        lines.append(f"note: {note}")
    if report.added_rows and report.saved:
        lines.append(f"rows added: {ranges_text(report.added_rows)}")
    elif report.added_rows:
        lines.append(f"rows that would be added: {ranges_text(report.added_rows)}")
    for left in report.already_there:
        lines.append(f"row {left.row}: left out, {left.note}")
    for problem in report.problems:
        lines.append(f"{problem.place()}: {problem.message}")
        if problem.what_to_do:
            lines.append(f"    what to do: {problem.what_to_do}")
    return lines
