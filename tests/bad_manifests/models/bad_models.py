"""Models the bad-manifest corpus names (python_path: [models])."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    zip: Mapped[str] = mapped_column(String(10))
    is_admin: Mapped[bool]
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))


def helper_fn() -> None:
    """Not a model: `model: bad_models:helper_fn` must be refused."""
