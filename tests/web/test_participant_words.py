"""What a participant reads on /me, for the demo's real people (paid, declined, paid to an organisation,
a payment returned by the bank, a mistake taken off and corrected) in every statement style:

* no accounting words anywhere on the page (title, header and main part);
* the Easy Read page reads at least as easily as the Easy Read PDF's target (Flesch 80);
* "still to be paid" says roughly when, from what the ledger knows (a payment run being prepared, sent,
  or the usual gap between pay days), and calls a guess a guess.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from reports.readability import flesch_reading_ease
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from web_signin import factory_of, start_session

from ledger import clock
from ledger.api.app import create_app
from ledger.db.engine import transaction
from ledger.db.models import Batch, BatchLine, Participant, Record, RecordStatus
from ledger.demo.run import build_demo
from ledger.payments.batches import approve_batch, build_batch, mark_exported
from ledger.security.actor import Actor
from ledger.web.auth import SESSION_COOKIE

pytestmark = pytest.mark.slow  # builds the demo once (about 10 s)

STYLES = ("standard", "large_print", "easy_read")
ACCOUNTING = re.compile(
    r"\b(ledger|postings?|posted|journal|debit|credit(?:ed|or)?|payables?|accruals?|accrued|batch(?:es)?|remittance"
    r"|revers(?:al|ed|e)|liabilit(?:y|ies)|balance|ledger|invoice|GL|P-\d{4}|B-\d{4}|payee)\b",
    re.IGNORECASE,
)
"""Words a participant must never meet (and references that look like names: "P-0001", "B-0007")."""


def visible_text(html: str) -> str:
    """The words a person sees: the title and the body down to the footer (which is the same for everyone
    and about the software's licence), without markup, hidden form values or the skip link's target."""
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    body = html.split("<body", 1)[1].split('<footer class="govuk-footer"', 1)[0]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(((title.group(1) if title else "") + " " + re.sub(r"<[^>]+>", " ", body)).split())


def main_text(html: str) -> str:
    main = html.split('id="main-content"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<select\b.*?</select>", " ", main.split(">", 1)[1], flags=re.S)  # the year list: dates only
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("participant-demo")
    build_demo(f"sqlite:///{out / 'demo.db'}", out)
    return out / "demo.db"


def _app(database: Path) -> Litestar:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LEDGER_SECURE_COOKIES", "never")
        app = create_app(f"sqlite:///{database}")
        with TestClient(app, base_url="http://localhost"):
            pass
    return app


@pytest.fixture(scope="module")
def demo_app(demo_db: Path) -> Litestar:
    return _app(demo_db)


def signed_in(app: Litestar, participant_id: int) -> TestClient[Litestar]:
    with transaction(factory_of(app)) as session:
        secret = start_session(session, "participant", participant=participant_id)
    client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)
    client.cookies.set(SESSION_COOKIE, secret)
    return client


def set_style(factory: sessionmaker[Session], person: int, style: str) -> None:
    with transaction(factory) as session:
        session.execute(update(Participant).where(Participant.id == person).values(statement_style=style))


def test_the_demo_people_cover_every_case(demo_app: Litestar) -> None:
    """The word check below is only worth something if the people it reads really have each case."""
    with factory_of(demo_app)() as s:
        preferences = set(s.scalars(select(Participant.payment_preference)))
        returned = s.scalar(select(BatchLine.participant_id).where(BatchLine.status == "returned"))
        reversed_for = s.scalar(select(Record.participant_id).where(Record.status == RecordStatus.REVERSED.value))
        corrected = s.scalar(select(Record.participant_id).where(Record.corrects_record_id.is_not(None)))
    assert {"bank_transfer", "voucher", "organisation", "decline", "expenses_only"} <= preferences
    assert returned is not None and reversed_for is not None and corrected is not None


@pytest.mark.parametrize("style", STYLES)
def test_no_accounting_words_on_any_persons_pages(demo_app: Litestar, style: str) -> None:
    factory = factory_of(demo_app)
    with factory() as s:
        people = list(s.execute(select(Participant.id, Participant.name, Participant.statement_style)))
    assert len(people) >= 12
    found: dict[str, list[str]] = {}
    try:
        for person, name, _ in people:
            set_style(factory, person, style)
            client = signed_in(demo_app, person)
            for path in ("/me?year=2025", "/me/preferences"):
                answer = client.get(path)
                assert answer.status_code == 200, (name, path, answer.text[:500])
                words = sorted({m.group(0) for m in ACCOUNTING.finditer(visible_text(answer.text))})
                if words:
                    found[f"{name} {path}"] = words
    finally:
        for person, _, original in people:
            set_style(factory, person, original)
    assert found == {}


def test_easy_read_page_reads_as_easily_as_the_easy_read_pdf(demo_app: Litestar) -> None:
    """Flesch reading ease of each person's /me text in Easy Read: at least 80, the Easy Read PDF's target
    (tests/reports/test_statement_documents.py)."""
    factory = factory_of(demo_app)
    with factory() as s:
        people = list(s.execute(select(Participant.id, Participant.reference, Participant.statement_style)))
    scores: dict[str, float] = {}
    try:
        for person, reference, _ in people:
            set_style(factory, person, "easy_read")
            answer = signed_in(demo_app, person).get("/me?year=2025")
            scores[reference] = round(flesch_reading_ease(main_text(answer.text)), 1)
    finally:
        for person, _, original in people:
            set_style(factory, person, original)
    assert {ref: score for ref, score in scores.items() if score < 80} == {}, scores


@pytest.fixture
def own_copy(demo_db: Path, tmp_path: Path) -> Iterator[Litestar]:
    """A copy of the demo for a test that changes it (the module's app is shared)."""
    shutil.copy(demo_db, tmp_path / "copy.db")
    yield _app(tmp_path / "copy.db")


def _still_to_pay(client: TestClient[Litestar]) -> str:
    text = main_text(client.get("/me?year=2025").text)
    return text.split("Still to be paid", 1)[1].split("Download this", 1)[0]


def test_still_to_be_paid_says_roughly_when(own_copy: Litestar) -> None:
    factory: sessionmaker[Session] = factory_of(own_copy)
    with factory() as s:
        daniel = s.scalar(select(Participant.id).where(Participant.name == "Daniel Okafor"))
    assert daniel is not None
    client = signed_in(own_copy, daniel)
    # Paid on 17 Nov, 15 Dec, 19 Jan, 16 Feb: usually every 4 weeks (median 28 days) -> roughly 16 March.
    with clock.as_of(date(2026, 2, 20)):
        words = _still_to_pay(client)
    assert "We still have to pay you £276.13" in words
    assert "about every 4 weeks" in words and "roughly around 16 March 2026" in words and "not a promise" in words
    with clock.as_of(date(2026, 5, 1)):  # the guessed day has passed: no stale guess, the last pay day instead
        words = _still_to_pay(client)
    assert "roughly" not in words and "The last time we paid people was 16 February 2026" in words

    finance, second = Actor.system("finance one"), Actor.system("finance two")
    with clock.as_of(date(2026, 3, 2)), transaction(factory) as s:
        batch_id = build_batch(s, finance, "bank_transfer").batch.id
    words = _still_to_pay(client)
    assert "We are getting £276.13 ready to pay now" in words and "roughly" not in words
    with clock.as_of(date(2026, 3, 3)), transaction(factory) as s:
        approve_batch(s, second, batch_id)
        mark_exported(s, finance, batch_id, "bank")
        exported = s.get(Batch, batch_id)
        assert exported is not None and exported.exported_at is not None
        sent_on = exported.exported_at.date()
    words = _still_to_pay(client)
    assert f"We sent a payment of £276.13 on {sent_on:%-d %B %Y}" in words and "few working days" in words
    assert "ready to pay now" not in words


def test_money_for_an_organisation_is_not_called_theirs(demo_app: Litestar) -> None:
    """Aisha asked us to pay her fees to Mind in Leeds: only her costs are "to pay you"."""
    with factory_of(demo_app)() as s:
        aisha = s.scalar(select(Participant.id).where(Participant.name == "Aisha Begum"))
    assert aisha is not None
    words = _still_to_pay(signed_in(demo_app, aisha))
    assert "We still have to pay you £42.10." in words
    assert "We still have to pay £431.25 for your time to Mind in Leeds, as you asked." in words


def test_easy_read_has_pictures_hidden_from_screen_readers(demo_app: Litestar) -> None:
    factory = factory_of(demo_app)
    with factory() as s:
        daniel = s.scalar(select(Participant.id).where(Participant.name == "Daniel Okafor"))
    assert daniel is not None
    html = signed_in(demo_app, daniel).get("/me?year=2025").text  # Daniel chose Easy Read
    pictures = re.findall(r"<svg class=\"participant-icon\"[^>]*>", html)
    assert len(pictures) > 10 and all('aria-hidden="true"' in svg and 'focusable="false"' in svg for svg in pictures)
    assert "govuk-body-l" in html and "participant.css" in html


def test_no_accounting_words_in_the_pdfs_a_person_downloads(demo_app: Litestar) -> None:
    """The statement (in the person's own style) and the record of involvement from /me. References such as
    "P-0001" are left out of this check: the PDFs print them as the person's reference on purpose (a loose
    page carries no name); see docs/participants.md."""
    from io import BytesIO

    from pypdf import PdfReader
    from web_signin import csrf_token

    def words(pdf: bytes) -> set[str]:
        assert pdf.startswith(b"%PDF")
        text = " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)
        return {m.group(0) for m in ACCOUNTING.finditer(text) if not re.fullmatch(r"P-\d{4}", m.group(0))}

    with factory_of(demo_app)() as s:
        people = list(s.execute(select(Participant.id, Participant.name)))
    found: dict[str, set[str]] = {}
    for person, name in people:
        client = signed_in(demo_app, person)
        token = csrf_token(client.get("/me?year=2025").text)
        for what, pdf in (("statement", client.get("/me/statement.pdf?year=2025").content),
                          ("record", client.post("/me/record-of-involvement", data={"_csrf_token": token}).content)):
            if bad := words(pdf):
                found[f"{name} {what}"] = bad
    assert found == {}
