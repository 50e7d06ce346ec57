"""图表1, the week's table of every watched name: the cells as the report writes them (in the
edition's words), and the same rows typed (numbers, dates, the words written instead of a
number) for the chart data workbook, so neither is derived from the other's text."""

from __future__ import annotations

from typing import Any

from ..narrative.edition import Words
from ..report.model import DataColumn, DataTable, MemberOut, Review, Table


def _change_text(m: MemberOut, w: Words) -> str:
    if m.status == "suspended":
        return w.label["suspended"]
    if m.status == "market_closed" and m.change_pct is not None:
        return w.label["closed"].format(w.s.signed_pct(m.change_pct))
    return w.label["missing"] if m.change_pct is None else w.s.signed_pct(m.change_pct)


def _cap_scale(w: Words) -> float:
    """亿 of the local currency in the Chinese edition, billions in the English one."""
    return 1e8 if w.lang == "zh" else 1e9


def _cap_text(m: MemberOut, w: Words) -> str:
    if m.market_cap is None:
        return w.label["no_shares"]
    value = m.market_cap / _cap_scale(w)
    return f"{value:,.1f}" if w.lang == "zh" else f"{value:,.2f}"


def data_columns(w: Words) -> list[DataColumn]:
    """The table's own headings (in the edition's words), then the closes and dates behind a
    move and the words shown instead of a number (说明)."""
    name, code, market, group, cap, unit, change = w.columns
    said, base, base_close, end, end_close, currency = _EXTRA.get(w.lang, _EXTRA["en"])
    return [
        DataColumn(name=name),
        DataColumn(name=code),
        DataColumn(name=market),
        DataColumn(name=group),
        DataColumn(name=cap, format="number", unit="亿" if w.lang == "zh" else "bn"),
        DataColumn(name=unit),
        DataColumn(name=change, format="pct"),
        DataColumn(name=said),
        DataColumn(name=base, format="date"),
        DataColumn(name=base_close, format="number"),
        DataColumn(name=end, format="date"),
        DataColumn(name=end_close, format="number"),
        DataColumn(name=currency),
    ]


_EXTRA = {
    "zh": ("说明", "基期日", "基期收盘价", "截止日", "截止日收盘价", "币种"),
    "en": ("Shown as", "Base date", "Base close", "End date", "End close", "Currency"),
}


def _words(m: MemberOut, w: Words) -> str | None:
    """停牌, 休市, 缺失, 无股本数据: what a reader sees in place of (or beside) a number."""
    said = []
    if m.status == "suspended":
        said.append(w.label["suspended"])
    elif m.change_pct is None:
        said.append(w.label["missing"])
    elif m.status == "market_closed":
        said.append(w.label["closed"].format("").strip(" （）()"))
    if m.market_cap is None:
        said.append(w.label["no_shares"])
    return w.label["list_sep"].join(said) or None


def _data_row(m: MemberOut, group: str, w: Words) -> list[Any]:
    cap = None if m.market_cap is None else m.market_cap / _cap_scale(w)
    change = None if m.status == "suspended" else m.change_pct
    return [
        m.name, m.symbol, w.market_label[m.market], group, cap,
        w.cap_unit[m.market] if cap is not None else None, change, _words(m, w),
        m.base_date, m.base_close, m.end_date, m.end_close, m.currency,
    ]  # fmt: skip


def review_table(review: Review, w: Words) -> Table:
    """图表1: every watchlist member, boards first, then names to watch not on a board."""
    on_boards = {m.symbol for b in review.boards for m in b.members}
    groups = [(b.name, b.members) for b in review.boards]
    seen = set(on_boards)
    for t in review.watch:
        extra = [m for m in t.members if m.symbol not in seen]
        seen.update(m.symbol for m in extra)
        groups.append((t.theme, extra))
    rows, data = [], []
    for group, members in groups:
        for m in members:
            rows.append(
                [
                    m.name,
                    m.symbol,
                    w.market_label[m.market],
                    group,
                    _cap_text(m, w),
                    w.cap_unit[m.market] if m.market_cap is not None else "",
                    _change_text(m, w),
                ]
            )
            data.append(_data_row(m, group, w))
    notes = [review.as_of_note.removeprefix(w.label["note"])]
    if review.calendar_note:
        notes.append(review.calendar_note.removeprefix(w.label["note"]))
    if any(row[4] == w.label["no_shares"] for row in rows):
        notes.append(w.label["no_shares_note"])
    return Table(
        key="review_table",
        title=w.label["table_title"],
        unit=w.label["table_unit"],
        columns=list(w.columns),
        rows=rows,
        source=w.label["table_source"]
        + w.label["list_sep"].join(sorted({s.source.split("@")[0] for s in review.sources})),
        notes=notes,
        data=DataTable(columns=data_columns(w), rows=data),
        as_of=max((m.end_date for _, ms in groups for m in ms), default=review.window.end),
    )
