"""The base PDF renderer: page settings as attributes, content as hook methods, deterministic output.

Why a small class per document (after pretix's renderers): each document (statement styles, payment
advice, spend report) differs in type sizes, margins and a few blocks of content. Attributes hold the
page settings and hook methods return the flowables, so a style is a subclass that changes a handful of
numbers and overrides only the blocks that read differently.

Determinism: the same data must give byte-identical files (so a re-sent statement is provably the same
document, and tests can compare bytes). ReportLab's ``invariant`` mode fixes the creation date and
document id; nothing here reads the clock or draws random numbers.

"Page 2 of 5" needs the page count before the first footer is drawn. :class:`NumberedCanvas` keeps each
finished page's state and draws all footers when the document is saved (the usual ReportLab recipe,
one layout pass instead of two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any, ClassVar

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from ledger.exports.pdf.text import markup
from ledger.exports.pdf.textblock import TextBlock
from ledger.exports.pdf.typefaces import MAIN, MAIN_BOLD, fit_markup, fits_main, normalise, register_fonts, string_font

FooterPainter = Callable[[Canvas, int, int], None]
# Paragraph styles per (renderer class, style name): the sizes are class attributes, so one per process.
_STYLES: dict[tuple[type, str], ParagraphStyle] = {}


class OnceParagraph(Paragraph):
    """A paragraph that breaks its lines once per width.

    A long table is measured before it is placed (``starts_together``), again when placed, and the rows
    left over are measured again on every page it runs onto; ReportLab's paragraph breaks its lines
    afresh each time, which was most of a long statement's cost. Line breaking depends only on the
    width (the style and text never change once built), so the answer for a width is kept.
    """

    _wrapped: tuple[float, float, float] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        done = self._wrapped
        if done is not None and done[0] == availWidth and "blPara" in self.__dict__:  # split may drop it
            self.width, self.height = done[1], done[2]
            return done[1], done[2]
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, width, height)
        return width, height


class NumberedCanvas(Canvas):
    """A canvas that holds pages back until ``save`` so each footer can say "Page n of N"."""

    def __init__(self, *args: Any, footer: FooterPainter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._footer(self, number, total)
            super().showPage()
        super().save()


class PdfRenderer:
    """Lays out one document. Subclasses set the attributes and implement :meth:`story`."""

    pagesize: ClassVar[tuple[float, float]] = A4
    left_margin: ClassVar[float] = 20 * mm
    right_margin: ClassVar[float] = 20 * mm
    top_margin: ClassVar[float] = 18 * mm
    bottom_margin: ClassVar[float] = 22 * mm
    font: ClassVar[str] = MAIN
    bold_font: ClassVar[str] = MAIN_BOLD
    body_size: ClassVar[float] = 11
    heading_size: ClassVar[float] = 15
    title_size: ClassVar[float] = 20
    table_size: ClassVar[float] = 10
    footer_size: ClassVar[float] = 9
    leading_ratio: ClassVar[float] = 1.3
    paragraph_space: ClassVar[float] = 5
    heading_space: ClassVar[float] = 14
    cell_padding: ClassVar[float] = 4
    header_fill: ClassVar[colors.Color] = colors.HexColor("#E6E6E6")
    rule_colour: ClassVar[colors.Color] = colors.HexColor("#808080")
    language: ClassVar[str] = "en-GB"
    #: Paragraphs as :class:`ledger.exports.pdf.textblock.TextBlock` (the same bytes for a fraction of the
    #: cost) where the markup allows; on for the statements, which are made in bulk and are tested with it.
    quick_text: ClassVar[bool] = False
    creator: ClassVar[str] = "Involvement ledger"

    # ---- hooks -----------------------------------------------------------------------------------
    def story(self) -> list[Flowable]:
        raise NotImplementedError

    def title(self) -> str:
        raise NotImplementedError

    def author(self) -> str:
        raise NotImplementedError

    def subject(self) -> str:
        raise NotImplementedError

    def footer_text(self) -> str:
        """Left-hand footer on every page (who the document is for; no personal details)."""
        return ""

    # ---- rendering -------------------------------------------------------------------------------
    def render(self) -> bytes:
        register_fonts()
        buffer = BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=self.left_margin,
            rightMargin=self.right_margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            title=self.title(),
            author=self.author(),
            subject=self.subject(),
            creator=self.creator,
            producer=self.creator,
            invariant=1,
            lang=self.language,
            displayDocTitle=True,
            initialFontName=self.font,
            initialFontSize=self.body_size,
        )

        def canvas_maker(*args: Any, **kwargs: Any) -> NumberedCanvas:
            return NumberedCanvas(*args, footer=self.draw_footer, **kwargs)

        document.build(self.story(), canvasmaker=canvas_maker)
        return buffer.getvalue()

    def draw_footer(self, canvas: Canvas, number: int, total: int) -> None:
        width, _ = self.pagesize
        y = self.bottom_margin / 2
        canvas.saveState()
        canvas.setFont(self.font, self.footer_size)
        text = self.footer_text()
        if text:
            font, text = string_font(text)
            canvas.setFont(font, self.footer_size)
            canvas.drawString(self.left_margin, y, text)
            canvas.setFont(self.font, self.footer_size)
        canvas.drawRightString(width - self.right_margin, y, f"Page {number} of {total}")
        canvas.restoreState()

    # ---- styles ----------------------------------------------------------------------------------
    @property
    def frame_width(self) -> float:
        return self.pagesize[0] - self.left_margin - self.right_margin

    def style(self, name: str) -> ParagraphStyle:
        """Paragraph styles built from the size attributes, so a subclass changes numbers, not styles.

        Built once per process for each renderer class (the sizes are class attributes), not per document.
        """
        key = (type(self), name)
        found = _STYLES.get(key)
        if found is None:
            found = _STYLES[key] = self._make_style(name)
        return found

    def _make_style(self, name: str) -> ParagraphStyle:
        body, table = self.body_size, self.table_size
        lead = self.leading_ratio
        specs: dict[str, dict[str, Any]] = {
            "title": {"fontName": self.bold_font, "fontSize": self.title_size, "spaceAfter": self.heading_space,
                      "keepWithNext": 1},
            "heading": {
                "fontName": self.bold_font,
                "fontSize": self.heading_size,
                "spaceBefore": self.heading_space,
                "spaceAfter": self.paragraph_space * 1.5,
                "keepWithNext": 1,  # a heading never sits alone at the bottom of a page
            },
            "body": {"fontName": self.font, "fontSize": body, "spaceAfter": self.paragraph_space},
            "bold": {"fontName": self.bold_font, "fontSize": body, "spaceAfter": self.paragraph_space},
            "tight": {"fontName": self.font, "fontSize": body},
            "cell": {"fontName": self.font, "fontSize": table},
            "cell_small": {"fontName": self.font, "fontSize": table * 0.9, "spaceBefore": 1},
            "cell_bold": {"fontName": self.bold_font, "fontSize": table},
            "cell_right": {"fontName": self.font, "fontSize": table, "alignment": TA_RIGHT},
            "cell_right_bold": {"fontName": self.bold_font, "fontSize": table, "alignment": TA_RIGHT},
        }
        spec = specs[name]
        spec.setdefault("alignment", TA_LEFT)
        spec["leading"] = spec["fontSize"] * (min(lead, 1.18) if name == "cell_small" else lead)
        return ParagraphStyle(name, **spec)

    def starts_together(self, head: Sequence[Flowable], table: Table, rows: int = 1) -> list[Flowable]:
        """``head`` (a heading and its notes) then ``table``, never split before the table's first ``rows``.

        A conditional page break sized from the real heights: the heading, its notes, the header row
        and the first rows must fit, or all of them start on the next page. So a heading never sits
        alone at the bottom of a page, yet a long table still starts on the page it belongs to.
        """
        width = self.frame_width
        need = 0.0
        for flowable in head:
            need += flowable.wrap(width, self.pagesize[1])[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()
        table.wrap(width, self.pagesize[1])
        heights = getattr(table, "_rowHeights", None) or []
        need += sum(heights[: rows + 1])
        return [CondPageBreak(need + self.cell_padding * 2), *head, table]

    def para(self, text: str, style: str = "body") -> Flowable:
        """A paragraph of already-escaped markup (see :func:`ledger.exports.pdf.text.markup`); words the
        main face cannot draw are set in the fallback font (:func:`ledger.exports.pdf.typefaces.fit_markup`)."""
        if self.quick_text:
            return TextBlock.build(fit_markup(text), self.style(style), OnceParagraph)
        return OnceParagraph(fit_markup(text), self.style(style))

    def table(
        self,
        rows: Sequence[Sequence[Any]],
        fractions: Sequence[float],
        *,
        money_from: int | None = None,
        bold_rows: Sequence[int] = (),
        shaded_rows: Sequence[int] = (),
        unbroken: Sequence[tuple[int, int]] = (),
        split_in_row: bool = False,
    ) -> Table:
        """A table whose first row is a header repeated on every page it runs onto.

        Columns from ``money_from`` on are right-aligned; ``bold_rows`` get bold type and a rule above;
        each ``(first, last)`` row range in ``unbroken`` stays on one page (an activity with its reasons).
        """
        widths = [self.frame_width * f for f in fractions]
        # split_in_row: a row taller than a page (an activity with eighty receipts) splits instead of failing;
        # off otherwise, so an ordinary row is never cut in two across pages.
        table = Table(list(rows), colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=int(split_in_row))
        commands: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), self.font, self.table_size, self.table_size * self.leading_ratio),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), self.header_fill),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, self.rule_colour),
            ("BOX", (0, 0), (-1, -1), 0.75, self.rule_colour),
            ("TOPPADDING", (0, 0), (-1, -1), self.cell_padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.cell_padding),
            ("LEFTPADDING", (0, 0), (-1, -1), self.cell_padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.cell_padding),
        ]
        for row in shaded_rows:
            commands.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#F4F4F4")))
        for first, last in unbroken:
            commands.append(("NOSPLIT", (0, first), (-1, last)))
        if money_from is not None:
            commands.append(("ALIGN", (money_from, 0), (-1, -1), "RIGHT"))
        for row in bold_rows:
            commands.append(("LINEABOVE", (0, row), (-1, row), 1.2, colors.black))
            commands.append(("FONT", (0, row), (-1, row), self.bold_font, self.table_size))
        table.setStyle(TableStyle(commands))
        return table

    def amount_cell(self, text: str, *, bold: bool = False) -> str | Flowable:
        """A right-hand cell: a bare amount stays a plain string (cheap to lay out, never wraps); words
        ("worth £55.00") become a paragraph so they wrap inside the column."""
        if " " not in text and fits_main(text):
            return text
        return self.para(markup(text), "cell_right_bold" if bold else "cell_right")

    def text_cell(self, text: str, width: float) -> str | Flowable:
        """A left-hand cell: text that fits on one line stays a plain string (laying out paragraphs is
        most of the cost of a long statement); longer text becomes a paragraph that wraps."""
        text = normalise(text)
        if "\n" not in text and fits_main(text) and stringWidth(text, self.font, self.table_size) <= width:
            return text
        return self.para(markup(text), "cell")

    def header_cells(self, labels: Sequence[str], *, money_from: int | None = None) -> list[Flowable]:
        """Bold header cells; columns from ``money_from`` on are right-aligned like the amounts under them."""
        cells = []
        for i, label in enumerate(labels):
            right = money_from is not None and i >= money_from
            cells.append(self.para(label, "cell_right_bold" if right else "cell_bold"))
        return cells
