"""Symbols in ``desk.yaml`` as codes, never numbers, and in the store's one canonical form.

YAML reads an unquoted ``002130`` as the octal number 1112; the loader here keeps the text as
written so an A-share code survives, and every symbol key is canonicalised before validation so
errors name the key the analyst wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import DeskError
from ..markets import MARKETS, codes


class _Number(int):
    """An integer read from YAML that remembers how it was written (``002130`` is octal 1112)."""

    text: str


class DeskLoader(yaml.SafeLoader):
    """YAML's safe loader whose integers keep the text they were written as."""


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = _Number(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.text = str(node.value)
    return value


DeskLoader.add_constructor("tag:yaml.org,2002:int", _int)


def codes_as_text(data: dict[str, Any]) -> dict[str, Any]:
    """Symbols written without quotes (002130, 300308) are codes, not numbers: use the text as
    written, never YAML's number (002130 would be read as octal 1112)."""

    def code(v: Any) -> Any:
        return v.text if isinstance(v, _Number) else v

    def codes(v: Any) -> Any:
        return [code(x) for x in v] if isinstance(v, list) else v

    out = dict(data)
    if isinstance(out.get("instruments"), dict):
        out["instruments"] = {code(k): v for k, v in out["instruments"].items()}
    for key, field in (("boards", "members"), ("watch", "names")):
        if isinstance(out.get(key), list):
            out[key] = [
                {**b, field: codes(b.get(field))} if isinstance(b, dict) and field in b else b
                for b in out[key]
            ]
    if isinstance(out.get("benchmarks"), dict):
        out["benchmarks"] = {k: codes(v) for k, v in out["benchmarks"].items()}
    if isinstance(out.get("risks"), list):
        out["risks"] = codes(out["risks"])
    return out


def canonical_symbols(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Every symbol of the desk in the store's one form (``nvda`` -> ``NVDA``, ``700.HK`` ->
    ``0700.HK``, ``600000.SH`` -> ``600000``): instruments (by their market), boards, names to
    watch, benchmarks and the basket. A symbol with no such form, or two keys naming one
    instrument, is an error naming the key."""

    def canon(value: Any, key: str, market: Any = None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return codes.canonical_symbol(value, market if market in MARKETS else None)
        except ValueError as exc:
            raise DeskError(
                path, key, f"symbol '{value}' {exc}; expected {codes.SYMBOL_EXPECTED}"
            ) from None

    def canon_list(values: Any, key: str) -> Any:
        if not isinstance(values, list):
            return values
        return [canon(v, f"{key}[{j}]") for j, v in enumerate(values)]

    out = dict(data)
    if isinstance(out.get("instruments"), dict):
        instruments: dict[Any, Any] = {}
        spelled: dict[Any, Any] = {}
        for key, value in out["instruments"].items():
            market = value.get("market") if isinstance(value, dict) else None
            sym = canon(key, f"instruments.{key}", market)
            if sym in instruments:
                raise DeskError(
                    path,
                    f"instruments.{key}",
                    f"the same instrument as '{spelled[sym]}' (both are {sym}); expected one "
                    "entry per instrument",
                )
            instruments[sym], spelled[sym] = value, key
        out["instruments"] = instruments
    for key, field in (("boards", "members"), ("watch", "names")):
        if isinstance(out.get(key), list):
            out[key] = [
                {**b, field: canon_list(b[field], f"{key}[{i}].{field}")}
                if isinstance(b, dict) and field in b
                else b
                for i, b in enumerate(out[key])
            ]
    if isinstance(out.get("benchmarks"), dict):
        out["benchmarks"] = {
            m: canon_list(v, f"benchmarks.{m}") for m, v in out["benchmarks"].items()
        }
    for section, fields in (("basket", ("members", "benchmark")), ("ratings", ("benchmarks",))):
        block = out.get(section)
        if not isinstance(block, dict):
            continue
        block = dict(block)
        for field in fields:
            value = block.get(field)
            where = f"{section}.{field}"
            if isinstance(value, list):
                block[field] = canon_list(value, where)
            elif isinstance(value, dict):
                block[field] = {m: canon(v, f"{where}.{m}", m) for m, v in value.items()}
            elif value is not None:
                block[field] = canon(value, where)
        out[section] = block
    return out
