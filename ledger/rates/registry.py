"""Where cards come from: the presets shipped in ``ledger/rates/cards`` plus the organisation's own.

The organisation's folders are named in ``LEDGER_RATE_CARDS``. A card key must be unique across all
folders: two files claiming the same key is a configuration error, never a silent override.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ledger.errors import NotFound
from ledger.rates.loader import CardError, CardProblem, load_card
from ledger.rates.model import RateCard
from ledger.settings import extra_card_dirs

PRESETS = Path(__file__).parent / "cards"


class CardRegistry:
    """Cards by key, loaded once."""

    def __init__(self, cards: Iterable[RateCard]) -> None:
        self._cards: dict[str, RateCard] = {}
        for card in cards:
            if card.key in self._cards:
                raise CardError([CardProblem("", "", "key", f"two cards use the key {card.key!r}")])
            self._cards[card.key] = card

    @classmethod
    def from_folders(cls, folders: Iterable[Path]) -> CardRegistry:
        cards: list[RateCard] = []
        problems: list[CardProblem] = []
        files: dict[str, Path] = {}
        for folder in folders:
            if not folder.is_dir():
                problems.append(CardProblem(str(folder), "", "", "rate-card folder not found (LEDGER_RATE_CARDS)"))
                continue
            for path in sorted(folder.glob("*.toml")):
                try:
                    card = load_card(path)
                except CardError as exc:
                    problems.extend(exc.problems)
                    continue
                if card.key in files:
                    problems.append(CardProblem(str(path), "", "key", f"the key {card.key!r} is already used by "
                                                                      f"{files[card.key]}"))
                    continue
                files[card.key] = path
                cards.append(card)
        if problems:
            raise CardError(problems)
        return cls(cards)

    def get(self, key: str) -> RateCard:
        try:
            return self._cards[key]
        except KeyError:
            known = ", ".join(sorted(self._cards))
            raise NotFound(f"no rate card called {key!r}; known cards: {known}") from None

    def keys(self) -> list[str]:
        return sorted(self._cards)

    def cards(self) -> list[RateCard]:
        return [self._cards[key] for key in self.keys()]

    def __contains__(self, key: object) -> bool:
        return key in self._cards


@lru_cache(maxsize=1)
def default_registry() -> CardRegistry:
    """Presets plus the folders in ``LEDGER_RATE_CARDS`` (read once per process)."""
    return CardRegistry.from_folders([PRESETS, *extra_card_dirs()])
