"""Tracker imports from CSV or Excel: site visits, app downloads, other series, GPU prices.

Two layouts for series: *long* (``series,period_start,period_end,value[,group,unit,source,
partial,alias]``) and the *wide* sheet analysts export (one row per week or month, one column per
site or app, plus optional ``partial``). Every file of a call is read and checked, against itself
and the store, before the one writer transaction opens; errors name ``FILE:ROW``. The cells
themselves (periods, numbers, partial flags) are read by ``tracker_cells``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .. import textfile
from ..errors import InputError
from ..store import series as stored_series
from .columns import GPU, header_index, parse_row
from .tracker_cells import (
    META_COLUMNS,
    PERIOD_COLUMNS,
    cell_number,
    cell_text,
    check_header,
    partial_flag,
    read_rows,
    row_period,
)

SERIES_KINDS = ("visits", "downloads", "other")
GPU_KIND = "gpu-price"
DEFAULT_UNIT = {"visits": "万次", "downloads": "万次"}
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
    idx = check_header(path, header)
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
        start, end = row_period(path, line, get)
        partial = partial_flag(path, line, get.get("partial"))
        common = {
            "category": kind,
            "period_start": start,
            "period_end": end,
            "partial": partial,
            "source": cell_text(get.get("source")) or default_source,
            "unit": cell_text(get.get("unit")) or opts.unit or DEFAULT_UNIT.get(kind, ""),
            "line": line,
            "file": str(path),
        }
        if long:
            pairs = [(cell_text(get["series"]), get["value"], "value")]
            if not pairs[0][0]:
                raise InputError(path, line, "series is empty; expected a site or app name")
        else:
            pairs = [(name, get[name], name) for name in value_columns]
        for name, cell, column in pairs:
            try:
                value = cell_number(cell)
            except ValueError:
                raise InputError(
                    path,
                    line,
                    f"{column} '{cell_text(cell)}' is not a number; expected e.g. 1234.5",
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
            group = cell_text(get.get("group")) or opts.group or ""
            if kind == "visits" and not group:
                raise InputError(
                    path, line, "group is empty; expected e.g. 文本-海外 (group column or --group)"
                )
            if not common["unit"]:
                raise InputError(
                    path, line, "unit is empty; expected e.g. 万次 (unit column or --unit)"
                )
            alias = cell_text(get.get("alias")) or opts.aliases.get(name) or None
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
        row = parse_row(path, line, [cell_text(c) for c in raw], idx, GPU)
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
