"""Saved plans: ``plan -o plan.json`` records what apply would do; ``apply plan.json`` does
exactly that or refuses.

The file holds how to rebuild the plan (manifest path, ``--set``/``--seed``/``--only``/
``--batch-size``, and ``now`` resolved to a fixed time) and what must not have moved since:
a hash of the resolved manifest, the seedrunner and Faker versions, every dataset's
fingerprint and row count, and every ledger's state.  Anything different is refused (exit 2)
with the list of what changed.  No secret is written: a ``--set`` holding a password is
refused at save time (read it from the environment in the manifest instead).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seedrunner._version import __version__
from seedrunner.commands.load import PlanArgs, load_plan
from seedrunner.commands.status import TargetState, plan_state
from seedrunner.errors import ManifestError
from seedrunner.ledger.fingerprint import faker_version
from seedrunner.manifest.loader import Manifest
from seedrunner.plan.steps import Plan

FORMAT = "seedrunner-plan/1"
_PASSWORD_IN_URL = re.compile(r"://[^/@\s:]*:[^/@\s]+@")


@dataclass
class SavedPlan:
    manifest: str  # path of the manifest, as given
    sets: list[str] = field(default_factory=list)
    seed: int | None = None
    now: str = ""  # the plan's now, fixed
    only: list[str] | None = None
    batch_size: int | None = None
    spec_hash: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: str = FORMAT


def _versions() -> dict[str, str]:
    return {"seedrunner": __version__, "faker": faker_version()}


def spec_hash(manifest: Any) -> str:
    """A hash of the resolved manifest: its spec (extends and --set applied) and its
    rendered vars and target options (environment values included; hashed, never kept)."""
    resolved = {
        "spec": manifest.spec.model_dump(mode="json"),
        "vars": manifest.vars,
        "targets": manifest.targets,
    }
    text = json.dumps(resolved, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _observed(plan: Plan, states: Sequence[TargetState]) -> tuple[dict[str, Any], dict[str, Any]]:
    datasets = {
        d.name: {
            "fingerprint": d.fingerprint.digest if d.fingerprint is not None else "",
            "rows": d.count.total,
        }
        for d in plan.datasets
    }
    kept = {
        f"{s.dataset}/{s.target}": {"applied": s.applied, "other_spec": s.other_spec}
        for s in states
        if s.ledger
    }
    return datasets, kept


def secret_in(sets: Sequence[str]) -> str | None:
    """The first ``--set`` that carries a password in a URL, if any."""
    return next((s.split("=", 1)[0] for s in sets if _PASSWORD_IN_URL.search(s)), None)


def save(
    out: Path,
    saved: SavedPlan,
    plan: Plan,
    manifest: Any,
    states: Sequence[TargetState],
) -> None:
    saved.now = plan.now.isoformat()
    saved.spec_hash = spec_hash(manifest)
    saved.versions = _versions()
    saved.datasets, saved.states = _observed(plan, states)
    out.write_text(json.dumps(asdict(saved), indent=2, sort_keys=True) + "\n")


def load(path: Path) -> SavedPlan | None:
    """The saved plan in ``path``, or None when the file is not one (a manifest)."""
    if path.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    known = set(SavedPlan.__dataclass_fields__)
    return SavedPlan(**{k: v for k, v in data.items() if k in known})


def changes(
    saved: SavedPlan, plan: Plan, manifest: Any, states: Sequence[TargetState]
) -> list[str]:
    """What differs between the saved plan and the one rebuilt now (empty: apply it)."""
    out = []
    if spec_hash(manifest) != saved.spec_hash:
        out.append("the manifest (or a file it extends, or an environment value it reads)")
    for name, was in saved.versions.items():
        now = _versions().get(name)
        if now != was:
            out.append(f"{name} {was} -> {now}")
    datasets, kept = _observed(plan, states)
    for name in sorted(set(datasets) | set(saved.datasets)):
        if datasets.get(name) != saved.datasets.get(name):
            out.append(f"dataset '{name}' (spec or rows)")
    for step in sorted(set(kept) | set(saved.states)):
        if kept.get(step) != saved.states.get(step):
            out.append(f"the state of {step} (rows written since the plan was saved)")
    return out


def save_plan(
    out: Path, m: Manifest, plan: Plan, states: Sequence[TargetState], args: PlanArgs
) -> None:
    """``plan -o``: save how ``args`` rebuild ``plan``; refused (exit 2) when a ``--set``
    holds a password, which a saved plan never stores."""
    secret = secret_in(args.sets)
    if secret is not None:
        raise ManifestError.single(
            f"--set {secret} holds a password; a saved plan never stores one",
            hint="read it in the manifest from the environment: {{ env.DATABASE_URL }}",
        )
    only = list(args.only) if args.only is not None else None
    saved = SavedPlan(
        manifest=str(m.path), sets=list(args.sets), seed=args.seed, only=only,
        batch_size=args.batch_size,
    )  # fmt: skip
    save(out, saved, plan, m, states)


def rebuilt(path: Path) -> Plan | None:
    """The plan a saved plan file describes, rebuilt and checked (exit 2 when anything
    moved since it was saved); None when ``path`` is not a saved plan (a manifest)."""
    saved = load(path)
    if saved is None:
        return None
    args = PlanArgs(
        Path(saved.manifest), saved.seed, saved.now, saved.sets, saved.only,
        saved.batch_size,
    )  # fmt: skip
    m, p = load_plan(args)
    changed = changes(saved, p, m, plan_state(p))
    if changed:
        raise ManifestError.single(
            f"{path}: the saved plan no longer matches: " + "; ".join(changed),
            hint="run seedrunner plan -o again, review it, and apply the new plan",
        )
    return p
