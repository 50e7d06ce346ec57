"""Tracker imports from CSV or Excel: site visits, app downloads, other series, GPU prices.

Two layouts for series: *long* (``series,period_start,period_end,value[,group,unit,source,
partial,alias]``) and the *wide* sheet analysts export (one row per week or month, one column per
site or app, plus optional ``partial``). Every file of a call is read and checked, against itself
and the store, before the one writer transaction opens; errors name ``FILE:ROW``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .. import textfile
from ..errors import InputError
from ..store import series as stored_series
from .columns import GPU, header_index, parse_row

SERIES_KINDS = ("visits", "downloads", "other")
GPU_KIND = "gpu-price"
DEFAULT_UNIT = {"visits": "万次", "downloads": "万次"}
PERIOD_COLUMNS = ("period_start", "period_end", "period", "month")
META_COLUMNS = {*PERIOD_COLUMNS, "partial", "unit", "source", "group", "alias", "series", "value"}
PERIOD_HELP = (
    "expected period_start,period_end columns, or a period column (YYYY-MM or "
    "YYYY-MM-DD~YYYY-MM-DD), or a month column"
)
CONDITIONS = {
    "new": "new",
    "全新": "new",
    "brand new": "new",
    "used": "used",
    "二手": "used",
    "secondhand": "used",
    "second-hand": "used",
    "pre-owned": "used",
    "refurbished": "used",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "partial", "非完全统计"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否"}


@dataclass
class SeriesOptions:
    """What a file cannot say for itself (wide sheets carry only names and numbers)."""

    group: str | None = None
    unit: str | None = None
    source: str | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)  # new name -> old name
    sample: bool = False
    sheet: str | None = None
    encoding: str | None = None  # CSV text encoding (default: detect UTF-8 / GB18030)


# --- reading cells ---------------------------------------------------------------------


def read_rows(
    path: Path,
    sheet: str | None = None,
    encoding: str | None = None,
) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """Header (stripped text) and data rows with their 1-based line numbers, CSV or xlsx (the
    sheet named, or the first with any text)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise InputError(path, None, f"unsupported file type '{suffix}'; expected .csv or .xlsx")
    if not path.is_file():
        raise InputError(path, None, "no such file; expected a .csv or .xlsx file")
    if suffix == ".csv":
        numbered = list(textfile.csv_records(path, encoding))
    else:
        numbered = list(enumerate(textfile.sheet_values(path, sheet), start=1))
        for n, r in numbered:
            for cell in r:
                if isinstance(cell, str) and len(cell) > textfile.MAX_FIELD:
                    raise InputError(path, n, f"a cell of {len(cell)} characters; expected at "
                                     f"most {textfile.MAX_FIELD} (is this the right file?)")  # fmt: skip
    if not numbered or numbered[0][0] != 1 or not any(_text(c) for c in numbered[0][1]):
        raise InputError(path, 1, "empty file; expected a header row")
    header = [_text(c) for c in numbered[0][1]]
    while header and not header[-1]:
        header.pop()
    body = (
        (n, list(r) + [None] * (len(header) - len(r)))
        for n, r in numbered[1:]
        if any(_text(c) for c in r)
    )
    return header, body


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    return str(cell).strip()


def _date(cell: object) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = _text(cell)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(cell: object) -> float | None:
    """A finite number, None for an empty cell; raises ValueError for anything else."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError(cell)
    value = float(cell) if isinstance(cell, int | float) else float(str(cell).replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(cell)
    return value


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


_MONTH = re.compile(r"^(\d{4})[-/年.](\d{1,2})月?$")
_RANGE = re.compile(r"^(.+?)\s*(?:~|～|\.\.|至)\s*(.+)$")


def _period(path: Path, line: int, get: Mapping[str, object]) -> tuple[dt.date, dt.date]:
    """The period of one row from period_start/period_end, period or month."""
    try:
        return _period_of(path, line, get)
    except ValueError:  # a month 13 or a day 32 in a text that has the shape of a date
        cell = next((get[c] for c in PERIOD_COLUMNS if c in get), "")
        raise InputError(
            path, line, f"'{_text(cell)}' is not a month or period; expected YYYY-MM (month 1-12)"
        ) from None


def _period_of(path: Path, line: int, get: Mapping[str, object]) -> tuple[dt.date, dt.date]:
    if "period_start" in get or "period_end" in get:
        start, end = _date(get.get("period_start")), _date(get.get("period_end"))
        if start is None or end is None:
            bad = "period_start" if start is None else "period_end"
            raise InputError(
                path, line, f"{bad} '{_text(get.get(bad))}' is not a date; expected YYYY-MM-DD"
            )
    elif "period" in get:
        text = _text(get["period"])
        month, span = _MONTH.match(text), _RANGE.match(text)
        if month:
            start, end = _month_span(int(month[1]), int(month[2]))
        elif span and _date(span[1]) and _date(span[2]):
            start, end = _date(span[1]), _date(span[2])  # type: ignore[assignment]
        else:
            raise InputError(
                path, line, f"period '{text}' is not a period; expected YYYY-MM or START~END"
            )
    else:
        cell = get["month"]
        day = _date(cell)
        month = _MONTH.match(_text(cell))
        if day is not None:
            start, end = _month_span(day.year, day.month)
        elif month:
            start, end = _month_span(int(month[1]), int(month[2]))
        else:
            raise InputError(path, line, f"month '{_text(cell)}' is not a month; expected YYYY-MM")
    assert start is not None and end is not None
    if end < start:
        raise InputError(
            path, line, f"period ends {end} before it starts {start}; expected start ≤ end"
        )
    return start, end


def _partial(path: Path, line: int, cell: object) -> bool:
    if isinstance(cell, bool):
        return cell
    text = _text(cell).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise InputError(path, line, f"partial '{text}' is not a yes/no; expected true/false or 1/0")


def _check_header(path: Path, header: list[str]) -> dict[str, int]:
    idx: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            raise InputError(path, 1, f"column {i + 1} has no name; expected a header per column")
        key = name.lower() if name.lower() in META_COLUMNS else name
        if key in idx:
            raise InputError(path, 1, f"column '{name}' appears twice; expected unique headers")
        idx[key] = i
    if not any(c in idx for c in PERIOD_COLUMNS):
        raise InputError(path, 1, f"no period column; {PERIOD_HELP}")
    if ("period_start" in idx) != ("period_end" in idx):
        missing = "period_end" if "period_start" in idx else "period_start"
        raise InputError(path, 1, f"missing column '{missing}'; {PERIOD_HELP}")
    return idx


# --- series ------------------------------------------------------------------------------


def _series_header(header: list[str]) -> bool:
    return any(c in header for c in PERIOD_COLUMNS)


def _gpu_header(header: list[str]) -> bool:
    return all(c in header for c in ("date", "model", "price"))


def read_series_file(path: Path, kind: str, opts: SeriesOptions) -> pd.DataFrame:
    """Parse and check one series file (either layout); raises InputError at the first bad row."""
    if kind not in SERIES_KINDS:
        raise InputError(path, None, f"unknown kind '{kind}'; expected {', '.join(SERIES_KINDS)}")
    sheet = textfile.choose_sheet(path, opts.sheet, _series_header)
    with textfile.naming_sheet(path, sheet):
        return _read_series_file(path, kind, opts, sheet)


def _read_series_file(
    path: Path, kind: str, opts: SeriesOptions, sheet: str | None
) -> pd.DataFrame:
    header, body = read_rows(path, sheet, opts.encoding)
    idx = _check_header(path, header)
    long = "series" in idx or "value" in idx
    if long and not ("series" in idx and "value" in idx):
        missing = "series" if "series" not in idx else "value"
        raise InputError(
            path, 1, f"missing column '{missing}'; expected series,period_start,period_end,value"
        )
    value_columns = [h for h in header if h.lower() not in META_COLUMNS]
    if not long and not value_columns:
        raise InputError(path, 1, "no series columns; expected one column per site or app")
    default_source = opts.source or f"{path.suffix.lstrip('.').lower()}:{path.name}"
    records: list[dict[str, object]] = []
    for line, raw in body:
        get = {k: raw[i] for k, i in idx.items()}
        start, end = _period(path, line, get)
        partial = _partial(path, line, get.get("partial"))
        common = {
            "category": kind,
            "period_start": start,
            "period_end": end,
            "partial": partial,
            "source": _text(get.get("source")) or default_source,
            "unit": _text(get.get("unit")) or opts.unit or DEFAULT_UNIT.get(kind, ""),
            "line": line,
            "file": str(path),
        }
        if long:
            pairs = [(_text(get["series"]), get["value"], "value")]
            if not pairs[0][0]:
                raise InputError(path, line, "series is empty; expected a site or app name")
        else:
            pairs = [(name, get[name], name) for name in value_columns]
        for name, cell, column in pairs:
            try:
                value = _number(cell)
            except ValueError:
                raise InputError(
                    path, line, f"{column} '{_text(cell)}' is not a number; expected e.g. 1234.5"
                ) from None
            if value is None:
                if long:
                    raise InputError(
                        path,
                        line,
                        "value is empty; expected a number (leave out rows with no data)",
                    )
                continue  # an empty cell in a wide sheet: no data for that period
            if value < 0:
                raise InputError(path, line, f"{column} {value:g} is negative; expected ≥ 0")
            group = _text(get.get("group")) or opts.group or ""
            if kind == "visits" and not group:
                raise InputError(
                    path, line, "group is empty; expected e.g. 文本-海外 (group column or --group)"
                )
            if not common["unit"]:
                raise InputError(
                    path, line, "unit is empty; expected e.g. 万次 (unit column or --unit)"
                )
            alias = _text(get.get("alias")) or opts.aliases.get(name) or None
            if alias == name:
                raise InputError(path, line, f"alias of '{name}' is itself; expected its old name")
            records.append({**common, "series": name, "series_group": group, "value": value,
                            "alias_of": alias, "sample": opts.sample})  # fmt: skip
    if not records:
        raise InputError(path, 2, "no data rows; expected at least one value")
    return pd.DataFrame.from_records(records)


def _where(rec: Mapping[str, object]) -> str:
    return f"{Path(str(rec['file'])).name}:{rec['line']}"


def _check_series_shape(new: list[dict], stored: list[dict]) -> None:
    """One group and unit per series; no overlapping periods within a series."""
    by_series: dict[tuple[str, str], list[dict]] = {}
    for rec in [*stored, *new]:
        by_series.setdefault((rec["category"], rec["series"]), []).append(rec)
    for recs in by_series.values():
        first = recs[0]
        for rec in recs[1:]:
            for col, label in (("series_group", "group"), ("unit", "unit")):
                if rec[col] != first[col] and "line" in rec:
                    where = _where(first) if "line" in first else "the store"
                    raise InputError(
                        rec["file"],
                        rec["line"],
                        f"{rec['series']} has {label} '{rec[col]}' but '{first[col]}' in {where}; "
                        f"expected one {label} per series",
                    )
        recs = sorted(recs, key=lambda r: r["period_start"])
        for prev, rec in itertools.pairwise(recs):
            if rec["period_start"] <= prev["period_end"]:
                bad = rec if "line" in rec else prev
                other = prev if bad is rec else rec
                where = _where(other) if "line" in other else "the store"
                raise InputError(
                    bad["file"],
                    bad["line"],
                    f"{bad['series']} period {bad['period_start']}..{bad['period_end']} overlaps "
                    f"{other['period_start']}..{other['period_end']} ({where}); expected "
                    "non-overlapping periods",
                )


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def shape_check(rows: pd.DataFrame) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """The series rule against the stored series, run under the writer's lock: one group and
    unit per series, no overlapping periods."""
    key = ["category", "series", "period_start"]
    first = rows.drop_duplicates(subset=key, keep="first")

    def shapes(con: duckdb.DuckDBPyConnection) -> None:
        stored = stored_series.stored_series_keys(con, rows)
        if len(stored):
            stored = _dates(stored, "period_start", "period_end")
        fresh = {tuple(r) for r in first[key].itertuples(index=False)}
        others = [r for r in stored.to_dict("records") if tuple(r[c] for c in key) not in fresh]
        _check_series_shape(first.to_dict("records"), others)

    return shapes


# --- GPU prices ----------------------------------------------------------------------------


def read_gpu_file(path: Path, opts: SeriesOptions) -> pd.DataFrame:
    """GPU prices: date,model,condition,price,currency[,source], checked by the GPU schema."""
    sheet = textfile.choose_sheet(path, opts.sheet, _gpu_header)
    with textfile.naming_sheet(path, sheet):
        return _read_gpu_file(path, opts, sheet)


def _read_gpu_file(path: Path, opts: SeriesOptions, sheet: str | None) -> pd.DataFrame:
    header, body = read_rows(path, sheet, opts.encoding)
    idx = header_index(path, header, GPU)
    default_source = opts.source or f"{path.suffix.lstrip('.').lower()}:{path.name}"
    records = []
    for line, raw in body:
        row = parse_row(path, line, [_text(c) for c in raw], idx, GPU)
        condition = CONDITIONS.get(row["condition"].lower())
        if condition is None:
            raise InputError(
                path, line, f"condition '{row['condition']}' is not known; expected new or used"
            )
        currency = row["currency"].upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise InputError(
                path, line, f"currency '{currency}' is not a code; expected e.g. USD or CNY"
            )
        records.append({**row, "condition": condition, "currency": currency,
                        "source": row["source"] or default_source, "sample": opts.sample,
                        "line": line, "file": str(path)})  # fmt: skip
    if not records:
        raise InputError(path, 2, "no data rows; expected at least one price")
    return pd.DataFrame.from_records(records)
