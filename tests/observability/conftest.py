"""Fixtures of the observability tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import RunningGateway
from web import telemetry


@pytest.fixture
async def fresh_metrics(gateway: RunningGateway, tmp_path: Path) -> AsyncIterator[Path]:
    """The session gateway's metrics in a directory of their own for one test (so first-come
    operation names start afresh), then back where they were."""
    settings = gateway.gateway.settings
    paths = [route.path for route in gateway.app.routes]  # type: ignore[attr-defined]
    directory = tmp_path / "metrics"
    await telemetry.start(dataclasses.replace(settings, metrics_dir_setting=str(directory)), paths)
    try:
        yield directory
    finally:
        await telemetry.start(settings, paths)
