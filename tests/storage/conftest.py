"""Fixtures shared by the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import fresh_database_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def two_urls(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str]]:
    """Two fresh databases of one kind (SQLite, PostgreSQL): a small and a large run of a
    test that counts statements."""
    small_dir, large_dir = tmp_path / "small", tmp_path / "large"
    small_dir.mkdir()
    large_dir.mkdir()
    async for small in fresh_database_url(request.param, small_dir):
        async for large in fresh_database_url(request.param, large_dir):
            yield small, large
