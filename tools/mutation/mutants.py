"""Hand-picked mutants of the rate engine and money rules: each a small, meaningful bug.

Each mutant replaces one exact piece of source text (which must occur exactly once in its file) with a
wrong version; a few make more than one edit in the same file, where the same rule is written twice
(the money rounding rule, for Decimals and for whole minor units). ``equivalent`` gives the reason when
a mutant cannot change any amount, line or refusal; such a mutant is expected to survive and is listed
in docs/testing.md. The first ten are the seven that survived the old suite (issue 13) and the three
rounding-mode mutants of money.py.
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
    more: tuple[tuple[str, str], ...] = ()  # further (old, new) edits in the same file, made together

    @property
    def edits(self) -> tuple[tuple[str, str], ...]:
        return ((self.old, self.new), *self.more)


MUTANTS: tuple[Mutant, ...] = (
    # ---- the seven survivors named in issue 13
    Mutant("band-follow-up-uncapped", ENGINE,
           "follow = min(request.follow_up_minutes, day.follow_cap)",
           "follow = request.follow_up_minutes"),
    Mutant("band-counts-unpaid-travel", ENGINE,
           "travel = request.travel_minutes if day.travel_paid else 0",
           "travel = request.travel_minutes"),
    Mutant("band-preparation-uncapped", ENGINE,
           "prep, over, _ = _preparation(day, request.preparation_minutes, involvement)",
           "prep, over = request.preparation_minutes, 1"),
    Mutant("band-minutes-truncated", ENGINE,
           "minutes = ceil_units(counted, over, 1)",
           "minutes = counted // over"),
    Mutant("at-cost-zero-accepted", ENGINE,
           "if amount <= 0:",
           "if amount < 0:"),
    # Pricing works in whole numbers (engine._share_units); the Decimal expression
    # ``rate * (minutes / 60)`` is put back where the group total is worked out.
    Mutant("rate-times-minutes-over-60-grouped", ENGINE,
           "total = round_units(sum(numerators), denominator)",
           "total = int(round_money(rate * (sum(minutes) / SIXTY), currency) / quantum(currency))"),
    Mutant("explanation-role-note-inverted", ENGINE,
           'as_role = f", as {role_label.lower()}" if multiplier != 1 else ""',
           'as_role = f", as {role_label.lower()}" if multiplier == 1 else ""',
           equivalent="changes only the wording of an explanation (which role is named), never an amount"),
    # ---- the three rounding-mode mutants in money.py. The rounding rule is written twice there, for
    # Decimals (round_money) and for exact amounts in whole minor units (round_units, which the engine
    # prices time with), so each rounding mutant changes both. Rounding modes are named by their string
    # values ("ROUND_HALF_EVEN"): money.py imports only ROUND_HALF_UP, and a mutant that fails with a
    # NameError would be killed without testing anything.
    Mutant("round-money-half-even", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           'return value.quantize(quantum(currency), rounding="ROUND_HALF_EVEN")',
           more=(("return (2 * numerator + denominator) // (2 * denominator)",
                  "whole, rest = divmod(numerator, denominator)\n"
                  "    return whole + (2 * rest > denominator or (2 * rest == denominator and whole % 2 == 1))"),)),
    Mutant("round-money-half-down", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           'return value.quantize(quantum(currency), rounding="ROUND_HALF_DOWN")',
           more=(("return (2 * numerator + denominator) // (2 * denominator)",
                  "return (2 * numerator + denominator - 1) // (2 * denominator)"),)),
    Mutant("time-rounded-to-nearest", MONEY,
           "return -(-numerator // (denominator * step)) * step",
           "return (2 * numerator + denominator * step) // (2 * denominator * step) * step"),
    # Each form of the rule alone. round_money's mode alone cannot change an engine amount any more: the
    # loader takes more decimal places than the currency has only for hourly rates, which are priced by
    # round_units, so every amount the engine gives round_money is already whole minor units.
    Mutant("round-money-half-even-decimals-only", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           'return value.quantize(quantum(currency), rounding="ROUND_HALF_EVEN")',
           equivalent="for the rate engine: every amount it rounds with round_money is already whole minor "
                      "units (only hourly rates may have more places, and they are priced by round_units)"),
    Mutant("round-units-half-even", MONEY,
           "return (2 * numerator + denominator) // (2 * denominator)",
           "whole, rest = divmod(numerator, denominator)\n"
           "    return whole + (2 * rest > denominator or (2 * rest == denominator and whole % 2 == 1))"),
    # ---- more money rules
    Mutant("round-money-up", MONEY,
           "return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)",
           'return value.quantize(quantum(currency), rounding="ROUND_UP")',
           more=(("return (2 * numerator + denominator) // (2 * denominator)",
                  "return -(-numerator // denominator)"),)),
    Mutant("time-rounded-down", MONEY,
           "return -(-numerator // (denominator * step)) * step",
           "return numerator // (denominator * step) * step"),
    # ---- time rules
    Mutant("cancelled-preparation-capped", ENGINE,
           "if involvement > 0 and preparation * day.cap_den > day.cap_num * involvement:",
           "if involvement >= 0 and preparation * day.cap_den > day.cap_num * involvement:"),
    Mutant("preparation-cap-at-equality", ENGINE,
           "if involvement > 0 and preparation * day.cap_den > day.cap_num * involvement:",
           "if involvement > 0 and preparation * day.cap_den >= day.cap_num * involvement:",
           equivalent="at equality the cap and the preparation are the same number of minutes; only the "
                      "explanation's wording could differ"),
    Mutant("no-minimum-involvement", ENGINE,
           "paid = max(rounded, day.minimum)",
           "paid = rounded"),
    Mutant("role-multiplier-dropped", ENGINE,
           "rate = base * role.multiplier",
           "rate = base"),
    Mutant("role-multiplier-on-preparation", ENGINE,
           'parts.append(("preparation", base, priced.base_scale, paid,',
           'parts.append(("preparation", rate, priced.rate_scale, paid,'),
    Mutant("hourly-follow-up-uncapped", ENGINE,
           "counted_f = min(follow, cap)",
           "counted_f = follow"),
    Mutant("hourly-unpaid-travel-paid", ENGINE,
           "if travel > 0 and day.travel_paid:",
           "if travel > 0:"),
    Mutant("time-not-rounded-to-unit", ENGINE,
           "return ceil_units(minutes, 1, unit)",
           "return ceil_units(minutes, 1, 1)"),
    Mutant("capped-preparation-truncated", ENGINE,
           "paid = ceil_units(counted, over, unit)",
           "paid = counted // over"),
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
           "total = round_units(sum(numerators), denominator)",
           "total = sum(round_units(n, denominator) for n in numerators)"),
    Mutant("pennies-summed-in-decimals", ENGINE,
           "total = round_units(sum(numerators), denominator)",
           "total = int(round_money(sum((rate * m / SIXTY for m in minutes), Decimal(0)), currency)"
           " / quantum(currency))"),
    Mutant("group-total-half-down", ENGINE,
           "total = round_units(sum(numerators), denominator)",
           "total = (2 * sum(numerators) + denominator - 1) // (2 * denominator)"),
    Mutant("share-floors-ceiling", ENGINE,
           "floors = [n // denominator for n in numerators]",
           "floors = [-(-n // denominator) for n in numerators]"),
    Mutant("shared-note-rounding-grouped", ENGINE,
           "if share != round_units(numerators[position], denominator):",
           "if share != int(round_money(rate * (minutes[position] / SIXTY), currency) / quantum(currency)):"),
    # ---- amounts in whole minor units become Decimals
    Mutant("amounts-always-two-places", ENGINE,
           "amount = amounts[units] = Decimal(units).scaleb(-day.places)",
           "amount = amounts[units] = Decimal(units).scaleb(-2)"),
    # ---- what a card says on a date, kept per date
    Mutant("day-kept-per-version-not-per-date", ENGINE,
           "day = memo[on] = _Day(card, version, on)",
           "day = memo[on] = memo.setdefault(version.effective_from, _Day(card, version, on))"),
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
           "rules = version.expenses_on(on)",
           "rules = version.expenses"),
    Mutant("vehicle-changes-ignored", ENGINE,
           "day.version.vehicle(key).on(day.on)",
           "day.version.vehicle(key)"),
    Mutant("member-multiplier-not-one", MODEL,
           'return RoleRule(MEMBER, "Member", Decimal(1))',
           'return RoleRule(MEMBER, "Member", Decimal("1.5"))'),
    # ---- the quick checks (input that passes them is not checked again)
    Mutant("quick-checks-allow-a-minute-too-many", ENGINE,
           "most = MAX_COMPONENT_MINUTES\n",
           "most = MAX_COMPONENT_MINUTES + 1\n"),
    Mutant("quick-checks-miss-passengers", ENGINE,
           "and 0 <= miles <= MAX_MILES and 0 <= passengers <= MAX_PASSENGERS and",
           "and 0 <= miles <= MAX_MILES and"),
    # ---- expenses
    Mutant("online-allowance-in-person-too", ENGINE,
           'if request.mode == "online" and day.online is not None:',
           "if day.online is not None:"),
    Mutant("threshold-ignores-earlier-miles", ENGINE,
           "left = max(0, vehicle.threshold_miles - claim.miles_earlier_in_tax_year)",
           "left = vehicle.threshold_miles"),
    Mutant("trip-not-split", ENGINE,
           "full_rate_miles = min(claim.miles, left)",
           "full_rate_miles = claim.miles if left > 0 else 0"),
    Mutant("no-trip-still-has-passengers", ENGINE,
           "and mileage.miles > 0:",
           "and mileage.miles >= 0:"),
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
