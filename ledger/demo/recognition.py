"""The demo's recognition step: leads report back on some activities and not others, and people get a
record of involvement in each style.

Run after the pay runs and before statements and reports, so statements show the outcomes of each
person's activities and the spend report's "involvement at a glance" shows where reporting back slips.
Writes into ``<out>/recognition/``: one record of involvement per style (PDF, with its verification code,
and the summary a checker would see as JSON) and the list of activities with nothing reported back.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Activity, Participant, Record, RecordStatus
from ledger.exports.pdf.recognition import render_record
from ledger.recognition.outcomes import add_outcome, overdue_activities
from ledger.recognition.record import issue_record
from ledger.recognition.schemas import OutcomeIn

if TYPE_CHECKING:
    from ledger.demo.run import Demo

#: How the demo's file list names who these files are for (``ledger demo`` prints it as the heading).
WHO_RECOGNITION = ("Leads and participants: records of involvement with verification codes (each style) and "
                   "activities with nothing reported back")

OUTCOME_WORDS = {
    "meeting": ("The clinic letters now say what will happen at the first appointment, as the group asked.",
                "Evening appointments start next month because the group said daytime slots shut people out.",
                "The waiting area has a quiet corner now, suggested at this meeting."),
    "document_review": ("The participant information sheet was rewritten in the plain words you suggested.",
                        "The Easy Read letter now has pictures beside each step, as reviewers asked."),
    "interview_panel": ("The panel's choice was appointed as the new peer support worker.",),
    "co_facilitation": ("Staff rated the training highly; it is now part of every new starter's first week.",),
    "survey": ("Meetings moved to Tuesday afternoons, the time most people chose.",),
}
REPORT_SHARE = 0.6  # about six activities in ten get an outcome; the rest show up as "nothing reported back"


def recognise(demo: Demo) -> None:
    """Add outcomes to some activities (and one for a whole project), then write the recognition files."""
    lead = demo.staff["lead_a"]
    rng = demo.rng

    def activities(session: Session) -> list[tuple[int, str, date]]:
        took_part = select(Record.id).where(Record.activity_id == Activity.id,
                                            Record.status == RecordStatus.APPROVED.value).exists()
        return [(int(a), str(k), d) for a, k, d in session.execute(
            select(Activity.id, Activity.activity, Activity.date).where(took_part)
            .order_by(Activity.date, Activity.id))]

    found = demo.run(activities)
    latest: date | None = None
    for activity_id, kind, day in found:
        if rng.random() >= REPORT_SHARE:
            continue
        on = day + timedelta(days=rng.choice((14, 21, 28, 35)))
        words = rng.choice(OUTCOME_WORDS.get(kind, OUTCOME_WORDS["meeting"]))
        with clock.as_of(on):
            demo.call(add_outcome, lead, OutcomeIn(text=words, date=on, activity=activity_id))
        latest = on if latest is None or on > latest else latest
    if latest is not None:
        with clock.as_of(latest):
            demo.call(add_outcome, lead, OutcomeIn(
                text="The redesign plan now includes a peer support service, because of this group's work.",
                date=latest, project=demo.project_ids[-1]))
    write_files(demo)


def write_files(demo: Demo) -> None:
    folder = demo.out / "recognition"
    folder.mkdir(parents=True, exist_ok=True)

    def busiest(session: Session) -> dict[str, int]:
        """For each style, the person with that statement style who took part most."""
        rows = session.execute(
            select(Participant.id, Participant.statement_style, func.count(Record.id))
            .join(Record, Record.participant_id == Participant.id)
            .where(Record.status == RecordStatus.APPROVED.value)
            .group_by(Participant.id, Participant.statement_style)
            .order_by(func.count(Record.id).desc(), Participant.id))
        chosen: dict[str, int] = {}
        for pid, style, _count in rows:
            chosen.setdefault(style, pid)
        return chosen

    lead = demo.staff["lead_a"]
    for style, participant_id in sorted(demo.run(busiest).items()):
        record = demo.call(issue_record, lead, participant_id, style=style)
        stem = f"involvement-{record.summary.participant_reference.replace('-', '')}-{style}"
        pdf = folder / f"{stem}.pdf"
        pdf.write_bytes(render_record(record))
        (folder / f"{stem}.json").write_text(json.dumps(
            {"code": record.code, "check_address": record.check_address, "summary": record.summary.to_json()},
            indent=2) + "\n")
        demo.summary.add_file(WHO_RECOGNITION, pdf)
    overdue = demo.call(overdue_activities, lead)
    lines = [f"{o.date.isoformat()}  {o.project_name}: {o.activity_label}"
             f"{' (' + o.description + ')' if o.description else ''}, {o.people} people, {o.weeks_waiting} weeks"
             for o in overdue]
    text = ("Activities with nothing reported back after 8 weeks (ledger outcomes overdue):\n"
            + ("\n".join(lines) if lines else "none") + "\n")
    path = folder / "overdue-outcomes.txt"
    path.write_text(text)
    demo.summary.add_file(WHO_RECOGNITION, path)
