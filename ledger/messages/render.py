"""Words (``ledger.messages.words``) as a plain-text e-mail body and as simple, accessible HTML.

The HTML is deliberately plain, for screen readers and for mail programs that strip styles: one column,
real headings, tables with a caption and header cells (``scope``), no images, no colour that carries
meaning, left-aligned text, the language declared (``lang="en-GB"``), a type size that suits the
person's statement style (19px standard, 24px large print, 21px with more space between lines for
Easy Read). Everything inserted is escaped. The plain-text part says exactly the same.
"""

from __future__ import annotations

import textwrap
from html import escape

from ledger.messages.words import Words

SIZES = {"standard": (19, 1.5), "large_print": (24, 1.5), "easy_read": (21, 1.7)}
WIDTH = 76


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, WIDTH, break_long_words=False, break_on_hyphens=False)) or text


def as_text(words: Words) -> str:
    """The plain-text part: paragraphs wrapped at 76 characters, the facts and table as lists."""
    out: list[str] = [words.greeting, ""]
    for paragraph in words.paragraphs:
        out += [_wrap(paragraph), ""]
    if words.facts:
        out += [words.facts_caption, "-" * len(words.facts_caption)]
        out += [f"{label}: {value}" for label, value in words.facts]
        out.append("")
    if words.table:
        out += [words.table_caption, "-" * len(words.table_caption)]
        for row in words.table:
            cells = [f"{head}: {cell}" for head, cell in zip(words.table_head, row, strict=True)]
            out.append(_wrap("* " + "; ".join(cells)))
        out.append("")
    for paragraph in words.after:
        out += [_wrap(paragraph), ""]
    for line in words.contact_lines:
        out.append(_wrap(line))
    out += ["", *words.sender_lines]
    return "\n".join(out).rstrip() + "\n"


def as_html(words: Words) -> str:
    """The HTML part (see the module docstring for why it looks like this)."""
    size, leading = SIZES.get(words.style, SIZES["standard"])
    e = escape
    cell = "border:1px solid #505a5f;padding:6px 8px;text-align:left;vertical-align:top"
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(words.subject)}</title></head>",
        f'<body style="margin:0;padding:16px;background:#ffffff;color:#0b0c0c;'
        f'font-family:Arial,Helvetica,sans-serif;font-size:{size}px;line-height:{leading}">',
        '<div role="article" style="max-width:40em">',
        f'<h1 style="font-size:{round(size * 1.4)}px;margin:0 0 16px">{e(words.subject)}</h1>',
        f"<p>{e(words.greeting)}</p>",
    ]
    parts += [f"<p>{e(paragraph)}</p>" for paragraph in words.paragraphs]
    heading = f'style="font-size:{round(size * 1.2)}px;margin:24px 0 8px"'
    if words.facts:
        parts.append(f'<table style="border-collapse:collapse;margin:0 0 16px">'
                     f'<caption style="text-align:left;font-weight:bold;padding:0 0 8px">{e(words.facts_caption)}'
                     "</caption><tbody>")
        parts += [f'<tr><th scope="row" style="{cell}">{e(label)}</th><td style="{cell}">{e(value)}</td></tr>'
                  for label, value in words.facts]
        parts.append("</tbody></table>")
    if words.table:
        parts.append(f"<h2 {heading}>{e(words.table_caption)}</h2>")
        parts.append('<table style="border-collapse:collapse;margin:0 0 16px"><thead><tr>')
        for i, head in enumerate(words.table_head):
            align = ";text-align:right" if i >= words.table_money_from else ""
            parts.append(f'<th scope="col" style="{cell}{align}">{e(head)}</th>')
        parts.append("</tr></thead><tbody>")
        for row in words.table:
            cells = []
            for i, value in enumerate(row):
                align = ";text-align:right" if i >= words.table_money_from else ""
                cells.append(f'<td style="{cell}{align}">{e(value)}</td>')
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
    parts += [f"<p>{e(paragraph)}</p>" for paragraph in words.after]
    parts.append('<hr style="border:0;border-top:1px solid #b1b4b6;margin:24px 0">')
    parts += [f"<p>{e(line)}</p>" for line in words.contact_lines]
    parts.append("<p>" + "<br>".join(e(line) for line in words.sender_lines) + "</p>")
    parts += ["</div>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
