"""Simple pictures for Easy Read documents, drawn with ReportLab graphics (no image files, no licences).

Why drawn: Easy Read puts a picture beside each main idea so a reader can find "money", "time" or
"who to ask" at a glance. Drawing them as a few plain shapes keeps them sharp at any size, identical in
every PDF (so statements stay byte-identical), and free of anyone else's licence. Each picture is a
square :class:`reportlab.graphics.shapes.Drawing` of the given size, in dark blue on white, with thick
strokes that still read when printed small or in greyscale.

Pictures: ``calendar`` (a date), ``clock`` (time), ``coin`` (money for time: a pound coin), ``bus``
(costs paid back: travel and other costs), ``bank`` (a payment sent), ``phone`` (who to ask),
``scales`` (limits we watch), ``hand`` (time given without pay), ``question`` (something wrong?).
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors

from ledger.exports.pdf.typefaces import MAIN_BOLD, register_fonts

INK = colors.HexColor("#1F4E79")
PAPER = colors.white
LIGHT = colors.HexColor("#DCE9F5")
GOLD = colors.HexColor("#F2C14E")


def _canvas(size: float) -> tuple[Drawing, float]:
    """A drawing of ``size`` points, and the scale from the 100-unit design grid used below."""
    return Drawing(size, size), size / 100.0


def calendar(size: float) -> Drawing:
    d, k = _canvas(size)
    d.add(Rect(10 * k, 10 * k, 80 * k, 72 * k, strokeColor=INK, strokeWidth=5 * k, fillColor=PAPER, rx=6 * k))
    d.add(Rect(10 * k, 62 * k, 80 * k, 20 * k, strokeColor=INK, strokeWidth=5 * k, fillColor=INK, rx=6 * k))
    for x in (30, 70):
        d.add(Line(x * k, 74 * k, x * k, 92 * k, strokeColor=INK, strokeWidth=7 * k))
    for row, y in enumerate((44, 24)):
        for col, x in enumerate((24, 44, 64)):
            fill = GOLD if (row, col) == (0, 1) else LIGHT
            d.add(Rect(x * k, y * k, 13 * k, 12 * k, strokeColor=None, fillColor=fill))
    return d


def clock(size: float) -> Drawing:
    d, k = _canvas(size)
    d.add(Circle(50 * k, 50 * k, 40 * k, strokeColor=INK, strokeWidth=6 * k, fillColor=PAPER))
    for x1, y1, x2, y2 in ((50, 82, 50, 74), (50, 18, 50, 26), (18, 50, 26, 50), (82, 50, 74, 50)):
        d.add(Line(x1 * k, y1 * k, x2 * k, y2 * k, strokeColor=INK, strokeWidth=4 * k))
    d.add(Line(50 * k, 50 * k, 50 * k, 74 * k, strokeColor=INK, strokeWidth=6 * k))
    d.add(Line(50 * k, 50 * k, 68 * k, 40 * k, strokeColor=INK, strokeWidth=6 * k))
    d.add(Circle(50 * k, 50 * k, 4 * k, strokeColor=None, fillColor=INK))
    return d


def coin(size: float) -> Drawing:
    register_fonts()
    d, k = _canvas(size)
    d.add(Circle(50 * k, 50 * k, 42 * k, strokeColor=INK, strokeWidth=5 * k, fillColor=GOLD))
    d.add(Circle(50 * k, 50 * k, 32 * k, strokeColor=INK, strokeWidth=2 * k, fillColor=None))
    d.add(String(50 * k, 33 * k, "£", fontName=MAIN_BOLD, fontSize=52 * k, fillColor=INK, textAnchor="middle"))
    return d


def bus(size: float) -> Drawing:
    d, k = _canvas(size)
    d.add(Rect(12 * k, 22 * k, 76 * k, 62 * k, strokeColor=INK, strokeWidth=5 * k, fillColor=PAPER, rx=10 * k))
    d.add(Rect(20 * k, 52 * k, 26 * k, 22 * k, strokeColor=INK, strokeWidth=3 * k, fillColor=LIGHT))
    d.add(Rect(54 * k, 52 * k, 26 * k, 22 * k, strokeColor=INK, strokeWidth=3 * k, fillColor=LIGHT))
    d.add(Line(12 * k, 42 * k, 88 * k, 42 * k, strokeColor=INK, strokeWidth=4 * k))
    for x in (30, 70):
        d.add(Circle(x * k, 20 * k, 9 * k, strokeColor=INK, strokeWidth=4 * k, fillColor=INK))
    d.add(Circle(22 * k, 32 * k, 4 * k, strokeColor=None, fillColor=GOLD))
    d.add(Circle(78 * k, 32 * k, 4 * k, strokeColor=None, fillColor=GOLD))
    return d


def bank(size: float) -> Drawing:
    d, k = _canvas(size)
    d.add(Polygon([10 * k, 66 * k, 50 * k, 90 * k, 90 * k, 66 * k], strokeColor=INK, strokeWidth=5 * k,
                  fillColor=LIGHT))
    for x in (22, 40, 58, 76):
        d.add(Rect(x * k - 4 * k, 24 * k, 8 * k, 36 * k, strokeColor=INK, strokeWidth=3 * k, fillColor=PAPER))
    d.add(Rect(10 * k, 12 * k, 80 * k, 10 * k, strokeColor=INK, strokeWidth=4 * k, fillColor=INK))
    return d


def phone(size: float) -> Drawing:
    d, k = _canvas(size)
    d.add(Rect(28 * k, 8 * k, 44 * k, 84 * k, strokeColor=INK, strokeWidth=6 * k, fillColor=PAPER, rx=8 * k))
    d.add(Rect(34 * k, 24 * k, 32 * k, 56 * k, strokeColor=None, fillColor=LIGHT))
    d.add(Circle(50 * k, 15 * k, 4 * k, strokeColor=None, fillColor=INK))
    d.add(Line(42 * k, 86 * k, 58 * k, 86 * k, strokeColor=INK, strokeWidth=3 * k))
    return d


def scales(size: float) -> Drawing:
    d, k = _canvas(size)
    d.add(Line(50 * k, 14 * k, 50 * k, 84 * k, strokeColor=INK, strokeWidth=6 * k))
    d.add(Line(16 * k, 74 * k, 84 * k, 74 * k, strokeColor=INK, strokeWidth=6 * k))
    d.add(Rect(30 * k, 8 * k, 40 * k, 8 * k, strokeColor=None, fillColor=INK))
    for x in (16, 84):
        d.add(Line(x * k, 74 * k, (x - 10) * k, 46 * k, strokeColor=INK, strokeWidth=3 * k))
        d.add(Line(x * k, 74 * k, (x + 10) * k, 46 * k, strokeColor=INK, strokeWidth=3 * k))
        d.add(Polygon([(x - 14) * k, 46 * k, (x + 14) * k, 46 * k, x * k, 36 * k], strokeColor=INK,
                      strokeWidth=3 * k, fillColor=GOLD))
    return d


def hand(size: float) -> Drawing:
    """A heart: time given freely (the person chose not to be paid)."""
    d, k = _canvas(size)
    d.add(Circle(34 * k, 60 * k, 20 * k, strokeColor=None, fillColor=INK))
    d.add(Circle(66 * k, 60 * k, 20 * k, strokeColor=None, fillColor=INK))
    d.add(Polygon([15 * k, 54 * k, 85 * k, 54 * k, 50 * k, 12 * k], strokeColor=None, fillColor=INK))
    return d


def question(size: float) -> Drawing:
    register_fonts()
    d, k = _canvas(size)
    d.add(Circle(50 * k, 50 * k, 42 * k, strokeColor=INK, strokeWidth=5 * k, fillColor=LIGHT))
    d.add(String(50 * k, 28 * k, "?", fontName=MAIN_BOLD, fontSize=60 * k, fillColor=INK, textAnchor="middle"))
    return d


PICTURES: dict[str, Callable[[float], Drawing]] = {
    "calendar": calendar,
    "clock": clock,
    "coin": coin,
    "bus": bus,
    "bank": bank,
    "phone": phone,
    "scales": scales,
    "hand": hand,
    "question": question,
}


def picture(name: str, size: float) -> Drawing:
    """The picture called ``name`` (one of :data:`PICTURES`), ``size`` points square."""
    return PICTURES[name](size)
