"""Watch limits through the API: a named, dated limit by key, an amount typed by hand, and the mistakes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.db.models import Role

API = "/api/v1"
ORG = {"name": "Mind in Leeds"}


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


@pytest.fixture
def post(client: TestClient[Litestar], make_token: Callable[..., str],
         auth: Callable[[str], dict[str, str]]) -> Callable[[list[Any]], Any]:
    lead = make_token(Role.LEAD)

    def send(limits: list[Any]) -> Any:
        return client.post(f"{API}/participants", headers=auth(lead), json={
            "name": "Sam Lee", "payment_preference": "organisation", "organisation": ORG, "watch_limits": limits})

    return send


def test_a_named_limit_is_accepted_by_key_and_shown_with_its_figure_and_source(
    post: Callable[[list[Any]], Any],
) -> None:
    response = post([{"limit": "carers_allowance"},
                     {"limit": "trading_allowance", "label": "Tax: trading allowance"},
                     {"period": "week", "amount": "20.00", "label": "typed by hand"}])
    assert response.status_code == 201, response.text
    named, trading, typed = response.json()["watch_limits"]
    assert (named["limit"], named["period"], named["label"], named["currency"]) == (
        "carers_allowance", "week", "Carer's Allowance earnings limit", "GBP")
    assert named["amount"] in ("196.00", "204.00") and "gov.uk" in named["source"]  # depends on today
    assert (trading["limit"], trading["period"], trading["amount"], trading["label"]) == (
        "trading_allowance", "tax_year", "1000.00", "Tax: trading allowance")
    assert typed == {"period": "week", "amount": "20.00", "currency": "GBP", "label": "typed by hand"}


@pytest.mark.parametrize(("limit", "field", "words"), [
    ({"limit": "carers"}, "watch_limits[0].limit", "carers_allowance, esa_permitted_work"),
    ({"limit": "carers_allowance", "amount": "196.00"}, "watch_limits[0].amount", "not both"),
    ({"limit": "trading_allowance", "period": "week"}, "watch_limits[0].period", "tax-year limit"),
    ({"period": "week", "label": "ESA"}, "watch_limits[0].amount", "name a limit with limit"),
    ({"amount": "20.00", "label": "ESA"}, "watch_limits[0].period", "week or tax_year"),
    ({"period": "week", "amount": "20.00"}, "watch_limits[0].label", "say what the limit is for"),
    ({"period": "week", "amount": "0", "label": "x"}, "watch_limits[0].amount", "more than 0"),
])
def test_a_bad_watch_limit_is_422_naming_the_field(
    post: Callable[[list[Any]], Any], limit: dict[str, str], field: str, words: str
) -> None:
    response = post([limit])
    assert response.status_code == 422, response.text
    problems = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in problems and words in problems[field], problems
