"""Property tests: for any names and amounts, control totals equal the sums and no cell is a formula."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.exports.finance import get_exporter
from ledger.exports.safety import is_neutral
from ledger.reports.batch_data import BatchExport, BatchExportLine

pytestmark = pytest.mark.slow  # heavy: run by CI, left out of `pytest -m "not slow"`

ENCODINGS = {"csv": "utf-8-sig", "bank-csv": "ascii", "xero": "utf-8", "sage": "utf-8-sig"}

pence = st.integers(min_value=0, max_value=5_000_000).map(lambda p: Decimal(p).scaleb(-2))
# Text that often starts with a formula character or contains control characters.
risky_text = st.one_of(
    st.text(min_size=0, max_size=40),
    st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "\r", " =", "\n"]), st.text(max_size=20)).map("".join),
)
bank_text = st.text(alphabet=st.characters(codec="ascii"), min_size=0, max_size=30).map(lambda t: "A" + t)


@st.composite
def lines(draw: st.DrawFn, n: int) -> BatchExportLine:
    fees = draw(pence)
    expenses = draw(pence)
    if fees + expenses == 0:
        fees = Decimal("0.01")
    return BatchExportLine(
        line_id=n,
        participant_reference=f"P-{n:04d}",
        payee_name=draw(risky_text) + " Kim",  # a bank needs at least one letter it accepts
        amount=fees + expenses,
        fees=fees,
        expenses=expenses,
        payment_reference=draw(bank_text),
        sort_code="089999",
        account_number="66374958",
        account_name=draw(st.one_of(st.none(), bank_text)),
        organisation_reference=None,
        project_codes=tuple(draw(st.lists(risky_text, max_size=2))),
        cost_codes=tuple(draw(st.lists(risky_text, max_size=2))),
        description=draw(risky_text),
        record_ids=(n,),
    )


@st.composite
def batches(draw: st.DrawFn) -> BatchExport:
    count = draw(st.integers(min_value=1, max_value=12))
    items = [draw(lines(n)) for n in range(1, count + 1)]
    return BatchExport(
        reference="B-0001",
        method="bank_transfer",
        currency="GBP",
        created_on=date(2026, 10, 1),
        paid_on=None,
        organisation_name=draw(risky_text),
        project_code=None,
        lines=items,
        line_count=count,
        total=sum((line.amount for line in items), Decimal(0)),
    )


def parse(name: str, batch: BatchExport) -> list[list[str]]:
    data = b"".join(get_exporter(name).iter_chunks(batch))
    return list(csv.reader(io.StringIO(data.decode(ENCODINGS[name]), newline="")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_every_cell_is_neutral_in_every_csv_format(batch: BatchExport) -> None:
    for name in ENCODINGS:
        for row in parse(name, batch):
            for value in row:
                assert is_neutral(value), (name, value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_control_totals_equal_the_sum_of_the_lines(batch: BatchExport) -> None:
    assert isinstance(batch.lines, list)
    expected = sum((line.amount for line in batch.lines), Decimal(0))

    listing = parse("csv", batch)
    payments = [r for r in listing[1:] if r[0] == "payment"]
    assert len(payments) == batch.line_count
    assert Decimal(listing[-1][4]) == expected == sum(Decimal(r[4]) for r in payments)

    bank = parse("bank-csv", batch)
    assert Decimal(bank[0][5]) == Decimal(bank[-1][2]) == expected
    assert int(bank[-1][1]) == batch.line_count
    assert sum(Decimal(r[4]) for r in bank if r[0] == "D") == expected

    xero = parse("xero", batch)
    assert sum(Decimal(r[7]) for r in xero[1:]) == expected
    assert len({r[1] for r in xero[1:]}) == batch.line_count

    sage = parse("sage", batch)
    assert sum(Decimal(r[7]) for r in sage[1:]) == expected

    document = json.loads(b"".join(get_exporter("json").iter_chunks(batch)))
    assert Decimal(document["total"]) == expected
    assert document["line_count"] == batch.line_count
    assert sum(Decimal(line["amount"]) for line in document["lines"]) == expected
