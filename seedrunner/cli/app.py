"""The seedrunner command line: a thin layer over load_manifest, build_plan and apply.

This module (with render.py and progress.py) is the only code that prints or exits.
Exit codes: 0 done, 1 a step failed, 2 the manifest or the command line is wrong,
130/143 interrupted by SIGINT/SIGTERM.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from seedrunner._version import __version__
from seedrunner.cli import render
from seedrunner.cli.confirm import confirm
from seedrunner.cli.progress import PlainProgress, RichProgress
from seedrunner.commands import savedplan
from seedrunner.commands.destroy import destroy as undo_all
from seedrunner.commands.preview import preview_rows
from seedrunner.commands.recordednow import with_recorded_now
from seedrunner.commands.replace import replace_changed
from seedrunner.commands.status import TargetState, plan_state
from seedrunner.errors import HandlerError, ManifestError, Problem, SeedrunnerError
from seedrunner.execute.events import NullObserver, Observer
from seedrunner.execute.runner import ApplyInterrupted, apply
from seedrunner.handlers.registry import handler_options_schema
from seedrunner.manifest.jsonschema import manifest_json_schema_text
from seedrunner.manifest.loader import Manifest, load_manifest
from seedrunner.plan.guard import refuse_protected
from seedrunner.plan.planner import build_plan
from seedrunner.plan.steps import Plan
from seedrunner.redact import scrub

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Declarative data seeding: YAML manifest -> plan -> batches into your targets.",
)

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so `finally` blocks (rollbacks) run."""


class _State:
    debug = False
    json_errors = False


def _stdout() -> Console:
    # In a pipe or CI, long lines are left whole rather than hard-wrapped at 80 columns.
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())


def _fail(problems: list[Problem]) -> NoReturn:
    if _State.json_errors:
        sys.stderr.write(render.problems_json(problems) + "\n")
    else:
        render.print_problems(_stderr(), problems)
    raise typer.Exit(2)


def _print_traceback() -> None:
    """``--debug``: the traceback with secrets masked (exception texts quote URLs raw)."""
    sys.stderr.write(scrub(traceback.format_exc()))


def _guard(fn: Callable[[], T]) -> T:
    """Run a command body: user errors become messages and exit codes, never tracebacks."""
    try:
        return fn()
    except ManifestError as exc:
        if _State.debug:
            _print_traceback()
        _fail(exc.problems)
    except SeedrunnerError as exc:
        if _State.debug:
            _print_traceback()
        _stderr().print(
            f"[bold red]error:[/] {escape(scrub(str(exc)))}", markup=True, highlight=False
        )
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if _State.debug:
            _print_traceback()
        _stderr().print(
            f"[bold red]internal error:[/] {escape(scrub(f'{type(exc).__name__}: {exc}'))}\n"
            "  run again with --debug for a traceback, and report it",
            highlight=False,
        )
        raise typer.Exit(1) from None


def _parse_now(now: str | None) -> dt.datetime | None:
    if now is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(now)
    except ValueError:
        _fail(
            [
                Problem(
                    f"--now must be ISO 8601 (e.g. 2026-01-01T00:00:00Z), got {now!r}",
                    path="--now",
                    code="SR-E011",
                )
            ]
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


ManifestArg = Annotated[
    Path | None, typer.Argument(help="Manifest file (default: discovered).", show_default=False)
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Override the manifest seed.")]
NowOpt = Annotated[str | None, typer.Option("--now", help="Pin the clock (ISO 8601).")]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="Override one key: KEY.PATH=VALUE (repeatable).")
]
OnlyOpt = Annotated[
    list[str] | None, typer.Option("--only", help="Persist only this dataset (repeatable).")
]
BatchOpt = Annotated[int | None, typer.Option("--batch-size", min=1, help="Rows per batch.")]
RetriesOpt = Annotated[
    int | None,
    typer.Option("--max-retries", min=0, help="Retries of a batch that failed transiently."),
]
RetryWaitOpt = Annotated[
    float | None,
    typer.Option("--retry-wait", min=0, help="Seconds before the first retry (then doubling)."),
]

WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers", min=1, help="Generate in N processes (same rows; needs fork, i.e. POSIX)."
    ),
]


def _json_errors(value: bool) -> bool:
    if value:
        _State.json_errors = True
    return value


LockTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        min=0,
        help="Seconds to wait while another apply holds a target's lock (default: fail at once).",
    ),
]
AllowProtectedOpt = Annotated[
    bool,
    typer.Option(
        "--allow-protected",
        help="Write to (destroy: delete from) targets marked protected or listed as protected.",
    ),
]
YesOpt = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do not ask before writing to a database that is not local."),
]
JsonErrorsOpt = Annotated[
    bool,
    typer.Option("--json-errors", help="Print problems as JSON on stderr.", callback=_json_errors),
]


def _manifest_and_plan(
    manifest: Path | None,
    seed: int | None,
    now: str | None,
    sets: list[str] | None,
    only: list[str] | None,
    batch_size: int | None,
    max_retries: int | None = None,
    retry_wait: float | None = None,
) -> tuple[Manifest, Plan]:
    m = load_manifest(manifest, overrides=sets or ())

    def plan_at(when: dt.datetime | None) -> Plan:
        return build_plan(
            m, seed=seed, now=when, only=only, batch_size=batch_size,
            max_retries=max_retries, retry_wait=retry_wait,
        )  # fmt: skip

    pinned = _parse_now(now)
    p = plan_at(pinned)
    return m, p if pinned is not None else with_recorded_now(m, p, plan_at)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    json_errors: Annotated[
        bool, typer.Option("--json-errors", help="Print problems as JSON on stderr.")
    ] = False,
) -> None:
    _State.debug = debug
    _State.json_errors = json_errors


@app.command()
def plan(
    manifest: ManifestArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    preview: Annotated[int, typer.Option("--preview", min=0, help="Show N rows per dataset.")] = 0,
    seed: SeedOpt = None,
    now: NowOpt = None,
    sets: SetOpt = None,
    only: OnlyOpt = None,
    batch_size: BatchOpt = None,
    json_errors: JsonErrorsOpt = False,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 0 when apply would change nothing, 3 when it would (2: bad input).",
        ),
    ] = False,
    destroy: Annotated[
        bool, typer.Option("--destroy", help="Show what destroy would delete instead.")
    ] = False,
    save_to: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="Save the plan: `apply FILE` then does exactly it."),
    ] = None,
) -> None:
    """Show what apply would do, without touching any target (ledgers are only read)."""
    changes = False

    def body() -> None:
        nonlocal changes
        m, p = _manifest_and_plan(manifest, seed, now, sets, only, batch_size)
        states = plan_state(p)
        if save_to is not None:
            _save_plan(save_to, m, p, states, sets, seed, only, batch_size)
        changes = any(st.undoes if destroy else st.changes for st in states)
        rows = preview_rows(p, preview) if preview else None
        if as_json:
            data = render.plan_json(p, states)
            data["changes"] = changes
            data["destroy"] = destroy
            if rows is not None:
                data["preview"] = json.loads(json.dumps(rows, default=str))
            sys.stdout.write(scrub(json.dumps(data, indent=2)) + "\n")
            return
        out = _stdout()
        out.print(render.plan_tree(p, states, destroy), soft_wrap=False)  # wrap, never crop
        for w in p.warnings:
            out.print(f"[yellow]warning:[/] {escape(scrub(w))}", highlight=False)
        if rows is not None:
            out.print(render.preview_tables(rows))

    _guard(body)
    if detailed_exitcode and changes:
        raise typer.Exit(3)


def _observer(quiet: bool, to_stderr: bool) -> Observer:
    if quiet:
        return NullObserver()
    stream = sys.stderr if to_stderr else sys.stdout
    if stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
        return RichProgress(_stderr() if to_stderr else _stdout())
    return PlainProgress(stream)


def _writes_stdout(plan: Plan) -> bool:
    """A plan with a `stdout` target owns stdout: progress and summary go to stderr."""
    return any(t.handler == "stdout" for d in plan.datasets for t in d.targets)


def _save_plan(
    out: Path,
    m: Manifest,
    p: Plan,
    states: list[TargetState],
    sets: list[str] | None,
    seed: int | None,
    only: list[str] | None,
    batch_size: int | None,
) -> None:
    secret = savedplan.secret_in(sets or ())
    if secret is not None:
        raise ManifestError.single(
            f"--set {secret} holds a password; a saved plan never stores one",
            hint="read it in the manifest from the environment: {{ env.DATABASE_URL }}",
        )
    saved = savedplan.SavedPlan(
        manifest=str(m.path), sets=list(sets or ()), seed=seed, only=only, batch_size=batch_size
    )
    savedplan.save(out, saved, p, m, states)
    _stderr().print(
        f"saved the plan to {escape(str(out))}; apply it with: seedrunner apply {escape(str(out))}",
        highlight=False,
    )


def _saved_plan(path: Path | None) -> Plan | None:
    """The plan a saved plan file describes, rebuilt and checked; None for a manifest."""
    saved = savedplan.load(path) if path is not None else None
    if saved is None:
        return None
    m, p = _manifest_and_plan(
        Path(saved.manifest), saved.seed, saved.now, saved.sets, saved.only, saved.batch_size
    )
    changed = savedplan.changes(saved, p, m, plan_state(p))
    if changed:
        raise ManifestError.single(
            f"{path}: the saved plan no longer matches: " + "; ".join(changed),
            hint="run seedrunner plan -o again, review it, and apply the new plan",
        )
    return p


@app.command(name="apply")
def apply_cmd(
    manifest: ManifestArg = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Generate and batch, call no handler.")
    ] = False,
    only: OnlyOpt = None,
    batch_size: BatchOpt = None,
    max_retries: RetriesOpt = None,
    retry_wait: RetryWaitOpt = None,
    workers: WorkersOpt = 1,
    lock_timeout: LockTimeoutOpt = 0.0,
    seed: SeedOpt = None,
    now: NowOpt = None,
    sets: SetOpt = None,
    allow_protected: AllowProtectedOpt = False,
    yes: YesOpt = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="First delete the rows ledgers hold under an earlier spec of a dataset.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    json_errors: JsonErrorsOpt = False,
) -> None:
    """Generate the datasets and persist them through their handler chains."""

    def body() -> int:
        p = _saved_plan(manifest)
        m: Manifest | None = None
        if p is not None and replace:
            raise ManifestError.single(
                "--replace cannot apply a saved plan: it would change the state the plan saw",
                hint="apply the manifest with --replace, or plan -o again after replacing",
            )
        if p is None:
            m, p = _manifest_and_plan(
                manifest, seed, now, sets, only, batch_size, max_retries, retry_wait
            )
        if not dry_run and not _may_write(p.datasets, allow_protected, yes, "apply"):
            return 1
        if m is not None and replace and not dry_run:
            _replace(m, p, lock_timeout, quiet or as_json)
        for w in p.warnings:
            _stderr().print(f"[yellow]warning:[/] {escape(scrub(w))}", highlight=False)
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            report = apply(
                p,
                observer=_observer(quiet or as_json, _writes_stdout(p)),
                dry_run=dry_run,
                allow_protected=allow_protected,
                workers=workers,
                lock_timeout=lock_timeout,
            )
        except ApplyInterrupted as exc:
            report = exc.report
            _report(report, as_json, quiet, _writes_stdout(p))
            return 143 if isinstance(exc.__context__, Terminated) else 130
        finally:
            signal.signal(signal.SIGTERM, previous)
        _report(report, as_json, quiet, _writes_stdout(p))
        return 0 if report.ok else 1

    code = _guard(body)
    raise typer.Exit(code)


def _may_write(datasets: list[Any], allow_protected: bool, yes: bool, command: str) -> bool:
    """The production guard, before anything is opened: protected targets are refused
    (exit 2) unless --allow-protected; on a terminal, remote targets need a yes."""
    verb = "apply refuses to write to" if command == "apply" else "destroy refuses to delete from"
    if not allow_protected:
        refuse_protected(datasets, verb)
    question = "Write to" if command == "apply" else "Delete seedrunner's rows from"
    if confirm(datasets, question, yes=yes):
        return True
    nothing = "written" if command == "apply" else "deleted"
    _stderr().print(
        f"{command} cancelled: nothing was {nothing} (answer y, or pass --yes)", highlight=False
    )
    return False


def _replace(m: Manifest, p: Plan, lock_timeout: float, quiet: bool) -> None:
    """apply --replace: delete rows of earlier specs first; a failed delete stops apply."""
    results = replace_changed(m, p, lock_timeout)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise HandlerError(
            "--replace: " + "; ".join(f"{r.dataset} -> {r.target}: {r.note}" for r in failed)
        )
    for r in results:
        if r.rows and not quiet:
            _stderr().print(
                f"replaced: deleted {r.rows} rows of dataset '{r.dataset}' written to "
                f"'{r.target}' under an earlier spec",
                highlight=False,
            )


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def _report(report: Any, as_json: bool, quiet: bool, to_stderr: bool = False) -> None:
    if as_json:
        stream = sys.stderr if to_stderr else sys.stdout
        stream.write(scrub(json.dumps(report.to_json(), indent=2)) + "\n")
        return
    out = _stderr() if to_stderr else _stdout()
    if not quiet:
        out.print(render.summary_table(report))
    line = render.summary_line(report)
    if report.ok:
        out.print(escape(line), highlight=False)
    elif _State.json_errors and report.failure is not None:
        sys.stderr.write(scrub(json.dumps({"errors": [report.failure]}, default=str)) + "\n")
    else:
        _stderr().print(
            f"[bold red]{'interrupted' if report.interrupted else 'error'}:[/] "
            + escape(scrub(line)),
            highlight=False,
        )


@app.command()
def destroy(
    manifest: ManifestArg = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Undo only this dataset (repeatable).")
    ] = None,
    lock_timeout: LockTimeoutOpt = 0.0,
    seed: SeedOpt = None,
    now: NowOpt = None,
    sets: SetOpt = None,
    allow_protected: AllowProtectedOpt = False,
    yes: YesOpt = False,
    json_errors: JsonErrorsOpt = False,
) -> None:
    """Delete exactly the rows the ledgers record (children first); the application's stay."""
    failed = False

    def body() -> None:
        nonlocal failed
        p = _manifest_and_plan(manifest, seed, now, sets, None, None)[1]
        unknown = sorted(set(only or ()) - {d.name for d in p.datasets})
        if unknown:
            raise ManifestError.single(
                f"--only: no dataset named {', '.join(unknown)}",
                hint="names: " + ", ".join(d.name for d in p.datasets),
            )
        undone = [d for d in p.datasets if not only or d.name in only]
        if not _may_write(undone, allow_protected, yes, "destroy"):
            raise typer.Exit(1)
        results = undo_all(p, only, lock_timeout)
        failed = any(r.status == "failed" for r in results)
        _stdout().print(render.destroy_table(p, results))

    _guard(body)
    if failed:
        raise typer.Exit(1)


@app.command()
def validate(
    manifests: Annotated[list[Path], typer.Argument(help="Manifest files to check.")],
    sets: SetOpt = None,
    json_errors: JsonErrorsOpt = False,
) -> None:
    """Check manifests completely (models, names, templates, options) without writing."""

    def body() -> None:
        problems: list[Problem] = []
        for path in manifests:
            try:
                build_plan(load_manifest(path, overrides=sets or ()))
                _stdout().print(f"{escape(str(path))}: [green]ok[/]", highlight=False)
            except ManifestError as exc:
                problems += exc.problems
        if problems:
            _fail(problems)

    _guard(body)


@app.command()
def schema() -> None:
    """Print the manifest's JSON Schema."""
    sys.stdout.write(manifest_json_schema_text())


@app.command()
def handlers(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the built-in handlers and their options."""
    entries = handler_options_schema()
    if as_json:
        data = {name: opts.model_json_schema() for name, opts in entries}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    _stdout().print(render.options_table(entries))


@app.command()
def version() -> None:
    """Print the versions that decide generated rows (seedrunner, Faker, Python)."""
    import faker

    sys.stdout.write(
        f"seedrunner {__version__} (Faker {faker.VERSION}, Python {sys.version.split()[0]})\n"
    )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
