"""Reading a batch's lines a chunk at a time, whatever the batch size and whatever the planner knows.

Why a helper: paging with ``WHERE batch_id = ? AND id > ? ORDER BY id LIMIT ?`` let PostgreSQL, when its
statistics still said the batch was small (right after it was built), fetch and sort every remaining
line for every chunk: quadratic for a 10,000-line export. Reading the batch's line ids once (one index
range, a few bytes a line) and then each chunk by primary key costs the same for every chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import BatchLine

CHUNK = 500


def line_id_chunks(
    session: Session, batch_id: int, statuses: Iterable[str] | None = None, size: int = CHUNK
) -> Iterator[Sequence[int]]:
    """The batch's line ids in id order (optionally only lines in ``statuses``), ``size`` at a time."""
    query = select(BatchLine.id).where(BatchLine.batch_id == batch_id).order_by(BatchLine.id)
    if statuses is not None:
        query = query.where(BatchLine.status.in_(list(statuses)))
    ids = session.scalars(query).all()
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
