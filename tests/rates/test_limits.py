"""Named benefit and tax limits as dated data: the shipped figures, an administrator's new year, mistakes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.rates.benefit_limits import (
    PRESET_LIMITS,
    LimitError,
    LimitRegistry,
    default_limits,
    extra_limit_dirs,
)

D = Decimal


def amount(registry: LimitRegistry, key: str, on: date) -> Decimal | None:
    limit = registry.get(key)
    assert limit is not None
    found = limit.in_force(on)
    return found.amount if found is not None else None


def test_the_shipped_limits_with_their_dates_and_sources() -> None:
    registry = default_limits()
    assert registry.keys() == ["carers_allowance", "esa_permitted_work", "esa_permitted_work_lower",
                               "trading_allowance"]
    assert amount(registry, "carers_allowance", date(2025, 4, 6)) == D("151.00")
    assert amount(registry, "carers_allowance", date(2025, 4, 7)) == D("196.00")
    assert amount(registry, "carers_allowance", date(2026, 4, 5)) == D("196.00")
    assert amount(registry, "carers_allowance", date(2026, 4, 6)) == D("204.00")
    assert amount(registry, "esa_permitted_work", date(2025, 4, 7)) == D("195.50")
    assert amount(registry, "esa_permitted_work", date(2024, 4, 8)) == D("183.50")
    assert amount(registry, "esa_permitted_work_lower", date(2026, 6, 1)) == D("20.00")
    assert amount(registry, "trading_allowance", date(2026, 6, 1)) == D("1000.00")
    assert amount(registry, "carers_allowance", date(2020, 1, 1)) is None  # before the first figure: unknown
    for limit in registry.limits():
        assert limit.period in ("week", "tax_year") and limit.currency == "GBP"
        assert all(entry.source for entry in limit.amounts)
    trading = registry.get("trading_allowance")
    assert trading is not None and trading.period == "tax_year"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


NEXT_YEAR = """
[[limits.carers_allowance.amounts]]
effective_from = 2027-04-12
amount = "212.00"
source = "gov.uk Benefit and pension rates 2027 to 2028"
"""


def test_an_administrator_adds_a_new_year_in_a_file_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "ours", "2027.toml", NEXT_YEAR)
    monkeypatch.setenv("LEDGER_LIMITS", str(tmp_path / "ours"))
    default_limits.cache_clear()
    try:
        assert extra_limit_dirs() == [tmp_path / "ours"]
        registry = default_limits()
        assert amount(registry, "carers_allowance", date(2027, 4, 11)) == D("204.00")
        assert amount(registry, "carers_allowance", date(2027, 4, 12)) == D("212.00")
    finally:
        default_limits.cache_clear()


def test_an_organisation_can_define_a_limit_of_its_own(tmp_path: Path) -> None:
    write(tmp_path, "uc.toml", """
[limits.uc_work_allowance]
label = "Universal Credit work allowance"
period = "tax_year"
currency = "GBP"
[[limits.uc_work_allowance.amounts]]
effective_from = 2026-04-06
amount = "5000.00"
source = "Our welfare rights adviser, April 2026"
""")
    registry = LimitRegistry.from_folders([PRESET_LIMITS, tmp_path])
    assert registry.get("uc_work_allowance") is not None
    assert amount(registry, "uc_work_allowance", date(2026, 4, 6)) == D("5000.00")


@pytest.mark.parametrize(("text", "place", "words"), [
    ('[limits.x]\nlabel = "X"\nperiod = "month"\ncurrency = "GBP"\n[[limits.x.amounts]]\n'
     'effective_from = 2026-04-06\namount = "1.00"\nsource = "s"\n', "limits.x.period", "week, tax_year"),
    ('[[limits.carers_allowance.amounts]]\neffective_from = 2027-04-12\namount = 212.0\nsource = "s"\n',
     "limits.carers_allowance.amounts[0].amount", "quoted money string"),
    ('[[limits.carers_allowance.amounts]]\neffective_from = 2027-04-12\namount = "212.00"\n',
     "limits.carers_allowance.amounts[0].source", "where the figure comes from"),
    ('[[limits.carers_allowance.amounts]]\neffective_from = 2026-04-06\namount = "210.00"\nsource = "s"\n',
     "limits.carers_allowance.amounts", "two amounts start on 2026-04-06"),
    ('[limits.carers_allowance]\nlabel = "Again"\nperiod = "week"\ncurrency = "GBP"\n',
     "limits.carers_allowance", "already defined"),
    ('[[limits.nobody.amounts]]\neffective_from = 2026-04-06\namount = "1.00"\nsource = "s"\n',
     "limits.nobody", "no file defines"),
    ('[[limits.carers_allowance.amounts]]\neffective_from = "2027-04-12"\namount = "1.00"\nsource = "s"\n',
     "limits.carers_allowance.amounts[0].effective_from", "must be a date"),
    ('[[limits.carers_allowance.amounts]]\neffective_from = 2027-04-12\namount = "1.00"\nsource = "s"\n'
     'note = "?"\n', "limits.carers_allowance.amounts[0].note", "unknown key"),
])
def test_every_mistake_in_a_limits_file_is_named_with_its_place(
    tmp_path: Path, text: str, place: str, words: str
) -> None:
    write(tmp_path, "ours.toml", text)
    with pytest.raises(LimitError) as caught:
        LimitRegistry.from_folders([PRESET_LIMITS, tmp_path])
    assert any(p.key == place and words in p.message for p in caught.value.problems), caught.value.problems


def test_a_missing_limits_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LimitError, match="limits folder not found"):
        LimitRegistry.from_folders([tmp_path / "nowhere"])


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    write(tmp_path, "bad.toml", "[limits\n")
    with pytest.raises(LimitError, match="not valid TOML"):
        LimitRegistry.from_folders([tmp_path])
