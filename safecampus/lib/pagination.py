"""Page-number pagination for API lists: ``?page=2&page_size=100`` (at most API_PAGE_SIZE_MAX)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import Field

M = TypeVar("M", bound=Model)


class PageParams(Schema):
    page: int = Field(1, ge=1, description="1-based page number.")
    page_size: int = Field(
        settings.NINJA_PAGINATION_PER_PAGE,
        ge=1,
        le=settings.API_PAGE_SIZE_MAX,
        description=f"Items per page, at most {settings.API_PAGE_SIZE_MAX}.",
    )


class PageOut(Schema):
    """What every list returns around its items (each list declares its own ``items``)."""

    count: int = Field(examples=[1935], description="Items matching the filters, all pages.")
    page: int = Field(examples=[1])
    page_size: int = Field(examples=[50])


@dataclass
class Page(Generic[M]):
    count: int
    page: int
    page_size: int
    items: list[M]

    def as_dict(self, items: list[Any] | None = None) -> dict[str, Any]:
        """The response body; ``items`` replaces the model rows when they need shaping."""
        return {
            "count": self.count,
            "page": self.page,
            "page_size": self.page_size,
            "items": self.items if items is None else items,
        }


def paginate(queryset: QuerySet[M], params: PageParams) -> Page[M]:
    """One COUNT and one SELECT of the page; a page past the end is empty, not an error."""
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    items = list(queryset[start : start + params.page_size]) if start < count else []
    return Page(count=count, page=params.page, page_size=params.page_size, items=items)
