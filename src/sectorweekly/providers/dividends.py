"""Dividend events (cash, bonus/transfer shares, rights) -> the ex-date's reference previous close.

Prices are stored unadjusted, so on an ex-date the close falls by the dividend; the week's change
is chained through the exchange's reference previous close of that day (除权除息参考价,
``prev_close``). A dividend file gives the events as the companies announce them
(权益分派实施公告), and the reference follows the exchange's rule::

    reference = (prior close − cash + rights price × rights ratio) ÷ (1 + bonus + rights ratio)

rounded to the market's tick (the cent on CN_A and US, 0.001 HKD on HK), with every amount per
share (10派5.8元 is cash 0.58; 10转4 is bonus 0.4). The prior close is the last close of the
symbol before the ex-date, from the same import or the store. Events are read after the price
rows of the same call are staged, so a call may carry both; a row that cannot give a reference
is refused with ``FILE:ROW``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import duckdb

from .. import textfile
from ..errors import CalendarError, InputError
from ..markets import MARKET_ALIASES, MARKETS, codes
from ..markets.calendars import Calendars, calendar_name
from ..store import schema

COLUMNS = ["symbol", "date", "cash", "bonus", "rights_price", "rights_ratio", "market", "source"]
AMOUNTS = ["cash", "bonus", "rights_price", "rights_ratio"]
EXPECTED = (
    "expected a header symbol,date,cash[,bonus,rights_price,rights_ratio,market,source] "
    "(amounts per share: 10派5.8元 is cash 0.58, 10转4 is bonus 0.4)"
)
TICK = {"CN_A": Decimal("0.01"), "US": Decimal("0.01"), "HK": Decimal("0.001")}


def is_dividend_header(names: list[str]) -> bool:
    """A dividend file names a cash or bonus column and no close (a price file has one)."""
    return "close" not in names and ("cash" in names or "bonus" in names)


def header_names(utf8: Path) -> list[str]:
    """The lower-cased column names of a UTF-8 CSV file (empty for an empty file)."""
    with utf8.open(encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(csv.reader(fh), [])
        except csv.Error:
            return []
    return [h.strip().lower() for h in header]


@dataclass(frozen=True)
class Event:
    """One dividend event of a file row, amounts per share."""

    fi: int  # the file's place in the call
    path: Path
    line: int
    symbol: str
    market: str
    date: dt.date
    cash: Decimal
    bonus: Decimal
    rights_price: Decimal
    rights_ratio: Decimal
    source: str

    def reference(self, prior_close: float) -> float:
        """The exchange's reference previous close of the ex-date, rounded to the tick."""
        prior = Decimal(repr(prior_close))
        value = (prior - self.cash + self.rights_price * self.rights_ratio) / (
            1 + self.bonus + self.rights_ratio
        )
        return float(value.quantize(TICK.get(self.market, Decimal("0.0001")), ROUND_HALF_UP))


def _amount(path: Path, line: int, col: str, text: str) -> Decimal:
    if not text.strip():
        return Decimal(0)
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InputError(
            path, line, f"{col} {text.strip()!r} is not a number; expected a decimal such as 0.58"
        ) from None
    if not value.is_finite():
        raise InputError(path, line, f"{col} {text.strip()!r} is not a number; expected a decimal")
    if value < 0:
        raise InputError(path, line, f"{col} {text.strip()} is negative; expected ≥ 0, per share")
    return value


def _market(path: Path, line: int, symbol: str, given: str, known: Mapping[str, str]) -> str:
    if given.strip():
        code = given.strip().upper()
        code = code if code in MARKETS else MARKET_ALIASES.get(code, "")
        if not code:
            raise InputError(
                path,
                line,
                f"unknown market {given.strip()!r}; expected one of {', '.join(MARKETS)}",
            )
        return code
    found = known.get(symbol) or codes.guess_market(symbol)
    if found is None:
        raise InputError(
            path,
            line,
            f"unknown market for {symbol!r}; add a market column ({', '.join(MARKETS)}) or list "
            "the symbol under the desk's instruments",
        )
    return found


def read_events(
    fi: int,
    path: Path,
    encoding: str | None,
    known: Mapping[str, str],
    sheet: str | None = None,
) -> list[Event]:
    """The events of one dividend file (or workbook sheet), every cell checked; raises at the
    first bad row."""
    records = textfile.csv_records(path, encoding, sheet)
    first = next(records, None)
    names = [h.strip().lower() for h in (first[1] if first else [])]
    for col in ("symbol", "date"):
        if col not in names:
            raise InputError(path, 1, f"missing column '{col}'; {EXPECTED}")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise InputError(path, 1, f"unknown column '{unknown[0]}'; {EXPECTED}")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InputError(path, 1, f"column '{twice}' appears twice; {EXPECTED}")
    events: list[Event] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for line, cells in records:
        if len(cells) != len(names):
            raise InputError(
                path, line, f"{len(cells)} fields, expected {len(names)} as in the header"
            )
        row = dict(zip(names, cells, strict=True))
        events.append(_event(fi, path, line, row, known, seen))
    if not events:
        raise InputError(path, 2, "no data rows; expected at least one dividend row")
    return events


def _event(
    fi: int,
    path: Path,
    line: int,
    row: Mapping[str, str],
    known: Mapping[str, str],
    seen: dict[tuple[str, dt.date], int],
) -> Event:
    symbol = row["symbol"].strip()
    if not symbol:
        raise InputError(path, line, "empty symbol; expected a code such as 601138")
    text = row["date"].strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            path, line, f"date {text!r} is not a date; expected the ex-date as YYYY-MM-DD"
        ) from None
    given = row.get("market", "").strip().upper()
    try:  # one form per instrument, as in price files (sh601138, 601138.SH -> 601138)
        symbol = codes.canonical_symbol(symbol, given if given in MARKETS else None)
    except ValueError as exc:
        raise InputError(
            path, line, f"symbol '{symbol}' {exc}; expected {codes.SYMBOL_EXPECTED}"
        ) from None
    market = _market(path, line, symbol, row.get("market", ""), known)
    amounts = {c: _amount(path, line, c, row.get(c, "")) for c in AMOUNTS}
    if (amounts["rights_price"] > 0) != (amounts["rights_ratio"] > 0):
        given, missing = (
            ("rights_price", "rights_ratio")
            if amounts["rights_price"] > 0
            else ("rights_ratio", "rights_price")
        )
        raise InputError(
            path,
            line,
            f"{given} {row[given].strip()} without {missing}; expected both for a rights issue",
        )
    if not any(amounts.values()):
        raise InputError(
            path, line, "no cash, bonus or rights on this row; expected at least one above 0"
        )
    if (symbol, day) in seen:
        raise InputError(
            path,
            line,
            f"a second event for {symbol} {day} (the first at line {seen[symbol, day]}); "
            "expected one row per symbol and ex-date, with its cash and bonus together",
        )
    seen[symbol, day] = line
    return Event(
        fi,
        path,
        line,
        symbol,
        market,
        day,
        amounts["cash"],
        amounts["bonus"],
        amounts["rights_price"],
        amounts["rights_ratio"],
        row.get("source", "").strip() or f"csv:{path.name}:{line}",
    )


def _is_session(event: Event, cals: Calendars) -> None:
    try:
        sessions = cals.sessions(event.market, event.date, event.date)
    except CalendarError as exc:
        raise InputError(event.path, event.line, str(exc)) from None
    if not sessions:
        raise InputError(
            event.path,
            event.line,
            f"{event.date} is not a {event.market} "
            f"({calendar_name(event.market)}) trading session; expected the ex-date, "
            "a trading day",
        )


def _stored(con: duckdb.DuckDBPyConnection) -> bool:
    return "prices" in schema.table_names(con)


def _row_on(
    con: duckdb.DuckDBPyConnection, event: Event, stored: bool
) -> tuple[str, float | None, str | None] | None:
    """Where the ex-date's row is ('staged' or 'store'), its reference and that one's origin."""
    got = con.execute(
        "SELECT prev_close, prev_close_source FROM _staged WHERE symbol = ? AND date = ? "
        "ORDER BY fi, rec LIMIT 1",
        [event.symbol, event.date],
    ).fetchall()
    if got:
        return "staged", got[0][0], got[0][1]
    if stored:
        got = con.execute(
            "SELECT prev_close, coalesce(prev_close_source, origin, source) FROM main.prices "
            "WHERE symbol = ? AND date = ?",
            [event.symbol, event.date],
        ).fetchall()
        if got:
            return "store", got[0][0], got[0][1]
    return None


def _prior_close(
    con: duckdb.DuckDBPyConnection, event: Event, stored: bool
) -> tuple[dt.date, float] | None:
    """The symbol's last close before the ex-date, from this call or the store."""
    store_part = (
        "UNION ALL SELECT date, close FROM main.prices WHERE symbol = $1 AND date < $2 "
        if stored
        else ""
    )
    got = con.execute(
        "SELECT date, close FROM (SELECT date, close FROM _staged WHERE symbol = $1 AND "
        f"date < $2 {store_part}) ORDER BY date DESC LIMIT 1",
        [event.symbol, event.date],
    ).fetchall()
    return (got[0][0], got[0][1]) if got else None


def apply_events(con: duckdb.DuckDBPyConnection, events: list[Event], cals: Calendars) -> None:
    """Give each event's ex-date row in ``_staged`` its reference previous close; a row only
    in the store is staged again, unchanged but for the reference, which the writer fills in
    (a stored reference is never overwritten: one that differs is refused)."""
    stored = _stored(con)
    for event in events:
        _is_session(event, cals)
        where = _row_on(con, event, stored)
        if where is None:
            raise InputError(
                event.path,
                event.line,
                f"no price of {event.symbol} on {event.date} in the store or in this call; "
                "expected the ex-date's prices imported before or with the dividend",
            )
        prior = _prior_close(con, event, stored)
        if prior is None:
            raise InputError(
                event.path,
                event.line,
                f"no close of {event.symbol} before {event.date} in the store or in this call; "
                "expected the prices of the session before the ex-date",
            )
        prior_day, prior_close = prior
        if event.cash >= Decimal(repr(prior_close)):
            raise InputError(
                event.path,
                event.line,
                f"cash {event.cash} is not below the prior close {prior_close:g} ({prior_day}); "
                "expected cash per share (10派5.8元 is 0.58)",
            )
        reference = event.reference(prior_close)
        kind, given, origin = where
        if given is not None and abs(given - reference) > 1e-9 * max(1.0, reference):
            what = "the stored" if kind == "store" else "the prev_close given"
            raise InputError(
                event.path,
                event.line,
                f"{event.symbol} {event.date} reference {reference:g} from the dividend "
                f"differs from {what} {given:g} ({origin}); expected the same reference",
            )
        if kind == "staged":
            con.execute(
                "UPDATE _staged SET prev_close = ?, prev_close_source = ? "
                "WHERE symbol = ? AND date = ? AND prev_close IS NULL",
                [reference, event.source, event.symbol, event.date],
            ).fetchall()
        else:
            _stage_stored_row(con, event, reference)


def _stage_stored_row(con: duckdb.DuckDBPyConnection, event: Event, reference: float) -> None:
    """The stored ex-date row as a staged row carrying the reference (the writer sees the same
    values and fills the stored row's empty reference)."""
    cols = [c for c, *_ in con.execute("DESCRIBE _staged").fetchall()]
    from_store = {
        "symbol", "market", "date", "open", "high", "low", "close", "volume", "volume_unit",
        "adjustment", "source",
    }  # fmt: skip
    values = {
        "fi": str(event.fi),
        "rec": str(event.line - 1),
        "prev_close": "$reference",
        "prev_close_source": "$source",
        "file_name": "$file",
    }
    select = [f"s.{c}" if c in from_store else values.get(c, "NULL") for c in cols]
    con.execute(
        f"INSERT INTO _staged ({', '.join(cols)}) SELECT {', '.join(select)} FROM main.prices s "
        "WHERE s.symbol = $symbol AND s.date = $day",
        {
            "reference": reference,
            "source": event.source,
            "file": event.path.name,
            "symbol": event.symbol,
            "day": event.date,
        },
    ).fetchall()
