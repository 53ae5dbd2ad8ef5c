"""Statements assembled from the ledger and read back from the PDF as a participant would read them."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from payments.factory import approve, backdate, participant, project, reverse
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.errors import Invalid, NotFound
from ledger.exports.pdf import render_statement
from ledger.exports.pdf.statement_text import short_reason
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.reports.statements import build_statement
from ledger.security.actor import Actor

CLI = Actor.system("cli")
TAX_YEAR = (date(2025, 4, 6), date(2026, 4, 5))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return " ".join(text.split())


def _story(s: Session) -> int:
    """Ann: one paid meeting, one owed meeting, one declined fee, one reversed record."""
    proj = project(s, "STORY")
    ann = participant(s, "Ann Example", weekly_limit="195.50")
    approve(s, ann, proj, date(2025, 5, 1), 3438, 1250, minutes=75)
    batch = build_batch(s, CLI, "bank_transfer").batch
    approve_batch(s, Actor.system("checker"), batch.id)
    backdate(s, batch, date(2025, 5, 15))
    mark_paid(s, CLI, batch.id, date(2025, 5, 20), today=date(2025, 5, 21))
    approve(s, ann, proj, date(2025, 6, 3), 2750, minutes=60)
    approve(s, ann, proj, date(2025, 6, 10), 4125, minutes=90, declined=True)
    wrong = approve(s, ann, proj, date(2025, 6, 12), 1000, minutes=30)
    reverse(s, wrong, date(2025, 6, 13))
    return ann.id


def test_statement_figures_follow_the_ledger(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ann = _story(s)
        st = build_statement(s, ann, *TAX_YEAR, today=date(2025, 7, 1))
    assert [a.status for a in st.activities] == ["paid", "owed", "declined", "reversed"]
    assert st.activities[2].declined and st.activities[2].fees == Decimal("41.25")
    summary = st.summary
    assert (summary.fees_paid, summary.expenses_paid) == (Decimal("34.38"), Decimal("12.50"))
    assert summary.fees_owed == Decimal("27.50") and summary.declined_value == Decimal("41.25")
    assert summary.reversed_count == 1
    assert [(p.date, p.total, p.method_label) for p in st.payments] == [
        (date(2025, 5, 20), Decimal("46.88"), "Bank transfer")
    ]
    assert len(st.tax_years) == 1 and st.tax_years[0].fees == Decimal("61.88")
    assert st.tax_years[0].declined == Decimal("41.25")
    assert [w.fees for w in st.weeks] == [Decimal("34.38"), Decimal("27.50"), Decimal("0.00")]
    assert all(w.limit == Decimal("195.50") for w in st.weeks)


def test_statement_pdf_reads_back_with_summary_explanations_and_totals(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ann = _story(s)
        st = build_statement(s, ann, *TAX_YEAR, today=date(2025, 7, 1))
    text = squash(pdf_text(render_statement(st)))
    assert "Ann Example" in text
    for activity in st.activities:
        if activity.status == "reversed":  # cancelled: shown, but without reasons (it counts nowhere)
            assert "Cancelled: recorded by mistake" in text
            continue
        for line in activity.lines:
            assert squash(short_reason(line.explanation, activity.activity_label)) in text
    for figure in ("£34.38", "£12.50", "£27.50", "£41.25", "£46.88"):
        assert figure in text
    assert "2025 to 2026" in text


def test_forced_multi_page_statement_and_determinism(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s, "LONG")
        ann = participant(s, "Ann Many")
        for i in range(60):
            approve(s, ann, proj, date(2025, 4, 7) + timedelta(days=i * 5), 2000 + i, 100 if i % 4 == 0 else 0)
        st = build_statement(s, ann.id, *TAX_YEAR, today=date(2026, 4, 6))
        again = build_statement(s, ann.id, *TAX_YEAR, today=date(2026, 4, 6))
    first, second = render_statement(st), render_statement(again)
    assert first == second
    reader = PdfReader(io.BytesIO(first))
    assert len(reader.pages) > 2
    text = squash(pdf_text(first))
    assert squash(st.activities[-1].lines[0].explanation) in text
    total = sum((a.fees for a in st.activities), Decimal(0))
    assert total == Decimal(sum(2000 + i for i in range(60))) / 100
    assert st.tax_years[0].fees == total


def test_styles_and_bad_input(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ann = _story(s)
        assert build_statement(s, ann, *TAX_YEAR, style="easy_read").style == "easy_read"
        assert build_statement(s, ann, *TAX_YEAR, style="large_print").style == "large_print"
        with pytest.raises(Invalid, match="not a statement style"):
            build_statement(s, ann, *TAX_YEAR, style="comic")
        with pytest.raises(Invalid, match="swap the dates"):
            build_statement(s, ann, date(2026, 1, 1), date(2025, 1, 1))
        with pytest.raises(NotFound):
            build_statement(s, 424242)
        default = build_statement(s, ann, today=date(2025, 7, 1))
        assert (default.period_from, default.period_to) == TAX_YEAR
        assert default.generated_on == date(2025, 7, 1)


def test_returned_payment_shows_as_owed_again(factory: sessionmaker[Session]) -> None:
    from ledger.payments.returns import return_line

    with transaction(factory) as s:
        proj = project(s)
        ann = participant(s, "Ann Returned")
        approve(s, ann, proj, date(2025, 5, 1), 3000)
        batch = build_batch(s, CLI, "bank_transfer").batch
        approve_batch(s, Actor.system("checker"), batch.id)
        backdate(s, batch, date(2025, 5, 15))
        mark_paid(s, CLI, batch.id, date(2025, 5, 20), today=date(2025, 5, 21))
        assert build_statement(s, ann.id, *TAX_YEAR).activities[0].status == "paid"
        return_line(s, CLI, batch.id, batch.lines[0].id, "account closed")
        st = build_statement(s, ann.id, *TAX_YEAR)
    assert st.activities[0].status == "owed" and st.payments == ()
