"""What a template sees for a name it does not have: ``env`` misses name the variable,
everything else says what to do (``StrictUndefined``, so a typo is never an empty string).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, UndefinedError
from jinja2.utils import missing


class UnsetVariableError(UndefinedError):
    """``{{ env.NAME }}`` with NAME unset; the message names the variable, never a value."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.name = (message or "").removeprefix("environment variable ").split(" ", 1)[0]
        self.hint = f"set it, or give a fallback: {{{{ env.{self.name} | default('...') }}}}"


class EnvVars(Mapping[str, str]):
    """``env`` in templates: the process environment, whose misses name the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)

    def __getitem__(self, key: str) -> str:
        return self._environ[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)

    def __repr__(self) -> str:  # never print the environment's values
        return "<env>"


class SeedUndefined(StrictUndefined):
    """StrictUndefined with messages that say what to do."""

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if self._undefined_hint:
            return self._undefined_hint
        if isinstance(obj, EnvVars):
            return f"environment variable {name} is not set"
        if obj is missing:
            return f"undefined name '{name}'"
        if isinstance(obj, Mapping) and isinstance(name, str):
            return f"'{name}' is not defined here (known: {', '.join(map(str, obj)) or 'none'})"
        return f"{type(obj).__name__} has no attribute '{name}'"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self._undefined_obj, EnvVars) and not self._undefined_hint:
            # the class is raised by every failing use, dunders (str, iter ...) included
            self._undefined_exception = UnsetVariableError
