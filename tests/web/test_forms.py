"""Form helpers, navigation and redirects on their own (no app): plain words, the right field, page order."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.db.models import Role
from ledger.errors import FieldProblem, Invalid, invalid_field
from ledger.web.forms import Form, field_id, form_from, parse_date_input
from ledger.web.navigation import NAVIGATION, links_for
from ledger.web.render import _local


def date_form(day: str, month: str, year: str) -> Form:
    return form_from({"date-day": day, "date-month": month, "date-year": year})


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("6", "4", "2026", dt.date(2026, 4, 6)),
        (" 06 ", "04", "2026", dt.date(2026, 4, 6)),
        ("29", "feb", "2028", dt.date(2028, 2, 29)),
        ("1", "September", "2026", dt.date(2026, 9, 1)),
    ],
)
def test_a_real_date_is_read_from_its_three_boxes(day: str, month: str, year: str, expected: dt.date) -> None:
    form = date_form(day, month, year)
    assert parse_date_input(form, "date", "date of the activity") == expected
    assert form.errors == []


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "anchor"),
    [
        ("", "", "", "Enter the date of the activity", "date-day"),
        ("6", "", "2026", "The date of the activity must include a month", "date-month"),
        ("", "", "2026", "The date of the activity must include a day and a month", "date-day"),
        ("6", "4", "", "The date of the activity must include a year", "date-year"),
        ("31", "2", "2026", "The date of the activity must be a real date, for example 27 3 2026", "date-day"),
        ("6", "13", "2026", "The date of the activity must be a real date, for example 27 3 2026", "date-day"),
        ("six", "4", "2026", "The date of the activity must be a real date, written in numbers, for example 27 3 "
                             "2026", "date-day"),
        ("6", "4", "26", "The year of the date of the activity must have 4 numbers, for example 2026", "date-year"),
    ],
)
def test_a_wrong_date_gets_plain_words_linked_to_the_box_to_fix(
    day: str, month: str, year: str, message: str, anchor: str
) -> None:
    form = date_form(day, month, year)
    assert parse_date_input(form, "date", "date of the activity") is None
    assert form.error("date") == message
    assert form.summary == [{"text": message, "href": f"#{anchor}"}]
    assert form.title_prefix == "Error: "
    assert form.date_field("date", "Date")["items"][0]["value"] == day  # typed values kept


def test_an_optional_date_left_empty_is_no_problem() -> None:
    form = date_form("", "", "")
    assert parse_date_input(form, "date", "date of birth", required=False) is None
    assert form.errors == [] and form.title_prefix == ""


def test_service_problems_become_field_errors_with_the_services_words() -> None:
    form = form_from([("display_name", ""), ("email", "x"), ("date-day", "1"), ("date-month", "2"),
                      ("date-year", "2026")])
    form.add_problems(Invalid("cannot save", [
        FieldProblem("email", "the email does not look like name@example.org"),
        FieldProblem("name", "the name is missing"),
        FieldProblem("date", "the date of the activity is in the future"),
        FieldProblem("attendees[0].role", "role of attendee 1 is not on the rate card"),
    ]), fields={"name": "display_name"}, fallback=None)
    assert form.error("email") == "The email does not look like name@example.org"
    assert form.error("display_name") == "The name is missing"
    assert form.error("date") == "The date of the activity is in the future"
    # A field this form does not have is not lost: it is listed in the summary.
    assert {"text": "Role of attendee 1 is not on the rate card", "href": "#main-content"} in form.summary
    # In the order of the page's fields (problems not tied to a field first).
    assert [item["href"] for item in form.summary] == ["#main-content", "#display_name", "#email", "#date-day"]


def test_an_error_without_field_problems_shows_its_detail() -> None:
    form = form_from({"name": "Jo"})
    form.add_problems(Invalid("the organisation's details are not complete"), fallback="name")
    assert form.error("name") == "The organisation's details are not complete"
    form2 = form_from({"name": "Jo"})
    form2.add_problems(invalid_field("name", "the name is longer than 200 characters"))
    assert form2.error_message("name") == {"text": "The name is longer than 200 characters"}


def test_the_first_problem_per_field_is_the_one_shown() -> None:
    form = form_from({"name": ""})
    form.add("name", "Enter the name")
    form.add("name", "The name is too short")
    assert form.error("name") == "Enter the name" and len(form.errors) == 1


def test_component_parameters_carry_value_label_error_and_choices() -> None:
    form = form_from([("name", "Jo <Ann>"), ("mode", "online"), ("needs", "bsl"), ("needs", "large_print"),
                      ("_csrf_token", "secret")])
    assert "_csrf_token" not in form.values
    form.add("name", "Enter the full name")
    field = form.field("name", "Full name", hint="As on their bank account", autocomplete="name")
    assert field == {"id": "name", "name": "name", "value": "Jo <Ann>", "label": {"text": "Full name"},
                     "errorMessage": {"text": "Enter the full name"}, "hint": {"text": "As on their bank account"},
                     "autocomplete": "name"}
    radios = form.choices("mode", "How did they take part?", [("in_person", "In person"), ("online", "Online")])
    assert [item["checked"] for item in radios["items"]] == [False, True]
    boxes = form.choices("needs", "Needs", [("bsl", "BSL"), ("large_print", "Large print"), ("easy_read", "Easy")])
    assert [item["checked"] for item in boxes["items"]] == [True, True, False]
    edit = Form()
    edit.set_date("born", dt.date(1980, 7, 9))
    assert [i["value"] for i in edit.date_field("born", "Date of birth")["items"]] == ["9", "7", "1980"]


def test_field_ids_are_safe_html_ids() -> None:
    assert field_id("attendees[0].involvement_minutes") == "attendees-0-involvement_minutes"
    assert field_id("name") == "name"
    assert field_id("a b\"><script>") == "a-b-script"


def test_redirects_stay_on_this_site() -> None:
    assert _local("/records/12?page=2") == "/records/12?page=2"
    for outside in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        assert _local(outside) == "/"


def test_each_role_gets_its_links_with_the_current_page_marked() -> None:
    assert links_for(None, "/") == []
    lead = links_for(Role.LEAD, "/participants/12/edit")
    assert [item.text for item in lead if item.current] == ["Participants"]
    assert [item.href for item in links_for(Role.PARTICIPANT, "/me")] == ["/me"]
    admin = links_for(Role.ADMIN, "/admin/users")
    assert [item.text for item in admin if item.current] == ["Users"]
    assert set(NAVIGATION) == set(Role)
    # Links to pages the app does not serve (yet) are left out.
    assert [item.href for item in links_for(Role.FINANCE, "/finance/messages", {"/finance/messages"})] == [
        "/finance/messages"]


def test_htmx_requests_are_told_apart_by_their_header() -> None:
    from litestar.testing import RequestFactory

    from ledger.web.render import is_htmx

    factory = RequestFactory()
    assert is_htmx(factory.get("/", headers={"HX-Request": "true"}))
    assert not is_htmx(factory.get("/"))
