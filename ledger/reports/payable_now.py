"""What is payable now, by payment method and project, with the oldest unpaid activity: the finance home page.

Why it reads the batch builder's own conditions: "payable by this method" is one rule
(``ledger.payments.batches.payable_by`` inside ``_owed_postings``), so the figures here are what a batch
built now for that method and project would gather, before payees without usable details are left out
(the build says who and why). Amounts are netted per payee and kind exactly as the builder nets them
(a kind whose net is zero or less waits), and summed in SQL per payee, so the page never loads postings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Activity, BatchMethod, Posting, Project
from ledger.money import Money
from ledger.payments.batches import _owed_from, _owed_postings


@dataclass(frozen=True, slots=True)
class PayableGroup:
    """Money waiting to be paid by one method for one project."""

    method: str
    project_id: int | None
    project_code: str
    project_name: str
    currency: str
    amount: Decimal
    payees: int
    oldest: date | None  # the earliest activity date among what is waiting

    def age_days(self, today: date) -> int | None:
        return (today - self.oldest).days if self.oldest is not None else None


def payable_now(session: Session) -> list[PayableGroup]:
    """Every (method, project) with money a batch would pay, largest wait first within each method."""
    project_of = func.coalesce(Posting.project_id, Activity.project_id)
    when = func.coalesce(Posting.activity_date, Activity.date)
    groups: list[PayableGroup] = []
    for method in BatchMethod:
        query = (
            _owed_from()
            .with_only_columns(project_of, Posting.participant_id, Posting.category, Posting.currency,
                               func.sum(Posting.amount_minor), func.min(when))
            .where(*_owed_postings(method, None, None))
            .group_by(project_of, Posting.participant_id, Posting.category, Posting.currency)
        )
        totals: dict[tuple[int | None, str], int] = defaultdict(int)
        payees: dict[tuple[int | None, str], set[int]] = defaultdict(set)
        oldest: dict[tuple[int | None, str], date] = {}
        for project_id, participant_id, _category, currency, total, first in session.execute(query):
            net = -int(total or 0)  # payable is a credit account: credits are negative
            if net <= 0:
                continue
            key = (int(project_id) if project_id is not None else None, str(currency))
            totals[key] += net
            payees[key].add(int(participant_id))
            if first is not None and (key not in oldest or first < oldest[key]):
                oldest[key] = first
        names = {p.id: (p.code, p.name) for p in session.scalars(
            select(Project).where(Project.id.in_([k[0] for k in totals if k[0] is not None])))} if totals else {}
        found = [
            PayableGroup(method=method.value, project_id=project_id,
                         project_code=names.get(project_id, ("", ""))[0] if project_id else "",
                         project_name=names.get(project_id, ("", "No project"))[1] if project_id else "No project",
                         currency=currency, amount=Money.from_minor(amount, currency).amount,
                         payees=len(payees[(project_id, currency)]), oldest=oldest.get((project_id, currency)))
            for (project_id, currency), amount in totals.items()
        ]
        groups.extend(sorted(found, key=lambda g: (g.oldest or clock.today(), g.project_name)))
    return groups
