"""Building a batch names who was left out and why, in the API answer and in ``ledger batch create``.

Payees who cannot be paid by the batch's method (here: no confirmed bank details) are not silently
dropped: finance must see them, or their money is never paid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.db.models import Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from payments.factory import approve, migrated_factory, participant, project

Auth = Callable[[str], dict[str, str]]
MakeToken = Callable[..., str]


def _owed_to_one_without_bank_details(factory: sessionmaker[Session]) -> tuple[str, str]:
    with transaction(factory) as s:
        proj = project(s, "LEFT")
        ann = participant(s, "Ann Example")
        waiting = participant(s, "Wendy Waiting", sort_code=None, account=None)
        approve(s, ann, proj, date(2025, 5, 1), 3438, 1250)
        approve(s, waiting, proj, date(2025, 5, 2), 2000, 300)
        return ann.reference, waiting.reference


def test_the_api_answer_lists_who_was_left_out_and_why(client: TestClient[Litestar], make_token: MakeToken,
                                                       auth: Auth, session_factory: sessionmaker[Session]) -> None:
    paid, waiting = _owed_to_one_without_bank_details(session_factory)
    created = client.post("/api/v1/batches", json={"method": "bank_transfer"},
                          headers=auth(make_token(Role.FINANCE)))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["line_count"] == 1
    [left_out] = body["skipped"]
    assert left_out["participant_reference"] == waiting and left_out["amount"] == "23.00"
    assert "bank details" in left_out["reason"] and "missing" in left_out["reason"]
    assert paid not in {s["participant_reference"] for s in body["skipped"]}


def test_batch_create_prints_who_was_left_out_and_why(tmp_path: Path) -> None:
    factory = migrated_factory(tmp_path)
    paid, waiting = _owed_to_one_without_bank_details(factory)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(main, ["batch", "create", "--method", "bank_transfer", "--as", "Bea Builder",
                                       "--database", url])
    assert result.exit_code == 0, result.output
    assert "1 payments" in result.output
    [line] = [row for row in result.output.splitlines() if "left out" in row]
    assert waiting in line and "£23.00" in line and "bank details" in line and "missing" in line
    assert paid not in line
