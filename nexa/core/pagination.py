"""`skip` / `limit` on every list, with the total in `X-Total-Count`; and `at_most`, the one way
to declare an integer query parameter that NEXA caps.

The reference API declares these numbers without a maximum, so a larger value is served as
NEXA's maximum instead of being refused with 422 (a page of `limit=1000` is a page of
`MAX_LIMIT` rows, and `X-Total-Count` tells the client there is more). Values below the
minimum and non-integers are still 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import AfterValidator
from pydantic.fields import FieldInfo

from nexa.core.schemas import MAX_DB_ID

DEFAULT_LIMIT, MAX_LIMIT = 100, 500
# no table holds more rows than a BIGINT id counts: skipping that many is an empty page
MAX_SKIP = MAX_DB_ID


def _capped(maximum: int, value: int | None) -> int | None:
    return None if value is None else min(value, maximum)


def at_most(maximum: int, description: str, *, ge: int = 1) -> FieldInfo:
    """A `Query()` for an integer >= `ge` whose larger values are served as `maximum`;
    use it as `Annotated[int, at_most(366, "Calendar days")]` (or `int | None`)."""
    query: FieldInfo = Query(
        ge=ge, description=f"{description} (larger values are served as {maximum})"
    )
    query.metadata.append(AfterValidator(partial(_capped, maximum)))
    return query


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int
    response: Response

    def set_total(self, total: int) -> None:
        self.response.headers["X-Total-Count"] = str(total)


async def page_params(
    response: Response,
    skip: Annotated[int, at_most(MAX_SKIP, "Rows to skip", ge=0)] = 0,
    limit: Annotated[int, at_most(MAX_LIMIT, "Rows to return")] = DEFAULT_LIMIT,
) -> Page:
    return Page(skip=skip, limit=limit, response=response)


PageParams = Annotated[Page, Depends(page_params)]
