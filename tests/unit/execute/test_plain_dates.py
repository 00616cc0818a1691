"""Generated dates leave generation as plain datetime/date, not the pinned-clock subclass."""

from __future__ import annotations

import datetime as dt
import pickle

from seedrunner import build_plan, load_manifest
from seedrunner.commands.preview import preview_rows


def test_faker_dates_are_plain_values(manifest):
    path = manifest(
        """
        version: 1
        now: "2026-01-01T00:00:00Z"
        datasets:
          events:
            count: 20
            fields:
              at: {faker: date_time_between, start_date: -1y, end_date: now}
              day: {faker: date_between, start_date: -30d, end_date: today}
              born: {faker: date_of_birth}
        """
    )
    rows = preview_rows(build_plan(load_manifest(path)), 20)["events"]
    for row in rows:
        assert type(row["at"]) is dt.datetime
        assert type(row["day"]) is dt.date
        assert type(row["born"]) is dt.date
    assert pickle.loads(pickle.dumps(rows)) == rows
