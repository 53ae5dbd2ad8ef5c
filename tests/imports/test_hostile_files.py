"""Files made to hurt the server: zip bombs, XML entity tricks, NUL bytes, a byte-order mark, very wide rows.

Each must end as a plain problem with the file (nothing saved), never a crash or a server out of memory.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from involvement.support import ADMIN
from sqlalchemy.orm import Session

from ledger.imports import reading, run_import

from .files import csv_bytes, xlsx_bytes

ROWS = [["Project", "Date", "Activity", "Participant", "Time"], ["STEER", "07/01/2026", "meeting", "Jo Smith", 60]]


SHARED = "xl/sharedStrings.xml"
SHARED_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def replaced(xlsx: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one part swapped for ``data`` (a shared strings part is added, as Excel writes one)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    if name == SHARED and SHARED not in parts:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/' + SHARED.encode() + b'" ContentType="' + SHARED_TYPE + b'"/></Types>')
    parts[name] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for filename, content in parts.items():
            target.writestr(filename, content)
    return out.getvalue()


def test_a_shared_strings_bomb_is_refused_before_openpyxl_reads_it(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl keeps every shared string in memory: a tiny upload of one text repeated millions of times
    would fill it. (The limit is lowered here so the test stays small; the check is the same.)"""
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS_BYTES", 100_000)
    bomb = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main">' + b"<si><t>a</t></si>" * 20_000 + b"</sst>")
    data = replaced(xlsx_bytes(ROWS), SHARED, bomb)
    assert len(data) < 20_000 < len(bomb)  # the point of a bomb: small to send, big to unpack
    report = run_import(session, ADMIN, "activities", data, dry_run=True)
    assert not report.saved and len(report.problems) == 1
    assert "far bigger when unpacked" in report.problems[0].message


def test_a_workbook_that_unpacks_to_too_much_in_all_is_refused(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 200_000)
    padding = b"<!-- " + b" " * 300_000 + b" -->"
    data = replaced(xlsx_bytes(ROWS), "docProps/app.xml", padding)
    report = run_import(session, ADMIN, "activities", data, dry_run=True)
    assert [p.message for p in report.problems] == [
        "the file is far bigger when unpacked than any spreadsheet the ledger imports"]


def test_the_real_limits_leave_room_for_the_largest_real_import() -> None:
    # MAX_ROWS (50,000) rows of ~30 short columns unpack to roughly 40-60 MiB.
    assert reading.MAX_UNPACKED_BYTES >= 128 * 1024 * 1024 and reading.MAX_SHARED_STRINGS_BYTES >= 32 * 1024 * 1024


def test_an_xml_entity_bomb_is_refused(session: Session) -> None:
    """"Billion laughs" in the sheet: defusedxml (installed, and used by openpyxl) refuses entities."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # openpyxl found defusedxml: it parses with it
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;'
              b'&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>')
    sheet_laughs = laughs.replace(
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>',
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        b'<c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>')
    for part, xml in ((SHARED, laughs), ("xl/worksheets/sheet1.xml", sheet_laughs)):
        report = run_import(session, ADMIN, "activities", replaced(xlsx_bytes(ROWS), part, xml), dry_run=True)
        assert not report.saved and "could not be opened" in report.problems[0].message, (part, report.problems)
        assert "lollol" not in str(report.problems)


def test_a_csv_with_a_bom_nul_bytes_and_a_very_wide_row_is_read_or_refused_plainly(session: Session) -> None:
    bom = run_import(session, ADMIN, "activities", csv_bytes(ROWS, encoding="utf-8-sig"), dry_run=True)
    assert "there is no Project column" not in {p.message for p in bom.problems}  # the BOM is not in the heading
    nul = run_import(session, ADMIN, "activities", csv_bytes(ROWS) + b"STEER,\x00\x00,meeting,Jo\x00,60\r\n",
                     dry_run=True)
    assert not nul.saved and nul.problems  # a plain problem, not a crash
    wide = csv_bytes([ROWS[0] + ["x"] * 100_000, ROWS[1]])
    report = run_import(session, ADMIN, "activities", wide, dry_run=True)
    assert not report.saved


def test_the_separator_guess_reads_a_short_sample(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """csv.Sniffer's time grows with the square of its sample on text made for it, so it is given little."""
    import csv

    seen: list[int] = []
    real = csv.Sniffer.sniff

    def measured(self: csv.Sniffer, sample: str, delimiters: str | None = None) -> Any:
        seen.append(len(sample))
        return real(self, sample, delimiters)

    monkeypatch.setattr(csv.Sniffer, "sniff", measured)
    report = run_import(session, ADMIN, "activities", b',"' * 20_000, dry_run=True)
    assert not report.saved and seen and max(seen) <= 2048
