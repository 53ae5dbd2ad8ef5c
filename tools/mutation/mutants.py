"""Hand-picked mutants of the rate engine and money rules: each a small, meaningful bug.

Each mutant replaces one exact piece of source text (which must occur exactly once in its file) with a
wrong version. ``equivalent`` gives the reason when a mutant cannot change any amount, line or refusal;
such a mutant is expected to survive and is listed in docs/testing.md. The first ten are the seven that
survived the old suite (issue 13) and the three rounding-mode mutants of money.py.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINE = "ledger/rates/engine.py"
MONEY = "ledger/money.py"
MODEL = "ledger/rates/model.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    equivalent: str = ""  # why it cannot be caught, when it cannot


MUTANTS: tuple[Mutant, ...] = (
    # ---- the seven survivors named in issue 13
    Mutant("band-follow-up-uncapped", ENGINE,
           "follow = min(request.follow_up_minutes, version.time.follow_up_cap_minutes)",
           "follow = request.follow_up_minutes"),
    Mutant("band-counts-unpaid-travel", ENGINE,
           "travel = request.travel_minutes if version.time.travel_time_paid else 0",
           "travel = request.travel_minutes"),
    Mutant("band-preparation-uncapped", ENGINE,
           "prep = prep_cap if prep_cap is not None else Decimal(prep_input)",
           "prep = Decimal(prep_input)"),
    Mutant("band-minutes-truncated", ENGINE,
           "minutes = int(ceil_to(counted, 1))",
           "minutes = int(counted)"),
    Mutant("at-cost-zero-accepted", ENGINE,
           "if amount <= 0:",
           "if amount < 0:"),
    # Pricing now works in whole numbers (engine._share_time); the Decimal expression is put
    # back where the group total is worked out.
    Mutant("rate-times-minutes-over-60-grouped", ENGINE,
           "total_units = (2 * sum(numerators) + denominator) // (2 * denominator)",
           "total_units = int(round_money(rate * (sum(minutes) / SIXTY), currency) / quantum(currency))"),
    Mutant("explanation-role-note-inverted", ENGINE,
           'as_role = f", as {role_label.lower()}" if multiplier != 1 else ""',
           'as_role = f", as {role_label.lower()}" if multiplier == 1 else ""',
           equivalent="changes only the wording of an explanation (which role is named), never an amount"),
    # ---- the three rounding-mode mutants in money.py
    Mutant("round-money-half-even", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)"),
    Mutant("round-money-half-down", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_DOWN)"),
    Mutant("time-rounded-to-nearest", MONEY,
           "return (value / step).to_integral_value(rounding=ROUND_CEILING) * step",
           "return (value / step).to_integral_value(rounding=ROUND_HALF_UP) * step"),
    # ---- more money rules
    Mutant("round-money-up", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           "return value.quantize(quantum(currency), rounding=ROUND_UP)"),
    Mutant("time-rounded-down", MONEY,
           "return (value / step).to_integral_value(rounding=ROUND_CEILING) * step",
           "return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step"),
    # ---- time rules
    Mutant("cancelled-preparation-capped", ENGINE,
           "if request.involvement_minutes == 0:",
           "if request.involvement_minutes < 0:"),
    Mutant("preparation-cap-at-equality", ENGINE,
           "return request.preparation_minutes, cap if prep > cap else None",
           "return request.preparation_minutes, cap if prep >= cap else None",
           equivalent="at equality the cap and the preparation are the same number of minutes; only the "
                      "explanation's wording could differ"),
    Mutant("no-minimum-involvement", ENGINE,
           "paid = max(rounded, version.time.minimum_involvement_minutes)",
           "paid = rounded"),
    Mutant("role-multiplier-dropped", ENGINE,
           "rate = base * role.multiplier",
           "rate = base"),
    Mutant("role-multiplier-on-preparation", ENGINE,
           'parts.append(_TimeLine("preparation", base, paid,',
           'parts.append(_TimeLine("preparation", base * role.multiplier, paid,'),
    Mutant("hourly-follow-up-uncapped", ENGINE,
           "counted_f = min(follow, cap)",
           "counted_f = follow"),
    Mutant("hourly-unpaid-travel-paid", ENGINE,
           "if travel > 0 and version.time.travel_time_paid:",
           "if travel > 0:"),
    Mutant("time-not-rounded-to-unit", ENGINE,
           "return int(ceil_to(Decimal(minutes), unit))",
           "return int(ceil_to(Decimal(minutes), 1))"),
    Mutant("capped-preparation-truncated", ENGINE,
           "paid = _round_up(counted, unit)",
           "paid = int(counted)"),
    Mutant("too-long-limit-off-by-one", ENGINE,
           "MAX_COMPONENT_MINUTES = 24 * 60",
           "MAX_COMPONENT_MINUTES = 24 * 60 - 1"),
    # ---- pricing hourly lines together
    Mutant("pennies-to-smallest-remainder", ENGINE,
           "key=lambda i: (-(numerators[i] - floors[i] * denominator), i))",
           "key=lambda i: ((numerators[i] - floors[i] * denominator), i))"),
    Mutant("pennies-tie-to-later-line", ENGINE,
           "key=lambda i: (-(numerators[i] - floors[i] * denominator), i))",
           "key=lambda i: (-(numerators[i] - floors[i] * denominator), -i))"),
    Mutant("lines-rounded-one-by-one", ENGINE,
           "total_units = (2 * sum(numerators) + denominator) // (2 * denominator)",
           "total_units = sum((2 * n + denominator) // (2 * denominator) for n in numerators)"),
    Mutant("pennies-summed-in-decimals", ENGINE,
           "total_units = (2 * sum(numerators) + denominator) // (2 * denominator)",
           "total_units = int(round_money(sum((rate * m / SIXTY for m in minutes), Decimal(0)), currency)"
           " / quantum(currency))"),
    Mutant("group-total-half-down", ENGINE,
           "total_units = (2 * sum(numerators) + denominator) // (2 * denominator)",
           "total_units = (2 * sum(numerators) + denominator - 1) // (2 * denominator)"),
    Mutant("share-floors-ceiling", ENGINE,
           "floors = [n // denominator for n in numerators]",
           "floors = [-(-n // denominator) for n in numerators]"),
    Mutant("shared-note-rounding-grouped", ENGINE,
           "alone = round_money(rate * part.minutes / SIXTY, currency)",
           "alone = round_money(rate * (part.minutes / SIXTY), currency)"),
    # ---- bands
    Mutant("band-limit-exclusive", MODEL,
           "if minutes <= band.up_to_minutes:",
           "if minutes < band.up_to_minutes:"),
    Mutant("band-above-all-pays-first", MODEL,
           "        return self.bands[-1]\n",
           "        return self.bands[0]\n"),
    Mutant("band-for-no-time", ENGINE,
           "if counted <= 0:\n        return []",
           "if counted < 0:\n        return []"),
    # ---- daily cap
    Mutant("daily-cap-ignores-earlier-fees", ENGINE,
           "room = max(Decimal(0), cap - request.fees_earlier_same_day)",
           "room = cap"),
    Mutant("daily-cap-line-at-equality", ENGINE,
           "if fees <= room:",
           "if fees < room:"),
    Mutant("daily-cap-adds", ENGINE,
           '"daily_cap", FEE, cap, -reduction,',
           '"daily_cap", FEE, cap, reduction,'),
    # ---- versions and dates
    Mutant("version-starts-a-day-late", MODEL,
           "if version.effective_from <= on:",
           "if version.effective_from < on:"),
    Mutant("vehicle-change-a-day-late", MODEL,
           "            if change.effective_from > day:\n                break\n            rate = ",
           "            if change.effective_from >= day:\n                break\n            rate = "),
    Mutant("expense-change-a-day-late", MODEL,
           "            if change.effective_from > day:\n                break\n            allowance = ",
           "            if change.effective_from >= day:\n                break\n            allowance = "),
    Mutant("expense-changes-ignored", ENGINE,
           "rules = version.expenses_on(request.date)",
           "rules = version.expenses"),
    Mutant("vehicle-changes-ignored", ENGINE,
           "version.vehicle(mileage.vehicle).on(request.date)",
           "version.vehicle(mileage.vehicle)"),
    Mutant("member-multiplier-not-one", MODEL,
           'return RoleRule(MEMBER, "Member", Decimal(1))',
           'return RoleRule(MEMBER, "Member", Decimal("1.5"))'),
    # ---- expenses
    Mutant("online-allowance-in-person-too", ENGINE,
           'if request.mode == "online" and rules.online_allowance > 0:',
           "if rules.online_allowance > 0:"),
    Mutant("threshold-ignores-earlier-miles", ENGINE,
           "left = max(0, vehicle.threshold_miles - claim.miles_earlier_in_tax_year)",
           "left = vehicle.threshold_miles"),
    Mutant("trip-not-split", ENGINE,
           "full_rate_miles = min(claim.miles, left)",
           "full_rate_miles = claim.miles if left > 0 else 0"),
    Mutant("no-trip-still-has-passengers", ENGINE,
           "and request.mileage.miles > 0:",
           "and request.mileage.miles >= 0:"),
    Mutant("passenger-miles-added", ENGINE,
           "passenger_miles = claim.passengers * claim.miles",
           "passenger_miles = claim.passengers + claim.miles"),
    Mutant("passenger-line-at-zero-rate", ENGINE,
           "if claim.passengers and passenger_rate > 0:",
           "if claim.passengers:"),
    Mutant("at-cost-cap-ignored", ENGINE,
           "paid = min(amount, room)",
           "paid = amount"),
    Mutant("at-cost-cap-not-shared", ENGINE,
           "used[category.key] = used.get(category.key, Decimal(0)) + paid",
           "used[category.key] = paid"),
    Mutant("receipt-needed-at-threshold", ENGINE,
           "if threshold is not None and amount > threshold and not receipt:",
           "if threshold is not None and amount >= threshold and not receipt:"),
    Mutant("receipt-never-needed", ENGINE,
           "if threshold is not None and amount > threshold and not receipt:",
           "if threshold is None and amount > 0 and not receipt:"),
)
