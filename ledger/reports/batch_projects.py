"""How each payee's payment in a batch splits across projects, for accounting files with project codes.

Why: someone paid for work on three projects gets one bank payment, but finance books the cost to each
project. Xero and Sage files used to leave the project and cost code blank for such a payee; with these
parts they write one row per project with its own codes, and the rows still add up to the payment.

Summed in SQL from the postings locked to each batch line (the same postings that make the line's
amount), per project (the posting's own project, else its record's activity's project).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.db.models import Activity, BatchItem, Category, Posting, Project, Record
from ledger.money import Money
from ledger.reports.batch_data import ProjectAmount

_CHUNK = 500


def project_amounts(session: Session, line_ids: list[int], currency: str) -> dict[int, tuple[ProjectAmount, ...]]:
    """Per batch line id: its fees, expenses and number of activities per project, ordered by project code."""
    fees = func.sum(case((Posting.category == Category.FEE.value, -Posting.amount_minor), else_=0))
    expenses = func.sum(case((Posting.category == Category.EXPENSE.value, -Posting.amount_minor), else_=0))
    # A record is one person's part in one activity: counted once however many postings it has.
    activities = func.count(func.distinct(Record.id))
    project_id = func.coalesce(Posting.project_id, Activity.project_id)
    found: dict[int, list[ProjectAmount]] = defaultdict(list)
    for start in range(0, len(line_ids), _CHUNK):
        chunk = line_ids[start : start + _CHUNK]
        rows = session.execute(
            select(BatchItem.batch_line_id, Project.code, Project.cost_code, fees, expenses, activities)
            .join(Posting, Posting.id == BatchItem.posting_id)
            .outerjoin(Record, Record.id == Posting.record_id)
            .outerjoin(Activity, Activity.id == Record.activity_id)
            .outerjoin(Project, Project.id == project_id)
            .where(BatchItem.batch_line_id.in_(chunk))
            .group_by(BatchItem.batch_line_id, Project.code, Project.cost_code)
            .order_by(BatchItem.batch_line_id, Project.code)
        )
        for line_id, code, cost_code, fee_minor, expense_minor, count in rows:
            found[int(line_id)].append(ProjectAmount(
                project_code=code or "",
                cost_code=cost_code or None,
                fees=Money.from_minor(int(fee_minor or 0), currency).amount,
                expenses=Money.from_minor(int(expense_minor or 0), currency).amount,
                activities=int(count or 0),
            ))
    return {line_id: tuple(parts) for line_id, parts in found.items()}
