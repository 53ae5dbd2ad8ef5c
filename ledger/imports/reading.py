"""A CSV or ``.xlsx`` file -> numbered rows of cell values, read as a stream.

Why openpyxl (not python-calamine): it is the one library here that both reads and writes ``.xlsx``, so
the templates and the workbook export use the same well-kept code; its read-only mode streams a sheet
row by row (memory stays flat however long the file is); and ``data_only=True`` gives each formula cell
the value Excel saved with the file, so no formula is ever worked out here. With ``defusedxml`` installed
(a dependency) openpyxl refuses XML bombs.

A formula cell saved without its value (a file written by a program that does not calculate) is read as
:class:`UnsavedFormula`, so the importer can say so instead of reading it as blank. Checking for that
needs a second, formula-text pass over the sheet; it is only made when the sheet has formulas at all.

Row numbers are the ones a spreadsheet shows (the first row is 1), so a report says "row 7" and the
person finds row 7.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import IO, Any

from ledger.imports.values import EXCEL_1900, EXCEL_1904, CellProblem, squash

Source = bytes | Path
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other Office 97 files)
MAX_COLUMNS = 200
# How much of a CSV file the separator guess (csv.Sniffer) reads. Its patterns take time growing with the
# square of the sample on some made-up text (8,192 characters of ',"' took a second of CPU); 2,048 is still
# dozens of rows, and a quarter of the sample is a sixteenth of the worst case.
SNIFF_CHARS = 2048


@dataclass(frozen=True)
class UnsavedFormula:
    """A formula cell whose value was never saved in the file: we do not work formulas out."""

    formula: str


@dataclass
class Table:
    format: str  # "csv" or "xlsx"
    sheet: str | None
    epoch: dt.date  # what an Excel serial date counts from (1900 or 1904 date system)
    rows: Iterator[tuple[int, list[Any]]]  # (row number, cell values), every row including blank ones


def _head(source: Source, size: int = 8) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with source.open("rb") as handle:
        return handle.read(size)


@contextmanager
def _binary(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    else:
        with source.open("rb") as handle:
            yield handle


@contextmanager
def open_table(source: Source, kind: str) -> Iterator[Table]:
    """The sheet to import from ``source`` (bytes of an upload, or a file on disk), by its content."""
    head = _head(source)
    if head.startswith(XLSX_MAGIC):
        with _xlsx(source, kind) as table:
            yield table
    elif head.startswith(OLE_MAGIC):
        raise CellProblem("this is an old-style Excel file (.xls) or another Office 97 file, which the ledger "
                          "does not read", "open it in Excel and save it as .xlsx (Excel Workbook) or as CSV")
    else:
        with _csv(source) as table:
            yield table


# ----------------------------------------------------------------------------------------------- csv


def _encoding(source: Source) -> str:
    """UTF-8 (with or without Excel's byte-order mark) if the whole file is UTF-8, else Windows-1252
    (what Excel's plain "CSV" saves on a UK Windows computer). Checked in chunks: memory stays flat."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _binary(source) as handle:
        try:
            while chunk := handle.read(1 << 16):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


@contextmanager
def _csv(source: Source) -> Iterator[Table]:
    encoding = _encoding(source)
    with _binary(source) as handle:
        stream = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
        sample = stream.read(SNIFF_CHARS)
        stream.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(stream, dialect)

        def rows() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, row in enumerate(reader, start=1):
                    yield number, row[:MAX_COLUMNS]
            except csv.Error as exc:
                raise CellProblem(f"the file could not be read as CSV after row {reader.line_num} ({exc})",
                                  "save it again from your spreadsheet as CSV, or as .xlsx") from None

        yield Table(format="csv", sheet=None, epoch=EXCEL_1900, rows=rows())


# ---------------------------------------------------------------------------------------------- xlsx

SHEET_NAMES = {
    "participants": ("participants", "participant", "people"),
    "activities": ("activities", "activity", "involvement", "records"),
}
NOT_DATA = ("notes", "read me", "readme", "help", "instructions")


def _has_formulas(source: Source) -> bool:
    """Whether any worksheet in the file holds a formula (an ``<f`` element), read in chunks."""
    with _binary(source) as handle, zipfile.ZipFile(handle) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as member:
                tail = b""
                while chunk := member.read(1 << 16):
                    if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                        return True
                    tail = chunk[-3:]
    return False


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


def merged_ranges(source: Source, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged cells as (first row, first column, last row, last column), columns from 0.

    Read from the sheet's own XML (the ``<mergeCells>`` list comes after the rows, and read-only mode does
    not load it), in chunks. A merged cell stores its value in its first cell only; the importer gives
    that value to each row the merge covers, which is what the person saw on screen.
    """
    found: list[tuple[int, int, int, int]] = []
    with _binary(source) as handle, zipfile.ZipFile(handle) as archive:
        try:
            member = archive.open(sheet_path.lstrip("/"))
        except KeyError:
            return found
        with member:
            tail = b""
            while chunk := member.read(1 << 16):
                text = tail + chunk
                cut = text.rfind(b">") + 1  # never split a tag between chunks
                for first_col, first_row, last_col, last_row in _MERGE.findall(text[:cut]):
                    found.append((int(first_row), _column_number(first_col), int(last_row), _column_number(last_col)))
                tail = text[cut:]
    return found


def _pick_sheet(names: list[str], kind: str) -> str:
    wanted = SHEET_NAMES.get(kind, ())
    for name in names:
        if squash(name) in wanted:
            return name
    for name in names:
        if squash(name) not in NOT_DATA:
            return name
    return names[0]


# An .xlsx is a zip: a 1 MiB upload can unpack to gigabytes ("zip bomb"). openpyxl streams the sheet but
# keeps every shared string (xl/sharedStrings.xml, the text of all cells) in memory, so a file of one
# short text repeated millions of times would fill the server's memory. Python's zipfile never unpacks
# more than an entry's stated size, so checking the stated sizes first bounds the work. A real sheet of
# MAX_ROWS rows unpacks to tens of MiB; these limits are several times that.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 1000


def _check_unpacked_size(source: Source) -> None:
    """Refuse a workbook whose parts would unpack to far more than any real sheet of people or involvement."""
    too_big = CellProblem("the file is far bigger when unpacked than any spreadsheet the ledger imports",
                          "split it into smaller files, or save it as CSV")
    try:
        with _binary(source) as handle, zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable zip: openpyxl says "could not be opened"
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise too_big
    if any(e.filename.lower().endswith("sharedstrings.xml") and e.file_size > MAX_SHARED_STRINGS_BYTES
           for e in entries):
        raise too_big


@contextmanager
def _xlsx(source: Source, kind: str) -> Iterator[Table]:
    from openpyxl import load_workbook  # imported here: the CSV path and the CLI start faster without it

    _check_unpacked_size(source)
    with _binary(source) as values_handle:
        try:
            values = load_workbook(values_handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file; all mean "cannot open it"
            raise CellProblem(f"the file looks like an Excel file but could not be opened ({type(exc).__name__})",
                              "open it in Excel and save it again as .xlsx, or save it as CSV") from None
        try:
            name = _pick_sheet(values.sheetnames, kind)
            sheet = values[name]
            # Some programs write a wrong size into the file ("A1"); read what is there, not what it claims.
            sheet.reset_dimensions()
            epoch = EXCEL_1904 if getattr(values, "epoch", None) == dt.datetime(1904, 1, 1) else EXCEL_1900
            merges = merged_ranges(source, str(getattr(sheet, "_worksheet_path", "")))
            if not _has_formulas(source):
                rows = _numbered(sheet.iter_rows(values_only=True), None)
                yield Table(format="xlsx", sheet=name, epoch=epoch, rows=_filled(rows, merges))
                return
            with _binary(source) as formula_handle:
                formulas = load_workbook(formula_handle, read_only=True, data_only=False)
                try:
                    formula_sheet = formulas[name]
                    formula_sheet.reset_dimensions()
                    rows = _numbered(sheet.iter_rows(values_only=True), formula_sheet.iter_rows(values_only=True))
                    yield Table(format="xlsx", sheet=name, epoch=epoch, rows=_filled(rows, merges))
                finally:
                    formulas.close()
        finally:
            values.close()


def _numbered(values: Iterator[tuple[Any, ...]], formulas: Iterator[tuple[Any, ...]] | None
              ) -> Iterator[tuple[int, list[Any]]]:
    """The rows, numbered; a damaged sheet (bad XML half way) is a problem with the file, not a crash."""
    try:
        yield from _rows(values, formulas)
    except CellProblem:
        raise
    except Exception as exc:
        raise CellProblem(f"the sheet could not be read to the end ({type(exc).__name__})",
                          "open it in Excel and save it again as .xlsx, or save it as CSV") from None


def _rows(values: Iterator[tuple[Any, ...]], formulas: Iterator[tuple[Any, ...]] | None
          ) -> Iterator[tuple[int, list[Any]]]:
    if formulas is None:
        for number, row in enumerate(values, start=1):
            yield number, list(row[:MAX_COLUMNS])
        return
    for number, (row, written) in enumerate(zip_longest(values, formulas, fillvalue=()), start=1):
        cells = list(row[:MAX_COLUMNS])
        for index, formula in enumerate(written[:MAX_COLUMNS]):
            if (isinstance(formula, str) and formula.startswith("=")
                    and (index >= len(cells) or cells[index] is None)):
                cells.extend([None] * (index + 1 - len(cells)))
                cells[index] = UnsavedFormula(formula)
        yield number, cells


def _filled(rows: Iterator[tuple[int, list[Any]]], merges: list[tuple[int, int, int, int]]
            ) -> Iterator[tuple[int, list[Any]]]:
    """A merged range's value in each row it covers (a date merged down a meeting's four rows)."""
    if not merges:
        yield from rows
        return
    starting: dict[int, list[tuple[int, int, int, int]]] = {}
    for merge in merges:
        starting.setdefault(merge[0], []).append(merge)
    open_ranges: list[tuple[tuple[int, int, int, int], Any]] = []
    for number, cells in rows:
        for merge in starting.pop(number, []):
            first_col = merge[1]
            open_ranges.append((merge, cells[first_col] if first_col < len(cells) else None))
        if open_ranges:
            open_ranges = [(merge, value) for merge, value in open_ranges if merge[2] >= number]
            for (_, first_col, _, _), value in open_ranges:
                # Down the merge's first column only: a heading merged across two columns must not become
                # two columns with the same heading (the header row reads group headings itself).
                if value is None:
                    continue
                if len(cells) <= first_col:
                    cells.extend([None] * (first_col + 1 - len(cells)))
                if cells[first_col] is None:
                    cells[first_col] = value
        yield number, cells
