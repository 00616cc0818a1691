"""The production guard's matching rule: which protected-list entries match which target
URLs, and which targets count as local (no DNS: names are compared as written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedrunner.errors import ProblemCollector
from seedrunner.plan.guard import load_rules, parse_url

BASE = Path("/srv/project")


def _matches(entry: str, url: str) -> bool:
    out = ProblemCollector()
    rules = load_rules(BASE, {"SEEDRUNNER_PROTECTED": entry}, out, cwd=Path("/"))
    assert not out, out.problems
    target = parse_url(url, BASE)
    assert target is not None
    return any(r.matches(target) for r in rules)


@pytest.mark.parametrize(
    ("entry", "url", "expected"),
    [
        # a host matches every URL with that host, whatever the port, user or database
        ("db.prod.internal", "postgresql+psycopg://app:pw@db.prod.internal:5433/x", True),
        ("DB.Prod.Internal.", "postgresql://app@db.prod.internal/app", True),
        ("db.prod.internal", "postgresql://app@db.staging.internal/app", False),
        ("db.prod.internal", "redis://:pw@db.prod.internal:6379/2", True),
        ("api.prod.example", "https://api.prod.example/v1/users", True),
        # host:port: the port must match too (the scheme's default port when absent)
        ("db.prod:5432", "postgresql://u@db.prod/app", True),
        ("db.prod:5433", "postgresql://u@db.prod/app", False),
        ("[::1]:6380", "redis://[0:0::1]:6380", True),
        ("10.0.0.5", "mysql+pymysql://root@10.0.0.5/shop", True),
        # a URL: host + port + database; driver, user, password and query do not matter
        ("postgresql://admin:other@prod:5432/app", "postgresql+psycopg://u:pw@PROD/app?x=1", True),
        ("postgresql://prod/app", "postgresql+asyncpg://u@prod:5432/other", False),
        ("postgresql://prod/app", "postgresql://u@prod:6432/app", False),
        ("postgresql://prod", "postgresql://u@prod/anything", True),
        ("mysql://shop.prod/shop", "mysql+aiomysql://root@shop.prod:3306/shop", True),
        # Redis: the db number, 0 when absent
        ("redis://cache.prod/0", "redis://cache.prod:6379", True),
        ("redis://cache.prod/1", "redis://cache.prod:6379/0", False),
        # HTTP: a path prefix on segment boundaries
        ("https://api.prod/v1", "https://api.prod/v1/users", True),
        ("https://api.prod/v1", "https://api.prod/v10/users", False),
        ("https://api.prod/v1", "http://api.prod/v1/users", False),  # port 80 is not 443
        # SQLite: the resolved file path (relative entries resolve like the target's path)
        ("sqlite:////srv/project/prod.db", "sqlite:///prod.db", True),
        ("sqlite:////srv/project/prod.db", "sqlite:///dev.db", False),
    ],
)
def test_entry_matches_target(entry: str, url: str, expected: bool) -> None:
    assert _matches(entry, url) is expected


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("sqlite:///x.db", True),
        ("postgresql://u@localhost/app", True),
        ("postgresql://u@127.0.0.1:5432/app", True),
        ("postgresql://u@127.0.0.2/app", True),
        ("redis://[::1]:6379", True),
        ("postgresql://u@/app", True),  # the default Unix socket
        ("postgresql://u@/app?host=/var/run/postgresql", True),
        ("postgresql://u@db.prod/app", False),
        ("postgresql://u@localhost.localdomain/app", False),  # not resolved, so not local
        ("http://127.0.0.1:8080/api", True),
        ("https://api.example.com", False),
        ("redis://10.1.2.3:6379", False),
    ],
)
def test_local_targets(url: str, local: bool) -> None:
    ep = parse_url(url, BASE)
    assert ep is not None
    assert ep.local is local


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("db.prod/app", "is neither a host nor a URL"),
        ("db.prod:port", "has a bad port"),
        ("postgresql://u:pw@:5432/app", "names no host"),
    ],
)
def test_bad_entries_are_problems(entry: str, message: str) -> None:
    out = ProblemCollector()
    load_rules(BASE, {"SEEDRUNNER_PROTECTED": f"ok.host, {entry}"}, out, cwd=Path("/"))
    assert [p.code for p in out.problems] == ["SR-E009"]
    assert message in out.problems[0].message
    assert "SEEDRUNNER_PROTECTED" in out.problems[0].message
    assert "pw" not in out.problems[0].message


def test_library_apply_refuses_a_listed_target(manifest, tmp_path: Path) -> None:
    """The Python API keeps the guard: build_plan reads the lists, apply refuses."""
    from seedrunner.execute.runner import ProtectedTargetError, apply
    from seedrunner.manifest.loader import load_manifest
    from seedrunner.plan.planner import build_plan

    path = manifest(
        """
        version: 1
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///app.db", create_tables: true}
        datasets:
          t: {count: 2, fields: {x: 1}, persist: [db]}
        """
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedrunner]\nprotected = ["sqlite:///app.db"]\n'
    )
    plan = build_plan(load_manifest(path, environ={}, cwd=tmp_path))
    (target,) = plan.datasets[0].targets
    (why,) = target.protection  # the pyproject beside the manifest counts, wherever cwd is
    assert why.startswith("URL 'sqlite:///app.db' is listed in ")
    assert why.endswith("pyproject.toml [tool.seedrunner] protected")
    with pytest.raises(ProtectedTargetError) as caught:
        apply(plan)
    (problem,) = caught.value.problems
    assert problem.code == "SR-E070"
    assert problem.path == "targets.db"
    assert not (tmp_path / "app.db").exists()
    assert apply(plan, allow_protected=True).ok
    assert (tmp_path / "app.db").exists()
