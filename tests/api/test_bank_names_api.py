"""Through the API: an account name the bank file cannot carry is a 422 naming ``bank.account_name``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.db.models import Role


@pytest.mark.parametrize(("name", "expected"), [
    ("Łukasiewicz", "LUKASIEWICZ"),
    ("محمد علي", "exactly as the bank holds it"),
])
def test_account_names_outside_the_bank_character_set_are_refused(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]],
    name: str, expected: str,
) -> None:
    admin = make_token(Role.ADMIN)
    answer = client.post("/api/v1/participants", headers=auth(admin), json={
        "name": "Jan", "payment_preference": "bank_transfer",
        "bank": {"account_name": name, "sort_code": "08-99-99", "account_number": "66374958"},
    })
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert expected in errors["bank.account_name"]
    assert "66374958" not in answer.text
