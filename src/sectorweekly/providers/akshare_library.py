"""The installed AKShare library as the provider calls it: checked calls, a thread-safe V8, and
an index map that spares Eastmoney's paged index list.

Kept apart from the provider because each piece patches or inspects the library itself; the
provider only decides what to ask and reads the answers.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..markets import codes

# AKShare's Sina functions run Sina's decoder in a V8 isolate (py-mini-racer), which is not safe
# to use from several threads at once: one lock for the whole process, held around each use of
# an isolate (made, run, freed) and never around the HTTP request, so a stalled Sina request
# does not hold up the other threads' decoding.
V8_LOCK = threading.RLock()
_V8_METHODS = ("__init__", "eval", "execute", "call", "_free", "__del__")


def serialise_v8() -> None:
    """Make every use of py-mini-racer's isolates take ``V8_LOCK`` (once per process)."""
    try:
        racer = importlib.import_module("py_mini_racer")
    except ImportError:
        return
    base = racer.MiniRacer
    if getattr(base, "_sectorweekly_serial", False):
        return

    def locked(name: str) -> Callable[..., Any]:
        method = getattr(base, name)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            with V8_LOCK:
                return method(self, *args, **kwargs)

        return call

    attrs: dict[str, Any] = {n: locked(n) for n in _V8_METHODS if hasattr(base, n)}
    attrs["_sectorweekly_serial"] = True
    racer.MiniRacer = type("SerialMiniRacer", (base,), attrs)


def library_call(function: str, **kwargs: Any) -> pd.DataFrame:
    """Call ``akshare.<function>``; an argument the installed version lacks is an error."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # a paged answer's bar would cut the console
    ak = importlib.import_module("akshare")
    fn = getattr(ak, function, None)
    if fn is None:
        raise Unsupported(f"akshare has no {function}()")
    accepted = inspect.signature(fn).parameters
    missing = [k for k in kwargs if k not in accepted]
    if missing:
        raise Unsupported(f"akshare.{function}() takes no {', '.join(missing)} argument")
    return fn(**kwargs)


class Unsupported(Exception):
    """The installed AKShare does not match what the provider calls."""


# Eastmoney's market id of the indices desks track: 1 Shanghai (SSE and CSI), 0 Shenzhen.
INDEX_MARKETS = {
    "000300": 1,
    "000001": 1,
    "000016": 1,
    "000905": 1,
    "000688": 1,
    "399001": 0,
    "399006": 0,
}
EM_EXCHANGE_MARKET = {"SH": 1, "SZ": 0, "BJ": 0}


def index_market(symbol: str) -> int | None:
    """Eastmoney's market id of an A-share index: known ones, else from the code's exchange."""
    if symbol in INDEX_MARKETS:
        return INDEX_MARKETS[symbol]
    return EM_EXCHANGE_MARKET.get(codes.a_share_exchange(symbol, kind="index") or "")


class IndexIds:
    """Index code -> Eastmoney market id, read by ``index_zh_a_hist`` in place of the list.

    ``index_zh_a_hist`` first reads ``index_code_id_map_em()``, which pages through Eastmoney's
    whole index list (~44 requests with sleeps between them) only to learn the market of one
    code. The ids are known from the code (``index_market``), so the library reads this map
    instead and asks ``secid=<market>.<code>`` directly: one request, two when Eastmoney does
    not know the code there (the library then tries CSI's market 2). A code whose market is
    not known is left out; the library then tries the markets in turn.
    """

    def __init__(self) -> None:
        self.codes: dict[str, int] = dict(INDEX_MARKETS)
        self.lock = threading.Lock()

    def add(self, symbol: str) -> None:
        market = index_market(symbol)
        if market is not None:
            with self.lock:
                self.codes[symbol] = market

    def lookup(self) -> dict[str, int]:
        with self.lock:
            return dict(self.codes)

    def install(self) -> None:
        """Point the library's list reader at this map (the library looks it up per call)."""
        module = importlib.import_module("akshare.index.index_zh_em")
        if getattr(module.index_code_id_map_em, "__self__", None) is not self:
            module.index_code_id_map_em = self.lookup


INDEX_IDS = IndexIds()  # one per process: every provider instance reads the same map


def library_version() -> str:
    try:
        return importlib.metadata.version("akshare")
    except importlib.metadata.PackageNotFoundError:
        return "none"
