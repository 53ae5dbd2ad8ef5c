"""Easy Read says a limit on paid time only when it cut the person's time, in plain words (no "set time")."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from ledger.exports.pdf.plain_words import activity_sentence, fee_reasons
from ledger.rates.engine import QuoteInput, calculate
from ledger.reports.statement_data import StatementActivity, StatementLine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rates.support import preset


def reasons(**minutes: int) -> list[str]:
    """The Easy Read reasons for a real quote from the NIHR-style card (the engine's own wording)."""
    quote = calculate(preset("nihr-style"), QuoteInput(date=date(2026, 1, 5), activity="meeting", **minutes))
    lines = tuple(StatementLine(kind=line.kind, explanation=line.explanation, amount=line.amount,
                                is_fee=line.category == "fee", minutes=line.minutes) for line in quote.lines)
    activity = StatementActivity(date=date(2026, 1, 5), project_name="P", activity_label="Meeting", role="member",
                                 mode="in_person", minutes=sum(minutes.values()), lines=lines,
                                 fees=sum((line.amount for line in quote.lines), Decimal(0)), expenses=Decimal(0),
                                 declined=False, status="paid")
    return fee_reasons(activity, "GBP")


def test_capped_getting_ready_and_work_after_are_said_plainly() -> None:
    said = reasons(involvement_minutes=60, preparation_minutes=120, follow_up_minutes=90)
    assert "We pay for getting ready for as long as the activity, and no longer." in said
    assert "We pay for up to 1 hour of work after." in said
    assert not any("set time" in sentence for sentence in said)


def test_no_limit_is_mentioned_when_it_did_not_cut_any_time() -> None:
    said = reasons(involvement_minutes=120, preparation_minutes=60, follow_up_minutes=30)
    assert not any("getting ready" in sentence or "work after" in sentence for sentence in said)


def test_the_day_and_what_was_done_make_one_short_sentence() -> None:
    assert activity_sentence("Meeting, workshop or focus group", "<b>6 October 2025</b>") == \
        "On <b>6 October 2025</b> you went to a meeting."
    assert activity_sentence("Something new", "6 October 2025") == "On 6 October 2025: Something new."
