"""The one place that masks secrets: URL passwords, auth headers and secret-looking options."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"

_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|auth(orization)?|credential|cookie|private)",
    re.IGNORECASE,
)
# scheme://user:password@host  -- the password may itself contain ':' or '/' or '@'.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^\s]*)@")


def redact_url(text: str) -> str:
    """Mask the password of every URL in ``text`` (keeps user, host, port and path)."""

    def repl(m: re.Match[str]) -> str:
        pw = m.group("pw")
        # The password runs to the *last* '@' before the host; the regex is greedy already.
        return f"{m.group('head')}{MASK}@" if pw else m.group(0)

    return redact_query(_URL_PASSWORD.sub(repl, text))


_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[A-Za-z0-9_]*)(?:pass(?:word|wd)?|secret|token|api[_-]?key|auth)"
    r"[A-Za-z0-9_]*=)(?P<value>[^&;#\s]+)",
    re.IGNORECASE,
)


def redact_query(text: str) -> str:
    """Mask secret-looking query parameters (``?password=...``, ``&sslpassword=...``)."""
    return _QUERY_SECRET.sub(lambda m: m.group("key") + MASK, text)


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def redact_value(key: str, value: Any) -> Any:
    """Redact one option value given its key name (recursing into mappings and lists)."""
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(key, v) for v in value]
    if isinstance(value, str):
        if is_secret_key(key):
            return MASK
        return redact_url(value)
    return value


def redact_options(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: redact_value(k, v) for k, v in options.items()}


class SecretRegistry:
    """Literal secret strings seen while rendering (env values put into secret options).

    Errors from drivers may echo a password in forms no regex anticipates; every
    known secret is replaced wherever it appears.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if len(secret) >= 4:
            self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        text = redact_url(text)
        for s in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(s, MASK)
        return text


SECRETS = SecretRegistry()


def scrub(text: str) -> str:
    """Redact URL passwords and every registered secret from ``text``."""
    return SECRETS.scrub(text)


def secret_fields(options_cls: Any) -> set[str]:
    """Option names a handler marks secret: ``Field(json_schema_extra={"secret": True})``."""
    out: set[str] = set()
    for name, field in getattr(options_cls, "model_fields", {}).items():
        extra = field.json_schema_extra
        if isinstance(extra, Mapping) and extra.get("secret"):
            out.add(field.alias or name)
    return out


def register_secrets(options: Any) -> None:
    """Remember the values of secret-marked options, so every output masks them."""
    for name in secret_fields(type(options)):
        value = getattr(options, name, None)
        if value is None:
            value = options.model_dump(by_alias=True).get(name)
        for text in _strings(value):
            SECRETS.add(text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []
