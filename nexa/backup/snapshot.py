"""Moving whole tables between PostgreSQL and a backup archive, with COPY, as streams.

Which tables: every ordinary table of the schema, found in the catalogue (so a table added
by a later migration is covered without a change here), except
* the job queue's (`procrastinate_*`) and `alembic_version` (the schema revision goes into
  the manifest instead);
* `EXCLUDED_TABLES` below, each with the reason.

A backup reads them all in one read-only REPEATABLE READ transaction (after an ACCESS SHARE
lock on each, taken before the snapshot, so a concurrent restore is either wholly before or
wholly after it). A restore replaces them all in the caller's transaction: ACCESS EXCLUSIVE
locks (other writers wait), foreign keys dropped and re-added (so load order and the
transaction <-> subscription cycle do not matter, and the re-add checks the loaded data),
row triggers paused (restored rows are not new events: no live notifications), tables
emptied and filled with COPY, sequences moved past the restored ids.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.backup.archive import (
    CHUNK,
    CMS_MEMBER,
    ArchiveReader,
    ArchiveWriter,
    Digest,
    InvalidBackup,
    MemberInfo,
    TableEntry,
    check_compatible,
    check_digest,
    table_member,
)

# table -> why it is not in backups (docs/decisions.md#backup-scope)
EXCLUDED_TABLES: dict[str, str] = {
    "auth_session": "login sessions and their revocations: a restore must not bring back "
    "a session that was logged out; it ends the sessions of accounts it removes",
    "idempotency_key": "stored answers of recent requests; a restore empties it, since "
    "the answers may name rows the restore removed",
    "test_clock": "the test installation's clock offset (never in production)",
    "one_time_code": "one-time codes live minutes; a restore must not bring back their "
    "hashes, nor the counts the resend limits use",
    "priority_sms": "one-time code SMS waiting to be sent (their sealed text) or sent: "
    "minutes of life, and codes are never kept",
    "test_sms": "the simulated SMS gateway's inbox for testers (never in production)",
    "cms_document": "CMS content is saved through the CMS store (cms/documents.jsonl), so a "
    "backup restores whether the content lives in PostgreSQL or MongoDB",
    "backup": "backup history: survives a restore",
    "restore": "restore history: survives a restore",
    "backup_schedule": "the backup schedule: survives a restore",
}
SYSTEM_TABLES = {"alembic_version"}
SYSTEM_PREFIXES = ("procrastinate_",)
# Backed up like the others, but a restore adds the backup's rows that are missing and keeps
# the current ones: an audit trail outlives a restore (including the restore's own entry).
APPEND_ONLY_TABLES = frozenset({"audit_log"})

Layout = dict[str, list[str]]

_TABLES = """
SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = current_schema()::regnamespace
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attgenerated = ''
GROUP BY c.relname
ORDER BY c.relname
"""
_FOREIGN_KEYS = """
SELECT k.conname, r.relname, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class r ON r.oid = k.conrelid
JOIN pg_class f ON f.oid = k.confrelid
WHERE k.contype = 'f' AND r.relnamespace = current_schema()::regnamespace
  AND (r.relname = ANY(%(tables)s) OR f.relname = ANY(%(tables)s))
ORDER BY r.relname, k.conname
"""
_ROW_TRIGGERS = """
SELECT c.relname, t.tgname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 1) = 1
  AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%(tables)s)
ORDER BY c.relname, t.tgname
"""
_SEQUENCES = """
SELECT s.oid::regclass::text, t.relname, a.attname
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i')
  AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%(tables)s)
ORDER BY t.relname, a.attname
"""
_PRIMARY_KEY = """
SELECT array_agg(a.attname::text ORDER BY a.attnum)
FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = %(table)s::regclass AND i.indisprimary
"""
# the same text rendering of values on both sides of a backup
_SESSION_SETTINGS = (
    "SET LOCAL client_encoding TO 'UTF8'",
    "SET LOCAL DateStyle TO 'ISO, YMD'",
    "SET LOCAL IntervalStyle TO 'postgres'",
    "SET LOCAL extra_float_digits TO 3",
    "SET LOCAL statement_timeout TO 0",
    "SET LOCAL idle_in_transaction_session_timeout TO 0",
)


def is_business_table(name: str) -> bool:
    return (
        name not in EXCLUDED_TABLES
        and name not in SYSTEM_TABLES
        and not name.startswith(SYSTEM_PREFIXES)
    )


async def driver(db: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under a session, inside the session's transaction."""
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    return cast("psycopg.AsyncConnection[Any]", raw.driver_connection)


async def all_tables(pg: psycopg.AsyncConnection[Any]) -> Layout:
    cursor = await pg.execute(_TABLES)
    return {str(name): list(columns) for name, columns in await cursor.fetchall()}


async def business_layout(pg: psycopg.AsyncConnection[Any]) -> Layout:
    """Every business table of this database and its columns (in column order)."""
    return {name: cols for name, cols in (await all_tables(pg)).items() if is_business_table(name)}


async def schema_revision(pg: psycopg.AsyncConnection[Any]) -> str | None:
    cursor = await pg.execute("SELECT version_num FROM alembic_version")
    row = await cursor.fetchone()
    return str(row[0]) if row else None


def _names(names: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(name) for name in names)


async def _settings(pg: psycopg.AsyncConnection[Any]) -> None:
    for statement in _SESSION_SETTINGS:
        await pg.execute(statement)


# --- backup -------------------------------------------------------------------------------------


@dataclass
class SnapshotResult:
    schema_revision: str
    tables: dict[str, TableEntry]
    cms: MemberInfo


async def write_snapshot(
    db: AsyncSession,
    writer: ArchiveWriter,
    layout: Layout,
    export_cms: Callable[[AsyncSession], Awaitable[list[dict[str, Any]]]],
) -> SnapshotResult:
    """Copy every table of `layout` and the CMS documents into `writer`, in one snapshot.

    `db` must be a fresh session: this sets its transaction read-only REPEATABLE READ and
    locks the tables (ACCESS SHARE) before the snapshot is taken.
    """
    await db.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    pg = await driver(db)
    await _settings(pg)
    tables = sorted(layout)
    if tables:
        await pg.execute(sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(_names(tables)))
    # the snapshot starts here; the layout must still be the one the caller planned for
    if await business_layout(pg) != layout:
        raise RuntimeError("the database schema changed while the backup started; try again")
    revision = await schema_revision(pg)
    if revision is None:
        raise RuntimeError("the database has no schema revision (run `nexa migrate`)")
    entries: dict[str, TableEntry] = {}
    for table in tables:
        member = await asyncio.to_thread(writer.member, table_member(table))
        statement = sql.SQL("COPY {} ({}) TO STDOUT").format(
            sql.Identifier(table), _names(layout[table])
        )
        buffer = bytearray()
        async with pg.cursor() as cursor, cursor.copy(statement) as copy:
            async for data in copy:
                buffer += data
                if len(buffer) >= CHUNK:
                    await asyncio.to_thread(member.write, bytes(buffer))
                    buffer.clear()
        if buffer:
            await asyncio.to_thread(member.write, bytes(buffer))
        info = await asyncio.to_thread(member.close)
        entries[table] = TableEntry(**vars(info), columns=layout[table])
    documents = await export_cms(db)
    member = await asyncio.to_thread(writer.member, CMS_MEMBER)
    for document in documents:
        line = json.dumps(document, sort_keys=True, ensure_ascii=False).encode() + b"\n"
        await asyncio.to_thread(member.write, line)
    cms = await asyncio.to_thread(member.close)
    return SnapshotResult(schema_revision=revision, tables=entries, cms=cms)


# --- restore ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    record_counts: dict[str, int]
    # append-only tables: rows of the backup added to the current ones
    merged: dict[str, int]


async def _copy_in(
    pg: psycopg.AsyncConnection[Any],
    reader: ArchiveReader,
    target: sql.Composable,
    columns: list[str],
    expected: MemberInfo,
) -> None:
    """Stream one member into `COPY target FROM STDIN`, checking it against the manifest."""
    digest = Digest()
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(target, _names(columns))
    with reader.open_member(expected.file) as stream:
        async with pg.cursor() as cursor, cursor.copy(statement) as copy:
            while chunk := await asyncio.to_thread(reader.read_member_chunk, stream):
                digest.update(chunk)
                await copy.write(chunk)
    check_digest(expected, digest)  # raising here rolls the whole restore back


async def _merge_append_only(
    pg: psycopg.AsyncConnection[Any], reader: ArchiveReader, table: str, columns: list[str]
) -> int:
    """Add the backup's rows that the table lacks; a row whose id is taken by a different
    row is added with a new id. Returns how many rows were added."""
    staging = sql.Identifier(f"nexa_restore_{table}")
    await pg.execute(
        sql.SQL("CREATE TEMPORARY TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
            staging, sql.Identifier(table)
        )
    )
    await _copy_in(pg, reader, staging, columns, reader.manifest.tables[table])
    cursor = await pg.execute(_PRIMARY_KEY, {"table": table})
    row = await cursor.fetchone()
    key_columns: list[str] = list(row[0]) if row and row[0] else []
    if len(key_columns) != 1:
        raise RuntimeError(f"append-only table {table} needs a one-column primary key")
    key = sql.Identifier(key_columns[0])
    target = sql.Identifier(table)
    added = await pg.execute(
        sql.SQL(
            "INSERT INTO {t} ({cols}) SELECT {cols} FROM {s} n "
            "WHERE NOT EXISTS (SELECT 1 FROM {t} o WHERE o.{k} = n.{k})"
        ).format(t=target, s=staging, cols=_names(columns), k=key)
    )
    count = added.rowcount
    await _advance_sequences(pg, [table])
    others = [column for column in columns if column != key_columns[0]]
    renumbered = await pg.execute(
        sql.SQL(
            "INSERT INTO {t} ({cols}) SELECT {n_cols} FROM {s} n JOIN {t} o ON o.{k} = n.{k} "
            "WHERE ({o_all}) IS DISTINCT FROM ({n_all})"
        ).format(
            t=target,
            s=staging,
            k=key,
            cols=_names(others),
            n_cols=sql.SQL(", ").join(sql.Identifier("n", c) for c in others),
            o_all=sql.SQL(", ").join(sql.Identifier("o", c) for c in columns),
            n_all=sql.SQL(", ").join(sql.Identifier("n", c) for c in columns),
        )
    )
    return count + renumbered.rowcount


async def _advance_sequences(pg: psycopg.AsyncConnection[Any], tables: list[str]) -> None:
    """Move each id sequence past the largest id in its table, never back: an id handed out
    before the restore is not handed out again."""
    cursor = await pg.execute(_SEQUENCES, {"tables": tables})
    for sequence, table, column in await cursor.fetchall():
        largest = await pg.execute(
            sql.SQL("SELECT COALESCE(max({}), 0) FROM {}").format(
                sql.Identifier(column), sql.Identifier(table)
            )
        )
        used = await pg.execute(
            sql.SQL(
                "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {}"
            ).format(sql.SQL(sequence))
        )
        max_row, used_row = await largest.fetchone(), await used.fetchone()
        value = max(int(max_row[0] if max_row else 0), int(used_row[0] if used_row else 0))
        if value >= 1:
            await pg.execute("SELECT setval(%s::regclass, %s, true)", (sequence, value))


async def load_snapshot(db: AsyncSession, reader: ArchiveReader) -> LoadResult:
    """Replace every business table with the archive's rows, in the caller's transaction.

    The caller has verified the archive; each member is checked again as it streams in, and
    any mismatch raises (the caller's transaction then rolls back: nothing changed).
    """
    pg = await driver(db)
    await _settings(pg)
    layout = await business_layout(pg)
    tables = sorted(layout)
    await pg.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(_names(tables)))
    if await business_layout(pg) != layout:
        raise RuntimeError("the database schema changed while the restore started; try again")
    check_compatible(reader.manifest, await schema_revision(pg), layout)

    cursor = await pg.execute(_FOREIGN_KEYS, {"tables": tables})
    foreign_keys = await cursor.fetchall()
    for name, table, _definition in foreign_keys:
        await pg.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    cursor = await pg.execute(_ROW_TRIGGERS, {"tables": tables})
    triggers = await cursor.fetchall()
    for table, trigger in triggers:
        await pg.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                sql.Identifier(table), sql.Identifier(trigger)
            )
        )

    replaced = [table for table in tables if table not in APPEND_ONLY_TABLES]
    if replaced:
        await pg.execute(sql.SQL("TRUNCATE {}").format(_names(replaced)))
    for table in replaced:
        await _copy_in(
            pg, reader, sql.Identifier(table), layout[table], reader.manifest.tables[table]
        )
    merged = {
        table: await _merge_append_only(pg, reader, table, layout[table])
        for table in tables
        if table in APPEND_ONLY_TABLES
    }

    for table, trigger in triggers:
        await pg.execute(
            sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(
                sql.Identifier(table), sql.Identifier(trigger)
            )
        )
    for name, table, definition in foreign_keys:
        # re-adding checks every restored row against its parent
        await pg.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                sql.Identifier(table), sql.Identifier(name)
            )
            + sql.SQL(definition)
        )
    await _advance_sequences(pg, tables)
    return LoadResult(record_counts=reader.manifest.record_counts, merged=merged)


def verify_archive(reader: ArchiveReader) -> None:
    """Read every member through and check it against the manifest (blocking)."""
    for entry in [*reader.manifest.tables.values(), reader.manifest.cms]:
        reader.verify_member(entry)
    if not reader.manifest.tables:
        raise InvalidBackup("The backup holds no tables")
