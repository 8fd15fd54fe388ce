"""Fixtures of the observability tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import RunningGateway
from tests.observability.support import own_metrics


@pytest.fixture
async def fresh_metrics(gateway: RunningGateway, tmp_path: Path) -> AsyncIterator[Path]:
    """The session gateway's metrics in a directory of their own for one test."""
    async with own_metrics(gateway, tmp_path / "metrics") as directory:
        yield directory
