"""Formula-injection protection and control-character stripping for exported text."""

from __future__ import annotations

import pytest

from ledger.exports.safety import cell, is_neutral, neutralise, strip_control

ATTACKS = [
    "=cmd|' /C calc'!A0",
    "+1",
    "-2",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =HYPERLINK(\"http://evil.example\",\"Click\")",
    "＝1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_starts_get_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert is_neutral(neutralise(text))
    assert not is_neutral(text)


@pytest.mark.parametrize("text", ["Ann Smith", "P-0001", "O'Brien", "1-2-3", "", "a=b", "Chloë"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_neutralising_twice_changes_nothing_more() -> None:
    once = neutralise("=1+1")
    assert neutralise(once) == once


def test_strip_control_replaces_breaks_tabs_and_bidi_overrides() -> None:
    assert strip_control("Ann\r\nSmith") == "Ann Smith"
    assert strip_control("Ann\tSmith\x07") == "Ann Smith"
    assert strip_control("evil\u202etxt.exe") == "evil txt.exe"
    assert strip_control("line\u2028break") == "line break"
    assert strip_control("  Ann  ") == "Ann"
    assert strip_control("Zoë Łukasz 李") == "Zoë Łukasz 李"


@pytest.mark.parametrize("text", ATTACKS)
def test_cell_is_always_neutral_and_single_line(text: str) -> None:
    result = cell(text)
    assert is_neutral(result)
    assert "\r" not in result and "\n" not in result and "\t" not in result


def test_cell_of_none_is_empty() -> None:
    assert cell(None) == ""
