"""The audit trail keeps references and masked values, never names, contact details or bank numbers.

Unit tests of ``mask_personal`` and an end-to-end check: a participant created, renamed, re-contacted
and given new bank details through the services leaves none of those values in any audit event.
"""

from __future__ import annotations

import json

import pytest
from involvement.support import FINANCE, LEAD, project
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import mask_personal, record_event
from ledger.audit.personal import mask_email, mask_name, mask_phone
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Role
from ledger.involvement.participants import create_participant, update_participant
from ledger.involvement.payee_changes import confirm, pending_for
from ledger.involvement.schemas import BankIn, ParticipantCreate, ParticipantUpdate
from ledger.security.actor import Actor


def test_masks() -> None:
    assert mask_name("Ada Lovelace") == "A*** L***"
    assert mask_name("  Zoë  ") == "Z***"
    assert mask_name("") == ""
    assert mask_email("ada@example.org") == "a***@***"
    assert mask_email("") == ""
    assert mask_phone("07700 900123") == "***23"
    assert mask_phone("no digits") == "***"
    for mask, value in ((mask_name, "Ada Lovelace"), (mask_email, "ada@x.org"), (mask_phone, "0113 496 0000")):
        assert mask(mask(value)) == mask(value)  # idempotent: masking masked data changes nothing


def test_mask_personal_by_key_and_entity() -> None:
    data = {
        "reference": "P0012", "name": "Ada Lovelace", "preferred_name": "Ada", "email": "ada@example.org",
        "phone": "07700 900123", "bank_account_name": "A LOVELACE", "bank_sort_code": "123456",
        "bank_account_number": "12345678", "postal_address": "1 High St", "amount": "12.50", "missing": None,
    }
    person = mask_personal(data, entity="participant")
    assert person == {
        "reference": "P0012", "name": "A*** L***", "preferred_name": "A***", "email": "a***@***",
        "phone": "***23", "bank_account_name": "A*** L***", "bank_sort_code": "**-**-56",
        "bank_account_number": "****5678", "postal_address": "***", "amount": "12.50", "missing": None,
    }
    # A project's or a token's name is not personal: it stays, the contact details still go.
    project_data = mask_personal({"name": "Steering group", "contact_email": "lead@nhs.example"}, entity="project")
    assert project_data == {"name": "Steering group", "contact_email": "l***@***"}
    # People nested under a person key are masked whatever the entity.
    nested = mask_personal({"participant": {"name": "Ada Lovelace"}, "attendees": [{"email": "a@b.c"}]},
                           entity="activity")
    assert nested == {"participant": {"name": "A*** L***"}, "attendees": [{"email": "a***@***"}]}
    assert mask_personal(None) is None
    # A participant's own token is named after them; a staff token's name is kept.
    assert mask_personal({"name": "Ada Lovelace", "participant_id": 12}, entity="api_token") == {
        "name": "A*** L***", "participant_id": 12}
    assert mask_personal({"name": "Finance team", "participant_id": None}, entity="api_token") == {
        "name": "Finance team", "participant_id": None}
    assert mask_personal({"emails": ["a@b.c"], "email": ["x@y.z"]}) == {"emails": ["a@b.c"], "email": ["x***@***"]}


def test_record_event_masks_whatever_the_caller_passes(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        event = record_event(session, Actor.system(), "participant.update", "participant", 1,
                             {"name": "Ada Lovelace", "email": "ada@example.org"},
                             {"name": "Ada King", "email": "ada.king@example.org"})
    assert event.before == {"name": "A*** L***", "email": "a***@***"}
    assert event.after == {"name": "A*** K***", "email": "a***@***"}


def test_a_participant_token_is_recorded_by_its_id_not_its_name(factory: sessionmaker[Session]) -> None:
    person_token = Actor(token_id=31, name="Zelda Quibbleworth", role=Role.PARTICIPANT, participant_id=4)
    with transaction(factory) as session:
        event = record_event(session, person_token, "statement.request", "participant", 4, None, {"year": 2025})
        staff = record_event(session, FINANCE, "batch.paid", "batch", 1, None, {"status": "paid"})
    assert event.actor == "participant token 31" and event.actor_token_id == 31
    assert staff.actor == FINANCE.name


SECRETS = ("Zelda", "Quibbleworth", "Quibble-Smythe", "zelda@example.org", "zq@example.net", "07700900123",
           "07700 900123", "01134960999", "ZQUIBBLE", "ZQ SMYTHE", "31926819", "601613", "55667788", "404142")


@pytest.mark.usefixtures("engine")
def test_no_personal_value_reaches_the_trail_through_the_services(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        steer = project(session)
        person = create_participant(session, LEAD, ParticipantCreate(
            name="Zelda Quibbleworth", preferred_name="Zelda", email="zelda@example.org", phone="07700 900123",
            payment_preference="bank_transfer", projects=[steer.id],
            bank=BankIn(account_name="Z QUIBBLEWORTH", sort_code="60-16-13", account_number="31926819"),
        ))
        pending = pending_for(session, person.id)
        assert pending is not None
        confirm(session, FINANCE, pending.id)
        update_participant(session, LEAD, person.id, ParticipantUpdate(
            name="Zelda Quibble-Smythe", email="zq@example.net", phone="01134960999",
            bank=BankIn(account_name="ZQ SMYTHE", sort_code="40-41-42", account_number="55667788"),
        ))
        pending = pending_for(session, person.id)
        assert pending is not None
        confirm(session, FINANCE, pending.id)
        reference = person.reference
    with transaction(factory) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    trail = json.dumps([[e.action, e.entity_id, e.before, e.after] for e in events], ensure_ascii=False)
    assert reference in trail  # the person is referred to ...
    assert "participant.update" in trail and "payee_change.confirm" in trail
    for secret in SECRETS:  # ... but nothing identifies them
        assert secret.lower() not in trail.lower(), secret
