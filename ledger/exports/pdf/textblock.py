"""A cheap paragraph for the little markup the documents use: bold, the fallback font and line breaks.

Why: laying out ReportLab paragraphs was most of the time a statement took. ReportLab's ``Paragraph``
parses its markup with an HTML parser, clones a style object for every run of text and breaks and
draws its lines through general code (justification, links, underlines, images, hyphenation). A
statement uses none of that: its text is words in the main face or its bold, whole words in the
fallback face (``typefaces.fit_markup``), ``<br/>`` and a few entities. :class:`TextBlock` reads that
markup with one regular expression, measures each word once per process and breaks and draws lines
the way ``Paragraph`` does, step for step (the same words, fragments, sums and text operators), so the
file is byte for byte the one a paragraph gives (``tests/exports/test_pdf_textblock.py`` compares them
on generated text and on whole statements).

Anything else (another tag or entity, a tab or no-break space, a word wider than the column, which
ReportLab would cut, text that starts with a line break, or a block split across pages) is handed to a
real paragraph built from the same markup, so nothing a paragraph can show is lost.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.lib.colors import black
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from ledger.exports.pdf.typefaces import FALLBACK, FALLBACK_BOLD, MAIN, MAIN_BOLD

_TOKEN = re.compile(r"<[^>]*>|&[#A-Za-z0-9]+;")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&#39;": "'",
             "&bull;": "\u2022"}
_BOLDER = {MAIN: MAIN_BOLD, FALLBACK: FALLBACK_BOLD}
# Width of a run of text per (text, font, size): the same words recur in every statement.
_WIDTHS: dict[tuple[str, str, float], float] = {}
_MISSING: Any = object()


class _Kept:
    """What a long-running process keeps of laid-out text: at most twice ``limit`` entries.

    Each distinct paragraph kept costs about 9 kB, and most of a statement's paragraphs are one person's,
    never seen again; so keeping everything up to a large bound would hold hundreds of megabytes in a web
    server worker, and clearing everything at a small bound would throw away what recurs (headings, notes, common
    activity lines). So two generations: new entries go to the young one; when it is full it becomes the
    old one (the previous old one is dropped), and an entry found in the old one moves back to the young.
    What recurs stays; the rest is gone within two generations. Shared by threads: at worst an entry is
    lost or made twice, never wrong (a key's value never changes).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.young: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        found = self.young.get(key, _MISSING)
        if found is _MISSING:
            found = self.old.get(key, _MISSING)
            if found is not _MISSING:
                self.put(key, found)
        return found

    def put(self, key: Any, value: Any) -> None:
        if len(self.young) >= self.limit:
            self.old, self.young = self.young, {}
        self.young[key] = value

    def __len__(self) -> int:
        return len(self.young) + len(self.old)


def _width(text: str, font: str, size: float) -> float:
    key = (text, font, size)
    found = _WIDTHS.get(key)
    if found is None:
        if len(_WIDTHS) > 200_000:  # a bound, so a process making millions of documents does not grow forever
            _WIDTHS.clear()
        found = _WIDTHS[key] = stringWidth(text, font, size)
    return found


# A line break is a "word" of width -1 whose one run is empty text in the font in force where it stands
# (a paragraph ends such a line with that empty run).
# A word: its pieces (font, text), its width, whether a space hangs after it, and that space's width.
_Word = tuple[list[tuple[str, str]], float, bool, float]
# A line: the width its words take, how many words, and its runs (font, text) with the spaces in them.
_Line = tuple[float, int, list[tuple[str, str]]]


def _move(tx: Any, dx: float) -> None:
    if dx > 1e-6 or dx < -1e-6:
        tx.setXPos(dx)


_Parsed = tuple[list[_Word], bool] | None
# Parsed markup per (markup, font, size): headings, notes and many cells are the same in every statement.
_PARSED = _Kept(4_096)
# Lines per (markup, font, size, leading, shrinkage, width), shared like the parsed markup (never changed once made).
_BROKEN = _Kept(4_096)
_ODD_SPACE = re.compile(r"[^\S ]")  # white space other than a plain space
_BARE = re.compile(r"[&<]")


def parse(markup: str, style: ParagraphStyle) -> _Parsed:
    """The words of ``markup`` and the line breaks between them, and whether it is one run of text in
    one font (which a paragraph lays out and draws in its simplest way); ``None`` for markup this block
    leaves to a real paragraph. The answer is shared: callers must not change it."""
    key = (markup, style.fontName, style.fontSize)
    found: _Parsed = _PARSED.get(key)
    if found is _MISSING:
        found = _parse(markup, style)
        _PARSED.put(key, found)
    return found


def _parse(markup: str, style: ParagraphStyle) -> _Parsed:
    if style.fontName not in (MAIN, MAIN_BOLD) or _ODD_SPACE.search(markup):
        return None  # tabs, new lines, no-break spaces: a paragraph's rules apply
    if _BARE.search(_TOKEN.sub("", markup)):
        return None  # an unescaped "&" or "<" (a paragraph reads "R&D" as an entity): its rules apply
    size = style.fontSize
    # The font in force, innermost last. As in a paragraph, <b> makes the font in force bold, and
    # <font name="LedgerFallback"> sets the regular fallback face, even inside <b>.
    fonts = [style.fontName]
    # Text pieces in order: (font, text), or (font, None) for a line break.
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for match in _TOKEN.finditer(markup):
        if match.start() > at:
            pieces.append((fonts[-1], markup[at:match.start()]))
        at = match.end()
        token = match.group()
        if token[0] == "&":
            text = _ENTITIES.get(token)
            if text is None:
                return None
            pieces.append((fonts[-1], text))
        elif token == "<b>":
            if fonts[-1] not in _BOLDER:
                return None  # bold within bold: leave the bookkeeping to a paragraph
            fonts.append(_BOLDER[fonts[-1]])
        elif token == "</b>":
            if len(fonts) < 2 or fonts[-1] not in _BOLDER.values():
                return None
            fonts.pop()
        elif token in ("<br/>", "<br />"):
            pieces.append((fonts[-1], None))
        elif token == f'<font name="{FALLBACK}">':
            fonts.append(FALLBACK)
        elif token == "</font>" and len(fonts) > 1 and fonts[-1] == FALLBACK:
            fonts.pop()
        else:
            return None
    if at < len(markup):
        pieces.append((fonts[-1], markup[at:]))

    # Words as a paragraph reads them (``_getFragWords``): a word is the pieces of text between white
    # space, possibly in several fonts ("<b>Meeting</b>,"); one followed by white space in the same piece
    # "hangs" a space, as wide as a space in its last piece's font. White space at the start of a piece
    # after a word that hangs none becomes an empty word that hangs it (in that piece's font).
    words: list[_Word] = []
    word: list[tuple[str, str]] = []
    width = 0.0
    strip = True  # white space at the start of the text, and after a line break, is dropped

    def close(hangs: bool) -> None:
        nonlocal word, width
        font = word[-1][0]
        words.append((word, width, hangs, _width(" ", font, size) if hangs else 0.0))
        word, width = [], 0.0

    for font, text in pieces:
        if text is None:
            if word:
                close(False)
            if not words:
                return None  # a break before any words: a paragraph's rules
            words.append(([(font, "")], -1.0, False, 0.0))
            strip = True
            continue
        if not text:
            continue
        if strip:
            text = text.lstrip(" ")
            if not text:
                continue
            strip = False
        parts = text.split()
        if text[0] == " " or not parts:
            if word:
                close(False)
                parts.insert(0, "")
            elif not (words and words[-1][2]):
                parts.insert(0, "")
            elif not parts:
                continue
        for part in parts[:-1]:
            word.append((font, part))
            width += _width(part, font, size)
            close(True)
        part = parts[-1]
        word.append((font, part))
        width += _width(part, font, size)
        if text[-1] == " ":
            close(True)
    if word:
        close(False)
    if not words:
        return None
    return words, len(pieces) == 1 and pieces[0][1] is not None


class TextBlock(Flowable):
    """Left- or right-aligned text in one style, with bold and fallback-font runs and line breaks."""

    def __init__(self, markup: str, style: ParagraphStyle, words: list[_Word], simple: bool) -> None:
        super().__init__()
        self.text = markup
        self.style = style
        self._words = words
        self._lines: list[_Line] = []
        self._wrapped_width: float | None = None
        self._paragraph: Paragraph | None = None
        self._simple = simple

    @classmethod
    def build(cls, markup: str, style: ParagraphStyle, paragraph: type[Paragraph]) -> Flowable:
        parsed = parse(markup, style)
        if parsed is None or style.alignment not in (TA_LEFT, TA_RIGHT):
            return paragraph(markup, style)
        block = cls(markup, style, *parsed)
        block._paragraph_class = paragraph
        return block

    _paragraph_class: type[Paragraph] = Paragraph

    def _as_paragraph(self) -> Paragraph:
        if self._paragraph is None:
            self._paragraph = self._paragraph_class(self.text, self.style)
        return self._paragraph

    def _break(self, width: float) -> list[_Line] | None:
        """Lines as (width used, words on it, pieces); ``None`` when a word is wider than the column.

        The rule and the sums are a paragraph's (``Paragraph.breakLines``), step for step, so ties fall
        the same way: a word joins the line when the line, the space hanging after the previous word and
        the word fit, where a line may be a little over the width when its spaces can shrink by up to
        ``spaceShrinkage`` of their width (such a line is drawn with its word spacing narrowed). Pieces
        are kept as a paragraph keeps its fragments, so the drawing is the same too.
        """
        shrinkage = self.style.spaceShrinkage
        size = self.style.fontSize
        lines: list[_Line] = []
        line: list[list[str]] = []  # [font, text] fragments of the line being filled
        current = space = 0.0
        count = 0
        for pieces, word_width, hangs, space_after in self._words:
            if not line:
                count, space, current = 0, 0.0, 0.0
            if word_width < 0:  # a line break ends the line, which keeps the break as an empty fragment
                line.append(list(pieces[0]))
                lines.append((current, count, [(f, t) for f, t in line]))
                line = []
                continue
            if word_width > width:
                return None  # a paragraph cuts such a word; leave it to one
            new = current + space + word_width if word_width > 0 else current
            limit = width
            if shrinkage and new > width:  # only then can the shrinkable spaces decide
                if self._simple:
                    limit = width + shrinkage * space * count
                else:
                    shrink = space
                    for font, text in line:
                        spaces = text.count(" ")
                        if spaces:
                            shrink += spaces * _width(" ", font, size)
                    limit = width + shrink * shrinkage
            first_font, first_text = pieces[0]
            if new > limit and count > 0:
                lines.append((current, count, [(f, t) for f, t in line]))
                line = [[font, text] for font, text in pieces]
                current, count = word_width, 1
            else:
                if first_text:
                    count += 1
                if not line:
                    line.append([first_font, first_text])
                elif line[-1][0] != first_font:
                    if space and not line[-1][1].endswith(" "):
                        line[-1][1] += " "
                    line.append([first_font, first_text])
                elif space and not line[-1][1].endswith(" "):
                    line[-1][1] += " " + first_text
                else:
                    line[-1][1] += first_text
                more = False
                for font, text in pieces[1:]:
                    line.append([font, text])
                    more = more or bool(text)
                if not first_text and more:
                    count += 1
                current = new
            space = space_after if hangs else 0.0
        if line:
            lines.append((current, count, [(f, t) for f, t in line]))
        return lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._paragraph is not None:
            return self._paragraph.wrap(availWidth, availHeight)
        if availWidth != self._wrapped_width:
            style = self.style
            key = (self.text, style.fontName, style.fontSize, style.leading, style.spaceShrinkage, availWidth)
            lines = _BROKEN.get(key)
            if lines is _MISSING:
                lines = self._break(availWidth)
                _BROKEN.put(key, lines)
            if lines is None:
                return self._as_paragraph().wrap(availWidth, availHeight)
            self._lines = lines
            self._wrapped_width = availWidth
        self.width = availWidth
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        # Rare (a long paragraph at the foot of a page, a row taller than a page): a paragraph's rules
        # (widows and orphans) decide where it breaks.
        return self._as_paragraph().split(availWidth, availHeight)

    def minWidth(self) -> float:
        return max((word[1] for word in self._words), default=0.0)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        if self._paragraph is not None:
            self._paragraph.drawOn(canvas, x, y, _sW)
            return
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        """The text operators a paragraph writes for the same lines, in the same order, so the file (and
        what a screen reader or text extraction gets from it) is the same."""
        lines = self._lines
        if not lines:
            return
        canvas = self.canv
        style = self.style
        size = style.fontSize
        right = style.alignment == TA_RIGHT
        canvas.saveState()
        if self._simple:  # one run of text in one font: a paragraph's first kind of line
            canvas.setFillColor(black)
            tx = canvas.beginText(0, self.height - size)
            tx.setFont(lines[0][2][0][0], size, style.leading)
            for used, count, runs in lines:
                extra = self.width - used
                text = runs[0][1] if runs else ""
                squeeze = extra <= -1e-8 and count > 1
                shift = extra if right and not squeeze else 0.0
                if squeeze:
                    tx.setWordSpace(extra / float(count - 1))
                _move(tx, shift)
                tx._textOut(text, 1)
                if squeeze:
                    tx.setWordSpace(0)
                _move(tx, -shift)
        else:
            tx = canvas.beginText(0, self.height - size)
            tx._fontname, tx._fontsize, tx._leading = None, None, None
            coloured = False
            for used, count, runs in lines:
                extra = self.width - used
                squeeze = extra <= -1e-8 and count > 1
                shift = extra if right and not squeeze else 0.0
                _move(tx, shift)
                if squeeze:
                    tx.setWordSpace(extra / float(count - 1))
                if tx._leading != style.leading:
                    tx.setLeading(style.leading)
                last = len(runs) - 1
                for i, (font, text) in enumerate(runs):
                    if tx._fontname != font or tx._fontsize != size:
                        tx._setFont(font, size)
                    if not coloured:
                        tx.setFillColor(black)
                        coloured = True
                    tx._textOut(text, i == last)
                if squeeze:
                    tx.setWordSpace(0)
                _move(tx, -shift)
        canvas.drawText(tx)
        canvas.restoreState()

    def getPlainText(self) -> str:
        return self._as_paragraph().getPlainText()
