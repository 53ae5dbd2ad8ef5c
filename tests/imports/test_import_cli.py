"""``ledger import ...`` and ``ledger export workbook`` from the command line: who may, what is saved, templates."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from involvement.support import APPROVER, meeting, participant, project
from involvement.support import attendee as part_of
from openpyxl import load_workbook
from sqlalchemy import func, select

from ledger.cli import main
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import AuditEvent, Participant, Record, Role
from ledger.exports.safety import is_neutral
from ledger.involvement.approval import approve_record
from ledger.security.tokens import create_token

from .files import csv_bytes


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        steer = project(session, "STEER")
        project(session, "OTHER")
        jo = participant(session, name="=HYPERLINK(\"http://x\")")  # a name that is a formula
        done = meeting(session, steer.id, [part_of(jo.id, 60)])
        approve_record(session, APPROVER, done.records[0].id)
    engine.dispose()
    return url


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def count(url: str, model: object, *where: object) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        found = session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]
    engine.dispose()
    return found


def token(url: str, role: Role, projects: list[int] | None = None) -> str:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        secret = create_token(session, f"{role.value} token", role, projects)[1]
    engine.dispose()
    return secret


PEOPLE = [["Name", "Email", "Payment choice", "Projects"], ["Kim New", "kim@example.org", "voucher", "STEER"]]


def test_dry_run_then_import_then_import_again(ledger_url: str, tmp_path: Path) -> None:
    file = tmp_path / "people.csv"
    file.write_bytes(csv_bytes(PEOPLE))
    before = count(ledger_url, Participant)
    dry = run("import", "participants", str(file), "--dry-run", "--database", ledger_url)
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 1 row read, no problems. Importing would add 1 participant" in dry.output
    assert count(ledger_url, Participant) == before
    refused = run("import", "participants", str(file), "--database", ledger_url)
    assert refused.exit_code == 1 and "--as NAME" in refused.output
    done = run("import", "participants", str(file), "--as", "Lee Lead", "--database", ledger_url)
    assert done.exit_code == 0, done.output
    assert "Imported 1 participant from 1 row" in done.output
    assert count(ledger_url, Participant) == before + 1
    assert count(ledger_url, AuditEvent, AuditEvent.action == "import.participants",
                 AuditEvent.actor == "Lee Lead") == 1
    again = run("import", "participants", str(file), "--as", "Lee Lead", "--json", "--database", ledger_url)
    report = json.loads(again.output)
    assert report["already_there"][0]["row"] == 2 and report["added"]["participants"] == 0
    assert count(ledger_url, Participant) == before + 1


def test_problems_exit_1_and_save_nothing(ledger_url: str, tmp_path: Path) -> None:
    file = tmp_path / "log.csv"
    file.write_bytes(csv_bytes([["Project", "Date", "Activity", "Participant", "Time"],
                                ["STEER", "07/01/2026", "meeting", "P-0001", 60],
                                ["STEER", "07/01/2026", "meeting", "Nobody", 60]]))
    before = count(ledger_url, Record)
    result = run("import", "activities", str(file), "--as", "Lee", "--database", ledger_url)
    assert result.exit_code == 1
    assert "row 3, column D (Participant): no participant with the name 'Nobody'" in result.output
    assert "error: 1 problem(s) in log.csv; nothing was saved" in result.output
    assert count(ledger_url, Record) == before


def test_a_token_brings_its_role_and_projects(ledger_url: str, tmp_path: Path) -> None:
    file = tmp_path / "log.csv"
    file.write_bytes(csv_bytes([["Project", "Date", "Activity", "Participant", "Time"],
                                ["STEER", "08/01/2026", "meeting", "P-0001", 60]]))
    finance = run("import", "activities", str(file), "--token", token(ledger_url, Role.FINANCE),
                  "--database", ledger_url)
    assert finance.exit_code == 1 and "may not import spreadsheets" in finance.output
    other = run("import", "activities", str(file), "--database", ledger_url,
                env={"LEDGER_TOKEN": token(ledger_url, Role.LEAD, [2])})
    assert other.exit_code == 1 and "you may not import into project STEER" in other.output
    lead = run("import", "activities", str(file), "--database", ledger_url,
               env={"LEDGER_TOKEN": token(ledger_url, Role.LEAD, [1])})
    assert lead.exit_code == 0, lead.output
    assert count(ledger_url, AuditEvent, AuditEvent.action == "import.activities",
                 AuditEvent.actor == "lead token") == 1
    unknown = run("import", "activities", str(file), "--token", "nope", "--database", ledger_url)
    assert unknown.exit_code == 1 and "not known" in unknown.output


@pytest.mark.parametrize("kind", ["participants", "activities"])
def test_templates_have_the_headings_an_example_and_notes(tmp_path: Path, kind: str) -> None:
    xlsx = tmp_path / f"{kind}.xlsx"
    assert run("import", "template", kind, "--out", str(xlsx)).exit_code == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == [kind.capitalize(), "Notes"]
    sheet = book[kind.capitalize()]
    headings = [c.value for c in sheet[1]]
    assert "Date" in headings or "Name" in headings
    assert any("delete this row" in str(c.value) for c in sheet[2])
    notes = [row for row in book["Notes"].iter_rows(values_only=True) if row and row[0]]
    assert len(notes) > len(headings)
    assert run("import", "template", kind, "--out", str(xlsx)).exit_code == 1, "never overwrites by accident"
    csv_file = tmp_path / f"{kind}.csv"
    assert run("import", "template", kind, "--format", "csv", "--out", str(csv_file)).exit_code == 0
    assert csv_file.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[0] == headings[0]
    assert "Delete the example row" in (tmp_path / f"{kind}-notes.txt").read_text()


def test_the_workbook_masks_bank_details_and_neutralises_formulas(ledger_url: str, tmp_path: Path) -> None:
    out = tmp_path / "ledger.xlsx"
    result = run("export", "workbook", "--out", str(out), "--database", ledger_url)
    assert result.exit_code == 0, result.output
    assert "1 participants, 1 records, 0 payments" in result.output
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames == ["About", "Participants", "Records", "Reasons", "Payments"]
    people = list(book["Participants"].iter_rows(values_only=True))
    assert people[1][0] == "P-0001" and people[1][1] == "'=HYPERLINK(\"http://x\")"
    assert people[1][7] == "**-**-56" and people[1][8] == "****5678"
    everything = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in everything), "no cell is a formula"
    assert all(is_neutral(cell.value) for cell in everything if isinstance(cell.value, str))
    assert "12345678" not in str([c.value for c in everything])
    reasons = list(book["Reasons"].iter_rows(values_only=True))
    assert len(reasons) > 1 and reasons[1][0] == 1 and reasons[1][8]  # the approved record's reasons
    records = list(book["Records"].iter_rows(values_only=True))
    assert records[1][16] == "approved" and records[1][19] is not None
    assert run("export", "workbook", "--out", str(out), "--database", ledger_url).exit_code == 1  # exists


def test_the_workbook_is_private_and_a_failed_export_leaves_no_file(
        ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It holds everyone's names, e-mails and phone numbers: readable by its owner only (like the bank files),
    and a run that fails half way leaves neither the file nor a half-written copy."""
    import stat

    import ledger.exports.workbook as workbook_module

    out = tmp_path / "ledger.xlsx"
    assert run("export", "workbook", "--out", str(out), "--database", ledger_url).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    real = workbook_module.write_workbook

    def breaks_half_way(data: Any, handle: Any) -> Any:
        handle.write(b"PK\x03\x04 half a workbook with Jo's details")
        raise OSError("disk full")

    monkeypatch.setattr(workbook_module, "write_workbook", breaks_half_way)
    failed = tmp_path / "failed.xlsx"
    with pytest.raises(OSError):
        run("export", "workbook", "--out", str(failed), "--database", ledger_url)
    monkeypatch.setattr(workbook_module, "write_workbook", real)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db", "ledger.xlsx"]
