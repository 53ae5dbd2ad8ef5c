"""Hypothesis profiles for the whole suite, chosen with HYPOTHESIS_PROFILE (default: "default").

"default" keeps a local run quick; "ci" searches ten times harder and drops the per-example deadline
because a busy CI machine must not turn a slow example into a false failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("default", max_examples=100)
settings.register_profile("ci", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _test_keyring() -> Iterator[None]:
    """Every test encrypts bank details with one in-memory key: no key file is written into the repo.

    Tests about key files and rotation replace it with ``ledger.security.keys.use_keyring`` themselves.
    """
    from ledger.security import keys

    keys.use_keyring(keys.Keyring.generate())
    yield
    keys.reset_keyring()
