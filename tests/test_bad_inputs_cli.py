"""More bad inputs, over the desk of ``test_cli_bad_inputs``: a week after today, an unknown
rating benchmark, a backfill before all data, a taken preview port, bad dividend rows. Each:
its documented exit code, one ``error:`` line naming what was wrong, the store byte for byte
as it was."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from test_cli_bad_inputs import assert_refused, world  # noqa: F401  (the fixture)

TODAY = "2025-07-02"  # a Wednesday two days after the demo's last prices


@pytest.fixture(scope="module")
def taken_port() -> Iterator[int]:
    """A port another program holds while the tests run."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def dividend_files(world):  # noqa: F811
    files = world["files"]
    rows = {
        "div_no_price.csv": "symbol,date,cash\n601138,2024-08-17,0.58\n",  # a Saturday
        "div_bad_cash.csv": "symbol,date,cash\n601138,2024-08-15,abc\n",
        "div_negative.csv": "symbol,date,cash\n601138,2024-08-15,-0.58\n",
        "div_too_big.csv": "symbol,date,cash\n601138,2024-08-15,25\n",
        "div_rights.csv": "symbol,date,cash,rights_price\n601138,2024-08-15,0.58,9\n",
        "div_nothing.csv": "symbol,date,cash,bonus\n601138,2024-08-15,0,0\n",
        "div_not_stored.csv": "symbol,date,cash\n601138,2025-08-01,0.3\n",
        "div_differs.csv": "symbol,date,cash\n601138,2024-08-15,0.60\n",
    }
    for name, text in rows.items():
        (files / name).write_text(text, encoding="utf-8")
    return files


# (command line with {desk} {files} {root} {port} placeholders, exit code, words of the line)
CASES = [
    ("build --start 2025-07-07 --end 2025-07-11", 4, "starts after today (2025-07-02)"),
    ("build --start 2025-07-03", 4, "the week 2025-07-03..2025-07-04 starts after today"),
    ("build --start 2031-01-06 --end 2031-01-10", 3, "exchange"),
    (
        "ratings evaluate --out {root}/card --benchmark US=FOO",
        2,
        "--benchmark:US=FOO: no stored US prices for 'FOO'; expected a US symbol of desk.yaml's "
        "instruments with prices in the store (indices: ^GSPC, ^IXIC)",
    ),
    ("ratings evaluate --out {root}/card --benchmark HK=NVDA", 2, "(indices: HSI)"),
    (
        "backfill --weeks 3 --before 2023-12-01 --reports {root}/reports",
        4,
        "the store's prices start on 2024-01-02, so no week published before that date",
    ),
    (
        "preview --port {port} --start 2024-10-07 --end 2024-10-09",
        2,
        "--port:{port}: the port is taken",
    ),
    ("import prices {files}/div_no_price.csv", 2, "div_no_price.csv:2: 2024-08-17 is not a CN_A"),
    ("import prices {files}/div_bad_cash.csv", 2, "div_bad_cash.csv:2: cash 'abc' is not a number"),
    ("import prices {files}/div_negative.csv", 2, "div_negative.csv:2: cash -0.58 is negative"),
    (
        "import prices {files}/div_too_big.csv",
        2,
        "div_too_big.csv:2: cash 25 is not below the prior close 21.38 (2024-08-14)",
    ),
    ("import prices {files}/div_rights.csv", 2, "div_rights.csv:2: rights_price 9 without"),
    ("import prices {files}/div_nothing.csv", 2, "div_nothing.csv:2: no cash, bonus or rights"),
    (
        "import prices {files}/div_not_stored.csv",
        2,
        "div_not_stored.csv:2: no price of 601138 on 2025-08-01 in the store or in this call",
    ),
    (
        "import prices {files}/div_differs.csv",
        2,
        "div_differs.csv:2: 601138 2024-08-15 reference 20.78 from the dividend differs from "
        "the stored 20.8",
    ),
]


@pytest.mark.parametrize(("line", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_exit_code_one_line_store_unchanged(
    world,  # noqa: F811
    dividend_files,
    taken_port,
    capsys,
    monkeypatch,
    line,
    code,
    words,
):
    places = {k: str(v) for k, v in world.items()} | {"port": str(taken_port)}
    args = [part.format(**places) for part in line.split()]
    args += ["--desk", places["desk"]]
    monkeypatch.setenv("SECTORWEEKLY_TODAY", TODAY)
    db = world["desk"] / "store.duckdb"
    assert_refused(monkeypatch, capsys, args, db, code, words.format(**places))
