"""The one place that builds Jinja2 environments: sandboxed, strict, and with resource guards.

A manifest is written by people, but it is read by CI jobs with database credentials, so
its templates run in ``ImmutableSandboxedEnvironment`` with:

- ``StrictUndefined`` (a typo is an error naming the name, never an empty string);
- no globals that hand out types or modules (``dict``, ``cycler``, ``joiner``, ``namespace``
  and ``lipsum`` are removed; ``range`` is replaced by one with a per-render budget, so nested
  loops cannot run for minutes);
- ``*`` and ``**`` intercepted, so ``'a' * 10**8`` or ``10 ** (10 ** 8)`` fail at once;
- every other way to build a huge value in one C call refused before the call: format widths
  (``'%999999999d' % 1``, ``'{:>999999999}'.format(1)``, ``|format``), padding and repeats
  (``center``, ``ljust``, ``zfill``, ``expandtabs``, ``|center``, ``|indent``, ``|batch``,
  ``|slice``), multiplying joins and replaces (``big.replace('', big)``), size arguments
  of Faker (``fake.pystr(max_chars=10**9)``), and every concatenation (``~``, ``+``, the
  output of macros and of the whole template) is capped while it is built;
- a cap on the size of every rendered value, and a budget of calls per render;
- no ``{% include %}``, ``{% import %}`` or ``{% extends %}`` and no loop inside a loop, so
  the work of one render is bounded by the size of its values even when the plan-time
  sample render never reached the branch (``{% if index > 3 %}<bomb>{% endif %}``);
- a static check at parse time: any attribute or key starting with ``_`` (``.__class__``,
  ``|attr('__class__')``, ``'{0.__class__}'.format``) is refused before anything renders,
  so the error names the attribute and the template's line;
- an optional time budget per render (``render_guarded(..., time_budget=s)``), used for the
  one-off renders of vars and target options and for the plan-time sample render of field
  templates, so loops over anything (not only ``range``) cannot hang a plan.

``new_environment(native=True)`` is the same sandbox for field templates, with one change:
a render whose whole output is one ``{{ ... }}`` value gives that value with its Python type
(``None``, a date, a number) instead of its text; ``render_value`` renders with it.
"""

from __future__ import annotations

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from seedrunner.sandbox.environment import (
    GuardedEnvironment,
    NativeGuardedEnvironment,
    new_environment,
)
from seedrunner.sandbox.limits import (
    CALL_BUDGET,
    MAX_EXPONENT_BITS,
    MAX_OUTPUT,
    MAX_REPEAT,
    RANGE_BUDGET,
)
from seedrunner.sandbox.render import (
    TemplateTimeout,
    Tracer,
    render_guarded,
    render_value,
    shared_context,
)
from seedrunner.sandbox.sizes import check_faker_sizes, check_format
from seedrunner.sandbox.static import UnsafeTemplateError, unsafe_construct, unsafe_use
from seedrunner.sandbox.undefined import EnvVars, SeedUndefined, UnsetVariableError

__all__ = [
    "CALL_BUDGET",
    "MAX_EXPONENT_BITS",
    "MAX_OUTPUT",
    "MAX_REPEAT",
    "RANGE_BUDGET",
    "EnvVars",
    "GuardedEnvironment",
    "NativeGuardedEnvironment",
    "SecurityError",
    "SeedUndefined",
    "TemplateSyntaxError",
    "TemplateTimeout",
    "Tracer",
    "UndefinedError",
    "UnsafeTemplateError",
    "UnsetVariableError",
    "check_faker_sizes",
    "check_format",
    "new_environment",
    "render_guarded",
    "render_value",
    "shared_context",
    "unsafe_construct",
    "unsafe_use",
]
