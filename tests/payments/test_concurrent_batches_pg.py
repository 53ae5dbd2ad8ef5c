"""Two finance officers build batches at the same moment on PostgreSQL: nobody is ever paid twice.

Each run uses a private database (created here, dropped afterwards). The two builds start together
(a barrier); whichever locks the postings first holds its transaction open until the other is either
finished or blocked on the UNIQUE lock, so the race really happens. The loser must get a clean 409
(Conflict) or find nothing left (Invalid), and no posting may end up in two batches.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import AccountKind, BatchItem, Posting
from ledger.errors import Conflict, Invalid
from ledger.payments.batches import build_batch
from ledger.security.actor import Actor
from payments.factory import approve, participant, project

PG_ENV = "LEDGER_TEST_DATABASE_URL"
pytestmark = pytest.mark.postgres


def _someone_waits_on_a_lock(factory: sessionmaker[Session]) -> bool:
    with factory() as s:
        waiting = s.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))
        return bool(waiting)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_batches_never_lock_a_posting_twice(pg_factory: sessionmaker[Session], round_: int) -> None:
    with transaction(pg_factory) as s:
        proj = project(s)
        for i in range(20):
            approve(s, participant(s, f"Person {round_}-{i}"), proj, date(2025, 5, 1), 1000 + i, 100 * (i % 3))
    barrier = threading.Barrier(2)
    done = [threading.Event(), threading.Event()]
    outcomes: list[object] = [None, None]

    def build(me: int) -> None:
        other = done[1 - me]
        try:
            with transaction(pg_factory) as s:
                barrier.wait()
                outcome = build_batch(s, Actor.system(f"finance {me}"), "bank_transfer")
                outcomes[me] = len(outcome.batch.lines)
                for _ in range(2000):  # bounded: hold the lock until the other is blocked or finished
                    if other.is_set() or _someone_waits_on_a_lock(pg_factory):
                        break
                    other.wait(0.005)
        except (Conflict, Invalid) as exc:
            outcomes[me] = exc
        finally:
            done[me].set()

    threads = [threading.Thread(target=build, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, Conflict | Invalid)]
    assert len(winners) == 1 and winners[0] == 20, outcomes
    assert len(losers) == 1, outcomes
    if isinstance(losers[0], Conflict):
        assert "just put in another batch" in losers[0].detail
    with transaction(pg_factory) as s:
        doubled = s.execute(select(BatchItem.posting_id).group_by(BatchItem.posting_id).having(func.count() > 1)).all()
        assert doubled == []
        payable = s.scalar(select(func.count()).select_from(Posting)
                           .where(Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE)) or 0
        assert s.scalar(select(func.count()).select_from(BatchItem)) == payable
        batches = s.scalar(text("SELECT count(*) FROM batches"))
        lines = s.scalar(text("SELECT count(*) FROM batch_lines"))
        assert (batches, lines) == (1, 20)  # the loser left nothing half-written
