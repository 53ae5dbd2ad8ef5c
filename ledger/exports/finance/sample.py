"""A realistic generated batch, for benchmarks and for trying the exports without a database.

Why here: the benchmark (bench/bench_export.py) and the demo need batches of any size whose lines are
produced one at a time (a generator), exactly as the batch service streams them from the database.
Bank details come from a small pool of pairs that pass the modulus check, so a bank file can be made.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import uk_mod_check

from ledger.reports.batch_data import BatchExport, BatchExportLine

_FIRST = ("Ann", "Bilal", "Chloë", "Dafydd", "Eilidh", "Femi", "Grace", "Hamza", "Iona", "José", "Kai", "Leah")
_LAST = ("O'Brien", "Nowak", "Smith", "Ahmed", "Jones", "MacLeod", "Okafor", "Patel", "Łukasz", "Evans")
_PROJECTS = ("DIAB-01", "MH-CARERS", "STROKE-22", "LD-ACCESS")


def bank_pool(size: int = 200, *, seed: int = 7) -> list[tuple[str, str]]:
    """``size`` sort code and account number pairs that pass the Vocalink modulus check."""
    rng = random.Random(seed)
    pool: list[tuple[str, str]] = []
    while len(pool) < size:
        stem = rng.randrange(0, 10_000_000)
        for last in range(10):
            account = stem * 10 + last
            if uk_mod_check.validate(89999, account).result:
                pool.append(("089999", f"{account:08d}"))
                break
    return pool


def sample_lines(count: int, *, seed: int = 1) -> Iterator[BatchExportLine]:
    """``count`` payees, generated one at a time (amounts in whole pence, fees plus expenses)."""
    rng = random.Random(seed)
    pool = bank_pool()
    for index in range(count):
        fees = Decimal(rng.randrange(0, 40_000)).scaleb(-2)
        expenses = Decimal(rng.randrange(0, 5_000)).scaleb(-2)
        if fees + expenses == 0:
            fees = Decimal("25.00")
        sort_code, account_number = pool[index % len(pool)]
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        reference = f"P-{index + 1:04d}"
        yield BatchExportLine(
            line_id=index + 1,
            participant_reference=reference,
            payee_name=name,
            amount=fees + expenses,
            fees=fees,
            expenses=expenses,
            payment_reference=f"INVOLVE {reference}",
            sort_code=sort_code,
            account_number=account_number,
            account_name=name,
            organisation_reference=None,
            project_codes=(rng.choice(_PROJECTS),),
            cost_codes=("CC-100",),
            description="Involvement fees and expenses, 3 activities, Oct 2026",
            record_ids=(index * 3 + 1, index * 3 + 2, index * 3 + 3),
        )


def sample_total(count: int, *, seed: int = 1) -> Decimal:
    """The total of :func:`sample_lines` with the same arguments (one extra pass, nothing kept)."""
    return sum((line.amount for line in sample_lines(count, seed=seed)), Decimal(0))


def sample_batch(count: int, *, seed: int = 1, method: str = "bank_transfer") -> BatchExport:
    """A batch of ``count`` generated payees whose lines are streamed, with correct control figures."""
    return BatchExport(
        reference="B-0042",
        method=method,
        currency="GBP",
        created_on=date(2026, 11, 2),
        paid_on=date(2026, 11, 5),
        organisation_name="Northshire Health & Care NHS Trust",
        project_code=None,
        lines=sample_lines(count, seed=seed),
        line_count=count,
        total=sample_total(count, seed=seed),
    )
