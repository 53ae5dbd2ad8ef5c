"""``GET /audit``: paged, filtered, newest first, for admins and auditors."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import record_event
from ledger.db.engine import transaction
from ledger.security.actor import Actor


def test_audit_list_pages_and_filters(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session],
) -> None:
    headers = auth(make_token("auditor"))  # creating the token is itself audited (entity api_token)
    with transaction(session_factory) as session:
        for i in range(5):
            record_event(
                session,
                Actor.system("demo"),
                "record.approve",
                "record",
                i % 2,
                None,
                {"status": "approved", "sort_code": "123456"},
            )
    page = client.get("/api/v1/audit?limit=2&offset=1&entity=record", headers=headers).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [item["entity_id"] for item in page["items"]] == ["1", "0"]
    assert page["items"][0]["id"] > page["items"][1]["id"]
    assert page["items"][0]["after"] == {"status": "approved", "sort_code": "**-**-56"}
    one = client.get("/api/v1/audit?entity=record&entity_id=1", headers=headers).json()
    assert one["total"] == 2
    everything = client.get("/api/v1/audit", headers=headers).json()
    assert everything["total"] == 6 and everything["items"][-1]["entity"] == "api_token"
    assert "token_hash" not in str(everything["items"][-1]["after"])
