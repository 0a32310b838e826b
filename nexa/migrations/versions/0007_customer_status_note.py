"""customer status note

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:20:40.678422
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customer", sa.Column("status_note", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("customer", "status_note")
