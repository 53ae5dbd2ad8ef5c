"""Recognition over HTTP: issuing records, the public /verify/{code} check (valid, withdrawn, unknown; nothing
else readable; guessing throttled in the database), outcomes with role and project-scope checks, outcomes
shown only to the people who took part, and the "nothing reported back" list."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import approve, participant, project
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import today
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.db.models_recognition import InvolvementRecord, VerificationAttempt
from ledger.recognition import codes

API = "/api/v1"


@pytest.fixture
def world(client: TestClient[Litestar], session_factory: sessionmaker[Session],
          make_token: Callable[..., str]) -> dict[str, Any]:
    """Ann and Ben in project A (Ann in an old, unreported activity too), Cal only in project B."""
    old = today() - timedelta(weeks=10)
    with transaction(session_factory) as s:
        a, b = project(s, "A"), project(s, "B")
        ann, ben, cal = participant(s, "Ann Able"), participant(s, "Ben Bright"), participant(s, "Cal Clear")
        shared = approve(s, ann, a, old, 4125, minutes=90).record.activity_id
        ben_record = approve(s, ben, a, old, 4125, minutes=90).record
        approve(s, ann, a, old + timedelta(days=1), 2750, minutes=60)
        cal_activity = approve(s, cal, b, old, 2750, minutes=60).record.activity_id
        ids = {"a": a.id, "b": b.id, "ann": ann.id, "ben": ben.id, "cal": cal.id, "shared": shared,
               "ben_activity": ben_record.activity_id, "cal_activity": cal_activity}
    tokens = {
        "admin": make_token(Role.ADMIN), "lead_a": make_token(Role.LEAD, project_ids=[ids["a"]]),
        "lead_b": make_token(Role.LEAD, project_ids=[ids["b"]]), "finance": make_token(Role.FINANCE),
        "auditor": make_token(Role.AUDITOR), "ann": make_token(Role.PARTICIPANT, participant_id=ids["ann"]),
        "ben": make_token(Role.PARTICIPANT, participant_id=ids["ben"]),
        "cal": make_token(Role.PARTICIPANT, participant_id=ids["cal"]),
    }
    return {"ids": ids, "tokens": tokens, "client": client, "factory": session_factory}


def call(world: dict[str, Any], who: str | None, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {world['tokens'][who]}"} if who else {}
    return world["client"].request(method, API + path, json=body, headers=headers)


def issue(world: dict[str, Any], who: str, participant_id: int, **body: Any) -> dict[str, Any]:
    response = call(world, who, "POST", f"/participants/{participant_id}/involvement-records",
                    {"format": "json", **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_valid_code_shows_the_issuer_and_the_summary_and_nothing_else(world: dict[str, Any]) -> None:
    ann = world["ids"]["ann"]
    issued = issue(world, "ann", ann, include_amounts=True)
    checked = call(world, None, "GET", f"/verify/{issued['code']}")
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["status"] == "valid"
    assert body["issued_by"] == "Northshire Health and Care NHS Trust"
    assert body["summary"] == {**issued["summary"], "participant_reference": None}  # the same, bar the reference
    assert body["summary"]["total_minutes"] == 150 and body["summary"]["activity_count"] == 2
    text = checked.text
    for private in ("41.25", "27.50", "£", "sort", "account", "email", "phone", "Ben", "Cal", "bank", "P-0"):
        assert private not in text, private
    assert "no-store" in checked.headers.get("cache-control", "")  # a name: no shared cache keeps it
    assert "noindex" in checked.headers.get("x-robots-tag", "")
    # typed loosely (lower case, no hyphens) it still matches, and every check is counted
    loose = issued["code"].replace("-", "").lower()
    assert call(world, None, "GET", f"/verify/{loose}").status_code == 200
    with world["factory"]() as s:
        row = s.get(InvolvementRecord, issued["id"])
        assert row is not None and row.check_count == 2 and row.last_checked_at is not None


def test_withdrawn_and_unknown_codes(world: dict[str, Any]) -> None:
    ann = world["ids"]["ann"]
    issued = issue(world, "lead_a", ann)
    refused = call(world, "ben", "POST", f"/involvement-records/{issued['id']}/withdraw", {"reason": "not mine"})
    assert refused.status_code == 403
    refused = call(world, "lead_b", "POST", f"/involvement-records/{issued['id']}/withdraw", {"reason": "x"})
    assert refused.status_code == 403
    done = call(world, "ann", "POST", f"/involvement-records/{issued['id']}/withdraw", {"reason": "lost it"})
    assert done.status_code == 200 and done.json()["withdrawn_by"]
    gone = call(world, None, "GET", f"/verify/{issued['code']}")
    assert gone.status_code == 410 and gone.headers["content-type"].startswith("application/problem+json")
    assert "withdrew" in gone.json()["detail"] and "summary" not in gone.json()
    assert "Ann" not in gone.text
    unknown = call(world, None, "GET", "/verify/" + "0" * 15)
    assert unknown.status_code == 404 and "Ann" not in unknown.text
    assert call(world, None, "GET", "/verify/not-a-code").status_code == 404
    listed = call(world, "ann", "GET", f"/participants/{ann}/involvement-records").json()
    assert listed["items"][0]["check_count"] == 1 and listed["items"][0]["withdrawn_reason"] == "lost it"
    assert "code" not in listed["items"][0]


def test_guessing_is_throttled_in_the_database(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "GUESS_LIMIT", 3)
    issued = issue(world, "ann", world["ids"]["ann"])
    for n in range(3):
        assert call(world, None, "GET", f"/verify/{n:015d}").status_code == 404
    blocked = call(world, None, "GET", "/verify/" + "1" * 15)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # once throttled, even a real code waits: guessing cannot be mixed with real checks to go on
    assert call(world, None, "GET", f"/verify/{issued['code']}").status_code == 429
    with world["factory"]() as s:
        # kept in the database (several server processes share it), as a keyed hash, not the address
        assert s.scalar(select(func.count()).select_from(VerificationAttempt)) == 3
        assert s.scalar(select(VerificationAttempt.client_hash)) != "testclient"


def test_issuing_a_pdf_reads_back(world: dict[str, Any]) -> None:
    response = call(world, "ann", "POST", f"/participants/{world['ids']['ann']}/involvement-records",
                    {"style": "large_print"})
    assert response.status_code == 201 and response.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Record of involvement" in text and "Ann Able" in text and "2 hours 30 minutes" in " ".join(text.split())


def test_who_may_issue_and_list(world: dict[str, Any]) -> None:
    ann = world["ids"]["ann"]
    for who in ("ben", "lead_b", "finance", "auditor"):
        assert call(world, who, "POST", f"/participants/{ann}/involvement-records", {}).status_code == 403, who
    assert call(world, None, "POST", f"/participants/{ann}/involvement-records", {}).status_code == 401
    for who in ("admin", "lead_a", "ann", "auditor"):
        assert call(world, who, "GET", f"/participants/{ann}/involvement-records").status_code == 200, who
    for who in ("ben", "lead_b", "finance"):
        assert call(world, who, "GET", f"/participants/{ann}/involvement-records").status_code == 403, who
    bad = call(world, "ann", "POST", f"/participants/{ann}/involvement-records", {"style": "tiny"})
    assert bad.status_code == 422 and "style" in bad.text


def test_outcomes_roles_scope_and_who_sees_them(world: dict[str, Any]) -> None:
    ids = world["ids"]
    body = {"activity": ids["shared"], "date": today().isoformat(), "text": "We changed the letter's wording."}
    assert call(world, "lead_b", "POST", "/outcomes", body).status_code == 403  # not their project
    for who in ("finance", "auditor", "ann"):
        assert call(world, who, "POST", "/outcomes", body).status_code == 403, who
    assert call(world, None, "POST", "/outcomes", body).status_code == 401
    added = call(world, "lead_a", "POST", "/outcomes", body)
    assert added.status_code == 201, added.text
    assert added.json()["project"] == ids["a"]
    # bad input: every problem named, nothing written
    bad = call(world, "lead_a", "POST", "/outcomes", {"activity": ids["shared"], "project": ids["a"],
                                                       "date": (today() + timedelta(days=3)).isoformat(),
                                                       "text": "   "})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"text", "activity", "date"} <= fields
    assert call(world, "lead_a", "POST", "/outcomes", {"activity": 99999, "date": today().isoformat(),
                                                        "text": "x"}).status_code == 404
    assert call(world, "lead_b", "POST", "/outcomes", {"project": ids["b"], "date": today().isoformat(),
                                                        "text": "Project B's new leaflet"}).status_code == 201
    # Ann and Ben took part in the shared activity; Cal did not
    seen_ann = call(world, "ann", "GET", f"/participants/{ids['ann']}/outcomes").json()
    assert [o["text"] for o in seen_ann["items"]] == ["We changed the letter's wording."]
    seen_cal = call(world, "cal", "GET", f"/participants/{ids['cal']}/outcomes").json()
    assert [o["text"] for o in seen_cal["items"]] == ["Project B's new leaflet"]
    assert call(world, "cal", "GET", f"/participants/{ids['ann']}/outcomes").status_code == 403
    assert call(world, "lead_b", "GET", f"/participants/{ids['ann']}/outcomes").status_code == 403
    listed_b = call(world, "lead_b", "GET", "/outcomes").json()
    assert [o["text"] for o in listed_b["items"]] == ["Project B's new leaflet"]
    assert call(world, "lead_b", "GET", f"/outcomes?project={ids['a']}").status_code == 403
    assert call(world, "auditor", "GET", "/outcomes").json()["total"] == 2
    assert call(world, "ann", "GET", "/outcomes").status_code == 403


def test_overdue_list(world: dict[str, Any]) -> None:
    ids = world["ids"]
    overdue = call(world, "lead_a", "GET", "/outcomes/overdue").json()
    assert overdue["weeks"] == 8
    assert {i["activity"] for i in overdue["items"]} == {ids["shared"], ids["ben_activity"],
                                                         ids["shared"] + 2}  # Ann's second activity
    assert all(i["weeks_waiting"] >= 9 for i in overdue["items"])
    call(world, "lead_a", "POST", "/outcomes", {"activity": ids["shared"], "date": today().isoformat(),
                                                "text": "Done"})
    left = {i["activity"] for i in call(world, "lead_a", "GET", "/outcomes/overdue").json()["items"]}
    assert ids["shared"] not in left and ids["ben_activity"] in left
    # a whole-project outcome reports back on every earlier activity of the project
    call(world, "lead_a", "POST", "/outcomes", {"project": ids["a"], "date": today().isoformat(), "text": "All"})
    assert call(world, "lead_a", "GET", "/outcomes/overdue").json()["total"] == 0
    assert call(world, "lead_a", "GET", "/outcomes/overdue?weeks=20").json()["total"] == 0
    b_items = call(world, "lead_b", "GET", "/outcomes/overdue").json()["items"]
    assert [i["activity"] for i in b_items] == [ids["cal_activity"]]
    assert call(world, "lead_b", "GET", "/outcomes/overdue?weeks=11").json()["total"] == 0
    assert call(world, "lead_b", "GET", "/outcomes/overdue?weeks=0").status_code == 422
    assert call(world, "ann", "GET", "/outcomes/overdue").status_code == 403


def test_codes_have_enough_randomness() -> None:
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(codes.normalise_code(c) is not None for c in made)
    assert len(codes.ALPHABET) ** codes.CODE_LENGTH >= 2**75
    assert date.today()  # the module's clock is real here


def test_project_glance_json_and_scope(world: dict[str, Any]) -> None:
    ids = world["ids"]
    start = (today() - timedelta(weeks=52)).isoformat()
    answer = call(world, "lead_a", "GET", f"/projects/{ids['a']}/involvement?from={start}&to={today().isoformat()}")
    assert answer.status_code == 200, answer.text
    row = answer.json()["projects"][0]
    assert (row["people"], row["minutes"], row["activities"], row["activities_reported_back"]) == (2, 240, 3, 0)
    assert row["share_paid"] == "100.0"
    assert call(world, "lead_b", "GET", f"/projects/{ids['a']}/involvement").status_code == 403
    assert call(world, "ann", "GET", f"/projects/{ids['a']}/involvement").status_code == 403


@pytest.mark.parametrize("who", ["admin", "cal"])
def test_a_record_whose_pdf_cannot_be_drawn_issues_no_code(world: dict[str, Any], who: str) -> None:
    """All or nothing: a name no shipped font can print (Arabic) refuses the PDF, and no code, no stored
    record and no audit line are left behind (a code nobody was given must not answer at /verify)."""
    from ledger.db.models import AuditEvent, Participant

    with transaction(world["factory"]) as s:
        person = s.get(Participant, world["ids"]["cal"])
        assert person is not None
        person.name = person.preferred_name = "محمد علي"

    def counts() -> tuple[int, int]:
        with world["factory"]() as s:
            return (s.scalar(select(func.count()).select_from(InvolvementRecord)) or 0,
                    s.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "involvement_record.issue")) or 0)

    before = counts()
    response = call(world, who, "POST", f"/participants/{world['ids']['cal']}/involvement-records", {"format": "pdf"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json") and "Arabic" in response.text
    assert counts() == before
