"""Users' text files as they come: UTF-8 (with or without BOM) or GB18030 (Excel on Chinese
Windows), detected or named with ``--encoding``; anything else is a one-line ``FILE:ROW`` error.

A binary file, an Excel workbook saved under a .csv name, undecodable bytes and over-long fields
are refused here, before any parser sees them, with the line where the problem starts.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import InputError

ENCODINGS = ("utf-8", "gb18030")
MAX_FIELD = 4000  # characters in one cell; a longer one is almost always a broken file
CHUNK = 1 << 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


# The encodings ``--encoding`` accepts, as documented (GBK files are read as GB18030, its
# superset); anything else (latin-1 would store mojibake) is refused.
ENCODING_NAMES = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "utf8-sig": "utf-8",
                  "gb18030": "gb18030", "gbk": "gb18030"}  # fmt: skip
DOCUMENTED_ENCODINGS = "utf-8, utf-8-sig, gb18030, gbk"


def encoding_problem(name: str) -> str | None:
    """What is wrong with an ``--encoding`` value, or None when it is one of the documented."""
    key = name.strip().lower().replace("_", "-")
    if key in ENCODING_NAMES:
        return None
    return f"unknown encoding '{name}'; expected one of {DOCUMENTED_ENCODINGS}"


def normalise_encoding(name: str | None) -> str | None:
    if name is None:
        return None
    problem = encoding_problem(name)
    if problem is not None:
        raise InputError("--encoding", None, problem)
    return ENCODING_NAMES[name.strip().lower().replace("_", "-")]


def _check_head(path: Path, head: bytes) -> None:
    if head.startswith(_ZIP):
        raise InputError(
            path,
            1,
            "an Excel workbook or other zip archive, not text; save it as CSV (UTF-8), "
            "or give it an .xlsx name where .xlsx is accepted",
        )
    if head.startswith(_OLE):
        raise InputError(path, 1, "an old Excel .xls workbook, not text; save it as CSV (UTF-8)")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decodes(path: Path, encoding: str) -> tuple[bool, int, int]:
    """(decodes cleanly, line of the first bad byte, bad byte) reading in chunks."""
    dec = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                raise InputError(
                    path,
                    line + chunk.count(b"\n", 0, nul),
                    "binary data (a NUL byte), not text; expected a UTF-8 or GB18030 text file",
                )
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as exc:
                return False, line + chunk.count(b"\n", 0, exc.start), chunk[exc.start]
            line += chunk.count(b"\n")
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, line, 0
    return True, 0, 0


def detect(path: Path, encoding: str | None = None) -> str:
    """The file's encoding: ``utf-8-sig`` (UTF-8, BOM or not) or ``gb18030``; or the one named."""
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no such file"
        raise InputError(path, None, f"{what}; expected a text file (CSV)")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(path, None, f"cannot read the file ({exc.strerror})") from None
    _check_head(path, head)
    wanted = normalise_encoding(encoding)
    candidates = [wanted] if wanted else list(ENCODINGS)
    first_bad: tuple[int, int] | None = None
    for enc in candidates:
        ok, line, byte = _decodes(path, enc)
        if ok:
            return "utf-8-sig" if enc == "utf-8" else enc
        first_bad = first_bad or (line, byte)
    assert first_bad is not None
    line, byte = first_bad
    named = wanted or "UTF-8 or GB18030"
    raise InputError(
        path,
        line,
        f"byte 0x{byte:02x} is not {named} text; save the file as UTF-8 CSV"
        + ("" if wanted else " or name its encoding with --encoding"),
    )


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV export would hold (12.0 -> 12, a date -> 2024-10-08)."""
    import datetime as dt

    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


Knows = Callable[[list[str]], bool]  # does a header row (lower-cased text) belong to a reader?


def _open_book(path: Path) -> Any:
    if not path.is_file():
        raise InputError(path, None, "no such file; expected a .xlsx workbook")
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, None, f"not a readable .xlsx workbook ({first})") from None


def _header_of(rows: list[list[object]]) -> list[str] | None:
    """The first row with any text, lower-cased; None for an empty sheet."""
    for row in rows:
        cells = [cell_text(c).strip().lower() for c in row]
        if any(cells):
            return cells
    return None


def _given_sheet(path: Path, book: Any, sheet: str) -> Any:
    """``--sheet NAME`` or ``--sheet NUMBER`` (1 = the first sheet)."""
    names = list(book.sheetnames)
    if sheet in names:
        return book[sheet]
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return book.worksheets[int(sheet) - 1]
    listed = ", ".join(f"'{n}'" for n in names)
    raise InputError(
        path, None, f"no sheet '{sheet}'; expected one of {listed} or a number 1-{len(names)}"
    )


def read_sheet(
    path: Path, sheet: str | None = None, knows: Knows | None = None
) -> tuple[str, list[list[object]]]:
    """(sheet name, cell values row by row) of the sheet asked (by name or number) or, without
    one, of the first sheet whose header ``knows`` accepts (else the first sheet with any
    text, else the first sheet): an empty cover sheet or a notes tab is passed over."""
    book = _open_book(path)
    try:
        if sheet is not None:
            ws = _given_sheet(path, book, sheet)
            return ws.title, [list(r) for r in ws.iter_rows(values_only=True)]
        sheets = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
                  for ws in book.worksheets]  # fmt: skip
    finally:
        book.close()
    headers = [_header_of(rows) for _, rows in sheets]
    for (name, rows), header in zip(sheets, headers, strict=True):
        if header is not None and knows is not None and knows(header):
            return name, rows
    for (name, rows), header in zip(sheets, headers, strict=True):
        if header is not None:
            return name, rows
    return sheets[0] if sheets else ("", [])


def sheet_values(path: Path, sheet: str | None = None) -> list[list[object]]:
    """The cell values of a workbook's sheet ``sheet`` (name or number; default: the first
    sheet with any text), row by row."""
    return read_sheet(path, sheet)[1]


def choose_sheet(path: Path, sheet: str | None, knows: Knows) -> str | None:
    """The name of the sheet an importer reads from a workbook (None for a text file; a
    ``--sheet`` given for a text file is refused rather than ignored)."""
    if not is_workbook(path):
        if sheet is not None:
            raise InputError(
                path,
                None,
                f"--sheet {sheet} names a workbook's sheet, but this is a text "
                "file; expected an .xlsx workbook, or no --sheet",
            )
        return None
    return read_sheet(path, sheet, knows)[0]


def sheet_label(path: Path, sheet: str | None) -> str:
    """``prices.xlsx[Sheet2]``: how messages name a workbook's sheet (the path for a CSV)."""
    return f"{path}[{sheet}]" if sheet else str(path)


@contextlib.contextmanager
def naming_sheet(path: Path, sheet: str | None) -> Iterator[None]:
    """Errors about ``path`` raised inside name the sheet they are about."""
    try:
        yield
    except InputError as exc:
        if sheet and exc.path == str(path):
            raise InputError(sheet_label(path, sheet), exc.where, exc.message) from None
        raise


def either(*knows: Knows) -> Knows:
    """A header is known when any of ``knows`` knows it (one importer, two layouts)."""
    return lambda header: any(k(header) for k in knows)


def requires(*columns: str) -> Knows:
    """A header is known when it has every one of ``columns``."""
    return lambda header: all(c in header for c in columns)


def workbook_rows(path: Path, sheet: str | None = None) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) of a workbook's sheet (see :func:`sheet_values`)."""
    rows = [[cell_text(c) for c in r] for r in sheet_values(path, sheet)]
    out = []
    for n, row in enumerate(rows, start=1):
        while row and not row[-1].strip():
            row.pop()
        for cell in row:
            if len(cell) > MAX_FIELD:
                raise InputError(path, n, f"a cell of {len(cell)} characters; expected at most "
                                 f"{MAX_FIELD} (is this the right file?)")  # fmt: skip
        out.append((n, row))
    return out


def read_text(path: Path, encoding: str | None = None) -> str:
    """The whole file as text (small files: desk notes, rating and tracker CSVs)."""
    enc = detect(path, encoding)
    return path.read_bytes().decode(enc)


def as_utf8(path: Path, encoding: str | None, folder: Path, sheet: str | None = None) -> Path:
    """A UTF-8 file DuckDB can read: the file itself, or a transcoded copy in ``folder`` (a
    workbook's sheet is written out as CSV)."""
    if is_workbook(path):
        out = folder / "sheet.csv"
        rows = workbook_rows(path, sheet)
        width = max((len(r) for _, r in rows[:1]), default=0)
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for _, row in rows:
                if any(c.strip() for c in row):
                    writer.writerow(row + [""] * (width - len(row)))
        return out
    enc = detect(path, encoding)
    with path.open("rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
    if enc == "utf-8-sig" and not bom:
        return path
    out = folder / "utf8.csv"
    with path.open("r", encoding=enc, newline="") as src, out.open("w", encoding="utf-8", newline="") as dst:  # fmt: skip
        shutil.copyfileobj(src, dst, CHUNK)
    return out


def csv_records(
    path: Path, encoding: str | None = None, sheet: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every row, header first; blank rows are skipped. A workbook
    (.xlsx) gives its sheet ``sheet`` (see :func:`sheet_values`), numbered by its rows."""
    if is_workbook(path):
        yield from ((n, r) for n, r in workbook_rows(path, sheet) if any(c.strip() for c in r))
        return
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(path, reader.line_num, f"not a well-formed CSV row ({exc})") from None
        for cell in row:
            if len(cell) > MAX_FIELD:
                raise InputError(
                    path,
                    line,
                    f"a field of {len(cell)} characters; expected at most {MAX_FIELD}"
                    " (is this the right file?)",
                )
        if row and any(c.strip() for c in row):
            yield line, row
        line = reader.line_num + 1


def temp_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="sectorweekly-")
