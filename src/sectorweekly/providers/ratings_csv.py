"""Rating history files: ``date,symbol,rating[,analyst,target_price,note]``.

Every row is checked by the ratings column schema (date not after today, known symbol, a rating
on the desk's scales in Chinese or English, positive target price); the store's one writer then
refuses a stored rating with another value, so a bad file leaves the store byte for byte as it
was and identical re-imports write nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from .. import clock, textfile
from ..desk.rating_scale import RatingScales
from ..errors import InputError
from ..store import ratings as stored_ratings
from .columns import RATINGS, header_index, parse_row

KNOWN_HEADER = textfile.requires("date", "symbol", "rating")  # a workbook's sheet of ratings


def read_ratings_file(
    path: Path,
    scales: RatingScales,
    known_symbols: Collection[str],
    encoding: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Parse and check one file; raises InputError naming FILE:ROW at the first bad row."""
    sheet = textfile.choose_sheet(path, sheet, KNOWN_HEADER)
    with textfile.naming_sheet(path, sheet):
        return _read_ratings(path, scales, known_symbols, encoding, sheet)


def _read_ratings(
    path: Path,
    scales: RatingScales,
    known_symbols: Collection[str],
    encoding: str | None,
    sheet: str | None,
) -> pd.DataFrame:
    lookup = scales.lookup()
    today = clock.today()
    records = textfile.csv_records(path, encoding, sheet)
    first = next(records, None)
    idx = header_index(path, first[1] if first else [], RATINGS, strict=True)
    out = []
    for line, cells in records:
        if len(cells) != len(idx):
            raise InputError(
                path, line, f"{len(cells)} fields, expected {len(idx)} as in the header"
            )
        row = parse_row(path, line, cells, idx, RATINGS)
        if row["date"] > today:
            raise InputError(
                path,
                line,
                f"date {row['date']} is after today ({today}); expected a rating "
                "that has been given",
            )
        symbol = row["symbol"]
        if symbol not in known_symbols:
            raise InputError(
                path,
                line,
                f"symbol '{symbol}' is neither under the desk's instruments nor in the store; "
                "add it to desk.yaml or import its prices first",
            )
        found = lookup.get(row["rating"].casefold())
        if found is None:
            raise InputError(
                path,
                line,
                f"rating '{row['rating']}' is not on the desk's scales; expected "
                f"{scales.expected_text()}",
            )
        out.append({**row, "rating": found[0], "source": f"csv:{path.name}",
                    "file": textfile.sheet_label(path, sheet), "line": line})  # fmt: skip
    if not out:
        raise InputError(path, 2, "no data rows; expected at least one rating row")
    return pd.DataFrame.from_records(out)


def load_rating_files(
    paths: list[Path],
    scales: RatingScales,
    known_symbols: Collection[str],
    encoding: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read every file (a file judged without storing it: the scorecard's ``--ratings``)."""
    frames = [read_ratings_file(p, scales, known_symbols, encoding, sheet=sheet) for p in paths]
    rows = pd.concat(frames, ignore_index=True)
    key = ["symbol", "date"]
    dup = rows[rows.duplicated(subset=key, keep=False)]
    for (_, _), part in dup.groupby(key, sort=False):
        a, b = part.iloc[0], part.iloc[1:]
        for _, rec in b.iterrows():
            for col in stored_ratings.COMPARED:
                x, y = a[col], rec[col]
                if not (pd.isna(x) and pd.isna(y)) and x != y:
                    raise InputError(
                        rec["file"],
                        rec["line"],
                        f"duplicate rating for {rec['symbol']} on {rec['date']} with {col} "
                        f"'{y}' (already '{x}' at {Path(str(a['file'])).name}:{a['line']}); "
                        "expected one rating per symbol and date",
                    )
    return rows.drop_duplicates(subset=key, keep="first").reset_index(drop=True)
