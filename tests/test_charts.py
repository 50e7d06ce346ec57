"""Chart images: a real CJK font (no boxes), every kind drawn, numbered files, and the cache."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import warnings

import pytest
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from PIL import Image

from sectorweekly.report import charts
from sectorweekly.report.charts import ChartStats, FontError, draw_charts, render_figure
from sectorweekly.report.model import (
    Chart,
    Closing,
    FrontMatter,
    Report,
    Review,
    Section,
    Table,
    WindowOut,
)

CJK = "寒武纪、海光信息：增幅显著（非完全统计）～—“示例”"


def bar(**kw) -> Chart:
    spec = {
        "key": "ratings",
        "title": "评级分布",
        "unit": "家",
        "kind": "bar",
        "data": {
            "categories": ["买入", "持有", "中性"],
            "series": [
                {"name": "9月", "values": [3, None, 1]},
                {"name": "10月（非完全统计）", "values": [2, 2, 1], "partial": True},
            ],
        },
        "source": "本地数据库",
        "sample": True,
    }
    spec.update(kw)
    return Chart(**spec)


def line() -> Chart:
    days = [dt.date(2024, 9, 2) + dt.timedelta(weeks=i) for i in range(6)]
    return Chart(
        key="gpu:H100",
        title="H100价格走势（全新/二手）",
        unit="美元",
        kind="line",
        data={
            "categories": [d.isoformat() for d in days],
            "series": [
                {"name": "全新", "color": "#1f5fbf", "values": [30000, 29800, None, 29500, 29200, 29000]},
                {"name": "二手", "color": "#d62728", "values": [23000, 22900, 22950, 22800, 22700, 22840]},
            ],
        },
        source="示例数据（虚构数值）",
    )  # fmt: skip


def table() -> Table:
    return Table(
        key="review_table",
        title="算力板块标的周度表现",
        unit="%",
        columns=["公司", "代码", "周涨跌幅"],
        rows=[
            ["寒武纪", "688256", "+28.48%"],
            ["商汤科技", "0020.HK", "-17.92%"],
            [CJK, "-", "停牌"],
        ],
        source="交易所行情",
    )


def report_with(*figures: Chart | Table) -> Report:
    """A minimal report holding these figures in one section, numbered as the build does."""
    day = dt.date(2024, 10, 9)
    r = Report(
        front=FrontMatter(
            title="t", headline="t", headline_suggested=True, series="算力周跟踪", firm="f",
            firm_template=True, industry="电子", industry_rating="", analysts=[],
            publication_date=day, generated_at=dt.datetime(2024, 10, 10),
        ),
        key_points=[],
        review=Review(
            window=WindowOut(start=day, end=day, label="1009-1009"), markets={}, boards=[],
            benchmarks=[], watch=[], summary_zh="", items_zh=[], as_of_note="", sources=[],
        ),
        sections=[Section(key="s", title="s", order=1, figures=[f.key for f in figures])],
        tables=[f for f in figures if isinstance(f, Table)],
        charts=[f for f in figures if isinstance(f, Chart)],
        closing=Closing(
            analyst_statement="", disclaimer="", special_statement="", copyright="",
            company_ratings=[], industry_ratings=[], benchmarks_text="", template=True,
        ),
    )  # fmt: skip
    r.number_figures()
    return r


def test_the_sans_serif_font_is_noto_sans_sc():
    registered = charts.font_path()
    path = findfont(FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert path == str(registered)
    assert path.endswith("NotoSansSC-Regular.otf")


def test_every_kind_draws_cjk_without_a_missing_glyph_warning(tmp_path):
    report = report_with(table(), bar(), line())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = draw_charts(report, tmp_path, cache_dir=tmp_path / "cache")
    glyph = [str(w.message) for w in caught if "missing" in str(w.message).lower()]
    assert glyph == []
    assert [p.name for p in files] == ["figure_01.png", "figure_02.png", "figure_03.png"]
    sizes = {p.name: Image.open(p).size for p in files}
    assert sizes["figure_02.png"] == (1200, 660)  # 8 x 4.4 in at 150 dpi
    assert sizes["figure_03.png"] == (1200, 630)
    assert sizes["figure_01.png"][0] == 1200
    assert [report.figure(k).file for k in ("review_table", "ratings", "gpu:H100")] == [
        "charts/figure_01.png",
        "charts/figure_02.png",
        "charts/figure_03.png",
    ]


def test_the_missing_glyph_check_is_not_vacuous():
    """With a Latin-only font the same text warns: the test above would catch boxes."""
    with rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        fig = Figure()
        fig.text(0.1, 0.5, "寒武纪")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(io.BytesIO(), format="png")


def test_a_character_outside_the_font_fails_loudly():
    chart = bar(data={"categories": ["豆包🚀"], "series": [{"name": "9月", "values": [1]}]})
    with pytest.raises(FontError, match="figure 'ratings': Noto Sans SC has no glyph for 🚀"):
        render_figure(chart)


def test_unfinished_series_is_hatched_and_lighter():
    fig = render_figure(bar())
    ax = fig.axes[0]
    done, partial = ax.containers[0], ax.containers[1]
    assert {b.get_hatch() for b in partial} == {"///"}
    assert {b.get_alpha() for b in partial} == {0.45}
    assert {b.get_hatch() for b in done} == {None}
    texts = [t.get_text() for t in fig.texts]
    assert "示例数据" in texts  # the sample label is on the image itself
    assert "无数据" in [t.get_text() for t in ax.texts]  # the missing value is shown as missing


def test_line_colours_and_gap_for_missing_point():
    fig = render_figure(line())
    new, used = fig.axes[0].get_lines()
    assert (new.get_label(), new.get_color(), used.get_label(), used.get_color()) == (
        "全新", "#1f5fbf", "二手", "#d62728",
    )  # fmt: skip
    ys = list(new.get_ydata())
    assert ys[2] != ys[2]  # NaN: a gap, not an invented price


def test_unknown_kind_is_an_error():
    with pytest.raises(Exception, match="unknown chart kind 'pie'; expected bar, line"):
        render_figure(bar(kind="pie"))


def test_cache_skips_unchanged_charts_and_redraws_a_changed_one(tmp_path):
    cache = tmp_path / "cache"
    first = ChartStats()
    draw_charts(report_with(table(), bar(), line()), tmp_path / "a", cache, first)
    assert (first.drawn, first.cached) == (3, 0)
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.png")}
    assert len(stamps) == 3

    again = ChartStats()
    draw_charts(report_with(table(), bar(), line()), tmp_path / "b", cache, again)
    assert (again.drawn, again.cached) == (0, 3)
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*.png")} == stamps
    assert (tmp_path / "b" / "charts" / "figure_03.png").read_bytes() == (
        tmp_path / "a" / "charts" / "figure_03.png"
    ).read_bytes()

    changed = line()
    changed.data["series"][0]["values"][-1] = 28000
    third = ChartStats()
    draw_charts(report_with(table(), bar(), changed), tmp_path / "c", cache, third)
    assert (third.drawn, third.cached) == (1, 2)


def test_renumbering_reuses_images_and_drops_stale_files(tmp_path):
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    draw_charts(report_with(table(), bar(), line()), out, cache)
    stats = ChartStats()
    draw_charts(report_with(line()), out, cache, stats)
    assert (stats.drawn, stats.cached) == (0, 1)
    assert sorted(p.name for p in (out / "charts").iterdir()) == ["figure_01.png"]


def test_default_cache_lives_in_the_user_folder():
    home = os.environ["SECTORWEEKLY_HOME"]
    assert str(charts.default_cache_dir()) == os.path.join(home, "cache", "charts")


def test_a_missing_font_fails_loudly(monkeypatch, tmp_path):
    import pylopdf_fonts_zh_cn

    monkeypatch.setattr(pylopdf_fonts_zh_cn, "sans_path", lambda: tmp_path / "gone.otf")
    with pytest.raises(FontError, match=r"gone\.otf: the CJK font file is missing; reinstall"):
        charts._register_font()
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)
    with pytest.raises(FontError, match=r"pylopdf-fonts-zh-cn==0\.1\.1 is not installed"):
        charts._register_font()
