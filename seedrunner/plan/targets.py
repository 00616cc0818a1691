"""Resolve a dataset's persist chain: handler classes and validated options."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from seedrunner.errors import HandlerError, ProblemCollector
from seedrunner.handlers.caps import undo_problem
from seedrunner.handlers.registry import UnknownHandlerError, resolve_handler
from seedrunner.handlers.storeoptions import (
    StoredLedgerOptions,
    sqlite_state_conflict,
    state_problem,
)
from seedrunner.ledger.spec import HoldsLedgerTables, KeepsLedger, LedgerSite, LedgerSpec
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.manifest.locate import did_you_mean
from seedrunner.manifest.source import Path
from seedrunner.plan.steps import TargetPlan
from seedrunner.redact import is_secret_key, register_secrets, scrub


def _add(
    m: Manifest,
    out: ProblemCollector,
    message: str,
    path: Path,
    hint: str | None,
    code: str = "SR-E060",
    prefer_key: bool = False,
) -> None:
    out.extend([m.source.problem(message, path, hint=hint, code=code, prefer_key=prefer_key)])


def option_problems(
    m: Manifest,
    out: ProblemCollector,
    label: str,
    handler: str,
    cls: type[Any],
    exc: ValidationError,
    path: Path,
) -> None:
    fields = [n for n in cls.Options.model_fields if n != "handler"]
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = str(loc[0]) if loc else "options"
        where = (*path, *loc)
        if err["type"] == "extra_forbidden":
            _add(
                m,
                out,
                f"unknown option '{key}' for handler '{handler}' in {label}",
                where,
                did_you_mean(key, fields) or f"options: {', '.join(fields)}",
                prefer_key=True,
            )
        elif err["type"] == "missing":
            _add(
                m,
                out,
                f"{label} (handler {handler}) needs option '{key}'",
                path,
                f"add `{key}:` to the target",
            )
        else:
            # scrub before cutting: a cut secret no longer matches the scrubber
            secret = any(is_secret_key(str(part)) for part in loc)
            shown = "***" if secret else scrub(repr(err.get("input")))[:60]
            _add(m, out, f"option '{key}' of {label}: {err['msg']} (got {shown})", where, None)


def _resolve(
    m: Manifest,
    out: ProblemCollector,
    label: str,
    options: dict[str, Any],
    path: Path,
) -> TargetPlan | None:
    handler = str(options.get("handler"))
    try:
        python_path = [(m.base_dir / p).resolve() for p in m.spec.python_path]
        cls = resolve_handler(handler, base_dir=m.base_dir, python_path=python_path)
    except UnknownHandlerError as exc:
        _add(m, out, exc.message, (*path, "handler"), exc.hint, code="SR-E030")
        return None
    try:
        opts = cls.Options.model_validate(options)
        register_secrets(opts)
    except ValidationError as exc:
        option_problems(m, out, label, handler, cls, exc, path)
        return None
    plan = TargetPlan(label, handler, cls, opts, source_path=path)
    if isinstance(opts, StoredLedgerOptions) and opts.ledger:
        plan.state = _state_target(m, out, opts, path)
    return plan


def _ledger(m: Manifest, dataset: str, plan: TargetPlan) -> LedgerSpec | None:
    """The ledger ``plan`` keeps for ``dataset``, resolved once: the one place that asks
    a handler's Options which kind it is."""
    opts = plan.options
    if not isinstance(opts, KeepsLedger):
        return None
    state = plan.state.options if plan.state is not None else None
    site = LedgerSite(
        m.base_dir, dataset, plan.name,
        state=state.ledger_place(m.base_dir) if isinstance(state, HoldsLedgerTables) else None,
        cannot_undo=undo_problem(plan.handler_cls, plan.handler, opts),
    )  # fmt: skip
    try:
        return opts.ledger_spec(site)
    except HandlerError:  # an output path plan refuses (_check_output_path says why)
        return None


def _state_target(
    m: Manifest, out: ProblemCollector, opts: StoredLedgerOptions, path: Path
) -> TargetPlan | None:
    """The sqlalchemy target holding a stored ledger (None: the local state file)."""
    problem = state_problem(opts, m.targets)
    if problem is not None:
        _add(m, out, problem[0], (*path, "state"), problem[1], code="SR-E030")
        return None
    if opts.state is None:
        return None
    name = opts.state
    state = _resolve(m, out, f"target '{name}'", m.targets[name], ("targets", name))
    if state is not None:
        state.name = name
    return state


def compile_targets(
    m: Manifest,
    dataset: str,
    ds: S.DatasetSpec,
    out: ProblemCollector,
    fields: list[str] | None = None,
) -> list[TargetPlan]:
    plans: list[TargetPlan] = []
    names = list(m.targets)
    for i, entry in enumerate(ds.persist):
        if isinstance(entry, str):
            if entry not in m.targets:
                _add(
                    m,
                    out,
                    f"unknown target '{entry}' in persist of dataset '{dataset}'"
                    f" (defined targets: {', '.join(names) or 'none'})",
                    ("datasets", dataset, "persist", i),
                    did_you_mean(entry, names) or "define it under targets:",
                    code="SR-E030",
                )
                continue
            plan = _resolve(m, out, f"target '{entry}'", m.targets[entry], ("targets", entry))
            if plan is not None:
                plan.name = entry
        else:
            plan = _resolve(
                m,
                out,
                f"persist[{i}] of dataset '{dataset}'",
                m.inline_targets[(dataset, i)],
                ("datasets", dataset, "persist", i),
            )
            if plan is not None:
                plan.name = f"{plan.handler}[{i}]"
        if plan is not None:
            where: Path = (
                ("targets", entry)
                if isinstance(entry, str)
                else ("datasets", dataset, "persist", i)
            )
            _check_output_path(m, out, dataset, plan, where)
            plan.ledger = _ledger(m, dataset, plan)
            plans.append(plan)
            if isinstance(plan.options, StoredLedgerOptions) and plan.options.ledger:
                problem = plan.options.ledger_problem(fields or []) or sqlite_state_conflict(
                    plan.options, [e for e in ds.persist if isinstance(e, str)], m.targets
                )
                if problem is not None:
                    _add(m, out, f"{plan.name} in dataset '{dataset}': {problem}", where, None)
    return plans


def _check_output_path(
    m: Manifest, out: ProblemCollector, dataset: str, plan: TargetPlan, path: Path
) -> None:
    """A file output leaving the manifest folder is a plan error, not an apply-time one.

    Any handler whose options carry ``path`` and ``allow_outside`` (jsonl, json, csv) is
    checked with the same function its ``open`` uses, symlinks resolved.
    """
    opts = plan.options
    target, allow = getattr(opts, "path", None), getattr(opts, "allow_outside", None)
    if not isinstance(target, str) or not isinstance(allow, bool):
        return
    from seedrunner.handlers.files import resolve_output_path

    try:
        resolve_output_path(
            target, m.base_dir, dataset=dataset, target=plan.name, allow_outside=allow
        )
    except HandlerError as exc:
        hint = "write inside the project folder, or set allow_outside: true on the target"
        _add(m, out, str(exc), (*path, "path"), hint)
