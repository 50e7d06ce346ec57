"""Whether the store's whole market reaches the report week: a section counted over part of a
week would print wrong numbers, so both editions leave it out and say where the market ends."""

from __future__ import annotations

from .. import store
from ..build.week import Week
from ..store.market import has_market


def market_gap(week: Week) -> str | None:
    """One line when the store's whole market ends before the week's last A-share session: the
    section is left out then, never counted over part of the week (None: covered, or no market)."""
    sessions = week.calendars.sessions("CN_A", week.window.start, week.window.end)
    if not sessions:
        return None
    with store.reader(week.store) as con:
        if not has_market(con):
            return None
        last = con.execute("SELECT max(date) FROM cn_bars").fetchall()[0][0]
    if last >= sessions[-1]:
        return None
    return (
        f"the store's whole-market bars end {last}, before the week's last A-share session "
        f"{sessions[-1]}: 全市场周度复盘 is left out; add the week with `sectorweekly update "
        "--universe CN_A` or `sectorweekly import universe FOLDER`"
    )
