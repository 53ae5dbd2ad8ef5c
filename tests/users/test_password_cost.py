"""The real password hashes keep their full cost.

The test run swaps in a cheap argon2id hasher for speed (``tests/conftest.py``); this check runs the
ledger's own module in a fresh process, where nothing is swapped, so a weakened production setting
cannot hide behind the test patch.
"""

from __future__ import annotations

import subprocess
import sys

import argon2


def test_production_hashes_use_argon2id_at_the_recommended_cost() -> None:
    code = "from ledger.users.passwords import hash_password; print(hash_password('kettle river orange'))"
    stored = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            timeout=120).stdout.strip()
    parameters = argon2.extract_parameters(stored)
    recommended = argon2.profiles.RFC_9106_LOW_MEMORY
    assert parameters.type is argon2.Type.ID
    assert parameters.time_cost >= recommended.time_cost
    assert parameters.memory_cost >= recommended.memory_cost  # 64 MiB
    assert parameters.parallelism >= 1
