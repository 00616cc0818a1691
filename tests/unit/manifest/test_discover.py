"""Finding the manifest when the command line names none."""

import pathlib

import pytest

from seedrunner.errors import ManifestError
from seedrunner.manifest.discover import discover_manifest


def touch(path: pathlib.Path, text: str = "version: 1\n") -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_pyproject_names_the_manifest_relative_to_itself(tmp_path: pathlib.Path):
    touch(tmp_path / "pyproject.toml", '[tool.seedrunner]\nmanifest = "db/seeds.yaml"\n')
    wanted = touch(tmp_path / "db" / "seeds.yaml")
    touch(tmp_path / "src" / "app" / "seeds" / "other.yaml")  # ignored: pyproject wins
    cwd = tmp_path / "src" / "app"
    assert discover_manifest(cwd).resolve() == wanted.resolve()


def test_pyproject_manifest_missing(tmp_path: pathlib.Path):
    touch(tmp_path / "pyproject.toml", '[tool.seedrunner]\nmanifest = "nope.yaml"\n')
    with pytest.raises(ManifestError) as info:
        discover_manifest(tmp_path)
    message = info.value.problems[0].message
    assert message.startswith("manifest 'nope.yaml' named in ")
    assert message.endswith(f"not found (resolved to {(tmp_path / 'nope.yaml').resolve()})")


def test_single_manifest_under_seeds(tmp_path: pathlib.Path):
    touch(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    wanted = touch(tmp_path / "seeds" / "dev.yml")
    touch(tmp_path / "seeds" / "README.md", "notes")
    assert discover_manifest(tmp_path) == wanted


def test_none_found(tmp_path: pathlib.Path):
    touch(tmp_path / "pyproject.toml", "[tool.other]\nx = 1\n")
    with pytest.raises(ManifestError) as info:
        discover_manifest(tmp_path)
    (p,) = info.value.problems
    assert p.message == (
        "no manifest given and none found: add [tool.seedrunner] manifest = ... to "
        "pyproject.toml or put one under seeds/"
    )
    assert p.code == "SR-E009"
    assert p.location is None


def test_several_found(tmp_path: pathlib.Path):
    touch(tmp_path / "seeds" / "b.yaml")
    touch(tmp_path / "seeds" / "a.yaml")
    with pytest.raises(ManifestError) as info:
        discover_manifest(tmp_path)
    assert (
        info.value.problems[0].message == "several manifests under seeds/: a.yaml, b.yaml; name one"
    )


def test_broken_pyproject(tmp_path: pathlib.Path):
    touch(tmp_path / "pyproject.toml", "[tool.seedrunner\n")
    with pytest.raises(ManifestError, match=r"cannot read .*pyproject\.toml"):
        discover_manifest(tmp_path)
