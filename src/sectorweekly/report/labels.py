"""The words the renderers print themselves, per edition (``Report.lang``): headings, captions,
来源/Source, dates. The model's own strings were written upstream in the edition's words."""

from __future__ import annotations

import datetime as dt

ZH = {
    "html_lang": "zh-CN",
    "figure": "图表 {n}：{title}",
    "unit": "（单位：{unit}）",
    "source": "来源：",
    "note": "注：",
    "sample": "示例数据",
    "template": "模板文本，请替换为贵机构内容",
    "template_below": "以下为模板文本，请替换为贵机构内容",
    "published": "发布日期：",
    "industry": "行业：",
    "rating": "（{}）",
    "analyst": "分析师：",
    "related": "相关报告",
    "no_related": "暂无往期报告（报告存档中无本系列此前各期）",
    "key_points": "投资要点",
    "figures": "图表",
    "analyst_statement": "分析师声明",
    "ratings": "评级说明",
    "company_ratings": "公司评级",
    "industry_ratings": "行业评级",
    "meaning": "说明",
    "disclaimer": "免责声明",
    "special_statement": "特别声明",
    "image_missing": "（图像文件缺失）",
    "sep": " ｜ ",
    "paren": "（{}）",
    "list": "，",
}
EN = {
    "html_lang": "en",
    "figure": "Figure {n}: {title}",
    "unit": " (unit: {unit})",
    "source": "Source: ",
    "note": "Note: ",
    "sample": "Sample data",
    "template": "Template text: replace with your firm's",
    "template_below": "The text below is the project's template: replace it with your firm's",
    "published": "Published: ",
    "industry": "Industry: ",
    "rating": " ({})",
    "analyst": "Analyst: ",
    "related": "Related reports",
    "no_related": "No earlier issues (the series archive holds none before this one)",
    "key_points": "Key points",
    "figures": "Figures",
    "analyst_statement": "Analyst certification",
    "ratings": "Rating definitions",
    "company_ratings": "Company rating",
    "industry_ratings": "Industry rating",
    "meaning": "Definition",
    "disclaimer": "Disclaimer",
    "special_statement": "Important disclosures",
    "image_missing": "(image file missing)",
    "sep": " | ",
    "paren": " ({})",
    "list": ", ",
}


def labels(lang: str) -> dict[str, str]:
    return EN if lang == "en" else ZH


def long_date(day: dt.date, lang: str) -> str:
    """`2024年10月10日` or `10 Oct 2024`."""
    return f"{day.day} {day:%b %Y}" if lang == "en" else f"{day:%Y年%m月%d日}"


def day_text(day: dt.date, lang: str) -> str:
    """A date in a heading or a list: `2024-10-10`, or `10 Oct 2024` in the English edition."""
    return f"{day.day} {day:%b %Y}" if lang == "en" else day.isoformat()


def rating_name(name: str, name_en: str, lang: str) -> str:
    """`买入（Buy）` in the Chinese edition; the English edition's rows are English already."""
    return name if lang == "en" or not name_en else f"{name}（{name_en}）"
