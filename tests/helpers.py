from __future__ import annotations

import httpx

from nexa.models import Admin, Customer
from tests.factories.accounts import ADMIN_PASSWORD, DEFAULT_PASSWORD


async def login_customer(
    client: httpx.AsyncClient, customer: Customer | str, password: str = DEFAULT_PASSWORD
) -> dict[str, str]:
    """Log in by customer or phone (pass the phone once a failed request expired the object)."""
    phone = customer if isinstance(customer, str) else customer.phone_number
    response = await client.post(
        "/customer/login", json={"phone_number": phone, "password": password}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def login_admin(
    client: httpx.AsyncClient, admin: Admin | str, password: str = ADMIN_PASSWORD
) -> dict[str, str]:
    email = admin if isinstance(admin, str) else admin.email
    response = await client.post("/admin/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
