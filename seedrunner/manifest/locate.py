"""Turn pydantic validation errors into located, hinted problems.

Pydantic reports a path through the *models* (with union tags in it); users need a path
through their *file*, a line and a column, and a way out.  This module walks each error's
path through the data, drops the tags, looks the result up in the SourceMap and words the
message for a person ("unknown key 'cont' in dataset 'users'; did you mean 'count'?").
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from seedrunner.errors import Problem
from seedrunner.manifest import schema as S
from seedrunner.manifest.fieldspecs import spec_kind
from seedrunner.manifest.source import Path, SourceMap, dotted
from seedrunner.manifest.yamlsurprises import describe_surprise
from seedrunner.redact import is_secret_key

MAX_PROBLEMS = 20


def did_you_mean(word: str, candidates: Sequence[str]) -> str | None:
    """A hint naming the closest candidate, if any is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


#: union tags pydantic puts into error locations, by the kind of place they follow.
_FIELD_TAGS = frozenset({*S.SPEC_KINDS, "template_str", "scalar"})
_UNION_TAGS: dict[str, frozenset[str]] = {
    "fields": _FIELD_TAGS,
    "count": frozenset({"int", "per"}),
    "persist": frozenset({"name", "inline"}),
    "transforms": frozenset({"path", "drop", "rename", "call"}),
}


def _is_union_tag(path: list[int | str], el: int | str) -> bool:
    """Whether ``el`` is the tag of a discriminated union at ``path``, not a key."""
    if not isinstance(el, str) or len(path) < 3 or path[0] != "datasets":
        return False
    if len(path) == 4 and path[2] in ("fields", "persist", "transforms"):
        return el in _UNION_TAGS[str(path[2])]
    return len(path) == 3 and path[2] == "count" and el in _UNION_TAGS["count"]


def _has(node: Any, el: int | str) -> bool:
    if isinstance(node, dict):
        return not isinstance(el, int) and el in node
    return isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node)


def _walk(data: Any, loc: tuple[int | str, ...]) -> tuple[Path, list[int | str]]:
    """The part of ``loc`` that exists in ``data``, and what was left over (missing keys).

    Union tags (``choice`` in ``fields.role.choice.weights``) are dropped: they name the
    union member pydantic tried, and may collide with a real key of the same name.
    """
    path: list[int | str] = []
    rest: list[int | str] = []
    node = data
    tag_done = False
    for el in loc:
        if not tag_done and not rest and _is_union_tag(path, el):
            tag_done = True
            continue
        tag_done = False
        if _has(node, el):
            node = node[el]
            path.append(el)
        else:
            rest.append(el)
    return tuple(path), rest


def _context(path: Path) -> str:
    """Words for where a key sits: 'in dataset 'users'', 'in target 'db'' ..."""
    p = list(path)
    if len(p) >= 4 and p[0] == "datasets" and p[2] == "fields":
        return f"in field spec '{p[1]}.{p[3]}'"
    if len(p) >= 2 and p[0] == "datasets":
        if len(p) >= 3 and p[2] in ("count", "retries"):
            return f"in {p[2]} of dataset '{p[1]}'"
        return f"in dataset '{p[1]}'"
    if len(p) >= 2 and p[0] == "targets":
        return f"in target '{p[1]}'"
    if p and p[0] == "defaults":
        return "in " + ".".join(str(x) for x in p)
    return "at the top level"


def _model_at(path: Path, data: Any) -> type[BaseModel] | None:
    """The manifest model that describes the mapping at ``path`` (for key suggestions)."""
    p = list(path)
    node = data
    for el in p:
        node = node.get(el) if isinstance(node, dict) else None
    n = len(p)
    if n == 0:
        return S.ManifestSpec
    if p[0] == "defaults":
        return {1: S.DefaultsSpec}.get(n) or (
            S.RetriesSpec if p[-1] == "retries" else S.CollectionsSpec
        )
    if p[0] == "datasets":
        if n == 2:
            return S.DatasetSpec
        if n == 3 and p[2] == "count":
            return S.CountPerSpec
        if n == 3 and p[2] == "retries":
            return S.RetriesSpec
        if n == 4 and p[2] == "fields":
            kind = spec_kind(node)
            models: dict[str, type[BaseModel]] = {
                "faker": S.FakerSpec,
                "choice": S.ChoiceSpec,
                "sequence": S.SequenceSpec,
                "ref": S.RefSpec,
                "skip": S.SkipSpec,
                "value": S.ValueSpec,
                "template": S.TemplateSpec,
            }
            return models.get(kind or "")
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _show(value: Any, key: str) -> str:
    if is_secret_key(key):
        return "'***'"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_BOUND_WORDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}
#: error types raised by the manifest models themselves: their text is already for people.
_OWN_ERRORS = {
    "choice_weights",
    "count_per",
    "now_format",
    "sequence_format",
    "field_spec_ambiguous",
    "bad_name",
    "collections",
}
_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "datetime_type": "an ISO 8601 date-time",
}


def _type_name(v: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        dict: "mapping",
        list: "list",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def _type_problem(
    key: str, path: Path, words: list[str], value: Any, source: SourceMap
) -> tuple[str, str | None, str]:
    """Message, hint and code for a value of the wrong type (all union members at once)."""
    info = source.scalars.get(path)
    surprise = describe_surprise(info, value) if info is not None else None
    if surprise and "a string" in words:
        raw = info.raw if info else value
        return f"{key} {surprise}", f'write it in quotes: {key}: "{raw}"', "SR-E003"
    if key == "count" and len(path) == 3 and path[0] == "datasets":
        words = ["an integer >= 0 or a mapping {per: DATASET, min: A, max: B}"]
    got = f"{_type_name(value)} {_show(value, key)}" if value is not None else "null"
    return f"{key} must be {' or '.join(words)}, got {got}", None, "SR-E011"


def _expected_types(errors: list[ErrorDetails], data: Any) -> dict[Path, list[str]]:
    """What each path may be, gathered over the members of a union (str | list[str] ...)."""
    out: dict[Path, list[str]] = {}
    for err in errors:
        word = _TYPE_WORDS.get(err["type"])
        if word is not None:
            words = out.setdefault(_walk(data, tuple(err["loc"]))[0], [])
            if word not in words:
                words.append(word)
    return out


def _problem(
    err: ErrorDetails, data: Any, source: SourceMap, expected: dict[Path, list[str]]
) -> Problem:
    loc = tuple(err["loc"])
    path, rest = _walk(data, loc)
    etype = err["type"]
    key = str(path[-1]) if path else "manifest"
    ctx = err.get("ctx") or {}
    value = err.get("input")
    hint: str | None = None
    code = "SR-E011"
    location = source.locate(path)

    if etype == "extra_forbidden":
        code = "SR-E010"
        location = source.locate(path, prefer_key=True)
        parent = path[:-1]
        message = f"unknown key '{key}' {_context(parent)}"
        model = _model_at(parent, data)
        if model is not None:
            hint = did_you_mean(key, _keys_of(model))
            if hint is None:
                hint = "valid keys: " + ", ".join(_keys_of(model))
    elif etype == "missing":
        code = "SR-E012"
        missing = str(rest[-1]) if rest else key
        message = f"missing required key '{missing}' {_context(path)}"
        hint = f"add `{missing}:`"
        path = (*path, missing)
    elif etype in _BOUND_WORDS:
        bound_key, sign = _BOUND_WORDS[etype]
        message = f"{key} must be {sign} {ctx.get(bound_key)}, got {_show(value, key)}"
    elif etype in _TYPE_WORDS:
        words = expected.get(path) or [_TYPE_WORDS[etype]]
        message, hint, code = _type_problem(key, path, words, value, source)
    elif etype == "literal_error":
        message = f"{key} must be {ctx.get('expected')}, got {_show(value, key)}"
    elif etype == "too_short" and isinstance(value, dict | list):
        message = f"{key} must not be empty"
    elif etype == "field_spec_kind":
        message = f"{err['msg']} {_context(path)}"
        if isinstance(value, dict):
            for k in value:
                hint = did_you_mean(str(k), S.SPEC_KINDS)
                if hint:
                    break
    elif key == "ref" and etype == "string_pattern_mismatch":
        message = f"ref must be 'DATASET.FIELD', got {_show(value, key)}"
    elif etype in _OWN_ERRORS:
        message = err["msg"]
    else:
        message = f"{key}: {err['msg']}"
    return Problem(message, location=location, path=dotted(path), hint=hint, code=code)


def problems_from_validation(err: ValidationError, data: Any, source: SourceMap) -> list[Problem]:
    """Every validation error of a manifest, located, in file order, capped at 20."""
    errors = err.errors()
    expected = _expected_types(errors, data)
    problems = [_problem(e, data, source, expected) for e in errors]
    seen: set[tuple[str, str]] = set()
    unique: list[Problem] = []
    for p in problems:
        if (p.message, p.path) not in seen:
            seen.add((p.message, p.path))
            unique.append(p)

    def order(p: Problem) -> tuple[str, int, int]:
        loc = p.location
        return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)

    return sorted(unique, key=order)[:MAX_PROBLEMS]
