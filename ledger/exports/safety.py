"""Keep exported text harmless when a spreadsheet opens it.

Why: spreadsheet programs (Excel, LibreOffice, Google Sheets) treat a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can smuggle one in. A payee
called ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in a CSV could then run a formula on a finance
officer's computer ("CSV injection"). Every text cell of every CSV export goes through :func:`cell`.

The choice: prefix such a cell with an apostrophe (``'``), the OWASP recommendation. Spreadsheets
show the apostrophe-prefixed value as plain text; the apostrophe is visible in a text editor, which
is the price of safety and is explained in docs/finance.md. We check the first non-blank character,
not just the first character, because some programs ignore leading spaces, and we include the
full-width forms (＝ ＋ － ＠) that some locales also accept. Amounts and dates are written by our
own code as plain numbers and are never passed through here.

Control characters (line breaks, tabs, bell, bidirectional overrides that make text display in a
different order than it is stored) are replaced by a space by :func:`strip_control` first, so a name
can neither break a record across lines in a bank file nor disguise itself on screen.
"""

from __future__ import annotations

import re
import unicodedata

from ledger.banknames import fold_latin

#: Characters that make a spreadsheet treat a cell as a formula when they come first.
FORMULA_TRIGGERS: frozenset[str] = frozenset("=+-@\t\r＝＋－＠")

# Bidirectional embedding/override/isolate controls: category Cf, so listed explicitly. Other Cf
# characters (such as the zero-width joiner some scripts need) are kept.
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_RE = re.compile(f"[{_BIDI_CONTROLS}]")
_SPACES_RE = re.compile(r" {2,}")


def neutralise(text: str) -> str:
    """Return ``text`` so no spreadsheet runs it as a formula: a leading ``'`` when it could be one.

    A cell is prefixed when its first character, or its first character after leading spaces, is one
    of :data:`FORMULA_TRIGGERS`. Anything else is returned unchanged, so neutralising twice is the same
    as neutralising once.
    """
    if not text:
        return text
    first = text[0]
    if first in FORMULA_TRIGGERS:
        return "'" + text
    stripped = text.lstrip(" ")
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def strip_control(text: str) -> str:
    """Replace control characters (C0, C1, line breaks, tabs, bidi overrides) by one space each.

    Runs of spaces this creates are collapsed and the ends trimmed, so ``"Ann\\r\\nSmith"`` becomes
    ``"Ann Smith"``. Letters in any script are kept.
    """
    if text.isprintable() and not _BIDI_RE.search(text):
        return text.strip(" ")
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    cleaned = _BIDI_RE.sub(" ", cleaned)
    # Line and paragraph separators (Zl, Zp) also break lines in some programs.
    cleaned = "".join(" " if unicodedata.category(ch) in ("Zl", "Zp") else ch for ch in cleaned)
    return _SPACES_RE.sub(" ", cleaned).strip(" ")


def fold_accents(text: str) -> str:
    """Latin letters without their accents (``"Siân Łukasz"`` -> ``"Sian Lukasz"``); other text kept.

    For systems that only take plain letters (bank files, Sage's Windows-1252). The rule, with its table of
    letters that do not decompose (Ł, Ø, Æ, ß...), is ``ledger.banknames.fold_latin``: the same one that
    checks account names when they are entered.
    """
    return fold_latin(text)


def cell(text: str | None) -> str:
    """One text cell for a CSV export: control characters stripped, then neutralised. ``None`` is ``""``."""
    if text is None:
        return ""
    return neutralise(strip_control(text))


def is_neutral(text: str) -> bool:
    """True when a spreadsheet would not run ``text`` as a formula (used by tests and self-checks)."""
    if not text:
        return True
    if text[0] == "'":
        return True
    stripped = text.lstrip(" ")
    return not stripped or stripped[0] not in FORMULA_TRIGGERS
