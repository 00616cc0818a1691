"""Validation errors become located problems with the user's key path, wording and hints."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from seedrunner.errors import Problem
from seedrunner.manifest.locate import did_you_mean, problems_from_validation
from seedrunner.manifest.schema import ManifestSpec
from seedrunner.manifest.yaml import load_yaml

F = "seeds/m.yaml"


def problems(text: str) -> list[Problem]:
    doc = load_yaml(text, file=F)
    with pytest.raises(ValidationError) as info:
        ManifestSpec.model_validate(doc.data)
    return problems_from_validation(info.value, doc.data, doc.source)


def one(text: str) -> Problem:
    (p,) = problems(text)
    return p


def where(p: Problem) -> str:
    return f"{p.location}" if p.location else "-"


def test_unknown_dataset_key_points_at_the_key_with_did_you_mean() -> None:
    p = one("version: 1\ndatasets:\n  users:\n    cont: 5\n")
    assert (where(p), p.code, p.path) == (f"{F}:4:5", "SR-E010", "datasets.users.cont")
    assert p.message == "unknown key 'cont' in dataset 'users'"
    assert p.hint == "did you mean 'count'?"


def test_unknown_key_with_nothing_close_lists_the_valid_keys() -> None:
    p = one("version: 1\nzzzzzz: 1\ndatasets: {u: {count: 1}}\n")
    assert p.message == "unknown key 'zzzzzz' at the top level"
    assert p.hint is not None
    assert p.hint.startswith("valid keys: version, name, seed")


def test_union_tag_that_is_also_a_key_is_not_taken_for_the_key() -> None:
    p = one("version: 1\ndatasets:\n  u:\n    fields:\n      r: {choice: [a], weigths: [1]}\n")
    assert (where(p), p.path) == (f"{F}:5:24", "datasets.u.fields.r.weigths")
    assert p.message == "unknown key 'weigths' in field spec 'u.r'"
    assert p.hint == "did you mean 'weights'?"


def test_bound_inside_a_faker_spec() -> None:
    p = one(
        "version: 1\ndatasets:\n  u:\n    fields:\n      n: {faker: name, null_probability: 1.5}\n"
    )
    assert p.message == "null_probability must be <= 1.0, got 1.5"
    assert p.path == "datasets.u.fields.n.null_probability"
    assert where(p) == f"{F}:5:42"


def test_model_level_error_of_a_field_spec_points_at_the_field() -> None:
    p = one(
        "version: 1\ndatasets:\n  u:\n    fields:\n      r: {choice: [a, b, c], weights: [1, 2]}\n"
    )
    assert (p.message, p.path) == ("choice has 3 values but 2 weights", "datasets.u.fields.r")
    assert where(p) == f"{F}:5:10"


def test_count_wording() -> None:
    p = one('version: 1\ndatasets:\n  u:\n    count: "ten"\n')
    assert p.message == (
        "count must be an integer >= 0 or a mapping {per: DATASET, min: A, max: B}, "
        "got string 'ten'"
    )
    assert p.path == "datasets.u.count"
    assert (
        one("version: 1\ndatasets:\n  u:\n    count: -5\n").message == "count must be >= 0, got -5"
    )


def test_union_members_give_one_problem() -> None:
    p = one("version: 1\nlocale: 5\ndatasets: {u: {count: 1}}\n")
    assert p.message == "locale must be a string or a list, got integer 5"


def test_yaml_11_surprise_where_a_string_is_expected() -> None:
    p = one("version: 1\nlocale: on\ndatasets: {u: {count: 1}}\n")
    assert (p.code, p.message) == (
        "SR-E003",
        'locale was read as boolean true (YAML 1.1); quote it: "on"',
    )
    p = one("version: 1\nname: 012345\ndatasets: {u: {count: 1}}\n")
    assert p.message == 'name was read as integer 5349 (octal); quote it: "012345"'
    assert p.hint == 'write it in quotes: name: "012345"'


def test_now_names_the_bad_value() -> None:
    p = one("version: 1\nnow: yesterday-ish\ndatasets: {u: {count: 1}}\n")
    assert p.message.endswith("got 'yesterday-ish'")
    assert where(p) == f"{F}:2:6"


def test_missing_required_key() -> None:
    p = one("version: 1\n")
    assert (p.code, p.message, p.path) == (
        "SR-E012",
        "missing required key 'datasets' at the top level",
        "datasets",
    )


def test_all_problems_in_file_order_and_capped() -> None:
    text = "version: 1\ndatasets:\n" + "".join(f"  d{i}:\n    cont{i}: 1\n" for i in range(30))
    got = problems(text)
    assert len(got) == 20
    lines = [p.location.line for p in got if p.location]
    assert lines == sorted(lines)


def test_did_you_mean() -> None:
    assert did_you_mean("usres", ["users", "orders"]) == "did you mean 'users'?"
    assert did_you_mean("zzz", ["users"]) is None
