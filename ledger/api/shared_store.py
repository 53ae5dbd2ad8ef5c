"""A Litestar store kept in the ledger's database, so several server processes share what is in it.

``ledger serve --workers N`` runs N processes. Litestar keeps rate-limit counts in the app's
``rate_limit`` store, in memory by default, so each process would count on its own and a client could
make N times the allowed requests. With more than one worker the serve command puts this store in its
place: the counts live in the ``shared_store`` table (migration 0015) that every worker reads.

Each call is one short transaction of its own in a worker thread (the store is asynchronous, the
database driver is not). Expired values are never returned and are swept out every ``SWEEP_EVERY``
writes. Idempotency needs nothing from here: keys in progress are held with PostgreSQL advisory locks
and answers are stored in the request's own transaction (``ledger.api.idempotency``); web sessions
are rows too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from litestar.stores.base import Store
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledger import clock
from ledger.db.models_summaries import SharedStoreEntry

SWEEP_EVERY = 500


def _seconds(value: int | timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class DatabaseStore(Store):
    """Litestar's ``Store`` on the ``shared_store`` table (keys are namespaced by ``namespace``)."""

    def __init__(self, engine: Engine, namespace: str = "rate_limit") -> None:
        self.engine = engine
        self.namespace = namespace
        self._writes = 0
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._insert: Any = insert(SharedStoreEntry)

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def _expiry(self, expires_in: int | timedelta | None) -> datetime | None:
        seconds = _seconds(expires_in)
        return clock.now() + timedelta(seconds=seconds) if seconds is not None else None

    def _set(self, key: str, value: bytes, expires_at: datetime | None) -> None:
        upsert = self._insert.values(key=key, value=value, expires_at=expires_at).on_conflict_do_update(
            index_elements=[SharedStoreEntry.key], set_={"value": value, "expires_at": expires_at})
        with self.engine.begin() as connection:
            connection.execute(upsert)
            self._writes += 1
            if self._writes % SWEEP_EVERY == 0:
                connection.execute(delete(SharedStoreEntry).where(SharedStoreEntry.expires_at < clock.now()))

    def _get(self, key: str, renew_for: float | None) -> bytes | None:
        now = clock.now()
        with self.engine.begin() as connection:
            row = connection.execute(
                select(SharedStoreEntry.value, SharedStoreEntry.expires_at).where(SharedStoreEntry.key == key)
            ).first()
            if row is None or (row.expires_at is not None and row.expires_at <= now):
                return None
            if renew_for is not None and row.expires_at is not None:
                connection.execute(update(SharedStoreEntry).where(SharedStoreEntry.key == key)
                                   .values(expires_at=now + timedelta(seconds=renew_for)))
            return bytes(row.value)

    def _run(self, function: Any, *args: Any) -> Any:
        return anyio.to_thread.run_sync(function, *args)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode("utf-8") if isinstance(value, str) else value
        await self._run(self._set, self._key(key), data, self._expiry(expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        found: bytes | None = await self._run(self._get, self._key(key), _seconds(renew_for))
        return found

    async def delete(self, key: str) -> None:
        def gone() -> None:
            with self.engine.begin() as connection:
                connection.execute(delete(SharedStoreEntry).where(SharedStoreEntry.key == self._key(key)))

        await self._run(gone)

    async def delete_all(self) -> None:
        def all_gone() -> None:
            with self.engine.begin() as connection:
                connection.execute(delete(SharedStoreEntry).where(
                    SharedStoreEntry.key.startswith(f"{self.namespace}:", autoescape=True)))

        await self._run(all_gone)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        def remaining() -> int | None:
            with self.engine.begin() as connection:
                expires_at = connection.scalar(
                    select(SharedStoreEntry.expires_at).where(SharedStoreEntry.key == self._key(key)))
            if expires_at is None:
                return None
            return max(0, int((expires_at - clock.now()).total_seconds()))

        result: int | None = await self._run(remaining)
        return result
