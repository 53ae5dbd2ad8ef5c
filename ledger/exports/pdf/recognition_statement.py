""""What changed because of you" on a participant's statement: a block each statement renderer adds.

Only outcomes of activities the person took part in (and of whole projects they took part in) are on the
statement: ``ledger.recognition.outcomes.outcomes_for_participant`` decides, the statement builder copies
them into ``Statement.outcomes``. The standard and large print styles list them in a table (when, what
changed, from which activity); Easy Read says each in plain words beside a picture. No outcomes: no section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from reportlab.platypus import Flowable

from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.text import markup, plain_date, short_date
from ledger.recognition.data import OutcomeItem


class PictureSections(Protocol):
    """What the Easy Read statement renderer offers (named here so this module need not import it)."""

    def section(self, title: str, first: Flowable, *rest: Flowable) -> list[Flowable]: ...

    def with_picture(self, rows: list[tuple[str | None, list[str]]]) -> Any: ...

HEADING = "What changed because of you"
INTRO = "You told us what you think. This is what we decided or changed because of it."
#: A statement stays short: the newest few outcomes, and where to see the rest (the record of involvement).
MOST = 5


def newest(outcomes: Sequence[OutcomeItem]) -> list[OutcomeItem]:
    """The newest :data:`MOST` outcomes, oldest of them first."""
    return sorted(outcomes, key=lambda o: (o.outcome_date, o.id))[-MOST:]


def more_words(more: int) -> str:
    return (f"There {'is' if more == 1 else 'are'} {more} more. Ask us for your record of involvement: it lists "
            "all of them.")


def easy_read_more_words(more: int) -> list[str]:
    """Easy Read: one idea a line, and the record called by its Easy Read title ("record of taking part")."""
    return [f"There {'is' if more == 1 else 'are'} {more} more.", "Ask us for your record of taking part.",
            "It shows all of them."]


def _source(outcome: OutcomeItem) -> str:
    if outcome.activity_label and outcome.activity_date:
        return f"{outcome.activity_label}, {plain_date(outcome.activity_date)}"
    return f"the {outcome.project_name} project"


def outcomes_flowables(renderer: PdfRenderer, outcomes: Sequence[OutcomeItem]) -> list[Flowable]:
    """Standard and large print: a heading, one line of introduction, a paragraph per outcome."""
    if not outcomes:
        return []
    shown = newest(outcomes)
    rows: list[list[Any]] = [renderer.header_cells(["When", "What changed", "From"])]
    for outcome in shown:
        rows.append([short_date(outcome.outcome_date), renderer.para(markup(outcome.text), "cell"),
                     renderer.para(markup(_source(outcome)), "cell_small")])
    table = renderer.table(rows, (0.15, 0.55, 0.30))
    flow = renderer.starts_together([renderer.para(HEADING, "heading"), renderer.para(markup(INTRO))], table)
    if len(outcomes) > len(shown):
        flow.append(renderer.para(markup(more_words(len(outcomes) - len(shown)))))
    return flow


def easy_read_outcomes(renderer: PictureSections, outcomes: Sequence[OutcomeItem]) -> list[Flowable]:
    """Easy Read: the heading kept with the first outcome, each outcome as two short lines, a picture first."""
    if not outcomes:
        return []
    shown = newest(outcomes)
    lines = ["You told us what you think.", "This is what we changed because of it."]
    lines += [f"<b>{plain_date(o.outcome_date)}</b>: {markup(o.text)}" for o in shown]
    if len(outcomes) > len(shown):
        lines += easy_read_more_words(len(outcomes) - len(shown))
    return renderer.section(HEADING, renderer.with_picture([("question", lines)]))
