"""`nexa seed --demo`: a small catalogue and CMS content an operator would show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog.repository import CategoryRepository
from nexa.cms.repository import get_store
from nexa.models import Category, Offer, Plan, PlanType

GB = 1024  # MB


def _plan(category: Category, name: str, price: str, days: int, **fields: object) -> Plan:
    return Plan(
        category_id=category.category_id,
        plan_name=name,
        price=Decimal(price),
        validity_days=days,
        **fields,
    )


CmsItem = tuple[str, int | None, dict[str, object]]


def _cms(collection: str, position: int | None, **body: object) -> CmsItem:
    return collection, position, body


async def seed_demo(db: AsyncSession) -> bool:
    """Add the demo catalogue once; returns False when a catalogue already exists."""
    if await CategoryRepository(db).any_exists():
        return False
    unlimited, data, postpaid, family = (
        Category(category_name="Unlimited"),
        Category(category_name="Data Packs"),
        Category(category_name="Postpaid"),
        Category(category_name="Family"),
    )
    db.add_all([unlimited, data, postpaid, family])
    await db.flush()

    prepaid = {"plan_type": PlanType.prepaid}
    calls = ["Unlimited voice calls", "100 SMS/day"]
    plans = [
        _plan(
            unlimited,
            "Smart 199",
            "199.00",
            28,
            description="1.5 GB/day for 28 days",
            data_allowance_mb=28 * 1536,
            daily_data_limit_mb=1536,
            sms_allowance=2800,
            benefits=calls,
            **prepaid,
        ),
        _plan(
            unlimited,
            "Smart 299",
            "299.00",
            28,
            description="2 GB/day for 28 days",
            data_allowance_mb=28 * 2 * GB,
            daily_data_limit_mb=2 * GB,
            sms_allowance=2800,
            benefits=[*calls, "Music streaming"],
            is_featured=True,
            **prepaid,
        ),
        _plan(
            unlimited,
            "Quarterly 719",
            "719.00",
            84,
            description="1.5 GB/day for 84 days",
            data_allowance_mb=84 * 1536,
            daily_data_limit_mb=1536,
            sms_allowance=8400,
            benefits=calls,
            **prepaid,
        ),
        _plan(
            unlimited,
            "Annual 2999",
            "2999.00",
            365,
            description="2.5 GB/day for a year",
            data_allowance_mb=365 * 2560,
            daily_data_limit_mb=2560,
            sms_allowance=36500,
            benefits=[*calls, "Video streaming"],
            is_featured=True,
            **prepaid,
        ),
        _plan(
            data,
            "Data Booster 19",
            "19.00",
            1,
            description="1 GB extra, ends with your plan",
            data_allowance_mb=1 * GB,
            is_topup=True,
            **prepaid,
        ),
        _plan(
            data,
            "Data Booster 58",
            "58.00",
            7,
            description="3 GB extra, ends with your plan",
            data_allowance_mb=3 * GB,
            is_topup=True,
            **prepaid,
        ),
        _plan(
            postpaid,
            "Postpaid 399",
            "399.00",
            30,
            plan_type=PlanType.postpaid,
            description="75 GB per month, unlimited calls",
            data_allowance_mb=75 * GB,
            talktime_allowance_minutes=None,
            benefits=calls,
        ),
        _plan(
            family,
            "Family 699",
            "699.00",
            30,
            plan_type=PlanType.postpaid,
            description="100 GB shared with up to 2 family numbers",
            data_allowance_mb=100 * GB,
            max_secondary_numbers=2,
            benefits=calls,
            is_featured=True,
        ),
        _plan(
            postpaid,
            "Postpaid Data Add-on 99",
            "99.00",
            0,
            plan_type=PlanType.postpaid,
            description="10 GB extra until the end of your bill cycle",
            data_allowance_mb=10 * GB,
            is_topup=True,
        ),
    ]
    db.add_all(plans)
    await db.flush()

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    db.add_all(
        [
            Offer(
                plan_id=plans[1].plan_id,
                offer_name="Festive 299 for 249",
                description="Save 50 on Smart 299",
                discounted_price=Decimal("249.00"),
                valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=30),
            ),
            Offer(
                plan_id=plans[3].plan_id,
                offer_name="Annual saver",
                description="10% off the annual plan",
                discounted_price=Decimal("2699.10"),
                valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=60),
            ),
        ]
    )

    cms_items = [
        _cms(
            "headers",
            None,
            title="Recharge in seconds",
            description="Plans for every day, data for every moment.",
            button_text="Recharge now",
            image_url="https://cdn.example.com/nexa/header.png",
        ),
        _cms(
            "carousels",
            1,
            title="Smart 299",
            details="2 GB/day, 28 days",
            price_text="₹249 (offer)",
            category_id=str(unlimited.category_id),
            image_url="https://cdn.example.com/nexa/smart-299.png",
            cta_text="Get offer",
        ),
        _cms(
            "carousels",
            2,
            title="Annual 2999",
            details="2.5 GB/day for a whole year",
            price_text="₹2,699.10",
            category_id=str(unlimited.category_id),
            image_url="https://cdn.example.com/nexa/annual.png",
            cta_text="Save 10%",
        ),
        _cms(
            "carousels",
            3,
            title="Family 699",
            details="One bill, three numbers",
            price_text="₹699/month",
            category_id=str(family.category_id),
            image_url="https://cdn.example.com/nexa/family.png",
            cta_text="Go postpaid",
        ),
        _cms(
            "faqs",
            1,
            question="How do I recharge another number?",
            answer="Open Recharge, enter the number, pick a plan and pay.",
            image_url=None,
        ),
        _cms(
            "faqs",
            2,
            question="What happens if I recharge while my plan is active?",
            answer="The new plan waits in your queue and starts when the current one ends.",
            image_url=None,
        ),
        _cms(
            "faqs",
            3,
            question="How does the referral programme work?",
            answer="Share your code: your friend gets 10% off the first recharge, "
            "you get 30% off your next one.",
            image_url=None,
        ),
        _cms(
            "faqs",
            4,
            question="When is my postpaid bill due?",
            answer="Seven days after your 30-day billing cycle closes.",
            image_url=None,
        ),
    ]
    store = get_store(db)  # PostgreSQL, or MongoDB when configured
    for collection, position, body in cms_items:
        await store.insert(collection, dict(body), is_active=True, position=position)
    await db.flush()
    return True
