"""The words of the whole-market section in English, key for key with ``market_context_zh``.

Written, not translated: fixed templates filled from the same analysis as the Chinese ones, in
the glossary's terms (limit-up, failed limit-up, consecutive limit-ups, promotion rate…). The
breadth word is chosen by the Chinese module's thresholds, so both editions judge alike.
申万 industry names come from ``sw2021_en.csv``; a name without English stays Chinese and is
remembered for the console, never translated here.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from ..analysis.market_context import MarketContext, Rung
from ..analysis.market_context_prior import PriorWeek
from . import market_context_zh as mz
from .en import md, signed_pct, ymd

NAMES_FILE = Path(__file__).with_name("sw2021_en.csv")

TEMPLATES: dict[str, str] = {
    "key_point": (
        "{industry_label} {change} this week ({weights}), {rank} of {n_industries} SW level-1 "
        "industries; {up} A-shares rose and {down} fell ({breadth}), {limit_up} closed limit-up; "
        "highest streak {top}"
    ),
    "key_point_no_limit": (
        "{industry_label} {change} this week ({weights}), {rank} of {n_industries} SW level-1 "
        "industries; {up} A-shares rose and {down} fell ({breadth}), none closed limit-up"
    ),
    "top": "{names} ({height} consecutive limit-ups)",
    "lead": (
        "{counted} A-shares count for the week (besides {suspended} suspended all week and "
        "{no_base} without a base close): {up} rose, {flat} were flat and {down} fell; daily "
        "turnover averaged RMB {amount} bn{amount_change}."
    ),
    "lead_limits": (
        " {limit_up} stocks closed limit-up during the week{limit_up_last}; the highest streak "
        "was {height} consecutive limit-ups{height_last}."
    ),
    "lead_no_limits": " No stock closed limit-up during the week{limit_up_last}.",
    "last_week": " ({n} last week)",
    "last_height": " ({n} last week)",
    "amount_change": ", {word} {pct} on last week",
    "weights_cap": "total-market-cap-weighted constituents",
    "weights_equal": "equal-weighted constituents",
    "weights_official": "Shenwan's official index closes",
    "weights_mixed": "Shenwan's official index where stored, else computed from constituents",
    "st_note": (
        "The local store does not state the ST list for {days}: a Main Board stock closing at a "
        "±5% rather than a ±10% limit price cannot be judged a limit-up or limit-down, so it is "
        "counted apart ({count} stock-days this week) and left out of limit-up, limit-down and "
        "failed limit-up counts"
    ),
    "reference_note": (
        "{count} stock-days moved beyond the day's limit with no ex-rights/ex-dividend reference "
        "price and are measured from the previous close (possibly an ex-date)"
    ),
    "listing_note": (
        "Stocks without a known listing date are not told apart on their first session, "
        "which has no price limit"
    ),
    "ladder_note": (
        "Consecutive limit-ups count the sessions a stock closed limit-up in a row (a suspension "
        "does not break the streak), looking back to {start}"
    ),
    "ladder_capped": "; ≥ marks a streak that began before the look-back",
    "rules_note": (
        "Limit price = previous close × (1 ± the price limit), rounded to the fen; limit-ups "
        "include one-price limit-ups (open, high, low and close all at the limit); "
        "failed-limit-up rate = failed limit-ups / (limit-ups + failed limit-ups); "
        "promotion rate = the share of the previous session's limit-up stocks trading that closed limit-up again"
    ),
    "names_note": "Stocks are shown by their codes",
    "prior_archive": " Last week's figures are those of the previous issue, published {date}.",
    "prior_store": " Last week's figures are recomputed from the local store.",
    "row_archive": "Last week's totals as published in the previous issue of {date}",
    "row_store": "Last week's totals recomputed from the local store",
    "row_recomputed": " ({columns}, which that issue did not hold, recomputed from the local store)",
    "row_unknown": " ({columns} not in that issue: shown as —)",
    "row_sep": ", ",
    "source": (
        "Exchange daily prices of all A-shares (local store); Shenwan Hongyuan Research, "
        "SW 2021 industry classification"
    ),
}

BREADTH = {
    "普涨": "all up",
    "多数上涨": "mostly up",
    "涨跌互现": "mixed",
    "多数下跌": "mostly down",
    "普跌": "all down",
    "无数据": "no data",
}
LIMIT_NAMES = {"limit_up": "Limit-up", "limit_down": "Limit-down", "broken": "Failed limit-up"}
# the last-week row's columns, as ``market_context_zh.ROW_COLUMNS``
ROW_COLUMNS = {
    "flat": ("flat",), "limit-up": ("limit_up",), "one-price": ("one_price",),
    "limit-down": ("limit_down",), "failed limit-up": ("broken",),
    "failed-limit-up rate": ("limit_up", "broken"), "promotion rate": ("prev_up", "promoted"),
    "turnover": ("daily_amount",),
}  # fmt: skip


@cache
def _english_names() -> dict[str, str]:
    with NAMES_FILE.open(encoding="utf-8", newline="") as f:
        return {r["name"]: r["name_en"] for r in csv.DictReader(f) if r["name_en"]}


def industry_en(name: str, missing: list[str] | None = None) -> str:
    """The industry's English name from the data file; else its Chinese name, remembered."""
    found = _english_names().get(name)
    if found:
        return found
    if missing is not None and name not in missing:
        missing.append(name)
    return name


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def count(n: int) -> str:
    return f"{n:,}"


def weights_word(method: str) -> str:
    return TEMPLATES[f"weights_{method}"]


def top_names(rung: Rung, most: int = 3) -> str:
    shown = ", ".join(rung.symbols[:most])
    return shown + (f" and {len(rung.symbols) - most} more" if len(rung.symbols) > most else "")


def key_point(ctx: MarketContext, missing: list[str] | None = None) -> str | None:
    """The first key point; None when the desk's industry is not a 申万 level-1 name."""
    ranked = [m for m in ctx.industries if m.change_pct is not None]
    rank = next((i for i, m in enumerate(ranked, 1) if m.name == ctx.industry), None)
    if rank is None:
        return None
    own, w = ranked[rank - 1], ctx.week
    fields = {
        "industry_label": f"SW {industry_en(ctx.industry, missing)}",
        "change": signed_pct(round(own.change_pct or 0.0, 2)),
        "weights": weights_word(own.method if own.method in ("official", "equal") else "cap"),
        "n_industries": len(ranked),
        "rank": ordinal(rank),
        "up": count(w.up),
        "down": count(w.down),
        "breadth": BREADTH[mz.breadth(w)],
        "limit_up": count(w.limit_up_stocks),
    }
    if not w.ladder:
        return TEMPLATES["key_point_no_limit"].format(**fields)
    top = w.ladder[0]
    height = f"≥{top.height}" if top.capped else str(top.height)
    fields["top"] = TEMPLATES["top"].format(names=top_names(top), height=height)
    return TEMPLATES["key_point"].format(**fields)


def bn(amount: float | None) -> str:
    """Yuan in RMB bn, one decimal (the Chinese edition's 亿元 ÷ 10)."""
    return "—" if amount is None else f"{amount / 1e9:,.1f}"


def lead(ctx: MarketContext, prior: PriorWeek | None = None) -> str:
    """The section's paragraph; last week from ``prior`` (else the store), saying which, as the
    Chinese lead and the last-week row do."""
    w, last = ctx.week, mz.prior_or_store(ctx, prior)
    change = ""
    if last is not None and last.daily_amount and w.daily_amount is not None:
        pct = (w.daily_amount / last.daily_amount - 1) * 100
        word = "up" if pct > 0 else "down" if pct < 0 else "unchanged"
        change = TEMPLATES["amount_change"].format(word=word, pct=f"{abs(pct):.2f}%")
    limits = TEMPLATES["lead_limits" if w.ladder else "lead_no_limits"].format(
        limit_up=count(w.limit_up_stocks),
        limit_up_last=""
        if last is None
        else TEMPLATES["last_week"].format(n=count(last.limit_up_stocks)),
        height=w.top_height,
        height_last="" if last is None else TEMPLATES["last_height"].format(n=last.top_height),
    )
    return (
        TEMPLATES["lead"].format(
            counted=count(w.counted),
            suspended=w.suspended,
            no_base=w.no_base,
            up=count(w.up),
            flat=count(w.flat),
            down=count(w.down),
            amount=bn(w.daily_amount),
            amount_change=change,
        )
        + limits
        + ("" if last is None else basis(last))
    )


def basis(prior: PriorWeek) -> str:
    """Where last week's figures come from, as a sentence."""
    if prior.source == "archive" and prior.published is not None:
        return TEMPLATES["prior_archive"].format(date=ymd(prior.published))
    return TEMPLATES["prior_store"]


def notes(ctx: MarketContext, days: Sequence[dt.date]) -> list[str]:
    """What the store did not state, and how the counts treat it (as the Chinese notes)."""
    out = [TEMPLATES["rules_note"]]
    if not ctx.st_known:
        span = f"{md(days[0])}–{md(days[-1])}" if days else "this week"
        out.append(TEMPLATES["st_note"].format(days=span, count=ctx.week.total("st_ambiguous")))
    if no_ref := ctx.week.total("no_reference"):
        out.append(TEMPLATES["reference_note"].format(count=no_ref))
    out.append(TEMPLATES["listing_note"])
    return out


def ladder_note(ctx: MarketContext) -> str:
    text = TEMPLATES["ladder_note"].format(start=md(ctx.lookback_start))
    if any(r.capped for r in ctx.week.ladder):
        text += TEMPLATES["ladder_capped"]
    return text


def row_note(row: PriorWeek) -> str:
    """Where the last-week row comes from, as ``market_context_zh.row_note`` says it."""
    return mz.row_note(row, TEMPLATES, ROW_COLUMNS, ymd)
