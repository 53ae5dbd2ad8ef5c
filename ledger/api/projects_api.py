"""``/projects``: what involvement is paid for, under which rate card. Leads see their own projects."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.db.models import Role
from ledger.involvement.projects import create_project, get_project, list_projects, project_out
from ledger.involvement.schemas import MAX_ID, ProjectCreate, ProjectOut
from ledger.security.actor import Actor

PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]

READERS = require_roles(Role.LEAD, Role.AUDITOR, Role.FINANCE)


class ProjectController(Controller):
    path = "/projects"
    tags = ("Projects",)
    dependencies = PAGE_DEPENDENCIES

    @post("/", guards=[require_roles()], operation_id="createProject", summary="Add a project (administrators)",
          sync_to_thread=True)
    def create(self, data: ProjectCreate, db_session: Session, actor: Actor) -> ProjectOut:
        """The code must be unique (409 otherwise); the rate card must exist; the currency comes from it."""
        return project_out(create_project(db_session, actor, data))

    @get("/", guards=[READERS], operation_id="listProjects", summary="List projects", sync_to_thread=True)
    def list_all(
        self,
        db_session: Session,
        actor: Actor,
        page: PageParams,
        code: Annotated[str | None, Parameter(query="code", max_length=40, description="Only this code")] = None,
    ) -> Page[ProjectOut]:
        found = list_projects(db_session, actor, limit=page.limit, offset=page.offset, code=code)
        return Page(items=[project_out(p) for p in found.items], total=found.total,
                    limit=page.limit, offset=page.offset)

    @get("/{project_id:int}", guards=[READERS], operation_id="getProject", summary="One project",
         sync_to_thread=True)
    def get_one(self, project_id: PathId, db_session: Session, actor: Actor) -> ProjectOut:
        return project_out(get_project(db_session, actor, project_id))
