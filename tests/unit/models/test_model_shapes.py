"""Adapters: each model kind reduced to a ModelShape, and shape_of's dispatch and errors."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column

from seedrunner.models import ModelReferenceError, import_object, schemaless_shape, shape_of
from seedrunner.models.shape import ForeignKeyShape, ModelShape
from seedrunner.models.sqlalchemy import table_shape

FIXTURES = (Path(__file__).parents[2] / "fixtures" / "models").resolve()


def model(name):
    return import_object(f"app_models:{name}", base_dir=FIXTURES, python_path=[FIXTURES])


def shaped(name) -> ModelShape:
    return shape_of(model(name), f"app_models:{name}")


# --- pydantic -------------------------------------------------------------------------


def test_pydantic_user_fields_and_constraints():
    s = shaped("User")
    assert s.kind == "pydantic"
    assert s.name == "User"
    assert s.model is model("User")
    f = s.field("id")
    assert (f.type.kind, f.type.ge, f.required, f.has_default) == ("int", 1, True, False)
    assert f.description == "surrogate key"
    first = s.field("first_name").type
    assert (first.kind, first.min_length, first.max_length) == ("str", 1, 50)
    balance = s.field("balance")
    assert (balance.type.kind, balance.type.max_digits, balance.type.decimal_places) == (
        "decimal",
        10,
        2,
    )
    assert balance.default == Decimal("0")
    assert not balance.required
    assert balance.has_default


def test_pydantic_optionals_enums_literals():
    s = shaped("User")
    nickname = s.field("nickname")
    assert nickname.optional
    assert nickname.type.kind == "str"
    assert not nickname.required
    age = s.field("age")
    assert age.optional
    assert (age.type.kind, age.type.ge, age.type.le) == ("int", 0, 130)
    status = s.field("status")
    status_cls = model("Status")
    assert status.type.kind == "enum"
    assert status.type.enum_class is status_cls
    assert status.type.choices == (status_cls.ACTIVE, status_cls.BANNED)
    assert status.default is status_cls.ACTIVE
    role = s.field("role").type
    assert (role.kind, role.choices) == ("literal", ("admin", "member", "guest"))
    assert not s.field("email").optional


def test_pydantic_nested_model_list_and_special_types():
    s = shaped("User")
    address = s.field("address").type
    assert address.kind == "model"
    assert address.nested is not None
    assert address.nested.name == "Address"
    assert address.nested.field("zip").type.pattern == r"^\d{5}$"
    assert address.nested.field("street").type.min_length == 3
    tags = s.field("tags")
    assert (tags.type.kind, tags.type.max_length, tags.type.item.kind) == ("list", 5, "str")
    assert tags.has_default
    assert tags.default is None  # default_factory is not called
    assert (s.field("homepage").type.format, s.field("homepage").optional) == ("url", True)
    assert s.field("last_ip").type.format == "ipv4"
    signed = s.field("signed_up").type
    assert (signed.kind, signed.timezone) == ("datetime", True)
    score = s.field("score").type
    assert (score.kind, score.ge, score.lt) == ("int", 0, 100)
    code = s.field("code")
    assert (code.type.max_length, code.type.pattern, code.optional) == (8, "^[A-Z]+$", True)


def test_pydantic_fields_are_named_by_attribute_not_alias():
    s = shaped("User")
    assert "display_name" in s.field_names
    assert "displayName" not in s.field_names


def test_self_referencing_model_stops_expanding():
    s = shaped("Node")
    depth = 0
    current = s
    while True:
        parent = current.field("parent").type
        if parent.kind != "model":  # closed at the depth limit: None (on_cycle: empty)
            assert (parent.kind, parent.choices) == ("literal", (None,))
            children = current.field("children").type
            assert (children.kind, children.min_length, children.max_length) == ("list", 0, 0)
            break
        current = parent.nested
        depth += 1
    assert depth == 2  # Node nested in itself at most max_depth (default 2) times
    item = s.field("children").type.item
    assert item.kind == "model"
    assert item.nested.name == "Node"


# --- dataclass ------------------------------------------------------------------------


def test_dataclass_defaults_and_types():
    s = shaped("Product")
    assert s.kind == "dataclass"
    assert s.field_names == ["sku", "price", "qty", "tags", "dims", "made", "category"]
    assert "internal" not in s.field_names  # init=False
    sku = s.field("sku")
    assert (sku.type.kind, sku.required, sku.has_default) == ("str", True, False)
    assert s.field("price").type.kind == "decimal"
    qty = s.field("qty")
    assert (qty.required, qty.has_default, qty.default) == (False, True, 0)
    tags = s.field("tags")
    assert (tags.type.kind, tags.has_default, tags.required) == ("list", True, False)
    dims = s.field("dims")
    assert (dims.type.kind, dims.type.item.kind, dims.optional) == ("tuple", "float", True)
    assert s.field("made").type.kind == "date"
    category = s.field("category")
    assert category.type.kind == "enum"
    assert category.default is model("Category").BOOKS


def test_pydantic_dataclass_keeps_field_constraints(tmp_path):
    (tmp_path / "pdc.py").write_text(
        "from pydantic import Field\n"
        "from pydantic.dataclasses import dataclass\n"
        "@dataclass\n"
        "class Box:\n"
        "    label: str = Field(max_length=4)\n"
        "    size: int = Field(default=1, ge=1)\n"
    )
    box = import_object("pdc.py:Box", base_dir=tmp_path, python_path=[])
    s = shape_of(box, "pdc.py:Box")
    assert s.kind == "dataclass"
    assert s.field("label").type.max_length == 4
    assert s.field("label").required
    assert (s.field("size").type.ge, s.field("size").default) == (1, 1)


# --- TypedDict ------------------------------------------------------------------------


def test_typeddict_required_and_not_required():
    s = shaped("Event")
    assert s.kind == "typeddict"
    assert s.field("id").type.kind == "uuid"
    assert s.field("kind").type.choices == ("click", "view")
    assert s.field("at").type.kind == "datetime"
    assert [f.name for f in s.fields if f.required] == ["id", "kind", "at"]
    meta = s.field("meta")
    assert (meta.type.kind, meta.required) == ("dict", False)
    assert s.field("where").type.nested.name == "Address"


def test_typeddict_total_false_with_required():
    s = shaped("PartialEvent")
    assert s.field("id").required
    assert not s.field("note").required


def test_typing_typeddict_with_future_annotations():
    s = shaped("LegacyEvent")
    assert s.field("id").required
    assert not s.field("label").required


# --- SQLAlchemy -----------------------------------------------------------------------


def test_sqlalchemy_customer_columns():
    s = shaped("Customer")
    assert (s.kind, s.table_name, s.model) == ("sqlalchemy", "customers", model("Customer"))
    pk = s.field("id")
    assert (pk.primary_key, pk.autoincrement, pk.required, pk.unique) == (True, True, False, True)
    assert (pk.type.ge, pk.type.le) == (-(2**31), 2**31 - 1)
    email = s.field("email")
    assert (email.type.kind, email.type.max_length, email.unique) == ("str", 120, True)
    assert (email.required, email.optional) == (True, False)
    assert s.field("name").type.max_length == 80
    assert not s.field("name").unique
    public_id = s.field("public_id")
    assert (public_id.type.kind, public_id.unique, public_id.has_default) == ("uuid", True, True)
    assert not public_id.required
    tier = s.field("tier").type
    assert tier.kind == "enum"
    assert tier.enum_class is model("Tier")
    assert tier.choices == tuple(model("Tier"))
    created = s.field("created_at")
    assert (created.type.kind, created.type.timezone) == ("datetime", True)
    assert (created.has_default, created.required) == (True, False)  # server_default
    nickname = s.field("nickname")
    assert (nickname.optional, nickname.required, nickname.type.max_length) == (True, False, 40)
    assert (s.field("age").type.ge, s.field("age").type.le) == (-32768, 32767)
    visits = s.field("visits")
    assert (visits.type.ge, visits.type.le, visits.default) == (-(2**63), 2**63 - 1, 0)


def test_sqlalchemy_order_foreign_key_numeric_and_more():
    s = shaped("Order")
    assert s.field("customer_id").foreign_key == ForeignKeyShape(table="customers", column="id")
    assert s.unique_together == [("customer_id", "number")]
    total = s.field("total").type
    assert (total.kind, total.max_digits, total.decimal_places) == ("decimal", 10, 2)
    status = s.field("status")
    assert (status.type.kind, status.type.choices, status.type.enum_class) == (
        "enum",
        ("new", "paid", "shipped"),
        None,
    )
    assert (status.default, status.required) == ("new", False)
    kinds = {f.name: f.type.kind for f in s.fields}
    assert kinds == {
        "id": "int",
        "customer_id": "int",
        "number": "int",
        "total": "decimal",
        "status": "enum",
        "notes": "str",
        "paid": "bool",
        "ship_by": "date",
        "window": "timedelta",
        "payload": "json",
        "receipt": "bytes",
        "weight": "float",
    }
    assert s.field("notes").type.max_length is None


def test_sqlalchemy_classic_columns_composite_key_and_unique_indexes():
    s = shaped("Membership")
    assert [f.name for f in s.primary_key] == ["customer_id", "group_code"]
    assert not any(f.autoincrement for f in s.fields)
    assert ("customer_id", "group_code") in s.unique_together
    assert ("ext_ref", "seq") in s.unique_together
    assert s.field("seq").unique
    assert not s.field("ext_ref").unique
    assert s.field("customer_id").required


def test_sqlalchemy_autoincrement_false_and_column_key():
    s = shaped("Ticket")
    code = s.field("code")
    assert (code.primary_key, code.autoincrement, code.required) == (True, False, True)
    assert s.field_names == ["code", "reference"]


def test_mapped_as_dataclass_is_shaped_as_sqlalchemy():
    class Base(MappedAsDataclass, DeclarativeBase):
        pass

    class Gadget(Base):
        __tablename__ = "gadgets"
        id: Mapped[int] = mapped_column(primary_key=True, init=False)
        name: Mapped[str] = mapped_column(String(20))

    assert dataclasses.is_dataclass(Gadget)
    s = shape_of(Gadget, "x:Gadget")
    assert s.kind == "sqlalchemy"
    assert s.field("name").type.max_length == 20


def test_table_shape_for_a_bare_table():
    table = Table(
        "things",
        MetaData(),
        Column("a", Integer, primary_key=True),
        Column("b", String(5), nullable=False),
        UniqueConstraint("b"),
    )
    s = table_shape(table)
    assert (s.kind, s.name, s.table_name) == ("table", "things", "things")
    assert s.field("b").unique
    assert s.field("a").autoincrement


# --- shape_of errors and schemaless ---------------------------------------------------


def test_function_is_not_a_model():
    with pytest.raises(ModelReferenceError) as info:
        shaped("helper_fn")
    assert info.value.message == (
        "'helper_fn' is a function, not a pydantic model, dataclass, TypedDict or SQLAlchemy class"
    )


def test_plain_class_module_and_values_are_not_models():
    with pytest.raises(ModelReferenceError, match=r"^'NotAModel' is the class 'NotAModel', not"):
        shaped("NotAModel")
    with pytest.raises(ModelReferenceError, match=r"^'json' is a module, not"):
        shape_of(json, "json")
    with pytest.raises(ModelReferenceError, match=r"^'X' is an instance of int, not"):
        shape_of(3, "m:X")


def test_instance_of_a_model_hints_at_the_class():
    with pytest.raises(ModelReferenceError) as info:
        shaped("default_user")
    assert info.value.message.startswith("'default_user' is an instance of User, not")
    assert info.value.hint == "name the class 'User', not an instance of it"


def test_schemaless_shape():
    s = schemaless_shape("events", ["id", "payload"])
    assert (s.kind, s.name, s.field_names) == ("schemaless", "events", ["id", "payload"])
    assert all(f.type.kind == "any" for f in s.fields)


def test_email_str_field_when_email_validator_is_installed(tmp_path):
    pytest.importorskip("email_validator")
    (tmp_path / "em.py").write_text(
        "from pydantic import BaseModel, EmailStr\nclass Contact(BaseModel):\n    email: EmailStr\n"
    )
    contact = import_object("em.py:Contact", base_dir=tmp_path, python_path=[])
    assert shape_of(contact, "em.py:Contact").field("email").type.format == "email"
