"""Account names are checked for the bank file's letters when they are entered (create and update)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from ledger.errors import Invalid
from ledger.involvement.participants import create_participant, update_participant
from ledger.involvement.schemas import BankIn, ParticipantCreate, ParticipantUpdate

from .support import ADMIN, participant


def _bank(name: str) -> BankIn:
    return BankIn(account_name=name, sort_code="08-99-99", account_number="66374958")


def test_create_refuses_a_name_the_bank_file_cannot_carry_with_a_suggestion(session: Session) -> None:
    with pytest.raises(Invalid) as refused:
        create_participant(session, ADMIN, ParticipantCreate(
            name="Jan Łukasiewicz", payment_preference="bank_transfer", bank=_bank("Łukasiewicz")))
    problems = {p.field: p.message for p in refused.value.problems}
    assert "LUKASIEWICZ" in problems["bank.account_name"]


def test_update_asks_for_the_name_as_the_bank_holds_it_when_there_is_no_spelling(session: Session) -> None:
    person = participant(session, actor=ADMIN)
    with pytest.raises(Invalid) as refused:
        update_participant(session, ADMIN, person.id, ParticipantUpdate(bank=_bank("محمد علي")))
    problems = {p.field: p.message for p in refused.value.problems}
    assert "exactly as the bank holds it" in problems["bank.account_name"]


def test_the_suggested_spelling_is_accepted(session: Session) -> None:
    person = create_participant(session, ADMIN, ParticipantCreate(
        name="Jan Łukasiewicz", payment_preference="bank_transfer", bank=_bank("LUKASIEWICZ")))
    assert person.id is not None
