"""Spreadsheets as people really keep them, made in the tests: title rows, merged headings, blank rows,
trailing spaces, dates in several styles, formulas, repeated rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, merges: tuple[str, ...] = (), title: str = "Log",
               extra_sheets: tuple[str, ...] = ()) -> bytes:
    book = Workbook()
    for name in extra_sheets:  # e.g. a "Notes" sheet before the data
        book.create_sheet(name, 0).append(["Nothing to import here"])
    sheet = book[book.sheetnames[-1]] if extra_sheets else book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_saved_value(xlsx: bytes, formula: str, value: str) -> bytes:
    """The workbook as Excel would save it: the formula cell also holds the value it worked out.

    openpyxl writes formulas without values (it does not calculate); Excel saves both. This writes the
    value in, so the importer can be shown to read the saved value and never the formula.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                text, count = re.subn(rf"<f>{re.escape(formula)}</f><v ?/>", f"<f>{formula}</f><v>{value}</v>", text)
                if count:
                    data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


ACTIVITY_HEADINGS = ["Project", "Date of meeting", "Type", "Participant", "Time (mins)", "Prep", "Expense", "", "",
                     "Notes"]


def messy_activities(sam: str, project: str = "STEER") -> list[list[Any]]:
    """Row numbers as a spreadsheet shows them are in the comments (row 1 is the title)."""
    return [
        ["Involvement log 2025/26 (kept by Lee)", None, None, None, None, None, None, None, None, None],  # 1
        [None, None, None, None, None, None, "Expense", None, None, None],  # 2: a group heading merged G2:I2
        ["Project", "Date of meeting", "Type", "Participant", "Time (mins)", "Prep", "type", "amount", "receipt",
         "Notes"],  # 3
        [project, "14/01/2026", "meeting", "Jo Smith  ", "1:30", "30", "public transport", "£4.50", None,
         "first one"],  # 4
        [project, "14/01/2026", "Meeting", sam, 90, None, None, None, None, None],  # 5: Sam's reference
        [None, None, None, None, None, None, None, None, None, None],  # 6: blank
        [project, "2026-01-21", "meeting", "Jo Smith", "1h 30m", None, "Taxi", "1,012.00", "R-77", None],  # 7
        [project, dt.date(2026, 1, 28), "document review", "Jo Smith", "45", None, None, None, None, None],  # 8
        [project, "28/01/2026", "document review", "Jo Smith", "45", None, None, None, None, None],  # 9: repeat of 8
        [project, "04/02/2026", "meeting", "Nobody Here", "60", None, None, None, None, None],  # 10: unknown person
    ]
