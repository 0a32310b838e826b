"""kill -9 of the API process in the middle of a recharge load.

After a restart, every recharge that was answered 200 has its transaction and subscription;
no transaction is half-written (a payment without its plan); and retrying the requests whose
answers were lost, with their Idempotency-Key, charges each one exactly once. A purchase
killed between its checkout's steps is open (202 on a retry) until the reconciliation job
settles it; then the retry answers as the purchase would have (docs/decisions.md#payment-lifecycle).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, admin_token, make_prepaid_plan, register_and_login

CLIENTS = 6


@dataclass
class Attempt:
    customer: int
    key: str
    body: dict[str, object]
    status: int | None = None  # None: no answer (the process died under it)
    transaction_id: int | None = None
    subscription_id: int | None = None


@pytest.fixture
def cluster() -> Iterator[LiveCluster]:
    cluster = LiveCluster.create("crash")
    try:
        yield cluster
    finally:
        cluster.close()


def send(http: httpx.Client, token: str, attempt: Attempt) -> None:
    try:
        response = http.post(
            "/customer/recharge",
            json=attempt.body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": attempt.key},
        )
    except httpx.TransportError:
        attempt.status = None
        return
    attempt.status = response.status_code
    if response.status_code == 200:
        attempt.transaction_id = response.json()["transaction_id"]
        attempt.subscription_id = response.json()["subscription_id"]


def test_kill_minus_9_during_recharges(cluster: LiveCluster) -> None:
    api = cluster.api("api-crash").start()
    plan_id = make_prepaid_plan(api.base_url, admin_token(api.base_url))
    tokens = [register_and_login(api.base_url, unique_phone()) for _ in range(CLIENTS)]
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(index: int) -> None:
        with httpx.Client(base_url=api.base_url, timeout=10) as http:
            while not stop.is_set():
                attempt = Attempt(
                    index,
                    str(uuid.uuid4()),
                    {
                        "plan_id": plan_id,
                        "payment_method": "upi",
                        "recipient_phone_number": unique_phone(),
                    },
                )
                with lock:
                    attempts.append(attempt)
                send(http, tokens[index], attempt)
                if attempt.status is None:
                    return  # the server is gone

    threads = [threading.Thread(target=load, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # kill once a fair number of purchases went through
        with lock:
            if sum(a.status == 200 for a in attempts) >= 40:
                break
        time.sleep(0.05)
    api.kill()
    stop.set()
    for thread in threads:
        thread.join(30)
    answered = [a for a in attempts if a.status == 200]
    lost = [a for a in attempts if a.status is None]
    assert len(answered) >= 40, [a.status for a in attempts]
    assert not [a for a in attempts if a.status not in (200, None)]

    api.start()  # same port, same database
    worker = cluster.worker("worker-crash").start()  # reconciliation settles what was cut off
    try:
        with httpx.Client(base_url=api.base_url, timeout=30) as http:
            for attempt in lost:  # the client retries what it got no answer for
                deadline = time.monotonic() + 150
                send(http, tokens[attempt.customer], attempt)
                while attempt.status == 202 and time.monotonic() < deadline:
                    time.sleep(2)  # still open: the job asks the provider within a minute
                    send(http, tokens[attempt.customer], attempt)
                assert attempt.status == 200, attempt
    finally:
        worker.stop()

    with psycopg.connect(cluster.database_url) as db:
        half_written = db.execute(
            """SELECT count(*) FROM transaction t
               LEFT JOIN subscription s ON s.transaction_id = t.transaction_id
               WHERE t.payment_status = 'success' AND s.subscription_id IS NULL"""
        ).fetchone()
        assert half_written == (0,)
        for attempt in attempts:
            row = db.execute(
                """SELECT t.payment_status, t.recipient_phone_number, s.phone_number
                   FROM transaction t JOIN subscription s ON s.transaction_id = t.transaction_id
                   WHERE t.transaction_id = %s AND s.subscription_id = %s""",
                (attempt.transaction_id, attempt.subscription_id),
            ).fetchone()
            recipient = attempt.body["recipient_phone_number"]
            assert row == ("success", recipient, recipient), attempt
        charged = db.execute(
            "SELECT count(*) FROM transaction WHERE payment_status = 'success'"
        ).fetchone()
    # one charge per idempotency key: nothing lost, nothing charged twice
    assert charged == (len(attempts),)
    print(
        f"\nkill -9 under load: {len(answered)} answered before the kill, {len(lost)} in flight "
        f"retried after restart, {len(attempts)} purchases, {len(attempts)} transactions"
    )
