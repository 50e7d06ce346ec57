"""主要指数周涨跌幅 of 全市场周度复盘: every main index, a desk benchmark's figure as 图表1 has
it, an index the store lacks as — with one console line on how to add it."""

from __future__ import annotations

from ..analysis.market_indices import IndexMove
from ..markets import MARKETS
from ..narrative import market_context_zh as mz
from ..narrative.zh import md, signed_pct
from ..report.model import Review, Table


def index_table(moves: list[IndexMove], review: Review) -> Table:
    """The main indices; a desk benchmark's figure is 图表1's (the review's) so the two agree."""
    reviewed = {b.symbol: b for b in review.benchmarks}
    rows = []
    for m in moves:
        b = reviewed.get(m.symbol)
        change = b.change_pct if b is not None else m.change_pct
        end = b.end_date if b is not None else m.end_date
        shown = md(end) if change is not None else "—"  # no close: no day to show either
        rows.append([m.name, MARKETS[m.market].label_zh, signed_pct(change), shown])
    notes = ["各指数按所在交易所的交易日历计算周涨跌幅"]
    if missing_indices(moves, review):
        notes.append(mz.TEMPLATES["index_missing_note"])
    return Table(
        key="mc_indices",
        title="主要指数周涨跌幅",
        unit="%",
        columns=["指数", "市场", "周涨跌幅", "截至"],
        rows=rows,
        source="交易所行情（本地数据库）",
        notes=notes,
    )


def missing_indices(moves: list[IndexMove], review: Review) -> list[IndexMove]:
    """The indices the store lacks a close of (base or end session): shown as —."""
    reviewed = {b.symbol: b for b in review.benchmarks if b.change_pct is not None}
    return [m for m in moves if m.change_pct is None and m.symbol not in reviewed]


def index_message(missing: list[IndexMove]) -> str:
    """One console line: which indices are missing and how to add them."""
    names = ", ".join(f"{m.name} ({m.symbol}, {m.market})" for m in missing)
    return (
        f"主要指数周涨跌幅 shows — for {names}: no close in the store on the week's base or last "
        "session; add their daily closes with `sectorweekly import prices FILE.csv --desk DESK` "
        "or `sectorweekly update`"
    )
