"""load_manifest: file -> overlays -> validated ManifestSpec -> rendered vars and targets."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seedrunner.errors import ManifestError, Problem, ProblemCollector
from seedrunner.generate.locales import is_known_locale, unknown_locale_hint
from seedrunner.manifest.discover import discover_manifest
from seedrunner.manifest.locate import problems_from_validation
from seedrunner.manifest.merge import apply_overrides, resolve_extends
from seedrunner.manifest.render import render_options, render_vars
from seedrunner.manifest.schema import FakerSpec, ManifestSpec, TargetSpec
from seedrunner.manifest.source import Path as SourcePath
from seedrunner.manifest.source import SourceMap, dotted
from seedrunner.manifest.yaml import load_yaml, load_yaml_file


@dataclass
class Manifest:
    """A manifest as written, validated, with vars and target options rendered."""

    spec: ManifestSpec
    source: SourceMap
    path: Path  # absolute path of the file ("<string>" manifests use the cwd)
    display: str  # how errors name the file
    data: dict[str, Any]  # the merged document, for locating problems found later
    vars: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> options
    inline_targets: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name or (self.path.stem if self.path.suffix else "manifest")

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path.suffix else self.path


def display_path(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def load_manifest(
    path: str | os.PathLike[str] | None = None,
    *,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    text: str | None = None,
) -> Manifest:
    """Read, overlay, validate and render a manifest; every problem is raised at once.

    ``path`` None discovers the manifest (``[tool.seedrunner]`` in pyproject.toml, else the
    single file under ``seeds/``).  ``text`` validates a manifest held in memory (its
    relative paths resolve against ``cwd``).  ``environ`` defaults to ``os.environ``.
    Raises ``ManifestError`` (exit code 2) with located problems; opens no connection.
    """
    here = Path(cwd) if cwd is not None else Path.cwd()
    env = dict(os.environ if environ is None else environ)
    if text is not None:
        doc = load_yaml(text, file="<string>")
        file = here
        display = "<string>"
    else:
        file = Path(path) if path is not None else discover_manifest(here)
        if not file.is_absolute():
            file = here / file
        display = display_path(file, here)
        if not file.is_file():
            raise ManifestError.single(
                f"manifest '{display}' not found", hint="check the path", code="SR-E006"
            )
        doc = load_yaml_file(file, display=display)
        doc = resolve_extends(doc, path=file)
    doc = apply_overrides(doc, overrides)
    try:
        spec = ManifestSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise ManifestError(problems_from_validation(exc, doc.data, doc.source)) from None
    manifest = Manifest(spec, doc.source, file, display, doc.data, environ=env)
    out = ProblemCollector()
    out.extend(locale_problems(spec, doc.source))
    out.raise_if_any()
    _render(manifest)
    return manifest


def _locale_sites(spec: ManifestSpec) -> Iterator[tuple[SourcePath, str | list[str] | None]]:
    """Every place a manifest names Faker locales, with its key path."""
    yield ("locale",), spec.locale
    for pattern, loc in spec.locale_map.items():
        yield ("locale_map", pattern), loc
    for name, ds in spec.datasets.items():
        yield ("datasets", name, "locale"), ds.locale
        for fname, fspec in ds.fields.items():
            if isinstance(fspec, FakerSpec):
                yield ("datasets", name, "fields", fname, "locale"), fspec.locale


def locale_problems(spec: ManifestSpec, source: SourceMap) -> list[Problem]:
    """Locales Faker does not know, located (Faker itself would fail later, unlocated)."""
    problems: list[Problem] = []
    for path, value in _locale_sites(spec):
        if value is None:
            continue
        items = [value] if isinstance(value, str) else value
        for i, loc in enumerate(items):
            if is_known_locale(loc):
                continue
            where: SourcePath = path if isinstance(value, str) else (*path, i)
            problems.append(
                Problem(
                    f"unknown locale '{loc}'",
                    location=source.locate(where),
                    path=dotted(where),
                    hint=unknown_locale_hint(loc),
                    code="SR-E040",
                )
            )
    return problems


def _render(m: Manifest) -> None:
    out = ProblemCollector()
    m.vars = render_vars(m.spec.vars, m.environ, m.source, out)
    for name, target in m.spec.targets.items():
        m.targets[name] = render_options(
            name, target.options, ("targets", name), m.environ, m.vars, m.source, out
        )
    for ds_name, ds in m.spec.datasets.items():
        for i, entry in enumerate(ds.persist):
            if isinstance(entry, TargetSpec):
                m.inline_targets[(ds_name, i)] = render_options(
                    f"{ds_name}[{i}]",
                    entry.options,
                    ("datasets", ds_name, "persist", i),
                    m.environ,
                    m.vars,
                    m.source,
                    out,
                )
    out.raise_if_any()
