"""A folder of whole-market files read into typed, checked temp tables, one per store kind.

The folder holds daily bars (any ``*.csv`` or ``*.csv.gz`` that is not a fact file), the 申万
classification (``sw2021_codes.csv``, ``sw2021_membership.csv``) and optional fact files
(``universe.csv``, ``names.csv``, ``st_spans.csv``, ``coverage.csv``, ``sw_index_closes.csv``).
DuckDB reads every file of one header in one ``read_csv`` and checks every cell in SQL
(``market_checks``); the first bad row, in file order, is refused as ``FILE:ROW: what; expected``.
Nothing is written here: the tables ``_mk_<kind>`` are what the store's one writer stages.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb

from .. import textfile
from ..errors import InputError
from ..markets.calendars import Calendars
from . import market_checks as checks

Progress = Callable[[str], None]

# Chinese column names of per-stock exports (日期,开盘价,…) -> the bar file's columns
ZH_HEADER = {
    "代码": "symbol", "股票代码": "symbol", "证券代码": "symbol", "日期": "date",
    "交易日期": "date", "开盘价": "open", "开盘": "open", "最高价": "high", "最高": "high",
    "最低价": "low", "最低": "low", "收盘价": "close", "收盘": "close", "成交量": "volume",
    "成交额": "amount", "前收盘价": "pre_close", "前收盘": "pre_close", "昨收": "pre_close",
}  # fmt: skip
FACT_FILES = {
    "universe.csv": "cn-universe",
    "names.csv": "cn-names",
    "st_spans.csv": "cn-st",
    "coverage.csv": "cn-coverage",
    "sw2021_codes.csv": "sw-codes",
    "sw2021_membership.csv": "sw-membership",
    "sw_index_closes.csv": "sw-index",
}
BARS = "cn-bars"


def table_of(kind: str) -> str:
    return "_mk_" + kind.replace("-", "_")


def _is_csv(path: Path) -> bool:
    return path.name.lower().endswith((".csv", ".csv.gz"))


def _fact_name(path: Path) -> str:
    return path.name.lower().removesuffix(".gz")


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _header(read: Path, path: Path) -> list[str]:
    """The file's column names (Chinese ones as the bar columns they are), lower case; ``read``
    is its UTF-8 form, ``path`` the name errors give."""
    try:
        with _open(read) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
            row = next(csv.reader(fh), [])
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        raise InputError(path, 1, f"not a UTF-8 CSV file ({exc}); expected UTF-8 or GB18030 "
                         "text with a header (gzipped .csv.gz files: UTF-8)") from None  # fmt: skip
    names = [ZH_HEADER.get(h.strip(), h.strip().lower()) for h in row]
    if not any(names):
        raise InputError(path, 1, "empty file; expected a header and rows")
    for i, name in enumerate(names):
        if not name or names.index(name) != i:
            what = f"column {i + 1} has no name" if not name else f"column '{name}' appears twice"
            raise InputError(path, 1, f"{what}; expected one name per column")
    return names


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _reader(paths: list[Path], names: list[str]) -> str:
    columns = "{" + ", ".join(f"{_q(n)}: 'VARCHAR'" for n in names) + "}"
    files = "[" + ", ".join(_q(str(p)) for p in paths) + "]"
    return (
        f"read_csv({files}, header = true, columns = {columns}, delim = ',', quote = '\"', "
        "escape = '\"', strict_mode = true, null_padding = false, auto_detect = false, "
        "filename = '_mk_file')"
    )


def _unreadable(
    con: duckdb.DuckDBPyConnection, files: list[_File], names: list[str]
) -> InputError | None:
    """The first of ``files`` DuckDB cannot read, in its words; None when all read."""
    for f in files:
        try:
            con.execute(f"SELECT count(*) FROM {_reader([f.read], names)}").fetchall()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            return InputError(f.path, None, f"not a well-formed CSV file ({first}); expected "
                              "the same number of fields on every line as in the header")  # fmt: skip
    return None


@dataclass(frozen=True)
class _File:
    fi: int
    path: Path  # as the user named it (errors name it)
    names: tuple[str, ...]
    read: Path  # what DuckDB reads: the file, or its UTF-8 copy (same name) when it was GB18030


def _readable(path: Path, fi: int, tmp: Path) -> Path:
    """A plain CSV in UTF-8 as it is; in GB18030 (or with a BOM), a UTF-8 copy under the same
    name (a per-stock file's name is its code). Gzipped files must be UTF-8."""
    if path.name.lower().endswith(".gz"):
        return path
    folder = tmp / str(fi)
    folder.mkdir()
    copy = textfile.as_utf8(path, None, folder)
    if copy == path:
        return path
    return copy.rename(folder / path.name)


def _raw_sql(
    con: duckdb.DuckDBPyConnection, kind: str, files: list[_File], wanted: list[str]
) -> tuple[str, list[tuple[list[_File], list[str]]]]:
    """A query of every file of ``kind`` as text columns ``wanted`` (absent ones NULL) with
    ``fi`` (the file's place) and ``rec`` (its row): one ``read_csv`` per header, never
    materialised; and the groups of files, to find an unreadable one."""
    groups: dict[tuple[str, ...], list[_File]] = {}
    for f in files:
        groups.setdefault(f.names, []).append(f)
    selects = []
    for g, (names, group) in enumerate(groups.items()):
        paths = f"_mk_paths_{table_of(kind)[4:]}_{g}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {paths} (fi INTEGER, path VARCHAR)")
        con.executemany(f"INSERT INTO {paths} VALUES (?, ?)", [(f.fi, str(f.read)) for f in group])
        cols = [f"r.{c}" if c in names else f"NULL::VARCHAR AS {c}" for c in wanted]
        if "symbol" in wanted and "symbol" not in names:  # a per-stock file: 600000.csv
            cols[wanted.index("symbol")] = (
                r"regexp_extract(r._mk_file, '(\d{6})[^/\\]*$', 1) AS symbol"
            )
        selects.append(
            f"SELECT p.fi, (r._n - min(r._n) OVER (PARTITION BY r._mk_file) + 1) AS rec, "
            f"{', '.join(cols)} FROM (SELECT row_number() OVER () AS _n, * FROM "
            f"{_reader([f.read for f in group], list(names))}) r "
            f"JOIN {paths} p ON p.path = r._mk_file"
        )
    readable = [(group, list(names)) for names, group in groups.items()]
    return "(" + " UNION ALL ".join(selects) + ")", readable


class MarketFolder:
    """The folder's files, read and checked once per writer connection (:meth:`prepare`)."""

    def __init__(self, folder: Path, calendars: Calendars, progress: Progress | None = None):
        if not folder.exists():
            raise InputError(folder, None, "no such folder; expected a folder of market files")
        if not folder.is_dir():
            raise InputError(folder, None, "is a file; expected a folder of market files")
        self.folder = folder
        self.calendars = calendars
        self.say = progress or (lambda _m: None)
        paths = sorted(p for p in folder.rglob("*") if p.is_file() and _is_csv(p))
        self.files: dict[str, list[_File]] = {}
        self._tmp = textfile.temp_folder()  # UTF-8 copies of GB18030 files, gone with the object
        for fi, path in enumerate(paths):
            kind = FACT_FILES.get(_fact_name(path), BARS)
            read = _readable(path, fi, Path(self._tmp.name))
            self.files.setdefault(kind, []).append(
                _File(fi, path, tuple(_header(read, path)), read)
            )
        if not self.files:
            raise InputError(folder, None, "no market files (*.csv, *.csv.gz); expected daily "
                             "bars (symbol,date,open,high,low,close,volume,amount) or the fact "
                             f"files {', '.join(FACT_FILES)}")  # fmt: skip
        self.paths = {fi: path for fi, path in enumerate(paths)}
        self._prepared: int | None = None
        self.summary: dict[str, Any] = {}

    def has(self, kind: str) -> bool:
        return bool(self.files.get(kind))

    def prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        """Read and check every file into ``_mk_<kind>`` tables; raises the first bad row."""
        if self._prepared == id(con):
            return
        con.execute("CREATE OR REPLACE TEMP TABLE _mk_where (fi INTEGER, file VARCHAR)")
        con.executemany("INSERT INTO _mk_where VALUES (?, ?)", list(
            (fi, str(p)) for fi, p in self.paths.items()
        ))  # fmt: skip
        for kind in checks.ORDER:
            spec = checks.SPECS[kind]
            files = self.files.get(kind, [])
            for f in files:
                missing = [c for c in spec.required if c not in f.names]
                if missing and not (kind == BARS and missing == ["symbol"]):
                    raise InputError(f.path, 1, f"missing column '{missing[0]}'; expected a "
                                     f"header {spec.header}")  # fmt: skip
            self.say(f"checking {len(files)} {kind} file(s)")
            self._check(con, kind, _raw_sql(con, kind, files, spec.columns) if files else None)
        if not self.has("cn-universe"):
            self.say("the universe from the codes' shapes (no universe.csv)")
            checks.universe_from_codes(con, table_of(BARS), table_of("cn-universe"))
        self._prepared = id(con)
        self.summary = self._summarise(con)

    def _summarise(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """What the folder held: stocks, bar rows, sessions, industries, facts given."""
        row = con.execute(
            f"SELECT count(DISTINCT symbol), count(*), count(DISTINCT date), min(date), "
            f"max(date), count(pre_close) FROM {table_of(BARS)}"
        ).fetchall()[0]
        keys = ("stocks", "bars", "sessions", "first", "last", "pre_close")
        out: dict[str, Any] = dict(zip(keys, row, strict=True))
        out["industries"] = con.execute(
            f"SELECT count(*) FILTER (WHERE industry_code LIKE '%0000'), count(*) "
            f"FROM {table_of('sw-codes')}"
        ).fetchall()[0]
        out["given"] = sorted(k for k in FACT_FILES.values() if self.has(k))
        return out

    def _check(
        self,
        con: duckdb.DuckDBPyConnection,
        kind: str,
        raw: tuple[str, list[tuple[list[Path], list[str]]]] | None,
    ) -> None:
        table = table_of(kind)
        if raw is None:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {checks.empty(kind)}")
            return
        query, groups = raw
        try:
            checks.type_rows(con, kind, query, table, self.has("cn-universe"))
        except duckdb.Error:
            errors = [e for e in (_unreadable(con, ps, ns) for ps, ns in groups) if e is not None]
            if errors:
                raise min(errors, key=lambda e: e.path) from None
            raise
        if kind == BARS:
            checks.add_sessions(con, table, self.calendars)
        found = checks.first_error(con, kind, table, self.has("cn-universe"))
        if found is not None:
            fi, rec, message = found
            raise InputError(self.paths[fi], rec + 1, message)

    def stager(self, kind: str) -> _KindRows:
        return _KindRows(self, kind)


class _KindRows:
    """One kind's checked rows as the writer's ``_rows`` view (a stager)."""

    def __init__(self, folder: MarketFolder, kind: str) -> None:
        self.folder = folder
        self.kind = kind

    def stage(self, con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        self.folder.prepare(con)
        cols = ", ".join(f't."{c}"' for c in checks.SPECS[self.kind].typed)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _rows AS SELECT {cols}, w.file, "
            f"t.rec + 1 AS line, t.fi * 10000000000 + t.rec AS _ord FROM {table_of(self.kind)} t "
            "LEFT JOIN _mk_where w ON w.fi = t.fi"
        ).fetchall()
