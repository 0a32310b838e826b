"""Every ORM table; migrations/env.py imports this module to see them all."""

from nexa.models.admin import Admin
from nexa.models.analytics import TransactionSummary, TransactionSummaryState
from nexa.models.audit import AuditLog
from nexa.models.auth_session import AuthSession, UserType
from nexa.models.backup import (
    Backup,
    BackupSchedule,
    BackupStatus,
    BackupType,
    Restore,
    ScheduleFrequency,
)
from nexa.models.base import Base
from nexa.models.catalog import Category, Offer, Plan, PlanStatus, PlanType
from nexa.models.cms import CmsDocument
from nexa.models.customer import AccountStatus, Customer, StatusReason
from nexa.models.invoice import Invoice, InvoiceCounter, InvoiceKind
from nexa.models.linked_account import LinkedAccount
from nexa.models.notification import (
    Notification,
    NotificationBroadcast,
    NotificationChannel,
    NotificationPreference,
    NotificationSource,
    NotificationType,
    PrioritySms,
    TestSms,
)
from nexa.models.operations import IdempotencyKey, TestClock
from nexa.models.otp import OneTimeCode, OtpPurpose
from nexa.models.payment import (
    DiscountType,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentRefund,
    PaymentState,
    PaymentStatus,
    RefundStatus,
    Transaction,
    TransactionType,
)
from nexa.models.postpaid import (
    AddonStatus,
    BillStatus,
    PostpaidActivation,
    PostpaidBill,
    PostpaidDataAddon,
    PostpaidSecondaryNumber,
    PostpaidStatus,
)
from nexa.models.recharge import (
    Line,
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
    UsageEvent,
)
from nexa.models.referral import (
    ReferralApplicationStatus,
    ReferralDiscount,
    ReferralProgram,
    ReferralStatus,
    ReferralUsageLog,
    VoucherRole,
)

__all__ = [
    "AccountStatus",
    "AddonStatus",
    "Admin",
    "AuditLog",
    "AuthSession",
    "Backup",
    "BackupSchedule",
    "BackupStatus",
    "BackupType",
    "Base",
    "BillStatus",
    "Category",
    "CmsDocument",
    "Customer",
    "DiscountType",
    "IdempotencyKey",
    "Invoice",
    "InvoiceCounter",
    "InvoiceKind",
    "Line",
    "LinkedAccount",
    "Notification",
    "NotificationBroadcast",
    "NotificationChannel",
    "NotificationPreference",
    "NotificationSource",
    "NotificationType",
    "Offer",
    "OneTimeCode",
    "OtpPurpose",
    "Payment",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentRefund",
    "PaymentState",
    "PaymentStatus",
    "Plan",
    "PlanStatus",
    "PlanType",
    "PostpaidActivation",
    "PostpaidBill",
    "PostpaidDataAddon",
    "PostpaidSecondaryNumber",
    "PostpaidStatus",
    "PrioritySms",
    "ReferralApplicationStatus",
    "ReferralDiscount",
    "ReferralProgram",
    "ReferralStatus",
    "ReferralUsageLog",
    "RefundStatus",
    "Restore",
    "ScheduleFrequency",
    "StatusReason",
    "Subscription",
    "SubscriptionQueue",
    "SubscriptionStatus",
    "TestClock",
    "TestSms",
    "Transaction",
    "TransactionSummary",
    "TransactionSummaryState",
    "TransactionType",
    "UsageEvent",
    "UserType",
    "VoucherRole",
]
