"""Projects: what involvement is paid for, under which rate card, against which budget.

A project's currency comes from its rate card, so a project never mixes currencies. Leads see only the
projects their token names (``Actor.project_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemySyncRepository
from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.db.models import Project, Role
from ledger.errors import Conflict, FieldProblem, Invalid, NotFound
from ledger.involvement.access import ensure_role, visible_project_ids
from ledger.involvement.amounts import TOO_LARGE, too_large
from ledger.involvement.schemas import ProjectCreate, ProjectOut
from ledger.money import Money, MoneyError, parse_amount
from ledger.rates.registry import CardRegistry, default_registry
from ledger.security.actor import Actor

READERS = (Role.LEAD, Role.AUDITOR, Role.FINANCE)


class ProjectRepository(SQLAlchemySyncRepository[Project]):
    model_type = Project


@dataclass(frozen=True)
class ProjectPage:
    items: list[Project]
    total: int


def create_project(
    session: Session, actor: Actor, data: ProjectCreate, *, registry: CardRegistry | None = None
) -> Project:
    """Add a project (administrators only). Its code is unique; its rate card must exist."""
    ensure_role(actor, doing="create projects")
    cards = registry or default_registry()
    problems: list[FieldProblem] = []
    code = data.code.strip()
    if not code:
        problems.append(FieldProblem("code", "must not be empty"))
    elif len(code) > 40:
        problems.append(FieldProblem("code", "must be at most 40 characters"))
    if not data.name.strip():
        problems.append(FieldProblem("name", "must not be empty"))
    elif len(data.name) > 200:
        problems.append(FieldProblem("name", "must be at most 200 characters"))
    if data.cost_code is not None and len(data.cost_code) > 40:
        problems.append(FieldProblem("cost_code", "must be at most 40 characters"))
    currency: str | None = None
    if data.rate_card not in cards:
        known = ", ".join(cards.keys())
        problems.append(FieldProblem("rate_card", f"there is no rate card called {data.rate_card!r}; known: {known}"))
    else:
        currency = cards.get(data.rate_card).currency
    budget_minor: int | None = None
    if data.budget is not None and currency is not None and too_large(data.budget):
        problems.append(FieldProblem("budget", TOO_LARGE))  # before parsing: a huge one was a 500
    elif data.budget is not None and currency is not None:
        try:
            budget = parse_amount(data.budget, currency, what="budget")
        except MoneyError as exc:
            problems.append(FieldProblem("budget", str(exc)))
        else:
            if budget < 0:
                problems.append(FieldProblem("budget", "must not be negative"))
            else:
                budget_minor = Money(budget, currency).minor
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    assert currency is not None
    if session.scalar(select(Project.id).where(Project.code == code)) is not None:
        raise Conflict(f"A project with the code {code!r} already exists. Choose another code.",
                       [FieldProblem("code", "is already used by another project")])
    project = Project(code=code, name=data.name.strip(), rate_card=data.rate_card, currency=currency,
                      budget_minor=budget_minor, cost_code=data.cost_code or None)
    session.add(project)
    session.flush()
    record_event(session, actor, "project.create", "project", project.id, None, snapshot(project))
    return project


def get_project(session: Session, actor: Actor, project_id: int) -> Project:
    ensure_role(actor, *READERS, doing="read projects")
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"There is no project with id {project_id}.")
    actor.ensure_project(project_id)
    return project


def list_projects(session: Session, actor: Actor, *, limit: int, offset: int, code: str | None = None) -> ProjectPage:
    """Projects by id; a lead sees only the projects on their token."""
    ensure_role(actor, *READERS, doing="read projects")
    filters: list[ColumnElement[bool]] = []
    scope = visible_project_ids(actor)
    if scope is not None:
        filters.append(Project.id.in_(scope) if scope else false())
    if code is not None:
        filters.append(Project.code == code)
    repo = ProjectRepository(session=session, auto_commit=False)
    items, total = repo.get_many_and_count(
        *filters, LimitOffset(limit=limit, offset=offset), OrderBy(field_name="id", sort_order="asc")
    )
    return ProjectPage(items=list(items), total=total)


def project_out(project: Project) -> ProjectOut:
    budget = None if project.budget_minor is None else Money.from_minor(project.budget_minor, project.currency).text()
    return ProjectOut(id=project.id, code=project.code, name=project.name, rate_card=project.rate_card,
                      currency=project.currency, budget=budget, cost_code=project.cost_code,
                      created_at=project.created_at)


def snapshot(project: Project) -> dict[str, Any]:
    return {"code": project.code, "name": project.name, "rate_card": project.rate_card,
            "currency": project.currency, "budget_minor": project.budget_minor, "cost_code": project.cost_code}
