"""What a whole-market update asks for, and the facts today's lists say.

Per stock, the sessions after its last stored bar up to the last closed session (a first fill:
from ``--since``, else a year back); a stock suspended at the end is asked again next run. Each plan asks its last stored session back, the seam the
answer must agree with to the cent, exactly as the watchlist update does (``plan.SymbolPlan``).

The snapshot carries no date: it shows the last closed session only while no later session has
opened (``snapshot_day``); otherwise it is used for the list alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import store
from ..markets import codes
from ..markets.calendars import Calendars
from .plan import DEFAULT_HISTORY_DAYS, SymbolPlan

MARKET = "CN_A"
AUCTION_LEAD = dt.timedelta(minutes=15)  # the opening call auction starts 09:15, before the open
SNAPSHOT_SOURCE = "akshare:stock_zh_a_spot_em"
ST_SOURCE = "akshare:stock_zh_a_st_em"
LISTING_SOURCE = {"SH": "akshare:stock_info_sh_name_code", "SZ": "akshare:stock_info_sz_name_code"}


def snapshot_day(calendars: Calendars, now: dt.datetime, closed: dt.date) -> dt.date | None:
    """``closed`` when the snapshot taken ``now`` shows it: the next session's auction has not
    begun. None during a session (the snapshot is live, not a closed day)."""
    cal = calendars.exchange(MARKET)
    idx = cal.sessions.get_loc(pd.Timestamp(closed))
    if idx + 1 >= len(cal.sessions):
        return closed
    next_open = pd.Timestamp(int(cal.first_minutes_nanos[idx + 1]), tz="UTC")
    return closed if pd.Timestamp(now) < next_open - AUCTION_LEAD else None


def stored_ends(path: Path) -> dict[str, tuple[dt.date, float]]:
    """Each stock's last stored session and its close."""
    with store.reader(path) as con:
        rows = con.execute(
            "SELECT symbol, date, close FROM cn_bars "
            "QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY date DESC) = 1"
        ).fetchall()
    return {str(s): (d, float(c)) for s, d, c in rows}


def plan_universe(
    path: Path,
    symbols: list[str],
    *,
    calendars: Calendars,
    closed: dt.date,
    today: dt.date,
    since: dt.date | None = None,
) -> list[SymbolPlan]:
    """One plan per stock; an empty ``wanted`` when it is complete."""
    ends = stored_ends(path)
    first = calendars.bounds(MARKET).first
    default = max(first, today - dt.timedelta(days=DEFAULT_HISTORY_DAYS))
    windows: dict[dt.date, list[dt.date]] = {}  # sessions from a start to ``closed``, per start
    plans = []
    for symbol in symbols:
        end = ends.get(symbol)
        after = end[0] if end is not None else None
        start = since or (after + dt.timedelta(days=1) if after is not None else default)
        if start not in windows:
            windows[start] = calendars.sessions(MARKET, start, closed) if start <= closed else []
        wanted = tuple(d for d in windows[start] if (after is None or d > after))
        plans.append(
            SymbolPlan(
                symbol=symbol,
                market=MARKET,
                kind="stock",
                exchange=codes.a_share_exchange(symbol),
                last_closed=closed,
                last_stored=after,
                wanted=wanted,
                prev=end,
                calendars=calendars,
            )
        )
    return plans


def stored_universe(path: Path) -> tuple[set[str], set[str]]:
    """Stocks stored, and those of them whose dates are all unknown (a row from the code's
    shape), which a listing date may fill (the writer's ``fill``)."""
    with store.reader(path) as con:
        rows = con.execute(
            "SELECT symbol, list_date IS NULL AND delist_date IS NULL "
            "AND registration_ipo IS NULL FROM cn_universe"
        ).fetchall()
    return {str(s) for s, _ in rows}, {str(s) for s, blank in rows if blank}


def stored_names(path: Path) -> dict[str, str]:
    """Each stock's latest stored name."""
    with store.reader(path) as con:
        rows = con.execute(
            "SELECT symbol, name FROM cn_names "
            "QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY start DESC) = 1"
        ).fetchall()
    return {str(s): str(n) for s, n in rows}


def open_st(path: Path) -> dict[str, tuple[dt.date, str]]:
    """Stocks with an ST span still open in the store: its start and tag."""
    with store.reader(path) as con:
        rows = con.execute("SELECT symbol, st_start, tag FROM cn_st_spans WHERE st_end IS NULL")
        return {str(s): (d, str(t)) for s, d, t in rows.fetchall()}


def last_st_day(path: Path, before: dt.date) -> dt.date | None:
    """The last day before ``before`` whose whole ST list the store has (``cn_coverage``)."""
    with store.reader(path) as con:
        row = con.execute(
            'SELECT max("end") FROM cn_coverage WHERE fact = \'st\' AND "end" < ?', [before]
        ).fetchone()
    return row[0] if row else None


def st_spans(path: Path, st: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Spans to open today and open spans to close: a stock on today's list without an open
    span of its tag opens one; an open span of a stock off the list, or under another tag,
    ends on the last day the list was known to hold it (the latest earlier ``st`` coverage)."""
    stored = open_st(path)
    tags = {
        s: "*ST" if n.upper().startswith("*ST") else "ST"
        for s, n in zip(st["symbol"], st["name"], strict=True)
    }
    last = last_st_day(path, today)
    rows = []
    for symbol, (start, tag) in stored.items():
        if tags.get(symbol) != tag:
            end = max(start, last) if last is not None else start
            rows.append({"symbol": symbol, "st_start": start, "st_end": end, "tag": tag})
    for symbol, tag in tags.items():
        if stored.get(symbol, (None, None))[1] != tag:
            rows.append({"symbol": symbol, "st_start": today, "st_end": None, "tag": tag})
    frame = pd.DataFrame(rows, columns=["symbol", "st_start", "st_end", "tag"])
    return frame.assign(source=ST_SOURCE, as_of=today)


def fact_frames(
    path: Path,
    listed: pd.DataFrame,
    st: pd.DataFrame | None,
    today: dt.date,
    bars_day: dt.date | None,
    listed_on: dict[str, dt.date] | None = None,
) -> dict[str, pd.DataFrame]:
    """Rows for each fact kind from today's lists: only what the store lacks.

    A name is stored when it differs from the stock's latest stored one; ST spans open and
    close as ``st_spans`` says (a start before today is not known, which ``cn_coverage`` says:
    the list covers today only). A listing date comes from the exchange's
    list (``listed_on``); Beijing's, and any list not read, stay unknown (NULL)."""
    dates = listed_on or {}
    stored, blank = stored_universe(path)
    fillable = blank & set(dates)
    new = listed[~listed["symbol"].isin(stored - fillable)].reset_index(drop=True)
    universe = pd.DataFrame(
        {
            "symbol": new["symbol"],
            "exchange": new["exchange"],
            "board": [codes.board_of(s) for s in new["symbol"]],
            "list_date": pd.Series([dates.get(s) for s in new["symbol"]], dtype="object"),
            "delist_date": pd.Series([None] * len(new), dtype="object"),
            "registration_ipo": pd.Series([None] * len(new), dtype="object"),
            "source": [
                f"{SNAPSHOT_SOURCE}; list_date: {LISTING_SOURCE[x]}"
                if s in dates
                else SNAPSHOT_SOURCE
                for s, x in zip(new["symbol"], new["exchange"], strict=True)
            ],
            "as_of": today,
        }
    )
    names = stored_names(path)
    fresh = listed[
        [names.get(s) != n for s, n in zip(listed["symbol"], listed["name"], strict=True)]
    ]
    frames = {
        "cn-universe": universe,
        "cn-names": pd.DataFrame(
            {
                "symbol": fresh["symbol"],
                "name": fresh["name"],
                "start": today,
                "end": None,
                "source": SNAPSHOT_SOURCE,
                "as_of": today,
            }
        ),
    }
    coverage = [("names", today, today, SNAPSHOT_SOURCE)]
    if bars_day is not None:
        coverage.append(("bars", bars_day, bars_day, SNAPSHOT_SOURCE))
        coverage.append(("prev_close", bars_day, bars_day, SNAPSHOT_SOURCE))  # 昨收 of each
    if st is not None:
        frames["cn-st"] = st_spans(path, st, today)
        coverage.append(("st", today, today, ST_SOURCE))
    frames["cn-coverage"] = pd.DataFrame(
        [
            {"fact": f, "start": s, "end": e, "source": src, "as_of": today}
            for f, s, e, src in coverage
        ]
    )
    return frames
