"""Sanity checks on a provider's rows before they reach the store.

Hard failures (a date that is not a session, a high below the close, a non-positive price)
reject the whole frame as ``malformed``, so the next source gets a chance and nothing partial
is written. Softer findings are flags kept for the summary: an A-share move beyond its board's
daily limit (kept: it may be an ex-rights day), a stored row the source now reports differently
(kept unless ``--force``), sessions the source did not return.

The seam comes first: the request starts at the last stored session, and the answer must agree
with it (``check_seam``). A series on another basis — split-adjusted against an unadjusted
store, forward-adjusted against exchange prices, another instrument's bars — is consistent
inside itself, so only the join with what is stored shows it; such a series is refused whole
as ``basis``, never appended.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field

import pandas as pd

from ..desk.parse import Instrument
from ..errors import ProviderError
from ..markets import MARKETS, cn_limits
from .plan import StoredBar, SymbolPlan

PRICE_FIELDS = ("open", "high", "low", "close")
COMPARED = (*PRICE_FIELDS, "volume")
VOLUME_SLACK = 100.0  # shares: a volume reported in lots is exact only to the lot
# How closely a fetched close must meet the stored close of the same session (the seam):
# A-share stocks to the cent (every source quotes them in fen); indices and other markets within
# 0.5 % (Hong Kong quotes 3 decimals, and index levels differ slightly between publishers).
SEAM_CENT = 0.005
SEAM_REL = 0.005


@dataclass(frozen=True)
class Flag:
    symbol: str
    date: dt.date | None
    kind: str  # limit_move | changed | missing_sessions | ex_rights | converted
    detail: str


@dataclass(frozen=True)
class Change:
    symbol: str
    date: dt.date
    column: str
    old: float | None
    new: float | None


@dataclass
class CheckedRows:
    new: pd.DataFrame  # sessions the store does not have
    changed: pd.DataFrame  # stored sessions the source reports differently
    changes: list[Change] = field(default_factory=list)
    identical: int = 0
    flags: list[Flag] = field(default_factory=list)


def _val(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)  # type: ignore[arg-type]


def _close_enough(a: float | None, b: float | None, *, rel: float, absolute: float) -> bool:
    if a is None or b is None:
        return (a is None) == (b is None)
    return abs(a - b) <= max(absolute, rel * abs(b))


def _malformed(source: str, symbol: str, detail: str) -> ProviderError:
    return ProviderError("malformed", source, symbol, detail)


def seam_agrees(plan: SymbolPlan, stored: float, fetched: float) -> bool:
    """Whether a fetched close is the stored close of the same session (see SEAM_*): A-share
    stocks to the cent, indices and other markets within SEAM_REL."""
    if plan.market == "CN_A" and plan.kind != "index":
        return abs(stored - fetched) <= SEAM_CENT + 1e-9
    return abs(stored - fetched) <= SEAM_REL * abs(stored)


def _basis_hint(stored: float, fetched: float) -> str:
    """What a seam difference looks like: a split ratio, an adjustment, or another series."""
    ratio = stored / fetched if fetched else math.inf
    for r, word in ((ratio, "split-adjusted"), (1 / ratio if ratio else math.inf, "re-based")):
        n = round(r)
        if n >= 2 and abs(r - n) <= 0.01 * n:
            return f"a {n}:1 ratio, as a {word} series"
    if 0.7 <= ratio <= 1.3:
        return "an adjusted series (forward-adjusted prices differ by the dividends since)"
    return "another series"


def check_seam(plan: SymbolPlan, rows: pd.DataFrame, source: str) -> list[Flag]:
    """The answer joins the stored series: it holds the seam session, whose close agrees with
    the stored one, and the first new session's reference previous close (where the source
    gives it) is the stored close or below it by a corporate action (a dividend, bonus or split
    the source priced in). Otherwise the frame is refused as ``basis``; an ex-rights join is
    flagged."""
    if plan.prev is None:
        return []
    day, stored = plan.prev
    at = rows.loc[rows["date"] == day, "close"]
    if not len(at):
        raise ProviderError(
            "basis",
            source,
            plan.symbol,
            f"the answer lacks the seam session {day} (stored close {stored:g}), so it cannot "
            "be checked to join the store; not stored",
        )
    fetched = float(at.iloc[0])
    if not seam_agrees(plan, stored, fetched):
        raise ProviderError(
            "basis",
            source,
            plan.symbol,
            f"{day}: stored close {stored:g}, {source} close {fetched:g} for the same session "
            f"({_basis_hint(stored, fetched)}); not stored",
        )
    later = rows[rows["date"] > day].sort_values("date")
    if not len(later) or "prev_close" not in later:
        return []
    reference, first = _val(later["prev_close"].iloc[0]), later["date"].iloc[0]
    if reference is None or seam_agrees(plan, stored, reference):
        return []
    if reference > stored:
        raise ProviderError(
            "basis",
            source,
            plan.symbol,
            f"{first}: reference previous close {reference:g} is above the stored close "
            f"{stored:g} of {day}; no dividend, bonus or split raises it; not stored",
        )
    return [
        Flag(
            plan.symbol,
            first,
            "ex_rights",
            f"reference previous close {reference:g} against the stored close {stored:g} of "
            f"{day} ({reference / stored - 1:+.2%}): an ex-rights or ex-dividend session per "
            f"{source}",
        )
    ]


def check_bars(plan: SymbolPlan, rows: pd.DataFrame, source: str) -> None:
    """Hard checks: sessions of the exchange, positive prices, high/low around open/close."""
    mkt = MARKETS[plan.market]
    days = list(rows["date"])
    valid = set(plan.calendars.sessions(plan.market, min(days), max(days)))
    for rec in rows.itertuples(index=False):
        day = rec.date
        if day not in valid:
            raise _malformed(
                source, plan.symbol, f"{day} is not a {mkt.code} ({mkt.calendar}) session"
            )
        values = {c: _val(getattr(rec, c)) for c in PRICE_FIELDS}
        for col, v in values.items():
            if v is not None and not v > 0:
                raise _malformed(source, plan.symbol, f"{day} {col} {v:g} is not a positive price")
        vol = _val(rec.volume)
        if vol is not None and vol < 0:
            raise _malformed(source, plan.symbol, f"{day} volume {vol:g} is negative")
        body = [v for v in (values["open"], values["close"]) if v is not None]
        hi, lo = values["high"], values["low"]
        tol = 1e-6 * max(body)
        if hi is not None and hi < max(body) - tol:
            raise _malformed(
                source, plan.symbol, f"{day} high {hi:g} is below open/close {max(body):g}"
            )
        if lo is not None and lo > min(body) + tol:
            raise _malformed(
                source, plan.symbol, f"{day} low {lo:g} is above open/close {min(body):g}"
            )


def new_row_limits(plan: SymbolPlan, rows: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Each new row's daily limit from the one limit engine (``markets.cn_limits``, the review's
    own rule), against the row's reference previous close where the source gives one (an
    ex-rights day), else the prior row's close. Columns: date, prev_close, close, prior_day,
    referenced, limit_pct, up, down; empty when the instrument has no limits."""
    spec = cn_limits.MemberSpec.of(plan.symbol, inst)
    if spec.board is None:
        return pd.DataFrame()
    closes: dict[dt.date, float] = {d: bar.close for d, bar in plan.stored.items()}
    if plan.prev is not None:
        closes[plan.prev[0]] = plan.prev[1]
    new_days = set(rows["date"]) - set(plan.stored) - ({plan.prev[0]} if plan.prev else set())
    closes.update(zip(rows["date"], rows["close"].astype(float), strict=True))
    references = (
        {
            d: float(v)
            for d, v in zip(rows["date"], rows["prev_close"], strict=True)
            if v is not None and not pd.isna(v)
        }
        if "prev_close" in rows
        else {}
    )
    judged = [
        {
            "symbol": plan.symbol,
            "date": day,
            "prev_close": references.get(day, closes[prev_day]),
            "close": closes[day],
            "prior_day": prev_day,
            "referenced": day in references,
        }
        for prev_day, day in itertools.pairwise(sorted(closes))
        if day in new_days
    ]
    if not judged:
        return pd.DataFrame()
    return cn_limits.day_limits(pd.DataFrame(judged), [spec], plan.calendars)


def limit_flags(plan: SymbolPlan, rows: pd.DataFrame, inst: Instrument) -> list[Flag]:
    """A-share closes beyond the daily limit (see :func:`new_row_limits`); kept, flagged."""
    limited = new_row_limits(plan, rows, inst)
    if limited.empty:
        return []
    board = cn_limits.MemberSpec.of(plan.symbol, inst).board
    assert board is not None
    flags = []
    for rec in limited.itertuples(index=False):
        if pd.isna(rec.limit_pct):
            continue
        close, prev = rec.close, rec.prev_close
        if close > rec.up + 1e-9 or close < rec.down - 1e-9:
            against = (
                f"its reference previous close {prev:g}"
                if rec.referenced
                else f"{prev:g} ({rec.prior_day})"
            )
            flags.append(
                Flag(
                    plan.symbol,
                    rec.date,
                    "limit_move",
                    f"close {close:g} is {close / prev - 1:+.2%} from {against}, beyond the "
                    f"±{rec.limit_pct}% limit of {cn_limits.BOARD_ZH[board]}; kept "
                    "(check for an ex-rights day or a bad print)",
                )
            )
    return flags


def _same_bar(rec: dict[str, object], bar: StoredBar, unit: str | None) -> list[str]:
    """Columns where a fetched row differs from the stored bar (volume only in the same unit)."""
    diff = []
    for col in PRICE_FIELDS:
        new = _val(rec[col])
        old = getattr(bar, col)
        if new is None or old is None:
            continue  # a side without the field says nothing about it
        if not _close_enough(new, old, rel=1e-6, absolute=5e-4):
            diff.append(col)
    new_vol, old_vol = _val(rec["volume"]), bar.volume
    if (
        unit == bar.volume_unit
        and new_vol is not None
        and old_vol is not None
        # within one lot: Eastmoney counts A-share volume in 手 (100 shares), stored × 100
        and not _close_enough(new_vol, old_vol, rel=1e-6, absolute=VOLUME_SLACK)
    ):
        diff.append("volume")
    return diff


def _check_basis_of_changes(
    plan: SymbolPlan, rows: pd.DataFrame, changed_idx: list[object], source: str
) -> None:
    """``--force`` replaces rows on the store's basis only; ``--rebase`` replaces all or none.

    Without a seam to check (the range starts at the first stored row), a force whose answer
    differs from most stored closes is another basis, refused with a pointer to ``--rebase``.
    A re-base needs every stored session in the answer: a history half re-based is two bases.
    """
    if plan.mode == "rebase":
        absent = sorted(set(plan.stored) - set(rows["date"]))
        if absent:
            raise ProviderError(
                "basis",
                source,
                plan.symbol,
                f"cannot re-base: the answer lacks {len(absent)} stored session(s) "
                f"(first {absent[0]}); nothing replaced",
            )
        return
    if plan.mode != "force" or plan.prev is not None:
        return
    fetched = dict(zip(rows["date"], rows["close"].astype(float), strict=True))
    both = [d for d in plan.stored if d in fetched]
    differ = [d for d in both if not seam_agrees(plan, plan.stored[d].close, fetched[d])]
    if both and len(differ) * 2 > len(both):
        day = differ[0]
        raise ProviderError(
            "basis",
            source,
            plan.symbol,
            f"{len(differ)} of {len(both)} stored closes differ (first {day}: stored "
            f"{plan.stored[day].close:g}, {source} {fetched[day]:g}): another price basis; "
            "`--force` replaces rows on the store's basis only, `--rebase` re-bases the history",
        )


def check_rows(plan: SymbolPlan, rows: pd.DataFrame, inst: Instrument, source: str) -> CheckedRows:
    """Vet one provider frame for one symbol; raises ProviderError('malformed'/'empty'/'basis').

    The seam session (``plan.prev``), asked back to check the join, is never new nor changed.
    """
    check_bars(plan, rows, source)
    seam_flags = check_seam(plan, rows, source)
    converted = rows.attrs.get("converted")
    if converted:  # the provider put the answer back on the store's basis: say so
        seam_flags.append(Flag(plan.symbol, None, "converted", str(converted)))
    if plan.prev is not None:
        rows = rows[rows["date"] != plan.prev[0]]
    wanted = set(plan.wanted)
    got = set(rows["date"])
    if not got & wanted:
        raise ProviderError(
            "empty",
            source,
            plan.symbol,
            f"none of the {len(wanted)} asked session(s) {plan.wanted[0]}..{plan.wanted[-1]} "
            "came back",
        )
    is_new = [d not in plan.stored for d in rows["date"]]
    new = rows[is_new].reset_index(drop=True)
    changes: list[Change] = []
    changed_idx = []
    identical = 0
    for idx, rec in rows[[not n for n in is_new]].iterrows():
        bar = plan.stored[rec["date"]]
        cols = _same_bar(rec.to_dict(), bar, rec["volume_unit"])
        if not cols:
            identical += 1
            continue
        changed_idx.append(idx)
        changes += [
            Change(plan.symbol, rec["date"], c, getattr(bar, c), _val(rec[c])) for c in cols
        ]
    _check_basis_of_changes(plan, rows, changed_idx, source)
    flags = [*seam_flags, *limit_flags(plan, rows, inst)]
    missing = sorted(wanted - got)
    if missing:
        shown = ", ".join(str(d) for d in missing[:5]) + ("…" if len(missing) > 5 else "")
        flags.append(
            Flag(
                plan.symbol,
                missing[0],
                "missing_sessions",
                f"{source} returned no bar for {len(missing)} of {len(wanted)} asked session(s): "
                f"{shown} (suspension, or not published yet)",
            )
        )
    return CheckedRows(
        new=new,
        changed=rows.loc[changed_idx].reset_index(drop=True),
        changes=changes,
        identical=identical,
        flags=flags,
    )
