"""Flesch reading ease for the statement tests, on words only (figures and symbols removed first).

Why our own counter: the score must be computed the same way on every machine without another
dependency, and the rule is simple. Reading ease = 206.835 - 1.015 x (words per sentence) - 84.6 x
(syllables per word). Sentences end at ".", "!" or "?" only (lines are joined first, so a sentence
that wraps across lines counts once and a heading without a full stop joins the sentence after it,
which can only lower the score). Words are runs of letters (apostrophes and hyphens inside a word
kept); anything with a digit, a currency sign or other symbols is dropped before counting.
Syllables: groups of vowels (y counts as a vowel after the first letter), minus a silent final "e"
(but not "le" after a consonant) and "-es"/"-ed" endings that add no sound, at least one per word:
the classic heuristic, within a syllable or so of a dictionary for everyday English.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def syllables(word: str) -> int:
    w = word.lower().replace("’", "'")
    w = re.sub(r"'s$", "", w)
    if len(w) <= 3:
        return 1
    groups = re.findall(r"[aeiouy]+", w[0].replace("y", "") + w[1:])
    count = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ie", "ye")) and count > 1:
        count -= 1
    elif w.endswith("le") and len(w) > 2 and w[-3] not in "aeiouy" and count > 1:
        pass
    if w.endswith("ed") and not w.endswith(("ted", "ded")) and count > 1:
        count -= 1
    if w.endswith("es") and not w.endswith(("ses", "zes", "ces", "ges", "xes", "shes", "ches")) and count > 1:
        count -= 1  # minutes, times, mistakes: the "e" is silent
    return max(1, count)


def words_only(text: str) -> str:
    """Drop every token that is not a word: amounts, dates' digits, references, symbols."""
    tokens = []
    for token in text.split():
        core = token.strip(".,;:!?()[]\"'“”‘’")
        ending = token[len(token.rstrip(".!?:")):]
        if core and _WORD.fullmatch(core):
            tokens.append(core + ending)
        elif ending:
            tokens.append(ending)
    return " ".join(tokens)


def flesch_reading_ease(text: str) -> float:
    clean = words_only(" ".join(text.split()))
    sentences = [s for s in _SENTENCE_END.split(clean) if _WORD.search(s)]
    words = _WORD.findall(clean)
    if not words or not sentences:
        raise ValueError("no words to score")
    syllable_count = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / len(sentences)) - 84.6 * (syllable_count / len(words))
