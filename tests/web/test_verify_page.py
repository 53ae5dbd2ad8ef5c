"""The public /verify pages: valid, withdrawn and unknown codes; nothing else readable; guessing throttled
(kept in the database, so every server process shares it); bad input keeps what was typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import approve, participant, project, set_organisation
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import today
from ledger.db.engine import transaction
from ledger.recognition import codes
from ledger.recognition.record import issue_record, withdraw_record
from ledger.security.actor import Actor

CLI = Actor.system("Lee Lead")


@pytest.fixture
def issued(web_app: Litestar, web_db: sessionmaker[Session]) -> tuple[str, int]:
    set_organisation(web_db)
    with transaction(web_db) as s:
        proj = project(s, "VER")
        ann = participant(s, "Ann Able", account_name="ANN ABLE")
        approve(s, ann, proj, today() - timedelta(days=30), 4125, minutes=90)
        record = issue_record(s, CLI, ann.id, include_amounts=True)
    assert record.code is not None and record.record_id is not None
    return record.code, record.record_id


def test_valid_code_shows_the_issuer_and_summary_only(anonymous_client: TestClient[Litestar],
                                                       issued: tuple[str, int]) -> None:
    code, _ = issued
    page = anonymous_client.get(f"/verify/{code}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "This record is genuine" in text and "Northshire Health and Care NHS Trust" in text
    assert "Ann Able" in text and "1 hour 30 minutes" in text
    for private in ("41.25", "£", "ANN ABLE", "Priya Shah", "0161 496 0000", "involvement@example.org", "P-0"):
        assert private not in text, private
    # a person's name behind a code: never kept by a shared cache or a browser, never listed by a search engine
    for answer in (page, anonymous_client.get("/verify/" + "0" * 15)):
        assert "no-store" in answer.headers.get("cache-control", ""), answer.status_code
        assert "noindex" in answer.headers.get("x-robots-tag", "")


def test_typed_code_goes_to_its_page_and_bad_input_is_explained(anonymous_client: TestClient[Litestar],
                                                                issued: tuple[str, int]) -> None:
    code, _ = issued
    moved = anonymous_client.get("/verify", params={"code": code.lower().replace("-", " ")},
                                 follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/verify/{code}"
    bad = anonymous_client.get("/verify", params={"code": "ABC<script>"})
    assert bad.status_code == 400 and "There is a problem" in bad.text and 'href="#code"' in bad.text
    assert "ABC&lt;script&gt;" in bad.text  # what was typed is kept (escaped)
    assert anonymous_client.get("/verify").status_code == 200


def test_withdrawn_and_unknown(anonymous_client: TestClient[Litestar], web_db: sessionmaker[Session],
                               issued: tuple[str, int]) -> None:
    code, record_id = issued
    with transaction(web_db) as s:
        withdraw_record(s, CLI, record_id, "issued by mistake")
    gone = anonymous_client.get(f"/verify/{code}")
    assert gone.status_code == 410 and "withdrawn" in gone.text and "Ann Able" not in gone.text
    unknown = anonymous_client.get("/verify/" + "0" * 15)
    assert unknown.status_code == 404 and "No record has this code" in unknown.text


def test_guessing_is_throttled(anonymous_client: TestClient[Litestar], issued: tuple[str, int],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "GUESS_LIMIT", 2)
    code, _ = issued
    for n in range(2):
        assert anonymous_client.get(f"/verify/{n:015d}").status_code == 404
    blocked = anonymous_client.get(f"/verify/{code}")
    assert blocked.status_code == 429 and "Too many checks" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert date.today()
