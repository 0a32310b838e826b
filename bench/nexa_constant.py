"""NEXA's own stack answering a constant: the ceiling of `GET /customer/plans` inside NEXA.

The same app as `nexa serve` (middleware, authentication, rate limits, logging) plus one
route that answers the plan list as a constant JSON body to an authenticated customer, so
that the cost of the catalogue itself can be told apart from the cost of the framework.
Run by bench/run.py; not part of the service.
"""

from __future__ import annotations

import os

from fastapi import Response

from nexa.auth.dependencies import CustomerPrincipal
from nexa.main import create_app

PLANS_JSON = os.environ.get("BENCH_PLANS_JSON", "[]").encode()

app = create_app()


@app.get("/bench/plans-constant")
async def plans_constant(customer: CustomerPrincipal) -> Response:
    return Response(PLANS_JSON, media_type="application/json")


# matched first, like the catalogue router in NEXA (routes are tried in order)
app.router.routes.insert(0, app.router.routes.pop())
