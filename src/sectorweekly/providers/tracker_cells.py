"""Reading a tracker file's cells: the rows of a CSV or xlsx sheet, and the text, dates,
numbers, periods and partial flags a cell holds, each wrong cell a ``FILE:ROW`` error.

Analysts' sheets write the same thing many ways (a month as ``2024-09``, ``2024年9月`` or a date;
a period as two columns or ``START~END``; partial as ``是`` or ``true``), so the series files
(``tracker_files``) and the GPU price files read their cells here, one way.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from .. import textfile
from ..errors import InputError

PERIOD_COLUMNS = ("period_start", "period_end", "period", "month")
META_COLUMNS = {*PERIOD_COLUMNS, "partial", "unit", "source", "group", "alias", "series", "value"}
PERIOD_HELP = (
    "expected period_start,period_end columns, or a period column (YYYY-MM or "
    "YYYY-MM-DD~YYYY-MM-DD), or a month column"
)
TRUE_WORDS = {"1", "true", "yes", "y", "是", "partial", "非完全统计"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否"}


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
    if not numbered or numbered[0][0] != 1 or not any(cell_text(c) for c in numbered[0][1]):
        raise InputError(path, 1, "empty file; expected a header row")
    header = [cell_text(c) for c in numbered[0][1]]
    while header and not header[-1]:
        header.pop()
    body = (
        (n, list(r) + [None] * (len(header) - len(r)))
        for n, r in numbered[1:]
        if any(cell_text(c) for c in r)
    )
    return header, body


def cell_text(cell: object) -> str:
    """A cell as the text a user sees in it (a whole float without ``.0``, a midnight as a date)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    return str(cell).strip()


def cell_date(cell: object) -> dt.date | None:
    """A date cell, or text in one of the date formats analysts type; None otherwise."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = cell_text(cell)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def cell_number(cell: object) -> float | None:
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


def row_period(path: Path, line: int, get: Mapping[str, object]) -> tuple[dt.date, dt.date]:
    """The period of one row from period_start/period_end, period or month."""
    try:
        return _period_of(path, line, get)
    except ValueError:  # a month 13 or a day 32 in a text that has the shape of a date
        cell = next((get[c] for c in PERIOD_COLUMNS if c in get), "")
        raise InputError(
            path,
            line,
            f"'{cell_text(cell)}' is not a month or period; expected YYYY-MM (month 1-12)",
        ) from None


def _period_of(path: Path, line: int, get: Mapping[str, object]) -> tuple[dt.date, dt.date]:
    if "period_start" in get or "period_end" in get:
        start, end = cell_date(get.get("period_start")), cell_date(get.get("period_end"))
        if start is None or end is None:
            bad = "period_start" if start is None else "period_end"
            raise InputError(
                path, line, f"{bad} '{cell_text(get.get(bad))}' is not a date; expected YYYY-MM-DD"
            )
    elif "period" in get:
        text = cell_text(get["period"])
        month, span = _MONTH.match(text), _RANGE.match(text)
        if month:
            start, end = _month_span(int(month[1]), int(month[2]))
        elif span and cell_date(span[1]) and cell_date(span[2]):
            start, end = cell_date(span[1]), cell_date(span[2])  # type: ignore[assignment]
        else:
            raise InputError(
                path, line, f"period '{text}' is not a period; expected YYYY-MM or START~END"
            )
    else:
        cell = get["month"]
        day = cell_date(cell)
        month = _MONTH.match(cell_text(cell))
        if day is not None:
            start, end = _month_span(day.year, day.month)
        elif month:
            start, end = _month_span(int(month[1]), int(month[2]))
        else:
            raise InputError(
                path, line, f"month '{cell_text(cell)}' is not a month; expected YYYY-MM"
            )
    assert start is not None and end is not None
    if end < start:
        raise InputError(
            path, line, f"period ends {end} before it starts {start}; expected start ≤ end"
        )
    return start, end


def partial_flag(path: Path, line: int, cell: object) -> bool:
    """The ``partial`` column: a period not fully counted, in the words analysts use."""
    if isinstance(cell, bool):
        return cell
    text = cell_text(cell).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise InputError(path, line, f"partial '{text}' is not a yes/no; expected true/false or 1/0")


def check_header(path: Path, header: list[str]) -> dict[str, int]:
    """Column name -> position (known columns in lower case); a period column is required."""
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
