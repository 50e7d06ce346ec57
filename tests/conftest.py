"""Shared fixtures: every test gets its own user folder, so no test sees another's store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("swhome")
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo desk's store, seeded once per test session (read-only for tests)."""
    import os

    from sectorweekly.desk import load_desk
    from sectorweekly.workspace import ensure_seeded

    home = tmp_path_factory.mktemp("demo_home")
    old = os.environ.get("SECTORWEEKLY_HOME")
    os.environ["SECTORWEEKLY_HOME"] = str(home)
    try:
        path, _ = ensure_seeded(load_desk())
    finally:
        if old is None:
            os.environ.pop("SECTORWEEKLY_HOME", None)
        else:
            os.environ["SECTORWEEKLY_HOME"] = old
    return path
