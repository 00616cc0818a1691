"""Plain-concatenation templates evaluated column-wise give exactly Jinja's per-row output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seedrunner.generate.template_columns import Columns
from seedrunner.generate.templates import TemplateField, compile_template
from seedrunner.models.shape import TypeShape
from seedrunner.sandbox import SecurityError

FIELDS = ["first", "last", "n", "price", "when", "flag", "maybe", "label"]
VARS = {"domain": "shop.example", "count": 3, "items": "not the method"}
N = 50
COLUMNS = {
    "first": [f"Ada{i}" for i in range(N)],
    "last": [f"  O'Neil {i} " for i in range(N)],
    "n": list(range(-5, N - 5)),
    "price": [Decimal(i).scaleb(-2) for i in range(N)],
    "when": [dt.datetime(2024, 1, 1) + dt.timedelta(hours=i) for i in range(N)],
    "flag": [i % 2 == 0 for i in range(N)],
    "maybe": [None if i % 3 else "x" for i in range(N)],
    "label": ["{not a format}"] * N,
}
PARENTS = {"code": [f"P{i // 2}" for i in range(N)]}
CHILD_INDEX = [i % 2 for i in range(N)]

COLUMNWISE = [
    "{{ first | lower }}.{{ last | lower }}.{{ index }}@{{ vars.domain }}",
    "{{ child_index + 1 }}",
    "{{ 1 + n }}-{{ vars.count }}",
    "{{ row.first | upper }} {{ last | trim }}",
    "{{ price }} at {{ when }} ({{ flag }}, {{ maybe }})",
    "{{ label }}{{ '{' }}{{ 7 }}",
    "{{ parent.code }}-{{ child_index }}",
    "static text",
    "{{ n | string }}",
]
PER_ROW = [
    "{{ first | title }}",  # Jinja's own title rules: not a str method
    "{{ fake.name() }}",
    "{{ first ~ last }}",
    "{% if flag %}y{% endif %}",
    "{{ vars.items }}",  # a dict method name: Jinja's lookup rules
    "{{ first[:2] }}",
    "{{ n * 2 }}",
]


def _compile(text: str, shape: TypeShape | None = None) -> TemplateField:
    return compile_template(
        "out",
        text,
        fields=FIELDS,
        parent_fields=["code"],
        var_names=list(VARS),
        seed=1,
        fakers=[],
        type_shape=shape,
    )


def _per_row(t: TemplateField, start: int) -> list[object]:
    rows = [{k: v[i] for k, v in COLUMNS.items()} for i in range(N)]
    parents = [{"code": c} for c in PARENTS["code"]]
    return t.render(rows, start, {"vars": VARS, "now": None}, parents, CHILD_INDEX)


def _columns(start: int) -> Columns:
    return Columns(COLUMNS, start, N, PARENTS, CHILD_INDEX, VARS)


@pytest.mark.parametrize("text", COLUMNWISE)
def test_columnwise_matches_jinja(text: str) -> None:
    t = _compile(text)
    assert t.columnwise is not None
    assert t.render_columns(_columns(1000)) == _per_row(t, 1000)


@pytest.mark.parametrize("text", PER_ROW)
def test_anything_else_renders_per_row(text: str) -> None:
    assert _compile(text).columnwise is None


def test_typed_fields_are_coerced_the_same_way() -> None:
    t = _compile("{{ child_index + 1 }}", TypeShape("int"))
    values = t.render_columns(_columns(0))
    assert values == _per_row(t, 0)
    assert values is not None
    assert all(type(v) is int for v in values)


def test_values_jinja_must_judge_fall_back_to_it() -> None:
    t = _compile("{{ first + 1 }}")  # str + int: Jinja's error, per row
    assert t.columnwise is not None
    assert t.render_columns(_columns(0)) is None


def test_output_cap_holds_column_wise() -> None:
    t = _compile("{{ first }}")
    huge = Columns({**COLUMNS, "first": ["x" * 70_000] * N}, 0, N, None, None, VARS)
    with pytest.raises(SecurityError):
        t.render_columns(huge)
