"""The whole-market week's point-in-time lookups in DuckDB SQL: each stock's 申万 industry and
name on a day, the official 申万 index closes and the share counts near the week's end (the
rows and their limits are ``market_rows`` and ``market_board``)."""

from __future__ import annotations

# each stock's 申万 industry codes on a day (the membership row with the latest included_on):
# its level 1 and level 2
INDUSTRY_SQL = """
SELECT symbol, substr(code, 1, 2) || '0000' AS c1, substr(code, 1, 4) || '00' AS c2
FROM (SELECT symbol, arg_max(industry_code, included_on) AS code
      FROM sw_membership WHERE included_on <= $day GROUP BY symbol)
ORDER BY symbol  -- each industry's sum in one order, so that every build gives the same bits
"""

CODES_SQL = "SELECT industry_code, level1, level2 FROM sw_codes"

# names as of a day (never a later name)
NAMES_SQL = """
SELECT symbol, arg_max(name, start) AS name FROM cn_names
WHERE start <= $day AND coalesce("end", $day) >= $day AND list_contains($symbols, symbol)
GROUP BY symbol
"""

# official 申万 index closes by name, on the base and end sessions
SW_INDEX_SQL = """
SELECT name, level,
    arg_max(close, date) FILTER (WHERE date <= $base) AS base_close,
    arg_max(close, date) FILTER (WHERE date > $base AND date <= $end) AS end_close
FROM sw_index_closes WHERE date BETWEEN $lo AND $end AND name IS NOT NULL
GROUP BY name, level
"""

# share counts within 92 days of the end session (for cap weights)
SHARES_SQL = """
SELECT symbol, arg_min(shares, abs(datediff('day', as_of, $end))) AS shares
FROM shares WHERE abs(datediff('day', as_of, $end)) <= 92 GROUP BY symbol
"""
