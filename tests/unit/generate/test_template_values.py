"""Templates give NULL and typed values: the native rule, text conversion, and their errors."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from faker import Faker

from seedrunner.generate.template_columns import Columns
from seedrunner.generate.template_values import NotConvertible, column_value
from seedrunner.generate.templates import (
    TemplateField,
    TemplateValueError,
    compile_template,
    sample_values,
)
from seedrunner.models.shape import TypeShape

FIELDS = ["n", "day", "label", "maybe"]
N = 6
COLUMNS = {
    "n": list(range(N)),
    "day": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(N)],
    "label": [f"L{i}" for i in range(N)],
    "maybe": [None if i % 2 else "x" for i in range(N)],
}


def _compile(text: str, kind: str | None = None, nullable: bool = True) -> TemplateField:
    return compile_template(
        "out",
        text,
        fields=FIELDS,
        parent_fields=None,
        var_names=[],
        seed=3,
        fakers=[Faker("en_US")],
        type_shape=TypeShape(kind) if kind else None,  # type: ignore[arg-type]
        nullable=nullable,
        dataset="things",
    )


def _render(t: TemplateField, start: int = 0) -> list[object]:
    rows = [{k: v[i] for k, v in COLUMNS.items()} for i in range(N)]
    return t.render(rows, start, {"vars": {}, "now": None}, None, None)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("{{ none }}", "date", [None] * N),
        ("{{ none }}", "str", [None] * N),
        ("{{ none }}", None, [None] * N),
        ("{% if n % 2 %}{{ none }}{% else %}{{ day }}{% endif %}", "date",
         [COLUMNS["day"][i] if i % 2 == 0 else None for i in range(N)]),
        ("{{ none if n % 3 else day }}", "date", [COLUMNS["day"][i] if i % 3 == 0 else None
                                                   for i in range(N)]),
        ("{% if n > 2 %}{{ day }}{% endif %}", "date",  # nothing rendered: NULL
         [None, None, None, *COLUMNS["day"][3:]]),
        ("{{ day }}", "datetime", [dt.datetime(2024, 1, 1 + i) for i in range(N)]),
        ("{{ day.isoformat() }}T08:30:00", "datetime",
         [dt.datetime(2024, 1, 1 + i, 8, 30) for i in range(N)]),
        ("2024-02-{{ n + 10 }}", "date", [dt.date(2024, 2, 10 + i) for i in range(N)]),
        ("{{ n * 10 }}", "int", [i * 10 for i in range(N)]),
        ("{{ n }}0", "int", [i * 10 for i in range(N)]),
        ("{{ n / 4 }}", "decimal", [Decimal(str(i / 4)) for i in range(N)]),
        ("{{ n }}.50", "decimal", [Decimal(f"{i}.50") for i in range(N)]),
        ("{{ n / 2 }}", "float", [i / 2 for i in range(N)]),
        ("{{ n % 2 == 0 }}", "bool", [i % 2 == 0 for i in range(N)]),
        ("{{ 'yes' if n % 2 else 'no' }}", "bool", [bool(i % 2) for i in range(N)]),
        ("{{ n }}", "str", [str(i) for i in range(N)]),  # text columns get text, as before
        ("{{ day }}", None, [str(d) for d in COLUMNS["day"]]),
        ("{{ maybe }}", "str", COLUMNS["maybe"]),  # a NULL input stays NULL
        ("[{{ n }}]", "str", [f"[{i}]" for i in range(N)]),  # never literal_eval'd
        ("{{ [n, n] }}", "json", [[i, i] for i in range(N)]),
    ],
)  # fmt: skip
def test_values_per_row_and_column_wise(text, kind, expected) -> None:
    t = _compile(text, kind)
    assert _render(t) == expected
    columnwise = t.render_columns(Columns(COLUMNS, 0, N, None, None, {}))
    assert columnwise is None or columnwise == expected  # the fast path agrees when it runs


def test_uuid_text_and_native() -> None:
    assert column_value(True, TypeShape("int")) == 1
    u = uuid.UUID(int=5)
    assert column_value(str(u), TypeShape("uuid")) == u
    assert column_value(u, TypeShape("uuid")) is u


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("abc", "int"),
        ("1.5", "int"),
        (1.5, "int"),
        ("2024-13-01", "date"),
        ("None", "date"),  # the text of None: write {{ none }} instead
        ("maybe", "bool"),
        (2, "bool"),
        ("x1", "decimal"),
        (dt.time(1), "date"),
        ("nope", "uuid"),
        (Faker(), "float"),
    ],
)
def test_what_does_not_convert_is_refused(value, kind) -> None:
    with pytest.raises(NotConvertible) as info:
        column_value(value, TypeShape(kind))
    assert "{{ none }} gives NULL" in info.value.hint


def test_bad_value_error_names_field_row_and_value() -> None:
    t = _compile("{{ 'soon' if n == 4 else day }}", "date")
    with pytest.raises(TemplateValueError) as info:
        _render(t, start=100)
    err = info.value
    assert (err.field, err.row, err.value) == ("out", 104, "soon")
    assert str(err).startswith("things.out: row 104: the template gave 'soon', which is not a date")
    assert "ISO date" in err.hint


def test_null_for_a_field_that_refuses_null() -> None:
    t = _compile("{{ none if n == 3 else n }}", "int", nullable=False)
    with pytest.raises(TemplateValueError, match=r"things\.out: row 3: the template gave NULL but"):
        _render(t)
    columnwise = _compile("{{ maybe }}", "str", nullable=False)
    assert columnwise.columnwise is not None
    with pytest.raises(TemplateValueError, match="row 1: the template gave NULL"):
        columnwise.render_columns(Columns(COLUMNS, 0, N, None, None, {}))


def test_sample_values_reports_the_first_bad_row_and_skips_unknown_inputs() -> None:
    bad = _compile("{{ none if n == 2 else n }}", "int", nullable=False)
    reads_ref = _compile("{{ none if n == 2 else label }}", "str", nullable=False)
    reads_ref.name = "other"
    found = sample_values([bad, reads_ref], COLUMNS, N, None, unknown={"label"})
    assert [(e.field, e.row) for e in found] == [("out", 2)]  # label is unknown at plan


def test_sample_values_feeds_templates_to_the_templates_that_read_them() -> None:
    first = _compile("{{ n * 2 }}", "int")
    first.name = "double"
    second = compile_template(
        "check", "{{ none if double == 4 else double }}",
        fields=[*FIELDS, "double"], parent_fields=None, var_names=[], seed=1, fakers=[],
        type_shape=TypeShape("int"), nullable=False, dataset="things",
    )  # fmt: skip
    found = sample_values([first, second], COLUMNS, N, None, unknown=set())
    assert [(e.field, e.row) for e in found] == [("check", 2)]
    # a masked (null_probability) template is checked, but what reads it is left to apply
    found = sample_values([first, second], COLUMNS, N, None, set(), frozenset({"double"}))
    assert found == []
