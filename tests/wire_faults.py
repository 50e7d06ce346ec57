"""Answers that are well formed but wrong: another instrument, another price basis, another layout.

Each builder starts from a recorded answer in ``fixtures/providers/wire`` (or the demo desk's
prices) and returns a fault for ``wire_server`` (``(asked, recorded reply) -> reply``), or the
body itself (``*_body``). The server puts it on a real socket; the libraries parse it as they
would a real host's.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wire_server import JSON, WIRE, Asked, Fault, Reply, yahoo_window

sys.path.insert(0, str(WIRE.parent))
from sina_encode import Bits, encode, encode_139, encode_197, encode_200, encode_1479

PRICES = Path(__file__).parents[1] / "src" / "sectorweekly" / "demo" / "desk" / "data" / "prices"
NEW_YORK_OPEN_UTC = dt.time(13, 30)  # 09:30 EDT, the recorded charts' session stamps (summer)


# --- Eastmoney ------------------------------------------------------------------------------


def em_body(secid: str) -> dict[str, Any]:
    """The recorded kline answer of ``secid`` (e.g. ``1.688256``)."""
    return json.loads((WIRE / f"em_kline_{secid}.json").read_text(encoding="utf-8"))


def em_serve(body: dict[str, Any]) -> Fault:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return lambda asked, reply: Reply(body=data, content_type=JSON)


def em_answer_of(secid: str) -> Fault:
    """Eastmoney answering with another instrument's bars (its own ``data.code``/``market``)."""
    return em_serve(em_body(secid))


def em_relabelled(secid: str, code: str, market: int) -> Fault:
    """Another instrument's bars under the asked instrument's name: only the seam shows it."""
    body = em_body(secid)
    body["data"]["code"], body["data"]["market"] = code, market
    return em_serve(body)


def em_body_without_identity(secid: str) -> dict[str, Any]:
    """The recorded bars with ``data.code``/``data.market`` gone: a changed answer format."""
    body = copy.deepcopy(em_body(secid))
    del body["data"]["code"], body["data"]["market"]
    return body


def em_without_session_body(secid: str, day: dt.date) -> dict[str, Any]:
    """The recorded bars less one session (an answer that skips the seam)."""
    body = copy.deepcopy(em_body(secid))
    body["data"]["klines"] = [k for k in body["data"]["klines"] if k[:10] != day.isoformat()]
    return body


def _klines(body: dict[str, Any]) -> list[list[str]]:
    return [k.split(",") for k in body["data"]["klines"]]


def _set_klines(body: dict[str, Any], rows: list[list[str]]) -> None:
    body["data"]["klines"] = [",".join(r) for r in rows]


def em_forward_adjusted_body(secid: str, ex_date: dt.date, dividend: float) -> dict[str, Any]:
    """前复权 (qfq): every price before ``ex_date`` less the dividend, as Eastmoney's fqt=1."""
    body = copy.deepcopy(em_body(secid))
    rows = _klines(body)
    for r in rows:
        if dt.date.fromisoformat(r[0]) < ex_date:
            for i in (1, 2, 3, 4):  # open, close, high, low
                r[i] = f"{float(r[i]) - dividend:.2f}"
    _set_klines(body, rows)
    return body


def em_with_dividend_body(secid: str, ex_date: dt.date, dividend: float) -> dict[str, Any]:
    """Exchange prices with an ex-dividend session: its 涨跌额 is taken from the reference
    previous close (prior close less the dividend), as the exchange quotes it."""
    body = copy.deepcopy(em_body(secid))
    rows = _klines(body)
    for prior, r in itertools.pairwise(rows):
        if dt.date.fromisoformat(r[0]) == ex_date:
            reference = float(prior[2]) - dividend
            r[9] = f"{float(r[2]) - reference:.2f}"
    _set_klines(body, rows)
    return body


# --- Yahoo ----------------------------------------------------------------------------------


def yahoo_chart(ticker: str) -> dict[str, Any]:
    return json.loads((WIRE / f"yahoo_chart_{ticker}.json").read_text(encoding="utf-8"))


def yahoo_serve(chart: dict[str, Any]) -> Fault:
    """``chart`` for every chart request of the ticker, cut to the asked range as Yahoo does."""

    def serve(asked: Asked, reply: Reply) -> Reply:
        if "/v8/finance/chart/" not in asked.path:
            return reply
        q = asked.query
        cut = (
            yahoo_window(copy.deepcopy(chart), int(q["period1"]), int(q["period2"]))
            if ("period1" in q)
            else chart
        )
        return Reply(body=json.dumps(cut).encode(), content_type=JSON)

    return serve


def yahoo_answer_of(ticker: str) -> Fault:
    """Yahoo answering with another ticker's chart (its own ``meta.symbol``)."""
    return yahoo_serve(yahoo_chart(ticker))


def _stamp(day: dt.date) -> int:
    return int(dt.datetime.combine(day, NEW_YORK_OPEN_UTC, dt.UTC).timestamp())


def _scale(chart: dict[str, Any], divide: float, before: dt.date | None = None) -> None:
    """Prices of the sessions before ``before`` (all when None) divided, volumes multiplied."""
    result = chart["chart"]["result"][0]
    days = [dt.datetime.fromtimestamp(t, dt.UTC).date() for t in result["timestamp"]]
    hit = [before is None or d < before for d in days]
    quote = result["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close"):
        quote[key] = [
            round(v / divide, 4) if h else v for v, h in zip(quote[key], hit, strict=True)
        ]
    quote["volume"] = [
        int(v * divide) if h else v for v, h in zip(quote["volume"], hit, strict=True)
    ]
    for block in result["indicators"].get("adjclose", []):
        block["adjclose"] = [
            round(v / divide, 4) if h else v for v, h in zip(block["adjclose"], hit, strict=True)
        ]


def yahoo_split_adjusted_body(ticker: str, ratio: float) -> dict[str, Any]:
    """The chart after a split later than its last session: every price divided by the ratio,
    and no split event in the answer (Yahoo lists events inside the asked range only)."""
    chart = copy.deepcopy(yahoo_chart(ticker))
    _scale(chart, ratio)
    return chart


def yahoo_with_split_body(ticker: str, day: dt.date, ratio: float) -> dict[str, Any]:
    """A split on ``day`` inside the answer: the recorded prices are taken as traded before it,
    after it they trade at 1/ratio; Yahoo divides the earlier ones too and lists the event."""
    chart = copy.deepcopy(yahoo_chart(ticker))
    _scale(chart, ratio)  # every session, adjusted back, as Yahoo shows them after the split
    stamp = _stamp(day)
    chart["chart"]["result"][0]["events"] = {
        "splits": {
            str(stamp): {
                "date": stamp,
                "numerator": ratio,
                "denominator": 1.0,
                "splitRatio": f"{ratio:g}:1",
            }
        }
    }
    return chart


def yahoo_with_dividend_body(ticker: str, day: dt.date, amount: float) -> dict[str, Any]:
    chart = copy.deepcopy(yahoo_chart(ticker))
    stamp = _stamp(day)
    chart["chart"]["result"][0]["events"] = {
        "dividends": {str(stamp): {"amount": amount, "date": stamp}}
    }
    return chart


# --- Sina -----------------------------------------------------------------------------------


SCRIPT = "application/javascript"


def sina_redirect(url: str) -> Fault:
    """Sina sending the request on to another symbol's script (a 302)."""
    return lambda asked, reply: Reply(302, b"", "text/html", headers=(("Location", url),))


def sina_script(text: str) -> Fault:
    data = text.encode()
    return lambda asked, reply: Reply(body=data, content_type=SCRIPT)


def sina_layout(name: str, layout: Callable[[str, str], str]) -> Fault:
    """A recorded script rewritten in another layout: ``layout(var_name, encoded) -> text``."""
    text = (WIRE / name).read_text(encoding="utf-8")
    head, _, rest = text.partition("=")
    var = head.removeprefix("var ").strip()
    encoded = rest.split(";")[0].strip().strip('"')
    return sina_script(layout(var, encoded))


Bar = tuple[dt.date, float, float, float, float, int]


def demo_bars(stem: str, first: dt.date, last: dt.date) -> list[Bar]:
    """The demo desk's bars of ``stem`` (e.g. ``HSI``, ``GSPC``) in [first, last]."""
    with (PRICES / f"{stem}.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if first.isoformat() <= r["date"] <= last.isoformat()]
    return [
        (
            dt.date.fromisoformat(r["date"]),
            *(float(r[k]) for k in ("open", "high", "low", "close")),
            int(float(r["volume"])),
        )  # type: ignore[misc]
        for r in rows
    ]


def sina_encoded(var: str, bars: list[Bar], branch: str) -> Fault:
    """``var <var>="<bars in the decoder's branch>";`` as Sina serves its kline scripts.

    ``_3466``: the current layout (OHLC, volume, amount), every day stated; ``_3466 stepped``:
    the same with days stepped over the weekday mask, as Sina writes them; ``_1479``: OHLC and
    volume, no amount; ``_200``: a close per session and the previous close, no OHLC;
    ``_139``: the weekdays of the span and no prices; ``_197``: rows of bare integers (the day
    number and the close in cents); ``_999``: a layout id the decoder does not know (it
    returns no rows).
    """
    if branch == "_3466":
        coded = encode(bars)
    elif branch == "_3466 stepped":
        coded = encode(bars, stepped=True)
    elif branch == "_1479":
        coded = encode_1479(bars)
    elif branch == "_200":
        coded = encode_200([(b[0], b[4]) for b in bars[1:]], bars[0][4])
    elif branch == "_139":
        first, last = bars[0][0], bars[-1][0]
        span = (first + dt.timedelta(k) for k in range((last - first).days + 1))
        coded = encode_139([d for d in span if d.weekday() < 5])
    elif branch == "_197":
        coded = encode_197([(b[0].toordinal(), round(b[4] * 100)) for b in bars])
    elif branch == "_999":
        unknown = Bits()
        unknown.uint(999, 12)
        unknown.uint(63, 6)
        coded = unknown.text()
    else:
        raise ValueError(f"no encoder for the {branch} layout")
    return sina_script(f'var {var}="{coded}";\n')


# Layouts Sina has served, all read by AKShare's ``text.split("=")[1].split(";")[0]``.
SINA_LAYOUTS: dict[str, Callable[[str, str], str]] = {
    "no var, no semicolon": lambda var, enc: f'{var}="{enc}"',
    "trailing newline and comment": lambda var, enc: f'var {var}="{enc}";\n/* hq */\n',
    "two statements": lambda var, enc: f'var {var}="{enc}";var {var}_v="1";',
}
