"""The finance officer's command line: batch, statements and spend report, with clear errors."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from payments.factory import approve, participant, project


def test_batch_commands_end_to_end(factory: sessionmaker[Session], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with transaction(factory) as s:
        proj = project(s, "CLI")
        ann = participant(s, "Ann Example")
        approve(s, ann, proj, date(2025, 5, 1), 3438, 1250)
        code, ann_id = proj.code, ann.id
    run = CliRunner().invoke
    db = ["--database", url]

    created = run(main, ["batch", "create", "--method", "bank_transfer", "--project", code, "--as", "Bea Builder", *db])
    assert created.exit_code == 0, created.output
    assert "B-0001" in created.output and "£46.88" in created.output
    empty = run(main, ["batch", "create", "--method", "bank_transfer", "--as", "Bea Builder", *db])
    assert empty.exit_code == 1 and "error: nothing is owed" in empty.output and "Traceback" not in empty.output

    out = tmp_path / "bank.csv"
    early = run(main, ["batch", "export", "1", "--format", "bank-csv", "--out", str(out), *db])
    assert early.exit_code == 1 and "approved" in early.output and not out.exists()
    assert run(main, ["batch", "approve", "1", "--as", "Cal Checker", *db]).exit_code == 0
    exported = run(main, ["batch", "export", "1", "--format", "bank-csv", "--out", str(out), *db])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(out.open()))
    assert [r[4] for r in rows if r[0] == "D"] == ["46.88"]

    today = date.today().isoformat()
    assert run(main, ["batch", "paid", "1", "--on", today, *db]).exit_code == 0
    twice = run(main, ["batch", "paid", "1", "--on", today, *db])
    assert twice.exit_code == 1 and "paid" in twice.output
    returned = run(main, ["batch", "return", "1", "1", "--reason", "account closed", *db])
    assert returned.exit_code == 0 and "owed again" in returned.output
    assert run(main, ["batch", "return", "9", "1", "--reason", "x", *db]).exit_code == 1

    folder = tmp_path / "statements"
    made = run(main, ["statements", "--all", "--from", "2025-04-06", "--to", "2026-04-05", "--out", str(folder), *db])
    assert made.exit_code == 0, made.output
    assert [p.name for p in folder.iterdir()] == ["statement-P-" + f"{ann.reference[2:]}-2025-04-06-to-2026-04-05.pdf"]
    assert run(main, ["statements", "--out", str(folder), *db]).exit_code == 1
    assert run(main, ["statements", "--participant", str(ann_id + 99), "--out", str(folder), *db]).exit_code == 1

    spend = run(main, ["report", "spend", "--project", code, "--from", "2025-04-06", "--to", "2026-04-05", *db])
    assert spend.exit_code == 0, spend.output
    assert json.loads(spend.output)["projects"][0]["fees"] == "34.38"
    assert run(main, ["report", "spend", "--format", "pdf", *db]).exit_code == 1
    pdf = tmp_path / "spend.pdf"
    assert run(main, ["report", "spend", "--format", "pdf", "--out", str(pdf), *db]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    nowhere = f"sqlite:///{tmp_path / 'nope' / 'x.db'}"
    missing = run(main, ["batch", "approve", "1", "--as", "Cal Checker", "--database", nowhere])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
