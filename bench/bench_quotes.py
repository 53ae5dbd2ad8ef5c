"""How fast the engine quotes, against a floor measured in the same run.

    .venv/bin/python bench/bench_quotes.py [--records 100000] [--seed 20251216] [--profile]

Quotes 100,000 varied, seeded records (activities, roles, modes, minutes, mileage, expenses, dates on both
sides of the nihr-style uplift, and some day-rate meetings) on one core with ``calculate``, full
explanations and all. The floor does the same arithmetic on plain integers with no explanations:
minutes are capped and rounded up, time at one rate is summed and turned into pence by integer half-up
division. The ratio says what the exactness (Decimal) and the explanations cost. A line carries its
explanation's parts and writes the sentence when it is shown (``ledger.rates.engine.Said``), so the
engine is also timed with every sentence written (what an API answer costs). Engine, worded engine
and floor take turns in chunks of 1,000 records, so other work on the machine slows them alike.
Targets (issue 14): 20,000 quotes/s and within 10x of the floor's time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from ledger.rates.engine import ExpenseClaim, MileageClaim, QuoteInput, calculate
from ledger.rates.model import BANDED, HOURLY, RateCard
from ledger.rates.registry import default_registry

TARGET = 20_000
NIHR_ACTIVITIES = ("meeting", "meeting", "meeting", "document_review", "interview_panel", "co_facilitation", "survey")
CATEGORIES = ("public_transport", "taxi", "parking", "subsistence", "carer")


def make_records(count: int, seed: int) -> list[tuple[RateCard, QuoteInput]]:
    """Seeded, varied records: what a busy month of an involvement programme looks like."""
    rng = random.Random(seed)
    registry = default_registry()
    nihr, day_rate = registry.get("nihr-style"), registry.get("day-rate-example")
    start = date(2025, 6, 1)  # both sides of the 2025-12-16 uplift
    records: list[tuple[RateCard, QuoteInput]] = []
    for _ in range(count):
        on = start + timedelta(days=rng.randrange(400))
        card = day_rate if rng.random() < 0.1 else nihr
        if card is day_rate:
            activity = rng.choice(("meeting", "meeting", "document_review"))
            role = "member"
        else:
            activity = rng.choice(NIHR_ACTIVITIES)
            role = "chair" if rng.random() < 0.15 else "member"
        cancelled = rng.random() < 0.03
        mileage = None
        if rng.random() < 0.3:
            mileage = MileageClaim(
                rng.choice(("car", "car", "motorcycle", "bicycle")),
                rng.randrange(1, 120),
                passengers=rng.choice((0, 0, 0, 1, 2)),
                miles_earlier_in_tax_year=rng.choice((0, rng.randrange(12_000))),
            )
        expenses: list[ExpenseClaim] = []
        for index in range(rng.choice((0, 0, 0, 1, 1, 2))):
            pence = rng.randrange(50, 2_500)
            expenses.append(ExpenseClaim(
                rng.choice(CATEGORIES), f"{Decimal(pence).scaleb(-2):f}", receipt=f"R{index}" if pence > 1000 else None,
            ))
        records.append((card, QuoteInput(
            date=on,
            activity=activity,
            role=role,
            mode="online" if rng.random() < 0.4 else "in_person",
            involvement_minutes=0 if cancelled else rng.randrange(5, 480),
            preparation_minutes=rng.choice((0, rng.randrange(0, 240))),
            follow_up_minutes=rng.choice((0, 0, rng.randrange(0, 120))),
            travel_minutes=rng.choice((0, rng.randrange(0, 180))),
            mileage=mileage,
            expenses=tuple(expenses),
        )))
    return records


# --------------------------------------------------------------------------------------- the floor


@dataclass(frozen=True, slots=True)
class IntRecord:
    """A record reduced to integers: rates in pence (per hour or per mile) as exact fractions."""

    pricing: str
    rate_num: int  # involvement pence per hour x role multiplier, as numerator / denominator
    rate_den: int
    base: int  # pence per hour without the multiplier (or the fixed fee, or band fees)
    bands: tuple[tuple[int, int], ...]
    unit: int
    minimum: int
    cap_num: int
    cap_den: int
    follow_cap: int
    travel_paid: bool
    involvement: int
    preparation: int
    follow_up: int
    travel: int
    online: int  # allowance pence, 0 if in person
    miles: int
    earlier: int
    threshold: int
    per_mile: int
    beyond: int
    passengers: int
    passenger_rate: int
    expenses: tuple[tuple[int, int], ...]  # (pence claimed, daily cap pence or -1), in claim order
    expense_caps: tuple[str, ...]


def _pence(value: Decimal) -> int:
    """Whole pence; the presets' rates are all whole pence, so nothing is lost."""
    pence = value * 100
    assert pence == int(pence), value
    return int(pence)


def to_integers(card: RateCard, request: QuoteInput) -> IntRecord:
    """Done once before timing: the floor measures arithmetic, not parsing."""
    version = card.version_on(request.date)
    rule = version.activity(request.activity)
    multiplier = Fraction(version.role(request.role).multiplier)
    cap = Fraction(version.time.preparation_cap)
    price = rule.hourly_rate if rule.hourly_rate is not None else rule.fixed_fee
    base = _pence(price) if price is not None else 0  # banded: the fees are in ``bands``
    rate = Fraction(base) * multiplier
    mileage = request.mileage
    vehicle = version.vehicle(mileage.vehicle).on(request.date) if mileage else None  # dated rates, as the engine
    rules = version.expenses_on(request.date)
    expenses = []
    for claim in request.expenses:
        cap_pence = version.expenses.at_cost[claim.category].daily_cap
        expenses.append((_pence(Decimal(str(claim.amount))), -1 if cap_pence is None else _pence(cap_pence)))
    return IntRecord(
        pricing=rule.pricing,
        rate_num=rate.numerator,
        rate_den=rate.denominator,
        base=base,
        bands=tuple((b.up_to_minutes, _pence(b.fee)) for b in rule.bands),
        unit=version.time.rounding_unit_minutes,
        minimum=version.time.minimum_involvement_minutes,
        cap_num=cap.numerator,
        cap_den=cap.denominator,
        follow_cap=version.time.follow_up_cap_minutes,
        travel_paid=version.time.travel_time_paid,
        involvement=request.involvement_minutes,
        preparation=request.preparation_minutes,
        follow_up=request.follow_up_minutes,
        travel=request.travel_minutes,
        online=_pence(rules.online_allowance) if request.mode == "online" else 0,
        miles=mileage.miles if mileage else 0,
        earlier=mileage.miles_earlier_in_tax_year if mileage else 0,
        threshold=(vehicle.threshold_miles or 10**9) if vehicle else 0,
        per_mile=_pence(vehicle.rate_per_mile) if vehicle else 0,
        beyond=_pence(vehicle.rate_beyond_threshold or Decimal(0)) if vehicle else 0,
        passengers=mileage.passengers if mileage else 0,
        passenger_rate=_pence(rules.passenger_rate_per_mile),
        expenses=tuple(expenses),
        expense_caps=tuple(e.category for e in request.expenses),
    )


def _up(minutes_num: int, minutes_den: int, unit: int) -> int:
    """Round num/den minutes up to whole units, in integers."""
    step = minutes_den * unit
    return -(-minutes_num // step) * unit


def _half_up(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


def floor_quote(r: IntRecord) -> tuple[int, int]:
    """(fees, expenses) in pence: the engine's rules on plain integers, no words, no Decimal."""
    fees = 0
    if r.involvement:
        prep_num, prep_den = min(r.preparation * r.cap_den, r.cap_num * r.involvement), r.cap_den
    else:
        prep_num, prep_den = r.preparation, 1
    follow = min(r.follow_up, r.follow_cap)
    travel = r.travel if r.travel_paid else 0
    if r.pricing == HOURLY:
        # Time at one rate is priced together and rounded once, as the engine does (it then shares the
        # pennies between the lines, which does not change their sum).
        minutes_at: dict[tuple[int, int], int] = {}
        if r.involvement:
            paid = max(_up(r.involvement, 1, r.unit), r.minimum)
            minutes_at[(r.rate_num, r.rate_den)] = paid
        base = (r.base, 1)
        for part in (_up(prep_num, prep_den, r.unit) if prep_num else 0, _up(follow, 1, r.unit) if follow else 0,
                     _up(travel, 1, r.unit) if travel else 0):
            if part:
                minutes_at[base] = minutes_at.get(base, 0) + part
        for (num, den), minutes in minutes_at.items():
            fees += _half_up(num * minutes, den * 60)
    elif r.pricing == BANDED:
        counted = -(-(r.involvement * prep_den + prep_num + (follow + travel) * prep_den) // prep_den)
        if counted:
            fee = r.bands[-1][1]
            for limit, band_fee in r.bands:
                if counted <= limit:
                    fee = band_fee
                    break
            fees += fee
    else:
        fees += r.base
    expenses = r.online
    if r.miles:
        full = min(r.miles, max(0, r.threshold - r.earlier))
        expenses += full * r.per_mile + (r.miles - full) * r.beyond + r.passengers * r.miles * r.passenger_rate
    used: dict[str, int] = {}
    for (claimed, cap), category in zip(r.expenses, r.expense_caps, strict=True):
        if cap >= 0:
            claimed = min(claimed, max(0, cap - used.get(category, 0)))
            used[category] = used.get(category, 0) + claimed
        expenses += claimed
    return fees, expenses


# --------------------------------------------------------------------------------------- running


def _chunks(count: int, size: int) -> list[range]:
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def timed_interleaved(
    records: list[tuple[RateCard, QuoteInput]], integers: list[IntRecord], repeats: int
) -> tuple[list[float], list[float], list[float]]:
    """Seconds per repeat for the engine, the engine with every sentence written, and the floor.

    The three take turns in chunks of 1,000 records, so load from other work on a shared machine falls
    on all of them alike; each repeat is one full pass over the records.
    """
    engine, worded, floor = [], [], []
    for _ in range(repeats):
        e = w = f = 0.0
        for chunk in _chunks(len(records), 1000):
            t0 = time.perf_counter()
            for i in chunk:
                calculate(*records[i])
            t1 = time.perf_counter()
            for i in chunk:
                for line in calculate(*records[i]).lines:
                    line.explanation  # noqa: B018 - writing the sentence is what is timed
            t2 = time.perf_counter()
            for i in chunk:
                floor_quote(integers[i])
            t3 = time.perf_counter()
            e, w, f = e + t1 - t0, w + t2 - t1, f + t3 - t2
        engine.append(e)
        worded.append(w)
        floor.append(f)
    return engine, worded, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20251216)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved passes over the records (default 3)")
    parser.add_argument("--profile", action="store_true", help="also profile the engine (cProfile, top 25)")
    args = parser.parse_args()

    records = make_records(args.records, args.seed)
    integers = [to_integers(card, request) for card, request in records]

    quotes = [calculate(card, request) for card, request in records]
    engine_runs, worded_runs, floor_runs = timed_interleaved(records, integers, args.repeat)

    # The floor is only a fair floor if it computes the same money: check every record.
    mismatches = sum(
        1 for quote, integer in zip(quotes, integers, strict=True)
        if (_pence(quote.fees_total), _pence(quote.expenses_total)) != floor_quote(integer)
    )
    lines = sum(len(q.lines) for q in quotes)
    count = len(records)
    ratios = sorted(e / f for e, f in zip(engine_runs, floor_runs, strict=True))
    worded_ratios = sorted(w / f for w, f in zip(worded_runs, floor_runs, strict=True))
    engine_rate = count / min(engine_runs)
    print(f"records:                {count:,} ({lines:,} lines), {args.repeat} interleaved passes")
    for label, runs in (("engine (quotes)", engine_runs), ("engine + every sentence", worded_runs),
                        ("floor (integers only)", floor_runs)):
        rates = sorted(count / seconds for seconds in runs)
        print(f"{label:<24} best {rates[-1]:10,.0f} quotes/s   all passes: "
              + ", ".join(f"{rate:,.0f}" for rate in rates))
    print(f"ratio engine time / floor time, per pass: {', '.join(f'{r:.1f}' for r in ratios)} "
          f"(median {statistics.median(ratios):.1f}x; target within 10x)")
    print(f"with every sentence written, per pass:    {', '.join(f'{r:.1f}' for r in worded_ratios)} "
          f"(median {statistics.median(worded_ratios):.1f}x)")
    print(f"target:                 {TARGET:12,} quotes/s  -> {'met' if engine_rate >= TARGET else 'NOT met'} "
          f"(best pass {engine_rate:,.0f}/s); within 10x -> "
          f"{'met' if statistics.median(ratios) <= 10 else 'NOT met'}")
    print(f"floor disagrees with the engine on {mismatches} of {count:,} records")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for card, request in records:
            calculate(card, request)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
