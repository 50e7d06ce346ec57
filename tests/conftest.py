"""Shared fixtures: every test gets its own user folder, so no test sees another's store."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import build_demo_week, home_as


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

    from sectorweekly.desk.parse import load_desk
    from sectorweekly.update.workspace import prepare

    home = tmp_path_factory.mktemp("demo_home")
    with home_as(home):
        path, _ = prepare(load_desk())
    return path


@pytest.fixture(scope="session")
def demo_report(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo week (2024-10-07..09) built once and written in every format (read-only).

    Returns (report, out_dir, console messages).
    """
    return build_demo_week(demo_store.parent.parent, tmp_path_factory.mktemp("demo_report"))


@pytest.fixture(scope="session")
def market_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the whole-market slice (../shared/data/market), written once through the
    store's writer (read-only for tests)."""
    from market_store import fill_market_store

    return fill_market_store(tmp_path_factory.mktemp("market") / "store.duckdb")


@pytest.fixture()
def demo_desk_with_notes(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The demo desk reading its notes from a temporary folder (the store is the shared one)."""
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    from sectorweekly.desk.parse import load_desk

    desk = load_desk()
    notes_dir = tmp_path / "notes"
    notes_dir.mkdir()
    desk.notes_dir = str(notes_dir)  # absolute: wins over the desk's own folder
    return desk, notes_dir
