"""Options of the http handlers, and which headers are credentials.

Credential headers are masked in every dump of the options (plan, ``--json``) and their
values are registered with the scrubber before validation, so nothing can echo them.  A
bad ``url`` or ``headers`` value reaches its field validator as a masked stand-in: the
planner prints the input of a failed option cut to 60 characters, and a secret cut in two
escapes the scrubber.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from seedrunner.handlers.storeoptions import StoredLedgerOptions
from seedrunner.redact import MASK, SECRETS, is_secret_key, redact_url

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# Credential headers by name, and any name with one of these words in it.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
_SECRET_HEADER_WORD = re.compile(
    r"token|secret|key|auth|cookie|passw|session|signature|credential", re.IGNORECASE
)


def is_secret_header(name: str) -> bool:
    """True for a header whose value is a credential (shown as ``***``, never forwarded
    to another origin)."""
    return name.lower() in _CREDENTIAL_HEADERS or bool(_SECRET_HEADER_WORD.search(name))


def masked_headers(headers: dict[str, Any]) -> dict[str, Any]:
    return {
        k: MASK if isinstance(k, str) and is_secret_header(k) else v for k, v in headers.items()
    }


def register_secret(value: str) -> None:
    """Register a credential with the scrubber, with the forms it may be echoed in."""
    SECRETS.add(value)
    scheme, _, credential = value.partition(" ")
    credential = credential.strip()
    if not credential:
        return
    SECRETS.add(credential)  # the token of 'Bearer <token>'
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return
        SECRETS.add(decoded)
        SECRETS.add(decoded.partition(":")[2])


class _Refused:
    """A bad value as the planner prints it (masked); its message says what is wrong."""

    def __init__(self, message: str, shown: object) -> None:
        self.message = message
        self.shown = shown

    def __repr__(self) -> str:
        return repr(self.shown)


def _header_problem(headers: dict[Any, Any], url: object) -> str | None:
    for name, value in headers.items():
        if not isinstance(name, str) or not name.strip():
            return "a header name is empty or not text"
        if not isinstance(value, str):
            return f"header {name!r} must be text, not {type(value).__name__}"
        if isinstance(value, str) and ("\r" in value or "\n" in value):
            return f"header {name!r} has a line break inside its value"
    has_auth = any(str(k).lower() == "authorization" for k in headers)
    if has_auth and isinstance(url, str) and "@" in url and _userinfo(url):
        # httpx would silently replace the header with Basic auth from the URL
        return "url has a user:password@ and headers has an Authorization header; keep one"
    return None


def _userinfo(url: str) -> bool:
    try:
        return bool(httpx.URL(url).userinfo)
    except httpx.InvalidURL:
        return False


def _url_problem(url: str) -> str | None:
    """What is wrong with ``url``; registers its password and secret query values."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"not a valid URL ({exc})"
    if parsed.password:
        register_secret(parsed.password)
    for name, value in parsed.params.multi_items():
        if is_secret_key(name) and value:
            register_secret(value)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "must be an http:// or https:// URL with a host"
    return None


def _checked_headers(value: Any, url: object) -> Any:
    """Numbers become text (an unquoted YAML value); surrounding whitespace goes (a token
    read from a file keeps its newline); credentials are registered first."""
    if not isinstance(value, dict):
        return value
    headers: dict[Any, Any] = {}
    for name, v in value.items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            v = str(v)
        if isinstance(v, str):
            v = v.strip()
            if isinstance(name, str) and is_secret_header(name) and v:
                register_secret(v)
        headers[name] = v
    problem = _header_problem(headers, url)
    return headers if problem is None else _Refused(problem, masked_headers(headers))


class HttpDelete(BaseModel):
    """How destroy deletes one row from the server (with ``ledger: true``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["DELETE", "POST"] = Field(
        default="DELETE", description="HTTP method of the request deleting one row."
    )
    url: str = Field(
        min_length=1,
        description="URL of one row, relative to the target's url or absolute: '{field}' "
        "is replaced by the row's field, percent-encoded (e.g. /users/{id}).",
    )

    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.url)

    def for_row(self, row: dict[str, Any]) -> str:
        """The URL of ``row``: each placeholder percent-encoded, so a value cannot leave
        its path segment."""
        return _PLACEHOLDER.sub(lambda m: quote(str(row[m.group(1)]), safe=""), self.url)


class HttpOptions(StoredLedgerOptions):
    handler: str = Field(default="http", description="Which handler this target uses.")
    url: str = Field(
        description="Endpoint receiving each batch (http:// or https://); shown with any "
        "password or token in it masked.",
    )
    method: Literal["POST", "PUT"] = Field(default="POST", description="HTTP method: POST or PUT.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Request headers; values may read the environment "
        "('Bearer {{ env.API_TOKEN }}'). Credential headers (Authorization, Cookie, "
        "X-Api-Key, any name containing token, secret, key or auth) print as *** and are "
        "not forwarded on a redirect to another origin.",
    )
    timeout: float = Field(
        default=30.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds allowed for each phase of a request: connect (at most 10), "
        "send, wait for the answer, wait for a pooled connection. Never unbounded.",
    )
    envelope: str | None = Field(
        default=None,
        min_length=1,
        description="Send {envelope: [rows]} instead of the bare JSON array of rows.",
    )
    verify: bool = Field(
        default=True, description="Verify the server's TLS certificate (https:// URLs)."
    )
    ca_bundle: str | None = Field(
        default=None,
        description="A PEM file of CA certificates to verify the server with (a private CA "
        "or a self-signed server), relative to the manifest; instead of verify: false.",
    )
    allow_insecure: bool = Field(
        default=False,
        description="Send credentials (an Authorization or other secret header, a URL "
        "password) over plain http:// to a host that is not this machine.",
    )
    idempotency_header: str | None = Field(
        default="Idempotency-Key",
        description="Header carrying each batch's key (the same on every retry of a batch "
        "in a run), so the server can drop a duplicate; null or '' turns it off, and then a "
        "500 or a lost answer is not retried.",
    )
    read_back: bool = Field(
        default=False,
        description="Merge the rows the server answers with (a JSON array of one object per "
        "row, or {envelope: [...]}) into the batch, so server-assigned ids reach the next "
        "handler and child datasets.",
    )
    delete: HttpDelete | None = Field(
        default=None,
        description="With ledger: true, how destroy deletes a row it wrote: {method: DELETE, "
        "url: /users/{id}}; without it destroy lists the target as 'cannot undo'.",
    )

    @model_validator(mode="before")
    @classmethod
    def _mask_bad_values(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        url = data.get("url")
        if "headers" in data:
            data["headers"] = _checked_headers(data["headers"], url)
        if isinstance(url, str):
            problem = _url_problem(url)
            if problem is not None:
                data["url"] = _Refused(problem, redact_url(url))
        return data

    @model_validator(mode="after")
    def _ledger_without_read_back(self) -> HttpOptions:
        if self.ledger and self.read_back:
            raise ValueError(
                "ledger: true with read_back: true: the ids the server assigned to rows an "
                "earlier apply wrote are not kept, so their children could not get them; "
                "generate the ids in the manifest, or drop one of the two"
            )
        return self

    @model_validator(mode="after")
    def _credentials_need_tls(self) -> HttpOptions:
        """Credentials sent in clear cross every network between here and the server;
        refused unless the server is this machine or the manifest says it means it."""
        if self.ca_bundle is not None and not self.verify:
            raise ValueError("ca_bundle with verify: false: the bundle would not be used")
        url = httpx.URL(self.url) if isinstance(self.url, str) else None
        if url is None or url.scheme != "http" or self.allow_insecure or _loopback(url.host):
            return self
        secret = [n for n in self.headers if is_secret_header(n)]
        if url.password:
            secret.append("the URL's password")
        if secret:
            raise ValueError(
                f"{', '.join(secret)} would be sent in clear over http:// to {url.host}: "
                "use https://, or set allow_insecure: true if the network is yours"
            )
        return self

    def ledger_problem(self, fields: Sequence[str]) -> str | None:
        if self.delete is None:
            return None
        unknown = [p for p in self.delete.placeholders() if p not in fields]
        if unknown:
            return (
                f"delete url {self.delete.url!r} names {', '.join(repr(u) for u in unknown)}, "
                f"not a field of the rows (fields: {', '.join(fields)})"
            )
        return None

    @field_validator("url", "headers", mode="before")
    @classmethod
    def _refused(cls, value: Any) -> Any:
        if isinstance(value, _Refused):
            raise ValueError(value.message)
        return value

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("idempotency_header")
    @classmethod
    def _key_header(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    @field_serializer("headers")
    def _masked(self, headers: dict[str, str]) -> dict[str, str]:
        """Dumps (plan, JSON output) show credential headers as ``***``."""
        return masked_headers(headers)

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            if key == "url" and isinstance(value, str):
                value = redact_url(value)
            elif key == "headers":
                value = masked_headers(self.headers)
            yield key, value


class AsyncHttpOptions(HttpOptions):
    handler: str = Field(default="http-async", description="Which handler this target uses.")


def _loopback(host: str) -> bool:
    """Is ``host`` this machine by its literal name or address (no DNS lookup)?"""
    if host.lower() in ("localhost", "localhost.", "::1", "[::1]"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
