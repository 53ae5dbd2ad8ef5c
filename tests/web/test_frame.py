"""The web foundation without a browser: layout, CSRF, error pages, headers, static files, forms, transactions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from browser.frame_test_pages import MARKER, PATH, install  # tests/web/browser/frame_test_pages.py
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.db.models import Setting
from ledger.errors import Forbidden
from ledger.organisation import KEYS
from ledger.web.app import page_router
from ledger.web.static_files import STATIC_DIR
from ledger.web.transaction import commit_failure

GOOD = {
    "name": "Northshire Health and Care Trust",
    "contact_name": "Priya Shah",
    "contact_phone": "0161 496 0000",
    "contact_email": "involvement@example.org",
    "postal_address": "1 High Street\nNorthtown\nNT1 1AA",
    "payer_name": "NORTHSHIRE HCT",
    "reference_prefix": "NHC",
    "review-day": "27",
    "review-month": "3",
    "review-year": "2027",
}


@get("/frame-test/forbidden", sync_to_thread=False)
def forbidden_page() -> str:
    raise Forbidden("only finance officers may see payment batches")


@get("/frame-test/crash", sync_to_thread=False)
def crash_page() -> str:
    raise RuntimeError("secret internal detail 12345")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    made = create_app(f"sqlite:///{tmp_path_factory.mktemp('frame') / 'ledger.db'}")
    install(made)
    made.register(page_router([forbidden_page, crash_page]))
    yield made


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        yield c


def database(app: Litestar) -> LedgerDatabase:
    return app.state[STATE_KEY]


def settings_in_db(app: Litestar) -> dict[str, str]:
    with database(app).session_factory() as session:
        return {row.key: row.value for row in session.scalars(select(Setting))}


def token_from(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the form has no CSRF field"
    return found.group(1)


# ------------------------------------------------------------------------------------------ layout

def test_pages_render_through_the_layout_with_our_own_header(client: TestClient[Litestar]) -> None:
    for path in ("/accessibility", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == (404 if "no-such" in path else 200)
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert '<html lang="en" class="govuk-template">' in html
        assert '<body class="govuk-template__body"' in html
        assert 'href="#main-content"' in html and 'id="main-content"' in html  # skip link and its target
        assert "Involvement ledger" in html
        assert 'href="/accessibility"' in html  # footer
        assert "MIT licence" not in html  # software talk is for signed-in staff only (test_frame_signed_in)
        # Not a GOV.UK service: no crown, no GOV.UK logo, no GOV.UK typeface.
        for banned in ("govuk-header__logo", "govuk-logo", "crown", "GDS Transport", "GOV.UK</"):
            assert banned not in html, f"{banned!r} on {path}"
        # Scripts are files (CSP forbids inline ones), loaded deferred at the end of the body.
        assert re.search(r'<script type="module" src="/static/js/init\.js\?v=\w+"></script>', html)
        assert re.search(r'<script src="/static/js/htmx\.min\.js\?v=\w+" defer></script>', html)
        assert not re.search(r"<script>(?!</script>)", html) and "<style" not in html and "style=" not in html


def test_the_organisation_name_shows_in_the_header_once_set(app: Litestar, client: TestClient[Litestar]) -> None:
    with database(app).session_factory() as session, session.begin():
        session.merge(Setting(key="name", value="Riverside <Involvement> Hub"))
    try:
        html = client.get("/accessibility").text
        assert "Riverside &lt;Involvement&gt; Hub" in html  # autoescaped
    finally:
        with database(app).session_factory() as session, session.begin():
            row = session.get(Setting, "name")
            if row is not None:
                session.delete(row)


def test_the_stylesheet_uses_the_system_fonts_not_the_gov_uk_typeface() -> None:
    css = (STATIC_DIR / "css" / "ledger.css").read_text(encoding="utf-8")
    assert "GDS Transport" not in css and "@font-face" not in css
    assert "font-family:system-ui" in css
    versions = json.loads((STATIC_DIR / "versions.json").read_text(encoding="utf-8"))
    assert versions["govuk-frontend"].startswith("6.") and versions["htmx.org"].startswith("2.")
    for licence in ("govuk-frontend-LICENSE.txt", "htmx-LICENSE.txt"):
        assert (STATIC_DIR / "licences" / licence).stat().st_size > 100


def test_page_security_headers_are_strict_and_the_api_keeps_its_own(client: TestClient[Litestar]) -> None:
    page = client.get("/accessibility")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    api = client.get("/api/v1/rate-cards")
    assert "content-security-policy" not in api.headers


def test_static_files_are_served_with_long_caching(client: TestClient[Litestar]) -> None:
    html = client.get("/accessibility").text
    css_url = re.search(r'href="(/static/css/ledger\.css\?v=\w+)"', html)
    assert css_url
    response = client.get(css_url.group(1))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in response.headers["cache-control"]
    assert client.get("/static/js/htmx.min.js").status_code == 200
    assert client.get("/static/../ledger.db").status_code == 404


def test_the_openapi_document_lists_only_the_api(client: TestClient[Litestar]) -> None:
    paths = json.loads(client.get("/api/v1/schema/openapi.json").text)["paths"]
    assert paths and all(p.startswith("/api/v1/") for p in paths)


# ------------------------------------------------------------------------------------------ errors

def test_a_missing_page_is_a_plain_words_html_page_but_the_api_keeps_problem_json(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and "<title>Page not found" in page.text
    assert page.headers["content-security-policy"]
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_forbidden_and_crash_pages_say_what_happened_without_internals(client: TestClient[Litestar]) -> None:
    forbidden = client.get("/frame-test/forbidden")
    assert forbidden.status_code == 403 and "You cannot see this page" in forbidden.text
    assert "Only finance officers may see payment batches." in forbidden.text
    crash = client.get("/frame-test/crash")
    assert crash.status_code == 500 and crash.headers["content-type"].startswith("text/html")
    assert "Sorry, there is a problem with the service" in crash.text
    assert "12345" not in crash.text and "RuntimeError" not in crash.text


# ------------------------------------------------------------------------------------------ CSRF

def test_a_form_without_its_csrf_token_is_refused_and_saves_nothing(
    app: Litestar, client: TestClient[Litestar]
) -> None:
    client.get(PATH)  # gets the CSRF cookie
    response = client.post(PATH, data=GOOD)
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert MARKER not in settings_in_db(app)

    forged = client.post(PATH, data={**GOOD, "_csrf_token": "0" * 128})
    assert forged.status_code == 403


def test_the_api_is_not_under_csrf_it_uses_bearer_tokens(client: TestClient[Litestar]) -> None:
    response = client.post("/api/v1/participants", json={})
    assert response.status_code == 401  # asked for a token, not refused for a missing CSRF token
    assert response.headers["content-type"].startswith("application/problem+json")


def test_htmx_requests_carry_the_token_in_a_header(client: TestClient[Litestar]) -> None:
    html = client.get(PATH).text
    header = re.search(r"hx-headers='(\{[^']+\})'", html)
    assert header
    token = json.loads(header.group(1))["x-csrftoken"]
    assert token == token_from(html)


# ------------------------------------------------------------------------------------------ forms

def test_a_form_with_problems_shows_each_beside_its_field_keeps_what_was_typed_and_saves_nothing(
    app: Litestar, client: TestClient[Litestar]
) -> None:
    token = token_from(client.get(PATH).text)
    typed = {**GOOD, "contact_email": "priya at example", "payer_name": "", "review-day": "31",
             "review-month": "2", "review-year": "2027", "_csrf_token": token}
    response = client.post(PATH, data=typed)
    assert response.status_code == 400
    html = response.text
    assert "<title>Error: Organisation details" in html
    assert "There is a problem" in html
    # Each problem in the summary links to its field, whose id exists on the page.
    for anchor in ("contact_email", "payer_name", "review-day"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert "The contact email does not look like name@example.org" in html
    assert "The date of the next review must be a real date" in html
    assert 'value="priya at example"' in html and 'value="31"' in html  # typed values kept
    assert "govuk-form-group--error" in html
    assert MARKER not in settings_in_db(app)  # written before the check, rolled back with the 400


def test_a_good_form_is_saved_then_redirected_with_a_one_time_notice(
    app: Litestar, client: TestClient[Litestar]
) -> None:
    token = token_from(client.get(PATH).text)
    response = client.post(PATH, data={**GOOD, "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == PATH
    saved = settings_in_db(app)
    assert saved[MARKER] and saved["payer_name"] == "NORTHSHIRE HCT"  # committed before the redirect left
    shown = client.get(PATH)
    assert "Organisation details saved" in shown.text and "govuk-notification-banner--success" in shown.text
    assert "Organisation details saved" not in client.get(PATH).text  # once only
    for key in KEYS:
        assert key in saved


def test_a_forged_notice_cookie_shows_nothing(client: TestClient[Litestar]) -> None:
    client.cookies.set("ledger_notice", "SGFja2Vk.0123456789abcdef0123456789abcdef")
    assert "Hacked" not in client.get("/accessibility").text


def test_the_csrf_cookie_is_httponly_and_secure_except_on_plain_http_to_this_computer(app: Litestar) -> None:
    for base_url, secure in (("https://ledger.example.org", True), ("http://ledger.example.org", True),
                             ("http://localhost", False), ("http://127.0.0.1", False)):
        with TestClient(app, base_url=base_url) as fresh:
            cookie = fresh.get("/accessibility").headers["set-cookie"]
        assert "ledger_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure, base_url




def test_the_shipped_assets_are_the_versions_web_package_json_pins() -> None:
    root = Path(__file__).resolve().parents[2]
    pinned = json.loads((root / "web" / "package.json").read_text(encoding="utf-8"))
    shipped = json.loads((STATIC_DIR / "versions.json").read_text(encoding="utf-8"))
    assert shipped == {name: pinned["dependencies"][name] for name in ("govuk-frontend", "htmx.org")}, (
        "run bash web/build.sh and commit ledger/web/static")
    axe = (root / "tests" / "web" / "browser" / "vendor" / "axe-core-VERSION.txt").read_text(encoding="utf-8")
    assert axe.strip() == pinned["devDependencies"]["axe-core"]
    # govuk-frontend-jinja 4.x ports govuk-frontend 6.x macros: keep the two in step.
    assert shipped["govuk-frontend"].split(".")[0] == "6"
    assert version("govuk-frontend-jinja").split(".")[0] == "4"


def test_a_refused_commit_becomes_plain_words_and_a_status() -> None:
    class Orig(Exception):
        pass

    conflict = commit_failure(sa_exc.IntegrityError("INSERT", {}, Orig("UNIQUE constraint failed")), "/x")
    assert conflict[0] == 409 and "Nothing was saved" in conflict[2]
    too_long = commit_failure(sa_exc.DataError("INSERT", {}, Orig("value too long")), "/x")
    assert too_long[0] == 400 and "Nothing was saved" in too_long[2]
    gone = commit_failure(sa_exc.OperationalError("COMMIT", {}, Orig("database is locked")), "/x")
    assert gone[0] == 503
    full = commit_failure(sa_exc.OperationalError("COMMIT", {}, Orig("database or disk is full")), "/x")
    assert full[0] == 503 and "disk" in full[2]
    assert commit_failure(RuntimeError("boom"), "/x")[0] == 500
