"""The cheap paragraph (``TextBlock``) gives the lines, the drawing and the pages a ReportLab paragraph gives;
font subsets kept per process give the bytes ReportLab writes.

Statements are laid out with :class:`ledger.exports.pdf.textblock.TextBlock` instead of ReportLab's
``Paragraph`` for speed; nothing a reader, a screen reader or a text extractor gets may change. So each
test here makes the same text both ways and compares: the lines and their widths, the bytes drawn on a
page, and whole statements in every style (with names in other alphabets) page by page.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from io import BytesIO
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.pdfbase.ttfonts import TTFontFace
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from statement_samples import NAMES, busy_statement

from ledger.exports.pdf import STATEMENT_RENDERERS, render_statement
from ledger.exports.pdf.base import OnceParagraph
from ledger.exports.pdf.pictures import picture
from ledger.exports.pdf.statement import StatementRenderer
from ledger.exports.pdf.statement_easy_read import _picture
from ledger.exports.pdf.textblock import TextBlock
from ledger.exports.pdf.typefaces import _KeptSubsets, fit_markup, register_fonts

STYLES = ("standard", "large_print", "easy_read")

# Words with bold, fallback-font and entity pieces, as the statements write them.
WORDS = st.sampled_from([
    "Meeting", "£27.50", "an", "hour;", "you", "took", "part", "for", "1", "hour", "23", "minutes,", "rounded",
    "up", "to", "the", "next", "15", "&bull;", "R&amp;D", "&lt;pilot&gt;", "<b>Interview</b>", "<b>panel</b>,",
    "<b>Better Discharge</b>", "(in", "person).", "Nguyễn", "Σοφία", "Дмитрий", "Łukasiewicz", "Siân", "Ødegård",
    "<b>Thị Hương</b>", "<br/>", "worth", "involvement@northshire.example", "Carer", "cover,", "CC-118",
])


def markup_of(words: list[str]) -> str:
    return fit_markup(" ".join(words))


def _line_texts(paragraph: Paragraph) -> list[str]:
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return [" ".join(words) for _, words in lines]
    return ["".join(getattr(f, "text", "") for f in line.words) for line in lines]


def _drawn(flowable: Any, width: float) -> bytes:
    register_fonts()
    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=0)
    _, height = flowable.wrap(width, 10_000)
    flowable.drawOn(canvas, 40, 700 - height)
    canvas.showPage()
    canvas.save()
    page = PdfReader(BytesIO(buffer.getvalue())).pages[0].get_contents()
    assert page is not None
    return page.get_data()


def _style(name: str, renderer: type[StatementRenderer] = StatementRenderer) -> Any:
    return renderer(busy_statement()).style(name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(WORDS, min_size=1, max_size=40),
    width=st.floats(min_value=60, max_value=480),
    style=st.sampled_from(["body", "cell", "cell_small", "cell_bold", "cell_right", "cell_right_bold", "heading"]),
    renderer=st.sampled_from(sorted(STATEMENT_RENDERERS)),
)
def test_same_lines_and_same_drawing_as_a_paragraph(words: list[str], width: float, style: str,
                                                    renderer: str) -> None:
    register_fonts()
    text = markup_of(words)
    paragraph_style = _style(style, STATEMENT_RENDERERS[renderer])
    block = TextBlock.build(text, paragraph_style, OnceParagraph)
    paragraph = Paragraph(text, paragraph_style)
    assert block.wrap(width, 10_000) == paragraph.wrap(width, 10_000)
    if isinstance(block, TextBlock) and block._paragraph is None:  # not handed to a paragraph
        assert ["".join(t for _, t in runs) for _, _, runs in block._lines] == _line_texts(paragraph)
    assert _drawn(block, width) == _drawn(Paragraph(text, paragraph_style), width)


def test_right_aligned_amount_and_squeezed_line_draw_like_a_paragraph() -> None:
    register_fonts()
    for name, alignment in (("cell_right_bold", TA_RIGHT), ("cell_small", TA_LEFT)):
        style = _style(name)
        assert style.alignment == alignment
        text = fit_markup("&bull; 1 hour 30 minutes interview panel at £27.50 an hour; you took part for 1 hour 23 "
                          "minutes, rounded up to the next 15 minutes")
        for width in (80.0, 307.4, 310.0, 313.0):
            assert _drawn(TextBlock.build(text, style, OnceParagraph), width) == _drawn(Paragraph(text, style), width)


def test_markup_it_does_not_read_goes_to_a_real_paragraph() -> None:
    style = _style("body")
    for text in ('<font color="red">red</font>', "<i>slanted</i>", "a&nbsp;b", "tab\there", "&eacute;",
                 "<b><b>twice</b></b>"):
        assert isinstance(TextBlock.build(text, style, OnceParagraph), OnceParagraph), text
    assert isinstance(TextBlock.build("<b>bold</b> &amp; <br/>plain", style, OnceParagraph), TextBlock)


def test_a_word_wider_than_the_column_is_cut_as_a_paragraph_cuts_it() -> None:
    style = _style("cell")
    text = "Reference NHCP-B-2026-000000000000000000000000000000000000012345 for you"
    block = TextBlock.build(text, style, OnceParagraph)
    assert block.wrap(60, 1000) == Paragraph(text, style).wrap(60, 1000)
    assert _drawn(block, 60) == _drawn(Paragraph(text, style), 60)


def test_a_long_block_splits_over_pages_like_a_paragraph() -> None:
    style = _style("body")
    text = " ".join(["Costs paid back are money we gave back to you for things you paid for."] * 30)
    block = TextBlock.build(text, style, OnceParagraph)
    block.wrap(300, 100)
    parts = block.split(300, 100)
    expected = Paragraph(text, style)
    expected.wrap(300, 100)
    assert [p.wrap(300, 10_000) for p in parts] == [p.wrap(300, 10_000) for p in expected.split(300, 100)]


def _text_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", NAMES[:4])
def test_statements_read_the_same_page_by_page_as_with_paragraphs(style: str, name: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    statement = busy_statement(style, participant_name=name)
    quick = render_statement(statement)
    monkeypatch.setattr(StatementRenderer, "quick_text", False)
    slow = render_statement(statement)
    assert _text_pages(quick) == _text_pages(slow)
    if re.fullmatch(r"[A-Za-z ]+", name):  # Latin names: the very same file
        assert quick == slow


def test_latin_statements_are_the_same_file_as_with_paragraphs(monkeypatch: pytest.MonkeyPatch) -> None:
    statements = [busy_statement(style, weekly_limit=weekly) for style in STYLES for weekly in (True, False)]
    statements.append(replace(busy_statement(), participant_name="R&D <pilot> O'Neill"))
    quick = [render_statement(s) for s in statements]
    monkeypatch.setattr(StatementRenderer, "quick_text", False)
    assert quick == [render_statement(s) for s in statements]


def test_a_picture_drawn_again_writes_what_drawing_it_afresh_writes() -> None:
    register_fonts()

    def page(pictures: list[Drawing]) -> bytes:
        buffer = BytesIO()
        canvas = Canvas(buffer, invariant=1, pageCompression=0)
        for i, drawing in enumerate(pictures):
            drawing.drawOn(canvas, 30 + 40 * i, 500)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    names = ["coin", "question", "coin", "calendar", "coin", "question"]
    assert page([_picture(n, 31.0) for n in names]) == page([picture(n, 31.0) for n in names])
    assert isinstance(_picture("coin", 31.0), Drawing)


def test_pound_and_bullet_skip_the_fallback_check_but_combining_marks_do_not() -> None:
    assert fit_markup("£27.50 &bull; “quoted” – £5") == "£27.50 &bull; “quoted” – £5"
    assert fit_markup("£27.50 • x") == "£27.50 • x"
    assert fit_markup("Nguye\u0302\u0303n") == '<font name="LedgerFallback">Nguyễn</font>'
    assert fit_markup("Sia\u0302n") == "Siân"  # composed, so the main face draws it
    assert fit_markup("a\u200bb") == "ab"  # an invisible format character is dropped


def test_font_subsets_kept_per_process_write_the_bytes_reportlab_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    statements = [busy_statement("standard"), busy_statement("easy_read", participant_name=NAMES[1])]
    for statement in statements:
        render_statement(statement)  # the subsets are kept now
    kept = [render_statement(s) for s in statements]
    monkeypatch.setattr(_KeptSubsets, "makeSubset", TTFontFace.makeSubset)
    monkeypatch.setattr(_KeptSubsets, "addSubsetObjects", TTFontFace.addSubsetObjects)
    assert kept == [render_statement(s) for s in statements]


def test_statements_made_at_once_in_threads_are_the_ones_made_in_turn() -> None:
    """What is kept per process (parsed text, line breaks, picture shapes, font subsets) is shared by
    documents drawn at the same time (the web server renders in threads)."""
    statements = [busy_statement(style, participant_name=name) for style in STYLES for name in NAMES[:2]]
    in_turn = [render_statement(s) for s in statements]
    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = list(pool.map(render_statement, statements * 2))
    assert at_once == in_turn * 2


ODD_MARKUP = ["R&D", "&amp", "a < b", "x > y", "", " ", "<br/>", "a<br/>", "a <br/> b", "a<br/><br/>b", "<b></b>",
              "<b> </b>x", "a  b", " leading", "trailing ", "<b>a</b><b>b</b>", "&bull;&bull;",
              '<font name="LedgerFallback"></font>', '<b><font name="LedgerFallback">Σ</font></b>',
              '<font name="LedgerFallback"><b>Σ</b></font>', "x <b> y </b> z", "&lt;b&gt;Ann &amp; Co&lt;/b&gt;",
              "&quot;q&quot; &apos;a&#39;", "W" * 300, "<b>x<br/>y</b> z", "&#65;"]


@pytest.mark.parametrize("text", ODD_MARKUP)
def test_odd_or_unescaped_markup_draws_what_a_paragraph_draws(text: str) -> None:
    """Statement text is escaped (``markup``), but a bare "&" or "<" must still give what a paragraph gives
    (a paragraph reads "R&D" as an entity and prints "R&D;"), as must empty, blank and odd markup."""
    register_fonts()
    for name in ("body", "cell_right_bold", "heading"):
        style = _style(name)
        for width in (30.0, 100.0, 400.0):
            block = TextBlock.build(text, style, OnceParagraph)
            assert block.wrap(width, 10_000) == Paragraph(text, style).wrap(width, 10_000), (name, width)
            assert _drawn(TextBlock.build(text, style, OnceParagraph), width) == _drawn(Paragraph(text, style),
                                                                                       width), (name, width)


def test_text_kept_per_process_stays_small_however_many_people() -> None:
    """A web server worker runs for weeks: what it keeps of laid-out text must not grow with the people it
    has made statements for (each distinct paragraph costs about 9 kB), and what recurs (a heading) stays."""
    from ledger.exports.pdf import textblock

    register_fonts()
    style, heading = _style("cell"), _style("heading")
    for n in range(9_000):  # more distinct paragraphs than are kept
        text = fit_markup(f"<b>Meeting {n}</b>, Project {n * 7} (online). Paid to Person {n} on 5 November.")
        TextBlock.build(text, style, OnceParagraph).wrap(300, 1000)
        TextBlock.build("Summary", heading, OnceParagraph).wrap(300, 1000)
    assert len(textblock._PARSED) <= 2 * 4_096 and len(textblock._BROKEN) <= 2 * 4_096
    assert textblock._PARSED.get(("Summary", heading.fontName, heading.fontSize)) is not textblock._MISSING
    assert len(textblock._WIDTHS) <= 200_001
