"""Tables for the imports feature: none are needed (see migration 0012). Each import is one audit event
naming its file by SHA-256, and rows already in the ledger are found among the records themselves, so the
ledger keeps one fact in one place. Kept so models.py's import of it stays valid."""

from __future__ import annotations

from ledger.db.base import Base, BigId, CreatedMixin, IdMixin, MinorUnits, utcnow  # noqa: F401
