"""The upload page (/imports): check a file, see the preview, import it; roles and project scope."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import csrf_token, ensure_project, make_participant

from ledger.db.engine import transaction
from ledger.db.models import Participant, Record, Role


def csv_file(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


LOG = [["Project", "Date", "Activity", "Participant", "Time"], ["ALPHA", "07/01/2026", "meeting", "P-0001", "1:30"]]


@pytest.fixture
def seeded(web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as session:
        ensure_project(session, "ALPHA")
        ensure_project(session, "BETA")
        make_participant(session, "Jo Smith", projects=("ALPHA",), reference="P-0001")


def upload(client: TestClient[Any], data: bytes | None, **form: str) -> Any:
    token = csrf_token(client.get("/imports").text)
    files = {"file": ("log.csv", data, "text/csv")} if data is not None else {"file": ("", b"", "text/csv")}
    return client.post("/imports", data={"kind": "activities", **form, "_csrf_token": token}, files=files)


def records(web_db: sessionmaker[Session]) -> int:
    with transaction(web_db) as session:
        return session.scalar(select(func.count()).select_from(Record)) or 0


def test_check_preview_then_import_then_nothing_twice(client_for: Callable[..., TestClient[Any]],
                                                      web_db: sessionmaker[Session], seeded: None) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    form = lead.get("/imports")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "/imports/templates/activities.xlsx" in form.text
    assert "up to 1 MB" in form.text, "the form says how big a file may be"
    preview = upload(lead, csv_file(LOG))
    assert preview.status_code == 200, preview.text
    assert "Check your import" in preview.text and "Importing would add 1 record" in preview.text
    assert records(web_db) == 0, "the check saves nothing"
    held = preview.text.split('name="held" value="')[1].split('"')[0]
    done = lead.post("/imports/run", data={"held": held, "kind": "activities", "project": "",
                                           "_csrf_token": csrf_token(preview.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/imports"
    assert records(web_db) == 1
    shown = lead.get("/imports")
    assert "Imported 1 record in 1 activity" in shown.text
    again = lead.post("/imports/run", data={"held": held, "kind": "activities", "project": "",
                                            "_csrf_token": csrf_token(shown.text)})
    assert again.status_code == 400 and "no longer here" in again.text, "a held file is used once"
    second = upload(lead, csv_file(LOG))
    assert "Rows left out" in second.text and "already in the ledger" in second.text
    assert 'name="held"' not in second.text and "nothing new to import" in second.text
    assert records(web_db) == 1


def test_problems_are_listed_by_row_and_column_with_the_error_summary(
        client_for: Callable[..., TestClient[Any]], web_db: sessionmaker[Session], seeded: None) -> None:
    admin = client_for(Role.ADMIN)
    rows = [*LOG, ["ALPHA", "13/25/2026", "meeting", "Nobody", "1:30"]]
    preview = upload(admin, csv_file(rows))
    assert preview.status_code == 200
    assert "<title>Error: Check your import" in preview.text
    assert "govuk-error-summary" in preview.text and 'href="#problem-1"' in preview.text
    assert "row 3, column B (Date): &#39;13/25/2026&#39; is not a real date" in preview.text
    assert "row 3, column D (Participant)" in preview.text
    assert 'name="held"' not in preview.text, "a file with problems cannot be imported"
    assert records(web_db) == 0


def test_the_form_names_what_is_missing_and_keeps_what_was_chosen(
        client_for: Callable[..., TestClient[Any]], seeded: None) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    missing = upload(lead, None, project="ALPHA")
    assert missing.status_code == 400
    assert "Choose the spreadsheet to import" in missing.text and 'href="#file"' in missing.text
    assert '<option value="ALPHA" selected' in missing.text
    wrong = upload(lead, csv_file(LOG), kind="payments")
    assert wrong.status_code == 400 and "Choose what the file holds" in wrong.text


def test_a_lead_imports_only_into_their_projects(client_for: Callable[..., TestClient[Any]],
                                                 web_db: sessionmaker[Session], seeded: None) -> None:
    beta = client_for(Role.LEAD, projects=("BETA",))
    form = beta.get("/imports")
    assert "ALPHA" not in form.text and "BETA" in form.text
    preview = upload(beta, csv_file(LOG))
    assert "you may not import into project ALPHA" in preview.text and 'name="held"' not in preview.text
    assert records(web_db) == 0


@pytest.mark.parametrize("role", [Role.FINANCE, Role.AUDITOR])
def test_other_roles_are_refused(client_for: Callable[..., TestClient[Any]], seeded: None, role: Role) -> None:
    assert client_for(role).get("/imports").status_code == 403


def test_templates_download(client_for: Callable[..., TestClient[Any]], seeded: None) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    book = lead.get("/imports/templates/participants.xlsx")
    assert book.status_code == 200 and book.content.startswith(b"PK")
    assert 'filename="participants-template.xlsx"' in book.headers["content-disposition"]
    assert lead.get("/imports/templates/activities.csv").text.lstrip("\ufeff").startswith("Project,Date")
    assert lead.get("/imports/templates/secrets.txt").status_code == 404


def test_a_participants_file_through_the_page(client_for: Callable[..., TestClient[Any]],
                                              web_db: sessionmaker[Session], seeded: None) -> None:
    admin = client_for(Role.ADMIN)
    people = csv_file([["Name", "Payment choice", "Projects"], ["Kim New", "voucher", "ALPHA"]])
    preview = upload(admin, people, kind="participants")
    held = preview.text.split('name="held" value="')[1].split('"')[0]
    admin.post("/imports/run", data={"held": held, "kind": "participants", "project": "",
                                     "_csrf_token": csrf_token(preview.text)})
    with transaction(web_db) as session:
        assert session.scalar(select(func.count()).select_from(Participant).where(Participant.name == "Kim New")) == 1


def test_a_file_over_the_size_cap_is_refused_in_words(client_for: Callable[..., TestClient[Any]],
                                                      web_db: sessionmaker[Session], seeded: None) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    big = csv_file(LOG) + b"ALPHA,07/01/2026,meeting,P-0001,1:30\r\n" * 40_000  # about 1.5 MB
    refused = upload(lead, big)
    assert refused.status_code == 413, refused.status_code
    assert "too large" in refused.text and "Nothing was saved" in refused.text
    assert records(web_db) == 0
