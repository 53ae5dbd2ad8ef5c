"""The demo builds a whole, consistent ledger through the real services and writes every document."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.models import Activity, BatchItem, Participant, PaymentPreference, Posting, Project, Record
from ledger.demo.messages import WHO as WHO_MESSAGES
from ledger.demo.recognition import WHO_RECOGNITION
from ledger.demo.run import DemoSummary, build_demo

pytestmark = pytest.mark.slow  # heavy: run by CI, left out of `pytest -m "not slow"`

UPLIFT = date(2025, 12, 16)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    out = tmp_path_factory.mktemp("demo")
    return build_demo(f"sqlite:///{out / 'demo.db'}", out)


def test_the_demo_has_the_promised_shape(demo: DemoSummary) -> None:
    factory = make_session_factory(make_engine(f"sqlite:///{demo.database}"))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Project)) >= 3
        preferences = set(session.scalars(select(Participant.payment_preference)))
        assert preferences == {p.value for p in PaymentPreference}
        assert session.scalar(select(func.count()).select_from(Participant)) >= 12
        records = session.scalar(select(func.count()).select_from(Record)) or 0
        assert records >= 150
        by_status = session.execute(select(Record.status, func.count()).group_by(Record.status))
        statuses = {str(status): int(count) for status, count in by_status}
        assert statuses.get("rejected", 0) > 0 and statuses.get("reversed", 0) > 0
        dates = list(session.scalars(select(Activity.date)))
        assert min(dates) < UPLIFT <= max(dates)
        # Records on both sides of the uplift were paid by different card versions.
        versions = set(session.scalars(select(Record.version_from).where(Record.version_from.is_not(None))))
        assert {date(2022, 8, 31), date(2025, 12, 16)} <= versions


def test_the_ledger_balances_and_nothing_is_paid_twice(demo: DemoSummary) -> None:
    factory = make_session_factory(make_engine(f"sqlite:///{demo.database}"))
    with factory() as session:
        unbalanced = session.execute(
            select(Posting.entry_id, func.sum(Posting.amount_minor))
            .group_by(Posting.entry_id, Posting.currency)
            .having(func.sum(Posting.amount_minor) != 0)
        ).all()
        assert unbalanced == []
        locked = session.scalar(select(func.count()).select_from(BatchItem)) or 0
        distinct = session.scalar(select(func.count(func.distinct(BatchItem.posting_id)))) or 0
        assert locked == distinct > 0


def test_every_user_gets_their_documents(demo: DemoSummary) -> None:
    assert set(demo.files) == {"finance officer", "payee", "participant", "manager", WHO_RECOGNITION, WHO_MESSAGES}
    for paths in demo.files.values():
        for path in paths:
            assert path.exists() and path.stat().st_size > 0, path
    names = {p.name for p in demo.files["finance officer"]}
    for marker in ("bank.csv", "xero.csv", "sage.csv", "listing.csv", ".json"):
        assert any(name.endswith(marker) for name in names), marker
    styles = {p.stem.split("-", 2)[-1] for p in demo.files["participant"] if p.suffix == ".pdf"}
    assert styles == {"standard", "large_print", "easy_read"}


def test_a_demo_statement_reads_as_plain_words(demo: DemoSummary) -> None:
    pdf = next(p for p in demo.files["participant"] if p.name.endswith("easy_read.pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert re.search(r"You took part (once|twice|\d+ times)\.", text)  # Easy Read: no "activities"
    assert "Questions? Ask Amira Khan." in text  # every statement names the demo's contact person
    data = json.loads(pdf.with_suffix(".json").read_bytes())
    assert data["participant_reference"] in text
    assert "payable" not in text.lower() and "ledger entry" not in text.lower()


def test_ledger_demo_command_runs_from_a_fresh_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    result = subprocess.run(
        [sys.executable, "-m", "ledger", "demo", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Demo ledger built" in result.stdout
    assert "What each user sees" in result.stdout
    assert (tmp_path / "out" / "demo.db").exists()


def test_every_payee_change_in_the_demo_was_confirmed_by_a_second_person(demo: DemoSummary) -> None:
    from ledger.db.models import AuditEvent, PayeeChange

    factory = make_session_factory(make_engine(f"sqlite:///{demo.database}"))
    with factory() as session:
        changes = session.scalars(select(PayeeChange)).all()
        assert changes and {c.status for c in changes} == {"confirmed"}
        assert all(c.decided_by and c.decided_by != c.proposed_by for c in changes)
        with_bank = session.scalar(select(func.count()).select_from(Participant).where(
            Participant.bank_account_number.is_not(None))) or 0
        assert with_bank >= 3
        confirmations = session.scalars(select(AuditEvent).where(AuditEvent.action == "payee_change.confirm")).all()
        assert len(confirmations) == len(changes)


def test_people_whose_fees_go_to_an_organisation_get_their_own_costs_back(demo: DemoSummary) -> None:
    """Fees go to the organisation; the person's own travel costs go to the person by bank transfer."""
    from ledger.db.models import Batch, BatchLine

    factory = make_session_factory(make_engine(f"sqlite:///{demo.database}"))
    with factory() as session:
        via_organisation = session.scalars(select(Participant).where(
            Participant.payment_preference == PaymentPreference.ORGANISATION.value)).all()
        assert len(via_organisation) >= 2
        for person in via_organisation:
            assert person.bank_account_number is not None, person.reference
            lines = session.execute(select(Batch.method, BatchLine).join(Batch, BatchLine.batch_id == Batch.id)
                                    .where(BatchLine.participant_id == person.id)).all()
            to_person = [line for method, line in lines if method == "bank_transfer"]
            to_organisation = [line for method, line in lines if method == "organisation"]
            assert to_person and all(line.fees_minor == 0 and line.expenses_minor > 0 for line in to_person)
            assert to_organisation and all(line.expenses_minor == 0 for line in to_organisation)
            # Nothing of theirs is left owed from before the last pay run.
            owed_costs = session.scalar(
                select(func.coalesce(func.sum(Posting.amount_minor), 0))
                .join(Record, Posting.record_id == Record.id).join(Activity, Record.activity_id == Activity.id)
                .where(Posting.participant_id == person.id, Posting.category == "expense",
                       Posting.account_kind == "participant_payable", Activity.date <= date(2026, 2, 6),
                       Posting.id.not_in(select(BatchItem.posting_id)))) or 0
            assert owed_costs == 0, person.reference
    own_costs = [p for p in demo.files["payee"] if p.name.endswith("-own-costs.pdf")]
    assert len(own_costs) == 1
    text = "\n".join(page.extract_text() for page in PdfReader(own_costs[0]).pages)
    assert "Bank transfer" in text and "Your bank account ending" in text
    assert demo.left_out == []  # everyone owed money can be paid; the demo's output says who was left out
