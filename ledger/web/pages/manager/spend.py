"""``/manager``: spend per project against budget, days from activity to payment, spend by month and by
activity, as charts with the same figures in tables; CSV and PDF downloads of the same report.

Who: the API's spend readers (``ledger.api.reports_api.SPEND_READERS``): finance, auditors, leads and
administrators. A lead sees only their own projects, exactly as ``GET /reports/spend`` scopes them.
Every figure comes from ``ledger.reports.spend.spend_report`` (the one service the API and ``ledger report
spend`` use, fast because it reads roll-up summaries); this page only reads the filters and lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Response, Template
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Project, Role
from ledger.errors import FieldProblem, Invalid, NotFound
from ledger.exports.pdf import render_spend_report
from ledger.involvement.record_lists import visible_projects
from ledger.money import display_amount
from ledger.rates.taxyear import resolve_period, tax_year_start
from ledger.reports.spend import spend_csv, spend_report
from ledger.reports.spend_data import SpendReport
from ledger.security.actor import Actor
from ledger.web.auth import page_roles
from ledger.web.forms import Form, form_from
from ledger.web.pages.manager.charts import BarChart, bar_chart, whole
from ledger.web.pages.manager.common import read_iso_date
from ledger.web.render import page

Download = Response[bytes] | Template

SPEND_READERS = page_roles(Role.FINANCE, Role.AUDITOR, Role.LEAD)
"""The same roles as the API's spend report (administrators always)."""

YEARS_BACK = 6


@dataclass(frozen=True, slots=True)
class SpendQuery:
    """What the filters asked for, once checked."""

    period_from: date | None
    period_to: date | None
    project: Project | None


def money(amount: Decimal | None, currency: str) -> str:
    return "–" if amount is None else display_amount(amount, currency)


def tax_years(today: date) -> list[tuple[str, str]]:
    """The tax years offered (this one first): ``("2025", "2025 to 2026")``."""
    first = tax_year_start(today).year
    return [(str(y), f"6 April {y} to 5 April {y + 1}") for y in range(first, first - YEARS_BACK, -1)]


def read_filters(session: Session, actor: Actor, query: Mapping[str, str],
                 problems: list[FieldProblem]) -> SpendQuery:
    """The tax year (or dates) and project asked for; every problem is added to ``problems``."""
    period_from = read_iso_date(query, "date_from", problems)
    period_to = read_iso_date(query, "date_to", problems)
    year_text = (query.get("year") or "").strip()
    if year_text and period_from is None and period_to is None and not problems:
        if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            problems.append(FieldProblem("year", "must be a tax year from the list"))
        else:
            period_from = date(int(year_text), 4, 6)
            period_to = date(int(year_text) + 1, 4, 5)
    if period_from and period_to and period_from > period_to:
        problems.append(FieldProblem("date_from", f"the first day ({period_from:%-d %B %Y}) is after the last day "
                                                  f"({period_to:%-d %B %Y}); swap the dates"))
    project = None
    project_text = (query.get("project") or "").strip()
    if project_text:
        found = session.get(Project, int(project_text)) if project_text.isdigit() and len(project_text) < 18 else None
        if found is None or not actor.can_see_project(found.id):
            problems.append(FieldProblem("project", "must be one of your projects, chosen from the list"))
        else:
            project = found
    return SpendQuery(period_from, period_to, project)


def report_for(session: Session, actor: Actor, wanted: SpendQuery) -> SpendReport:
    """The report the API would give this actor: their projects (a lead), or every project, or the one chosen."""
    if wanted.project is not None:
        ids: list[int] | None = [wanted.project.id]
    else:
        ids = list(actor.project_ids) if actor.role == Role.LEAD and actor.project_ids is not None else None
    title = f"Involvement spend: {wanted.project.name}" if wanted.project else "Involvement spend: all projects"
    if wanted.project is None and actor.role == Role.LEAD and ids is not None:
        title = "Involvement spend: my projects"
    return spend_report(session, ids, wanted.period_from, wanted.period_to, title=title)


def charts(report: SpendReport) -> list[BarChart]:
    """The four charts; the template draws each with its table."""
    cur = report.currency
    budget = [
        (f"{p.name} ({p.code}): {money(p.paid, cur)} paid, {money(p.committed, cur)} approved not yet paid"
         + (f", budget {money(p.budget, cur)}" if p.budget is not None else ", no budget set"),
         [whole(p.paid), whole(p.committed)], whole(p.budget) if p.budget is not None else None)
        for p in report.projects
    ]
    days = [
        (f"{p.name} ({p.code}): half were paid within {p.days_to_payment_median} days, 9 in 10 within "
         f"{p.days_to_payment_p90} days", [whole(p.days_to_payment_median, 1)], None)
        for p in report.projects if p.days_to_payment_median is not None
    ]
    months = [
        (f"{_month_words(m.month)}: fees {money(m.fees, cur)}, expenses {money(m.expenses, cur)}",
         [whole(m.fees), whole(m.expenses)], None)
        for m in report.months()
    ]
    activities = [
        (f"{a.label}: fees {money(a.fees, cur)}, expenses {money(a.expenses, cur)}",
         [whole(a.fees), whole(a.expenses)], None)
        for a in report.totals.by_activity
    ]
    return [
        bar_chart("budget", "Spend per project against budget",
                  "For each project, a bar for what was paid (solid) and what is approved but not yet paid "
                  "(hatched), with a line at the project's budget. The table below gives the same figures.",
                  ("Paid", "Approved, not yet paid"), budget, marker_words="Budget"),
        bar_chart("days", "Days from the activity to payment (median)",
                  "For each project, how many days after the activity half of the people were paid. The table "
                  "gives the same figures and the 90th percentile.", ("Median days",), days),
        bar_chart("months", "Spend by month",
                  "For each month of the period, fees (solid) and expenses (hatched) approved for activities in "
                  "that month. The table gives the same figures.", ("Fees", "Expenses"), months),
        bar_chart("activities", "Spend by kind of activity",
                  "For each kind of activity, fees (solid) and expenses (hatched). The table gives the same "
                  "figures and the time paid for.", ("Fees", "Expenses"), activities),
    ]


def _month_words(month: str) -> str:
    return date.fromisoformat(f"{month}-01").strftime("%B %Y")


def _filename(report: SpendReport, wanted: SpendQuery) -> str:
    what = wanted.project.code if wanted.project else "projects"
    return f"spend-{what}-{report.period_from.isoformat()}-to-{report.period_to.isoformat()}"


def _read(request: Request[Any, Any, Any], session: Session, actor: Actor) -> tuple[Form, SpendQuery | None]:
    query = dict(request.query_params)
    problems: list[FieldProblem] = []
    wanted = read_filters(session, actor, query, problems)
    form = form_from(query)
    if not query.get("year") and not query.get("date_from") and not query.get("date_to"):
        start, _ = resolve_period(None, None, clock.today())
        form.values["year"] = str(start.year)
    form.add_problems(problems)
    return form, (None if problems else wanted)


def _spend_page(request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
    form, wanted = _read(request, db_session, actor)
    report = None
    if wanted is not None:
        try:
            report = report_for(db_session, actor, wanted)
        except Invalid as exc:
            form.add_problems(exc, fallback="project")
    query = urlencode(sorted((k, v) for k, v in request.query_params.items() if v))
    return page(request, "manager/spend.html", {
        "form": form, "report": report, "charts": charts(report) if report else [],
        "projects": visible_projects(db_session, actor), "years": tax_years(clock.today()),
        "money": money, "month_words": _month_words, "download_query": query,
    }, status=400 if form.errors else 200)


@get("/manager", name="manager-spend", guards=[SPEND_READERS], sync_to_thread=True)
def spend_page(request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
    return _spend_page(request, db_session, actor)


def _download(request: Request[Any, Any, Any], session: Session, actor: Actor, fmt: str) -> Response[bytes] | Template:
    _form, wanted = _read(request, session, actor)
    if wanted is None:
        return _spend_page(request, session, actor)  # the page, with the problems beside the fields
    report = report_for(session, actor, wanted)
    name = _filename(report, wanted)
    if fmt == "csv":
        return Response(spend_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(render_spend_report(report), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


DOWNLOADS = ("csv", "pdf")


@get("/manager/download/{fmt:str}", name="manager-spend-download", guards=[SPEND_READERS], sync_to_thread=True)
def spend_download(request: Request[Any, Any, Any], db_session: Session, actor: Actor, fmt: str) -> Download:
    """The same CSV or PDF as ``ledger report spend`` and the API, for the filters chosen.

    A path of its own (not ``/manager?format=``) so the page itself is always HTML.
    """
    if fmt not in DOWNLOADS:
        raise NotFound(f"there is no {fmt!r} download of the spend report; there are: {', '.join(DOWNLOADS)}")
    return _download(request, db_session, actor, fmt)


PAGES: list[Any] = [spend_page, spend_download]
