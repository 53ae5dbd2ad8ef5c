"""The engine's whole-number sharing of time amounts gives exactly what ``share_pennies`` gives.

``_priced`` shares the pennies of time lines at one rate with ``_share_time`` (integers over one common
denominator) instead of building Fractions. Here both are run on generated rates (including sub-penny
and whole-unit rates), minutes (including 0 and the sums ending in exactly half a minor unit) and
currencies with 0, 2 and 3 decimal places, and must agree amount for amount, exponent included.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from ledger.rates.engine import _exact_time_amount, _share_time, share_pennies

RATES = st.builds(lambda units, places: Decimal(units).scaleb(-places), st.integers(0, 10_000_000), st.integers(0, 4))
MINUTES = st.lists(st.integers(0, 24 * 60), min_size=1, max_size=5)


@given(RATES, MINUTES, st.sampled_from(["GBP", "JPY", "BHD", "EUR"]))
@example(Decimal("0.01"), [110, 110, 50], "GBP")  # exactly 4.5p in all: paid 5p
@example(Decimal("27.50"), [75, 45], "GBP")  # 34.38 + 20.62
@example(Decimal("1"), [30, 30], "GBP")  # equal remainders: the earlier line gets the penny
def test_whole_number_sharing_matches_share_pennies(rate: Decimal, minutes: list[int], currency: str) -> None:
    fast = _share_time(rate, minutes, currency)
    general = share_pennies([_exact_time_amount(rate, m) for m in minutes], currency)
    assert fast == general
    assert [value.as_tuple().exponent for value in fast] == [value.as_tuple().exponent for value in general]
