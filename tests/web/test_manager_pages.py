"""The manager and administrator pages without a browser: spend (/manager), the audit trail, rate cards.

Figures on the spend page and in its downloads must be the one spend service's (the API's and the CLI's);
a lead sees only their projects; bad filters come back as a page with the problem beside the field; the
audit trail shows only masked before/after and its check says the same as ``ledger audit verify``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import approve, backdate, participant, project, set_organisation
from sqlalchemy import text, update
from sqlalchemy.orm import Session, sessionmaker
from web_signin import submit

from ledger.audit import record_event
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Role
from ledger.money import display_amount
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.rates.changes import compare_versions
from ledger.rates.registry import default_registry
from ledger.reports.spend import spend_csv, spend_report
from ledger.security.actor import Actor

Client = TestClient[Litestar]
CLI, SECOND = Actor.system("cli"), Actor.system("second check")
YEAR = {"year": "2025"}  # 6 April 2025 to 5 April 2026


@pytest.fixture
def ledger(web_db: sessionmaker[Session]) -> dict[str, Any]:
    """Two projects with approved records in the 2025 to 2026 tax year, some of them paid."""
    set_organisation(web_db)  # batches need the organisation's details
    with transaction(web_db) as s:
        alpha, beta = project(s, "ALPHA"), project(s, "BETA", budget_minor=None)
        ann, bob = participant(s, "Ann Ample"), participant(s, "Bob Bright")
        approve(s, ann, alpha, date(2025, 5, 10), 5000, 450, activity="meeting")
        approve(s, bob, alpha, date(2025, 6, 12), 2750, 0, activity="review")
        approve(s, bob, beta, date(2025, 7, 1), 1250, 0, activity="meeting")
        batch = build_batch(s, CLI, "bank_transfer", up_to=date(2025, 6, 30)).batch
        approve_batch(s, SECOND, batch.id)
        backdate(s, batch, date(2025, 7, 1))
        mark_paid(s, CLI, batch.id, date(2025, 7, 4), today=date(2025, 7, 5))
        return {"alpha": (alpha.id, alpha.code, alpha.name), "beta": (beta.id, beta.code, beta.name)}


def _report(web_db: sessionmaker[Session], ids: list[int] | None) -> Any:
    with web_db() as s:
        return spend_report(s, ids, date(2025, 4, 6), date(2026, 4, 5))


def error_beside(html: str, field: str) -> str:
    """The error message shown beside ``field`` (and linked from the summary)."""
    assert f'href="#{field}"' in html, f"the error summary does not link to #{field}"
    found = re.search(rf'id="{field}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*([^<]+)', html)
    assert found, f"no error message beside {field}"
    return found.group(1).strip().lower()


def test_spend_page_shows_the_services_figures_as_charts_and_tables(
    client_for: Callable[..., Client], web_db: sessionmaker[Session], ledger: dict[str, Any]
) -> None:
    page = client_for(Role.AUDITOR).get("/manager", params=YEAR)
    assert page.status_code == 200, page.text
    html = page.text
    report = _report(web_db, None)
    for figure in (report.totals.paid, report.totals.committed, report.projects[0].budget):
        assert display_amount(figure, "GBP") in html
    assert report.totals.paid > 0 and report.totals.days_to_payment_median is not None
    # Four charts, each an image with a title and a description, each followed by its table.
    assert html.count('<svg role="img"') == 4
    for key in ("budget", "days", "months", "activities"):
        assert f'<title id="chart-{key}-title">' in html and f'<desc id="chart-{key}-desc">' in html
    assert "May 2025" in html and "June 2025" in html  # by month, in words
    assert 'style="' not in html and "<script>" not in html  # the CSP would refuse them
    assert ledger["alpha"][2] in html and ledger["beta"][2] in html


def test_the_default_period_is_the_current_tax_year(client_for: Callable[..., Client], ledger: dict[str, Any]) -> None:
    from ledger import clock
    from ledger.rates.taxyear import resolve_period

    start, end = resolve_period(None, None, clock.today())
    html = client_for(Role.FINANCE).get("/manager").text
    assert f"{start:%-d %B %Y} to {end:%-d %B %Y}" in html
    assert f'<option value="{start.year}" selected' in html


def test_downloads_are_the_same_exporters_output(
    client_for: Callable[..., Client], web_db: sessionmaker[Session], ledger: dict[str, Any]
) -> None:
    client = client_for(Role.ADMIN)
    csv = client.get("/manager/download/csv", params=YEAR)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content == spend_csv(_report(web_db, None))
    pdf = client.get("/manager/download/pdf", params={**YEAR, "project": str(ledger["alpha"][0])})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    assert client.get("/manager/download/xlsx", params=YEAR).status_code == 404


def test_a_lead_sees_only_their_own_projects(
    client_for: Callable[..., Client], web_db: sessionmaker[Session], ledger: dict[str, Any]
) -> None:
    alpha_id, alpha_code, alpha_name = ledger["alpha"]
    beta_id, beta_code, beta_name = ledger["beta"]
    lead = client_for(Role.LEAD, projects=(alpha_code,))
    html = lead.get("/manager", params=YEAR).text
    assert alpha_name in html and beta_name not in html and beta_code not in html
    assert lead.get("/manager/download/csv", params=YEAR).content == spend_csv(_report(web_db, [alpha_id]))
    # Asking for another project is a problem beside the field, the same as one that does not exist.
    for project_id in (beta_id, 999999):
        refused = lead.get("/manager", params={**YEAR, "project": str(project_id)})
        assert refused.status_code == 400
        assert "must be one of your projects" in error_beside(refused.text, "project")
        assert beta_name not in refused.text
    assert lead.get("/manager/download/csv", params={**YEAR, "project": str(beta_id)}).status_code == 400


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"year": "next"}, "year", "must be a tax year from the list"),
    ({"year": "1066"}, "year", "must be a tax year from the list"),
    ({"date_from": "31/12/2025"}, "date_from", "must be a date written like 2026-04-06"),
    ({"date_from": "2026-01-01", "date_to": "2025-01-01"}, "date_from", "swap the dates"),
    ({"project": "ALPHA"}, "project", "must be one of your projects"),
])
def test_bad_filters_give_the_page_with_the_error_beside_the_field(
    client_for: Callable[..., Client], ledger: dict[str, Any], params: dict[str, str], field: str, words: str
) -> None:
    client = client_for(Role.ADMIN)
    for path in ("/manager", "/manager/download/pdf"):
        shown = client.get(path, params=params)
        assert shown.status_code == 400 and shown.headers["content-type"].startswith("text/html")
        assert words in error_beside(shown.text, field)
        assert shown.text.startswith("<!DOCTYPE html>") and "<title>Error:" in shown.text
        for name, value in params.items():  # what was typed in a box is kept (a list keeps only its choices)
            assert not name.startswith("date") or f'value="{value}"' in shown.text


# ----------------------------------------------------------------------------------------- audit trail


@pytest.fixture
def trail(web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        record_event(s, Actor.system("Sam Admin"), "participant.update", "participant", "7",
                     {"name": "Ada Lovelace", "email": "ada@example.org"},
                     {"name": "Ada King", "email": "ada.king@example.org", "phone": "07700 900123"})
        for i in range(55):
            record_event(s, CLI, "record.approve", "record", str(i), None, {"status": "approved"})


def test_the_audit_trail_is_filtered_paged_and_masked(client_for: Callable[..., Client], trail: None) -> None:
    client = client_for(Role.AUDITOR)
    first = client.get("/admin/audit")
    assert first.status_code == 200
    assert "Older" in first.text and first.text.count('<tr class="govuk-table__row">') == 51  # header + 50
    older = client.get("/admin/audit", params={"page": "2"}).text
    assert "Newer" in older
    person = client.get("/admin/audit", params={"entity": "participant", "action": "participant.update"}).text
    assert "1 event" in person and "A*** K***" in person
    for secret in ("Ada", "Lovelace", "ada@example.org", "900123"):
        assert secret not in person
    by_sam = client.get("/admin/audit", params={"actor": "Sam"}).text  # the start of who did it
    assert "1 event" in by_sam and by_sam.count('<tr class="govuk-table__row">') == 2  # header + Sam's
    assert "No events match" in client.get("/admin/audit", params={"actor": "am Admin"}).text
    assert "No events match" in client.get("/admin/audit", params={"date_to": "2000-01-01"}).text
    assert "No events match" in client.get("/admin/audit", params={"entity_id": "nothing"}).text


@pytest.mark.parametrize(("params", "field"), [
    ({"date_from": "yesterday"}, "date_from"),
    ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_from"),
    ({"action": "x" * 81}, "action"),
    ({"page": "0"}, "page"),
])
def test_bad_audit_filters_are_shown_beside_the_field(
    client_for: Callable[..., Client], trail: None, params: dict[str, str], field: str
) -> None:
    shown = client_for(Role.ADMIN).get("/admin/audit", params=params)
    assert shown.status_code == 400
    assert error_beside(shown.text, field)


def test_check_the_trail_says_intact_then_names_the_changed_event(
    client_for: Callable[..., Client], web_db: sessionmaker[Session], trail: None
) -> None:
    client = client_for(Role.AUDITOR)
    intact = submit(client, "/admin/audit", "/admin/audit/check", {"anchor": ""})
    assert intact.status_code == 200 and "The trail is intact." in intact.text
    bad_anchor = submit(client, "/admin/audit", "/admin/audit/check", {"anchor": "not an anchor"})
    assert bad_anchor.status_code == 400 and "not an audit anchor" in error_beside(bad_anchor.text, "anchor")
    assert 'not an anchor</textarea>' in bad_anchor.text
    with transaction(web_db) as s:  # an attacker with database access removes the append-only trigger first
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(update(AuditEvent).where(AuditEvent.entity_id == "3").values(action="record.reject"))
        changed = s.query(AuditEvent.id).filter(AuditEvent.entity_id == "3").scalar()
    broken = submit(client, "/admin/audit", "/admin/audit/check", {"anchor": ""})
    assert f"The trail is broken at event {changed}." in broken.text
    assert "security incident" in broken.text


# ------------------------------------------------------------------------------------------ rate cards


def test_rate_cards_list_versions_and_say_what_changed(client_for: Callable[..., Client]) -> None:
    client = client_for(Role.LEAD, projects=("ALPHA",))
    listing = client.get("/admin/rate-cards").text
    for card in default_registry().cards():
        assert card.name in listing and f"/admin/rate-cards/{card.key}" in listing
    nihr = client.get("/admin/rate-cards/nihr-style").text
    assert "From 16 December 2025" in nihr and "From 31 August 2022" in nihr
    assert "was £25.00 an hour, now £27.50 an hour" in nihr
    assert "From 6 April 2026: Car or van, £0.55 a mile" in nihr
    missing = client.get("/admin/rate-cards/no-such-card")
    assert missing.status_code == 404 and "no rate card called" in missing.text


def test_every_kind_of_rule_change_is_put_in_words() -> None:
    card = default_registry().get("day-rate-example")
    old = card.versions[0]
    meeting = old.activities["meeting"]
    bands = (replace(meeting.bands[0], fee=Decimal("80.00")), meeting.bands[1])
    new = replace(
        old, daily_fee_cap=Decimal("200.00"),
        activities={**old.activities, "meeting": replace(meeting, bands=bands)},
        time=replace(old.time, minimum_involvement_minutes=60, travel_time_paid=True),
        expenses=replace(old.expenses, online_allowance=Decimal("6.00"),
                         at_cost={k: v for k, v in old.expenses.at_cost.items() if k != "taxi"}),
    )
    words = [f"{c.topic}: {c.words}" for c in compare_versions(old, new, "GBP")]
    assert "Activities: Meeting or workshop: was by length of time: up to 4 h: £75.00 (half day)" in words[0]
    assert "now by length of time: up to 4 h: £80.00 (half day)" in words[0]
    assert "Time rules: Minimum time paid: was 30 min, now 1 h" in words
    assert "Time rules: Travel time: was not paid, now paid" in words
    assert "Caps: Most a person can be paid in fees in one day: was none, now £200.00" in words
    assert "Expenses: Allowance for taking part online: was £5.00, now £6.00" in words
    assert "Costs paid back: Kind of cost no longer on the card: Taxi" in words
    assert compare_versions(old, old, "GBP") == []
