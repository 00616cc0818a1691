"""The seedrunner command line: a thin layer over the use cases in seedrunner.commands.

This module (with render.py and progress.py) is the only code that prints or exits.
Exit codes: 0 done, 1 a step failed, 2 the manifest or the command line is wrong,
130/143 interrupted by SIGINT/SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from seedrunner._version import __version__
from seedrunner.cli import render
from seedrunner.cli.confirm import confirm
from seedrunner.cli.progress import PlainProgress, RichProgress
from seedrunner.commands.apply import ApplyOutcome, ApplyRequest, apply_manifest
from seedrunner.commands.destroy import Undone
from seedrunner.commands.destroyall import DestroyOutcome, DestroyRequest, destroy_manifest
from seedrunner.commands.showplan import PlanOutcome, PlanRequest, plan_manifest
from seedrunner.errors import ManifestError, Problem, SeedrunnerError
from seedrunner.execute.events import NullObserver, Observer
from seedrunner.handlers.registry import handler_options_schema
from seedrunner.manifest.jsonschema import manifest_json_schema_text
from seedrunner.manifest.loader import load_manifest
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


class _State:
    debug = False
    json_errors = False


def _stdout() -> Console:
    # In a pipe or CI, long lines are left whole rather than hard-wrapped at 80 columns.
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())


def _fail(problems: list[Problem], code: int = 2) -> NoReturn:
    if _State.json_errors:
        sys.stderr.write(render.problems_json(problems) + "\n")
    else:
        render.print_problems(_stderr(), problems)
    raise typer.Exit(code)


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
        _fail(exc.problems, exc.exit_code)
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
    request = PlanRequest(
        manifest=manifest, seed=seed, now=now, sets=sets or (), only=only,
        batch_size=batch_size, preview=preview, destroy=destroy, save_to=save_to,
    )  # fmt: skip
    outcome = _guard(lambda: _show_plan(plan_manifest(request), as_json, destroy, save_to))
    if detailed_exitcode and outcome.changes:
        raise typer.Exit(3)


def _show_plan(
    outcome: PlanOutcome, as_json: bool, destroy: bool, saved_to: Path | None
) -> PlanOutcome:
    p, rows = outcome.plan, outcome.preview
    if saved_to is not None:
        _stderr().print(
            f"saved the plan to {escape(str(saved_to))}; "
            f"apply it with: seedrunner apply {escape(str(saved_to))}",
            highlight=False,
        )
    if as_json:
        data = render.plan_json(p, outcome.states)
        data["changes"] = outcome.changes
        data["destroy"] = destroy
        if rows is not None:
            data["preview"] = json.loads(json.dumps(rows, default=str))
        sys.stdout.write(scrub(json.dumps(data, indent=2)) + "\n")
        return outcome
    out = _stdout()
    out.print(render.plan_tree(p, outcome.states, destroy), soft_wrap=False)  # wrap, never crop
    for w in p.warnings:
        out.print(f"[yellow]warning:[/] {escape(scrub(w))}", highlight=False)
    if rows is not None:
        out.print(render.preview_tables(rows))
    return outcome


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
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="First delete the rows ledgers hold past a lowered count (children first).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    json_errors: JsonErrorsOpt = False,
) -> None:
    """Generate the datasets and persist them through their handler chains."""
    request = ApplyRequest(
        manifest=manifest, seed=seed, now=now, sets=sets or (), only=only,
        batch_size=batch_size, max_retries=max_retries, retry_wait=retry_wait,
        dry_run=dry_run, workers=workers, lock_timeout=lock_timeout,
        allow_protected=allow_protected, replace=replace, prune=prune, catch_sigterm=True,
    )  # fmt: skip
    ask = partial(confirm, question="Write to", yes=yes)
    starting = partial(_starting, quiet=quiet or as_json)
    code = _guard(
        lambda: _applied(apply_manifest(request, confirm=ask, starting=starting), as_json, quiet)
    )
    raise typer.Exit(code)


def _starting(plan: Plan, replaced: list[Undone], quiet: bool) -> Observer:
    """The run begins: what --replace deleted, the plan's warnings, then progress."""
    for r in replaced:
        if r.rows and not quiet:
            _stderr().print(
                f"replaced: deleted {r.rows} rows of dataset '{r.dataset}' written to "
                f"'{r.target}' under an earlier spec",
                highlight=False,
            )
    for w in plan.warnings:
        _stderr().print(f"[yellow]warning:[/] {escape(scrub(w))}", highlight=False)
    return _observer(quiet, _writes_stdout(plan))


def _applied(outcome: ApplyOutcome, as_json: bool, quiet: bool) -> int:
    """Render the outcome; its exit code (130/143: interrupted by SIGINT/SIGTERM)."""
    if outcome.report is None:
        return _cancelled("apply", "written")
    if not (quiet or as_json):
        for line in render.over_lines(outcome.pruned, outcome.over):
            _stderr().print(line, highlight=False)
    _report(outcome.report, as_json, quiet, _writes_stdout(outcome.plan))
    if outcome.interrupted_by is not None:
        return 143 if outcome.interrupted_by == signal.SIGTERM else 130
    return 0 if outcome.report.ok else 1


def _cancelled(command: str, nothing: str) -> int:
    _stderr().print(
        f"{command} cancelled: nothing was {nothing} (answer y, or pass --yes)", highlight=False
    )
    return 1


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
    request = DestroyRequest(
        manifest=manifest, seed=seed, now=now, sets=sets or (), only=only,
        lock_timeout=lock_timeout, allow_protected=allow_protected,
    )  # fmt: skip
    ask = partial(confirm, question="Delete seedrunner's rows from", yes=yes)
    code = _guard(lambda: _destroyed(destroy_manifest(request, confirm=ask)))
    if code:
        raise typer.Exit(code)


def _destroyed(outcome: DestroyOutcome) -> int:
    if outcome.results is None:
        return _cancelled("destroy", "deleted")
    _stdout().print(render.destroy_table(outcome.plan, outcome.results))
    return 1 if outcome.failed else 0


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
