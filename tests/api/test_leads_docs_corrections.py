"""docs/leads.md's correction example, run as written: the JSON bodies are read from the markdown and sent.

The example used to replace the whole record and silently drop the mileage and follow-up of the record it
corrected. This test records the docs' steering-group activity, approves and reverses participant 8's
record with the docs' own request bodies, sends the docs' correction body unchanged, and checks that the
answer's ``changes`` is exactly the JSON the docs show and that nothing left out was lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.db.models import Role

API = "/api/v1"
DOC = Path(__file__).resolve().parents[2] / "docs" / "leads.md"
# The ids the docs use for its example project, people and records.
DOC_PROJECT, DOC_PEOPLE, DOC_RECORD = 3, (7, 8, 9), 41


def commands() -> list[tuple[str, str, Any]]:
    """Every curl command in the docs' shell blocks: (method, path, parsed JSON body or None)."""
    text = DOC.read_text(encoding="utf-8")
    found: list[tuple[str, str, Any]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        for command in re.split(r"\n(?=curl )", joined):
            match = re.search(r'curl -s(?: -X (\w+))? "\$LEDGER([^"]+)"', command)
            if match is None:
                continue
            body = re.search(r"-d '(.*?)'", command, flags=re.DOTALL)
            found.append((match.group(1) or "GET", match.group(2), json.loads(body.group(1)) if body else None))
    return found


def the_command(method: str, path_pattern: str) -> Any:
    matches = [body for m, path, body in commands() if m == method and re.fullmatch(path_pattern, path)]
    assert len(matches) == 1, (method, path_pattern, matches)
    return matches[0]


def changes_shown_in_the_docs() -> Any:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## 8. Reverse a mistake and submit a correction"):]
    return json.loads(re.findall(r"```json\n(.*?)```", section, flags=re.DOTALL)[0])


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


def test_the_docs_correction_example_keeps_what_it_leaves_out(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]
) -> None:
    admin, lead = make_token(Role.ADMIN), make_token(Role.LEAD, name="Lee (records)")
    approver = make_token(Role.LEAD, name="Amy (approves)")

    def call(method: str, path: str, token: str, body: Any = None, **headers: str) -> Any:
        response = client.request(method, API + path, json=body, headers={**auth(token), **headers})
        assert response.status_code in (200, 201), response.text
        return response.json()

    project = call("POST", "/projects", admin, {"code": "STEER", "name": "Steering group", "rate_card": "nihr-style"})
    people = {doc_id: call("POST", "/participants", lead, {"name": f"Person {doc_id}",
                                                           "payment_preference": "voucher"})["id"]
              for doc_id in DOC_PEOPLE}
    # Step 4 of the docs, as written, with this database's ids for project 3 and participants 7, 8 and 9.
    activity = the_command("POST", "/activities")
    activity["project"] = project["id"]
    for attendee in activity["attendees"]:
        attendee["participant"] = people[attendee["participant"]]
    created = call("POST", "/activities", lead, activity, **{"Idempotency-Key": "docs-steer-2026-01-14"})
    record = next(r["id"] for r in created["records"] if r["participant"] == people[8])  # the docs' record 41

    call("POST", f"/records/{record}/approve", approver)
    call("POST", f"/records/{record}/reverse", approver, the_command("POST", rf"/records/{DOC_RECORD}/reverse"))
    body = the_command("POST", rf"/records/{DOC_RECORD}/corrections")
    assert body == {"involvement_minutes": 60}  # what the docs tell a lead to send
    corrected = call("POST", f"/records/{record}/corrections", lead, body)

    expected = changes_shown_in_the_docs()
    expected["corrects_record"] = record
    assert corrected["changes"] == expected
    # Nothing left out was lost: follow-up and the car journey with its passenger are still paid.
    shown = call("GET", f"/records/{corrected['id']}", approver)
    assert (shown["involvement_minutes"], shown["follow_up_minutes"]) == (60, 20)
    assert shown["mileage"] == {"vehicle": "car", "miles": 14, "passengers": 1}
    assert [line["kind"] for line in shown["quote"]["lines"]] == ["involvement", "follow_up", "mileage", "passenger"]
    assert shown["changes"] == expected
    queue = call("GET", f"/records?project={project['id']}&status=submitted", approver)
    assert [item["changes"] for item in queue["items"] if item["id"] == corrected["id"]] == [expected]
