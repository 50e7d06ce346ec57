"""What each whole-market file must hold, as SQL: its columns, their types, and the first thing
wrong with a row worded ``what; expected`` (``market_checks`` runs them).

One :class:`Spec` per store kind: the text cells of a file (``r.<column>``) become typed columns,
then one CASE names the first broken rule of each row. Codes are read by ``markets.codes`` (the
one place that knows what a code's shape means); a fact nobody gives stays NULL (unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..markets import codes

SW2021_FROM = "2021-07-30"  # the 申万 2021 classification took effect; earlier rows hold 2014 codes
SIX = "'[0-9][0-9][0-9][0-9][0-9][0-9]'"
CODE_EXPECTED = "expected an A-share stock code such as 600000, 000001, 300750, 688981 or 920001"
SOURCE_EXPECTED = "expected where the fact comes from (e.g. Tushare stock_basic of 2024-10-11)"
# the order the folder's kinds are checked and written in: what a later kind is checked
# against comes first (codes before membership, the universe before the bars)
ORDER = (
    "sw-codes",
    "sw-membership",
    "cn-universe",
    "cn-names",
    "cn-st",
    "cn-coverage",
    "cn-bars",
    "sw-index",
)


def _text(col: str) -> str:
    return f"nullif(trim(r.{col}), '')"


def _date(col: str) -> str:
    t = _text(col)
    return f"coalesce(TRY_CAST({t} AS DATE), TRY_CAST(try_strptime({t}, '%Y%m%d') AS DATE))"


def _num(col: str) -> str:
    return f"TRY_CAST({_text(col)} AS DOUBLE)"


def _code(col: str) -> str:
    """Six digits from 600000, 600000.SH or SH600000; NULL when the cell has no such shape."""
    pattern = r"^(?:SH|SZ|BJ|SS)?\.?([0-9]{6})(?:\.(?:SH|SZ|BJ|SS))?$"
    plain = f"trim(r.{col})"
    return (
        f"CASE WHEN {plain} GLOB {SIX} THEN {plain} "
        f"ELSE nullif(regexp_extract(upper({plain}), '{pattern}', 1), '') END"
    )


def _bad_date(col: str, *, required: bool = True) -> tuple[str, str]:
    given = f"p.{col}_raw IS NOT NULL"
    cond = f"p.{col} IS NULL" + ("" if required else f" AND {given}")
    shown = f"coalesce(p.{col}_raw, '')"
    return cond, f"'{col} ''' || {shown} || ''' is not a date; expected YYYY-MM-DD'"


def _bad_number(col: str, low: str, *, required: bool = False) -> list[tuple[str, str]]:
    """Not a number, or below ``low`` ('> 0' prices, '>= 0' volumes)."""
    given = f"p.{col}_raw IS NOT NULL"
    out = []
    if required:
        out.append((f"NOT {given}", f"'{col} is empty; expected a number {low}'"))
    out += [
        (f"{given} AND (p.{col} IS NULL OR NOT isfinite(p.{col}))",
         f"'{col} ''' || p.{col}_raw || ''' is not a number; expected a decimal such as 12.34'"),
        (f"NOT (p.{col} {low})", f"'{col} ' || p.{col}_raw || ' is not {low}; expected {low}'"),
    ]  # fmt: skip
    return out


def _bad_code(col: str = "symbol", *, stock: bool = True) -> list[tuple[str, str]]:
    shown = f"coalesce(p.{col}_raw, '')"
    out = [
        (
            f"p.{col} IS NULL",
            f"'code ''' || {shown} || ''' is not in the shape of a code; {CODE_EXPECTED}'",
        )
    ]
    if stock:
        out.append((
            f"{codes.board_sql(f'p.{col}')} IS NULL",
            f"'code ' || p.{col} || ' is not an A-share stock code (no board has codes starting "
            f"' || substr(p.{col}, 1, 3) || '); {CODE_EXPECTED}'",
        ))  # fmt: skip
    return out


def _fact_rules() -> list[tuple[str, str]]:
    return [
        ("p.source IS NULL", f"'source is empty; {SOURCE_EXPECTED}'"),
        _bad_date("as_of"),
    ]


@dataclass(frozen=True)
class Spec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    typed: dict[str, str]  # stored column -> SQL over the raw row r (and its file name w.name)
    rules: list[tuple[str, str]] = field(default_factory=list)  # (broken when, message) over p

    @property
    def columns(self) -> list[str]:
        return [*self.required, *self.optional]

    @property
    def header(self) -> str:
        extra = f"[,{','.join(self.optional)}]" if self.optional else ""
        return ",".join(self.required) + extra


_FACT = {"source": _text("source"), "as_of": _date("as_of")}
_BOARDS = (
    "CASE trim(r.board) WHEN '主板' THEN 'main' WHEN '创业板' THEN 'chinext' "
    "WHEN '科创板' THEN 'star' WHEN '北交所' THEN 'bse' END"
)
_FLAG = (
    "CASE WHEN lower(trim(r.registration_ipo)) IN ('true', '1', 'yes', 'y', '是') THEN true "
    "WHEN lower(trim(r.registration_ipo)) IN ('false', '0', 'no', 'n', '否') THEN false END"
)
_PRICE_COLS = ("open", "high", "low", "close", "pre_close", "volume", "amount")

SPECS: dict[str, Spec] = {
    "cn-universe": Spec(
        ("symbol", "exchange", "board", "source", "as_of"),
        ("list_date", "delist_date", "registration_ipo"),
        {
            "symbol": _code("symbol"),
            "exchange": f"upper({_text('exchange')})",
            "board": f"coalesce({_BOARDS}, lower({_text('board')}))",
            "list_date": _date("list_date"),
            "delist_date": _date("delist_date"),
            "registration_ipo": _FLAG,
            **_FACT,
        },
        [
            *_bad_code(),
            (
                "p.exchange IS NULL OR p.exchange NOT IN ('SH', 'SZ', 'BJ')",
                "'exchange ''' || coalesce(p.exchange_raw, '') || ''' is not SH, SZ or BJ; "
                "expected ' || " + codes.exchange_sql("p.symbol"),
            ),
            (
                f"p.exchange <> {codes.exchange_sql('p.symbol')}",
                "'exchange ' || p.exchange || ' contradicts code ' || p.symbol || '; expected ' || "
                + codes.exchange_sql("p.symbol"),
            ),
            (
                "p.board IS NULL OR p.board NOT IN ('main', 'chinext', 'star', 'bse')",
                "'board ''' || coalesce(p.board_raw, '') || ''' is not main, chinext, star or bse; "
                "expected ' || " + codes.board_sql("p.symbol"),
            ),
            (
                f"p.board <> {codes.board_sql('p.symbol')}",
                "'board ' || p.board || ' contradicts code ' || p.symbol || '; expected ' || "
                + codes.board_sql("p.symbol"),
            ),
            _bad_date("list_date", required=False),
            _bad_date("delist_date", required=False),
            (
                "p.delist_date < p.list_date",
                "'delist_date ' || p.delist_date || ' is before list_date ' || p.list_date || "
                "'; expected a delisting after the listing'",
            ),
            (
                "p.registration_ipo IS NULL AND p.registration_ipo_raw IS NOT NULL",
                "'registration_ipo ''' || p.registration_ipo_raw || ''' is not true or false; "
                "expected true, false or empty (unknown)'",
            ),
            *_fact_rules(),
        ],
    ),
    "cn-names": Spec(
        ("symbol", "name", "start", "source", "as_of"),
        ("end",),
        {
            "symbol": _code("symbol"),
            "name": _text("name"),
            "start": _date("start"),
            "end": _date("end"),
            **_FACT,
        },
        [
            *_bad_code(),
            ("p.name IS NULL", "'name is empty; expected the stock''s name'"),
            _bad_date("start"),
            _bad_date("end", required=False),
            (
                'p."end" < p.start',
                "'end ' || p.\"end\" || ' is before start ' || p.start || "
                "'; expected the last day under the name, on or after its first'",
            ),
            *_fact_rules(),
        ],
    ),
    "cn-st": Spec(
        ("symbol", "st_start", "tag", "source", "as_of"),
        ("st_end",),
        {
            "symbol": _code("symbol"),
            "st_start": _date("st_start"),
            "st_end": _date("st_end"),
            "tag": f"upper(replace({_text('tag')}, '＊', '*'))",
            **_FACT,
        },
        [
            *_bad_code(),
            _bad_date("st_start"),
            _bad_date("st_end", required=False),
            (
                "p.st_end < p.st_start",
                "'ST span ends ' || p.st_end || ' before it starts ' || p.st_start || "
                "'; expected st_end on or after st_start'",
            ),
            (
                "p.tag IS NULL OR p.tag NOT IN ('ST', '*ST')",
                "'tag ''' || coalesce(p.tag_raw, '') || ''' is not ST or *ST; expected ST or *ST'",
            ),
            *_fact_rules(),
        ],
    ),
    "cn-coverage": Spec(
        ("fact", "start", "end", "source", "as_of"),
        (),
        {"fact": f"lower({_text('fact')})", "start": _date("start"), "end": _date("end"), **_FACT},
        [
            (
                "p.fact IS NULL OR p.fact NOT IN ('st', 'names', 'listing', 'prev_close', 'bars')",
                "'fact ''' || coalesce(p.fact_raw, '') || ''' is not known; expected st, names, "
                "listing, prev_close or bars'",
            ),
            _bad_date("start"),
            _bad_date("end"),
            (
                'p."end" < p.start',
                "'end ' || p.\"end\" || ' is before start ' || p.start || "
                "'; expected the last day the list is complete, on or after its first'",
            ),
            *_fact_rules(),
        ],
    ),
    "sw-codes": Spec(
        ("industry_code", "level1"),
        ("level2", "level3", "source"),
        {
            "industry_code": _text("industry_code"),
            "level1": _text("level1"),
            "level2": _text("level2"),
            "level3": _text("level3"),
            "source": f"coalesce({_text('source')}, w.name)",
        },
        [
            (
                f"NOT coalesce(p.industry_code GLOB {SIX}, false)",
                "'industry code ''' || coalesce(p.industry_code_raw, '') || ''' is not six "
                "digits; expected a 申万 code such as 270000 or 270101'",
            ),
            ("p.level1 IS NULL", "'level1 is empty; expected the level-1 industry name'"),
        ],
    ),
    "sw-membership": Spec(
        ("symbol", "included_on", "industry_code"),
        ("updated_on", "source", "file"),
        {
            "symbol": _code("symbol"),
            "included_on": _date("included_on"),
            "industry_code": _text("industry_code"),
            "updated_on": _date("updated_on"),
            "source": f"coalesce({_text('source')}, {_text('file')}, w.name)",
        },
        [
            *_bad_code(stock=False),
            _bad_date("included_on"),
            _bad_date("updated_on", required=False),
            (
                f"NOT coalesce(p.industry_code GLOB {SIX}, false)",
                "'industry code ''' || coalesce(p.industry_code_raw, '') || ''' is not six "
                "digits; expected a 申万 code such as 270101'",
            ),
            (
                f"p.included_on >= DATE '{SW2021_FROM}' AND p.industry_code NOT IN "
                "(SELECT industry_code FROM _mk_known_codes)",
                "'industry code ' || p.industry_code || ' is not in the 申万 2021 classification "
                "(sw2021_codes.csv); expected one of its codes for a row included on or after "
                f"{SW2021_FROM}'",
            ),
        ],
    ),
    "sw-index": Spec(
        ("index_code", "date", "close"),
        ("level", "name", "source"),
        {
            "index_code": _text("index_code"),
            "date": _date("date"),
            "close": _num("close"),
            "level": f"TRY_CAST({_text('level')} AS INTEGER)",
            "name": _text("name"),
            "source": f"coalesce({_text('source')}, w.name)",
        },
        [
            (
                f"NOT coalesce(p.index_code GLOB {SIX}, false)",
                "'index code ''' || coalesce(p.index_code_raw, '') || ''' is not six digits; "
                "expected a 申万 index code such as 801080'",
            ),
            _bad_date("date"),
            *_bad_number("close", "> 0", required=True),
            (
                "p.level_raw IS NOT NULL AND coalesce(p.level NOT IN (1, 2, 3), true)",
                "'level ''' || p.level_raw || ''' is not 1, 2 or 3; expected the index''s level'",
            ),
        ],
    ),
    "cn-bars": Spec(
        ("symbol", "date", "open", "high", "low", "close", "volume", "amount"),
        ("pre_close", "source"),
        {
            "symbol": _code("symbol"),
            "date": _date("date"),
            **{c: _num(c) for c in _PRICE_COLS},
            "source": f"coalesce({_text('source')}, w.name)",
        },
        [
            *_bad_code(),
            _bad_date("date"),
            *_bad_number("close", "> 0", required=True),
            *(rule for c in ("open", "high", "low", "pre_close") for rule in _bad_number(c, "> 0")),
            *(rule for c in ("volume", "amount") for rule in _bad_number(c, ">= 0")),
            (
                "p.high < p.low",
                "'high ' || p.high_raw || ' is below low ' || p.low_raw || '; expected high ≥ low'",
            ),
            (
                "p.date > getvariable('sectorweekly_today')",
                "'date ' || p.date || ' is after today; expected no bars from the future'",
            ),
            (
                "_s.date IS NULL",
                "'date ' || p.date || ' is not a CN_A trading session; expected a trading day'",
            ),
            (
                "_l.symbol IS NULL",
                "'bars for ' || p.symbol || ', which is not in universe.csv; expected a stock "
                "listed there (or no universe.csv: the codes'' shapes make the universe)'",
            ),
        ],
    ),
}
