"""The demo writes the e-mails it would send as .eml files and the letters PDF, for a new user to open."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from pypdf import PdfReader

from ledger.demo.messages import BY_POST, WHO
from ledger.demo.run import build_demo


def test_the_demo_writes_eml_files_and_letters(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    summary = build_demo(f"sqlite:///{tmp_path / 'demo.db'}", out)
    emails = sorted((out / "messages" / "e-mails").glob("*.eml"))
    kinds = {p.stem.split("-", 1)[1] for p in emails}
    assert kinds == {"remittance", "statement"} and len(emails) > 20
    for path in emails:
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        assert message["Message-ID"] and message["To"].endswith("@example.org")
        (pdf,) = list(message.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
    addressed = {email.message_from_bytes(p.read_bytes(), policy=default)["To"] for p in emails
                 if p.stem.endswith("statement")}
    assert "sophie@example.org" not in addressed  # asked for no messages
    assert "priya@example.org" not in addressed and "tom@example.org" not in addressed  # asked for post
    letters = PdfReader(out / "messages" / "letters-statements.pdf")
    text = " ".join(page.extract_text() for page in letters.pages)
    assert all(address.split(",")[0] in text for address in BY_POST.values())
    assert any(p.name.startswith("letters-payment-") for p in summary.files[WHO])
