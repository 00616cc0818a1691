"""A dataset's batches, made the one way apply makes them: generate, then transforms.

Apply writes them, destroy regenerates them to find the keys it deletes by, and preview
shows their first rows; a row comes out the same in all three only if all three make it
the same way, so they share this one loop: the faker clock pinned to the plan's ``now``,
the keys a ``deferrable`` cycle reads made ahead, each batch's kept keys recorded for the
children that ref them.

The runner times every stage and feeds its handlers batch by batch: it passes its own
``source`` (validated, or the ``--workers`` pool) and a ``stage`` wrapper; the loop adds
one call per batch and stage, never work per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from seedrunner.errors import GenerationError
from seedrunner.execute import deferred
from seedrunner.execute.batches import BatchBuilder
from seedrunner.execute.keys import KeyStore
from seedrunner.execute.transforms import TransformContext, apply_transform
from seedrunner.generate.fakerclock import pinned_faker_clock
from seedrunner.generate.rows import Batch
from seedrunner.plan.steps import DatasetPlan, Plan

#: ``generate(index, start, n)``: one batch of rows as generated (before transforms).
Generate = Callable[[int, int, int], Batch]


class Span(NamedTuple):
    """Where a batch sits in its dataset: its number, first row and row count."""

    number: int  # the batch index, from 0
    start: int
    size: int


class Stage(Protocol):
    """Runs one stage of one batch: ``fn(*args)``.  ``position`` 0 is generation, ``k`` the
    k-th transform; the runner times the call and reports progress against its step."""

    def __call__(
        self, position: int, span: Span, fn: Callable[..., Batch], /, *args: Any
    ) -> Batch: ...


def _untimed(position: int, span: Span, fn: Callable[..., Batch], /, *args: Any) -> Batch:
    return fn(*args)


@dataclass
class Made:
    """One batch on its way: as generated, and as it leaves the chain.  ``batch`` starts as
    the transformed batch; a consumer whose handlers return another (keys a database
    assigned) sets it, and the keys children read are recorded from it."""

    span: Span
    generated: Batch
    batch: Batch


def generator(plan: Plan, dp: DatasetPlan, keys: KeyStore, *, validate: bool = False) -> Generate:
    """The function making ``dp``'s batches; ``validate``: each batch checked against the
    model on the fields its generators cannot vouch for (apply does, before writing)."""
    build = BatchBuilder(dp, keys, plan.variables, plan.now).build
    if not validate or dp.validator is None:
        return build

    def checked(index: int, start: int, n: int) -> Batch:
        batch = build(index, start, n)
        _check(dp, batch, start, n)
        return batch

    return checked


def _check(dp: DatasetPlan, batch: Batch, start: int, n: int) -> None:
    validator = dp.validator
    assert validator is not None
    guaranteed = {f.name for f in dp.fields if f.guaranteed}
    unchecked = dp.skip_validation | validator.vouched(guaranteed)
    names = validator.shape.field_names
    check = validator.scoped(name for name in names if name not in unchecked)
    if check is None:
        return
    problems = [p for p in check(batch.columns, n) if p.field not in dp.skip_validation]
    if problems:
        first = problems[0]
        raise GenerationError(
            f"generated row {start + first.row} of '{dp.name}' does not validate "
            f"against {dp.shape.name}: {first.field}: {first.message}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            + "; check the field's spec"
        )


def dataset_batches(
    plan: Plan,
    dp: DatasetPlan,
    keys: KeyStore,
    stop: int | None = None,
    *,
    source: Generate | None = None,
    stage: Stage = _untimed,
    transform: bool = True,
    record: bool = True,
) -> Iterator[Made]:
    """``dp``'s batches of rows ``[0, stop)`` (default: all), in order.

    ``source`` makes the generated batches (default: ``generator(plan, dp, keys)``).
    ``transform`` False: the batches as generated (preview shows those).  ``record``: this
    pass makes ``dp``'s keys: a cycle's keys made ahead first, and each batch's kept keys
    recorded once the consumer is done with it (so an abandoned batch records nothing);
    False for a second pass over rows whose keys are already recorded.
    """
    total = dp.count.total if stop is None else stop
    if record:
        deferred.before_step(plan, dp, keys)  # a cycle's keys made ahead
    make = source if source is not None else generator(plan, dp, keys)
    tctx = TransformContext(dp.name, {}, plan.variables, dp.seed, now=plan.now)
    transforms = dp.transforms if transform else []
    for index, start in enumerate(range(0, total, dp.batch_size)):
        span = Span(index, start, min(dp.batch_size, total - start))
        # Pinned per batch, not across the yield: a consumer that stops early (an error in
        # its handlers) leaves no clock pinned behind it.
        with pinned_faker_clock(plan.now):
            generated = stage(0, span, make, *span)
            batch = generated
            for position, t in enumerate(transforms, 1):
                tctx.options = t.args if isinstance(t.args, Mapping) else {}
                batch = stage(position, span, apply_transform, t, batch, tctx)
        made = Made(span, generated, batch)
        yield made
        if record and dp.keep:
            keys.record(dp.name, dp.keep, made.batch, made.generated)


def record_keys(plan: Plan, dp: DatasetPlan, keys: KeyStore) -> None:
    """``dp``'s keys, recorded as apply records them, its rows dropped (destroy needs the
    parents' keys before it regenerates children); no row is made when it keeps none."""
    if not dp.keep:
        deferred.before_step(plan, dp, keys)  # a cycle's keys its own rows read
        return
    for _ in dataset_batches(plan, dp, keys):
        pass
