"""The CSV importer as a provider: daily bars from price files, for ``update --source csv``.

It answers queries from the same files and with the same checks as ``import prices``
(``csv_prices.read_price_files``), so a desk fed by files and one fed online share one update path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputError
from ..markets.calendars import Calendars
from ..store import PRICE_COLUMNS
from .base import PriceQuery, Provider, Request, register
from .csv_prices import read_price_files

if TYPE_CHECKING:
    from ..desk.parse import Desk


@register
class CsvPricesProvider(Provider):
    name = "csv"

    def __init__(
        self,
        paths: Sequence[Path] = (),
        known_markets: Mapping[str, str] | None = None,
        calendars: Calendars | None = None,
    ) -> None:
        """``calendars``: the desk's (None: the library's and the package's holiday files)."""
        self.paths = [p for path in paths for p in _expand(Path(path))]
        self.known = dict(known_markets or {})
        self.calendars = calendars or Calendars.build()
        self._rows: pd.DataFrame | None = None

    @classmethod
    def for_desk(cls, desk: Desk) -> Provider:
        """The desk's own price files (``seed_prices``)."""
        known = {s: i.market for s, i in desk.instruments.items()}
        paths = [desk.root / entry for entry in desk.seed_prices]
        return cls(paths, known, Calendars.of_desk(desk))

    def unavailable_reason(self) -> str | None:
        return None if self.paths else "no price files given (the desk lists no seed_prices)"

    def _all_rows(self, query: PriceQuery) -> pd.DataFrame:
        if self._rows is None:
            try:  # read together: a dividend file applies to the price files beside it
                self._rows = (
                    read_price_files(self.paths, self.known, calendars=self.calendars)
                    if self.paths
                    else pd.DataFrame()
                )
            except InputError as exc:
                raise self.error("malformed", query, str(exc)) from None
        return self._rows

    def request(self, query: PriceQuery) -> Request:
        return Request("prices", {}, self.name)

    def fetch(self, query: PriceQuery, request: Request) -> pd.DataFrame:
        """Every checked row of the files (read once per provider, together)."""
        return self._all_rows(query)

    def normalise(self, query: PriceQuery, request: Request, raw: pd.DataFrame) -> pd.DataFrame:
        """The query's rows of the files, stamped with when they were read."""
        if raw.empty:
            raise self.error("empty", query, "the price files hold no rows")
        part = raw[
            (raw["symbol"] == query.symbol)
            & (raw["date"] >= query.start)
            & (raw["date"] <= query.end)
        ]
        if part.empty:
            known = query.symbol in set(raw["symbol"])
            raise self.error(
                "empty" if known else "unknown_symbol",
                query,
                f"no rows for {query.start}..{query.end} in {len(self.paths)} price file(s)",
            )
        dupes = part["date"][part["date"].duplicated()]
        if len(dupes):
            raise self.error("malformed", query, f"{dupes.iloc[0]} appears in two files")
        now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s").to_pydatetime()
        return part.assign(fetched_at=now).sort_values("date")[PRICE_COLUMNS].reset_index(drop=True)


def _expand(path: Path) -> list[Path]:
    return sorted(path.glob("*.csv")) if path.is_dir() else [path]
