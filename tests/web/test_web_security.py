"""Attacks on the web interface as a whole (WEB-REVIEW): every route walked, not a chosen few.

* CSRF: every page route that takes POST refuses a POST without the token (403) and changes nothing.
* Wrong HTTP methods answer 405, never 500, with the security headers (also on 404s and static files).
* Project scope: a lead limited to one project gets 403/404 on every page with an id in its address when
  the id is another project's (participant, activity, record), for GET and for POST, and nothing changes.
* Bad bytes: NUL characters, very long values and odd unicode in the sign-in forms give a form error.

A new route with a path parameter this file does not know fails :func:`test_cross_project_ids_are_refused`
until its author says which value from another project to try (``OTHER_PROJECT_VALUES``) or why the route
is not project-scoped (``NOT_PROJECT_SCOPED``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import csrf_token, make_participant, submit

from ledger.db.base import Base
from ledger.db.engine import transaction
from ledger.db.models import Activity, Project, Record, Role

Client = TestClient[Litestar]
NOT_PAGES = ("/api/v1", "/static/")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# Tables a refused request may still touch: the session's idle clock and the sign-in throttle.
VOLATILE = {"web_sessions", "web_sign_in_failures"}


def page_routes(app: Litestar) -> list[tuple[str, frozenset[str]]]:
    """(path, methods) for every page route (not the API, not static files); HEAD/OPTIONS left out."""
    found = []
    for route in app.routes:
        if route.path.startswith(NOT_PAGES) or route.path == "/static":
            continue
        methods = frozenset(m for h in route.route_handlers for m in h.http_methods) - {"HEAD", "OPTIONS"}
        if methods:
            found.append((route.path, methods))
    return sorted(found)


def snapshot(web_db: sessionmaker[Session]) -> dict[str, int]:
    """Row counts of every table (but the volatile ones): a refused request must leave them all alone."""
    with web_db() as session:
        return {table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables if table.name not in VOLATILE}


@pytest.fixture
def world(web_db: sessionmaker[Session], client_for: Callable[..., Client]) -> dict[str, Any]:
    """One person, activity and record in ALPHA and the same in BRAVO (made through the real pages)."""
    with transaction(web_db) as session:
        ann = make_participant(session, "Ann Alpha", ("ALPHA",))
        dee = make_participant(session, "Dee Bravo", ("BRAVO",))
        people = {"ALPHA": (ann.id, ann.reference), "BRAVO": (dee.id, dee.reference)}
        projects = {code: int(session.scalar(select(Project.id).where(Project.code == code)) or 0)
                    for code in ("ALPHA", "BRAVO")}
    admin = client_for(Role.ADMIN)
    found: dict[str, Any] = {"people": people, "projects": projects}
    for code in ("ALPHA", "BRAVO"):
        data = {"project": str(projects[code]), "date-day": "7", "date-month": "1", "date-year": "2026",
                "activity": "meeting", "mode": "in_person", "description": "Steering group", "rows": "1",
                "attendees[0].expense_rows": "1", "attendees[0].participant": str(people[code][0]),
                "attendees[0].involvement_minutes": "90", "attendees[0].role": "member"}
        answer = submit(admin, "/activities/new", "/activities/new", data, follow_redirects=False)
        assert answer.status_code == 303, answer.text[:2000]
        with web_db() as session:
            activity = session.scalars(select(Activity).where(Activity.project_id == projects[code])).one()
            record = session.scalars(select(Record).where(Record.activity_id == activity.id)).one()
            found[code] = {"reference": people[code][1], "participant_id": str(people[code][0]),
                           "activity_id": str(activity.id), "record_id": str(record.id)}
    return found


# ------------------------------------------------------------------------------------------ CSRF


def _fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values.get(m.group(1), "1"), path)


def test_every_post_page_refuses_a_missing_or_wrong_csrf_token(web_app: Litestar, client_for: Callable[..., Client],
                                                               web_db: sessionmaker[Session],
                                                               world: dict[str, Any]) -> None:
    admin = client_for(Role.ADMIN)
    admin.get("/sign-in/code")  # the CSRF cookie, as a browser that has opened any page has it
    values = {**world["ALPHA"], "token": "x" * 43, "user_id": "1", "token_id": "1", "message_id": "1"}
    posts = [path for path, methods in page_routes(web_app) if "POST" in methods]
    assert len(posts) > 20  # the walk really covers the site
    before = snapshot(web_db)
    for path in posts:
        url = _fill(path, values)
        missing = admin.post(url, data={"email": "a@example.org", "password": "x" * 12}, follow_redirects=False)
        assert missing.status_code == 403, f"POST {url} without a CSRF token: {missing.status_code}"
        wrong = admin.post(url, data={"_csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, f"POST {url} with a forged CSRF token: {wrong.status_code}"
    assert snapshot(web_db) == before


# ------------------------------------------------------------------------------------------ methods, headers


def test_wrong_methods_answer_405_with_security_headers(web_app: Litestar, client_for: Callable[..., Client],
                                                        world: dict[str, Any]) -> None:
    admin = client_for(Role.ADMIN)
    token = csrf_token(admin.get("/sign-in/code").text)
    values = {**world["ALPHA"], "token": "x" * 43}
    for path, methods in page_routes(web_app):
        url = _fill(path, values)
        for method in ("PUT", "DELETE", "PATCH", "GET", "POST") :
            if method in methods:
                continue
            answer = admin.request(method, url, headers={"x-csrftoken": token}, follow_redirects=False)
            assert answer.status_code == 405, f"{method} {url}: {answer.status_code}"
            assert "content-security-policy" in answer.headers, f"{method} {url} has no security headers"


@pytest.mark.parametrize("url", ["/no-such-page", "/records/999999", "/static/no-such-file.css"])
def test_error_pages_carry_the_security_headers(client_for: Callable[..., Client], url: str) -> None:
    answer = client_for(Role.ADMIN).get(url)
    assert answer.status_code == 404
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_static_files_carry_the_security_headers(anonymous_client: Client) -> None:
    page = anonymous_client.get("/sign-in").text
    asset = re.search(r"href=\"(/static/[^\"]+\.css[^\"]*)\"", page)
    assert asset, "the sign-in page links no stylesheet"
    answer = anonymous_client.get(asset.group(1))
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in answer.headers


# ------------------------------------------------------------------------------------------ project scope

# Path parameters and the value from the other project (BRAVO) to try in them.
OTHER_PROJECT_VALUES = ("reference", "participant_id", "activity_id", "record_id")
# Routes with a path parameter that are not about one project's people, and why.
NOT_PROJECT_SCOPED = {
    "/sign-in/link/{token:str}": "public: the token is the secret",
    "/invitations/{token:str}": "public: the token is the secret",
    "/verify/{code:str}": "public verification of a record of involvement by its code",
    "/admin/users/{user_id:int}": "administrators only (page matrix)",
    "/admin/users/{user_id:int}/disable": "administrators only (page matrix)",
    "/admin/users/{user_id:int}/invitation": "administrators only (page matrix)",
    "/admin/users/{user_id:int}/role": "administrators only (page matrix)",
    "/admin/tokens/{token_id:int}/revoke": "administrators only (page matrix)",
    "/admin/rate-cards/{key:str}": "rate cards are the same for every project",
    "/manager/download/{fmt:str}": "a file format; the project is in the query (see test_project_in_the_query)",
    "/imports/templates/{name:str}": "blank spreadsheet templates, the same for everyone",
    "/outcomes/records/{record_id:int}/withdraw": "record_id is a record of involvement: see test_outcomes_pages",
}


# Whole areas for roles that see every project (the page matrix keeps leads and participants out).
NOT_PROJECT_SCOPED_AREAS = {"/finance/": "finance officers and administrators see every project"}


def not_project_scoped(path: str) -> bool:
    return path in NOT_PROJECT_SCOPED or path.startswith(tuple(NOT_PROJECT_SCOPED_AREAS))


def test_cross_project_ids_are_refused(web_app: Litestar, client_for: Callable[..., Client],
                                       web_db: sessionmaker[Session], world: dict[str, Any]) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    token = csrf_token(lead.get("/activities/new").text)
    other = world["BRAVO"]
    walked = 0
    for path, methods in page_routes(web_app):
        names = PARAM.findall(path)
        if not names or not_project_scoped(path):
            continue
        unknown = [n for n in names if n not in OTHER_PROJECT_VALUES]
        assert not unknown, (f"{path}: say in OTHER_PROJECT_VALUES which value of another project to try for "
                             f"{unknown}, or in NOT_PROJECT_SCOPED why it is not project-scoped")
        own = lead.get(_fill(path, world["ALPHA"]), follow_redirects=False) if "GET" in methods else None
        if own is not None:
            assert own.status_code == 200, f"GET {path} with the lead's own ids: {own.status_code}"
        url = _fill(path, other)
        before = snapshot(web_db)
        if "GET" in methods:
            answer = lead.get(url, follow_redirects=False)
            assert answer.status_code in (403, 404), f"GET {url} (another project's): {answer.status_code}"
            assert "Dee Bravo" not in answer.text
            walked += 1
        if "POST" in methods:
            answer = lead.post(url, data={"_csrf_token": token, "reason": "no", "minutes": "60"},
                               follow_redirects=False)
            assert answer.status_code in (400, 403, 404), f"POST {url} (another project's): {answer.status_code}"
            assert "Dee Bravo" not in answer.text
            walked += 1
        assert snapshot(web_db) == before, f"{path}: another project's data changed"
    assert walked >= 10


def test_a_participant_reaches_no_staff_page_with_an_id(web_app: Litestar, client_for: Callable[..., Client],
                                                        world: dict[str, Any]) -> None:
    ann_id = int(world["ALPHA"]["participant_id"])
    person = client_for(Role.PARTICIPANT, participant=ann_id)
    for path, methods in page_routes(web_app):
        if not PARAM.findall(path) or "GET" not in methods or path in NOT_PROJECT_SCOPED:
            continue
        for values in (world["ALPHA"], world["BRAVO"]):
            answer = person.get(_fill(path, values), follow_redirects=False)
            assert answer.status_code in (403, 404), f"participant GET {path}: {answer.status_code}"


QUERY_PAGES = ("/manager?project={id}", "/manager/download/csv?project={id}", "/manager/spend.csv?project={id}",
               "/activities/new?project={id}", "/records?project={id}", "/activities?project={id}",
               "/approvals?project={id}", "/participants?project={id}", "/outcomes?project={id}")


def test_project_in_the_query(client_for: Callable[..., Client], world: dict[str, Any]) -> None:
    """A lead limited to ALPHA who puts BRAVO's id in a page's query sees nothing of BRAVO's."""
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    for url in QUERY_PAGES:
        answer = lead.get(url.format(id=world["projects"]["BRAVO"]), follow_redirects=False)
        assert answer.status_code < 500, f"{url}: {answer.status_code}"
        assert "Dee Bravo" not in answer.text and world["BRAVO"]["reference"] not in answer.text, url
        assert "BRAVO" not in answer.text, f"{url} shows the other project"


# ------------------------------------------------------------------------------------------ XSS

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_typed_markup_is_escaped_on_every_page(web_app: Litestar, client_for: Callable[..., Client],
                                               web_db: sessionmaker[Session], world: dict[str, Any]) -> None:
    """A name and an activity description holding HTML come back escaped on every page that shows them."""
    from sqlalchemy import update

    from ledger.db.models import Participant

    with transaction(web_db) as s:
        s.execute(update(Participant).where(Participant.id == int(world["ALPHA"]["participant_id"]))
                  .values(name=EVIL, preferred_name=EVIL))
        s.execute(update(Activity).where(Activity.id == int(world["ALPHA"]["activity_id"])).values(description=EVIL))
    admin = client_for(Role.ADMIN)
    shown = 0
    for path, methods in page_routes(web_app):
        if "GET" not in methods or path in NOT_PROJECT_SCOPED:
            continue
        answer = admin.get(_fill(path, world["ALPHA"]), follow_redirects=False)
        assert answer.status_code < 500, f"GET {path}: {answer.status_code}"
        assert "<script>alert" not in answer.text and "<img src=x" not in answer.text, f"GET {path} is not escaped"
        shown += "&lt;script&gt;alert" in answer.text
    assert shown >= 3  # the name really was on some pages


@pytest.mark.parametrize(("setting", "expected"), [("always", True), ("never", False)])
def test_strict_transport_security_when_cookies_are_secure(anonymous_client: Client, monkeypatch: pytest.MonkeyPatch,
                                                           setting: str, expected: bool) -> None:
    monkeypatch.setenv("LEDGER_SECURE_COOKIES", setting)
    for url in ("/sign-in", "/no-such-page"):
        answer = anonymous_client.get(url)
        assert ("strict-transport-security" in answer.headers) is expected, url
    if expected:
        assert answer.headers["strict-transport-security"].startswith("max-age=")


# ------------------------------------------------------------------------------------------ long and odd input

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD_NAME = re.compile(r"<(?:input|textarea|select)\b[^>]*\bname=\"([^\"]+)\"", re.I)
ODD = "x" * 5000 + "\u202e\u0301😀\x00"


def test_every_form_filled_with_long_odd_text_gives_no_server_error(web_app: Litestar,
                                                                   client_for: Callable[..., Client],
                                                                   world: dict[str, Any]) -> None:
    """Every form on every GET page, each field filled with 5,000 characters and odd unicode: never a 500."""
    admin = client_for(Role.ADMIN)
    sent = 0
    for path, methods in page_routes(web_app):
        if "GET" not in methods or path in NOT_PROJECT_SCOPED or path == "/sign-out":
            continue
        page_url = _fill(path, world["ALPHA"])
        shown = admin.get(page_url, follow_redirects=False)
        if shown.status_code != 200 or "text/html" not in shown.headers.get("content-type", ""):
            continue
        for attributes, body in FORM.findall(shown.text):
            if 'method="post"' not in attributes.lower() or "/sign-out" in attributes:
                continue
            action = re.search(r'action="([^"]*)"', attributes)
            target = (action.group(1) if action else page_url).replace("&amp;", "&") or page_url
            data = {name: ODD for name in FIELD_NAME.findall(body) if name != "_csrf_token"}
            data["_csrf_token"] = csrf_token(body)
            answer = admin.post(target, data=data, follow_redirects=False)
            assert answer.status_code < 500, f"POST {target} (form on {page_url}): {answer.status_code}"
            sent += 1
    assert sent >= 8


def test_a_lead_cannot_withdraw_another_projects_record_of_involvement(client_for: Callable[..., Client],
                                                                     web_db: sessionmaker[Session],
                                                                     world: dict[str, Any]) -> None:
    from ledger.db.models_recognition import InvolvementRecord
    from ledger.organisation import save_organisation
    from ledger.recognition.record import issue_record
    from ledger.security.actor import Actor

    with transaction(web_db) as s:
        save_organisation(s, {"name": "Trust", "contact_name": "Pat", "contact_phone": "0161 496 0000",
                              "contact_email": "involvement@example.org", "postal_address": "1 High Street",
                              "payer_name": "TRUST", "reference_prefix": "TR"})
        issued = issue_record(s, Actor.system("web review"), int(world["BRAVO"]["participant_id"]))
        record_id = s.scalars(select(InvolvementRecord.id)).one()
    assert issued is not None
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    token = csrf_token(lead.get("/outcomes").text)
    answer = lead.post(f"/outcomes/records/{record_id}/withdraw", data={"_csrf_token": token, "reason": "mine now"},
                       follow_redirects=False)
    assert answer.status_code in (403, 404), answer.status_code
    with web_db() as s:
        assert s.get(InvolvementRecord, record_id).withdrawn_reason is None  # type: ignore[union-attr]
