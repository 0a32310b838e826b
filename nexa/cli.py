"""`nexa`: one entry point for every operator task (thin wrappers over services)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from nexa.core.config import get_settings

# plain tracebacks: the pretty ones print local variables, which can hold passwords
cli = typer.Typer(
    help="NEXA: recharge and self-care backend.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@cli.callback()
def _setup() -> None:
    from nexa.core.logging import configure_logging

    configure_logging()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _prepare_database() -> str:
    """Resolve the database (embedded when DATABASE_URL is unset) and apply migrations."""
    from nexa.core.db import configure_database
    from nexa.core.migrate import upgrade_to_head

    settings = get_settings()
    if not settings.database_url:
        typer.echo(f"DATABASE_URL is not set: using the embedded PostgreSQL in {settings.data_dir}")
    url = configure_database()
    applied = upgrade_to_head(url)
    if applied:
        typer.echo(f"Applied {len(applied)} database migration(s): {', '.join(applied)}")
    else:
        typer.echo("Database schema is up to date")
    return url


async def _bootstrap(*, demo: bool) -> None:
    from nexa.admin import service as admin_service
    from nexa.core.db import dispose_engine, unit_of_work
    from nexa.demo_data import seed_demo

    async with unit_of_work() as db:
        admin = await admin_service.ensure_default_admin(db, get_settings())
        admin_email = admin.email if admin is not None else None
        seeded = await seed_demo(db) if demo else False
    await dispose_engine()
    if admin_email is not None:
        typer.echo(f"Created the default admin {admin_email} (change its password)")
    if seeded:
        typer.echo("Loaded the demo catalogue and CMS content")
    elif demo:
        typer.echo("A catalogue already exists: demo data not loaded")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="API worker processes")] = 1,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not run the in-process job worker")
    ] = False,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data if empty")] = False,
) -> None:
    """Apply migrations, create the default admin if needed, and serve the API."""
    import uvicorn

    _prepare_database()
    asyncio.run(_bootstrap(demo=demo))
    job_worker = None
    if not no_worker:
        from nexa.jobs import BackgroundWorker

        job_worker = BackgroundWorker()
        job_worker.start()
    typer.echo(f"NEXA listening on http://{host}:{port} (API docs at /docs)")
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into a normal exit so
    # the job worker stops and the embedded PostgreSQL is shut down by its exit hook
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        uvicorn.run(
            "nexa.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,  # our middleware logs requests without query strings
            proxy_headers=True,
        )
    finally:
        if job_worker is not None:
            job_worker.stop()


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs run at once")] = 4,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics at this port's /metrics")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Address of the metrics server")] = "127.0.0.1",
) -> None:
    """Run a job worker (periodic and deferred jobs) until stopped."""
    from nexa.jobs import run_worker

    _prepare_database()
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
        typer.echo(f"Worker metrics at http://{metrics_host}:{metrics_port}/metrics")
    asyncio.run(run_worker(concurrency=concurrency))


@cli.command()
def migrate() -> None:
    """Apply pending database migrations."""
    _prepare_database()


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True)],
    name: Annotated[str, typer.Option(prompt=True)],
    phone: Annotated[str, typer.Option(prompt=True, help="10-digit phone number")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create an administrator account."""
    from pydantic import ValidationError

    from nexa.admin import service as admin_service
    from nexa.admin.schemas import AdminCreate
    from nexa.core.db import dispose_engine, unit_of_work
    from nexa.core.errors import NexaError

    try:
        data = AdminCreate(name=name, email=email, phone_number=phone, password=password)
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(f"{'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    _prepare_database()

    async def create() -> int:
        try:
            async with unit_of_work() as db:
                return (await admin_service.create_admin(db, data)).admin_id
        finally:
            await dispose_engine()

    try:
        admin_id = asyncio.run(create())
    except NexaError as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Created admin {admin_id} <{data.email}>")


@cli.command("reset-admin-mfa")
def reset_admin_mfa(email: Annotated[str, typer.Option(prompt=True)]) -> None:
    """Turn off an admin's two-factor sign-in (a lost phone, or a new SECRET_KEY that cannot
    read the stored secret): the password alone signs in again."""
    from nexa.admin import service as admin_service
    from nexa.core.db import dispose_engine, unit_of_work

    _prepare_database()

    async def reset() -> bool:
        try:
            async with unit_of_work() as db:
                return await admin_service.reset_mfa(db, email)
        finally:
            await dispose_engine()

    if not asyncio.run(reset()):
        typer.echo(f"Error: no admin with the e-mail {email}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Two-factor sign-in is off for {email}")


@cli.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Demo catalogue and CMS content")] = False,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Realistic data over the last year (for tests)")
    ] = False,
    customers: Annotated[int, typer.Option(help="With --synthetic: customers")] = 1000,
    transactions: Annotated[int, typer.Option(help="With --synthetic: transactions")] = 10000,
    random_seed: Annotated[int, typer.Option("--seed", help="With --synthetic: data seed")] = 1,
) -> None:
    """Load data into the database: the demo catalogue, or synthetic customers and sales."""
    if demo == synthetic:
        typer.echo("Pass one of --demo or --synthetic", err=True)
        raise typer.Exit(2)
    _prepare_database()
    if demo:
        asyncio.run(_bootstrap(demo=True))
        return
    asyncio.run(_bootstrap(demo=False))
    from nexa.core.errors import NexaError

    try:
        asyncio.run(_seed_synthetic(customers, transactions, random_seed))
    except NexaError as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


async def _seed_synthetic(customers: int, transactions: int, random_seed: int) -> None:
    import time

    from nexa.core.db import dispose_engine, get_engine, unit_of_work
    from nexa.synthetic.service import SYNTHETIC_PASSWORD, refresh_statistics, seed_synthetic

    started = time.perf_counter()
    try:
        async with unit_of_work() as db:
            counts = await seed_synthetic(
                db, customers=customers, transactions=transactions, seed=random_seed
            )
        written = time.perf_counter() - started
        async with get_engine().connect() as connection:
            await refresh_statistics(
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            )
    finally:
        await dispose_engine()
    typer.echo(", ".join(f"{count} {name}" for name, count in counts.items()))
    typer.echo(
        f"Written in {written:.1f} s, statistics refreshed in "
        f"{time.perf_counter() - started - written:.1f} s; "
        f"every synthetic customer's password is {SYNTHETIC_PASSWORD!r}"
    )


@cli.command()
def backup() -> None:
    """Back up every business table and the CMS content now, into BACKUP_DIR."""
    from nexa.backup import service as backup_service
    from nexa.core.db import configure_database, dispose_engine
    from nexa.models import BackupStatus, BackupType

    configure_database()  # back up the database as it is: no migrations first

    async def run() -> object:
        try:
            return await backup_service.take_backup(
                admin_id=backup_service.COMMAND_LINE_ADMIN_ID,
                backup_type=BackupType.manual,
                trigger="command_line",
            )
        finally:
            await dispose_engine()

    taken: Any = asyncio.run(run())
    if taken.status != BackupStatus.completed:
        typer.echo(f"Backup {taken.backup_id} failed: {taken.error}", err=True)
        raise typer.Exit(1)
    counts = taken.data_list.get("record_counts", {})
    typer.echo(
        f"Backup {taken.backup_id} written to {taken.path} ({taken.size_bytes} bytes): "
        f"{sum(counts.values())} rows in {len(counts)} tables, "
        f"{taken.data_list.get('cms_documents', 0)} CMS documents"
    )


@cli.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup archive (backup_*.zip)")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
) -> None:
    """Replace all business data and CMS content with a backup's (after checking it and
    taking a safety backup)."""
    from nexa.backup import service as backup_service
    from nexa.core.db import dispose_engine
    from nexa.core.errors import NexaError
    from nexa.models import BackupStatus

    _prepare_database()

    async def check() -> Any:
        try:
            return await backup_service.verify_file(file)
        finally:
            await dispose_engine()

    try:
        manifest = asyncio.run(check())
    except NexaError as exc:
        typer.echo(f"Refused: {exc.detail} (nothing was changed)", err=True)
        raise typer.Exit(1) from exc
    rows = sum(manifest.record_counts.values())
    typer.echo(
        f"{file}: a NEXA backup of {manifest.created_at} at schema revision "
        f"{manifest.schema_revision}; {len(manifest.tables)} tables, {rows} rows, "
        f"{manifest.cms.rows} CMS documents; every checksum matches"
    )
    if not yes:
        typer.confirm("Replace ALL current data with this backup?", abort=True)

    async def run() -> Any:
        try:
            return await backup_service.restore_file(file, verified=manifest)
        finally:
            await dispose_engine()

    try:
        done = asyncio.run(run())
    except NexaError as exc:
        typer.echo(f"Refused: {exc.detail} (nothing was changed)", err=True)
        raise typer.Exit(1) from exc
    if done.status != BackupStatus.completed:
        typer.echo(f"Restore {done.restore_id} failed: {done.error}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"Restore {done.restore_id} completed: {len(done.data_list['tables_restored'])} tables "
        f"replaced (safety backup {done.safety_backup_id} taken first)"
    )


def main() -> None:
    cli()
