"""A statement that shows a total over a watched limit says, kindly, who to talk to (the wording review,
docs/messages.md): never what to do, never a bare "over the limit" on its own."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader
from statement_samples import busy_statement

from ledger.exports.pdf import render_statement


def _text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _with_one_week_over(style: str):  # type: ignore[no-untyped-def]
    statement = busy_statement(style)
    first, *rest = statement.weeks
    over = replace(first, fees=first.limit + Decimal("1.00"))  # type: ignore[operator]
    return replace(statement, weeks=(over, *rest))


@pytest.mark.parametrize("style", ["standard", "large_print"])
def test_over_a_limit_the_statement_says_who_to_talk_to(style: str) -> None:
    statement = _with_one_week_over(style)
    contact = statement.contact
    assert contact is not None
    text = _text(render_statement(statement))
    assert (f"please talk to {contact.contact_name} on {contact.contact_phone}, or to a benefits adviser such as "
            "Citizens Advice.") in text


def test_easy_read_says_it_one_idea_a_line_with_a_phone_number() -> None:
    statement = _with_one_week_over("easy_read")
    contact = statement.contact
    assert contact is not None
    text = _text(render_statement(statement))
    assert "Worried about a limit? Please talk to us about it." in text
    assert f"Ask {contact.contact_name}. Phone {contact.contact_phone}." in text
    assert "Or ask a benefits adviser, like Citizens Advice." in text


@pytest.mark.parametrize("style", ["standard", "easy_read"])
def test_no_total_over_a_limit_no_worry_words(style: str) -> None:
    statement = busy_statement(style)
    assert not any(total.over_limit for total in (*statement.tax_years, *statement.weeks))
    text = _text(render_statement(statement))
    assert "benefits adviser" not in text and "Worried about a limit" not in text
