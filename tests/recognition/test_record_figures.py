"""The record of involvement's figures against the ledger: paid, declined and organisation-paid time all
counted, reversed records left out, amounts only when asked (and then the one "what was paid" rule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from payments.factory import approve, backdate, participant, project, reverse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import AccountKind, Category, Posting
from ledger.db.models_recognition import InvolvementRecord
from ledger.errors import Conflict, Forbidden, NotFound
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.recognition.codes import code_hash, normalise_code
from ledger.recognition.record import build_record, issue_record, role_label, withdraw_record
from ledger.reports.spend import project_spend
from ledger.security.actor import Actor

CLI = Actor.system("cli")
SECOND = Actor.system("second check")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_factory(request: pytest.FixtureRequest) -> sessionmaker[Session]:
    return request.getfixturevalue("factory" if request.param == "sqlite" else "pg_factory")  # type: ignore[no-any-return]


def _ledger_minutes(s: Session, participant_id: int) -> int:
    """Independent of the record: every fee minute the ledger holds for the person (reversals net off)."""
    return int(s.scalar(select(func.coalesce(func.sum(Posting.minutes), 0)).where(
        Posting.participant_id == participant_id, Posting.category == Category.FEE.value,
        Posting.account_kind.in_([AccountKind.PROJECT_SPEND.value, AccountKind.PROJECT_FOREGONE.value]))) or 0)


def test_paid_declined_and_organisation_time_all_counted(any_factory: sessionmaker[Session]) -> None:
    with transaction(any_factory) as s:
        proj = project(s, "REC")
        other = project(s, "OTH")
        ann = participant(s, "Ann Example")  # bank transfer: paid to her
        approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90)
        approve(s, ann, other, date(2026, 1, 12), 2750, minutes=60)
        mistake = approve(s, ann, proj, date(2025, 11, 3), 2750, minutes=60)
        reverse(s, mistake, date(2025, 11, 4))
        # the same person later gives time without pay, and has a fee paid to an organisation
        ann.payment_preference = "expenses_only"
        approve(s, ann, proj, date(2025, 12, 1), 5500, minutes=120, declined=True)
        ann.payment_preference = "organisation"
        ann.organisation_name = "Mind Northshire"
        approve(s, ann, other, date(2026, 2, 2), 1375, minutes=30)
        ann_id, proj_id = ann.id, proj.id
    with transaction(any_factory) as s:
        record = build_record(s, ann_id, today=date(2026, 3, 1))
        summary = record.summary
        assert summary.total_minutes == 90 + 60 + 120 + 30 == _ledger_minutes(s, ann_id)
        assert (summary.minutes_paid, summary.minutes_declined, summary.minutes_paid_to_organisation) == (150, 120, 30)
        assert summary.activity_count == 4  # the reversed one is left out
        assert [(t.label, t.minutes) for t in summary.by_year] == [("2025", 210), ("2026", 90)]
        assert {t.label: t.minutes for t in summary.by_project} == {"Project REC": 210, "Project OTH": 90}
        spend = project_spend(s, proj_id, date(2025, 4, 6), date(2026, 4, 5))
        assert spend.projects[0].minutes_paid + spend.projects[0].minutes_declined == 210  # same as the spend report
        assert record.amounts is None, "no money unless the person asks"
        assert "4125" not in str(summary.to_json()) and "41.25" not in str(summary.to_json())


def test_amounts_only_when_asked_and_paid_means_paid(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s, "PAY")
        ann = participant(s, "Ann Example")
        approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90)
        batch = build_batch(s, CLI, "bank_transfer").batch
        approve_batch(s, SECOND, batch.id)
        backdate(s, batch, date(2025, 11, 14))
        mark_paid(s, CLI, batch.id, date(2025, 11, 14), today=date(2025, 11, 14))
        approve(s, ann, proj, date(2025, 12, 1), 2750, minutes=60)  # approved, not paid yet
        ann.payment_preference = "decline"
        approve(s, ann, proj, date(2026, 1, 5), 1375, minutes=30, declined=True)
        ann_id = ann.id
    with transaction(factory) as s:
        amounts = build_record(s, ann_id, include_amounts=True).amounts
        assert amounts is not None
        assert amounts.paid_to_them == Decimal("41.25")  # the unpaid 27.50 is not "paid"
        assert amounts.paid_to_organisation == Decimal(0)
        assert amounts.declined_value == Decimal("13.75")


def test_roles_come_from_the_record_or_the_activity() -> None:
    assert role_label("chair", "meeting") == "Chair"
    assert role_label("member", "interview_panel") == "Interview panel member"
    assert role_label("member", "co_facilitation") == "Co-facilitator"
    assert role_label(None, "document_review") == "Reviewer"
    assert role_label("member", "meeting") == "Member"


def test_issuing_keeps_only_a_keyed_hash_and_withdrawal_is_final(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s, "ISS")
        ann = participant(s, "Ann Example")
        approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90)
        ann_id = ann.id
    with transaction(factory) as s:
        issued = issue_record(s, CLI, ann_id)
        assert issued.code and issued.record_id
        normal = normalise_code(issued.code)
        assert normal is not None and len(normal) == 15
        row = s.get(InvolvementRecord, issued.record_id)
        assert row is not None and row.code_hash == code_hash(issued.code)
        assert normal not in row.code_hash and issued.code not in str(row.summary)
        record_id = issued.record_id
    with transaction(factory) as s:
        second = issue_record(s, CLI, ann_id)
        assert second.code != issued.code
    with transaction(factory) as s:
        withdraw_record(s, CLI, record_id, "issued by mistake")
    with pytest.raises(Conflict), transaction(factory) as s:
        withdraw_record(s, CLI, record_id, "again")
    with pytest.raises(NotFound), transaction(factory) as s:
        withdraw_record(s, CLI, 999999, "none")


def test_who_may_issue(factory: sessionmaker[Session]) -> None:
    from ledger.db.models import Role

    with transaction(factory) as s:
        proj = project(s, "WHO")
        elsewhere = project(s, "ELS")
        ann = participant(s, "Ann Example")
        ben = participant(s, "Ben Example")
        approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90)
        ids = (ann.id, ben.id, proj.id, elsewhere.id)
    ann_id, ben_id, proj_id, elsewhere_id = ids
    allowed = [Actor(1, "lead", Role.LEAD, (proj_id,)), Actor(2, "ann", Role.PARTICIPANT, participant_id=ann_id)]
    refused = [Actor(3, "lead elsewhere", Role.LEAD, (elsewhere_id,)), Actor(4, "ben", Role.PARTICIPANT,
                                                                              participant_id=ben_id),
               Actor(5, "finance", Role.FINANCE), Actor(6, "auditor", Role.AUDITOR)]
    for actor in allowed:
        with transaction(factory) as s:
            assert issue_record(s, actor, ann_id).code
    for actor in refused:
        with pytest.raises(Forbidden), transaction(factory) as s:
            issue_record(s, actor, ann_id)
