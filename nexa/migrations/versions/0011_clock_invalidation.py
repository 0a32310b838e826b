"""NOTIFY trigger that keeps the in-process test clock offset fresh"""

from alembic import op

revision = "0011"
down_revision = "0010"

# a statement trigger, so that a restore (row triggers paused, TRUNCATE then COPY) announces too
UPGRADE = """
CREATE FUNCTION nexa_clock_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexa_clock_changed', TG_OP);
    RETURN NULL;
END $$;

CREATE TRIGGER test_clock_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON test_clock
    FOR EACH STATEMENT EXECUTE FUNCTION nexa_clock_changed();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS test_clock_changed ON test_clock")
    op.execute("DROP FUNCTION IF EXISTS nexa_clock_changed()")
