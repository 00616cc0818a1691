"""SourceMap: where each key and value of a loaded YAML document was written.

Paths are tuples of mapping keys and list indexes, e.g. ``("datasets", "users", "count")``.
The loader fills it; every later stage turns a path into ``file:line:column`` through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seedrunner.errors import Problem, SourceLocation

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ScalarInfo:
    """How a scalar was written, so a YAML 1.1 surprise (``no`` -> False) can be explained."""

    raw: str  # the text as written
    tag: str  # resolved tag, e.g. "tag:yaml.org,2002:bool"
    plain: bool  # unquoted


@dataclass
class SourceMap:
    keys: dict[Path, SourceLocation] = field(default_factory=dict)  # where the key was written
    values: dict[Path, SourceLocation] = field(default_factory=dict)  # where the value starts
    scalars: dict[Path, ScalarInfo] = field(default_factory=dict)
    file: str = "<string>"

    def locate(self, path: Path, *, prefer_key: bool = False) -> SourceLocation | None:
        """The location of ``path`` or, failing that, of its nearest written ancestor."""
        p = tuple(path)
        while True:
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            loc = first.get(p) or second.get(p)
            if loc is not None or not p:
                return loc
            p = p[:-1]

    def problem(
        self,
        message: str,
        path: Path,
        *,
        hint: str | None = None,
        code: str = "SR-E000",
        prefer_key: bool = False,
    ) -> Problem:
        """A problem located at ``path`` (or its nearest written ancestor)."""
        return Problem(
            message,
            location=self.locate(path, prefer_key=prefer_key),
            path=dotted(path),
            hint=hint,
            code=code,
        )

    def subtree(self, prefix: Path) -> SourceMap:
        """The entries under ``prefix``, re-rooted (used when one key is replaced wholesale)."""
        n = len(prefix)
        out = SourceMap(file=self.file)
        for src, dst in ((self.keys, out.keys), (self.values, out.values)):
            for k, v in src.items():
                if k[:n] == prefix:
                    dst[k[n:]] = v
        for k, s in self.scalars.items():
            if k[:n] == prefix:
                out.scalars[k[n:]] = s
        return out

    def drop(self, prefix: Path) -> None:
        """Forget everything at and under ``prefix`` (its value was overridden)."""
        n = len(prefix)
        for d in (self.keys, self.values, self.scalars):
            for k in [k for k in d if k[:n] == prefix]:
                del d[k]

    def update(self, other: SourceMap, prefix: Path = ()) -> None:
        for src, dst in ((other.keys, self.keys), (other.values, self.values)):
            for k, v in src.items():
                dst[prefix + k] = v
        for k, s in other.scalars.items():
            self.scalars[prefix + k] = s


def dotted(path: Path) -> str:
    """``("datasets", "users", "fields", 0)`` -> ``datasets.users.fields[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
