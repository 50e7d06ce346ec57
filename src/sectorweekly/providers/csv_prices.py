"""Price and share-count CSV files -> the store's standard rows, checked set-wise in DuckDB.

Prices come in the shared ``data/prices`` layout or a minimal ``symbol,date,close`` one. DuckDB
reads each file (UTF-8, or GB18030 transcoded first), parses and checks every row in SQL —
numbers, dates, markets, high/low, sessions of the market's exchange, no date after the last
closed session — and streams the typed rows to a Parquet staging file; the store's one writer
then checks duplicates and conflicts and inserts them in one statement. A 2-million-row file
takes seconds (``benchmarks/import.py``). Errors name ``FILE:ROW`` and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from .. import textfile
from ..errors import InputError
from ..markets.calendars import Calendars
from . import dividends
from .columns import SHARES, header_index, parse_row
from .csv_price_sessions import calendar_tables
from .csv_price_sql import REQUIRED
from .csv_price_stage import STAGED_COLUMNS, StagedFile, check_dates, read_header, stage_group

FULL_LAYOUT = [
    "symbol", "market", "name", "date", "close", "open", "high", "low", "volume",
    "volume_unit", "adjustment", "source",
]  # fmt: skip
Progress = Callable[[str], None]
# A workbook's sheet of prices: the first whose header has these (without --sheet)
KNOWN_HEADER = textfile.either(textfile.requires(*REQUIRED), dividends.is_dividend_header)
SHARES_HEADER = textfile.requires("symbol", "as_of", "shares")


class PriceFiles:
    """Price CSV files staged for the store's writer: parsed and checked in its connection."""

    def __init__(
        self,
        paths: Iterable[Path],
        known: Mapping[str, str],
        encoding: str | None = None,
        progress: Progress | None = None,
        sheet: str | None = None,
        *,
        calendars: Calendars,
    ) -> None:
        self.paths = list(paths)
        self.known = known
        self.calendars = calendars
        self.encoding = encoding
        self.sheet = sheet
        self.say = progress or (lambda _m: None)

    def stage(self, con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        """Create the temp view ``_rows``: typed rows of every file, ``file``/``line`` naming
        each, ``_ord`` their order; raises InputError at the first bad row (a file with a
        wrong header is named before any row is read; then files in the order given)."""
        calendar_tables(con, self.known)
        by_header: dict[tuple[str, ...], list[StagedFile]] = {}
        sheets: dict[str, str | None] = {}
        events: list[dividends.Event] = []
        for i, path in enumerate(self.paths):
            self.say(f"reading {path.name}")
            folder = tmp / f"f{i}"
            folder.mkdir()
            sheet = textfile.choose_sheet(path, self.sheet, KNOWN_HEADER)
            sheets[str(path)] = sheet
            with textfile.naming_sheet(path, sheet):
                utf8 = textfile.as_utf8(path, self.encoding, folder, sheet)
                if dividends.is_dividend_header(dividends.header_names(utf8)):
                    events += dividends.read_events(i, path, self.encoding, self.known, sheet)
                    continue
                names = tuple(read_header(path, utf8))
            staged = StagedFile(i, path, utf8, self.encoding, sheet)
            by_header.setdefault(names, []).append(staged)
        groups = [(files, list(names)) for names, files in by_header.items()]
        try:
            self._check(con, groups)
        except InputError as exc:  # a workbook's row: name its sheet
            sheet = sheets.get(exc.path)
            if sheet:
                raise InputError(textfile.sheet_label(Path(exc.path), sheet), exc.where,
                                 exc.message) from None  # fmt: skip
            raise
        if events:
            self.say(f"computing the reference prices of {len(events)} dividend event(s)")
            dividends.apply_events(con, events, self.calendars)
        con.execute("CREATE OR REPLACE TEMP TABLE _paths (fi INTEGER, file VARCHAR)")
        con.executemany("INSERT INTO _paths VALUES (?, ?)", [
            (i, textfile.sheet_label(p, sheets.get(str(p)))) for i, p in enumerate(self.paths)
        ])  # fmt: skip
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _rows AS "
            "SELECT symbol, f.market, date, open, high, low, close, volume, volume_unit, "
            "adjustment, NULL::DOUBLE AS adj_close, source, prev_close, prev_close_source, "
            "name, i.currency, fp.file, rec + 1 AS line, f.fi * 10000000000 + rec AS _ord "
            "FROM _staged f JOIN market_info i ON i.market = f.market "
            "JOIN _paths fp ON fp.fi = f.fi"
        )

    def _check(
        self, con: duckdb.DuckDBPyConnection, groups: list[tuple[list[StagedFile], list[str]]]
    ) -> None:
        errors = []
        con.execute("DROP TABLE IF EXISTS _staged")
        for files, names in groups:
            self.say(f"checking {len(files)} file(s) with the columns {','.join(names)}")
            found = stage_group(con, files, names)
            if found is not None:
                errors.append(found)
        if errors:
            raise min(errors, key=lambda e: e[0])[1]  # the first bad file in the order given
        if not groups:
            con.execute(f"CREATE TEMP TABLE _staged ({STAGED_COLUMNS})")
        self.say("checking the dates against each market's sessions")
        check_dates(con, groups, self.calendars)


def read_price_files(
    paths: list[Path],
    known_markets: Mapping[str, str],
    encoding: str | None = None,
    *,
    calendars: Calendars,
) -> pd.DataFrame:
    """The checked rows of files read together as a frame (the CSV provider of ``update
    --source csv``): a dividend file among them gives its ex-dates their reference."""
    with textfile.temp_folder() as tmp, duckdb.connect(":memory:") as con:
        PriceFiles(paths, known_markets, encoding, calendars=calendars).stage(con, Path(tmp))
        frame = con.execute("SELECT * EXCLUDE (file, _ord) FROM _rows ORDER BY _ord").df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def read_shares_file(
    path: Path, encoding: str | None = None, sheet: str | None = None
) -> pd.DataFrame:
    """Shares outstanding: symbol,as_of,shares[,source,note] (shares in units of the quote)."""
    sheet = textfile.choose_sheet(path, sheet, SHARES_HEADER)
    with textfile.naming_sheet(path, sheet):
        records = textfile.csv_records(path, encoding, sheet)
        first = next(records, None)
        idx = header_index(path, first[1] if first else [], SHARES)
        out = []
        for line, cells in records:
            row = parse_row(path, line, cells, idx, SHARES)
            row["source"] = row["source"] or f"csv:{path.name}"
            out.append({**row, "file": textfile.sheet_label(path, sheet), "line": line})
        if not out:
            raise InputError(path, 2, "no data rows; expected symbol,as_of,shares rows")
    return pd.DataFrame.from_records(out)
