"""Rich renderings of plans, previews, reports and problems (the CLI's only view code)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import typing
import uuid
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from seedrunner.commands.destroy import Undone
from seedrunner.commands.status import TargetState
from seedrunner.errors import Problem
from seedrunner.execute.report import ApplyReport
from seedrunner.plan.steps import DatasetPlan, DeferredRef, Plan
from seedrunner.redact import scrub


def _count_text(d: DatasetPlan) -> str:
    c = d.count
    text = f"{c.total:,} rows"
    if c.per and c.bounds:
        lo, hi = c.bounds
        text += f" ({lo} to {hi} per {c.per} row)" if lo != hi else f" ({lo} per {c.per} row)"
    batches = d.batches
    text += f" · {batches:,} batch{'es' if batches != 1 else ''} of ≤{d.batch_size:,}"
    return text


def _target_text(t: Any) -> str:
    opts = t.display_options()
    shown = ", ".join(f"{k}={v}" for k, v in opts.items() if k != "protected")
    prot = " [protected]" if t.protection else ""  # before the options: never cut off
    return f"{t.name}{prot} ({t.handler}{': ' + shown if shown else ''})"


def _state_text(state: TargetState | None, destroy: bool = False) -> Text:
    if destroy:
        return _undo_text(state)
    if state is None:
        return Text("")
    if not state.ledger:
        return Text(f"  · no ledger: {state.again}" if state.again else "", style="yellow")
    if state.error is not None:
        return Text(f"  · state unknown: {state.error}", style="yellow")
    if state.other_spec:
        what = f" (changed: {', '.join(state.changed)})" if state.changed else ""
        text = f"  · written by another spec{what}: apply refuses"
        if state.same_keys:  # only what the rows read changed: their keys are found
            text += (
                f"; apply --replace deletes its {state.same_keys:,} rows and writes this "
                "spec's, destroy deletes them (their keys read nothing that changed)"
            )
        return Text(text, style="bold red")
    over = (
        f"; {state.over:,} rows over the manifest's count (apply leaves them, destroy deletes them)"
        if state.over
        else ""
    )
    if not state.to_write:
        return Text(f"  · up to date ({state.applied:,} rows applied){over}", style="green")
    text = f"  · {state.applied:,} applied, {state.to_write:,} to write"
    if state.pending:
        text += f" ({state.pending:,} sent before a crash, outcome unknown: sent again)"
    return Text(text + over, style="cyan")


def _undo_text(state: TargetState | None) -> Text:
    if state is None or not state.ledger:
        return Text("  · cannot undo: no ledger", style="yellow")
    if not state.undoable:
        return Text(f"  · cannot undo: {state.undo_note or 'unknown'}", style="yellow")
    if state.error is not None:
        return Text(f"  · state unknown: {state.error}", style="yellow")
    if state.undo_note:  # a file: removed whole, whatever spec wrote it
        return Text(f"  · would {state.undo_note}", style="bold red")
    found = (
        (state.same_keys, "their keys read nothing that changed")
        if state.same_keys
        else (state.by_keys, "by the keys the ledger recorded")
    )
    if state.other_spec and found[0]:
        what = f"changed: {', '.join(state.changed)}; " if state.changed else ""
        return Text(
            f"  · would delete {found[0]:,} rows (written by another spec: {what}{found[1]})",
            style="bold red",
        )
    if state.other_spec:
        return Text("  · cannot undo: written by another spec", style="yellow")
    gone = state.recorded or state.applied  # every row on record, past the count too
    if not gone:
        return Text("  · nothing to delete", style="dim")
    return Text(f"  · would delete {gone:,} rows", style="bold red")


def plan_tree(plan: Plan, states: Sequence[TargetState] = (), destroy: bool = False) -> Tree:
    by_step = {(st.dataset, st.target): st for st in states}
    head = Text.assemble(
        ("Plan ", "bold"),
        (plan.manifest, "bold cyan"),
        f" ({plan.file}) · seed {plan.seed} · "
        f"now {plan.now.isoformat()}{' (from the ledger)' if plan.now_from_ledger else ''} · "
        f"{plan.total_rows:,} rows",
    )
    tree = Tree(head)
    for d in plan.datasets:
        model = f"{d.shape.kind} {d.shape.name}" if d.shape.kind != "schemaless" else "no model"
        node = tree.add(Text.assemble((d.name, "bold green"), f"  {_count_text(d)} · {model}"))
        if d.parents:
            node.add(
                Text(
                    "after " + ", ".join(f"{p} ({d.edges.get(p, '')})" for p in d.parents),
                    style="dim",
                )
            )
        for ref in d.deferred_fields:
            node.add(Text(f"deferred {ref.label} ({_deferred_how(ref)})", style="yellow"))
        for ref in d.deferred:
            if ref.mode == "update":
                node.add(Text(f"then sets {ref.label} (a cycle's deferred edge)", style="yellow"))
        for f in d.fields:  # a reference to the dataset's own rows
            if f.tree is not None:
                node.add(Text(f"{f.name}  {f.source}", style="dim"))
        for line in _draw_lines(d) + _type_lines(d):
            node.add(Text(line, style="dim"))
        fields = ", ".join(d.output)
        node.add(
            Text(
                f"generate  {len(d.output)} fields: {fields}", style="dim" if not d.targets else ""
            )
        )
        for line in _read_lines(d):  # what the rows read besides the manifest
            node.add(Text(line, style="dim"))
        for tr in d.transforms:
            node.add(f"transform {escape(tr.name)}")
        for t in d.targets:
            state = _state_text(by_step.get((d.name, t.name)), destroy)
            persist = node.add(Text.assemble(("persist → ", "bold"), _target_text(t), state))
            for why in t.protection:  # apply refuses it: say why, on lines of their own
                persist.add(Text(f"protected: {why}", style="bold yellow"))
        if not d.targets:
            node.add(Text("not persisted", style="yellow"))
    return tree


def _draw_lines(d: Any) -> list[str]:
    """Keys of references drawn together (plan.joins): a join table's distinct pairs, a
    one-to-one key; one line per draw, naming the parents."""
    drawn: dict[str, list[str]] = {}
    for f in d.fields:
        ref, sep, what = f.source.partition(", ")
        if sep and ref.startswith("ref ") and ("distinct" in what or "one-to-one" in what):
            drawn.setdefault(what, []).append(ref.removeprefix("ref "))
    return [f"draws {what} ← {', '.join(refs)}" for what, refs in drawn.items()]


def _type_lines(d: Any) -> list[str]:
    """Columns of a database type beyond the usual (a PostgreSQL domain, inet, money, bit):
    the kind of value written and, for numbers, the range a domain's CHECK keeps them in."""
    shown = []
    for f in d.shape.fields:
        t = f.type
        if t.sql_type is None or t.kind == "any" or f.name not in d.output:
            continue
        span = f" {t.ge}..{t.le}" if t.ge is not None and t.le is not None else ""
        shown.append(f"{f.name} {t.sql_type} ({t.kind}{span})")
    return [f"database types: {', '.join(shown)}"] if shown else []


def _read_lines(d: Any) -> list[str]:
    """Fixed rows and lookup tables a dataset reads (plan.fixedrows, plan.lookups)."""
    given = [f.name for f in d.fields if f.source == "fixed rows"]
    lines = [f"fixed rows give {', '.join(given)}"] if given else []
    return lines + [f"{f.name} ← {f.source}" for f in d.fields if f.source.startswith("ref table")]


def _deferred_how(ref: DeferredRef) -> str:
    if ref.mode == "update":
        return f"written NULL, set once {ref.parent} is written"
    return f"written with {ref.parent}'s keys; its DEFERRABLE key checked at COMMIT"


def _deferred_json(ref: DeferredRef) -> dict[str, Any]:
    return {
        "child": ref.child,
        "field": ref.field,
        "parent": ref.parent,
        "column": ref.column,
        "mode": ref.mode,
        "target": ref.target,
    }


def plan_json(plan: Plan, states: Sequence[TargetState] = ()) -> dict[str, Any]:
    by_step = {(st.dataset, st.target): st.as_dict() for st in states}
    return {
        "manifest": plan.manifest,
        "file": plan.file,
        "seed": plan.seed,
        "now": plan.now.isoformat(),
        "now_from_ledger": plan.now_from_ledger,
        "rows": plan.total_rows,
        "warnings": [scrub(w) for w in plan.warnings],
        "deferred_edges": [_deferred_json(r) for d in plan.datasets for r in d.deferred_fields],
        "datasets": [
            {
                "name": d.name,
                "model": None if d.shape.kind == "schemaless" else d.shape.name,
                "rows": d.count.total,
                "per": d.count.per,
                "batch_size": d.batch_size,
                "batches": d.batches,
                "depends_on": d.parents,
                "deferred_fields": [_deferred_json(r) for r in d.deferred_fields],
                "deferred": [_deferred_json(r) for r in d.deferred],
                "fields": {f.name: f.source for f in d.fields},
                "steps": [{"kind": s.kind, "name": s.name} for s in d.steps()],
                "targets": [
                    {
                        "name": t.name,
                        "handler": t.handler,
                        "options": t.display_options(),
                        "protected": bool(t.protection),
                        "protected_by": t.protection,
                        "local": None if t.endpoint is None else t.endpoint.local,
                        "state": by_step.get((d.name, t.name)),
                    }
                    for t in d.targets
                ],
            }
            for d in plan.datasets
        ],
    }


def _cell(v: Any) -> str:
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, decimal.Decimal | uuid.UUID):
        return str(v)
    if v is None:
        return "∅"
    text = str(v)
    return text if len(text) <= 40 else text[:37] + "…"


def preview_tables(rows: dict[str, list[dict[str, Any]]]) -> Group:
    tables = []
    for name, records in rows.items():
        table = Table(title=f"{name} (first {len(records)})", title_justify="left")
        columns = list(records[0]) if records else []
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in records:
            table.add_row(*(escape(_cell(r.get(c))) for c in columns))
        tables.append(table)
    return Group(*tables)


def summary_table(report: ApplyReport) -> Table:
    title = "Dry run (no handler called)" if report.dry_run else "Applied"
    table = Table(title=f"{title}: {report.manifest} · run {report.run_id}", title_justify="left")
    for col, justify in (
        ("dataset", "left"),
        ("step", "left"),
        ("rows", "right"),
        ("batches", "right"),
        ("seconds", "right"),
        ("rows/s", "right"),
        ("status", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    styles = {
        "done": "green",
        "failed": "bold red",
        "interrupted": "yellow",
        "rolled back": "yellow",
        "not started": "dim",
        "dry run": "cyan",
    }
    for s in report.steps:
        table.add_row(
            s.dataset,
            s.name if s.kind != "generate" else "generate",
            f"{s.rows:,}",
            f"{s.batches:,}",
            f"{s.seconds:.2f}",
            f"{s.rows_per_second:,.0f}",
            Text(
                s.status
                + (f", {s.skipped:,} already there" if s.skipped else "")
                + (
                    f", {s.retries:,} {'retry' if s.retries == 1 else 'retries'}"
                    if s.retries
                    else ""
                ),
                style=styles[s.status],
            ),
        )
    return table


def summary_line(report: ApplyReport) -> str:
    rate = report.rows / report.seconds if report.seconds else 0.0
    verb = "generated" if report.dry_run else "applied"
    if report.interrupted:
        return (
            f"{report.rows:,} of {report.planned_rows:,} rows generated; the "
            "step in flight was rolled back; "
            + (
                "run apply again to resume (targets with a ledger skip what is written)"
                if report.resumable
                else "run apply again to start over"
            )
        )
    if not report.ok:
        return f"failed: {report.error}"
    skipped = sum(s.skipped for s in report.steps)
    persisted = sum(s.rows for s in report.steps if s.kind == "persist")
    if skipped and skipped >= persisted and not report.dry_run:
        return (
            f"up to date: all {report.rows:,} rows were already there (ledger); nothing "
            f"written ({report.seconds:.2f} s, peak memory {report.peak_rss_mb or 0:.0f} MB)"
        )
    ledger = f"; {skipped:,} rows were already there (ledger), not written again" if skipped else ""
    ignored = sum(s.ignored for s in report.steps)
    updated = sum(s.updated for s in report.steps)
    if ignored:
        ledger += f"; {ignored:,} rows ignored (already there: the table's own, kept by destroy)"
    if updated:
        ledger += f"; {updated:,} rows updated (already there: the table's own, kept by destroy)"
    return (
        f"{verb} {report.rows:,} rows in {report.seconds:.2f} s ({rate:,.0f} rows/s), "
        f"peak memory {report.peak_rss_mb or 0:.0f} MB{ledger}"
    )


def print_problems(console: Console, problems: Sequence[Problem]) -> None:
    for p in problems:
        loc = f"{p.location}: " if p.location else ""
        console.print(
            Text.assemble(
                (loc, "bold"),
                ("error ", "bold red"),
                (p.code, "red"),
                ": ",
                scrub(p.message),
                (f" (at {p.path})" if p.path else "", "dim"),
            )
        )
        if p.hint:
            console.print(Text.assemble("  ", ("hint: ", "cyan"), scrub(p.hint)))
    n = len(problems)
    console.print(Text(f"{n} problem{'s' if n != 1 else ''}; nothing was written.", style="bold"))


def problems_json(problems: Sequence[Problem]) -> str:
    return json.dumps(
        {"errors": [json.loads(scrub(json.dumps(p.to_json()))) for p in problems]}, indent=2
    )


def options_table(entries: list[tuple[str, type[Any]]]) -> Table:
    table = Table(title="Handlers", title_justify="left")
    table.add_column("handler", style="bold")
    table.add_column("option")
    table.add_column("type")
    table.add_column("default")
    table.add_column("description")
    for name, options in entries:
        first = True
        for key, f in options.model_fields.items():
            if key == "handler":
                continue
            default = (
                "required" if f.is_required() else repr(f.get_default(call_default_factory=True))
            )
            table.add_row(
                name if first else "",
                f.alias or key,  # schema_ is written 'schema' in a manifest
                _type_name(f.annotation),
                escape(default),
                escape(f.description or ""),
            )
            first = False
    return table


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Literal:
        return " | ".join(str(a) for a in typing.get_args(annotation))
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "")


def over_lines(pruned: Sequence[Undone], over: Sequence[TargetState]) -> list[str]:
    """What apply did with rows past a lowered count: deleted (--prune) or left."""
    lines = [
        f"pruned: deleted {r.rows:,} rows of dataset '{r.dataset}' written to '{r.target}' "
        "past the manifest's count"
        for r in pruned
    ]
    return lines + [
        f"left: {st.over:,} rows of dataset '{st.dataset}' on '{st.target}' are over the "
        "manifest's count (apply --prune deletes them, destroy deletes them with the rest)"
        for st in over
    ]


def destroy_table(plan: Plan, results: Sequence[Undone]) -> Table:
    table = Table(title=f"Destroyed: {plan.manifest}", title_justify="left")
    for col, justify in (("dataset", "left"), ("target", "left"), ("rows deleted", "right"),
                         ("status", "left"), ("note", "left")):  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    styles = {"done": "green", "nothing to undo": "dim", "cannot undo": "yellow"}
    for r in results:
        table.add_row(
            r.dataset,
            r.target,
            f"{r.rows:,}",
            Text(r.status, style=styles.get(r.status, "bold red")),
            escape(scrub(r.note)),
        )
    return table
