"""The load of the big tables: plain indexes and foreign keys dropped for the load and put
back after it, real ids given in time order, and the transaction table written."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.synthetic.planning import fetch_text_rows, run


async def drop_secondary_indexes(db: AsyncSession, tables: tuple[str, ...]) -> list[str]:
    """Drop the plain (non-unique, non-constraint) indexes of `tables` for a bulk load;
    returns their definitions for `create_indexes` (same names, same definitions)."""
    found = await fetch_text_rows(
        db,
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(CAST(:tables AS text[]))
          AND t.relnamespace = current_schema()::regnamespace
          AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        {"tables": list(tables)},
    )
    for name, _definition in found:
        await run(db, f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


async def create_indexes(db: AsyncSession, definitions: list[str]) -> None:
    await run(db, "SET LOCAL maintenance_work_mem = '256MB'")
    for definition in definitions:
        await run(db, definition)


async def drop_foreign_keys(
    db: AsyncSession, tables: tuple[str, ...]
) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of `tables` for a bulk load; `add_foreign_keys` puts them
    back, and adding a key checks every row of the table (one join instead of a check
    per inserted row)."""
    found = await fetch_text_rows(
        db,
        """
        SELECT k.conname, t.relname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
        WHERE k.contype = 'f' AND t.relname = ANY(CAST(:tables AS text[]))
          AND t.relnamespace = current_schema()::regnamespace
        ORDER BY t.relname, k.conname
        """,
        {"tables": list(tables)},
    )
    for name, table, _definition in found:
        await run(db, f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return [(name, table, definition) for name, table, definition in found]


async def add_foreign_keys(db: AsyncSession, keys: list[tuple[str, str, str]]) -> None:
    for name, table, definition in keys:
        await run(db, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


# planned table, the map of its provisional ids to real ones, real table, id column
ID_MAPS = (
    ("syn_tx", "syn_txmap", "transaction", "transaction_id"),
    ("syn_sub", "syn_submap", "subscription", "subscription_id"),
)


async def number_in_time_order(db: AsyncSession) -> None:
    """Real ids for transactions and subscriptions, increasing with time as in a live
    system (one block of each sequence, reserved while the tables are locked)."""
    for planned, id_map, table, id_column in ID_MAPS:
        sequence = f"pg_get_serial_sequence('{table}', '{id_column}')"
        await run(
            db,
            f"""
            CREATE TEMP TABLE {id_map} AS
            WITH base AS (SELECT nextval({sequence}) AS first)
            SELECT p.{id_column} AS old,
                   base.first + row_number() OVER (ORDER BY p.transaction_date, p.{id_column})
                   - 1 AS new
            FROM {planned} p CROSS JOIN base
            """,  # noqa: S608 (constant names)
        )
        await run(db, f"ALTER TABLE {id_map} ADD PRIMARY KEY (old)")
        await run(
            db,
            f"SELECT setval({sequence}, (SELECT max(new) FROM {id_map})) "  # noqa: S608
            f"WHERE EXISTS (SELECT 1 FROM {id_map})",
        )
        await run(db, f"ANALYZE {id_map}")


async def write_transactions(db: AsyncSession) -> None:
    await run(
        db,
        """
        INSERT INTO transaction (transaction_id, customer_id, plan_id, offer_id,
                                 recipient_phone_number, transaction_type, original_amount,
                                 discount_amount, discount_type, final_amount,
                                 payment_method, payment_status, payment_reference,
                                 failure_reason, transaction_date, subscription_id,
                                 referral_discount_id, bill_id)
        SELECT m.new, t.customer_id, t.plan_id, t.offer_id, t.recipient,
               t.transaction_type, t.price, t.discount_amount, t.discount_type,
               t.price - t.discount_amount, t.payment_method, t.payment_status,
               'SYN-' || m.new,
               CASE WHEN t.payment_status = 'failed' THEN 'Declined by the issuing bank' END,
               t.transaction_date, sm.new, t.referral_discount_id, b.bill_id
        FROM syn_tx t
        JOIN syn_txmap m ON m.old = t.transaction_id
        LEFT JOIN syn_submap sm ON sm.old = t.subscription_id
        LEFT JOIN syn_bill b ON b.transaction_id = t.transaction_id
        ORDER BY m.new
        """,
    )
