"""The layout for someone signed in: their name, their role's links (only to pages that exist), sign out."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ledger.db.models import Role


def nav_links(html: str) -> list[tuple[str, str]]:
    nav = html[html.index('<nav aria-label="Menu"'):html.index("</nav>")]
    return [(href, re.sub(r"<[^>]+>", "", text).strip())
            for href, text in re.findall(r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>(.*?)</a>',
                                         nav, flags=re.S)]


def test_a_lead_sees_their_links_the_current_one_marked_and_a_sign_out_form(client_for: Callable[..., Any]) -> None:
    client = client_for(Role.LEAD, projects=("ALPHA",), name="Dana Lead")
    html = client.get("/accessibility").text
    links = nav_links(html)
    assert ("/lead", "Home") in links and ("/participants", "Participants") in links
    assert ("/approvals", "Approvals") in links
    assert all(href in {"/lead", "/participants", "/activities", "/approvals", "/records", "/outcomes", "/imports",
                        "/manager", "/admin/rate-cards"}
               for href, _ in links)
    assert "Signed in as Dana Lead" in html
    sign_out = re.search(r'<form method="post" action="/sign-out".*?</form>', html, flags=re.S)
    assert sign_out and 'name="_csrf_token" value="' in sign_out.group(0) and "Sign out" in sign_out.group(0)
    assert 'href="/sign-in"' not in html
    on_participants = client.get("/participants").text
    assert re.search(r'href="/participants"\s+aria-current="page"', on_participants)


def test_finance_gets_no_link_to_a_page_that_does_not_exist_yet(client_for: Callable[..., Any]) -> None:
    html = client_for(Role.FINANCE).get("/accessibility").text
    hrefs = [href for href, _ in nav_links(html)]
    assert "/finance/messages" in hrefs
    for href in hrefs:
        assert client_for(Role.FINANCE).get(href).status_code == 200, href


def test_nobody_signed_in_sees_only_sign_in(anonymous_client: Any) -> None:
    html = anonymous_client.get("/accessibility").text
    assert nav_links(html) == [("/sign-in", "Sign in")]
    assert "Signed in as" not in html and "/sign-out" not in html


def test_a_participant_is_greeted_by_name_not_by_their_reference(
    client_for: Callable[..., Any], web_db: Any
) -> None:
    from web_signin import make_participant

    from ledger.db.engine import transaction

    with transaction(web_db) as session:
        person = make_participant(session, name="Grace Hopper")
        person_id, reference = person.id, person.reference
    html = client_for(Role.PARTICIPANT, participant=person_id).get("/accessibility").text
    assert "Signed in as Grace Hopper" in html
    assert f"Signed in as participant {reference}" not in html and "Signed in as participant" not in html


def test_only_staff_see_the_developer_link_and_the_licence(client_for: Callable[..., Any], web_db: Any,
                                                             anonymous_client: Any) -> None:
    from web_signin import make_participant

    from ledger.db.engine import transaction

    with transaction(web_db) as session:
        person_id = make_participant(session, name="Ife Okafor").id
    for html in (client_for(Role.PARTICIPANT, participant=person_id).get("/accessibility").text,
                 anonymous_client.get("/accessibility").text):
        assert "API for developers" not in html and "MIT licence" not in html
        assert 'href="/accessibility"' in html
    staff = client_for(Role.FINANCE).get("/accessibility").text
    assert "API for developers" in staff and "MIT licence" in staff


def test_signed_in_pages_and_downloads_are_never_cached_but_static_files_are(
    client_for: Callable[..., Any], anonymous_client: Any
) -> None:
    """After signing out on a shared computer, the back button must not show someone's money from the cache."""
    finance = client_for(Role.FINANCE)
    for path in ("/accessibility", "/finance", "/finance/messages", "/no-such-page"):
        response = finance.get(path)
        assert response.headers.get("cache-control") == "no-store", path
    assert anonymous_client.get("/sign-in").headers.get("cache-control") == "no-store"
    html = anonymous_client.get("/sign-in").text
    css = re.search(r'href="(/static/css/ledger\.css\?v=\w+)"', html)
    assert css is not None
    static = anonymous_client.get(css.group(1))
    assert "max-age=31536000" in static.headers["cache-control"] and "no-store" not in static.headers["cache-control"]
