"""The demo week's AI大模型跟踪 and GPU价格跟踪: sections, numbered charts, captions, report.json,
every number traced back to the desk's sample CSVs and every use of them labelled 示例数据."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
from PIL import Image

from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.report.markdown import caption

TRACKERS = demo_desk_dir() / "data" / "trackers"
MY_KEYS = [
    "visits:文本-海外",
    "visits:文本-国内",
    "visits:图像",
    "visits:视频",
    "downloads",
    "gpu:H100",
    "gpu:A100",
]


def csv_rows(name: str) -> list[dict[str, str]]:
    with (TRACKERS / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def visits(series: str) -> dict[str, float]:
    return {
        r["period_start"]: float(r["value"])
        for r in csv_rows("site_visits.csv")
        if r["series"] == series
    }


@pytest.fixture(scope="module")
def built(demo_report):
    report, out, _ = demo_report
    return report, out, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_sections_sit_between_the_news_and_the_watch_list(built):
    report, _, _ = built
    keys = [s.key for s in report.sections]
    assert keys.index("ai_tracking") < keys.index("gpu") < keys.index("watch")
    ai = next(s for s in report.sections if s.key == "ai_tracking")
    gpu = next(s for s in report.sections if s.key == "gpu")
    assert (ai.title, gpu.title) == ("AI大模型跟踪", "GPU价格跟踪")
    assert ai.figures == MY_KEYS[:5] and gpu.figures == MY_KEYS[5:]
    assert ai.sample and gpu.sample


def test_charts_are_numbered_in_reading_order_after_the_review_table(built):
    report, out, _ = built
    numbers = [report.figure(k).number for k in ["review_table", *MY_KEYS]]
    assert numbers == list(range(numbers[0], numbers[0] + 8))
    for key in ["review_table", *MY_KEYS]:
        f = report.figure(key)
        assert f.file == f"charts/figure_{f.number:02d}.png"
        with Image.open(out / f.file) as img:
            assert img.format == "PNG" and img.size[0] == 1200


def test_captions_sources_and_sample_notes_in_markdown_and_html(built):
    report, out, _ = built
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    for key in MY_KEYS:
        c = report.figure(key)
        cap = caption(c.number, c.title, c.unit)
        assert f"**{cap}**\n\n![{c.title}]({c.file})" in md.replace("\\", "")
        assert cap in html
        assert (
            c.sample
            and "示例数据：数值为演示用虚构数据，并非真实统计，请以贵机构数据源替换" in c.notes
        )
        assert c.source == "示例数据（虚构数值）"
    assert "图表 2：网站周访问量：文本大模型（海外）（单位：万次）" in md
    assert "图表 6：国内主要大模型应用月度下载量（单位：万次）" in md
    assert "图表 7：H100价格走势（全新/二手）（单位：美元）" in md
    assert "来源：示例数据（虚构数值）" in md
    downloads = report.figure("downloads")
    assert downloads.notes[1:3] == ["10月数据为非完全统计", "文小言即为原文心一言"]


def test_visits_chart_holds_the_two_latest_weeks_from_the_csv(built):
    report, _, _ = built
    chart = report.figure("visits:文本-海外")
    assert [s["name"] for s in chart.data["series"]] == ["0920-0926", "0927-1003"]
    names = chart.data["categories"]
    assert names[0] == "ChatGPT"  # largest first
    for i, name in enumerate(names):
        v = visits(name)
        assert chart.data["series"][0]["values"][i] == v["2024-09-20"]
        assert chart.data["series"][1]["values"][i] == v["2024-09-27"]


def test_downloads_chart_marks_october_unfinished(built):
    report, _, _ = built
    chart = report.figure("downloads")
    series = chart.data["series"]
    assert [s["name"] for s in series] == ["6月", "7月", "8月", "9月", "10月（非完全统计）"]
    assert [s["partial"] for s in series] == [False] * 4 + [True]
    rows = {r["month"]: r for r in csv_rows("app_downloads.csv")}
    i = chart.data["categories"].index("豆包")
    assert series[-1]["values"][i] == float(rows["2024-10"]["豆包"])


def test_gpu_chart_new_blue_used_red_to_the_report_date(built):
    report, _, _ = built
    chart = report.figure("gpu:H100")
    assert [(s["name"], s["color"]) for s in chart.data["series"]] == [
        ("全新", "#1f5fbf"),
        ("二手", "#d62728"),
    ]
    assert chart.data["categories"][-1] == "2024-10-07"  # the last price on or before 10-09


def test_report_json_trackers_trace_to_the_csv(built):
    _, _, doc = built
    t = doc["extras"]["trackers"]
    assert (t["data_period"], t["sample"], t["as_of"]) == ("0920-1003", True, "2024-10-09")
    assert t["notes"] == ["10月数据为非完全统计", "文小言即为原文心一言"]
    by = {(s["category"], s["series"]): s for s in t["series"]}
    claude = by[("visits", "Claude")]
    v = visits("Claude")
    assert claude["latest"]["value"] == v["2024-09-27"]
    assert claude["change_pct"] == round((v["2024-09-27"] / v["2024-09-20"] - 1) * 100, 2)
    assert (claude["trend"], claude["word"]) == ("surge", "增幅显著")
    assert claude["sentence"].startswith("Claude本周访问量增幅显著（示例数据，0927-1003：")
    doubao = by[("downloads", "豆包")]
    assert doubao["latest"]["period_start"] == "2024-09-01"  # the last finished month
    assert doubao["unfinished"] == {
        "period_start": "2024-10-01",
        "period_end": "2024-10-31",
        "value": 820.0,
    }
    assert by[("downloads", "文小言")]["alias_of"] == "文心一言"
    words = {s["word"] for s in t["series"]}
    assert {"增幅显著", "有所提高", "基本持平", "有所回落", "持续攀升", "持续下滑"} <= words
    assert all(s["sample"] and "示例数据" in s["sentence"] for s in t["series"])


def test_gpu_four_week_change_from_the_csv(built):
    _, _, doc = built
    prices = {
        (r["model"], r["condition"], r["date"]): float(r["price"])
        for r in csv_rows("gpu_prices.csv")
    }
    (h100_new,) = [
        g
        for g in doc["extras"]["trackers"]["gpu"]
        if g["model"] == "H100" and g["condition"] == "new"
    ]
    latest, base = dt.date(2024, 10, 7), dt.date(2024, 9, 9)
    assert (h100_new["date"], h100_new["base_date"]) == (latest.isoformat(), base.isoformat())
    expected = (
        prices[("H100", "new", latest.isoformat())] / prices[("H100", "new", base.isoformat())] - 1
    )
    assert h100_new["change_pct"] == round(expected * 100, 2)
    assert "示例数据" in h100_new["sentence"]


def test_every_tracker_paragraph_is_labelled_sample(built):
    report, _, _ = built
    for key in ("ai_tracking", "gpu"):
        section = next(s for s in report.sections if s.key == key)
        for p in section.paragraphs:
            if not p.text.startswith("注："):
                assert "示例数据" in p.text, p.text


def test_sample_label_is_drawn_in_red_on_every_tracker_image(built):
    report, out, _ = built
    for key in MY_KEYS:
        with Image.open(out / report.figure(key).file) as img:
            w, h = img.size
            corner = img.convert("RGB").crop((int(w * 0.85), 0, w, int(h * 0.08)))
            px = np.asarray(corner).reshape(-1, 3).astype(int)
            red = int(((px[:, 0] > 150) & (px[:, 1] < 60) & (px[:, 2] < 60)).sum())
            assert red > 200, key  # the 示例数据 box in the top-right corner
