"""Faker providers and template `fake` calls read the run's `now`, not the wall clock."""

from __future__ import annotations

import datetime as dt
import json

from seedrunner import apply, build_plan, load_manifest
from seedrunner.generate.fakerclock import pinned_faker_clock


def test_clock_reading_providers_follow_now_and_repeat(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        seed: 3
        now: "2020-01-01T00:00:00Z"
        targets:
          out: {handler: jsonl, path: "out.jsonl"}
        datasets:
          d:
            count: 20
            fields:
              a: {faker: iso8601}
              b: {faker: year}
              c: {faker: date_time}
              t: "{{ fake.past_date() }}"
            persist: [out]
        """
    )
    runs = []
    for _ in range(2):
        assert apply(build_plan(load_manifest(path))).ok
        runs.append((tmp_path / "out.jsonl").read_text())
    assert runs[0] == runs[1]
    rows = [json.loads(x) for x in runs[0].splitlines()]
    assert all(int(r["b"]) <= 2020 for r in rows)
    assert all(r["a"] < "2020-01-01T00:00:01" for r in rows)
    assert all("2019-11-" <= r["t"] <= "2020-01-01" for r in rows)


def test_the_clock_is_restored_after_the_block():
    from faker.providers import date_time as faker_dates

    before = faker_dates.datetime
    with pinned_faker_clock(dt.datetime(2000, 1, 1, tzinfo=dt.UTC)):
        assert faker_dates.datetime.now().year == 2000
        assert isinstance(dt.datetime(2001, 1, 1), faker_dates.datetime)
    assert faker_dates.datetime is before
