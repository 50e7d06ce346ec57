"""``sectorweekly update``: fetch the daily bars the store lacks, source by source, symbol by
symbol.

plan.py decides what is missing (exchange calendars, current time vs close), resilience.py
retries and paces requests, checks.py vets rows before they are written, run.py ties them
together with one writer, console.py shows progress and the summary.

May import providers, the store (through its one writer), ``desk``, ``markets`` and the core;
never analysis results, narrative, parts or renderers.
"""
