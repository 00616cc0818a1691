"""The manifest models: strict types, one error per mistake, the spec forms of manifest-v1."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from seedrunner.manifest import schema as S


def spec(**datasets: object) -> S.ManifestSpec:
    return S.ManifestSpec.model_validate({"version": 1, "datasets": datasets})


def errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        S.ManifestSpec.model_validate(data)
    return [(tuple(e["loc"]), e["type"]) for e in info.value.errors()]


def test_value_spec_forms() -> None:
    m = spec(
        u={
            "fields": {
                "a": "active",
                "b": "{{ x }}",
                "c": {"value": {"k": 1}},
                "d": {"faker": "pyint", "min_value": 1},
                "e": {"choice": [1, 2], "weights": [1, 3]},
                "f": {"sequence": "u{n}", "start": 1},
                "g": {"ref": "o.id"},
                "h": {"skip": True},
                "i": {"template": "{{ y }}", "unique": True},
                "j": 5,
            }
        },
        o={"count": {"per": "u", "min": 0, "max": 2}},
    )
    f = m.datasets["u"].fields
    assert f["a"] == "active"
    assert f["b"] == "{{ x }}"
    assert isinstance(f["c"], S.ValueSpec)
    assert isinstance(f["d"], S.FakerSpec)
    assert f["d"].kwargs == {"min_value": 1}
    assert isinstance(f["e"], S.ChoiceSpec)
    assert isinstance(f["f"], S.SequenceSpec)
    assert isinstance(f["g"], S.RefSpec)
    assert isinstance(f["h"], S.SkipSpec)
    assert isinstance(f["i"], S.TemplateSpec)
    assert f["j"] == 5
    assert m.datasets["o"].count == S.CountPerSpec(per="u", min=0, max=2)


def test_one_error_per_mistake_in_a_union() -> None:
    assert errors({"version": 1, "datasets": {"u": {"count": "ten"}}}) == [
        (("datasets", "u", "count", "int"), "int_type")
    ]
    got = errors({"version": 1, "datasets": {"u": {"fields": {"r": {"choice": [1], "x": 1}}}}})
    assert got == [(("datasets", "u", "fields", "r", "choice", "x"), "extra_forbidden")]


def test_strict_types_refuse_yaml_11_conversions() -> None:
    assert errors({"version": 1, "name": False, "datasets": {"u": {}}}) == [
        (("name",), "string_type")
    ]


def test_ranges() -> None:
    got = errors(
        {
            "version": 1,
            "datasets": {
                "u": {
                    "count": -5,
                    "batch_size": 0,
                    "fields": {"n": {"faker": "x", "null_probability": 1.5}},
                }
            },
        }
    )
    assert {t for _, t in got} == {"greater_than_equal", "less_than_equal"}
    assert len(got) == 3


def test_choice_weights_must_match() -> None:
    with pytest.raises(ValidationError, match="choice has 3 values but 2 weights"):
        S.ChoiceSpec.model_validate({"choice": [1, 2, 3], "weights": [1, 2]})
    with pytest.raises(ValidationError, match="not all zero"):
        S.ChoiceSpec.model_validate({"choice": [1, 2], "weights": [0, 0]})


def test_count_per_bounds() -> None:
    assert S.CountPerSpec(per="u", exactly=2).bounds == (2, 2)
    with pytest.raises(ValidationError, match="not both"):
        S.CountPerSpec(per="u", exactly=2, min=1)
    with pytest.raises(ValidationError, match="greater than max"):
        S.CountPerSpec(per="u", min=3, max=1)


def test_now_accepts_iso_and_dates_and_names_bad_values() -> None:
    m = S.ManifestSpec.model_validate(
        {"version": 1, "now": "2026-01-01T00:00:00Z", "datasets": {"u": {}}}
    )
    assert m.now == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    m = S.ManifestSpec.model_validate(
        {"version": 1, "now": dt.date(2026, 1, 2), "datasets": {"u": {}}}
    )
    assert m.now == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="got 'yesterday-ish'"):
        S.ManifestSpec.model_validate({"version": 1, "now": "yesterday-ish", "datasets": {"u": {}}})


def test_names_and_required_keys() -> None:
    assert errors({"version": 1, "datasets": {}}) == [(("datasets",), "too_short")]
    assert errors({"version": 2, "datasets": {"u": {}}}) == [(("version",), "literal_error")]
    assert errors({"version": 1, "datasets": {"bad name": {}}}) == [(("datasets",), "bad_name")]


def test_target_options_are_kept_for_the_handler() -> None:
    m = S.ManifestSpec.model_validate(
        {
            "version": 1,
            "targets": {"db": {"handler": "sqlalchemy", "url": "sqlite://"}},
            "datasets": {"u": {}},
        }
    )
    assert m.targets["db"].options == {"handler": "sqlalchemy", "url": "sqlite://"}


def test_every_manifest_key_is_described() -> None:
    models: list[type[BaseModel]] = [
        S.ManifestSpec,
        S.DatasetSpec,
        S.DefaultsSpec,
        S.RetriesSpec,
        S.CollectionsSpec,
        S.CountPerSpec,
        S.FakerSpec,
        S.ChoiceSpec,
        S.SequenceSpec,
        S.RefSpec,
        S.SkipSpec,
        S.ValueSpec,
        S.TemplateSpec,
        S.TargetSpec,
        S.DropTransform,
        S.RenameTransform,
        S.CallTransform,
    ]
    for model in models:
        for name, f in model.model_fields.items():
            assert f.description, f"{model.__name__}.{name} has no description"
