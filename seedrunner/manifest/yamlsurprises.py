"""YAML 1.1 surprises: plain scalars read as something other than the string meant.

``zip: 012345`` is octal 5349, ``country: no`` is False; these explain such readings, so
errors say what happened instead of "expected a string".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from seedrunner.manifest.source import ScalarInfo


def _int_base(raw: str) -> str | None:
    text = raw.lstrip("+-").replace("_", "")
    if ":" in text:
        return "base 60"
    if text[:2].lower() == "0x":
        return "hexadecimal"
    if text[:2].lower() == "0b":
        return "binary"
    if len(text) > 1 and text.startswith("0"):
        return "octal"
    if "_" in raw:
        return "'_' ignored"
    return None


def describe_surprise(info: ScalarInfo, value: Any) -> str | None:
    """Why a plain scalar is not the string its author probably meant, or None.

    The schema stage calls this where a string is expected, so that ``zip: 012345`` is
    explained as octal 5349 rather than reported as "expected a string".  Ordinary
    ``true``/``false`` and plain decimal numbers are not surprises.
    """
    if not info.plain:
        return None
    raw = info.raw
    quote = f'; quote it: "{raw}"'
    if isinstance(value, bool):
        if raw.lower() in ("true", "false"):
            return None
        return f"was read as boolean {str(value).lower()} (YAML 1.1){quote}"
    if isinstance(value, int):
        base = _int_base(raw)
        return f"was read as integer {value} ({base}){quote}" if base else None
    if isinstance(value, float):
        if ":" in raw:
            return f"was read as number {value:g} (base 60){quote}"
        if repr(value) != raw.lstrip("+"):
            return f"was read as number {value!r}{quote}"
        return None
    if isinstance(value, dt.datetime):
        return f"was read as timestamp {value.isoformat()}{quote}"
    if isinstance(value, dt.date):
        return f"was read as date {value.isoformat()}{quote}"
    return None


def kind_word(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "null"


def key_message(info: ScalarInfo, value: Any) -> str:
    if info.raw == "":
        return "empty key (read as null); write a name before ':'"
    surprise = describe_surprise(info, value)
    if surprise:
        return f"key '{info.raw}' {surprise}"
    return f'key {info.raw} was read as {kind_word(value)}; quote it: "{info.raw}"'
