"""The files people fill in: the headings the importer knows, one example row and notes on every column.

``.xlsx``: a sheet to fill in (headings in bold, frozen, the example row in grey) and a ``Notes`` sheet
saying what goes in each column. CSV has no second sheet, so its notes are a plain text file beside it.
The example row carries :data:`EXAMPLE_MARK`; the importer refuses a row that still has it, so an
example left in by mistake is never imported as a real person or meeting.
"""

from __future__ import annotations

import csv
import io

from ledger.imports.columns import COLUMNS, Column

EXAMPLE_MARK = "(example: delete this row)"
FORMATS = ("xlsx", "csv")
INTRO = {
    "participants": ("One row per person. People already in the ledger (same reference, email, or name) are left "
                     "out, never changed. Bank details and payee organisations wait for a second person (finance) "
                     "to confirm them before anyone is paid with them."),
    "activities": ("One row per person per activity: for a meeting of five people, five rows with the same "
                   "project, date and activity type. Rows next to each other with the same project, date, activity "
                   "type, way of taking part and description become one activity. A row the ledger already has "
                   "(same person, project, date and activity type) is left out. Imported records wait for "
                   "approval like any other."),
}


def _example(column: Column) -> object:
    if column.key in ("name", "description"):
        return f"{column.example} {EXAMPLE_MARK}"
    return column.example


def notes_rows(kind: str) -> list[list[str]]:
    rows = [["Column", "Needed?", "What goes in it", "Example"]]
    for column in COLUMNS[kind]:
        rows.append([column.heading, "yes" if column.required else "no", column.note, str(_example(column))])
    return rows


def template_csv(kind: str) -> bytes:
    """Headings and the example row, UTF-8 with a byte-order mark (so Excel reads £ and accents right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.heading for c in COLUMNS[kind]])
    writer.writerow([_example(c) for c in COLUMNS[kind]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_notes_text(kind: str) -> str:
    lines = [f"Template for importing {kind} into the involvement ledger", "", INTRO[kind], "",
             f"Delete the example row (it says {EXAMPLE_MARK}) before you import.", ""]
    for heading, needed, note, example in notes_rows(kind)[1:]:
        lines.append(f"{heading}{' (needed)' if needed == 'yes' else ''}: {note}"
                     + (f" Example: {example}" if example else ""))
    lines += ["", f"Check a file without saving anything: ledger import {kind} FILE --dry-run"]
    return "\n".join(lines) + "\n"


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = kind.capitalize()
    columns = COLUMNS[kind]
    sheet.append([c.heading for c in columns])
    sheet.append([_example(c) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    grey = PatternFill("solid", fgColor="EEEEEE")
    for cell in sheet[2]:
        cell.fill = grey
        cell.font = Font(italic=True)
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.heading) + 4)
        if column.key in ("bank_sort_code", "bank_account_number", "phone"):
            for row in range(2, 1002):  # text, so a leading 0 is kept when people type
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("Notes")
    notes.append([INTRO[kind]])
    notes.append([f"Delete the example row (it says {EXAMPLE_MARK}) before you import. Check a file first with: "
                  f"ledger import {kind} FILE --dry-run"])
    notes.append([])
    for line in notes_rows(kind):
        notes.append(line)
    for cell in notes[4]:
        cell.font = Font(bold=True)
    for letter, size in (("A", 26), ("B", 10), ("C", 90), ("D", 30)):
        notes.column_dimensions[letter].width = size
    for row in notes.iter_rows(min_row=5):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
