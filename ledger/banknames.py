"""Names on bank accounts and the bank file's character set: one rule for entry, batches and the file.

UK bulk-payment (Bacs) files take capital letters A-Z, digits, space and ``& . / -`` only. A name in any
other letters cannot be sent, and one such name used to make the whole bank export fail. So the name is
checked when it is *entered* (participant create and update): a name that needs other letters is refused
with a suggested spelling in the bank's letters (``Łukasiewicz`` -> ``LUKASIEWICZ``), or, when there is
no sound spelling to suggest (Arabic, Chinese, Greek, Cyrillic...), with a request for the name exactly as
the bank holds it. Batches and the bank file use :func:`bank_form`, which never fails.

Why our own transliteration rather than a library: only Latin letters with accents have one right
spelling in A-Z (decompose with Unicode NFKD and drop the accents, plus a small table for the letters that
do not decompose: Ł Ø Æ Œ ß Đ Þ Ħ ı). Unidecode is GPL, which this MIT project cannot take; anyascii (ISC)
would do, but it turns Arabic or Chinese into *a* Latin spelling, not the one on the person's bank
account, and a payee name that differs from the bank's record fails the bank's name check (Confirmation
of Payee) or misleads it. For those scripts asking is the honest answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: What UK bank bulk-payment files accept in names and references (the Bacs character set).
UK_BANK_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &./-")

#: Apostrophes and quotation marks: dropped, not spaced (O'Brien -> OBRIEN, as banks hold it).
DROPPED = frozenset("'\"‘’“”`´")

# Latin letters that Unicode does not split into "base letter + accent".
LETTER_FOLDS = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
     "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Þ": "Th", "þ": "th", "Ð": "D", "ð": "d",
     "Ŋ": "N", "ŋ": "n", "ĸ": "k", "Ŀ": "L", "ŀ": "l", "ſ": "s"}
)
_SPACES = re.compile(r"\s+")


def fold_latin(text: str) -> str:
    """Latin letters without their accents (``"Siân Łukasz"`` -> ``"Sian Lukasz"``); other scripts kept."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(LETTER_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _is_word_character(ch: str) -> bool:
    """Letters, digits and marks: what a name is made of (punctuation and spaces are not)."""
    return unicodedata.category(ch)[0] in "LNM"


def untranslatable(text: str, allowed: frozenset[str] = UK_BANK_CHARACTERS) -> list[str]:
    """The letters (and digits) of ``text`` with no spelling in ``allowed``, each once, in order."""
    folded = fold_latin(text).upper()
    seen: dict[str, None] = {}
    for ch in folded:
        if _is_word_character(ch) and ch not in allowed:
            seen.setdefault(ch, None)
    return list(seen)


def bank_form(text: str, allowed: frozenset[str] = UK_BANK_CHARACTERS, *, upper: bool = True) -> str:
    """``text`` in the bank's characters: accents folded, apostrophes dropped, capitals (unless a bank
    takes lower case), anything else a space, spaces collapsed. Letters with no spelling (Arabic...)
    become spaces too; never fails."""
    folded = "".join(ch for ch in fold_latin(text) if ch not in DROPPED)
    if upper:
        folded = folded.upper()
    kept = "".join(ch if ch in allowed else " " for ch in folded)
    return _SPACES.sub(" ", kept).strip()


@dataclass(frozen=True)
class NameCheck:
    """The outcome of checking an account name: ``problem`` is ``None`` when the bank file can carry it."""

    problem: str | None
    suggestion: str | None = None  # the name in the bank's letters, when one spelling is certain

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_account_name(name: str, allowed: frozenset[str] = UK_BANK_CHARACTERS) -> NameCheck:
    """Can a bank file carry this account name? Lower case and punctuation are fine (the file writes
    capitals and spaces); letters beyond A-Z are not: refused with a suggestion, or a request."""
    stripped = name.strip()
    needs = [ch for ch in stripped if _is_word_character(ch) and ch.upper() not in allowed]
    if not needs:
        return NameCheck(None)
    impossible = untranslatable(stripped, allowed)
    shown = " ".join(dict.fromkeys(needs))
    if impossible:
        return NameCheck(
            f"the name on the account uses letters a bank payment file cannot carry ({shown}). Please enter "
            "the name exactly as the bank holds it for this account, in the letters A-Z (as printed on a "
            "bank statement or card)."
        )
    suggestion = bank_form(stripped, allowed)
    return NameCheck(
        f"the name on the account uses letters a bank payment file cannot carry ({shown}). Enter it as the "
        f"bank holds it, probably '{suggestion}'.",
        suggestion,
    )


def bank_name_problem(name: str | None) -> str | None:
    """For batch building: why this payee cannot go into a bank file because of the account name, or ``None``.

    A name whose letters all have a spelling in A-Z (accents, Ł, Ø...) is fine: the bank file writes its
    :func:`bank_form`. A name with letters that have none (a name stored before names were checked on
    entry) is a reason to leave that one payee out of the batch, never to fail the whole batch; sending
    part of a name (``Ahmed محمد`` -> ``AHMED``) would not match the bank's record.
    """
    if name is None or not name.strip():
        return "there is no name on the account"
    impossible = untranslatable(name)
    if impossible or not bank_form(name):
        return ("the name on the account uses letters a bank payment file cannot carry"
                + (f" ({' '.join(impossible)})" if impossible else "")
                + "; enter the name exactly as the bank holds it, in the letters A-Z")
    return None
