"""Statements people can read: any name prints, Easy Read is plain and short, the standard one is short.

The busy year (``statement_samples.busy_statement``) is fifteen activities priced by the real rate
engine, so the Easy Read wording is tested against what the engine really writes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing
from reportlab.platypus import KeepTogether, Table
from reports.readability import flesch_reading_ease
from statement_samples import NAMES, busy_statement

from ledger.exports.pdf import render_statement
from ledger.exports.pdf.plain_words import spell_out
from ledger.exports.pdf.statement_easy_read import EasyReadStatementRenderer
from ledger.exports.pdf.typefaces import UnprintableText, fit_markup
from ledger.organisation import OrganisationNotSet

STYLES = ("standard", "large_print", "easy_read")

HEADINGS = {
    "Summary", "Your activities and how we worked out the money", "Payments made to you",
    "Totals for each tax year", "Limits you asked us to watch", "Where our rates come from", "Something wrong?",
    "What happened", "Each time you took part", "Money we sent you", "Totals for the year",
    "Limits we watch for you",
}


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(pages(pdf)).split())


# ---- any name prints -------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", NAMES)
def test_every_listed_name_is_in_the_text_of_every_style(style: str, name: str) -> None:
    statement = busy_statement(style, participant_name=name)
    first = statement.activities[0]
    statement = replace(statement, activities=(replace(first, project_name=f"Voices of {name}"),
                                               *statement.activities[1:]))
    text = flat(render_statement(statement))
    assert name in text
    assert f"Voices of {name}" in text


def test_fonts_are_embedded_and_helvetica_is_gone() -> None:
    pdf = render_statement(busy_statement("standard", participant_name="Nguyễn Thị Hương"))
    assert pdf.count(b"/FontFile2") >= 3  # main, main bold, fallback (subsets, embedded)
    assert b"Helvetica" not in pdf
    assert b"AtkinsonHyperlegible" in pdf and b"DejaVuSans" in pdf


def test_fallback_is_per_word_and_keeps_markup() -> None:
    assert fit_markup("<b>Siân</b> Łukasiewicz") == "<b>Siân</b> Łukasiewicz"  # the main face has these
    fitted = fit_markup("For <b>Σοφία Nguyễn</b> &amp; co")
    assert fitted == ('For <b><font name="LedgerFallback">Σοφία</font> <font name="LedgerFallback">Nguyễn</font></b>'
                      " &amp; co")
    # decomposed Vietnamese ("e" + combining marks) is composed first, so it prints as one letter
    assert "ễ" in fit_markup("Nguye\u0302\u0303n")


@pytest.mark.parametrize(("name", "script"), [("محمد علي", "Arabic"), ("王小明", "CJK"), ("דוד", "Hebrew"),
                                              ("अनिल", "Indic")])
def test_scripts_we_cannot_print_are_named_never_boxes(name: str, script: str) -> None:
    with pytest.raises(UnprintableText) as caught:
        render_statement(busy_statement("standard", participant_name=name))
    assert script in caught.value.detail and "preferred name" in caught.value.detail
    assert name not in caught.value.detail  # the name itself is personal: not repeated in errors or logs


# ---- contact ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_every_style_names_the_contact_and_refuses_to_print_without_one(style: str) -> None:
    text = flat(render_statement(busy_statement(style)))
    assert "Amira Khan" in text and "0161 496 0123" in text and "involvement@northshire.example" in text
    assert "Involvement ledger" not in text and "the person who sent you this" not in text
    with pytest.raises(OrganisationNotSet, match="ledger setup"):
        render_statement(busy_statement(style, contact=None))


# ---- Easy Read ------------------------------------------------------------------------------------


def test_easy_read_is_short_plain_and_scores_at_least_80() -> None:
    statement = busy_statement("easy_read")
    pdf = render_statement(statement)
    all_pages = pages(pdf)
    assert len(all_pages) <= 8
    text = " ".join(" ".join(all_pages).split())
    assert flesch_reading_ease(text) >= 80
    # no sums, multiplications, ISO dates, card versions, sources or staff words
    for banned in ("=", " x ", "passenger miles", "illustrative", "version", "published guidance",
                   "NIHR", "rate card", " h ", " min "):
        assert banned not in text, banned
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    # abbreviations are spelled out; the only capitals-only words left are the bank references
    assert "Employment and Support Allowance" in text
    without_references = text
    for payment in statement.payments:
        without_references = without_references.replace(payment.reference, "")
    assert re.findall(r"\b[A-Z]{2,}\b", without_references) == []


def test_easy_read_has_a_picture_beside_each_main_idea_and_one_block_per_activity() -> None:
    statement = busy_statement("easy_read")
    renderer = EasyReadStatementRenderer(statement)
    story = renderer.story()

    def pictures_in(flowable: object) -> int:
        if isinstance(flowable, Drawing):
            return 1
        if isinstance(flowable, KeepTogether):
            return sum(pictures_in(f) for f in flowable._content)
        if isinstance(flowable, Table):
            return sum(pictures_in(cell) for row in flowable._cellvalues for cell in row)
        return 0

    blocks = [f for f in story if isinstance(f, KeepTogether)]
    # one kept-together block per activity (the first one holds its heading too)
    assert len([b for b in blocks if pictures_in(b) >= 2]) >= len(statement.activities)
    # every picture row has words beside it; the summary has money, time and costs pictures
    assert sum(pictures_in(f) for f in story) >= 3 * len(statement.activities)


def test_plain_words_for_the_engine_reasons() -> None:
    text = flat(render_statement(busy_statement("easy_read")))
    assert "You were the chair, so we paid more for each hour." in text
    assert "We pay a set amount for a half day." in text
    assert "This was for driving 12 miles and taking someone with you." in text
    assert "This was for bus, train or tram tickets." in text
    assert "That is 2 hours taking part, 1 hour 30 minutes getting ready and 30 minutes doing work after." in text
    spelled = spell_out("ESA and PIP limits")
    assert spelled == "Employment and Support Allowance and Personal Independence Payment limits"


@pytest.mark.parametrize("style", STYLES)
def test_headings_never_sit_alone_at_the_bottom_of_a_page(style: str) -> None:
    for page in pages(render_statement(busy_statement(style))):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines
                if not re.match(r"^(Statement for .*|Your money statement|Page \d+ of \d+)$", line)]
        assert body, page
        assert body[-1] not in HEADINGS, body[-3:]


# ---- standard -------------------------------------------------------------------------------------


def test_standard_statement_fits_in_two_or_three_pages_and_scores_at_least_60() -> None:
    pdf = render_statement(busy_statement("standard"))
    assert 2 <= len(pages(pdf)) <= 3
    assert flesch_reading_ease(flat(pdf)) >= 60
    text = flat(pdf)
    assert "version from 16 December 2025" in text  # sources stay in the standard statement, in words


@pytest.mark.parametrize("style", STYLES)
def test_fees_paid_to_an_organisation_are_never_called_paid_to_you(style: str) -> None:
    statement = busy_statement(style, weekly_limit=False, fees_paid_to="Mind in Leeds")
    statement = replace(statement, activities=tuple(replace(a, own_earnings=False) for a in statement.activities))
    s = statement.summary
    assert s.fees_paid_to_organisation == s.fees_paid > 0
    text = flat(render_statement(statement))
    paid = f"£{s.fees_paid:,}"
    if style == "easy_read":
        assert f"We paid {paid} for your time to Mind in Leeds." in text
        assert "We paid it to Mind in Leeds." in text
        assert "We have paid you." not in text
    else:
        assert f"We paid {paid} for your time to Mind in Leeds, as you asked." in text
        assert "Paid (your time to Mind in Leeds)." in text
        assert f"Paid to Mind in Leeds for you {paid}" in text
    assert f"We paid you {paid}" not in text
