"""Statements drawn at the same time in threads (the web server) are each exactly their own document.

What the renderers keep per process (fonts and their cut subsets, parsed text and line breaks, pictures)
is shared by every document in the process. So: statements for people whose names are in different
alphabets, made at once in threads, must be byte for byte the statements made one at a time with nothing
kept (real paragraphs, subsets cut afresh), and each must read back as its own person's name and nobody
else's. And the first documents of a fresh process, started together, must find the fonts registered
once and ReportLab's named colours ready.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFontFace
from statement_samples import busy_statement

from ledger.exports.pdf import render_statement
from ledger.exports.pdf.statement import StatementRenderer
from ledger.exports.pdf.typefaces import _KeptSubsets

NAMES = ("Σωκράτης Παπαδόπουλος", "Дмитрий Шостакович", "Nguyễn Thị Hương", "Łukasz Żółć-Gąsiorowski",
         "Siân Llŵyd ap Rhys", "Юлія Їжакова", "Trần Văn Đức", "<b>Ann & Co</b>", "Ἀθηνᾶ Ῥόδου")
STYLES = ("standard", "large_print", "easy_read")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def test_statements_in_many_alphabets_made_at_once_are_each_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    statements = [busy_statement(STYLES[i % 3], participant_name=name, participant_reference=f"P-{i:04d}")
                  for i, name in enumerate(NAMES)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        at_once = list(pool.map(render_statement, statements * 3))
    with monkeypatch.context() as m:  # nothing kept: real paragraphs, subsets cut for each document
        m.setattr(StatementRenderer, "quick_text", False)
        m.setattr(_KeptSubsets, "makeSubset", TTFontFace.makeSubset)
        m.setattr(_KeptSubsets, "addSubsetObjects", TTFontFace.addSubsetObjects)
        alone = [render_statement(s) for s in statements]
    assert at_once == alone * 3
    for name, pdf in zip(NAMES, alone, strict=True):
        text = _text(pdf)
        assert name in text  # every letter drawn and read back (no box, no other glyph)
        assert not [other for other in NAMES if other != name and other in text]


def test_the_first_documents_of_a_process_started_together_find_fonts_and_colours_ready() -> None:
    """In a fresh process: eight threads ask for the fonts at once (registering is made slow so they
    overlap); the fonts are registered once, and ReportLab's named colours are whole before any thread
    draws (ReportLab fills that table on first use without a lock; a thread could find it half full)."""
    script = textwrap.dedent("""
        import threading, time
        from reportlab.lib import colors
        from reportlab.pdfbase import pdfmetrics
        from ledger.exports.pdf import typefaces

        registered = []
        real = pdfmetrics.registerFont
        def slow(font):
            registered.append(font.fontName)
            time.sleep(0.02)
            real(font)
        pdfmetrics.registerFont = slow
        start = threading.Barrier(8)
        ready = []
        def go():
            start.wait()
            typefaces.register_fonts()
            ready.append(colors._namedColors is not None and "black" in colors._namedColors)
        threads = [threading.Thread(target=go) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(len(registered), sum(ready))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["4", "8"], done.stdout + done.stderr
