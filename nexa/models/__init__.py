"""Every ORM table; migrations/env.py imports this module to see them all."""

from nexa.models.admin import Admin
from nexa.models.auth_session import AuthSession, UserType
from nexa.models.base import Base
from nexa.models.catalog import Category, Offer, Plan, PlanStatus, PlanType
from nexa.models.cms import CmsDocument
from nexa.models.customer import AccountStatus, Customer, StatusReason

__all__ = [
    "AccountStatus",
    "Admin",
    "AuthSession",
    "Base",
    "Category",
    "CmsDocument",
    "Customer",
    "Offer",
    "Plan",
    "PlanStatus",
    "PlanType",
    "StatusReason",
    "UserType",
]
