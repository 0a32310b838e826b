"""`skip` / `limit` on every list, with the total in `X-Total-Count`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Response

DEFAULT_LIMIT, MAX_LIMIT = 100, 500


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int
    response: Response

    def set_total(self, total: int) -> None:
        self.response.headers["X-Total-Count"] = str(total)


async def page_params(
    response: Response,
    skip: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Rows to return (at most {MAX_LIMIT})")
    ] = DEFAULT_LIMIT,
) -> Page:
    return Page(skip=skip, limit=limit, response=response)


PageParams = Annotated[Page, Depends(page_params)]
