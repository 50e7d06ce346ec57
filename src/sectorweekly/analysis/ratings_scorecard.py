"""From a desk to its rating scorecard: read the ratings, evaluate, summarise, write files.

The CLI (`sectorweekly ratings evaluate`) and the report's 评级回顾 section both come through
here, so the numbers in ``scorecard.json`` and in the report are the same computation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import store
from ..desk.parse import Desk
from ..desk.paths import store_path
from ..desk.rating_scale import RatingScales
from ..errors import InputError, MachineError, machine_error, os_reason_in_text
from ..markets import MARKETS, codes
from ..markets.calendars import Calendars
from ..store import ratings as stored_ratings
from .scorecard import evaluate, horizon_label, summarise

SAMPLE_LABEL = "示例评级（非真实评级）"


@dataclass
class Scorecard:
    rows: pd.DataFrame
    summary: dict[str, Any]
    horizons: list[int]
    benchmarks: dict[str, str]  # market -> benchmark symbol
    names: dict[str, str]  # symbol -> display name (desk), for tables
    as_of: dt.date | None
    ratings_source: str
    sample: bool
    prices_through: dict[str, dt.date] = field(default_factory=dict)  # benchmark -> last row

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        """Everything, or without the rows (``rows`` = []) for writers that add them."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "horizons": [horizon_label(h) for h in self.horizons],
            "benchmarks": dict(self.benchmarks),
            "benchmark_prices_through": {
                s: d.isoformat() for s, d in sorted(self.prices_through.items())
            },
            "ratings_source": self.ratings_source,
            "sample": self.sample,
            "sample_label": SAMPLE_LABEL if self.sample else None,
            "ratings": int(self.rows.drop_duplicates(["symbol", "date"]).shape[0]),
            "summary": self.summary,
            "rows": records(self.rows) if rows else [],
        }


def _clean(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in rec.items()} for rec in rows.to_dict("records")]


def parse_benchmark_overrides(items: Sequence[str]) -> dict[str, str]:
    """``US=^IXIC`` style overrides of the desk's benchmark per market."""
    out: dict[str, str] = {}
    for item in items:
        market, sep, symbol = item.partition("=")
        key = market.strip().upper()
        if not sep or key not in MARKETS or not symbol.strip():
            raise InputError(
                "--benchmark",
                item,
                f"expected MARKET=SYMBOL with MARKET one of {', '.join(MARKETS)}, e.g. US=^IXIC",
            )
        out[key] = codes.given_symbol(symbol, "--benchmark", key)
    return out


def desk_scorecard(
    desk: Desk,
    *,
    calendars: Calendars,
    horizons: Sequence[int] = (6, 12),
    as_of: dt.date | None = None,
    dated_to: dt.date | None = None,
    given: tuple[pd.DataFrame, str] | None = None,
    benchmarks: Mapping[str, str] | None = None,
) -> Scorecard:
    """Evaluate the desk's ratings (the store's, or ``given``: rows read from a file by the
    caller, and where they came from) on stored prices.

    ``as_of`` hides prices after that day (a report judges only what was known when it was
    written); ``dated_to`` keeps ratings dated on or before it.
    """
    path = store_path(desk)
    scales = RatingScales.from_desk(desk.ratings)
    if given is not None:
        ratings, source = given[0].assign(sample=False), given[1]
    else:
        with store.reader(path) as con:
            ratings = stored_ratings.read_ratings(con)
        source = f"store:{path}"
    if dated_to is not None and not ratings.empty:
        ratings = ratings[ratings["date"] <= dated_to]
    bench = {**desk.ratings.benchmarks, **(benchmarks or {})}
    markets = {s: i.market for s, i in desk.instruments.items()}
    with store.reader(path) as con:
        _check_overrides(con, desk, benchmarks or {})
        rows = evaluate(con, calendars, ratings, scales, bench, markets, horizons, as_of)
        through = _benchmark_through(con, list(bench.values()), as_of)
    names = {s: i.name for s, i in desk.instruments.items()}
    return Scorecard(
        rows=rows,
        summary=summarise(rows, scales),
        horizons=list(horizons),
        benchmarks=bench,
        names=names,
        as_of=as_of,
        ratings_source=source,
        sample=bool(rows["sample"].fillna(False).astype(bool).any()) if len(rows) else False,
        prices_through=through,
    )


def _check_overrides(con: Any, desk: Desk, overrides: Mapping[str, str]) -> None:
    """A ``--benchmark`` must name a symbol of its market that the desk lists or the store
    holds prices for: an unknown one would make every rating of the market ``no_benchmark``."""
    for market, symbol in overrides.items():
        listed = sorted(s for s, i in desk.instruments.items() if i.market == market)
        stored = {
            s
            for (s,) in con.execute(
                "SELECT DISTINCT symbol FROM prices WHERE market = ?", [market]
            ).fetchall()
        }
        if symbol in stored or (symbol in listed and not stored):
            continue
        indices = [s for s in listed if desk.instruments[s].kind == "index"]
        shown = ", ".join(indices or listed) or "none"
        raise InputError(
            "--benchmark",
            f"{market}={symbol}",
            f"no stored {market} prices for {symbol!r}; expected a {market} symbol of "
            f"desk.yaml's instruments with prices in the store (indices: {shown})",
        )


def _benchmark_through(con: Any, symbols: list[str], as_of: dt.date | None) -> dict[str, dt.date]:
    rows = con.execute(
        "SELECT symbol, max(date) FROM prices WHERE list_contains(?, symbol) AND date <= ? "
        "GROUP BY symbol",
        [symbols, as_of or dt.date(9999, 12, 31)],
    ).fetchall()
    return dict(rows)


def _row_select(con: Any, csv: bool) -> str:
    """The registered rows as the files show them: dates as dates; in the CSV, True and False
    as pandas writes them (the file's text before the rows were written by DuckDB)."""
    out = []
    for name, kind, *_ in con.execute("DESCRIBE card_rows").fetchall():
        col = '"' + str(name).replace('"', '""') + '"'
        if kind.startswith("TIMESTAMP"):
            out.append(f"CAST({col} AS DATE) AS {col}")
        elif kind == "BOOLEAN" and csv:
            out.append(f"CASE WHEN {col} THEN 'True' WHEN NOT {col} THEN 'False' END AS {col}")
        else:
            out.append(col)
    return ", ".join(out)


def write_scorecard(card: Scorecard, out_dir: Path) -> list[Path]:
    """``scorecard.json`` (the summary, then every row, one object a line) and
    ``scorecard.csv`` (every row), both whole or neither (staged, then renamed together). The
    rows are written by DuckDB: two million of them in a few seconds, where Python's encoders
    took half a minute."""
    from ..atomic import Staging

    with Staging(out_dir) as staging:
        json_path, csv_path = staging.folder / "scorecard.json", staging.folder / "scorecard.csv"
        try:
            _write_files(card, json_path, csv_path)
        except OSError as exc:
            raise machine_error(exc, out_dir) from None
        except Exception as exc:  # DuckDB's COPY gives the OS error as text
            reason = os_reason_in_text(str(exc))
            if reason is None:
                raise
            raise MachineError(f"{out_dir}: cannot write: {reason}") from None
        return staging.commit([json_path, csv_path])


def _write_files(card: Scorecard, json_path: Path, csv_path: Path) -> None:
    import duckdb

    head = json.dumps(card.to_dict(rows=False), ensure_ascii=False, indent=2)
    end = '"rows": []\n}'
    if card.rows.empty or not head.endswith(end):
        json_path.write_text(json.dumps(card.to_dict(), ensure_ascii=False, indent=2), "utf-8")
        card.rows.to_csv(csv_path, index=False, encoding="utf-8")
        return
    rows_path = json_path.with_name(".scorecard-rows.json")
    with duckdb.connect(":memory:") as con:
        con.register("card_rows", card.rows)
        to_csv = f"SELECT {_row_select(con, csv=True)} FROM card_rows"
        to_json = f"SELECT {_row_select(con, csv=False)} FROM card_rows"
        con.execute(f"COPY ({to_csv}) TO ? (FORMAT csv, HEADER)", [str(csv_path)])
        con.execute(f"COPY ({to_json}) TO ? (FORMAT json, ARRAY true)", [str(rows_path)])
    with json_path.open("wb") as out, rows_path.open("rb") as rows:
        out.write((head.removesuffix(end) + '"rows": ').encode())
        shutil.copyfileobj(rows, out, 1 << 22)
        out.write(b"\n}")
