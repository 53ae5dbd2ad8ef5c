"""``ledger rates list|show|check``: read the rate cards an organisation pays by."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from ledger.cli.common import fail, friendly_errors
from ledger.money import display_amount, display_rate
from ledger.rates.explain import duration
from ledger.rates.loader import CardError, check_card_file
from ledger.rates.model import BANDED, RateCard
from ledger.rates.registry import default_registry


@click.group("rates")
def rates() -> None:
    """List, show and check rate cards."""


@rates.command("list")
def list_cards() -> None:
    """Every card available, with its versions."""
    try:
        registry = default_registry()
    except CardError as exc:
        fail(f"a rate card could not be loaded:\n{exc}")
        return
    for card in registry.cards():
        versions = ", ".join(v.effective_from.isoformat() for v in card.versions)
        click.echo(f"{card.key:<20} {card.name} ({card.currency}; versions from {versions})")


@rates.command("show")
@click.argument("key")
@friendly_errors
def show_card(key: str) -> None:
    """One card in full, version by version, in plain words."""
    click.echo(describe_card(default_registry().get(key)))


@rates.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def check_card(file: Path) -> None:
    """Check a card file; lists every problem and exits 1 if there are any."""
    problems = check_card_file(file)
    if problems:
        fail(f"{file}: {len(problems)} problem(s) found\n" + "\n".join(f"  - {problem}" for problem in problems))
    click.echo(f"{file}: OK")


def describe_card(card: RateCard) -> str:
    """A card as readable text: what each activity pays, the time rules and the expenses."""
    out = [f"{card.name} ({card.key})", f"Currency: {card.currency}", f"Source: {card.source}"]
    if card.description:
        out.append(card.description)
    c = card.currency
    for version in card.versions:
        out += ["", f"Version in force from {version.effective_from.isoformat()}", "  Activities:"]
        for rule in version.activities.values():
            if rule.fixed_fee is not None:
                pay = f"fixed fee {display_amount(rule.fixed_fee, c)}"
            elif rule.pricing == BANDED:
                pay = "; ".join(
                    f"up to {duration(b.up_to_minutes)}: {display_amount(b.fee, c)}" for b in rule.bands
                ) + " (the last band also applies above its limit)"
            else:
                pay = f"{display_rate(rule.hourly_rate or Decimal(0), c)} an hour"
            out.append(f"    {rule.key:<18} {rule.label}: {pay}")
        if version.roles:
            out.append("  Roles (multiplier on involvement time): " + ", ".join(
                f"{r.key} x{r.multiplier.normalize()}" for r in version.roles.values()))
        t = version.time
        out.append(
            f"  Time: rounded up to {t.rounding_unit_minutes} min; at least {duration(t.minimum_involvement_minutes)} "
            f"paid; preparation up to {t.preparation_cap.normalize()} x involvement; follow-up up to "
            f"{duration(t.follow_up_cap_minutes)}; travel time {'paid' if t.travel_time_paid else 'not paid'}"
        )
        if version.daily_fee_cap is not None:
            out.append(f"  Daily fee cap: {display_amount(version.daily_fee_cap, c)}")
        e = version.expenses
        out.append(f"  Online allowance: {display_amount(e.online_allowance, c)} per online record")
        for v in e.mileage.values():
            extra = ""
            if v.threshold_miles is not None and v.rate_beyond_threshold is not None:
                beyond = display_rate(v.rate_beyond_threshold, c)
                extra = f" ({beyond} beyond {v.threshold_miles:,} miles in the tax year)"
            out.append(f"  Mileage, {v.label}: {display_rate(v.rate_per_mile, c)} a mile{extra}")
            for change in v.changes:  # expense rates that change on their own dates inside the version
                parts = [f"{display_rate(change.rate_per_mile, c)} a mile"] if change.rate_per_mile is not None else []
                if change.rate_beyond_threshold is not None:
                    parts.append(f"{display_rate(change.rate_beyond_threshold, c)} beyond the threshold")
                out.append(f"    from {change.effective_from.isoformat()}: {', '.join(parts)}")
        out.append(f"  Passengers: {display_rate(e.passenger_rate_per_mile, c)} per passenger per mile")
        for expense_change in e.changes:
            parts = []
            if expense_change.online_allowance is not None:
                parts.append(f"online allowance {display_amount(expense_change.online_allowance, c)}")
            if expense_change.passenger_rate_per_mile is not None:
                parts.append(f"passengers {display_rate(expense_change.passenger_rate_per_mile, c)} a mile")
            out.append(f"  From {expense_change.effective_from.isoformat()}: {', '.join(parts)}")
        if e.at_cost:
            out.append("  Paid back at cost: " + ", ".join(
                a.label + (f" (up to {display_amount(a.daily_cap, c)} a day)" if a.daily_cap is not None else "")
                for a in e.at_cost.values()))
        if e.receipt_required_above is not None:
            out.append(f"  A receipt is needed for any claim above {display_amount(e.receipt_required_above, c)}")
    return "\n".join(out)


def register(group: click.Group) -> None:
    group.add_command(rates)
