"""What 全市场周度复盘 writes into ``report.json`` (``market_context``), for either edition.

The two weeks as the store has them, the industries, the watchlist's places, the main indices,
where last week's words come from (``last_week_from``) and the 上周合计 row as the table and the
daily limit chart show it (``last_week_totals``: the previous issue's figures or the store's).
A later issue reads ``week`` back from the series archive (``analysis.market_context_prior``).
"""

from __future__ import annotations

from typing import Any

from ..analysis.market_context import BUCKETS, MarketContext
from ..analysis.market_context_prior import PriorWeek
from ..analysis.market_indices import IndexMove

ROW_KEYS = ("up", "flat", "down", "limit_up", "one_price", "limit_down", "broken",
            "broken_rate", "prev_up", "promoted", "promotion_rate", "daily_amount")  # fmt: skip


def extras(ctx: MarketContext) -> dict[str, Any]:
    def week(w: Any) -> dict[str, Any] | None:
        if w is None:
            return None
        return {
            "base_date": w.view.base_date, "sessions": list(w.view.sessions),
            "up": w.up, "flat": w.flat, "down": w.down, "suspended": w.suspended,
            "no_base": w.no_base, "counted": w.counted, "buckets": dict(zip(BUCKETS, w.buckets,
            strict=True)), "limit_up_stocks": w.limit_up_stocks,
            "limit_down_stocks": w.limit_down_stocks, "daily_amount": w.daily_amount,
            "days": [{**vars(d), "broken_rate": d.broken_rate, "promotion_rate": d.promotion_rate}
                     for d in w.days],
            "ladder": [{"height": r.height, "symbols": list(r.symbols), "at_least": r.capped}
                       for r in w.ladder],
        }  # fmt: skip

    return {
        "market_context": {
            "week": week(ctx.week),
            "last_week": week(ctx.last),
            "industry_method": ctx.method,
            "industries": [vars(m) for m in ctx.industries],
            "sub_industries": [vars(m) for m in ctx.sub_industries],
            "best": ctx.best,
            "worst": ctx.worst,
            "places": {s: {"market": a, "industry": b} for s, (a, b) in ctx.places.items()},
            "st_status_known": ctx.st_known,
            "read_from": ctx.lookback_start,
        }
    }


def week_extras(
    out: dict[str, Any], indices: list[IndexMove], prior: PriorWeek | None, row: PriorWeek | None
) -> dict[str, Any]:
    """``extras`` with the main indices, where last week's words come from and the 上周合计
    row's figures (either edition)."""
    mc = out["market_context"]
    if prior is not None:
        mc["last_week_from"] = {
            "source": prior.source, "published": prior.published, "end_date": prior.end_date,
        }  # fmt: skip
    if row is not None:
        mc["last_week_totals"] = {
            "source": row.source, "published": row.published, "end_date": row.end_date,
            **{k: getattr(row, k) for k in ROW_KEYS}, "recomputed": list(row.recomputed),
        }  # fmt: skip
    mc["indices"] = [
        {"symbol": m.symbol, "name": m.name, "name_en": m.name_en, "market": m.market,
         "base_date": m.base_date,
         "end_date": m.end_date, "change_pct": m.change_pct, "in_store": m.change_pct is not None}
        for m in indices
    ]  # fmt: skip
    return out
