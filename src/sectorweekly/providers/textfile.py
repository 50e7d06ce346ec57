"""Users' text files as they come: UTF-8 (with or without BOM) or GB18030 (Excel on Chinese
Windows), detected or named with ``--encoding``; anything else is a one-line ``FILE:ROW`` error.

A binary file, an Excel workbook saved under a .csv name, undecodable bytes and over-long fields
are refused here, before any parser sees them, with the line where the problem starts.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError

ENCODINGS = ("utf-8", "gb18030")
MAX_FIELD = 4000  # characters in one cell; a longer one is almost always a broken file
CHUNK = 1 << 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def normalise_encoding(name: str | None) -> str | None:
    if name is None:
        return None
    key = name.strip().lower().replace("_", "-")
    aliases = {"utf8": "utf-8", "utf-8-sig": "utf-8", "gbk": "gb18030", "gb2312": "gb18030",
               "cp936": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8"}  # fmt: skip
    if key not in aliases:
        try:
            return codecs.lookup(key).name
        except LookupError:
            raise InputError(
                "--encoding", None, f"unknown encoding '{name}'; expected utf-8 or gb18030"
            ) from None
    return aliases[key]


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


def sheet_values(path: Path, sheet: str | None = None) -> list[list[object]]:
    """The cell values of a workbook's first sheet (or ``sheet``), row by row."""
    if not path.is_file():
        raise InputError(path, None, "no such file; expected a .xlsx workbook")
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, None, f"not a readable .xlsx workbook ({first})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(
                path, None, f"no sheet '{sheet}'; expected one of {', '.join(book.sheetnames)}"
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def workbook_rows(path: Path, sheet: str | None = None) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) of a workbook's first sheet (or ``sheet``)."""
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


def as_utf8(path: Path, encoding: str | None, folder: Path) -> Path:
    """A UTF-8 file DuckDB can read: the file itself, or a transcoded copy in ``folder`` (a
    workbook's first sheet is written out as CSV)."""
    if is_workbook(path):
        out = folder / "sheet.csv"
        rows = workbook_rows(path)
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


def csv_records(path: Path, encoding: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every row, header first; blank rows are skipped. A workbook
    (.xlsx) gives its first sheet, numbered by its rows."""
    if is_workbook(path):
        yield from ((n, r) for n, r in workbook_rows(path) if any(c.strip() for c in r))
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


def nth_record_line(path: Path, encoding: str, n: int) -> int:
    """Line number of the ``n``-th data record (1-based, blank rows skipped); for messages."""
    for i, (line, _) in enumerate(csv_records(path, encoding)):
        if i == n:
            return line
    return n + 1


def temp_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="sectorweekly-")
