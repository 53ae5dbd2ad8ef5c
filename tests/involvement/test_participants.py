"""Participants: references, payment choices, bank details (always masked), watch limits, audit."""

from __future__ import annotations

import json

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import AuditEvent, Role
from ledger.errors import Forbidden, Invalid, NotFound
from ledger.involvement.participants import (
    create_participant,
    get_participant,
    list_participants,
    participant_out,
    participant_with_pending,
    update_participant,
)
from ledger.involvement.payee_changes import confirm, pending_for
from ledger.involvement.schemas import BankIn, OrganisationIn, ParticipantCreate, ParticipantUpdate, WatchLimitIn
from ledger.security.actor import Actor

from .support import AUDITOR, FINANCE, LEAD, participant


def fields(exc: pytest.ExceptionInfo[Invalid]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_create_gives_a_reference_from_the_id_and_masks_bank_details(session: Session) -> None:
    person = create_participant(session, LEAD, ParticipantCreate(
        name="Jo Smith", payment_preference="bank_transfer",
        bank=BankIn(account_name="J SMITH", sort_code="12 34-56", account_number="8765 4321"),
    ))
    assert person.reference == f"P-{person.id:04d}"
    # Bank details given at creation wait for a second person: the row holds none yet.
    assert person.bank_sort_code is None and person.bank_account_number is None
    change = pending_for(session, person.id)
    assert change is not None and (change.bank_sort_code, change.bank_account_number) == ("123456", "87654321")
    out = participant_out(person, change)
    assert out.bank is None and out.pending_payee_change is not None
    pending_bank = out.pending_payee_change.proposed.bank
    assert pending_bank is not None
    assert (pending_bank.sort_code, pending_bank.account_number) == ("**-**-56", "****4321")
    confirm(session, FINANCE, change.id)
    assert person.bank_sort_code == "123456" and person.bank_account_number == "87654321"
    out = participant_out(person)
    assert out.bank is not None
    assert (out.bank.sort_code, out.bank.account_number) == ("**-**-56", "****4321")
    body = msgspec.json.encode(out).decode()
    assert "87654321" not in body and "123456" not in body


def test_audit_events_never_hold_the_full_account_number(session: Session) -> None:
    person = participant(session)
    update_participant(session, LEAD, person.id, ParticipantUpdate(
        bank=BankIn(account_name="J SMITH", sort_code="65-43-21", account_number="11112222")))
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events if e.entity in ("participant", "payee_change")] == [
        "participant.create", "payee_change.propose", "payee_change.confirm", "payee_change.propose"]
    text = json.dumps([[e.before, e.after] for e in events])
    for secret in ("12345678", "11112222", "123456", "654321"):
        assert secret not in text
    assert events[-1].after is not None and events[-1].after["bank_account_number"] == "****2222"
    assert events[-1].before is not None and events[-1].before["bank_account_number"] == "****5678"


@pytest.mark.parametrize("preference", ["bank_transfer", "expenses_only"])
def test_bank_details_are_required_when_money_goes_to_a_bank(session: Session, preference: str) -> None:
    with pytest.raises(Invalid) as exc:
        create_participant(session, LEAD, ParticipantCreate(name="Sam", payment_preference=preference))  # type: ignore[arg-type]
    assert fields(exc) == {"bank"}


def test_each_bad_bank_field_is_named(session: Session) -> None:
    with pytest.raises(Invalid) as exc:
        create_participant(session, LEAD, ParticipantCreate(
            name="Sam", payment_preference="bank_transfer",
            bank=BankIn(account_name=" ", sort_code="12-34-5", account_number="1234567X"),
        ))
    assert fields(exc) == {"bank.account_name", "bank.sort_code", "bank.account_number"}


def test_organisation_preference_needs_an_organisation(session: Session) -> None:
    with pytest.raises(Invalid) as exc:
        create_participant(session, LEAD, ParticipantCreate(name="Sam", payment_preference="organisation"))
    assert fields(exc) == {"organisation"}
    made = create_participant(session, LEAD, ParticipantCreate(
        name="Sam", payment_preference="organisation", organisation=OrganisationIn(name="Carers Leeds")))
    out = participant_with_pending(session, made)
    assert out.organisation is None and out.bank is None, "not in effect before a second person confirms it"
    assert out.pending_payee_change is not None
    proposed = out.pending_payee_change.proposed
    assert proposed.organisation is not None and proposed.organisation.name == "Carers Leeds"
    confirm(session, FINANCE, out.pending_payee_change.id)
    out = participant_out(made)
    assert out.organisation is not None and out.organisation.name == "Carers Leeds" and out.bank is None


def test_voucher_and_decline_need_no_bank(session: Session) -> None:
    for preference in ("voucher", "decline"):
        made = create_participant(session, LEAD, ParticipantCreate(name="Sam", payment_preference=preference))  # type: ignore[arg-type]
        assert participant_out(made).bank is None


def test_watch_limits_are_checked_and_shown_as_money_strings(session: Session) -> None:
    with pytest.raises(Invalid) as exc:
        create_participant(session, LEAD, ParticipantCreate(
            name="Sam", payment_preference="voucher",
            watch_limits=[WatchLimitIn("week", "195.505", "ESA"), WatchLimitIn("tax_year", "0", "tax"),
                          WatchLimitIn("week", "10.00", " ")],
        ))
    assert fields(exc) == {"watch_limits[0].amount", "watch_limits[1].amount", "watch_limits[2].label"}
    made = create_participant(session, LEAD, ParticipantCreate(
        name="Sam", payment_preference="voucher",
        watch_limits=[WatchLimitIn("week", "195.5", "ESA permitted work")]))
    limits = participant_out(made).watch_limits
    assert [(w.period, w.amount, w.currency, w.label) for w in limits] == [
        ("week", "195.50", "GBP", "ESA permitted work")]


def test_patch_changes_only_what_is_sent_and_keeps_rules(session: Session) -> None:
    person = participant(session, "voucher", watch=[WatchLimitIn("week", "100.00", "CA")])
    update_participant(session, LEAD, person.id, ParticipantUpdate(preferred_name="Jo", statement_style="easy_read"))
    out = participant_out(person)
    assert (out.name, out.preferred_name, out.statement_style) == ("Jo Smith", "Jo", "easy_read")
    assert len(out.watch_limits) == 1 and out.bank is not None
    with pytest.raises(Invalid) as exc:
        update_participant(session, LEAD, person.id, ParticipantUpdate(payment_preference="bank_transfer", bank=None))
    assert fields(exc) == {"bank"}
    update_participant(session, LEAD, person.id, ParticipantUpdate(watch_limits=[]))
    assert participant_out(person).watch_limits == []


def test_patch_unknown_participant_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        update_participant(session, LEAD, 999_999, ParticipantUpdate(name="x"))


def test_list_filters_searches_and_pages(session: Session) -> None:
    a = participant(session, "bank_transfer", name="Alice Green")
    b = participant(session, "voucher", name="Bob Brown")
    c = participant(session, "voucher", name="Cath Green")
    page = list_participants(session, LEAD, limit=1, offset=0, payment_preference="voucher")
    assert page.total == 2 and [p.id for p in page.items] == [b.id]
    assert [p.id for p in list_participants(session, LEAD, limit=10, offset=0, search="green").items] == [a.id, c.id]
    assert [p.id for p in list_participants(session, LEAD, limit=10, offset=0, search=c.reference).items] == [c.id]
    assert list_participants(session, LEAD, limit=10, offset=0, search="100%").total == 0


def test_participant_token_sees_only_itself(session: Session) -> None:
    me = participant(session, name="Me")
    other = participant(session, name="Other")
    token = Actor(token_id=9, name="me", role=Role.PARTICIPANT, participant_id=me.id)
    assert get_participant(session, token, me.id).id == me.id
    with pytest.raises(Forbidden):
        get_participant(session, token, other.id)
    assert [p.id for p in list_participants(session, token, limit=10, offset=0).items] == [me.id]


def test_who_may_change_and_read(session: Session) -> None:
    with pytest.raises(Forbidden):
        participant(session, actor=AUDITOR)
    with pytest.raises(Forbidden):
        list_participants(session, FINANCE, limit=10, offset=0)
    person = participant(session)
    assert get_participant(session, AUDITOR, person.id).id == person.id
