from tests.recharge.conftest import admin_headers, buyer

__all__ = ["admin_headers", "buyer"]
