"""seedrunner: declarative data seeding from YAML manifests.

The pipeline, one call per stage::

    from seedrunner import load_manifest, build_plan, apply

    manifest = load_manifest("seeds/staging.yaml")   # read, validate, render (ManifestError)
    plan = build_plan(manifest, seed=42)             # resolve models, order, check (PlanError)
    report = apply(plan)                             # stream batches into the targets
    assert report.ok, report.error

Nothing is written before ``apply``; ``ManifestError`` and ``PlanError`` carry located
``Problem`` objects (file, line, column, key path, hint).
"""

from seedrunner._version import __version__
from seedrunner.commands.preview import preview_rows
from seedrunner.errors import (
    GenerationError,
    HandlerError,
    ManifestError,
    PlanError,
    Problem,
    RunError,
    SeedrunnerError,
    SourceLocation,
)
from seedrunner.execute.events import NullObserver, Observer
from seedrunner.execute.report import ApplyReport, StepResult
from seedrunner.execute.runner import ApplyInterrupted, apply
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import Handler, HandlerContext, HandlerOptions
from seedrunner.manifest.loader import Manifest, load_manifest
from seedrunner.plan.planner import build_plan
from seedrunner.plan.steps import Plan

__all__ = [
    "ApplyInterrupted",
    "ApplyReport",
    "Batch",
    "GenerationError",
    "Handler",
    "HandlerContext",
    "HandlerError",
    "HandlerOptions",
    "Manifest",
    "ManifestError",
    "NullObserver",
    "Observer",
    "Plan",
    "PlanError",
    "Problem",
    "RunError",
    "SeedrunnerError",
    "SourceLocation",
    "StepResult",
    "__version__",
    "apply",
    "build_plan",
    "load_manifest",
    "preview_rows",
]
