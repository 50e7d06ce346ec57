"""The analysis cache's key covers everything a cached part reads: every field of the gathered
week but its notes (read by the notes part alone, which is never cached)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sectorweekly.analysis.market import Window
from sectorweekly.build import cache as build_cache
from sectorweekly.build.flow import assemble
from sectorweekly.build.week import CurrentRating, Week, gather
from sectorweekly.desk.parse import load_desk
from sectorweekly.parts import PARTS
from sectorweekly.series.archive import ArchivedIssue

START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)


def _changed(week: Week) -> dict[str, object]:
    """Another value for each keyed field of the week."""
    issue = ArchivedIssue.model_construct(
        publication_date=dt.date(2024, 10, 3),
        kind="backfill",
        recorded_at=dt.datetime(2026, 11, 27, 3, 0),
        series=week.desk.series,
    )
    return {
        "window": Window(START - dt.timedelta(days=7), END),
        "published": week.published + dt.timedelta(days=1),
        "desk": week.desk.model_copy(update={"risks": ["另一条风险"]}),
        "ratings": {**week.ratings, "688981": CurrentRating("持有", False, "initiate")},
        "archive": (issue,),
        "store": week.store.with_name("other.duckdb"),
        # a closure the store shows in a provisional year
        "calendars": week.calendars.with_inferred("CN_A", [dt.date(2099, 1, 2)]),
        "lang": "en",  # the English edition's words
    }


def test_every_field_a_cached_part_reads_changes_the_key(demo_store, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    week = gather(load_desk(), START, END)
    changed = _changed(week)
    fields = {f.name for f in dataclasses.fields(Week)}
    assert fields == set(changed) | set(build_cache.NOT_KEYED)  # a new field needs a decision
    key = build_cache.analysis_key(week, PARTS)
    for name, value in changed.items():
        other = dataclasses.replace(week, **{name: value})
        assert build_cache.analysis_key(other, PARTS) != key, name
    for name in build_cache.NOT_KEYED:
        other = dataclasses.replace(week, **{name: None if name == "notes" else ()})
        if name == "notes_file":
            other = dataclasses.replace(week, notes_file=week.notes_file.with_name("x.md"))
        assert build_cache.analysis_key(other, PARTS) == key, name


def test_a_cached_build_equals_a_computed_one_and_reads_the_notes_again(demo_store, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    week = gather(load_desk(), START, END)
    first, said = assemble(week)
    build_cache._MEMORY.clear()  # the second build reads the disk cache
    plain = dataclasses.replace(week, notes=None)  # the notes part is never cached
    second, said_again = assemble(plain)
    assert second.review == first.review
    assert [t.model_dump() for t in second.tables] == [t.model_dump() for t in first.tables]
    assert not [s for s in second.sections if s.key.startswith("news_")]
    assert second.front.headline_suggested and not first.front.headline_suggested
    notes_said = [m for m in said if m.startswith("notes: ")]
    notes_said_again = [m for m in said_again if m.startswith("no notes for")]
    assert len(notes_said) == len(notes_said_again) == 1
    assert [m for m in said_again if m not in notes_said_again] == [
        m for m in said if m not in notes_said
    ]
