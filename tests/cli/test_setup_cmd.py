"""``ledger setup`` and ``ledger.organisation``: the organisation's details are set once, checked, and a
missing one is a clear error naming it (never a placeholder such as "Involvement ledger")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.errors import Conflict, Invalid
from ledger.organisation import (
    OrganisationNotSet,
    bank_reference,
    get_organisation,
    read_settings,
    save_organisation,
)

FLAGS = [
    "--name", "Northshire Health & Care",
    "--contact-name", "Priya Shah",
    "--contact-phone", "0161 496 0000",
    "--contact-email", "involvement@northshire.example",
    "--address", "1 High Street, Northtown, NT1 1AA",
    "--payer-name", "northshire hct",
    "--reference-prefix", "nhc",
]


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return url, make_session_factory(engine)


def test_setup_with_flags_stores_every_detail(db: tuple[str, sessionmaker[Session]]) -> None:
    url, factory = db
    result = CliRunner().invoke(main, ["setup", "--no-input", *FLAGS, "--database", url])
    assert result.exit_code == 0, result.output
    with transaction(factory) as session:
        org = get_organisation(session)
    assert org.name == "Northshire Health & Care"
    assert org.payer_name == "NORTHSHIRE HCT" and org.reference_prefix == "NHC"
    assert org.address_lines == ("1 High Street", "Northtown", "NT1 1AA")
    assert org.contact_sentence == "Ask Priya Shah on 0161 496 0000 or email involvement@northshire.example."
    shown = CliRunner().invoke(main, ["setup", "--show", "--database", url])
    assert shown.exit_code == 0 and "Priya Shah" in shown.output


def test_setup_prompts_with_stored_values_as_defaults(db: tuple[str, sessionmaker[Session]]) -> None:
    url, factory = db
    assert CliRunner().invoke(main, ["setup", "--no-input", *FLAGS, "--database", url]).exit_code == 0
    # Press Enter six times (keep), change only the contact person.
    answers = "\nSam Jones\n\n\n\n\n\n"
    result = CliRunner().invoke(main, ["setup", "--database", url], input=answers)
    assert result.exit_code == 0, result.output
    with transaction(factory) as session:
        org = get_organisation(session)
    assert org.contact_name == "Sam Jones" and org.contact_phone == "0161 496 0000"


def test_setup_reports_every_problem_at_once_and_saves_nothing(db: tuple[str, sessionmaker[Session]]) -> None:
    url, factory = db
    result = CliRunner().invoke(
        main,
        ["setup", "--no-input", "--name", "Northshire", "--contact-email", "not-an-email",
         "--reference-prefix", "TOO-LONG-PREFIX", "--database", url],
    )
    assert result.exit_code == 1
    assert result.output.startswith("error:") and "Traceback" not in result.output
    for words in ("contact person is missing", "does not look like", "bank reference prefix",
                  "payer name on bank files is missing"):
        assert words in result.output
    with transaction(factory) as session:
        assert read_settings(session) == {}


def test_missing_details_are_a_conflict_naming_each_one(db: tuple[str, sessionmaker[Session]]) -> None:
    _, factory = db
    with transaction(factory) as session, pytest.raises(OrganisationNotSet) as caught:
        get_organisation(session)
    assert isinstance(caught.value, Conflict)
    assert "ledger setup" in caught.value.detail and "contact phone number" in caught.value.detail
    assert {p.field for p in caught.value.problems} >= {"name", "contact_name", "contact_email", "payer_name"}


def test_save_refuses_bank_unsafe_payer_name(db: tuple[str, sessionmaker[Session]]) -> None:
    _, factory = db
    values = dict(zip(
        ("name", "contact_name", "contact_phone", "contact_email", "postal_address", "payer_name",
         "reference_prefix"),
        ("Org", "Ann", "0161 496 0000", "a@b.example", "1 Road", "ŁÓDŹ TRUST", "ORG"), strict=True,
    ))
    with transaction(factory) as session, pytest.raises(Invalid) as caught:
        save_organisation(session, values)
    assert [p.field for p in caught.value.problems] == ["payer_name"]


def test_bank_reference_reads_as_a_payment_not_an_invoice() -> None:
    assert bank_reference("NHC", "B-0010") == "NHC PAY B0010"
    assert bank_reference("nhc", "B-0010") == "NHC PAY B0010"
    long = bank_reference("ABCDEF", "B-00000010")
    assert len(long) <= 18 and long.startswith("ABCDEF PAY ")
    assert "INV" not in bank_reference("NHC", "B-0001")


def test_statements_command_says_to_run_setup_when_details_are_missing(
    db: tuple[str, sessionmaker[Session]], tmp_path: Path
) -> None:
    from payments.factory import participant

    url, factory = db
    with transaction(factory) as session:
        person_id = participant(session, "Ann Example").id
    out = tmp_path / "statements"
    result = CliRunner().invoke(main, ["statements", "--participant", str(person_id), "--out", str(out),
                                       "--database", url])
    assert result.exit_code == 1
    assert result.output.startswith("error: the organisation's details are not complete")
    assert "ledger setup" in result.output and "Traceback" not in result.output
    assert not any(out.glob("*.pdf")) if out.exists() else True
    assert CliRunner().invoke(main, ["setup", "--no-input", *FLAGS, "--database", url]).exit_code == 0
    made = CliRunner().invoke(main, ["statements", "--participant", str(person_id), "--out", str(out),
                                     "--database", url])
    assert made.exit_code == 0, made.output
    assert len(list(out.glob("*.pdf"))) == 1


def test_setup_changes_are_on_the_audit_trail(db: tuple[str, sessionmaker[Session]]) -> None:
    from sqlalchemy import select

    from ledger.db.models import AuditEvent

    url, factory = db
    assert CliRunner().invoke(main, ["setup", "--no-input", *FLAGS, "--database", url]).exit_code == 0
    assert CliRunner().invoke(main, ["setup", "--no-input", *FLAGS, "--database", url]).exit_code == 0  # no change
    again = ["setup", "--no-input", "--reference-prefix", "NHCT", "--database", url]
    assert CliRunner().invoke(main, again).exit_code == 0
    with factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.setup")
                                 .order_by(AuditEvent.id)).all()
    assert len(events) == 2  # the first setting and the prefix change; saving the same details is no event
    assert events[0].before is None and events[0].actor == "ledger setup"
    assert events[1].before is not None and events[1].before["reference_prefix"] == "NHC"
    assert events[1].after is not None and events[1].after["reference_prefix"] == "NHCT"


def test_first_setup_suggests_payer_name_and_prefix_from_the_name(db: tuple[str, sessionmaker[Session]]) -> None:
    url, factory = db
    # name, contact, phone, email, address typed; Enter accepts the suggested payer name and prefix
    answers = "Northshire Health & Care Partnership\nAmira Khan\n0161 496 0123\na@northshire.example\n1 Road\n\n\n"
    result = CliRunner().invoke(main, ["setup", "--database", url], input=answers)
    assert result.exit_code == 0, result.output
    with transaction(factory) as session:
        org = get_organisation(session)
    assert (org.payer_name, org.reference_prefix) == ("NORTHSHIRE HEALTH", "NHCP")
