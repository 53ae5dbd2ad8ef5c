"""One print-ready PDF of letters: per person a covering letter, then their payment advice or statement.

For people who chose post (``participants.contact_preference``). Print the file single-sided, fold each
letter in three and put it in a DL window envelope: nothing else to sort or match.

Layout, and why:

* The address sits where a standard UK DL window envelope (220 x 110 mm, window 90 x 35 mm, 20 mm from
  the left and 15 mm from the bottom, as envelope makers specify it: size, then from the left, then from
  the bottom) shows it once an A4 sheet is folded in three. The folded sheet is 99 mm tall and rests on
  the envelope's bottom fold, so the window shows the page from 49 to 84 mm from its top and from 20 to
  110 mm from its left. The block starts 25 mm from the left edge and 52 mm from the top and is at most
  80 x 30 mm: inside that window with a few millimetres to spare each way, and also inside the DIN 5008
  form B address field (20 mm from the left, 45 mm from the top, 85 x 45 mm) that European windowed
  envelopes follow. A name and six address lines (the most ``ledger.messages.contact`` accepts) always
  fit: the lines move closer together when there are many, and a line too long for 80 mm is set smaller
  (never below 8 points). Nothing else is printed in that area. Our own name and address go top right,
  outside the window. (Checked in ``tests/messages/test_letter_layout.py``.)
* The letter says the same words as the e-mail would (``ledger.messages.words``); the document behind it
  is drawn by its own renderer (payment advice, or the statement in the person's style), with that
  renderer's margins and type, so a letter's advice is exactly the PDF an e-mail would attach.
* Pages are numbered per person ("Page 2 of 4"), so a person can tell they have every page, and the
  footer names their reference so a dropped pile can be put back in order. A person's pages always
  start on a new sheet.
* Deterministic like every ledger PDF (ReportLab's invariant mode): the same letters give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageBreak, PageTemplate, Spacer

from ledger.errors import invalid_field
from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.remittance import RemittanceRenderer
from ledger.exports.pdf.statement import LargePrintStatementRenderer, StatementRenderer
from ledger.exports.pdf.statement_easy_read import EasyReadStatementRenderer
from ledger.exports.pdf.text import markup, plain_date
from ledger.exports.pdf.typefaces import MAIN, register_fonts, string_font
from ledger.reports.remittance_data import Remittance
from ledger.reports.statement_data import Statement

PAGE_WIDTH, PAGE_HEIGHT = A4
#: The address block for a DL window envelope (see the module docstring), in points from the page's edges.
ADDRESS_LEFT = 25 * mm
ADDRESS_TOP = 52 * mm
ADDRESS_WIDTH = 80 * mm
ADDRESS_HEIGHT = 30 * mm
ADDRESS_SIZE = 11
ADDRESS_SMALLEST = 8
#: The letter's own text starts below the window.
LETTER_TOP = 100 * mm
MAX_ADDRESS_LINES = 6
STATEMENT_RENDERERS: dict[str, type[StatementRenderer]] = {
    "standard": StatementRenderer,
    "large_print": LargePrintStatementRenderer,
    "easy_read": EasyReadStatementRenderer,
}


@dataclass(frozen=True, slots=True)
class Letter:
    """One person's letter as plain data: who and where, the words, and the document behind it."""

    reference: str  # the person's reference (P-0003): the footer names it, never their name
    address_lines: tuple[str, ...]  # their name first, then the postal address
    dated: date
    greeting: str
    paragraphs: tuple[str, ...]
    closing: tuple[str, ...]  # contact sentence(s)
    sender_lines: tuple[str, ...]  # our name and address, top right
    document: Remittance | Statement
    style: str = "standard"

    def __post_init__(self) -> None:
        if not self.address_lines or len(self.address_lines) > MAX_ADDRESS_LINES + 1:
            raise invalid_field("address_lines", f"a letter needs a name and at most {MAX_ADDRESS_LINES} address "
                                                 "lines to fit the envelope window")


def document_renderer(document: Remittance | Statement) -> PdfRenderer:
    if isinstance(document, Remittance):
        return RemittanceRenderer(document)
    return STATEMENT_RENDERERS[document.style](document)


class _Mark(Flowable):
    """Zero-size marker at the top of each person's first page: tells the canvas whose pages follow."""

    def __init__(self, key: int, footer: str) -> None:
        super().__init__()
        self.key, self.footer = key, footer
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv._ledger_letter = (self.key, self.footer)


class _LetterHead(Flowable):
    """Our address top right, theirs in the envelope window, the date: drawn at fixed places on the page."""

    def __init__(self, letter: Letter, size: float) -> None:
        super().__init__()
        self.letter = letter
        self.size = size
        self.width = self.height = 0

    def draw(self) -> None:
        canvas = self.canv
        ox, oy = canvas.absolutePosition(0, 0)

        def at(x: float, y_from_top: float) -> tuple[float, float]:
            return x - ox, PAGE_HEIGHT - y_from_top - oy

        leading = self.size * 1.25
        right = PAGE_WIDTH - 20 * mm
        for i, line in enumerate(self.letter.sender_lines):
            font, text = string_font(line, bold=i == 0)
            canvas.setFont(font, self.size - 1)
            canvas.drawRightString(*at(right, 18 * mm + i * leading), text)
        lines = self.letter.address_lines
        # Baselines: the first one ADDRESS_SIZE below the top, the last one a descender above the bottom.
        room = ADDRESS_HEIGHT - ADDRESS_SIZE - ADDRESS_SIZE * 0.3
        step = min(ADDRESS_SIZE * 1.25, room / (len(lines) - 1)) if len(lines) > 1 else 0.0
        for i, line in enumerate(lines):
            font, text = string_font(line)
            size: float = ADDRESS_SIZE
            while size > ADDRESS_SMALLEST and stringWidth(text, font, size) > ADDRESS_WIDTH:
                size -= 0.5
            canvas.setFont(font, size)
            canvas.drawString(*at(ADDRESS_LEFT, ADDRESS_TOP + ADDRESS_SIZE + i * step), text)
        canvas.setFont(MAIN, self.size)
        canvas.drawRightString(*at(right, 90 * mm), plain_date(self.letter.dated))


class _LetterCanvas(Canvas):
    """Holds pages back until ``save`` so each can say "Page n of N" counting that person's pages only."""

    def __init__(self, *args: Any, painter: LettersRenderer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._painter = painter
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        keys = [state.get("_ledger_letter", (0, ""))[0] for state in self._held]
        totals: dict[int, int] = {}
        for key in keys:
            totals[key] = totals.get(key, 0) + 1
        seen: dict[int, int] = {}
        for state, key in zip(self._held, keys, strict=True):
            seen[key] = seen.get(key, 0) + 1
            self.__dict__.update(state)
            self._painter.draw_footer(self, state.get("_ledger_letter", (0, ""))[1], seen[key], totals[key])
            super().showPage()
        super().save()


class LettersRenderer:
    """All the letters of one batch or statement run in one PDF (see the module docstring)."""

    body_size = 12
    footer_size = 9
    margin = 20 * mm

    def __init__(self, letters: Sequence[Letter], title: str, author: str) -> None:
        if not letters:
            raise invalid_field("letters", "there are no letters to print: nobody here chose post")
        self.letters = list(letters)
        self.title = title
        self.author = author

    def render(self) -> bytes:
        register_fonts()
        buffer = BytesIO()
        document = BaseDocTemplate(
            buffer, pagesize=A4, title=self.title, author=self.author, subject="Letters to print and post",
            creator=PdfRenderer.creator, producer=PdfRenderer.creator, invariant=1, lang=PdfRenderer.language,
            displayDocTitle=True, initialFontName=MAIN, initialFontSize=self.body_size,
        )
        letter_frame = Frame(self.margin, 22 * mm, PAGE_WIDTH - 2 * self.margin, PAGE_HEIGHT - LETTER_TOP - 22 * mm,
                             id="letter", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        templates: dict[str, PageTemplate] = {"letter": PageTemplate(id="letter", frames=[letter_frame])}
        story: list[Flowable] = []
        for number, letter in enumerate(self.letters):
            inner = document_renderer(letter.document)
            name = type(inner).__name__
            if name not in templates:
                frame = Frame(inner.left_margin, inner.bottom_margin, inner.frame_width,
                              PAGE_HEIGHT - inner.top_margin - inner.bottom_margin, id=name,
                              leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
                templates[name] = PageTemplate(id=name, frames=[frame])
            if number:
                story += [NextPageTemplate("letter"), PageBreak()]
            story += [_Mark(number, f"Letter, reference {letter.reference}"), _LetterHead(letter, self.body_size),
                      *self._letter_text(letter, inner), NextPageTemplate(name), PageBreak(), *inner.story()]
        document.addPageTemplates(list(templates.values()))

        def canvas_maker(*args: Any, **kwargs: Any) -> _LetterCanvas:
            return _LetterCanvas(*args, painter=self, **kwargs)

        document.build(story, canvasmaker=canvas_maker)
        return buffer.getvalue()

    def _letter_text(self, letter: Letter, inner: PdfRenderer) -> list[Flowable]:
        """The words in the document's own body type (large print stays large, Easy Read stays Easy Read)."""
        words: list[Flowable] = [inner.para(markup(letter.greeting)), Spacer(1, 4)]
        words += [inner.para(markup(paragraph)) for paragraph in letter.paragraphs]
        words.append(Spacer(1, 6))
        words += [inner.para(markup(line)) for line in letter.closing]
        return words

    def draw_footer(self, canvas: Canvas, footer: str, number: int, total: int) -> None:
        y = 22 * mm / 2
        canvas.saveState()
        font, text = string_font(footer)
        canvas.setFont(font, self.footer_size)
        canvas.drawString(self.margin, y, text)
        canvas.setFont(MAIN, self.footer_size)
        canvas.drawRightString(PAGE_WIDTH - self.margin, y, f"Page {number} of {total}")
        canvas.restoreState()


def render_letters(letters: Sequence[Letter], title: str, author: str) -> bytes:
    """The letters as one PDF to print (see :class:`LettersRenderer`)."""
    return LettersRenderer(letters, title, author).render()
