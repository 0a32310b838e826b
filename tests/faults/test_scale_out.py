"""Scale-out on one database: two `nexa serve --no-worker` and two `nexa worker` processes
under a recharge load.

* every periodic job runs once per tick (however many workers compete for it);
* no SMS or push is delivered twice (a recording gateway counts every delivery);
* SSE works across processes: a customer streaming from API A receives a notification
  written through API B.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import psycopg
import pytest

from tests.factories.accounts import unique_phone
from tests.live import LiveCluster, admin_token, free_port, make_prepaid_plan, register_and_login

EVERY_MINUTE = {
    "recharge:subscription_lifecycle",
    "notification:deliver_notifications_sweep",
    "backup:scheduled_backups",
}


class Gateway:
    """An SMS/push gateway on loopback that records the Idempotency-Key of each delivery."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                gateway.keys.append(self.headers.get("Idempotency-Key", ""))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def cluster() -> Iterator[LiveCluster]:
    cluster = LiveCluster.create("scale")
    try:
        yield cluster
    finally:
        cluster.close()


def stream_titles(base_url: str, token: str, found: list[str], ready: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=base_url, timeout=httpx.Timeout(90, connect=10)) as http,
        http.stream("GET", "/customer/notifications/stream", headers=headers) as stream,
    ):
        try:
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    ready.set()
                if line.startswith("data: "):
                    found.append(str(json.loads(line[6:])["title"]))
        except httpx.TransportError:
            return  # the servers were stopped at the end of the test


def test_two_apis_two_workers(cluster: LiveCluster) -> None:
    gateway = Gateway()
    providers = {
        "NEXA_SMS_PROVIDER": "http",
        "NEXA_SMS_HTTP_URL": f"{gateway.url}/sms",
        "NEXA_PUSH_PROVIDER": "http",
        "NEXA_PUSH_HTTP_URL": f"{gateway.url}/push",
    }
    try:
        api_a = cluster.api("api-a", **providers).start()
        api_b = cluster.api("api-b", **providers).start()
        started = int(time.time())
        for name in ("worker-1", "worker-2"):
            cluster.worker(name, **providers).start()
        admin = admin_token(api_b.base_url)
        plan_id = make_prepaid_plan(api_b.base_url, admin)
        listener_phone = unique_phone()
        listener = register_and_login(api_a.base_url, listener_phone)
        buyers = [register_and_login(api.base_url, unique_phone()) for api in (api_a, api_b)]

        # SSE: connected to A
        streamed: list[str] = []
        connected = threading.Event()
        threading.Thread(
            target=stream_titles,
            args=(api_a.base_url, listener, streamed, connected),
            daemon=True,
        ).start()
        assert connected.wait(20), "the stream did not open"

        # load through both APIs until the next minute's tick has run
        stop = threading.Event()
        answers: Counter[int] = Counter()

        def load(index: int) -> None:
            api = (api_a, api_b)[index % 2]
            with httpx.Client(base_url=api.base_url, timeout=30) as http:
                while not stop.is_set():
                    response = http.post(
                        "/customer/recharge",
                        json={
                            "plan_id": plan_id,
                            "payment_method": "upi",
                            "recipient_phone_number": unique_phone(),
                        },
                        headers={
                            "Authorization": f"Bearer {buyers[index % 2]}",
                            "Idempotency-Key": str(uuid.uuid4()),
                        },
                    )
                    answers[response.status_code] += 1
                    time.sleep(0.05)

        threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(4)]
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            # a notification written through B reaches the stream on A
            with httpx.Client(base_url=api_b.base_url, timeout=30) as http:
                me = http.get("/customer/profile", headers={"Authorization": f"Bearer {listener}"})
                sent = http.post(
                    "/admin/notifications/send",
                    json={
                        "title": "Across processes",
                        "message": "Sent through B",
                        "channel": "push",
                        "customer_ids": [me.json()["customer_id"]],
                    },
                    headers={"Authorization": f"Bearer {admin}"},
                )
                assert sent.status_code == 200, sent.text
            deadline = time.monotonic() + 15
            while "Across processes" not in streamed and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "Across processes" in streamed, streamed

            time.sleep(max(0.0, load_started + 10 - time.monotonic()))  # ~10 s of load
        finally:
            stop.set()
        for thread in threads:
            thread.join(30)
        next_tick = (int(time.time()) // 60 + 1) * 60
        time.sleep(max(0.0, next_tick - time.time()) + 12)  # a tick, and time to run it
        assert answers[200] > 20 and set(answers) == {200}, answers

        with psycopg.connect(cluster.database_url, autocommit=True) as db:
            # every queued SMS/push is delivered, then each exactly once
            deadline = time.monotonic() + 120
            pending = None
            while time.monotonic() < deadline:
                pending = db.execute(
                    "SELECT count(*) FROM notification WHERE channel IN ('sms', 'push') "
                    "AND status = 'pending'"
                ).fetchone()
                if pending == (0,):
                    break
                time.sleep(0.5)
            assert pending == (0,)
            sent_rows = db.execute(
                "SELECT count(*) FROM notification WHERE channel IN ('sms', 'push') "
                "AND status = 'sent'"
            ).fetchone()
            assert sent_rows is not None and sent_rows[0] > 20
            deliveries = Counter(gateway.keys)
            assert [key for key, count in deliveries.items() if count > 1] == []
            assert len(deliveries) == sent_rows[0]

            ticks = db.execute(
                """SELECT task_name, args->>'timestamp', count(*),
                          count(*) FILTER (WHERE status = 'succeeded'), min(worker_id)
                   FROM procrastinate_jobs WHERE args ? 'timestamp'
                   GROUP BY 1, 2"""
            ).fetchall()
            workers = db.execute(
                "SELECT count(DISTINCT worker_id) FROM procrastinate_jobs"
                " WHERE worker_id IS NOT NULL"
            ).fetchone()
        assert [t for t in ticks if t[2] != 1] == [], "a periodic tick ran more than once"
        assert [t for t in ticks if t[3] != 1] == [], "a periodic tick did not run"
        after_start = Counter(t[0] for t in ticks if int(t[1]) >= started)
        for task in EVERY_MINUTE:
            assert after_start[task] >= 1, (task, ticks)
        assert workers is not None
        print(
            f"\nscale-out: {answers[200]} recharges through 2 APIs, {sent_rows[0]} SMS/push each "
            f"delivered once, {len(ticks)} periodic ticks each run once, "
            f"jobs taken by {workers[0]} worker processes, SSE across processes OK"
        )
    finally:
        gateway.close()
