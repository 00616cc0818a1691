"""Fixtures for handler tests."""

from __future__ import annotations

import pytest

from seedrunner.handlers.base import ResourcePool


@pytest.fixture
def pool():
    p = ResourcePool()
    yield p
    p.close_all()
