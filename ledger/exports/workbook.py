"""The ledger as one ``.xlsx`` workbook (``ledger export workbook``), for people who still want a spreadsheet.

Takes the plain ``WorkbookData`` (``ledger.reports.workbook_data``) and streams it with openpyxl's
write-only mode, so a large ledger is written row by row without being held in memory.

Every text cell goes through ``ledger.exports.safety.cell``: control characters are stripped and text a
spreadsheet could run as a formula (a name such as ``=HYPERLINK(...)``) gets a leading apostrophe. The
cell is also written as text explicitly, so openpyxl never stores it as a formula either. Amounts are
numbers (``Decimal``, exact) with a two-decimal format, dates are dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from ledger.exports.safety import cell as safe_text
from ledger.reports.workbook_data import WorkbookData

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Written:
    participants: int
    records: int
    payments: int


def write_workbook(data: WorkbookData, out: IO[bytes]) -> Written:
    """Write every sheet of ``data`` to ``out``; returns how many participants, records and payments."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    about = book.create_sheet("About")
    bold = Font(bold=True)

    def text_cell(sheet: Any, value: str, *, heading: bool = False) -> Any:
        made = WriteOnlyCell(sheet, value=safe_text(value))
        made.data_type = "s"  # never a formula, whatever the text
        if heading:
            made.font = bold
        return made

    def value_cell(sheet: Any, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return text_cell(sheet, value)
        made = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            made.number_format = AMOUNT_FORMAT
        elif isinstance(value, dt.date):
            made.number_format = DATE_FORMAT
        return made

    counts: dict[str, int] = {}
    for sheet_data in data.sheets:
        sheet = book.create_sheet(sheet_data.title)
        sheet.append([text_cell(sheet, heading, heading=True) for heading in sheet_data.headings])
        count = 0
        for row in sheet_data.rows:
            sheet.append([value_cell(sheet, value) for value in row])
            count += 1
        sheet_data.count = count
        counts[sheet_data.title] = count
    about.append([text_cell(about, f"The involvement ledger of {data.organisation or 'this organisation'}",
                            heading=True)])
    about.append([text_cell(about, f"Written on {data.made_on}. A copy to read: changes made here do not go "
                                   "back into the ledger.")])
    about.append([])
    for sheet_data in data.sheets:
        about.append([text_cell(about, sheet_data.title, heading=True), sheet_data.count,
                      text_cell(about, sheet_data.about)])
    about.append([])
    about.append([text_cell(about, "Text that a spreadsheet could take for a formula starts with an apostrophe "
                                   "(') so it is shown, never run.")])
    book.save(out)
    return Written(participants=counts.get("Participants", 0), records=counts.get("Records", 0),
                   payments=counts.get("Payments", 0))
