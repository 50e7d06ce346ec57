"""The scorecard's arrays turned into the columns of its frame, cheaply at a million rows.

The rules (``analysis.scorecard_judge``) answer in codes and day numbers, one column per
horizon; a user reads symbols, dates and names, one row per rating and horizon. Text columns
become pandas categoricals built from codes (no million Python strings), dates the
``datetime64[ms]`` the store hands out, so a frame read back from the store compares equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..desk.rating_scale import SCALES, RatingScales
from .price_rows import NO_DAY
from .scorecard_judge import STATUSES


def columns_of(
    cols: dict[str, np.ndarray],
    ratings: pd.DataFrame,
    dates: np.ndarray,
    symbols: pd.Categorical,
    sm: pd.DataFrame,
    rating_code: np.ndarray,
    scale_idx: np.ndarray,
    horizon_labels: Sequence[str],
    scales: RatingScales,
    adjustment: pd.Series,
) -> dict[str, Any]:
    """Per-rating columns repeated per horizon, codes turned into categoricals."""
    n, h = len(ratings), len(horizon_labels)
    sid = np.repeat(symbols.codes, h)
    flat_names = [name for name, _ in scales.flat()]
    market = _categorical(sm["market"].to_list())
    bench = _categorical(sm["bench"].to_list())
    analyst = (
        pd.Categorical(ratings["analyst"])
        if "analyst" in ratings
        else pd.Categorical([None] * len(ratings))
    )
    sample = (
        ratings["sample"].fillna(False).astype(bool).to_numpy()
        if "sample" in ratings
        else np.zeros(len(ratings), dtype=bool)
    )
    suspended = cols["suspended_at_end"].ravel()
    return {
        "symbol": pd.Categorical.from_codes(sid, symbols.categories),
        "market": pd.Categorical.from_codes(market.codes[sid], market.categories),
        "date": np.repeat(dates, h),
        "rating": pd.Categorical.from_codes(np.repeat(rating_code, h), flat_names),
        "scale": pd.Categorical.from_codes(np.repeat(scale_idx, h), list(SCALES)),
        "analyst": pd.Categorical.from_codes(np.repeat(analyst.codes, h), analyst.categories),
        "horizon": pd.Categorical.from_codes(
            np.tile(np.arange(h, dtype=np.int8), n), list(horizon_labels)
        ),
        **{c: cols[c].ravel() for c in ("start_date", "end_date", "as_of_date")},
        "start_close": cols["start_close"].ravel(),
        "end_close": cols["end_close"].ravel(),
        "end_close_date": cols["end_close_date"].ravel(),
        # True/False, or None where not measured (an object column then, as a nullable
        # boolean comes out of the store)
        "suspended_at_end": (
            np.array([False, True, None], dtype=object)[suspended]
            if (suspended == 2).any()
            else suspended.astype(bool)
        ),
        "stock_return_pct": cols["stock_return_pct"].ravel(),
        "benchmark": pd.Categorical.from_codes(bench.codes[sid], bench.categories),
        **{
            c: cols[c].ravel()
            for c in (
                "benchmark_start_close",
                "benchmark_end_close",
                "benchmark_return_pct",
                "excess_pct",
            )
        },
        "realized_rating": pd.Categorical.from_codes(cols["realized"].ravel(), flat_names),
        "status": pd.Categorical.from_codes(cols["status"].ravel(), STATUSES),
        "price_basis": pd.Categorical.from_codes(
            cols["price_basis"].ravel(), ["adjusted", "unadjusted"]
        ),
        "adjustment": adjustment,
        "sample": np.repeat(sample, h),
    }


def _categorical(values: Sequence[Any]) -> pd.Categorical:
    return pd.Categorical([v if isinstance(v, str) else None for v in values])


def datetimes(days: np.ndarray) -> np.ndarray:
    """Day numbers as datetime64[ms] (the unit dates come from the store in), NaT for
    ``NO_DAY``."""
    ms = days.astype(np.int64)
    ms *= 86_400_000
    ms[days == NO_DAY] = np.iinfo(np.int64).min
    return ms.view("datetime64[ms]")
