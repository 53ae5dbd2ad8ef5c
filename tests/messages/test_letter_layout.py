"""Letters and e-mails read back as a person would get them: the envelope window, names in many scripts,
and the words fixed in the wording review (docs/messages.md, "What we checked in the wording").

The window figures below are the physical envelope's, written out again on purpose (not imported from
``ledger.exports.pdf.letters``), so a change to the code's numbers that no longer fits a DL window fails.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from io import BytesIO
from unittest.mock import patch

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reports.readability import flesch_reading_ease
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.exports.pdf.typefaces import MAIN, register_fonts
from ledger.messages.letters import batch_letters
from ledger.messages.render import as_text
from ledger.messages.words import EMAIL, LETTER, statement_words
from ledger.reports.statements import build_statement
from messages.support import paid_batch, person

PAGE_HEIGHT_MM = 297
# A UK DL window envelope: window 90 x 35 mm, 20 mm from the left and 15 mm from the bottom of a 110 mm
# envelope; the A4 sheet folded in three (99 mm) rests on the bottom fold, so the window shows the page
# from 99 - 15 - 35 = 49 mm to 84 mm from its top.
WINDOW_LEFT, WINDOW_RIGHT, WINDOW_TOP, WINDOW_BOTTOM = 20, 110, 49, 84
SEVEN_LINES = "Flat 12, Riverside Court, 145 Long Meadow Road, Little Wittering-on-the-Marsh, Upper Dale, NT12 3AB"


def _placed(page: object) -> list[tuple[str, float, float, float]]:
    """(text, x mm from the left, baseline mm from the top, font size) of each piece of text."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / mm, PAGE_HEIGHT_MM - y / mm, size * tm[0]))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


def _letters(factory: sessionmaker[Session], name: str, address: str, *, method: str = "voucher",
             style: str = "standard") -> bytes:
    with transaction(factory) as session:
        someone = person(session, name, contact="post", address=address, preference=method, style=style)
        batch = paid_batch(session, [(someone, 5500, 310)], method=method)
        run = batch_letters(session, batch.id)
    assert run.pdf is not None
    return run.pdf


def test_a_name_and_six_address_lines_all_show_through_the_window(factory: sessionmaker[Session]) -> None:
    pdf = _letters(factory, "Margaret Anne Fotheringham-Whittaker", SEVEN_LINES)
    register_fonts()
    placed = _placed(PdfReader(BytesIO(pdf)).pages[0])
    wanted = ["Margaret Anne Fotheringham-Whittaker", *[part.strip() for part in SEVEN_LINES.split(",")]]
    lines = [p for p in placed if p[0] in wanted]
    assert [p[0] for p in lines] == wanted
    for text, x, baseline, size in lines:
        cap_top = baseline - size * 0.7 / mm
        descender = baseline + size * 0.25 / mm
        right = x + stringWidth(text, MAIN, size) / mm
        assert x >= WINDOW_LEFT + 2 and right <= WINDOW_RIGHT - 2, (text, x, right)
        assert cap_top >= WINDOW_TOP + 1 and descender <= WINDOW_BOTTOM - 1, (text, cap_top, descender)
        assert size >= 8, "never set smaller than 8 points"
    inside = [p[0] for p in placed if WINDOW_LEFT <= p[1] <= WINDOW_RIGHT and WINDOW_TOP <= p[2] <= WINDOW_BOTTOM]
    assert inside == wanted, "nothing but the address shows in the window"


def test_a_long_address_line_is_set_smaller_to_stay_in_the_window(factory: sessionmaker[Session]) -> None:
    long_line = "The Old Schoolhouse Cottage Annexe behind Village Green Hall"
    pdf = _letters(factory, "Ann Example", f"{long_line}, Northtown, NT1 2AB")
    placed = {p[0]: p for p in _placed(PdfReader(BytesIO(pdf)).pages[0])}
    _text, x, _baseline, size = placed[long_line]
    assert size < 11 and x + stringWidth(long_line, MAIN, size) / mm <= WINDOW_RIGHT - 2


@pytest.mark.parametrize("name", ["Zoë Ó Súilleabháin", "Nguyễn Thị Minh", "Ахмед Иванов", "Σοφία Παπαδοπούλου"])
def test_names_in_many_scripts_print_in_the_window_and_the_greeting(factory: sessionmaker[Session], name: str) -> None:
    pdf = _letters(factory, name, "12 Long Lane, Northtown, NT1 2AB")
    first = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert name in first.splitlines(), "the name is a line of the address"
    assert f"Dear {name}," in first


@pytest.mark.parametrize(("name", "script"), [("محمد علي", "Arabic"), ("李雷", "CJK")])
def test_a_name_no_shipped_font_can_print_is_left_out_and_listed_and_the_rest_print(
    factory: sessionmaker[Session], name: str, script: str,
) -> None:
    """The ledger ships no Arabic or CJK font (see docs/messages.md). That person gets no letter (rather
    than boxes or a wrong name on an envelope) and is listed with the script named; everyone else's
    letters still print."""
    with transaction(factory) as session:
        ann = person(session, "Ann Example", contact="post", address="12 Long Lane, Northtown, NT1 2AB",
                     preference="voucher")
        odd = person(session, name, contact="post", address="3 Short St, Southtown, ST9 9ZZ", preference="voucher")
        bob = person(session, "Bob Example", contact="post", address="5 Mill Road, Easttown, ET1 1AA",
                     preference="voucher")
        batch = paid_batch(session, [(ann, 5500, 0), (odd, 2000, 0), (bob, 1000, 0)], method="voucher")
        run = batch_letters(session, batch.id)
        refs = (ann.reference, odd.reference, bob.reference)
    assert run.included == [refs[0], refs[2]] and list(run.cannot_print) == [refs[1]]
    assert script in run.cannot_print[refs[1]] and "preferred name" in run.cannot_print[refs[1]]
    assert any(refs[1] in line and script in line for line in run.left_out())
    assert run.pdf is not None
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(run.pdf)).pages)
    assert "Ann Example" in text and "Bob Example" in text and refs[1] not in text


def test_a_voucher_letter_never_mentions_a_bank_statement(factory: sessionmaker[Session]) -> None:
    pdf = _letters(factory, "Ann Example", "12 Long Lane, Northtown, NT1 2AB")
    letter = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert "We have paid you £58.10: £55.00 for your time on 9 October 2025 and £3.10 back" in letter
    assert "This payment is £58.10" not in letter, "the amount is said once, not twice"
    assert "bank statement" not in letter
    advice = PdfReader(BytesIO(pdf)).pages[1].extract_text()
    assert "Payment reference" in advice and "bank statement" not in advice, "the voucher's advice too"


def test_bank_transfer_words_name_the_bank_statement_reference(factory: sessionmaker[Session]) -> None:
    from ledger.messages.words import remittance_words
    from ledger.reports.remittances import build_remittances

    with transaction(factory) as session:
        someone = person(session, "Ann Example", email="ann@example.net")
        batch = paid_batch(session, [(someone, 5500, 0)])
        advice = build_remittances(session, batch.id, someone.id)[0]
    facts = dict(remittance_words(advice, "Ann", "standard", EMAIL).facts)
    assert facts["Reference on the bank statement"] == advice.payment_reference
    easy = as_text(remittance_words(advice, "Ann", "easy_read", EMAIL))
    assert f"Your bank statement will show: {advice.payment_reference}." in easy


@pytest.mark.parametrize("style", ["standard", "easy_read"])
def test_a_statement_covering_note_never_points_below(factory: sessionmaker[Session], style: str) -> None:
    with transaction(factory) as session:
        someone = person(session, "Ann Example", email="ann@example.net", style=style)
        paid_batch(session, [(someone, 5500, 0)])
        statement = build_statement(session, someone.id, date(2025, 4, 6), date(2026, 4, 5))
    one_cancelled = replace(statement.summary, reversed_count=1)  # a record entered by mistake, then reversed
    for channel in (EMAIL, LETTER):
        with patch.object(type(statement), "summary", new=property(lambda _self: one_cancelled)):
            text = " ".join(as_text(statement_words(statement, "Ann", channel)).split())
        assert "below" not in text
        if style == "standard":
            assert "It is on the statement but not counted." in text


def test_an_easy_read_statement_e_mail_reads_easily(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        someone = person(session, "Ann Example", email="ann@example.net", style="easy_read")
        paid_batch(session, [(someone, 5500, 310)])
        statement = build_statement(session, someone.id, date(2025, 4, 6), date(2026, 4, 5))
    words = statement_words(statement, "Ann", EMAIL)
    body = "\n".join(words.paragraphs)
    assert flesch_reading_ease(body) >= 80, body
    assert all(len(p.split()) <= 15 for p in words.paragraphs), "short sentences, one idea a line"


def test_easy_read_payment_words_say_what_the_pages_are_for(factory: sessionmaker[Session]) -> None:
    from ledger.messages.words import remittance_words
    from ledger.reports.remittances import build_remittances

    with transaction(factory) as session:
        someone = person(session, "Dan Example", email="dan@example.net", style="easy_read")
        batch = paid_batch(session, [(someone, 5500, 310)])
        advice = build_remittances(session, batch.id, someone.id)[0]
    email = remittance_words(advice, "Dan", "easy_read", EMAIL).paragraphs
    letter = remittance_words(advice, "Dan", "easy_read", LETTER).paragraphs
    assert email[:3] == ("We have paid you £58.10.", "£55.00 is for your time.",
                         "£3.10 is money back for travel and other costs.")
    assert email[-2:] == ("We have sent a list with this email.", "It shows what the money is for.")
    assert letter[-1] == "The next pages show what the money is for."
    for paragraphs in (email, letter):
        assert not any("payment advice" in p.lower() for p in paragraphs), "no jargon in Easy Read"
        assert all(len(p.split()) <= 12 for p in paragraphs), "short lines, one idea each"
        assert flesch_reading_ease(" ".join(paragraphs)) >= 80
