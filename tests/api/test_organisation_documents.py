"""Documents over HTTP name the organisation's contact, and refuse with 409 until ``ledger setup`` is done."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import participant
from pypdf import PdfReader
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import Role, Setting

API = "/api/v1"


def test_statement_names_the_contact_and_is_409_without_one(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session],
) -> None:
    finance = auth(make_token(Role.FINANCE))
    with transaction(session_factory) as session:
        person_id = participant(session, "Σοφία Παπαδοπούλου").id
    ok = client.get(f"{API}/participants/{person_id}/statement", headers=finance)
    assert ok.status_code == 200, ok.text
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(ok.content)).pages)
    assert "Σοφία Παπαδοπούλου" in " ".join(text.split())
    assert "Questions? Ask" in " ".join(text.split())

    with transaction(session_factory) as session:
        session.execute(delete(Setting).where(Setting.key.in_(["contact_name", "contact_email"])))
    refused = client.get(f"{API}/participants/{person_id}/statement", headers=finance)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert "ledger setup" in body["detail"]
    assert "contact person" in body["detail"] and "contact email" in body["detail"]


def test_a_name_in_a_script_the_fonts_cannot_print_is_a_422_naming_the_script(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session],
) -> None:
    finance = auth(make_token(Role.FINANCE))
    with transaction(session_factory) as session:
        person_id = participant(session, "محمد علي").id
    refused = client.get(f"{API}/participants/{person_id}/statement", headers=finance)
    assert refused.status_code == 422
    assert "Arabic" in refused.json()["detail"] and "preferred name" in refused.json()["detail"]
    assert "محمد" not in refused.text  # the name itself is not echoed back
    # the JSON form has no fonts to worry about
    assert client.get(f"{API}/participants/{person_id}/statement?format=json", headers=finance).status_code == 200
