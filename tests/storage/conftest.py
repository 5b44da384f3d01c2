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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def three_urls(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str, str]]:
    """Three fresh databases of one kind, for runs of one scenario compared."""
    directories = [tmp_path / name for name in ("one", "two", "three")]
    for directory in directories:
        directory.mkdir()
    async for one in fresh_database_url(request.param, directories[0]):
        async for two in fresh_database_url(request.param, directories[1]):
            async for three in fresh_database_url(request.param, directories[2]):
                yield one, two, three
