"""Every import path a plugin author was told about keeps working (issue 14, item 7).

Names the README and the plugin guide document stay importable where they were; modules
that moved leave a stub that re-exports the new home and warns, naming it, so a plugin
keeps running while its author learns what to change.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

#: (module, names) a plugin may import, with no warning
STABLE = [
    ("seedrunner", ["Handler", "HandlerContext", "HandlerOptions", "Batch", "apply",
                    "build_plan", "load_manifest", "preview_rows", "Observer"]),
    ("seedrunner.handlers.base", ["Handler", "HandlerContext", "HandlerOptions",
                                  "ResourcePool"]),
    ("seedrunner.generate.rows", ["Batch"]),
    ("seedrunner.execute.events", ["Observer", "NullObserver"]),
    ("seedrunner.errors", ["HandlerError", "TransientHandlerError", "SeedrunnerError"]),
]  # fmt: skip

#: (old module, a name it re-exports, where the name lives now)
MOVED = [
    ("seedrunner.state.storeoptions", "StoredLedgerOptions", "seedrunner."),
    ("seedrunner.transforms", "TransformContext", "seedrunner.execute.transforms"),
    ("seedrunner.preview", "preview_rows", "seedrunner.commands.preview"),
]


def fresh_import(name: str) -> object:
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize(("module", "names"), STABLE, ids=[m for m, _ in STABLE])
def test_documented_paths_import_without_a_warning(module: str, names: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = importlib.import_module(module)
    missing = [n for n in names if not hasattr(loaded, n)]
    assert not missing, f"{module} no longer offers {missing}"


@pytest.mark.parametrize(("old", "name", "home"), MOVED, ids=[m for m, _, _ in MOVED])
def test_moved_paths_warn_and_give_the_same_object(old: str, name: str, home: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {home}") as caught:
        stub = fresh_import(old)
    new_home = str(caught[0].message).split(" moved to ")[1].split(";")[0]
    assert getattr(stub, name) is getattr(importlib.import_module(new_home), name)


def test_a_plugin_written_against_the_old_path_still_runs() -> None:
    """A handler plugin whose Options extend the old StoredLedgerOptions still validates
    and keeps a ledger (its options say so through the same class)."""
    with pytest.warns(DeprecationWarning, match="seedrunner.state.storeoptions moved"):
        old = fresh_import("seedrunner.state.storeoptions")
    cls = old.StoredLedgerOptions  # type: ignore[attr-defined]

    class Options(cls):  # type: ignore[misc,valid-type]
        pass

    opts = Options(handler="x:Y", ledger=True)
    assert opts.ledger is True
