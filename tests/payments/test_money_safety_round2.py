"""Money safety, round 2 (issue 7): a batch is paid once, a paid batch stays paid, bank details moved by
direct SQL are never paid out, and one person cannot build and approve a batch alone (CLI included).

Each test here failed on the code before migration 0010: the database took a status set back from
``paid`` to ``exported``, export and paid then wrote a second bank file and a second payment entry, a
ciphertext copied from one participant's row to another was paid out, and the CLI (no token) let one
operator build and approve.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.db.models import (
    AccountKind,
    AuditEvent,
    BatchLine,
    Category,
    EntryKind,
    JournalEntry,
    Participant,
    Role,
)
from ledger.errors import Forbidden, Invalid
from ledger.involvement.payee_changes import PayeeDetails, confirm, propose
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.integrity import BatchIntegrityError
from ledger.payments.payee_seal import UNSEALED_REASON, seal_matches
from ledger.payments.postings import Leg, post_entry
from ledger.payments.returns import return_line
from ledger.security.actor import Actor
from payments.factory import approve, export_file, participant, project

BUILDER = Actor.system("finance one")
CHECKER = Actor.system("finance two")
MAY = date(2025, 5, 1)
OTHER_SORT, OTHER_ACCOUNT = "107999", "88837491"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    """The same test on SQLite and on a private PostgreSQL database (skipped without one)."""
    yield request.getfixturevalue("factory" if request.param == "sqlite" else "pg_factory")


def _paid_batch(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        proj = project(s)
        for i in range(2):
            approve(s, participant(s, f"Person {i}"), proj, MAY, 3000 + i, 100)
        batch_id = build_batch(s, BUILDER, "bank_transfer").batch.id
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    with transaction(factory) as s:
        export_file(s, CHECKER, batch_id, "bank-csv")
    with transaction(factory) as s:
        mark_paid(s, CHECKER, batch_id, date.today())
    return batch_id


def _payments(factory: sessionmaker[Session], batch_id: int) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.batch_id == batch_id, JournalEntry.kind == EntryKind.PAYMENT.value)) or 0


def _drop_status_guard(session: Session) -> None:
    """What an owner of the database can do: take the trigger away. The ledger's own check must hold."""
    on = " ON batches" if session.get_bind().dialect.name == "postgresql" else ""
    session.execute(text(f"DROP TRIGGER IF EXISTS batches_status_forward{on}"))


# ------------------------------------------------------------------------------------ paid once


def test_the_database_refuses_setting_a_paid_batch_back_or_any_batch_backwards(db: sessionmaker[Session]) -> None:
    batch_id = _paid_batch(db)
    with pytest.raises(IntegrityError, match="only moves forward"), transaction(db) as s:
        s.execute(text("UPDATE batches SET status = 'exported' WHERE id = :id"), {"id": batch_id})
    with pytest.raises(IntegrityError, match="only moves forward"), transaction(db) as s:
        s.execute(text("UPDATE batches SET status = 'draft' WHERE id = :id"), {"id": batch_id})
    with transaction(db) as s:
        proj = project(s)
        approve(s, participant(s, "Cara"), proj, MAY, 1500)
        draft_id = build_batch(s, BUILDER, "bank_transfer").batch.id
    with transaction(db) as s:
        approve_batch(s, CHECKER, draft_id)
    with pytest.raises(IntegrityError, match="only moves forward"), transaction(db) as s:
        s.execute(text("UPDATE batches SET status = 'draft' WHERE id = :id"), {"id": draft_id})
    with transaction(db) as s:  # forward is what the ledger does, and it still works
        s.execute(text("UPDATE batches SET status = 'exported' WHERE id = :id"), {"id": draft_id})


def test_export_and_paid_refuse_a_batch_that_was_already_paid(db: sessionmaker[Session]) -> None:
    """Even with the trigger dropped, a status set back by SQL never gives a second file or payment."""
    batch_id = _paid_batch(db)
    with transaction(db) as s:
        _drop_status_guard(s)
        s.execute(text("UPDATE batches SET status = 'exported' WHERE id = :id"), {"id": batch_id})
    with pytest.raises(BatchIntegrityError, match="already paid"), transaction(db) as s:  # a Conflict: 409
        export_file(s, CHECKER, batch_id, "bank-csv")
    with pytest.raises(BatchIntegrityError, match="already paid"), transaction(db) as s:
        mark_paid(s, CHECKER, batch_id, date.today())
    assert _payments(db, batch_id) == 1
    with db() as s:
        events = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "batch.integrity_refused", AuditEvent.entity_id == str(batch_id))).all()
        assert [(e.after or {}).get("refused") for e in events] == ["exported", "marked paid"]
        assert {(e.after or {}).get("reason") for e in events} == {"already paid"}


def test_the_database_allows_one_payment_entry_per_batch_and_returns_still_post(db: sessionmaker[Session]) -> None:
    batch_id = _paid_batch(db)
    with db() as s:
        person = s.scalars(select(Participant.id).order_by(Participant.id)).first()
    legs = [Leg(AccountKind.PARTICIPANT_PAYABLE, Category.FEE, 100, "GBP", participant_id=person),
            Leg(AccountKind.PAYMENTS_CLEARING, Category.FEE, -100, "GBP", participant_id=person)]
    with pytest.raises(IntegrityError), transaction(db) as s:
        post_entry(s, kind=EntryKind.PAYMENT, booked_on=date.today(), memo="paid again", legs=legs,
                   batch_id=batch_id, token_id=None)
    with transaction(db) as s:  # returned payments are RETURN entries: more than one per batch is fine
        for line_id in s.scalars(select(BatchLine.id).where(BatchLine.batch_id == batch_id)).all():
            return_line(s, CHECKER, batch_id, line_id, "account closed")
    with db() as s:
        kinds = s.scalars(select(JournalEntry.kind).where(JournalEntry.batch_id == batch_id)).all()
    assert sorted(kinds) == ["payment", "return", "return"]


# ------------------------------------------------------------------------- details moved by SQL


def _owed_pair(factory: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(factory) as s:
        proj = project(s)
        ann = participant(s, "Ann Example")
        bob = participant(s, "Bob Other", sort_code=OTHER_SORT, account=OTHER_ACCOUNT)
        approve(s, ann, proj, MAY, 2500)
        approve(s, bob, proj, MAY, 1000)
        return ann.id, bob.id


def _copy_bank_columns(session: Session, source: int, target: int) -> None:
    """Copy participant ``source``'s encrypted bank columns onto ``target``, as a database user could."""
    columns = ("bank_account_name", "bank_sort_code", "bank_account_number")
    sets = ", ".join(f"{c} = (SELECT p.{c} FROM participants p WHERE p.id = :source)" for c in columns)
    session.execute(text(f"UPDATE participants SET {sets} WHERE id = :target"), {"source": source, "target": target})


def test_bank_details_moved_by_sql_are_left_out_until_confirmed_again(db: sessionmaker[Session]) -> None:
    ann_id, bob_id = _owed_pair(db)
    with transaction(db) as s:
        _copy_bank_columns(s, bob_id, ann_id)
    with transaction(db) as s:
        ann = s.get_one(Participant, ann_id)
        assert ann.bank_account_number == OTHER_ACCOUNT and not seal_matches(ann)  # it decrypts fine
        ann.email = "ann@example.org"  # an unrelated edit through the ledger does not re-seal them
    with transaction(db) as s:
        outcome = build_batch(s, BUILDER, "bank_transfer")
        assert [line.participant_id for line in outcome.batch.lines] == [bob_id]
        [skipped] = outcome.skipped
        assert skipped.participant_id == ann_id and skipped.reason == UNSEALED_REASON
    with db() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "batch.payee_details_unconfirmed")).all()
        ann_ref = s.get_one(Participant, ann_id).reference
    assert [(e.after or {}).get("participants") for e in events] == [[ann_ref]]

    with transaction(db) as s:  # two people confirm the details again: a fresh seal, and Ann is paid
        ann = s.get_one(Participant, ann_id)
        change = propose(s, Actor(token_id=1, name="Lee Lead", role=Role.LEAD), ann,
                         PayeeDetails("bank_transfer", "ANN EXAMPLE", "089999", "66374958"))
        assert change is not None
        confirm(s, Actor(token_id=2, name="Fran Finance", role=Role.FINANCE), change.id)
    with transaction(db) as s:
        assert seal_matches(s.get_one(Participant, ann_id))
        assert [line.participant_id for line in build_batch(s, BUILDER, "bank_transfer").batch.lines] == [ann_id]


def test_when_only_moved_details_are_owed_no_batch_is_made_and_the_trail_says_why(
    db: sessionmaker[Session],
) -> None:
    ann_id, bob_id = _owed_pair(db)
    with transaction(db) as s:
        _copy_bank_columns(s, bob_id, ann_id)
        s.execute(text("UPDATE participants SET payment_preference = 'voucher' WHERE id = :id"), {"id": bob_id})
    with pytest.raises(Invalid, match="changed outside the ledger"), transaction(db) as s:
        build_batch(s, BUILDER, "bank_transfer")
    with db() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "batch.payee_details_unconfirmed")) == 1


# --------------------------------------------------------------------------- four eyes on the CLI


def test_on_the_cli_the_builder_cannot_approve_their_own_batch(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        margaret = participant(s, "Margaret Ellis", account_name="DANIEL OKAFOR")
        approve(s, margaret, proj, MAY, 3000)
    db = ["--database", str(factory.kw["bind"].url)]
    run = CliRunner().invoke
    assert run(main, ["batch", "create", "--method", "bank_transfer", *db]).exit_code == 2  # --as is required
    built = run(main, ["batch", "create", "--method", "bank_transfer", "--as", "Bea Builder", *db])
    assert built.exit_code == 0, built.output
    assert run(main, ["batch", "approve", "1", *db]).exit_code == 2
    alone = run(main, ["batch", "approve", "1", "--as", "  bea   BUILDER ", *db])
    assert alone.exit_code == 1 and "someone else must check and approve it" in alone.output, alone.output
    with factory() as s:
        assert s.scalar(text("SELECT status FROM batches WHERE id = 1")) == "draft"
    approved = run(main, ["batch", "approve", "1", "--as", "Cal Checker", *db])
    assert approved.exit_code == 0, approved.output
    assert "Margaret Ellis" in approved.output and "DANIEL OKAFOR" in approved.output  # the mismatch is visible
    with factory() as s:
        assert s.execute(text("SELECT created_by, approved_by FROM batches WHERE id = 1")).one() == (
            "Bea Builder", "Cal Checker")


def test_a_token_and_the_same_name_on_the_cli_are_one_person(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        approve(s, participant(s, "Ann Example"), proj, MAY, 3000)
        batch_id = build_batch(s, Actor(token_id=9, name="Finn Finance", role=Role.FINANCE), "bank_transfer").batch.id
    with pytest.raises(Forbidden, match="someone else"), transaction(factory) as s:
        approve_batch(s, Actor(token_id=None, name="finn finance", role=Role.ADMIN), batch_id)
    with pytest.raises(Forbidden, match="someone else"), transaction(factory) as s:
        approve_batch(s, Actor(token_id=10, name="Finn  Finance", role=Role.FINANCE), batch_id)
    with transaction(factory) as s:
        assert approve_batch(s, CHECKER, batch_id).approved_by == "finance two"


def test_payees_confirm_on_the_cli_refuses_the_api_proposers_name(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ann = participant(s, "Ann Example")
        change = propose(s, Actor(token_id=2, name="Lee Lead", role=Role.LEAD), ann,
                         PayeeDetails("bank_transfer", "ANN EXAMPLE", OTHER_SORT, OTHER_ACCOUNT))
        assert change is not None
        change_id = change.id
    db = ["--database", str(factory.kw["bind"].url)]
    refused = CliRunner().invoke(main, ["payees", "confirm", str(change_id), "--as", "LEE  lead", *db])
    assert refused.exit_code == 1 and "yourself" in refused.output, refused.output
    confirmed = CliRunner().invoke(main, ["payees", "confirm", str(change_id), "--as", "Olu Other", *db])
    assert confirmed.exit_code == 0, confirmed.output
