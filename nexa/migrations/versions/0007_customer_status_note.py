"""customer status note"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("customer", sa.Column("status_note", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("customer", "status_note")
