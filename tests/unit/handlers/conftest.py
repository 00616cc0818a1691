"""Fixtures for handler tests."""

from __future__ import annotations

import pytest

from seedrunner.db.pool import ResourcePool


@pytest.fixture
def pool():
    p = ResourcePool()
    yield p
    p.close_all()
