"""Tables for the messages feature (kept apart from models.py so each feature owns its own tables)."""

from __future__ import annotations

from ledger.db.base import Base, BigId, CreatedMixin, IdMixin, MinorUnits, utcnow  # noqa: F401
