"""The PostgreSQL server the tests use, and a fresh migrated database per test process.

NEXA_TEST_DATABASE_URL names a server (any database on it; CI points it at the local
server); without it an embedded PostgreSQL is started in .nexa/test-pg.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def server_url() -> str:
    url = os.environ.get("NEXA_TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql+psycopg://", "postgresql://").replace(
            "postgresql+psycopg2://", "postgresql://"
        )
    from nexa.core.db import start_embedded_postgres

    return start_embedded_postgres(ROOT / ".nexa" / "test", database="postgres")


def url_for_database(url: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = database
    params = {key: value for key, value in info.items() if value is not None}
    host = params.pop("host", "")
    port = params.pop("port", None)
    user = params.pop("user", "postgres")
    password = params.pop("password", "")
    dbname = params.pop("dbname")
    netloc = f"{user}:{password}@" if password else f"{user}@"
    if host and not host.startswith("/"):
        netloc += host + (f":{port}" if port else "")
        query = ""
    else:
        query = f"?host={host}" + (f"&port={port}" if port else "") if host else ""
    return f"postgresql://{netloc}/{dbname}{query}"


def recreate_database(url: str, database: str) -> str:
    """Drop and create `database` on the server of `url`; return its URL."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return url_for_database(url, database)


def drop_database(url: str, database: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
