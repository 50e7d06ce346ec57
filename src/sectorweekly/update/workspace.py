"""`prepare`, the one step that loads a desk's files into its store (locations: `paths`).

A desk may carry files to load into its store: prices and shares (``seed_prices``,
``seed_shares``), tracker series (``trackers.seed``) and a rating history (``ratings.history``).
Each is a seed: the desk's files for one fetcher or more, loaded through the store's one
writer once, and again only when its files change (a digest of them is kept in the store's meta
table, written in the same transaction as the seed's last rows). ``prepare`` runs at the
command line's edge, before a build, an update or an import; a build itself only reads the store.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import atomic, store
from ..desk.parse import Desk
from ..desk.paths import store_path
from ..desk.rating_scale import RatingScales
from ..errors import DeskError, MachineError, machine_error
from ..markets.calendars import Calendars
from ..providers.fetcher import Fetcher
from ..providers.file_sources import (
    PriceFilesFetcher,
    PriceFilesQuery,
    RatingFilesFetcher,
    RatingFilesQuery,
    SharesFilesFetcher,
    SharesFilesQuery,
    TrackerFilesQuery,
    tracker_fetcher,
)
from ..providers.tracker_files import SeriesOptions
from ..store import ratings as stored_ratings
from ..store import series as stored_series
from .imports import load

PRICES_KEY = "seed_digest"
TRACKERS_KEY = "tracker_seed_digest"
RATINGS_KEY = "ratings_seed_digest"


@dataclass(frozen=True)
class SeedFile:
    key: str  # the desk.yaml key naming the file, for the error when it is missing
    path: Path
    expected: str = "a file relative to the desk (or remove the key)"
    shown: str | None = None  # how the error names the file (default: its path)


@dataclass(frozen=True)
class Seed:
    """The desk's files of one kind of data and how they load (in order, one call each)."""

    digest_key: str  # the meta key of the files' digest
    files: list[SeedFile]
    digest_parts: Callable[[], list[bytes]]
    loads: Callable[[Path], list[tuple[Fetcher[Any], Any]]]
    loaded: Callable[[Path], bool] = lambda _path: True  # the store still holds the seed


def create_desk(
    directory: Path,
    src: Path,
    ignore: Callable[[str, list[str]], set[str]] | None = None,
    desk_yaml: str | None = None,
) -> None:
    """Copy the desk ``src`` into ``directory`` (new or empty) whole or not at all: copied
    beside it under a hidden name, then renamed; ``desk_yaml`` replaces its desk.yaml."""
    target = directory.absolute()
    atomic.make_folder(target.parent, "cannot create the folder for the desk")
    tmp = target.parent / f".{target.name}.{os.getpid()}{atomic.TMP_SUFFIX}"
    try:
        shutil.copytree(src, tmp, ignore=ignore)
        if desk_yaml is not None:
            atomic.write_text(tmp / "desk.yaml", desk_yaml)
        if target.exists():  # an empty folder (perhaps the one the shell is in): keep it
            _move_entries(tmp, target)
        else:
            os.replace(tmp, target)
    except shutil.Error as exc:  # copytree's list of (source, target, why)
        why = exc.args[0][0][2] if exc.args and exc.args[0] else str(exc)
        raise MachineError(f"{directory}: cannot create the desk ({why})") from None
    except OSError as exc:
        raise machine_error(exc, directory, "cannot create the desk") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_entries(src: Path, target: Path) -> None:
    """Rename every entry of ``src`` into the empty folder ``target``; all or none."""
    moved: list[Path] = []
    try:
        for entry in sorted(src.iterdir()):
            os.replace(entry, target / entry.name)
            moved.append(target / entry.name)
    except BaseException:
        for path in moved:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()[:16]


def seed_files(desk: Desk) -> tuple[list[Path], Path | None]:
    """The price files of ``seed_prices`` (a folder: its CSV files) and ``seed_shares``."""
    files: list[Path] = []
    for entry in desk.seed_prices:
        path = desk.root / entry
        files.extend(sorted(path.glob("*.csv")) if path.is_dir() else [path])
    shares = desk.root / desk.seed_shares if desk.seed_shares else None
    return files, shares


def seeds(desk: Desk) -> list[Seed]:
    """Every seed the desk carries, in the order they load (prices before what names them)."""
    return [s for s in (_price_seed(desk), _tracker_seed(desk), _rating_seed(desk)) if s]


def prepare(desk: Desk, wait: float = store.LOCK_TIMEOUT_S) -> tuple[Path, int]:
    """Load every seed the desk carries that the store lacks; returns (store, price rows added).

    Called once per command at the CLI edge; a second call with unchanged files writes nothing.
    """
    path = store_path(desk)
    added = 0
    for seed in seeds(desk):
        for file in seed.files:
            if not file.path.is_file():
                raise DeskError(
                    desk.root / "desk.yaml",
                    file.key,
                    f"{file.shown or file.path} does not exist; expected {file.expected}",
                )
        digest = _digest(seed.digest_parts())
        if store.meta_value(path, seed.digest_key) == digest and seed.loaded(path):
            continue
        loads = seed.loads(path)
        for i, (fetcher, query) in enumerate(loads):
            last = i == len(loads) - 1
            meta = {seed.digest_key: digest} if last else None
            result = load(path, fetcher, query, wait=wait, meta=meta)
            added += result.added if fetcher.kind == "prices" else 0
    return path, added


def _price_seed(desk: Desk) -> Seed | None:
    files, shares = seed_files(desk)
    if not files:
        return None
    listed = [SeedFile(f"seed_prices[{i}]", f) for i, f in enumerate(files)]
    if shares is not None:
        listed.append(SeedFile("seed_shares", shares))
    known = {s: i.market for s, i in desk.instruments.items()}

    def loads(_path: Path) -> list[tuple[Fetcher[Any], Any]]:
        prices = (
            PriceFilesFetcher(),
            PriceFilesQuery(tuple(files), known, Calendars.of_desk(desk)),
        )
        if shares is None:
            return [prices]
        return [(SharesFilesFetcher(), SharesFilesQuery((shares,))), prices]

    return Seed(
        PRICES_KEY,
        listed,
        lambda: [f.path.name.encode() + f.path.read_bytes() for f in listed],
        loads,
    )


def _tracker_seed(desk: Desk) -> Seed | None:
    entries = desk.trackers.seed
    if not entries:
        return None
    listed = [
        SeedFile(f"trackers.seed[{i}].file", desk.root / s.file,
                 "a CSV or xlsx path relative to the desk", str(s.file))
        for i, s in enumerate(entries)
    ]  # fmt: skip

    def loads(_path: Path) -> list[tuple[Fetcher[Any], Any]]:
        out: list[tuple[Fetcher[Any], Any]] = []
        for entry in entries:
            opts = SeriesOptions(
                group=entry.group,
                unit=entry.unit,
                source=entry.source,
                aliases=entry.aliases,
                sample=entry.sample,
            )
            query = TrackerFilesQuery((desk.root / entry.file,), entry.kind, opts)
            out.append((tracker_fetcher(query), query))
        return out

    def loaded(path: Path) -> bool:
        with store.reader(path) as con:
            return stored_series.has_tables(con)

    return Seed(
        TRACKERS_KEY,
        listed,
        lambda: [s.model_dump_json().encode() + (desk.root / s.file).read_bytes() for s in entries],
        loads,
        loaded,
    )


def rating_symbols(desk: Desk, path: Path) -> set[str]:
    """Symbols a rating may name: the desk's instruments and whatever the store holds."""
    return set(desk.instruments) | stored_ratings.stored_symbols(path)


def _rating_seed(desk: Desk) -> Seed | None:
    history = desk.ratings.history
    if not history:
        return None
    file = desk.root / history

    def loads(path: Path) -> list[tuple[Fetcher[Any], Any]]:
        scales = RatingScales.from_desk(desk.ratings)
        symbols = rating_symbols(desk, path)  # after the prices seed: the store names them too
        query = RatingFilesQuery((file,), scales, symbols, sample=desk.ratings.history_sample)
        return [(RatingFilesFetcher(), query)]

    return Seed(
        RATINGS_KEY,
        [SeedFile("ratings.history", file)],
        lambda: [file.read_bytes(), str(desk.ratings.history_sample).encode()],
        loads,
    )
