"""`prepare`, the one step that loads a desk's files into its store (locations: `paths`).

A desk may carry files to load into its store: prices and shares (``seed_prices``,
``seed_shares``), tracker series (``trackers.seed``) and a rating history (``ratings.history``).
Each kind is imported once through the store's one writer, and again only when its files
change: a digest of the files is kept in the store's meta table. ``prepare`` runs at the command
line's edge, before a build, an update or an import; a build itself only reads the store.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from . import atomic, rating_records, store, store_series
from .analysis.rating_scale import RatingScales
from .calendars import Calendars
from .desk import Desk
from .errors import DeskError, MachineError, machine_error
from .paths import home, store_path  # noqa: F401  (home: re-exported for callers)
from .providers.csv_prices import import_price_files, import_shares_file
from .providers.ratings_csv import import_rating_files
from .providers.tracker_files import SeriesOptions, import_tracker_files


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


def seed_files(desk: Desk) -> tuple[list[Path], Path | None]:
    files: list[Path] = []
    for entry in desk.seed_prices:
        path = desk.root / entry
        files.extend(sorted(path.glob("*.csv")) if path.is_dir() else [path])
    shares = desk.root / desk.seed_shares if desk.seed_shares else None
    return files, shares


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()[:16]


PRICES_KEY = "seed_digest"
TRACKERS_KEY = "tracker_seed_digest"
RATINGS_KEY = "ratings_seed_digest"


def prepare(desk: Desk, wait: float = store.LOCK_TIMEOUT_S) -> tuple[Path, int]:
    """Load every seed the desk carries that the store lacks; returns (store, price rows added).

    Called once per command at the CLI edge; a second call with unchanged files writes nothing.
    """
    path = store_path(desk)
    added = _seed_prices(desk, path, wait)
    _seed_trackers(desk, path, wait)
    _seed_ratings(desk, path, wait)
    return path, added


ensure_seeded = prepare  # the name callers used before seeding moved to the CLI edge


def _missing_seed(desk: Desk, key: str, path: Path) -> DeskError:
    return DeskError(
        desk.root / "desk.yaml",
        key,
        f"{path} does not exist; expected a file relative to the desk (or remove the key)",
    )


def _seed_prices(desk: Desk, path: Path, wait: float) -> int:
    files, shares = seed_files(desk)
    if not files:
        return 0
    for i, f in enumerate(files):
        if not f.is_file():
            raise _missing_seed(desk, f"seed_prices[{i}]", f)
    if shares is not None and not shares.is_file():
        raise _missing_seed(desk, "seed_shares", shares)
    every = files + ([shares] if shares else [])
    digest = _digest([p.name.encode() + p.read_bytes() for p in every])
    if store.meta_value(path, PRICES_KEY) == digest:
        return 0
    known = {s: i.market for s, i in desk.instruments.items()}
    if shares is not None:
        import_shares_file(path, shares, wait=wait)
    cals = Calendars.of_desk(desk)
    _, added = import_price_files(
        path, files, known, calendars=cals, wait=wait, meta={PRICES_KEY: digest}
    )
    return added


def _seed_trackers(desk: Desk, path: Path, wait: float) -> int:
    seeds = desk.trackers.seed
    if not seeds:
        return 0
    for i, seed in enumerate(seeds):
        if not (desk.root / seed.file).is_file():
            raise DeskError(
                desk.root / "desk.yaml",
                f"trackers.seed[{i}].file",
                f"{seed.file} does not exist; expected a CSV or xlsx path relative to the desk",
            )
    digest = _digest(
        [s.model_dump_json().encode() + (desk.root / s.file).read_bytes() for s in seeds]
    )
    if store.meta_value(path, TRACKERS_KEY) == digest:
        with store.reader(path) as con:
            if store_series.has_tables(con):
                return 0
    added = 0
    for seed in seeds:
        opts = SeriesOptions(
            group=seed.group,
            unit=seed.unit,
            source=seed.source,
            aliases=seed.aliases,
            sample=seed.sample,
            wait=wait,
        )
        added += import_tracker_files(path, [desk.root / seed.file], seed.kind, opts).added
    with store.writer(path, wait) as con:  # the digest only, after every file went in
        store.set_meta(con, TRACKERS_KEY, digest)
    return added


def rating_symbols(desk: Desk, path: Path) -> set[str]:
    """Symbols a rating may name: the desk's instruments and whatever the store holds."""
    return set(desk.instruments) | rating_records.stored_symbols(path)


def _seed_ratings(desk: Desk, path: Path, wait: float) -> int:
    history = desk.ratings.history
    if not history:
        return 0
    file = desk.root / history
    if not file.is_file():
        raise _missing_seed(desk, "ratings.history", file)
    digest = _digest([file.read_bytes(), str(desk.ratings.history_sample).encode()])
    if store.meta_value(path, RATINGS_KEY) == digest:
        return 0
    _, added = import_rating_files(
        path,
        [file],
        RatingScales.from_desk(desk.ratings),
        rating_symbols(desk, path),
        sample=desk.ratings.history_sample,
        meta={RATINGS_KEY: digest},  # written in the same transaction as the ratings
        wait=wait,
    )
    return added
