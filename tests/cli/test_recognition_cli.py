"""``ledger recognition`` and ``ledger outcomes``: a record written as PDF with its code printed once, listed,
withdrawn; outcomes added, listed, overdue; bad input is one ``error:`` line and nothing is written."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from payments.factory import approve, participant, project, set_organisation
from pypdf import PdfReader
from sqlalchemy import func, select

from ledger.cli import main
from ledger.clock import today
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models_recognition import InvolvementRecord, Outcome


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[str, int, int, int]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    set_organisation(factory)
    with transaction(factory) as s:
        proj = project(s, "CLI")
        ann = participant(s, "Ann Able", style="easy_read")
        activity = approve(s, ann, proj, today() - timedelta(weeks=9), 4125, minutes=90).record.activity_id
        ids = (ann.id, proj.id, activity)
    engine.dispose()
    return (url, *ids)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_record_written_listed_and_withdrawn(ledger: tuple[str, int, int, int], tmp_path: Path) -> None:
    url, ann, _proj, _activity = ledger
    out = tmp_path / "ann.pdf"
    code, output = run("recognition", "--participant", str(ann), "--out", str(out), "--database", url)
    assert code == 0, output
    found = re.search(r"Verification code: ([0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5})", output)
    assert found, output
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages).split())
    assert "Your record of taking part" in text and found.group(1) in text  # her own style: Easy Read
    code, output = run("recognition", "list", "--participant", str(ann), "--database", url)
    assert code == 0 and "checked 0 times" in output and "in use" in output
    record_id = output.split()[0]
    code, output = run("recognition", "withdraw", record_id, "--reason", "issued by mistake", "--database", url)
    assert code == 0, output
    code, output = run("recognition", "list", "--participant", str(ann), "--database", url)
    assert "withdrawn" in output and "issued by mistake" in output


def test_recognition_bad_input(ledger: tuple[str, int, int, int]) -> None:
    url = ledger[0]
    code, output = run("recognition", "--database", url)
    assert code == 1 and output.startswith("error: give --participant ID")
    code, output = run("recognition", "--participant", "999", "--database", url)
    assert code == 1 and "error: there is no participant with id 999" in output
    code, output = run("recognition", "withdraw", "999", "--reason", "x", "--database", url)
    assert code == 1 and "error:" in output
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(InvolvementRecord)) == 0
    engine.dispose()


def test_outcomes_add_list_overdue(ledger: tuple[str, int, int, int]) -> None:
    url, _ann, proj, activity = ledger
    code, output = run("outcomes", "overdue", "--database", url)
    assert code == 0 and str(activity) in output and "9 weeks waiting" in output
    code, output = run("outcomes", "add", "--activity", str(activity), "--date", date.today().isoformat(),
                       "--text", "The clinic now opens on Saturdays.", "--as", "Lee Lead", "--database", url)
    assert code == 0, output
    code, output = run("outcomes", "list", "--project", str(proj), "--database", url)
    assert "The clinic now opens on Saturdays." in output
    code, output = run("outcomes", "overdue", "--database", url)
    assert code == 0 and "has had something reported back" in output
    future = (date.today() + timedelta(days=2)).isoformat()
    code, output = run("outcomes", "add", "--project", str(proj), "--date", future, "--text", "x", "--database", url)
    assert code == 1 and "error:" in output and "future" in output
    code, output = run("outcomes", "add", "--date", date.today().isoformat(), "--text", "x", "--database", url)
    assert code == 1 and "activity" in output
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 1
    engine.dispose()
