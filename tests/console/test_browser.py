"""The admin console in headless Chromium against a real `nexa serve --demo` (its own
database, requests commit): sign-in, the dashboard's charts drawn from real sales, a plan
created in the console reaching the customers' catalogue, a customer search and status
change, and every page (transactions export, notifications, CMS reorder, backup and a
confirmed restore, audit log), and a payment found by its status, its timeline and a refund
in two parts. Screenshots: .nexa/test-artifacts/console/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.console.browser import ARTIFACTS, TIMEOUT, Browser, require_browser
from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, Process, free_port

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@nexa.com", "admin123"
CUSTOMER_PASSWORD = "console-pass-1"


@dataclass
class Shop:
    """What the tests put in the database through the API before opening the console."""

    server: Process
    token: str  # a unique word in every seeded customer's name
    customers: list[dict[str, Any]] = field(default_factory=list)
    revenue_today: Decimal = Decimal("0")
    plans_sold: set[str] = field(default_factory=set)
    prepaid_plan_ids: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def customer_token(self, phone: str) -> str:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            login = http.post(
                "/customer/login", json={"phone_number": phone, "password": CUSTOMER_PASSWORD}
            )
            assert login.status_code == 200, login.text
            return str(login.json()["access_token"])

    def admin_get(self, path: str) -> Any:
        """An admin API answer, read outside the browser."""
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            login = http.post(
                "/admin/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            answer = http.get(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
            return answer.json()

    def customer_catalogue(self) -> list[dict[str, Any]]:
        token = self.customer_token(self.customers[0]["phone_number"])
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            plans = http.get("/customer/plans", headers={"Authorization": f"Bearer {token}"})
            assert plans.status_code == 200, plans.text
            return list(plans.json())


def register(http: httpx.Client, full_name: str) -> dict[str, Any]:
    created = http.post(
        "/customer/register",
        json={
            "phone_number": unique_phone(),
            "password": CUSTOMER_PASSWORD,
            "full_name": full_name,
        },
    )
    assert created.status_code == 200, created.text
    return dict(created.json())


def recharge(http: httpx.Client, token: str, plan_id: int, phone: str) -> dict[str, Any]:
    """A paid recharge (the demo's payment simulator approves it)."""
    paid = http.post(
        "/customer/recharge",
        headers={"Authorization": f"Bearer {token}"},
        json={"plan_id": plan_id, "recipient_phone_number": phone, "payment_method": "upi"},
    )
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


def seed(server: Process) -> Shop:
    """Three customers (one unique word in their names) and five paid recharges today."""
    shop = Shop(server, token=f"Zeph{uuid.uuid4().hex[:6]}")
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for first in ("Asha", "Ravi", "Meena"):
            shop.customers.append(register(http, f"{first} {shop.token}"))
        token = shop.customer_token(shop.customers[0]["phone_number"])
        auth = {"Authorization": f"Bearer {token}"}
        catalogue = http.get("/customer/plans", headers=auth).json()
        base_plans = [
            plan for plan in catalogue if plan["plan_type"] == "Prepaid" and not plan["is_topup"]
        ]
        assert len(base_plans) >= 2, "the demo catalogue has prepaid plans"
        shop.prepaid_plan_ids = [plan["plan_id"] for plan in base_plans]
        for index, customer in enumerate(shop.customers):
            buyer = shop.customer_token(customer["phone_number"])
            for plan in base_plans[: 2 if index < 2 else 1]:
                paid = recharge(http, buyer, plan["plan_id"], customer["phone_number"])
                shop.revenue_today += Decimal(str(paid["final_amount"]))
                shop.plans_sold.add(plan["plan_name"])
    return shop


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    require_browser()
    cluster = LiveCluster.create("console")
    try:
        port = free_port()
        process = Process(
            "api-console",
            ["serve", "--port", str(port), "--demo"],  # the Quick start, with its job worker
            cluster.env(BACKUP_DIR=str(cluster.workdir / "backups"), NEXA_LOG_JSON="false"),
            cluster.workdir / "api-console.log",
            port,
        )
        cluster.processes.append(process)
        process.start()
        yield seed(process)
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def browser(shop: Shop) -> Iterator[Browser]:
    instance = Browser(shop.base_url)
    try:
        yield instance
    finally:
        instance.quit()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """The browser, signed out at the start of each test; on failure a screenshot and the
    browser log are saved; no script error or CSP refusal may appear in the log."""
    (ARTIFACTS / f"FAILED-{request.node.name}.png").unlink(missing_ok=True)
    browser.open()
    browser.driver.execute_script("window.sessionStorage.clear();")
    browser.driver.refresh()
    yield browser
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        browser.screenshot(f"FAILED-{request.node.name}")
    errors = browser.console_errors()
    assert not errors, f"the browser logged errors: {errors}"


def sign_in(browser: Browser) -> None:
    browser.wait_for("#login-form")
    browser.fill("#login-email", ADMIN_EMAIL)
    browser.fill("#login-password", ADMIN_PASSWORD)
    browser.find("#login-submit").click()
    browser.wait_for("main[data-ready='true']")


def money(amount: Decimal) -> str:
    return f"₹{amount:,.2f}"


# --- the flows ------------------------------------------------------------------------------


def test_sign_in_dashboard_charts_refresh_and_sign_out(page: Browser, shop: Shop) -> None:
    # a wrong password: the API's message, readable, and no way in
    page.wait_for("#login-form")
    page.fill("#login-email", ADMIN_EMAIL)
    page.fill("#login-password", "not-the-password")
    page.find("#login-submit").click()
    error = page.wait_for("#login-form .alert-error")
    assert "Incorrect credentials" in error.text
    page.screenshot("01-login-error")

    page.fill("#login-password", ADMIN_PASSWORD)
    page.find("#login-submit").click()
    page.wait_ready("dashboard")
    assert page.find("#who").text == ADMIN_EMAIL

    # today's figures are the seeded sales
    assert page.find("[data-stat='today-revenue'] .stat-value").text == money(shop.revenue_today)
    assert page.find("[data-stat='today-recharges'] .stat-value").text == "5"
    assert page.find("[data-stat='today-new-customers'] .stat-value").text == "3"
    assert int(page.find("[data-stat='active-subscriptions'] .stat-value").text) >= 3
    assert page.find("[data-stat='period-revenue'] .stat-value").text == money(shop.revenue_today)

    # the four charts are drawn, with the data
    revenue = page.find("#chart-revenue")
    assert int(revenue.get_attribute("data-points")) == 30
    assert Decimal(revenue.get_attribute("data-max")) == shop.revenue_today
    bars = revenue.find_elements("css selector", "rect.bar")
    assert len(bars) == 30
    assert float(bars[-1].get_attribute("height")) > 0  # today's bar
    growth = page.find("#chart-growth")
    assert growth.find_elements("css selector", "polyline.line")
    assert int(growth.get_attribute("data-max")) == 3
    referrals = page.find("#chart-referrals")
    assert referrals.find_elements("css selector", "svg.chart-svg")
    plans = page.find("#chart-plans")
    assert int(plans.get_attribute("data-points")) == len(shop.plans_sold)
    labels = {text.text for text in plans.find_elements("css selector", "text.tick-left")}
    assert labels == shop.plans_sold
    top = page.find("#top-plans")
    assert all(name in top.text for name in shop.plans_sold)
    page.screenshot("02-dashboard")

    # another period and the weekly revenue
    page.go("dashboard", "days=7&period=weekly")
    assert page.find("#chart-revenue").find_elements("css selector", "rect.bar")
    assert "7 days" in page.find("main").text

    # an expired access token: the console refreshes it once and carries on
    before = page.storage()
    page.driver.execute_script(
        "const s = JSON.parse(sessionStorage.getItem('nexa.console.session'));"
        "s.access = 'expired.or.forged';"
        "sessionStorage.setItem('nexa.console.session', JSON.stringify(s));"
    )
    page.go("customers")
    after = page.storage()
    assert after["access"] not in ("expired.or.forged", before["access"])
    assert not page.alerts()

    # a refresh that fails too: back to the sign-in, with a reason
    page.driver.execute_script(
        "sessionStorage.setItem('nexa.console.session', JSON.stringify("
        "{access: 'bad', refresh: 'bad', email: 'x'}));"
    )
    page.driver.execute_script("window.location.hash = '#/transactions';")
    page.wait_text("#login-form .alert-info", "session has ended")
    sign_in(page)

    # sign out: the tokens are gone and refused by the API
    tokens = page.storage()
    page.find("#logout").click()
    page.wait_text("#login-form .alert-info", "signed out")
    assert page.storage() == {}
    with httpx.Client(base_url=shop.base_url, timeout=30) as http:
        refused = http.get(
            "/admin/customers/stats", headers={"Authorization": f"Bearer {tokens['access']}"}
        )
        assert refused.status_code == 401


def test_create_a_plan_and_find_it_in_the_customer_catalogue(page: Browser, shop: Shop) -> None:
    sign_in(page)
    page.go("catalog")
    name = f"Console Plan {uuid.uuid4().hex[:6]}"

    # the API's refusal is shown in the dialog, which stays open
    page.find("#new-plan").click()
    dialog = page.wait_for("dialog[open]")
    dialog.find_element("css selector", "[name=plan_name]").send_keys(name)
    dialog.find_element("css selector", "[name=price]").send_keys("0")
    dialog.find_element("css selector", "[name=description]").send_keys("Made in the console")
    dialog.find_element("css selector", "button[type=submit]").click()
    refusal = page.wait_text("dialog[open] .dialog-error", "price")
    assert "greater than 0" in refusal.text

    price = dialog.find_element("css selector", "[name=price]")
    price.clear()
    price.send_keys("249")
    validity = dialog.find_element("css selector", "[name=validity_days]")
    validity.clear()
    validity.send_keys("24")
    dialog.find_element("css selector", "[name=data_allowance_gb]").send_keys("36")
    dialog.find_element("css selector", "[name=daily_data_limit_gb]").send_keys("1.5")
    dialog.find_element("css selector", "[name=benefits]").send_keys("Unlimited calls\n100 SMS/day")
    dialog.find_element("css selector", "[name=is_featured]").click()
    dialog.find_element("css selector", "button[type=submit]").click()
    page.wait(lambda _: not page.find_all("dialog[open]"))
    page.wait_text(".alert-ok", f"Plan “{name}” created")
    row = page.row_with("#plans-table", name)
    assert "Active" in row.text and "₹249.00" in row.text
    page.screenshot("03-plan-created")

    # customers see it, with what the form said
    offered = {plan["plan_name"]: plan for plan in shop.customer_catalogue()}
    assert name in offered
    plan = offered[name]
    assert (plan["price"], plan["validity_days"], plan["is_featured"]) == (249.0, 24, True)
    assert plan["data_allowance_gb"] == 36.0
    assert plan["benefits"] == ["Unlimited calls", "100 SMS/day"]

    # edit it, then deactivate it: it leaves the catalogue
    row.find_element("css selector", "[data-action=edit]").click()
    dialog = page.wait_for("dialog[open]")
    price = dialog.find_element("css selector", "[name=price]")
    price.clear()
    price.send_keys("239")
    dialog.find_element("css selector", "button[type=submit]").click()
    page.wait_text(".alert-ok", "saved")
    row = page.row_with("#plans-table", name)
    assert "₹239.00" in row.text
    row.find_element("css selector", "[data-action=deactivate]").click()
    page.wait_text(".alert-ok", "now inactive")
    assert "Inactive" in page.row_with("#plans-table", name).text
    assert name not in {plan["plan_name"] for plan in shop.customer_catalogue()}

    # an offer on the demo plan: created, then ended now (deactivated)
    page.find("#new-offer").click()
    dialog = page.wait_for("dialog[open]")
    offer_name = f"Console deal {uuid.uuid4().hex[:4]}"
    dialog.find_element("css selector", "[name=offer_name]").send_keys(offer_name)
    dialog.find_element("css selector", "[name=pricing] option[value=percent]").click()
    dialog.find_element("css selector", "[name=amount]").send_keys("10")
    dialog.find_element("css selector", "button[type=submit]").click()
    page.wait_text(".alert-ok", f"Offer “{offer_name}” created")
    offer = page.row_with("#offers-table", offer_name)
    assert "Active" in offer.text
    offer.find_element("css selector", "[data-action=deactivate]").click()
    page.wait_text(".alert-ok", "ended now")
    assert "Expired" in page.row_with("#offers-table", offer_name).text
    page.screenshot("04-catalog")


def test_search_customers_and_change_a_status(page: Browser, shop: Shop) -> None:
    sign_in(page)
    page.go("customers")
    target = shop.customers[1]
    page.fill("#customer-search", f"ravi {shop.token.lower()}")
    page.submit("#customer-search-submit", "customers")
    rows = page.find_all("#customers-table tbody tr")
    assert len(rows) == 1
    assert target["full_name"] in rows[0].text and target["phone_number"] in rows[0].text
    page.screenshot("05-customer-search")

    # the unique word finds all three; a search for nothing says so
    page.fill("#customer-search", shop.token)
    page.submit("#customer-search-submit", "customers")
    assert len(page.find_all("#customers-table tbody tr")) == 3
    page.fill("#customer-search", f"nobody-{uuid.uuid4().hex[:6]}")
    page.submit("#customer-search-submit", "customers")
    assert "No customer matches" in page.find("#customer-results .empty").text

    # suspend with a reason: the customer can no longer sign in; activate again
    page.go("customers", f"search_term={target['phone_number']}")
    page.find("#customers-table [data-action=suspend]").click()
    dialog = page.wait_for("dialog[open]")
    confirm = dialog.find_element("css selector", "button[type=submit]")
    assert not confirm.is_enabled()  # a reason is required
    dialog.find_element("css selector", "[name=reason]").send_keys("Console test")
    confirm.click()
    page.wait_text("#customers-table tbody tr", "Suspended")
    with httpx.Client(base_url=shop.base_url, timeout=30) as http:
        refused = http.post(
            "/customer/login",
            json={"phone_number": target["phone_number"], "password": CUSTOMER_PASSWORD},
        )
        assert refused.status_code == 403
    page.find("#customers-table [data-action=activate]").click()
    page.wait_text("#customers-table tbody tr", "Active")
    shop.customer_token(target["phone_number"])  # signs in again


def test_every_page_and_its_main_task(page: Browser, shop: Shop) -> None:
    sign_in(page)
    customer = shop.customers[2]

    # transactions: a filter, then the CSV export of what it matches
    page.go("transactions", f"customer_phone={customer['phone_number']}")
    assert len(page.find_all("#transactions-table tbody tr")) == 1
    page.find("#export-csv").click()
    page.wait_text(".alert-ok", "Exported 1 transactions to transactions_export_")
    # the sale's tax invoice, as a PDF named after its number
    [row] = page.find_all("#transactions-table tbody tr")
    transaction_id = row.find_element("css selector", "td").text
    invoice = shop.admin_get(f"/admin/transactions/{transaction_id}/invoice")
    page.find(f"#invoice-{transaction_id}").click()
    page.wait_text(".alert-ok", f"Downloaded {invoice['number'].replace('/', '-')}.pdf")
    page.go("transactions", "payment_status=failed")
    page.wait_text("#transaction-results .empty", "No transaction matches")
    assert "null" not in page.find("#transaction-results").text  # no pager, not even "null"
    page.screenshot("06-transactions")

    # subscriptions: the running plans, the (empty) queue
    page.go("subscriptions", f"customer_id={customer['customer_id']}")
    assert len(page.find_all("#subscriptions-table tbody tr")) == 1
    page.go("subscriptions", "view=queue")  # the first two customers bought a second plan
    assert len(page.find_all("#subscriptions-table tbody tr")) == 2
    page.go("subscriptions", f"view=queue&customer_id={customer['customer_id']}")
    assert "The queue is empty" in page.find("#subscription-results .empty").text

    # notifications: find a customer, send, see it in the history
    page.go("notifications")
    page.fill("#notify-lookup", customer["phone_number"])
    page.find("#notify-find").click()
    page.wait_for(f"[data-customer-id='{customer['customer_id']}']").click()
    page.wait_text("#notify-recipients", customer["full_name"])
    title = f"Console hello {uuid.uuid4().hex[:4]}"
    page.fill("#notify-title", title)
    page.fill("#notify-message", "A message from the console")
    page.find("#notify-send").click()
    page.wait_text(".alert-ok", "1 sent")
    page.row_with("#notifications-table", title)
    assert page.find("input[name=audience][value=chosen]").is_selected()  # the form is reset
    page.screenshot("07-notifications")

    # CMS: move the first FAQ down with its button
    page.go("cms")
    first = page.find("#cms-faqs-table tbody tr")
    question = first.find_elements("css selector", "td")[1].text
    first.find_element("css selector", "[data-action=down]").click()
    page.wait(
        lambda _: (
            page.find_all("#cms-faqs-table tbody tr")[1].find_elements("css selector", "td")[1].text
            == question
        )
    )
    assert page.find("#cms-faqs-table tbody tr [data-action=up]").get_attribute("disabled")
    page.screenshot("08-cms")

    # backups: take one, then restore it after typing its name
    page.go("backups")
    page.wait_text("#backup-list .empty", "No backups yet")
    page.find("#backup-now").click()
    row = page.wait_text("#backups-table tbody tr", "Completed", timeout=TIMEOUT * 3)
    file_name = row.find_elements("css selector", "td")[1].text
    row.find_element("css selector", "[data-action=restore]").click()
    dialog = page.wait_for("dialog[open]")
    confirm = dialog.find_element("css selector", "button[type=submit]")
    assert not confirm.is_enabled()
    dialog.find_element("css selector", "#restore-confirm-name").send_keys(file_name[:-1])
    assert not confirm.is_enabled()
    dialog.find_element("css selector", "#restore-confirm-name").send_keys(file_name[-1])
    page.screenshot("09-restore-confirmation")
    confirm.click()
    page.wait_text("#restores-table tbody tr", "Completed", timeout=TIMEOUT * 3)
    schedule = page.find("#schedule-frequency")
    schedule.find_element("css selector", "option[value=daily]").click()
    page.driver.execute_script("document.querySelector('#schedule-time').value = '03:30';")
    page.find("#schedule-save").click()
    page.wait_text("#schedule-status", "daily at 03:30")
    page.screenshot("10-backups")

    # the audit log lists what the console did
    page.go("audit")
    audit = page.find("#audit-table").text
    for action in ("notification.send", "backup.create", "restore.start", "backup.schedule"):
        assert action in audit, audit
    page.go("audit", "target_type=nothing-like-this")
    page.wait_text("#audit-results .empty", "No entry matches")
    page.go("audit")
    page.screenshot("11-audit-log")

    # every page renders without an error
    for name in (
        "dashboard",
        "customers",
        "catalog",
        "subscriptions",
        "notifications",
        "cms",
        "payments",
    ):
        page.go(name)
        assert not page.alerts(), f"{name}: {page.alerts()}"


def test_a_payment_its_timeline_and_a_refund_in_two_parts(page: Browser, shop: Shop) -> None:
    # a recharge by a new customer: the simulator approves it, its payment is captured
    with httpx.Client(base_url=shop.base_url, timeout=30) as http:
        customer = register(http, f"Payer {shop.token}")
        token = shop.customer_token(customer["phone_number"])
        paid = recharge(http, token, shop.prepaid_plan_ids[0], customer["phone_number"])
    payment_id = paid["payment_id"]
    amount = Decimal(str(paid["final_amount"]))
    assert payment_id and amount > 10

    # the list filtered by status, then the payment opened from its row
    sign_in(page)
    page.go("payments")
    page.find("#payment-filter-status option[value=captured]").click()
    page.submit("#payment-filters button[type=submit]", "payments")
    assert "status=captured" in page.driver.current_url
    rows = page.find_all("#payments-table tbody tr")
    assert rows and all("Captured" in row.text for row in rows)
    row = page.row_with("#payments-table", payment_id)
    assert money(amount) in row.text and f"#{customer['customer_id']}" in row.text
    page.mark_stale()
    row.find_elements("css selector", "td")[2].click()  # the order's cell, not the link
    page.wait_ready("payments")
    assert payment_id in page.find("#payment-detail h2").text
    assert "Captured" in page.find("#payment-status").text
    assert page.find("[data-stat='payment-left'] .stat-value").text == money(amount)
    assert "selected" in page.row_with("#payments-table", payment_id).get_attribute("class")

    # the timeline shows every event the API has, in order
    view = shop.admin_get(f"/admin/payments/{payment_id}")
    events = page.find_all("#payment-timeline tbody tr")
    assert len(view["timeline"]) >= 2 and len(events) == len(view["timeline"])
    for shown, event in zip(events, view["timeline"], strict=True):
        cells = [cell.text for cell in shown.find_elements("css selector", "td")]
        assert cells[1].lower() == event["status"].replace("_", " ")
        assert cells[2].lower() == event["source"].replace("_", " ")
    assert "captured" in [event["status"] for event in view["timeline"]]
    assert "No refund" in page.find("#payment-detail").text
    # its tax invoice, downloadable
    [invoice] = page.find_all("#payment-documents tbody tr")
    assert "Invoice" in invoice.text and money(amount) in invoice.text

    # a refund of more than is left: the API's refusal, in the dialog that stays open
    page.find("#refund-payment").click()
    dialog = page.wait_for("dialog[open]")
    assert money(amount) in dialog.text  # what is left, also what an empty amount refunds
    confirm = dialog.find_element("css selector", "button[type=submit]")
    assert not confirm.is_enabled()  # the confirmation is required
    dialog.find_element("css selector", "#refund-amount").send_keys("100000")
    dialog.find_element("css selector", "#refund-reason").send_keys("Console refund test")
    dialog.find_element("css selector", "[name=confirm]").click()
    confirm.click()
    refusal = page.wait_text("dialog[open] .dialog-error", "can still be refunded")
    assert money(amount).replace(",", "") in refusal.text.replace(",", "")

    # 10.00 of it: the refund is listed, the payment partially refunded
    page.fill("dialog[open] #refund-amount", "10.00")
    page.wait_text("#refund-summary", "₹10.00 goes back")
    page.screenshot("12-payment-refund-dialog")
    confirm.click()
    page.wait(lambda _: not page.find_all("dialog[open]"))
    page.wait_text(".alert-ok", "of ₹10.00: processed")
    page.wait_text("#payment-status", "Partially refunded")
    refund = page.row_with("#payment-refunds", "₹10.00")
    assert "Processed" in refund.text and "Console refund test" in refund.text
    assert page.find("[data-stat='payment-refunded'] .stat-value").text == "₹10.00"
    assert page.find("[data-stat='payment-left'] .stat-value").text == money(amount - 10)
    # a credit note of -10.00 beside the invoice, downloadable as a PDF
    note = page.row_with("#payment-documents", "Credit note")
    assert "-₹10.00" in note.text
    note.find_element("css selector", "button").click()
    page.wait_text(".alert-ok", "Downloaded NXCN-")
    # the list is reloaded too: the payment no longer matches the "captured" filter
    page.wait(lambda _: payment_id not in page.find("#payment-results").text)
    view = shop.admin_get(f"/admin/payments/{payment_id}")
    assert view["status"] == "partially_refunded"
    assert Decimal(str(view["refunded_amount"])) == Decimal("10.00")
    page.screenshot("13-payment-detail")

    # the rest, amount left empty: refunded in full, and no refund button any more
    page.find("#refund-payment").click()
    dialog = page.wait_for("dialog[open]")
    assert f"{money(amount - 10)} goes back" in page.find("#refund-summary").text
    dialog.find_element("css selector", "[name=confirm]").click()
    dialog.find_element("css selector", "button[type=submit]").click()
    page.wait(lambda _: not page.find_all("dialog[open]"))
    page.wait_text("#payment-status", "Refunded")
    assert not page.find_all("#refund-payment")
    assert len(page.find_all("#payment-refunds tbody tr")) == 2
    documents = page.find_all("#payment-documents tbody tr")
    assert [d.text.count("Credit note") for d in documents].count(1) == 2  # one per refund
    invoices = shop.admin_get(f"/admin/invoices?payment_id={payment_id}&kind=invoice")
    assert invoices[0]["net_amount"] == 0.0
    view = shop.admin_get(f"/admin/payments/{payment_id}")
    assert (view["status"], Decimal(str(view["refunded_amount"]))) == ("refunded", amount)
