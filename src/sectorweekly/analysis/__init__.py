"""The analysis of a week: typed results (the review, trackers, the series' judgements, the ratings
scorecard), no text.

May import the store (to read), ``markets`` and ``desk`` and the core modules; never narrative,
parts, a renderer or a provider (the scorecard's rating-file reading is listed in the structure
check as a known break).
"""
