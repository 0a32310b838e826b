from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, Timestamps


class Admin(Timestamps, Base):
    __tablename__ = "admin"

    admin_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    phone_number: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)

    # e-mail addresses compare case-insensitively
    __table_args__ = (Index("uq_admin_email_lower", text("lower(email)"), unique=True),)
