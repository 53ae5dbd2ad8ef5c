"""``ledger worker``, ``ledger messages ...`` and the letters PDF for people who chose post."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.exports.pdf.letters import ADDRESS_HEIGHT, ADDRESS_LEFT, ADDRESS_TOP, ADDRESS_WIDTH, PAGE_HEIGHT
from ledger.messages.letters import batch_letters
from messages.conftest import SmtpServer
from messages.support import paid_batch, person

TAX_YEAR = ["--from", "2025-04-06", "--to", "2026-04-05"]


def smtp_url(smtp: SmtpServer) -> str:
    return f"smtp://{smtp.settings.host}:{smtp.settings.port}"


def test_worker_list_resend_and_statements_from_the_command_line(
        factory: sessionmaker[Session], tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'ledger.db'}"]
    with transaction(factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net")
        post = person(session, "Pat Post", email="pat@example.net", contact="post", address="1 High St, Town, AB1 2CD")
        paid_batch(session, [(ann, 5500, 0), (post, 1000, 0)])
        ann_id, post_id, ann_ref = ann.id, post.id, ann.reference
    run = CliRunner().invoke
    monkeypatch.delenv("LEDGER_SMTP_URL", raising=False)
    unset = run(main, ["worker", "--once", *db])
    assert unset.exit_code == 1 and "error: LEDGER_SMTP_URL is not set" in unset.output
    monkeypatch.setenv("LEDGER_SMTP_URL", "ftp://nowhere")
    wrong = run(main, ["worker", "--once", *db])
    assert wrong.exit_code == 1 and "must start with smtp+starttls://" in wrong.output

    monkeypatch.setenv("LEDGER_SMTP_URL", smtp_url(smtp))
    monkeypatch.setenv("LEDGER_MESSAGE_RETRY_SECONDS", "0")
    monkeypatch.setenv("LEDGER_MESSAGE_ATTEMPTS", "2")
    smtp.recorder.answer = "550 5.7.1 Not today"
    failed = run(main, ["worker", "--once", *db])
    assert failed.exit_code == 0 and "failed 1" in failed.output, failed.output
    listed = run(main, ["messages", "list", "--failed", *db])
    assert listed.exit_code == 0 and "550 5.7.1 Not today" in listed.output and "a***@***" in listed.output
    assert "ann@example.net" not in listed.output  # addresses are masked

    smtp.recorder.answer = None
    assert run(main, ["messages", "resend", "1", *db]).exit_code == 2  # --as is required
    again = run(main, ["messages", "resend", "1", "--as", "Fin Officer", *db])
    assert again.exit_code == 0 and "queued again" in again.output
    twice = run(main, ["messages", "resend", "1", "--as", "Fin Officer", *db])
    assert twice.exit_code == 1 and "only a failed message" in twice.output
    assert "Sent 1" in run(main, ["worker", "--once", *db]).output
    assert [r.recipients for r in smtp.recorder.received] == [["ann@example.net"]]

    statement = run(main, ["messages", "statement", "--participant", str(ann_id), *TAX_YEAR, "--as", "Fin", *db])
    assert statement.exit_code == 0, statement.output
    refused = run(main, ["messages", "statement", "--participant", str(post_id), *TAX_YEAR, "--as", "Fin", *db])
    assert refused.exit_code == 1 and "asked for letters by post" in refused.output
    assert "Sent 1" in run(main, ["worker", "--once", *db]).output
    mail = smtp.recorder.received[-1].message
    assert mail["Subject"] == "Your statement for 6 April 2025 to 5 April 2026"
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename() == f"statement-{ann_ref}-2025-04-06-to-2026-04-05.pdf"

    letters = tmp_path / "letters.pdf"
    year_end = run(main, ["messages", "year-end", *TAX_YEAR, "--letters", str(letters), "--as", "Fin", *db])
    assert year_end.exit_code == 0, year_end.output
    assert "0 e-mails queued, 1 by post" in year_end.output and "Wrote 1 letter" in year_end.output
    assert "1 already sent this statement, not sent again" in year_end.output  # Ann's, asked for above
    text = " ".join(page.extract_text() for page in PdfReader(letters).pages)
    assert "Pat Post" in text and "1 High St" in text and "Your payment statement" in text

    batch_pdf = tmp_path / "batch-letters.pdf"
    neither = run(main, ["messages", "letters", "--out", str(batch_pdf), *db])
    assert neither.exit_code == 1 and "either --batch ID or --statements" in neither.output
    made = run(main, ["messages", "letters", "--batch", "1", "--out", str(batch_pdf), *db])
    assert made.exit_code == 0 and "Wrote 1 letter" in made.output
    assert "Payment advice" in " ".join(p.extract_text() for p in PdfReader(batch_pdf).pages)


def _positions(page: object) -> list[tuple[str, float, float]]:
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            found.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


def test_letters_put_the_address_in_the_dl_window_and_number_pages_per_person(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        a = person(session, "Ann Example", contact="post", address="12 Long Lane\nNorthtown\nNT1 2AB")
        b = person(session, "Bob Example", contact="post", address="3 Short St, Southtown, ST9 9ZZ",
                   style="large_print")
        c = person(session, "Cat Example", email="cat@example.net")  # e-mail: no letter
        d = person(session, "Dan Example", contact="none")  # no messages: no letter
        batch = paid_batch(session, [(a, 5500, 0), (b, 2750, 420), (c, 1000, 0), (d, 1000, 0)])
        run = batch_letters(session, batch.id)
    assert run.included == [a.reference, b.reference] and run.pdf is not None
    reader = PdfReader(BytesIO(run.pdf))
    footers = [page.extract_text() for page in reader.pages]
    assert [("Page 1 of 2" in t, "Page 2 of 2" in t) for t in footers] == [(True, False), (False, True)] * 2
    assert f"Letter, reference {a.reference}" in footers[0] and f"Letter, reference {b.reference}" in footers[2]
    assert "Payment advice" in footers[1] and "£55.00" in footers[1]

    slack = 0.5  # points: PDF coordinates are written rounded
    window = (ADDRESS_LEFT - slack, PAGE_HEIGHT - ADDRESS_TOP - ADDRESS_HEIGHT, ADDRESS_LEFT + ADDRESS_WIDTH,
              PAGE_HEIGHT - ADDRESS_TOP + slack)
    placed = {text: (x, y) for text, x, y in _positions(reader.pages[0])}
    for line in ("Ann Example", "12 Long Lane", "Northtown", "NT1 2AB"):
        x, y = placed[line]
        assert window[0] <= x <= window[2] and window[1] <= y <= window[3], (line, x, y, window)
    inside = [t for t, x, y in _positions(reader.pages[0])
              if window[0] <= x <= window[2] and window[1] <= y <= window[3]]
    assert inside == ["Ann Example", "12 Long Lane", "Northtown", "NT1 2AB"]  # nothing else shows in the window
    assert "We have paid you £55.00 for your time on 9 October 2025." in footers[0]  # the e-mail's words
    assert run.pdf == batch_letters_again(factory, batch.id)  # deterministic


def batch_letters_again(factory: sessionmaker[Session], batch_id: int) -> bytes | None:
    with factory() as session:
        return batch_letters(session, batch_id).pdf


def test_post_needs_an_address_and_it_fits_the_window() -> None:
    from ledger.messages.contact import contact_problems

    assert contact_problems("post", None, None)[0].field == "postal_address"
    assert contact_problems("post", None, "1 A St, B, C, D, E, F, G")[0].message.startswith("has 7 lines")
    assert contact_problems("email", None, None) == []
    assert contact_problems("pigeon", None, None)[0].field == "contact_preference"
