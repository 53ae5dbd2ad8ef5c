"""Paging for every list: ``limit`` and ``offset`` in the query, ``total`` in the answer.

Controllers take ``page: PageParams`` (injected from the query string) and return ``Page[T]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.di import Provide
from litestar.params import Parameter

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# OFFSET is a signed 64-bit integer in SQLite and PostgreSQL: a larger one overflowed the driver (a 500);
# bounding it here makes it a 422 naming ``offset``, and no list is ever that long anyway.
MAX_OFFSET = 2**63 - 1


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: the items, how many match in total, and the window asked for."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def provide_page_params(
    limit: Annotated[
        int, Parameter(query="limit", ge=1, le=MAX_LIMIT, description="How many items to return (at most 500).")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Parameter(query="offset", ge=0, le=MAX_OFFSET, description="How many items to skip.")
    ] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PAGE_DEPENDENCIES = {"page": Provide(provide_page_params, sync_to_thread=False)}
