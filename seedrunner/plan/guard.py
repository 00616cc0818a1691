"""The production guard: which targets are protected, and which are not on this machine.

A seeding run pointed at the wrong environment is the worst thing seedrunner can do, so
plan time works out, for every target, where it writes (its ``Endpoint``) and why it is
protected:

* ``protected: true`` on the target (the reason names the file:line:column);
* an entry of ``[tool.seedrunner] protected`` in the nearest pyproject.toml (above the
  working directory and above the manifest's folder: both are read, the union counts);
* an entry of the ``SEEDRUNNER_PROTECTED`` environment variable (comma-separated).

Matching (no DNS lookups: a name is compared as written, so the rule is the same in CI
and on a laptop):

* an entry without ``://`` is a host, optionally ``host:port`` (``[v6]:port``); it
  matches every target whose URL has that host (and port, when given);
* an entry with ``://`` is a URL; it matches a target with the same host and port (the
  scheme's default port when absent, e.g. 5432 for postgresql) and, when the entry names
  one, the same database (SQL database name, Redis db number - 0 when absent - or an
  HTTP path prefix).  The scheme and driver (``postgresql+psycopg``) do not matter, and
  neither do user, password or query.  ``sqlite:///path`` entries match SQLite targets by
  the file's resolved path.
* hosts compare case-insensitively, without a trailing dot; IP addresses by value.

A target is *local* when it writes a file (SQLite, JSONL, ...), to stdout, through a Unix
socket (no host, or a host that is a path), or to ``localhost`` / 127.0.0.0/8 / ``::1``.
Names that merely resolve to a loopback address (``myhost`` in /etc/hosts) are not local:
the guard does not resolve names, and asking once too often is the safe mistake.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from seedrunner.errors import ManifestError, Problem, ProblemCollector
from seedrunner.manifest.discover import nearest_pyproject, seedrunner_table
from seedrunner.manifest.source import dotted
from seedrunner.redact import redact_url

ENV_VAR = "SEEDRUNNER_PROTECTED"
DEFAULT_PORTS = {
    "postgresql": 5432, "postgres": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433,
    "oracle": 1521, "redis": 6379, "rediss": 6379, "http": 80, "https": 443,
}  # fmt: skip
_FILE_FAMILIES = frozenset({"sqlite", "file", "unix"})


class ProtectedTargetError(ManifestError):
    """A write to (or delete from) a protected target without ``--allow-protected``.

    Exit 2, one located problem (SR-E070) per target: like bad input, it is refused before
    anything is opened or written, and ``--json-errors`` reports it the same way.
    """


@dataclass(frozen=True)
class Endpoint:
    """Where a target writes, as far as the guard needs to know; never holds a password."""

    family: str  # scheme without driver: postgresql, mysql, redis, https, sqlite, file, ...
    host: str  # normalised (lower case, no brackets); "" for files and Unix sockets
    port: int | None
    database: str | None  # SQL database, Redis db, HTTP path, or a file's resolved path
    shown: str  # the URL with its password masked (or the file path), for messages

    @property
    def local(self) -> bool:
        if self.family in _FILE_FAMILIES or not self.host or self.host.startswith("/"):
            return True
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _host(raw: str | None) -> str:
    host = (raw or "").strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _file(path: str, base_dir: Path, family: str, shown: str) -> Endpoint:
    resolved = path if path == ":memory:" else str((base_dir / path).resolve())
    return Endpoint(family, "", None, resolved, shown)


def parse_url(url: str, base_dir: Path) -> Endpoint | None:
    """The endpoint of a target (or protected-list) URL; None when it does not parse."""
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        return None
    family = scheme.split("+")[0].lower()
    shown = redact_url(url)
    try:
        if family in ("http", "https"):
            parts = urlsplit(url)
            path = parts.path.rstrip("/")
            port = parts.port or DEFAULT_PORTS[family]
            return Endpoint(family, _host(parts.hostname), port, path, shown)
        parsed = make_url(url)
        if family == "sqlite":
            db = str(parsed.database or ":memory:")
            db = db.removeprefix("file:").partition("?")[0] or ":memory:"
            return _file(db, base_dir, "sqlite", shown)
        host = parsed.host
        query_host = parsed.query.get("host")  # libpq: ?host=/var/run/postgresql
        if not host and query_host:
            host = query_host if isinstance(query_host, str) else query_host[0]
        database = parsed.database
        if family in ("redis", "rediss"):
            database = (database or "").strip("/") or "0"
        db_port = parsed.port or DEFAULT_PORTS.get(family)
        return Endpoint(family, _host(host), db_port, database, shown)
    except Exception:  # any parse failure: the handler reports the URL when it opens
        return None


def endpoint_of(options: Any, base_dir: Path) -> Endpoint | None:
    """Where a target's options say it writes: ``url``, else a SQLite ``database`` or file
    ``path``; None for targets with neither (stdout, plugins without a url)."""
    url = getattr(options, "url", None)
    if isinstance(url, str):
        return parse_url(url, base_dir) or Endpoint("unknown", "?", None, None, redact_url(url))
    database = getattr(options, "database", None)
    if isinstance(database, str):
        return _file(database, base_dir, "sqlite", database)
    path = getattr(options, "path", None)
    if isinstance(path, str):
        return _file(path, base_dir, "file", path)
    return None


@dataclass(frozen=True)
class Rule:
    """One entry of a protected list."""

    entry: str  # as written, password masked
    source: str  # "pyproject.toml [tool.seedrunner] protected" or "SEEDRUNNER_PROTECTED"
    endpoint: Endpoint
    is_url: bool

    def matches(self, target: Endpoint) -> bool:
        want = self.endpoint
        if want.family == "sqlite":
            return target.family == "sqlite" and target.database == want.database
        if not want.host or target.host != want.host:
            return False
        if want.port is not None and target.port != want.port:
            return False
        if not self.is_url or want.database in (None, ""):
            return True
        if target.database is None:
            return False
        if want.family in ("http", "https"):  # a path prefix, on segment boundaries
            return target.database == want.database or target.database.startswith(
                want.database + "/"
            )
        return target.database == want.database

    @property
    def reason(self) -> str:
        kind = "URL" if self.is_url else "host"
        return f"{kind} '{self.entry}' is listed in {self.source}"


def _parse_rule(entry: str, source: str, base_dir: Path) -> Rule | str:
    """A rule, or the reason the entry is not one."""
    shown = redact_url(entry)
    if "://" in entry:
        ep = parse_url(entry, base_dir)
        if ep is None:
            return f"cannot parse '{shown}' as a URL"
        if ep.family != "sqlite" and not ep.host:
            return f"URL '{shown}' names no host"
        return Rule(shown, source, ep, True)
    if "/" in entry or "@" in entry:
        return f"'{shown}' is neither a host nor a URL"
    try:
        parts = urlsplit("//" + entry)
        port = parts.port
    except ValueError:
        return f"'{shown}' has a bad port"
    host = _host(parts.hostname)
    if not host:
        return f"'{shown}' names no host"
    return Rule(shown, source, Endpoint("host", host, port, None, shown), False)


def _entries(
    value: Any, source: str, base_dir: Path, where: str, out: ProblemCollector
) -> list[Rule]:
    rules: list[Rule] = []
    for entry in value:
        if not entry.strip():
            continue
        rule = _parse_rule(entry.strip(), source, base_dir)
        if isinstance(rule, str):
            out.extend(
                [
                    _problem(
                        f"{where}: {rule}",
                        "write a host (db.prod.internal, "
                        "10.0.0.5:5432) or a URL (postgresql://db.prod/app)",
                    )
                ]
            )
        else:
            rules.append(rule)
    return rules


def _problem(message: str, hint: str) -> Problem:
    return Problem(message, hint=hint, code="SR-E009")


def load_rules(
    manifest_dir: Path, environ: Mapping[str, str], out: ProblemCollector, cwd: Path | None = None
) -> list[Rule]:
    """The protected lists in force: pyproject.toml files, then ``SEEDRUNNER_PROTECTED``."""
    here = (cwd or Path.cwd()).resolve()
    found = {nearest_pyproject(here), nearest_pyproject(manifest_dir.resolve())}
    rules: list[Rule] = []
    for pyproject in sorted(p for p in found if p is not None):
        value = seedrunner_table(pyproject).get("protected")
        if value is None:
            continue
        shown = _display(pyproject, here)
        where = f"{shown} [tool.seedrunner] protected"
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            out.extend([_problem(f"{where} must be a list of strings",
                                 'e.g. protected = ["db.prod.internal"]')])  # fmt: skip
            continue
        rules += _entries(value, where, pyproject.parent, where, out)
    env = environ.get(ENV_VAR, "")
    rules += _entries(env.split(","), ENV_VAR, here, ENV_VAR, out)
    return rules


def _display(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def annotate(
    datasets: Iterable[Any], manifest: Any, out: ProblemCollector, cwd: Path | None = None
) -> None:
    """Set ``endpoint`` and ``protected_by`` on every target of ``datasets``."""
    rules = load_rules(manifest.base_dir, manifest.environ, out, cwd)
    for d in datasets:
        for t in d.targets:
            t.endpoint = endpoint_of(t.options, manifest.base_dir)
            reasons: list[str] = []
            t.location = manifest.source.locate(t.source_path, prefer_key=True)
            if t.options.protected:
                loc = manifest.source.locate((*t.source_path, "protected"), prefer_key=True)
                reasons.append("marked protected: true" + (f" at {loc}" if loc else ""))
                t.location = loc or t.location
            if t.endpoint is not None:
                reasons += [r.reason for r in rules if r.matches(t.endpoint)]
            t.protected_by = reasons


def target_label(dataset: str, target: Any) -> str:
    """A target's name; an inline one (``jsonl[0]``) also names its dataset."""
    inline = bool(target.source_path) and target.source_path[0] == "datasets"
    return f"{target.name} of dataset '{dataset}'" if inline else target.name


def refuse_protected(datasets: Sequence[Any], action: str = "apply refuses to write to") -> None:
    """Raise ProtectedTargetError naming each protected target and why; no passwords.

    A TargetPlan not annotated at plan time still counts when it is marked
    ``protected: true``.
    """
    problems: dict[str, Problem] = {}
    for d in datasets:
        for t in d.targets:
            label = target_label(d.name, t)
            if t.protection and label not in problems:
                problems[label] = Problem(
                    f"{action} protected target '{label}': {'; '.join(t.protection)}",
                    location=t.location,
                    path=dotted(t.source_path),
                    hint="pass --allow-protected if you mean to, or take it off the "
                    "protected lists",
                    code="SR-E070",
                )
    if problems:
        raise ProtectedTargetError(problems.values())


def remote_targets(datasets: Iterable[Any]) -> dict[str, str]:
    """Label -> redacted URL of every target that is not on this machine."""
    found: dict[str, str] = {}
    for d in datasets:
        for t in d.targets:
            ep = t.endpoint
            if ep is not None and not ep.local:
                found.setdefault(target_label(d.name, t), ep.shown)
    return found


__all__ = [
    "ENV_VAR",
    "Endpoint",
    "ProtectedTargetError",
    "Rule",
    "annotate",
    "endpoint_of",
    "load_rules",
    "parse_url",
    "refuse_protected",
    "remote_targets",
]
