"""Reading the golden answer files and comparing the engine's moves with them, field by field.

The answers are computed by ``fixtures/golden/make_golden.py`` from the raw price files, with
no code of the package (see ``fixtures/golden/README.md``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from sectorweekly.analysis.market import MemberMove

GOLDEN_DIR = Path(__file__).parent / "fixtures" / "golden"
NUMBERS = ("base_close", "end_close", "change_pct")


def golden_rows(path: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Rows of an answer file, by window (start, end)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        out.setdefault((row["start"], row["end"]), []).append(row)
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _same_number(got: str, want: str) -> bool:
    if not got or not want:
        return got == want
    return abs(float(got) - float(want)) < 1e-9


def fields_of(move: MemberMove) -> dict[str, str]:
    """A move written the way the answer files write it."""
    return {
        "market": move.market,
        "limit_board": move.limit_board or "",
        "base_date": _text(move.base_date),
        "end_date": _text(move.end_date),
        "base_close": _text(move.base_close),
        "end_close": _text(move.end_close),
        "last_date": _text(move.last_date),
        "change_pct": _text(move.change_pct),
        "basis": move.basis,
        "ex_dates": " ".join(d.isoformat() for d in move.ex_dates),
        "status": move.status,
        "limit_pct": _text(move.limit_pct),
        "limit_up_streak": str(move.limit_up_streak),
        "limit_touch_only": str(move.limit_touch_only),
        "window_runs": " ".join(
            f"{r.start_date}~{r.end_date}:{'touch' if r.touch_only else r.sessions}"
            for r in move.window_runs
        ),
        "reversal": str(move.reversal),
        "big_drop": str(move.big_drop),
    }


def compare_with_golden(
    window: tuple[str, str], wanted: list[dict[str, str]], moves: dict[str, MemberMove]
) -> None:
    """Every field of every member of the window, with the member and field named on failure."""
    assert {r["symbol"] for r in wanted} == set(moves)
    for row in wanted:
        got = fields_of(moves[row["symbol"]])
        assert set(got) == set(row) - {"start", "end", "symbol"}
        for field, value in got.items():
            want = row[field]
            ok = _same_number(value, want) if field in NUMBERS else value == want
            assert ok, f"{window} {row['symbol']} {field}: got {value!r}, golden {want!r}"
