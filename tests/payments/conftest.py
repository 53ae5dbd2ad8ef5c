"""A fresh, migrated SQLite ledger per test (PostgreSQL tests make their own private database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from payments.factory import migrated_factory


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return migrated_factory(tmp_path)
