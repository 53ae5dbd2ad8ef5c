"""Involvement at a glance: people, time, shares paid / to organisations / declined, median days to payment
(the spend report's own figure) and the share of activities with an outcome reported back; the PDF section
read back as text."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from payments.factory import approve, backdate, participant, project
from pypdf import PdfReader
from reportlab.platypus import Flowable
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.exports.pdf.recognition_glance import glance_flowables
from ledger.exports.pdf.spend import SpendReportRenderer
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.recognition.outcomes import add_outcome
from ledger.recognition.schemas import OutcomeIn
from ledger.reports.involvement_glance import involvement_glance, with_glance
from ledger.reports.spend import spend_report
from ledger.security.actor import Actor

CLI = Actor.system("cli")
SECOND = Actor.system("second check")
YEAR = (date(2025, 4, 6), date(2026, 4, 5))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_factory(request: pytest.FixtureRequest) -> sessionmaker[Session]:
    return request.getfixturevalue("factory" if request.param == "sqlite" else "pg_factory")  # type: ignore[no-any-return]


def test_glance_figures(any_factory: sessionmaker[Session]) -> None:
    with transaction(any_factory) as s:
        proj, quiet = project(s, "GLA"), project(s, "QUI")
        ann = participant(s, "Ann Able")
        org = participant(s, "Olu Org", "organisation", organisation="Mind Northshire")
        dee = participant(s, "Dee Decline", "decline")
        first = approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90).record.activity_id
        approve(s, org, proj, date(2025, 10, 6), 1375, minutes=30)
        batch = build_batch(s, CLI, "bank_transfer").batch
        approve_batch(s, SECOND, batch.id)
        backdate(s, batch, date(2025, 10, 16))
        mark_paid(s, CLI, batch.id, date(2025, 10, 16), today=date(2025, 10, 16))
        approve(s, dee, proj, date(2025, 11, 3), 2750, minutes=60, declined=True, costs_declined=True)
        approve(s, ann, quiet, date(2025, 11, 3), 2750, minutes=60)
        add_outcome(s, CLI, OutcomeIn(text="Leaflet rewritten", date=date(2025, 12, 1), activity=first),
                    today=date(2026, 1, 1))
    with transaction(any_factory) as s:
        report = spend_report(s, None, *YEAR, today=date(2026, 1, 1))
        glance = {g.code: g for g in involvement_glance(s, report)}
    gla = next(g for code, g in glance.items() if code.startswith("GLA"))
    assert (gla.people, gla.minutes) == (3, 180)
    assert (gla.minutes_paid, gla.minutes_paid_to_organisation, gla.minutes_declined) == (90, 30, 60)
    assert (gla.share_paid, gla.share_paid_to_organisation, gla.share_declined) == (
        Decimal("50.0"), Decimal("16.7"), Decimal("33.3"))
    # the factory makes one activity per record: three here, one with an outcome
    assert (gla.activities, gla.activities_reported_back, gla.share_reported_back) == (3, 1, Decimal("33.3"))
    spend_row = next(p for p in report.projects if p.code.startswith("GLA"))
    assert gla.days_to_payment_median == spend_row.days_to_payment_median == Decimal("10.0")
    assert gla.minutes == spend_row.minutes_paid + spend_row.minutes_declined
    everything = glance["ALL"]
    assert everything.minutes == 240 and everything.activities == 4 and everything.activities_reported_back == 1
    qui = next(g for code, g in glance.items() if code.startswith("QUI"))
    assert qui.share_reported_back == Decimal(0) and qui.days_to_payment_median is None


def test_glance_section_reads_back(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s, "PDF")
        ann = participant(s, "Ann Able")
        approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90)
        report = spend_report(s, None, *YEAR, today=date(2026, 1, 1))
        glance = involvement_glance(s, report)

    class GlanceOnly(SpendReportRenderer):
        def story(self) -> list[Flowable]:
            return glance_flowables(self, glance)

    reader = PdfReader(io.BytesIO(GlanceOnly(report).render()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Involvement at a glance" in text and "Project PDF" in text
    assert "1 hour 30 minutes" in text and "100.0%" in text and "none paid yet" in text
    assert "Nothing reported back yet for most activities of: Project PDF" in text


def test_reported_back_counts_agree_with_the_overdue_rule(any_factory: sessionmaker[Session]) -> None:
    """The glance counts from the outcomes' side (for speed); the answer must be the one rule's answer."""
    from sqlalchemy import func, select

    from ledger.db.models import Activity, RecordStatus
    from ledger.recognition.outcomes import reported_back, someone_took_part

    with transaction(any_factory) as s:
        proj = project(s, "RUL")
        people = [participant(s, f"Person {n}") for n in range(4)]
        days = [date(2025, 10, 6), date(2025, 11, 3), date(2025, 12, 1), date(2026, 1, 5), date(2026, 2, 2)]
        activity_ids = [approve(s, people[n % 4], proj, day, 2750, minutes=60).record.activity_id
                        for n, day in enumerate(days)]
        dead = approve(s, people[0], proj, date(2025, 11, 10), 2750, minutes=60).record
        dead.status = RecordStatus.REJECTED.value  # everyone's record rejected: nobody took part
        add_outcome(s, CLI, OutcomeIn(text="Whole project", date=date(2025, 11, 20), project=proj.id),
                    today=date(2026, 3, 1))
        add_outcome(s, CLI, OutcomeIn(text="Own", date=date(2026, 1, 20), activity=activity_ids[3]),
                    today=date(2026, 3, 1))
        add_outcome(s, CLI, OutcomeIn(text="Own, also covered", date=date(2025, 11, 5), activity=activity_ids[0]),
                    today=date(2026, 3, 1))
        proj_id = proj.id
    with transaction(any_factory) as s:
        report = spend_report(s, [proj_id], *YEAR, today=date(2026, 3, 1))
        glance = involvement_glance(s, report)[0]
        live = (Activity.project_id == proj_id, Activity.date.between(*YEAR), someone_took_part())
        total = s.scalar(select(func.count()).select_from(Activity).where(*live))
        told = s.scalar(select(func.count()).select_from(Activity).where(*live, reported_back()))
    assert (glance.activities, glance.activities_reported_back) == (total, told) == (5, 3)


def test_the_spend_report_pdf_carries_the_glance(factory: sessionmaker[Session]) -> None:
    import json

    import msgspec

    from ledger.exports.pdf import render_spend_report

    with transaction(factory) as s:
        proj = project(s, "SPR")
        ann = participant(s, "Ann Able")
        approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90)
        plain = spend_report(s, None, *YEAR, today=date(2026, 1, 1))
        report = with_glance(s, plain)
    assert plain.involvement == (), "the roll-up itself stays lean (issue 14's 2x budget)"
    document = json.loads(msgspec.json.encode(report))
    assert document["involvement"][0]["minutes"] == 90 and document["involvement"][0]["share_paid"] == "100.0"
    reader = PdfReader(io.BytesIO(render_spend_report(report)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Involvement at a glance" in text
