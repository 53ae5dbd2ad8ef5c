"""Four eyes on payee details: a change waits until a second person (finance or admin) confirms it.

And project scope: a lead limited to some projects reads, changes and quotes only for the people who
belong to them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import AuditEvent, PayeeChange, PayeeChangeStatus, Role
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.involvement.balances import participant_balance
from ledger.involvement.membership import add_to_project, projects_of
from ledger.involvement.participants import (
    create_participant,
    get_participant,
    list_participants,
    participant_with_pending,
    update_participant,
)
from ledger.involvement.payee_changes import (
    PayeeDetails,
    confirm,
    forget_payee_changes,
    get_change,
    list_changes,
    list_pending,
    mask_account_name,
    pending_for,
    propose,
    refuse,
)
from ledger.involvement.quotes import quote_with_warnings
from ledger.involvement.schemas import BankIn, OrganisationIn, ParticipantCreate, ParticipantUpdate
from ledger.rates.contract import QuoteRequest
from ledger.security.actor import Actor

from .support import ADMIN, APPROVER, AUDITOR, FINANCE, LEAD, attendee, meeting, participant, project
from .test_concurrency import run_together

NEW_BANK = BankIn(account_name="MALLORY", sort_code="20-00-00", account_number="55779911")
FINANCE_2 = Actor(token_id=6, name="Fran Finance", role=Role.FINANCE)


def _bank(session: Session, person_id: int) -> tuple[str | None, str | None, str | None]:
    person = get_participant(session, ADMIN, person_id)
    return person.bank_account_name, person.bank_sort_code, person.bank_account_number


def _change_bank(session: Session, person_id: int, bank: BankIn = NEW_BANK, actor: Actor = LEAD) -> PayeeChange:
    update_participant(session, actor, person_id, ParticipantUpdate(bank=bank))
    change = pending_for(session, person_id)
    assert change is not None
    return change


# ------------------------------------------------------------------------------------- pending


def test_a_bank_change_is_pending_until_a_second_person_confirms_it(session: Session) -> None:
    person = participant(session)  # created with J SMITH 12-34-56 12345678, confirmed by finance
    assert _bank(session, person.id) == ("J SMITH", "123456", "12345678")
    change = _change_bank(session, person.id)
    assert change.status == PayeeChangeStatus.PENDING
    assert _bank(session, person.id) == ("J SMITH", "123456", "12345678"), "not in effect before confirmation"
    out = participant_with_pending(session, person)
    assert out.bank is not None and out.bank.account_number == "****5678"
    assert out.pending_payee_change is not None and out.pending_payee_change.id == change.id
    assert out.pending_payee_change.changed == ["bank"]
    proposed = out.pending_payee_change.proposed.bank
    assert proposed is not None and (proposed.sort_code, proposed.account_number) == ("**-**-00", "****9911")
    assert "Not in effect yet" in out.pending_payee_change.message
    assert [c.id for c in list_pending(session, FINANCE).items] == [change.id]

    confirmed = confirm(session, FINANCE_2, change.id)
    assert confirmed.status == PayeeChangeStatus.CONFIRMED
    assert (confirmed.decided_by, confirmed.decided_by_token_id) == ("Fran Finance", 6)
    assert confirmed.decided_at is not None
    assert _bank(session, person.id) == ("MALLORY", "200000", "55779911")
    assert pending_for(session, person.id) is None
    assert list_pending(session, FINANCE).total == 0


def test_payment_choice_and_organisation_changes_are_pending_too(session: Session) -> None:
    person = participant(session)
    update_participant(session, LEAD, person.id, ParticipantUpdate(
        payment_preference="organisation", organisation=OrganisationIn(name="Mind in Leeds", reference="DON-7")))
    assert person.payment_preference == "bank_transfer" and person.organisation_name is None
    change = pending_for(session, person.id)
    assert change is not None
    assert PayeeDetails.proposed(change).changed_fields(PayeeDetails.confirmed(person)) == [
        "payment_preference", "organisation"]
    confirm(session, FINANCE, change.id)
    assert (person.payment_preference, person.organisation_name, person.organisation_reference) == (
        "organisation", "Mind in Leeds", "DON-7")
    # Choosing "decline" decides whether approvals pay the person at all: also four eyes.
    update_participant(session, LEAD, person.id, ParticipantUpdate(payment_preference="decline"))
    assert person.payment_preference == "organisation"


def test_other_fields_change_at_once_and_leave_the_pending_change_alone(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id)
    update_participant(session, APPROVER, person.id, ParticipantUpdate(preferred_name="Jo", email="jo@example.org"))
    assert (person.preferred_name, person.email) == ("Jo", "jo@example.org")
    still = pending_for(session, person.id)
    assert still is not None and still.id == change.id


def test_a_new_participant_has_no_bank_details_until_they_are_confirmed(session: Session) -> None:
    person = participant(session, confirmed=False)
    assert _bank(session, person.id) == (None, None, None)
    assert person.payment_preference == "bank_transfer"  # the first choice: nothing earlier to protect
    change = pending_for(session, person.id)
    assert change is not None and change.proposed_by == LEAD.name
    # A name can still be corrected while the bank details wait (the rule "bank transfer needs bank
    # details" is about the change being made, not about the fields left alone).
    update_participant(session, APPROVER, person.id, ParticipantUpdate(name="Jo Smyth"))
    assert person.name == "Jo Smyth"
    with pytest.raises(Forbidden, match="you cannot confirm it yourself"):
        confirm(session, Actor(token_id=LEAD.token_id, name="Lee as finance?", role=Role.FINANCE), change.id)
    confirm(session, FINANCE, change.id)
    assert _bank(session, person.id) == ("J SMITH", "123456", "12345678")


def test_the_proposer_cannot_confirm_their_own_change(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id, actor=ADMIN)  # an administrator may propose, not confirm it too
    with pytest.raises(Forbidden, match="you cannot confirm it yourself"):
        confirm(session, ADMIN, change.id)
    assert _bank(session, person.id)[2] == "12345678"
    assert pending_for(session, person.id) is not None
    confirm(session, FINANCE_2, change.id)
    assert _bank(session, person.id)[2] == "55779911"
    # Finance may propose through the service (a future spreadsheet import), never confirm its own.
    own = propose(session, FINANCE, person, PayeeDetails("bank_transfer", "J SMITH", "123456", "12345678"))
    assert own is not None
    with pytest.raises(Forbidden):
        confirm(session, FINANCE, own.id)


def test_without_tokens_people_are_told_apart_by_name(session: Session) -> None:
    person = participant(session)
    importer = Actor(token_id=None, name="Ida Import", role=Role.ADMIN)
    update_participant(session, importer, person.id, ParticipantUpdate(bank=NEW_BANK))
    change = pending_for(session, person.id)
    assert change is not None
    with pytest.raises(Forbidden):
        confirm(session, Actor(token_id=None, name=" ida import ", role=Role.ADMIN), change.id)
    confirm(session, Actor(token_id=None, name="Olu Other", role=Role.ADMIN), change.id)
    assert _bank(session, person.id)[2] == "55779911"


@pytest.mark.parametrize("who", [LEAD, APPROVER, AUDITOR])
def test_only_finance_or_admin_decides(session: Session, who: Actor) -> None:
    person = participant(session)
    change = _change_bank(session, person.id, actor=ADMIN)
    with pytest.raises(Forbidden):
        confirm(session, who, change.id)
    with pytest.raises(Forbidden):
        refuse(session, who, change.id, "no")
    assert pending_for(session, person.id) is not None
    confirm(session, Actor(token_id=99, name="Another admin", role=Role.ADMIN), change.id)


def test_a_refused_change_never_takes_effect(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id)
    with pytest.raises(Invalid) as exc:
        refuse(session, FINANCE, change.id, "   ")
    assert [p.field for p in exc.value.problems] == ["reason"]
    refused = refuse(session, FINANCE, change.id, "Jo did not ask for this; phoned on the number we hold")
    assert refused.status == PayeeChangeStatus.REFUSED and refused.reason is not None
    assert _bank(session, person.id)[2] == "12345678"
    with pytest.raises(Conflict, match="already refused"):
        confirm(session, FINANCE_2, change.id)
    assert _bank(session, person.id)[2] == "12345678"
    with pytest.raises(Conflict):
        refuse(session, FINANCE_2, change.id, "again")


def test_a_confirmed_change_cannot_be_confirmed_again(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id)
    confirm(session, FINANCE, change.id)
    with pytest.raises(Conflict, match="already confirmed"):
        confirm(session, FINANCE_2, change.id)
    with pytest.raises(NotFound):
        confirm(session, FINANCE, 999_999)


def test_a_newer_change_supersedes_the_pending_one(session: Session) -> None:
    person = participant(session)
    first = _change_bank(session, person.id, actor=LEAD)
    second = _change_bank(session, person.id, bank=BankIn("JO SMITH", "40-11-62", "11223344"), actor=APPROVER)
    assert second.id != first.id
    session.refresh(first)
    assert first.status == PayeeChangeStatus.SUPERSEDED and first.decided_by == APPROVER.name
    with pytest.raises(Conflict, match="superseded"):
        confirm(session, FINANCE, first.id)
    assert [c.id for c in list_pending(session, FINANCE).items] == [second.id]
    confirm(session, FINANCE, second.id)
    assert _bank(session, person.id)[2] == "11223344"
    history = list_changes(session, AUDITOR, limit=10, offset=0, status=None, participant_id=person.id)
    assert [c.status for c in history.items] == ["confirmed", "superseded", "confirmed"]


def test_someone_elses_pending_values_are_never_carried_into_my_change(session: Session) -> None:
    """Otherwise a finance officer could propose an account, and confirm it inside a lead's later change."""
    person = participant(session)
    propose(session, FINANCE, person, PayeeDetails("bank_transfer", "MALLORY", "200000", "55779911"))
    update_participant(session, LEAD, person.id, ParticipantUpdate(payment_preference="expenses_only"))
    change = pending_for(session, person.id)
    assert change is not None and change.bank_account_number == "12345678", "the lead's change starts from confirmed"
    confirm(session, FINANCE, change.id)
    assert (person.payment_preference, person.bank_account_number) == ("expenses_only", "12345678")


def test_my_own_edits_add_up_in_one_pending_change(session: Session) -> None:
    person = participant(session, "voucher")
    _change_bank(session, person.id, actor=LEAD)
    update_participant(session, LEAD, person.id, ParticipantUpdate(payment_preference="bank_transfer"))
    change = pending_for(session, person.id)
    assert change is not None
    assert (change.payment_preference, change.bank_account_number) == ("bank_transfer", "55779911")


def test_setting_the_confirmed_details_again_withdraws_the_pending_change(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id)
    update_participant(session, LEAD, person.id, ParticipantUpdate(
        bank=BankIn("J SMITH", "12-34-56", "1234 5678")))
    assert pending_for(session, person.id) is None
    session.refresh(change)
    assert change.status == PayeeChangeStatus.SUPERSEDED and change.reason is not None
    assert "withdrawn" in change.reason


def test_the_same_proposal_sent_twice_is_one_change(session: Session) -> None:
    person = participant(session)
    first = _change_bank(session, person.id)
    again = _change_bank(session, person.id)
    assert again.id == first.id
    assert list_pending(session, FINANCE).total == 1


def test_a_bad_change_is_refused_and_nothing_is_pending(session: Session) -> None:
    person = participant(session)
    with pytest.raises(Invalid) as exc:
        update_participant(session, LEAD, person.id, ParticipantUpdate(
            bank=BankIn("J SMITH", "12-34", "1234567X")))
    assert {p.field for p in exc.value.problems} == {"bank.sort_code", "bank.account_number"}
    with pytest.raises(Invalid):
        update_participant(session, LEAD, person.id, ParticipantUpdate(payment_preference="bank_transfer", bank=None))
    assert pending_for(session, person.id) is None


def test_one_pending_change_per_participant_is_kept_by_the_database(session: Session) -> None:
    person = participant(session)
    _change_bank(session, person.id)
    session.add(PayeeChange(participant_id=person.id, status=PayeeChangeStatus.PENDING,
                            payment_preference="bank_transfer", proposed_by="direct SQL"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_only_finance_auditors_and_admins_read_the_changes(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id)
    assert get_change(session, AUDITOR, change.id).id == change.id
    for who in (LEAD, Actor(token_id=50, name="jo", role=Role.PARTICIPANT, participant_id=person.id)):
        with pytest.raises(Forbidden):
            get_change(session, who, change.id)
        with pytest.raises(Forbidden):
            list_pending(session, who)
    with pytest.raises(Forbidden):
        propose(session, AUDITOR, person, PayeeDetails("voucher"))
    with pytest.raises(Invalid):
        list_changes(session, FINANCE, limit=10, offset=0, status="maybe")


# ----------------------------------------------------------------------------------------- audit


def test_the_audit_trail_names_both_people_and_holds_masked_details_only(session: Session) -> None:
    person = participant(session)
    change = _change_bank(session, person.id)
    confirm(session, FINANCE, change.id)
    other = _change_bank(session, person.id, bank=BankIn("JO SMITH", "40-11-62", "11223344"))
    refuse(session, FINANCE, other.id, "not asked for")

    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "payee_change")
                             .order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    assert actions.count("payee_change.propose") >= 2 and "payee_change.refuse" in actions
    confirmation = next(e for e in events if e.action == "payee_change.confirm" and e.entity_id == str(change.id))
    assert confirmation.actor == FINANCE.name and confirmation.after is not None and confirmation.before is not None
    assert confirmation.after["proposed_by"] == LEAD.name and confirmation.after["confirmed_by"] == FINANCE.name
    assert (confirmation.before["bank_sort_code"], confirmation.before["bank_account_number"]) == (
        "**-**-56", "****5678")
    assert (confirmation.after["bank_sort_code"], confirmation.after["bank_account_number"]) == (
        "**-**-00", "****9911")
    assert confirmation.after["changed"] == ["bank"]

    every_row = json.dumps([[e.actor, e.entity_id, e.before, e.after] for e in
                            session.scalars(select(AuditEvent)).all()])
    for secret in ("12345678", "55779911", "11223344", "123456", "200000", "401162", "MALLORY"):
        assert secret not in every_row, secret


def test_account_names_are_reduced_to_initials_for_the_trail() -> None:
    assert mask_account_name("JO SMITH") == "J* S****"
    assert mask_account_name(None) is None


# ------------------------------------------------------------------------------------- scope


def _scoped(*project_ids: int) -> Actor:
    return Actor(token_id=40, name="Scoped lead", role=Role.LEAD, project_ids=project_ids)


def test_a_lead_of_project_a_cannot_read_change_or_quote_for_a_project_b_person(session: Session) -> None:
    a, b = project(session, "A"), project(session, "B")
    mine = participant(session, name="In A", projects=[a.id])
    theirs = participant(session, name="In B", projects=[b.id])
    lead_a = _scoped(a.id)

    assert get_participant(session, lead_a, mine.id).id == mine.id
    with pytest.raises(Forbidden, match="belong to its projects"):
        get_participant(session, lead_a, theirs.id)
    with pytest.raises(Forbidden):
        update_participant(session, lead_a, theirs.id, ParticipantUpdate(bank=NEW_BANK))
    with pytest.raises(Forbidden):
        update_participant(session, lead_a, theirs.id, ParticipantUpdate(payment_preference="decline"))
    assert pending_for(session, theirs.id) is None
    request = QuoteRequest(rate_card="nihr-style", date=date(2026, 1, 7), activity="meeting",
                           involvement_minutes=60, participant=theirs.id)
    with pytest.raises(Forbidden):
        quote_with_warnings(session, lead_a, request)
    assert quote_with_warnings(session, lead_a, QuoteRequest(
        rate_card="nihr-style", date=date(2026, 1, 7), activity="meeting", involvement_minutes=60,
        participant=mine.id)).total
    with pytest.raises(Forbidden):
        participant_balance(session, lead_a, theirs.id)
    listed = list_participants(session, lead_a, limit=50, offset=0)
    assert [p.id for p in listed.items] == [mine.id] and listed.total == 1
    # a lead for every project, and auditors, see both
    assert list_participants(session, LEAD, limit=50, offset=0).total == 2
    assert get_participant(session, AUDITOR, theirs.id).id == theirs.id


def test_a_record_in_a_project_makes_the_person_belong_to_it(session: Session) -> None:
    a, b = project(session, "A"), project(session, "B")
    person = participant(session)  # added by a lead for every project, in no project yet
    assert list_participants(session, _scoped(a.id), limit=50, offset=0).total == 0
    meeting(session, b.id, [attendee(person.id)])
    assert get_participant(session, _scoped(b.id), person.id).id == person.id
    with pytest.raises(Forbidden):
        get_participant(session, _scoped(a.id), person.id)
    assert projects_of(session, person.id) == [b.id]


def test_a_scoped_lead_must_name_one_of_their_projects_when_adding_someone(session: Session) -> None:
    a, b = project(session, "A"), project(session, "B")
    lead_a = _scoped(a.id)
    with pytest.raises(Invalid) as exc:
        create_participant(session, lead_a, ParticipantCreate(name="New", payment_preference="voucher"))
    assert [p.field for p in exc.value.problems] == ["projects"]
    with pytest.raises(Forbidden):
        create_participant(session, lead_a, ParticipantCreate(name="New", payment_preference="voucher",
                                                              projects=[b.id]))
    with pytest.raises(Invalid) as exc:
        create_participant(session, LEAD, ParticipantCreate(name="New", payment_preference="voucher",
                                                            projects=[999_999]))
    assert [p.field for p in exc.value.problems] == ["projects[0]"]
    made = create_participant(session, lead_a, ParticipantCreate(name="New", payment_preference="voucher",
                                                                 projects=[a.id]))
    assert get_participant(session, lead_a, made.id).id == made.id
    assert projects_of(session, made.id) == [a.id]


def test_adding_someone_to_a_project_needs_to_see_them_already(session: Session) -> None:
    a, b = project(session, "A"), project(session, "B")
    theirs = participant(session, projects=[b.id])
    with pytest.raises(Forbidden):
        add_to_project(session, _scoped(a.id), theirs.id, a.id)  # cannot pull a B person into A
    with pytest.raises(Forbidden):
        add_to_project(session, _scoped(b.id), theirs.id, a.id)  # cannot add to a project not theirs
    assert add_to_project(session, _scoped(a.id, b.id), theirs.id, a.id) is True
    assert add_to_project(session, ADMIN, theirs.id, a.id) is False  # already in it
    assert get_participant(session, _scoped(a.id), theirs.id).id == theirs.id
    with pytest.raises(NotFound):
        add_to_project(session, ADMIN, 999_999, a.id)
    with pytest.raises(Invalid):
        add_to_project(session, ADMIN, theirs.id, 999_999)


def test_an_empty_scope_sees_nobody(session: Session) -> None:
    participant(session)
    nobody = Actor(token_id=41, name="No projects", role=Role.LEAD, project_ids=())
    assert list_participants(session, nobody, limit=50, offset=0).total == 0


# --------------------------------------------------------------------------------------- erasure


def test_forgetting_a_persons_changes_blanks_their_details(session: Session) -> None:
    person = participant(session)
    _change_bank(session, person.id)
    assert forget_payee_changes(session, person.id) == 2
    rows = session.scalars(select(PayeeChange).where(PayeeChange.participant_id == person.id)).all()
    assert all(r.bank_account_number is None and r.bank_account_name is None for r in rows)
    assert pending_for(session, person.id) is None


def test_the_database_column_holds_no_plain_bank_numbers(session: Session) -> None:
    person = participant(session)
    _change_bank(session, person.id)
    stored = session.execute(text("SELECT bank_sort_code, bank_account_number, bank_account_name "
                                  "FROM payee_changes")).all()
    assert stored and all("55779911" not in (row[1] or "") and "MALLORY" not in (row[2] or "") for row in stored)


# ----------------------------------------------------------------------------------------- races


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[sessionmaker[Session]]:
    """A database whose committed data every session sees (the per-test rollback session cannot race)."""
    if request.param == "postgres":
        yield request.getfixturevalue("fresh_postgres")
        return
    path = tmp_path / "race.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_session_factory(engine)
    engine.dispose()


def test_two_confirmations_at_once_confirm_once_and_a_racing_proposal_never_slips_through(
    shared: sessionmaker[Session],
) -> None:
    """Separate transactions, as concurrent API requests: the person's row is locked, the status re-read."""
    with transaction(shared) as session:
        person_id = participant(session).id
        change_id = _change_bank(session, person_id).id

    def decide(index: int) -> str:
        with transaction(shared) as session:
            return confirm(session, (FINANCE, FINANCE_2)[index], change_id).status

    results = run_together(2, decide)
    assert len([r for r in results if isinstance(r, Conflict)]) == 1, results
    assert [r for r in results if not isinstance(r, Conflict)] == ["confirmed"]

    with transaction(shared) as session:
        change_id = _change_bank(session, person_id, bank=BankIn("JO SMITH", "40-11-62", "11223344")).id

    def confirm_or_replace(index: int) -> str:
        with transaction(shared) as session:
            if index == 0:
                return confirm(session, FINANCE, change_id).status
            update_participant(session, APPROVER, person_id, ParticipantUpdate(payment_preference="voucher"))
            return "proposed"

    results = run_together(2, confirm_or_replace)
    with shared() as session:
        rows = session.scalars(select(PayeeChange).where(PayeeChange.participant_id == person_id)).all()
        assert len([r for r in rows if r.status == PayeeChangeStatus.PENDING]) <= 1
        first = next(r for r in rows if r.id == change_id)
        number = get_participant(session, ADMIN, person_id).bank_account_number
        # Either the confirmation won (then the lead's change starts from it) or the proposal superseded it
        # first (then the confirmation was refused): never both, never a lost update.
        if isinstance(results[0], Conflict):
            assert first.status == PayeeChangeStatus.SUPERSEDED and number == "55779911"
        else:
            assert first.status == PayeeChangeStatus.CONFIRMED and number == "11223344"


# One person, several identities: the same name is the same person, whichever side had a token (issue 7).
SECOND_FINN = Actor(token_id=50, name="Finn Finance", role=Role.FINANCE)  # a second token, same person
FINN_AS_LEAD = Actor(token_id=51, name="finn  FINANCE", role=Role.LEAD)  # a lead token in the same name


@pytest.mark.parametrize(("proposer", "confirmer"), [
    pytest.param(FINANCE, SECOND_FINN, id="second-token-same-name"),
    pytest.param(FINN_AS_LEAD, FINANCE, id="lead-and-finance-tokens-same-name"),
    pytest.param(LEAD, Actor(token_id=None, name="  lee   LEAD ", role=Role.ADMIN), id="cli-as-api-proposer"),
    pytest.param(Actor(token_id=None, name="Lee Lead", role=Role.ADMIN),
                 Actor(token_id=52, name="Lee Lead", role=Role.FINANCE), id="api-token-for-cli-proposal"),
])
def test_one_person_cannot_confirm_their_own_change_under_another_identity(
    session: Session, proposer: Actor, confirmer: Actor
) -> None:
    person = participant(session)
    change = propose(session, proposer, person, PayeeDetails("bank_transfer", "MALLORY", "200000", "55779911"))
    assert change is not None
    with pytest.raises(Forbidden, match="you cannot confirm it yourself"):
        confirm(session, confirmer, change.id)
    assert _bank(session, person.id)[2] == "12345678"
    confirm(session, Actor(token_id=77, name="Olu Other", role=Role.FINANCE), change.id)
    assert _bank(session, person.id)[2] == "55779911"

