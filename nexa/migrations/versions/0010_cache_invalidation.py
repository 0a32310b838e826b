"""NOTIFY triggers that keep the in-process session and catalogue caches fresh"""

from alembic import op

revision = "0010"
down_revision = "0009"

# payloads on nexa_auth_changed: s:<session id>, c:<customer id>, a:<admin id>
AUTH_FUNCTIONS = """
CREATE FUNCTION nexa_auth_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexa_auth_changed', 's:' || OLD.session_id::text);
    RETURN NULL;
END $$;

CREATE FUNCTION nexa_customer_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexa_auth_changed', 'c:' || OLD.customer_id::text);
    RETURN NULL;
END $$;

CREATE FUNCTION nexa_admin_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexa_auth_changed', 'a:' || OLD.admin_id::text);
    RETURN NULL;
END $$;

CREATE FUNCTION nexa_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexa_catalog_changed', TG_TABLE_NAME);
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER auth_session_access_changed
    AFTER UPDATE ON auth_session FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.subject_id IS DISTINCT FROM NEW.subject_id)
    EXECUTE FUNCTION nexa_auth_session_changed();
CREATE TRIGGER auth_session_deleted
    AFTER DELETE ON auth_session
    FOR EACH ROW EXECUTE FUNCTION nexa_auth_session_changed();
-- (every purchase rewrites account_status to itself: only a real change is announced)
CREATE TRIGGER customer_access_changed
    AFTER UPDATE ON customer FOR EACH ROW
    WHEN (OLD.account_status IS DISTINCT FROM NEW.account_status
          OR OLD.status_reason IS DISTINCT FROM NEW.status_reason
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION nexa_customer_access_changed();
CREATE TRIGGER customer_deleted
    AFTER DELETE ON customer
    FOR EACH ROW EXECUTE FUNCTION nexa_customer_access_changed();
CREATE TRIGGER admin_access_changed
    AFTER DELETE ON admin
    FOR EACH ROW EXECUTE FUNCTION nexa_admin_access_changed();
CREATE TRIGGER plan_catalog_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plan
    FOR EACH STATEMENT EXECUTE FUNCTION nexa_catalog_changed();
CREATE TRIGGER offer_catalog_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON offer
    FOR EACH STATEMENT EXECUTE FUNCTION nexa_catalog_changed();
CREATE TRIGGER category_catalog_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category
    FOR EACH STATEMENT EXECUTE FUNCTION nexa_catalog_changed();
"""


def upgrade() -> None:
    op.execute(AUTH_FUNCTIONS)
    op.execute(TRIGGERS)


def downgrade() -> None:
    for trigger, table in [
        ("auth_session_access_changed", "auth_session"),
        ("auth_session_deleted", "auth_session"),
        ("customer_access_changed", "customer"),
        ("customer_deleted", "customer"),
        ("admin_access_changed", "admin"),
        ("plan_catalog_changed", "plan"),
        ("offer_catalog_changed", "offer"),
        ("category_catalog_changed", "category"),
    ]:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in [
        "nexa_auth_session_changed",
        "nexa_customer_access_changed",
        "nexa_admin_access_changed",
        "nexa_catalog_changed",
    ]:
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
