"""Models the SQL integration suite seeds into real databases (referenced from manifests as
``tests.integration.shopmodels:Name``).

A small shop (customers -> orders -> order lines, products) carries the column types that
differ most between dialects: an enum whose names differ from its values, Numeric(10, 2),
Date, DateTime(timezone=True), JSON, a nullable column, length-limited strings and unique
keys.  Suppliers/parts leave their keys to the database; events are a wide row for the
batch-size limits.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tier(enum.Enum):
    """Names differ from values, so a handler that confuses the two is caught."""

    bronze = "BRZ"
    silver = "SLV"
    gold = "GLD"


class OrderStatus(enum.Enum):
    pending = "pending"
    paid = "paid"
    shipped = "shipped"
    cancelled = "cancelled"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    tier: Mapped[Tier] = mapped_column(sa.Enum(Tier, name="customer_tier"))
    phone: Mapped[str | None] = mapped_column(String(40))
    birth_date: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[OrderStatus] = mapped_column(sa.Enum(OrderStatus, name="order_status"))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    note: Mapped[str | None] = mapped_column(String(200))


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))


def table_of(model: type[Base]) -> sa.Table:
    """The model's Table, typed as one (``__table__`` is typed as a FromClause)."""
    return Base.metadata.tables[model.__tablename__]


SHOP_TABLES = [table_of(m) for m in (Customer, Product, Order, OrderLine)]


class Supplier(Base):
    """Keys left to the database; AUTOINCREMENT on SQLite so a start value can be set."""

    __tablename__ = "suppliers"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))


class Part(Base):
    __tablename__ = "parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    label: Mapped[str] = mapped_column(String(60))


class Event(Base):
    """Twelve columns, about 1 KB a row: 20,000 rows pass MariaDB's 16 MB packet default
    and SQLite's 32,766 bind variables many times over if sent as one statement."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(String(400))
    source: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    ratio: Mapped[float]
    active: Mapped[bool]
    happened_on: Mapped[dt.date]
    happened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    counter: Mapped[int] = mapped_column(sa.BigInteger)
    ref: Mapped[uuid.UUID]


# -- reading rows back, and the manifest that writes them ------------------------------------

REPO = Path(__file__).resolve().parents[2]
MODELS = "tests.integration.shopmodels"


def normalized(table: sa.Table, row: Mapping[str, Any] | sa.RowMapping) -> tuple[Any, ...]:
    """A row (from the database through ``table``, or parsed from JSONL) in one comparable
    form: enums by value, decimals as Decimal, datetimes aware in UTC (a naive one is UTC),
    dates and UUIDs parsed; JSON stays parsed."""
    return tuple(_normal(column.type, row.get(column.key)) for column in table.columns)


def _normal(kind: sa.types.TypeEngine[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        if isinstance(value, enum.Enum):
            return value.value
        members = kind.enum_class.__members__
        return members[value].value if value in members else value
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal(str(value))
    if isinstance(kind, sa.DateTime):
        stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    if isinstance(kind, sa.Date):
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(str(value))
    return value


def dump(engine: sa.Engine, tables: Sequence[sa.Table] = SHOP_TABLES) -> dict[str, list[Any]]:
    """Every row of ``tables`` (those that exist), ordered by primary key, normalized."""
    present = set(sa.inspect(engine).get_table_names())
    out: dict[str, list[Any]] = {}
    with engine.connect() as c:
        for t in tables:
            if t.name in present:
                rows = c.execute(sa.select(t).order_by(*t.primary_key.columns)).mappings()
                out[t.name] = [normalized(t, r) for r in rows]
    return out


def shop_manifest(
    url: str,
    *,
    files: str | None = None,
    batch_size: int = 64,
    customers: int = 200,
    datasets: Sequence[str] = ("customers", "products", "orders", "order_lines"),
    db: Mapping[str, Any] | None = None,
    customer_name: str | None = None,
) -> str:
    """The shop manifest into ``url`` (plus a ``jsonl`` target at ``files`` when given, last
    in every chain); ``db`` adds options to the sqlalchemy target; ``customers.name`` is the
    constant ``customer_name`` when given, else inferred from the model."""
    options = {"handler": "sqlalchemy", "url": url, "create_tables": True, **(db or {})}
    chain = "[db, files]" if files else "[db]"
    name_spec = f"\n      name: {json.dumps(customer_name)}" if customer_name is not None else ""
    blocks = {
        "customers": f"""
  customers:
    model: {MODELS}:Customer
    count: {customers}
    fields:{name_spec}
      phone: {{faker: phone_number, null_probability: 0.3}}
    persist: {chain}""",
        "products": f"""
  products:
    model: {MODELS}:Product
    count: 40
    fields:
      price: {{faker: pydecimal, left_digits: 4, right_digits: 2, positive: true}}
    persist: {chain}""",
        "orders": f"""
  orders:
    model: {MODELS}:Order
    count: {{per: customers, min: 0, max: 3}}
    fields:
      number: {{sequence: "ORD-{{n:06d}}", start: 1}}
      total: {{faker: pydecimal, left_digits: 5, right_digits: 2, positive: true}}
    persist: {chain}""",
        "order_lines": f"""
  order_lines:
    model: {MODELS}:OrderLine
    count: {{per: orders, min: 1, max: 3}}
    fields:
      line_no: "{{{{ child_index + 1 }}}}"
      quantity: {{faker: pyint, min_value: 1, max_value: 5}}
      unit_price: {{faker: pydecimal, left_digits: 3, right_digits: 2, positive: true}}
    persist: {chain}""",
    }
    files_target = f"\n  files: {json.dumps({'handler': 'jsonl', 'path': files})}" if files else ""
    return (
        f"""version: 1
seed: 11
now: "2026-01-01T00:00:00Z"
python_path: [{json.dumps(str(REPO))}]
defaults: {{batch_size: {batch_size}}}
targets:
  db: {json.dumps(options)}{files_target}
datasets:"""
        + "".join(blocks[d] for d in datasets)
        + "\n"
    )
