"""Price CSV import: the shared ``data/prices`` layout and a minimal ``symbol,date,close`` one.

Everything is validated before the store is opened, so a bad file leaves the store untouched;
each error names ``FILE:ROW``, what was wrong and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .. import calendars, store
from ..errors import InputError
from ..markets import MARKETS, normalise_market
from .rows import csv_rows, drop_repeats, drop_stored, parse_date

FULL_LAYOUT = [
    "symbol",
    "market",
    "name",
    "date",
    "close",
    "open",
    "high",
    "low",
    "volume",
    "volume_unit",
    "adjustment",
    "source",
]
REQUIRED = ["symbol", "date", "close"]
OPTIONAL_NUMERIC = ["open", "high", "low", "volume"]
# Optional in either layout: the exchange's reference previous close of a row (除权除息参考价)
# with where it came from, or a cumulative adjustment factor from which it follows.
REFERENCE_NUMERIC = ["prev_close", "adj_factor"]
EXPECTED_HEADER = (
    "expected a header symbol,date,close[,open,high,low,volume] "
    "or symbol,market,name,date,close,open,high,low,volume,volume_unit,adjustment,source"
)


def _parse_number(text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def guess_market(symbol: str) -> str | None:
    """Market from the symbol's shape: 6 digits = A-share, NNNN.HK = Hong Kong."""
    if len(symbol) == 6 and symbol.isdigit():
        return "CN_A"
    if symbol.upper().endswith(".HK"):
        return "HK"
    return None


def read_price_file(path: Path, known_markets: Mapping[str, str]) -> pd.DataFrame:
    """Parse and check one file; raises InputError at the first bad row."""
    source_default = f"csv:{path.name}"
    records = [
        _check_row(path, line_no, raw, idx, known_markets, source_default)
        for idx, line_no, raw in csv_rows(path, REQUIRED, EXPECTED_HEADER)
    ]
    if not records:
        raise InputError(path, 2, "no data rows; expected at least one price row")
    frame = pd.DataFrame.from_records(records)
    _check_sessions(path, frame)
    return _reference_from_factors(frame, f"csv:{path.name}:adj_factor")


def _reference_from_factors(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Where a row has no prev_close but the factor changed since the symbol's prior row, the
    reference previous close is prior close × prior factor / factor (how terminals chain it)."""
    frame = frame.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    factor = frame.pop("adj_factor")
    same = frame["symbol"].eq(frame["symbol"].shift(1))
    prior_close, prior_factor = frame["close"].shift(1), factor.shift(1)
    moved = same & factor.notna() & prior_factor.notna() & (factor != prior_factor)
    fill = moved & frame["prev_close"].isna()
    if fill.any():
        reference = (prior_close * prior_factor / factor).round(4)
        frame["prev_close"] = frame["prev_close"].astype("float64").mask(fill, reference)
        frame["prev_close_source"] = frame["prev_close_source"].astype(object).mask(fill, source)
    return frame


def _check_row(
    path: Path,
    line_no: int,
    raw: list[str],
    idx: Mapping[str, int],
    known_markets: Mapping[str, str],
    source_default: str,
) -> dict[str, object]:
    def get(col: str) -> str | None:
        i = idx.get(col)
        return raw[i].strip() if i is not None else None

    symbol = get("symbol") or ""
    if not symbol:
        raise InputError(path, line_no, "empty symbol; expected a code such as 688256 or NVDA")
    market_text = get("market")
    if market_text:
        try:
            market = normalise_market(market_text)
        except KeyError:
            raise InputError(
                path,
                line_no,
                f"unknown market '{market_text}'; expected one of {', '.join(MARKETS)}",
            ) from None
    else:
        market = known_markets.get(symbol) or guess_market(symbol)
        if market is None:
            raise InputError(
                path,
                line_no,
                f"unknown market for '{symbol}'; add a market column "
                f"({', '.join(MARKETS)}) or list the symbol under the desk's instruments",
            )
    date_text = get("date") or ""
    date = parse_date(date_text)
    if date is None:
        raise InputError(path, line_no, f"date '{date_text}' is not a date; expected YYYY-MM-DD")
    values: dict[str, float | None] = {}
    for col in ["close", *OPTIONAL_NUMERIC, *REFERENCE_NUMERIC]:
        text = get(col)
        try:
            values[col] = _parse_number(text)
        except ValueError:
            raise InputError(
                path, line_no, f"{col} '{text}' is not a number; expected a decimal such as 12.34"
            ) from None
    if values["close"] is None:
        raise InputError(path, line_no, "close is empty; expected a positive price")
    for col in ["close", "open", "high", "low", *REFERENCE_NUMERIC]:
        v = values[col]
        if v is not None and v <= 0:
            raise InputError(path, line_no, f"{col} {v:g} is not positive; expected a price > 0")
    if values["volume"] is not None and values["volume"] < 0:
        raise InputError(path, line_no, f"volume {values['volume']:g} is negative; expected ≥ 0")
    hi, lo, op, cl = values["high"], values["low"], values["open"], values["close"]
    body = [v for v in (op, cl) if v is not None]
    if hi is not None and hi < max(body):
        raise InputError(
            path, line_no, f"high {hi:g} is below open/close; expected high ≥ {max(body):g}"
        )
    if lo is not None and lo > min(body):
        raise InputError(
            path, line_no, f"low {lo:g} is above open/close; expected low ≤ {min(body):g}"
        )
    return {
        "symbol": symbol,
        "market": market,
        "name": get("name") or None,
        "currency": MARKETS[market].currency,
        "date": date,
        **values,
        "volume_unit": get("volume_unit") or None,
        "adjustment": get("adjustment") or "none",
        "adj_close": None,
        "source": get("source") or source_default,
        "prev_close_source": (
            (get("prev_close_source") or source_default) if values["prev_close"] else None
        ),
        "line": line_no,
    }


def _check_sessions(path: Path, frame: pd.DataFrame) -> None:
    """Every row must fall on a session of its market's exchange."""
    for market, part in frame.groupby("market", sort=False):
        lo, hi = min(part["date"]), max(part["date"])
        valid = set(calendars.sessions(str(market), lo, hi))
        bad = part[~part["date"].isin(valid)]
        if len(bad):
            row = bad.iloc[0]
            cal = MARKETS[str(market)].calendar
            raise InputError(
                path,
                int(row["line"]),
                f"{row['date']} is not a {market} ({cal}) trading session; expected a trading day",
            )


_COMPARE = ["close", "open", "high", "low", "volume"]


def load_price_files(paths: Iterable[Path], known_markets: Mapping[str, str]) -> pd.DataFrame:
    """Read every file, then reject conflicting duplicates inside the call."""
    frames = []
    for path in paths:
        frame = read_price_file(path, known_markets)
        frame["file"] = str(path)
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    return drop_repeats(
        rows,
        _COMPARE,
        lambda rec, prev, col, where: (
            f"duplicate {rec['symbol']} {rec['date']} with {col} {rec[col]} "
            f"(already {prev[col]} at {where}); expected one value per symbol and date"
        ),
    )


def import_price_files(
    store_path: Path, paths: list[Path], known_markets: Mapping[str, str]
) -> tuple[int, int]:
    """Validate all files, compare with the store, then write in one transaction.

    Returns (rows read, rows added). Identical re-imports add nothing and do not open the writer.
    """
    rows = load_price_files(paths, known_markets)
    fill = _references_to_fill(store_path, rows)
    stored = store.existing_prices(store_path, rows[["symbol", "date"]])
    rows = drop_stored(
        rows,
        stored,
        _COMPARE,
        lambda rec, old, col: (
            f"{rec['symbol']} {rec['date']} {col} {rec[col]} differs from the stored "
            f"{old[col]}; expected the same value (the store is not overwritten)"
        ),
    )
    if rows.empty and fill.empty:
        return len(stored), 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = rows.assign(fetched_at=now)
    with store.writer(store_path) as con:
        added = store.insert_prices(con, rows) if not rows.empty else 0
        if not fill.empty:
            with store.registered(con, "filling", fill):
                con.execute(
                    "UPDATE prices SET prev_close = f.prev_close, "
                    "prev_close_source = f.prev_close_source FROM filling f "
                    "WHERE prices.symbol = f.symbol AND prices.date = f.date "
                    "AND prices.prev_close IS NULL"
                ).fetchall()
    return len(stored) + len(rows), added


def _references_to_fill(store_path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """Stored rows without the reference previous close that this import carries: a store
    seeded before the column existed gains it; a stored reference is never overwritten."""
    refs = rows.loc[
        rows["prev_close"].notna(), ["symbol", "date", "prev_close", "prev_close_source"]
    ]
    if refs.empty or not store_path.exists():
        return refs.iloc[0:0]
    with store.reader(store_path) as con, store.registered(con, "refs", refs):
        has_column = con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'prices' AND column_name = 'prev_close'"
        ).fetchall()[0][0]
        lacking = "p.prev_close IS NULL" if has_column else "true"
        return con.execute(
            f"SELECT r.* FROM refs r JOIN prices p USING (symbol, date) WHERE {lacking}"
        ).df()


SHARES_HEADER = ["symbol", "as_of", "shares"]


def read_shares_file(path: Path) -> pd.DataFrame:
    """Shares outstanding: symbol,as_of,shares[,source,note] (shares in units of the quote)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SHARES_HEADER if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                path, 1, f"missing column '{missing[0]}'; expected symbol,as_of,shares"
            )
        out = []
        for line_no, row in enumerate(reader, start=2):
            day = parse_date(row["as_of"] or "")
            if day is None:
                raise InputError(
                    path, line_no, f"as_of '{row['as_of']}' is not a date; expected YYYY-MM-DD"
                )
            try:
                shares = float(row["shares"])
            except ValueError:
                shares = -1.0
            if not shares > 0:
                raise InputError(
                    path, line_no, f"shares '{row['shares']}' is not a positive number"
                )
            out.append(
                {
                    "symbol": row["symbol"].strip(),
                    "as_of": day,
                    "shares": shares,
                    "source": row.get("source") or f"csv:{path.name}",
                    "note": row.get("note") or None,
                }
            )
    return pd.DataFrame.from_records(out)


def import_shares_file(store_path: Path, path: Path) -> int:
    frame = read_shares_file(path)
    with store.writer(store_path) as con:
        return store.insert_new(
            con, "shares", frame, "symbol, as_of, shares, source, note", "symbol, as_of"
        )
