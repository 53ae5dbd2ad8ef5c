"""The fonts every PDF embeds, and per-character fallback so any name prints, never as boxes.

Why embedded TrueType fonts: ReportLab's built-in Helvetica is not embedded and only knows a Western
European encoding, so "Łukasiewicz" printed as "■ukasiewicz" and Greek or Cyrillic names as boxes. The
package ships its fonts (``fonts/``, open licences beside them):

* **Atkinson Hyperlegible** (SIL Open Font License), the main face: drawn for readers with low vision;
* **DejaVu Sans** (Bitstream Vera licence), the fallback for what the main face lacks: Vietnamese and
  other Latin Extended letters, Greek, Cyrillic, Armenian, Georgian and more.

ReportLab draws each run of text in one font and does not fall back by itself, so
:func:`fit_markup` looks every character up in the fonts' character maps (cmap) and wraps the runs the
main face cannot draw in ``<font name="LedgerFallback">``. Text nobody can print correctly raises
:class:`UnprintableText` naming the script: characters no shipped font has (Chinese, Japanese, Korean,
Devanagari...) and right-to-left or joined scripts (Arabic, Hebrew...) that ReportLab would print
unjoined and backwards even where a glyph exists. A clear error beats a wrong name on paper.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from ledger.errors import Invalid

FONT_DIR = Path(__file__).resolve().parent / "fonts"

MAIN = "LedgerSans"
MAIN_BOLD = "LedgerSans-Bold"
FALLBACK = "LedgerFallback"
FALLBACK_BOLD = "LedgerFallback-Bold"

_FILES = {
    MAIN: "AtkinsonHyperlegible-Regular.ttf",
    MAIN_BOLD: "AtkinsonHyperlegible-Bold.ttf",
    FALLBACK: "DejaVuSans.ttf",
    FALLBACK_BOLD: "DejaVuSans-Bold.ttf",
}

# Scripts written right to left or with joined / reordered letters. ReportLab (without a shaping
# engine) would print them with letters unjoined and in the wrong order, so they are refused even
# where DejaVu Sans has the glyphs.
_NEEDS_SHAPING: tuple[tuple[int, int, str], ...] = (
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0700, 0x074F, "Syriac"),
    (0x0750, 0x077F, "Arabic"),
    (0x0780, 0x07BF, "Thaana"),
    (0x07C0, 0x07FF, "N'Ko"),
    (0x0800, 0x08FF, "Arabic"),
    (0x0900, 0x0DFF, "Indic (Devanagari, Bengali, Tamil and others)"),
    (0x0E00, 0x0EFF, "Thai or Lao"),
    (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"),
    (0x1780, 0x17FF, "Khmer"),
    (0x1800, 0x18AF, "Mongolian"),
    (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"),
)

_TOKEN = re.compile(r"(<[^>]*>|&[#A-Za-z0-9]+;)")


@dataclass
class UnprintableText(Invalid):
    """Text in a script the document fonts cannot print correctly (HTTP 422 / CLI error)."""

    title: str = "Text the documents cannot print"


class _KeptSubsets(TTFontFace):
    """A font face that makes each subset of its glyphs once per process, and compresses it once.

    Every PDF embeds the glyphs it uses as a subset of each font; ReportLab cuts the subset out of the
    font file and compresses it for every document. Documents of one kind use the same few subsets (the
    codes of plain ASCII text are fixed; a statement adds "£" and "•" in the same order), so 200 statements
    made 4 different subsets 400 times. The bytes depend only on the font file and the subset, so the
    first answer (and the subset's compressed character map) is kept and the document gets the very
    bytes it would have made.
    """

    _kept: dict[tuple[str, tuple[int, ...]], tuple[bytes, bytes]]
    _cmaps: dict[tuple[Any, tuple[int, ...]], bytes]

    def _subset(self, subset: list[int]) -> tuple[bytes, bytes]:
        key = (self.filename, tuple(subset))
        found = self._kept.get(key)
        if found is None:
            with _SUBSETTING:  # cutting a subset moves the face's read position: one at a time
                if len(self._kept) > 256:
                    self._kept.clear()
                raw = super().makeSubset(subset)
                found = self._kept[key] = (raw, pdfdoc.PDFZCompress.encode(raw))
        return found

    def makeSubset(self, subset: list[int]) -> bytes:
        return self._subset(subset)[0]

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        reference = super().addSubsetObjects(doc, fontname, subset)
        if doc.compression:
            font_file = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
            if _compressible(font_file):
                _compressed(font_file, self._subset(subset)[1])
            # The subset's character map (written just before this is called), the same way.
            to_unicode = doc.idToObject.get(f"toUnicodeCMap:{fontname}")
            if _compressible(to_unicode):
                key = (to_unicode.content, tuple(subset))
                packed = self._cmaps.get(key)
                if packed is None:
                    if len(self._cmaps) > 256:
                        self._cmaps.clear()
                    packed = self._cmaps[key] = pdfdoc.PDFZCompress.encode(to_unicode.content)
                _compressed(to_unicode, packed)
        return reference


def _compressible(stream: Any) -> bool:
    return isinstance(stream, pdfdoc.PDFStream) and "Filter" not in stream.dictionary.dict


def _compressed(stream: pdfdoc.PDFStream, packed: bytes) -> None:
    """Give a stream its content compressed already, as it would compress it when written (a stream
    whose dictionary names its filter is written as it is)."""
    stream.content = packed
    stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])


_KeptSubsets._kept = {}
_SUBSETTING = threading.Lock()
_KeptSubsets._cmaps = {}


_REGISTERING = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the shipped fonts with ReportLab once, as two families so ``<b>`` picks the bold face.

    Under a lock, because the web server starts several documents at once in threads: registered twice,
    a document could begin with one font object and finish with the other (each keeps its own glyph codes
    per document). ReportLab's table of named colours ("black" in table styles) is filled here too: it
    fills it on first use without a lock, so a second thread could find it half full and fail.
    """
    global _registered
    if _registered:
        return
    with _REGISTERING:
        if not _registered:
            _register()
            colors.getAllNamedColors()
            _registered = True


def _register() -> None:
    for name, file in _FILES.items():
        font = TTFont(name, str(FONT_DIR / file))
        font.face.__class__ = _KeptSubsets  # the same face, with its subsets kept (see the class)
        pdfmetrics.registerFont(font)
    for family, bold in ((MAIN, MAIN_BOLD), (FALLBACK, FALLBACK_BOLD)):
        pdfmetrics.registerFontFamily(family, normal=family, bold=bold, italic=family, boldItalic=bold)
        # ReportLab's paragraph parser looks families up in lower case.
        addMapping(family.lower(), 0, 0, family)
        addMapping(family.lower(), 1, 0, bold)
        addMapping(family.lower(), 0, 1, family)
        addMapping(family.lower(), 1, 1, bold)


@lru_cache(maxsize=4)
def _cmap(name: str) -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


def main_covers(char: str) -> bool:
    """True when both main faces (regular and bold) have a glyph for ``char``."""
    code = ord(char)
    return code in _cmap(MAIN) and code in _cmap(MAIN_BOLD)


def _fallback_covers(char: str) -> bool:
    code = ord(char)
    return code in _cmap(FALLBACK) and code in _cmap(FALLBACK_BOLD)


def script_of(char: str) -> str:
    """A reader's name for the script of ``char`` ("Arabic", "CJK", "Hangul"), for error messages."""
    code = ord(char)
    for low, high, name in _NEEDS_SHAPING:
        if low <= code <= high:
            return name
    unicode_name = unicodedata.name(char, "")
    if not unicode_name:
        return f"an unknown character (U+{code:04X})"
    first = unicode_name.split()[0]
    if first in {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "YI", "ETHIOPIC", "CHEROKEE", "RUNIC",
                 "OGHAM", "CANADIAN", "SINHALA", "JAVANESE", "BALINESE", "TIFINAGH", "VAI", "EGYPTIAN"}:
        return first.capitalize() if first != "CJK" else "CJK (Chinese, Japanese or Korean)"
    return f"the character {unicode_name.lower()} (U+{code:04X})"


def _refuse(char: str) -> UnprintableText:
    script = script_of(char)
    detail = (
        f"a name or label on this document is written in {script}, which the document fonts cannot print "
        "correctly yet; record a preferred name in the Latin, Greek or Cyrillic alphabet for documents "
        "(for example the spelling the person uses in English), or ask us to add a font for this script"
    )
    return UnprintableText(detail)


def normalise(text: str) -> str:
    """NFC (so "e" + combining marks becomes one Vietnamese letter) without invisible format characters."""
    composed = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in composed if unicodedata.category(ch) != "Cf")


def check_printable(text: str) -> None:
    """Raise :class:`UnprintableText` if any character of ``text`` cannot be printed correctly."""
    for char in normalise(text):
        _font_for_char(char)


# The answer of :func:`_decide_font` per character seen so far (fonts are fixed for the process). A
# statement has thousands of characters but a few dozen distinct ones, so each is decided once.
_CHAR_FONTS: dict[str, str | None] = {}
# Characters the main face draws that need nothing done to them (no normalising, no shaping check, no
# fallback): a text made only of these goes on the page as it is.
_PLAIN_MAIN: set[str] = set()


def _font_for_char(char: str) -> str | None:
    """``None`` for the main face, ``FALLBACK`` for the fallback; raises for what neither prints."""
    try:
        return _CHAR_FONTS[char]
    except KeyError:
        font = _decide_font(char)  # raises (and is not remembered) for a character nobody prints
        _CHAR_FONTS[char] = font
        if font is None and _unchanged_by_normalising(char):
            _PLAIN_MAIN.add(char)
        return font


def _unchanged_by_normalising(char: str) -> bool:
    """True for a character that :func:`normalise` leaves alone whatever stands beside it.

    ASCII, and the Latin-1 letters and signs, general punctuation and currency signs ("£", "•", "–")
    that are not format characters, are already composed and never combine with what comes before
    them; combining marks (which NFC may join to the letter before) are not among them.
    """
    code = ord(char)
    if code < 0x80:
        return True
    if not (0xA0 <= code < 0x300 or 0x2000 <= code < 0x20D0):
        return False
    return unicodedata.category(char) != "Cf" and unicodedata.is_normalized("NFC", char)


def _decide_font(char: str) -> str | None:
    if char in "\n\r\t" or main_covers(char):
        code = ord(char)
        if any(low <= code <= high for low, high, _ in _NEEDS_SHAPING):
            raise _refuse(char)
        return None
    code = ord(char)
    if any(low <= code <= high for low, high, _ in _NEEDS_SHAPING):
        raise _refuse(char)
    if _fallback_covers(char):
        return FALLBACK
    if unicodedata.category(char).startswith("Z"):  # an unusual space: print an ordinary one
        return " "
    raise _refuse(char)


def _fit_text(text: str) -> str:
    """Wrap each word the main face cannot fully draw in the fallback font (whole words, so a name
    like "Nguyễn" is drawn in one face rather than with odd letters from another)."""
    if _PLAIN_MAIN.issuperset(text):  # the usual case: text the main face draws as it is
        return text
    out: list[str] = []
    for word in re.split(r"(\s+)", normalise(text)):
        if not word:
            continue
        fonts = {_font_for_char(char) for char in word}
        if " " in fonts:
            word = "".join(" " if unicodedata.category(char).startswith("Z") else char for char in word)
            fonts.discard(" ")
        out.append(f'<font name="{FALLBACK}">{word}</font>' if FALLBACK in fonts else word)
    return "".join(out)


def fit_markup(markup: str) -> str:
    """Paragraph markup with each run the main face lacks wrapped in the fallback font.

    Tags and entities pass through untouched; only the text between them is looked at. ``<b>`` inside a
    fallback run gives bold, because both fonts are registered as families; around one it does not
    (ReportLab's ``<font name=...>`` sets the named face as it is), so a bold name in another alphabet
    prints in the regular fallback face.
    """
    parts = _TOKEN.split(markup)
    return "".join(part if i % 2 else _fit_text(part) for i, part in enumerate(parts))


def fits_main(text: str) -> bool:
    """True when the main face draws all of ``text`` (so it can go on the page as a plain string)."""
    if _PLAIN_MAIN.issuperset(text):
        return True
    return all(char in "\n\r\t" or main_covers(char) for char in text)


def string_font(text: str, *, bold: bool = False) -> tuple[str, str]:
    """(font, text) for a whole string drawn straight on the canvas (footers, chart labels).

    The main face when it has every character, otherwise the fallback (DejaVu Sans has the Latin letters
    too, so the string stays in one face); text nobody can print raises :class:`UnprintableText`.
    """
    register_fonts()
    text = normalise(text)
    if fits_main(text):
        return (MAIN_BOLD if bold else MAIN), text
    check_printable(text)
    return (FALLBACK_BOLD if bold else FALLBACK), text
