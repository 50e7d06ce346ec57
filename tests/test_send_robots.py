"""The WeCom, DingTalk and Feishu channels against a local server that behaves as their webhooks.

The server (tests/robot_server.py) checks keys, signatures (its own code for each documented
algorithm), byte limits and image digests, and answers the robots' error codes; the channels
post over real HTTP. Clock and sleep are the test's, so pacing and back-off are decided and
checked without waiting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from robot_server import Planned, Robots, planned_html, planned_json, robot_server
from sectorweekly.send.channel import ChannelError, Summary
from sectorweekly.send.dingtalk import DingtalkChannel
from sectorweekly.send.feishu import BODY_LIMIT, FeishuChannel
from sectorweekly.send.robot import _WINDOWS
from sectorweekly.send.wecom import WecomChannel

WECOM_KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN, DING_SECRET = (
    "d1a2b3c4",
    "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7",
)
FEISHU_HOOK, FEISHU_SECRET = "5e3d587e-d78e-4a07-bd07-265f269f86fd", "nIMtb7r3N9pkXyXdtAbx6e"
ENV = {
    "SW_WECOM_KEY": WECOM_KEY,
    "SW_DING_TOKEN": DING_TOKEN,
    "SW_DING_SECRET": DING_SECRET,
    "SW_FEISHU_HOOK": FEISHU_HOOK,
    "SW_FEISHU_SECRET": FEISHU_SECRET,
}


class FakeTime:
    """The test's clock: ``sleep`` moves it on and remembers every wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def robots() -> Iterator[tuple[Robots, str, FakeTime]]:
    _WINDOWS.clear()
    fake = FakeTime()
    state = Robots(
        wecom_keys={WECOM_KEY},
        dingtalk={DING_TOKEN: DING_SECRET},
        feishu={FEISHU_HOOK: FEISHU_SECRET},
        clock=fake.clock,
    )
    with robot_server(state) as base:
        yield state, base, fake


@functools.cache
def _chart_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 2))
    figure.add_subplot().plot([1, 3, 2, 4])
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _summary(tmp_path: Path, points: int = 5, rows: int = 12, **more) -> Summary:
    pdf = tmp_path / "算力周跟踪20241011.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 50_000 + b"\n%%EOF\n")
    header = ("公司", "代码", "收盘价（元）", "周涨跌幅", "评级")
    table = [header] + [
        (f"公司{i}", f"3003{i:02d}", f"{50 + i:.2f}", f"{(i % 7) - 3:+.2f}%", "买入")
        for i in range(rows)
    ]
    text = "本周算力板块跑赢沪深300，光模块与液冷订单继续上修，海外云厂商资本开支指引上调。" * 3
    return Summary(
        title="算力周跟踪（2024年10月8日—10月11日）",
        issue_date=dt.date(2024, 10, 11),
        period="2024-10-08 至 2024-10-11",
        points=tuple(f"要点{i}：{text}" for i in range(1, points + 1)),
        table=tuple(table),
        chart_png=_chart_png(),
        pdf=pdf,
        **more,
    )


def _wecom(base: str, fake: FakeTime, target: str = "team") -> WecomChannel:
    config = {"channel": "wecom", "key_env": "SW_WECOM_KEY", "base_url": base}
    return WecomChannel(target, config, ENV, clock=fake.clock, sleep=fake.sleep)


def _dingtalk(base: str, fake: FakeTime, env: dict[str, str] = ENV) -> DingtalkChannel:
    config = {"access_token_env": "SW_DING_TOKEN", "secret_env": "SW_DING_SECRET", "base_url": base}
    return DingtalkChannel("ding", config, env, clock=fake.clock, sleep=fake.sleep)


def _feishu(base: str, fake: FakeTime, env: dict[str, str] = ENV) -> FeishuChannel:
    config = {"hook_env": "SW_FEISHU_HOOK", "secret_env": "SW_FEISHU_SECRET", "base_url": base}
    return FeishuChannel("lark", config, env, clock=fake.clock, sleep=fake.sleep)


# --- WeCom ----------------------------------------------------------------------------------


def test_wecom_sends_the_parts_in_order_then_the_chart_then_the_pdf(robots, tmp_path):
    state, base, fake = robots
    summary = _summary(tmp_path, points=12)
    channel = _wecom(base, fake)
    pieces = channel.pieces(summary)

    kinds = [p.kind for p in pieces]
    assert kinds[-2:] == ["image", "file"] and set(kinds[:-2]) == {"markdown"}
    parts = len(kinds) - 2
    assert parts >= 2  # twelve points of ~130 characters: more than 4,096 bytes
    assert [p.label for p in pieces[:parts]] == [
        f"markdown ({i}/{parts})" for i in range(1, parts + 1)
    ]
    assert all(p.size == len(p.body) <= 4096 for p in pieces[:parts])
    assert pieces[-1].label == "file 算力周跟踪20241011.pdf" and pieces[-1].size == 50_016

    for piece in pieces:
        channel.deliver(piece)

    sent = state.of("wecom")
    assert [m.json["msgtype"] for m in sent] == ["markdown"] * parts + ["image", "file"]
    texts = [m.json["markdown"]["content"] for m in sent[:parts]]
    assert [t.split("\n")[0] for t in texts] == [f"({i}/{parts})" for i in range(1, parts + 1)]
    whole = "".join(texts)
    assert "# 算力周跟踪（2024年10月8日—10月11日）" in texts[0]
    assert "公司11：代码 300311，收盘价（元） 61.00，周涨跌幅 +1.00%，评级 买入" in whole
    assert "|" not in whole  # WeCom markdown has no tables
    upload = state.of("wecom-upload")[0]
    name, data = state.media[sent[-1].json["file"]["media_id"]]
    assert (name, data) == ("算力周跟踪20241011.pdf", summary.pdf.read_bytes())
    assert upload.query["type"] == "file"


def test_wecom_invalid_key_is_one_line_naming_the_config_key(robots, tmp_path):
    _, base, fake = robots
    env = {**ENV, "SW_WECOM_KEY": "not-a-key"}
    config = {"channel": "wecom", "key_env": "SW_WECOM_KEY", "base_url": base}
    channel = WecomChannel("team", config, env, clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(ChannelError) as caught:
        channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert (
        caught.value.line
        == "wecom: 93000 invalid webhook key; check distribution.targets.team.key_env"
    )
    assert not caught.value.transient and "not-a-key" not in caught.value.line


def test_wecom_key_given_as_the_whole_webhook_url(robots, tmp_path):
    state, base, fake = robots
    env = {
        **ENV,
        "SW_WECOM_KEY": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
    }
    config = {"key_env": "SW_WECOM_KEY", "base_url": base}
    channel = WecomChannel("team", config, env, clock=fake.clock, sleep=fake.sleep)
    channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert len(state.of("wecom")) == 1


def test_a_web_page_answer_is_refused_in_one_line(robots, tmp_path):
    state, base, fake = robots
    state.plan("wecom", planned_html())
    channel = _wecom(base, fake)
    with pytest.raises(ChannelError) as caught:
        channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert caught.value.line == "wecom: the webhook answered with a web page, not JSON"
    assert len(state.received) == 1  # not retried


def test_wecom_retries_429_and_its_rate_limit_code_then_delivers(robots, tmp_path):
    state, base, fake = robots
    state.plan(
        "wecom",
        Planned(429, b"", (("Retry-After", "7"),)),
        planned_json({"errcode": 45009, "errmsg": "api freq out of limit"}),
        Planned(503, b"busy"),
    )
    channel = _wecom(base, fake)
    channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert channel.robot.retry_waits == [7.0, 60.0, 4.0]  # Retry-After, a minute, back-off
    assert len(state.received) == 4 and len(state.of("wecom")) == 1


def test_wecom_gives_up_after_four_tries_as_a_transient_error(robots, tmp_path):
    state, base, fake = robots
    state.plan("wecom", *[Planned(502, b"bad gateway")] * 4)
    channel = _wecom(base, fake)
    with pytest.raises(ChannelError) as caught:
        channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert caught.value.line == "wecom: HTTP 502 from the webhook (gave up after 4 tries)"
    assert caught.value.transient and channel.robot.retry_waits == [1.0, 2.0, 4.0]


def test_an_unreachable_webhook_is_retried_then_one_transient_line(tmp_path):
    _WINDOWS.clear()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = FakeTime()
    channel = _wecom(f"http://127.0.0.1:{port}", fake)
    with pytest.raises(ChannelError) as caught:
        channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    line = caught.value.line
    assert line.startswith("wecom: could not reach the webhook (")
    assert line.endswith("(gave up after 4 tries)") and "\n" not in line
    assert caught.value.transient and WECOM_KEY not in line
    assert channel.robot.retry_waits == [1.0, 2.0, 4.0]


def test_wecom_paces_twenty_messages_a_minute_per_robot(robots, tmp_path):
    state, base, fake = robots
    # Two targets on the same robot share its window.
    first, second = _wecom(base, fake, "team"), _wecom(base, fake, "desk")
    piece = first.pieces(_summary(tmp_path, points=1))[0]
    for i in range(25):
        (first if i % 2 else second).deliver(piece)
    times = [m.at - 1000.0 for m in state.of("wecom")]
    assert len(times) == 25
    assert times[:20] == [0.0] * 20 and times[20:] == [61.0] * 5
    for t in times:  # never more than 20 in any minute
        assert sum(1 for u in times if t <= u < t + 60) <= 20
    assert first.robot.window is second.robot.window


def test_wecom_refuses_a_pdf_over_twenty_megabytes(robots, tmp_path):
    _, base, fake = robots
    big = tmp_path / "周报.pdf"
    big.write_bytes(b"%PDF" + b"0" * (20 * 1024 * 1024 - 3))
    summary = _summary(tmp_path, points=1)
    with pytest.raises(ChannelError) as caught:
        _wecom(base, fake).pieces(dataclasses.replace(summary, pdf=big))
    assert caught.value.line == (
        "wecom: 周报.pdf is 20,971,521 bytes; a WeCom file is 6 to 20,971,520 bytes"
    )


def test_a_missing_secret_names_the_config_key_and_the_variable():
    with pytest.raises(ChannelError) as caught:
        WecomChannel("team", {"key_env": "SW_WECOM_KEY"}, {})
    assert caught.value.line == (
        "wecom: distribution.targets.team.key_env names SW_WECOM_KEY, which is not set"
    )
    with pytest.raises(ChannelError) as caught:
        DingtalkChannel("ding", {"access_token_env": "SW_DING_TOKEN"}, ENV)
    assert caught.value.line == (
        "dingtalk: distribution.targets.ding.secret_env is missing; expected the name of an "
        "environment variable"
    )


# --- DingTalk -------------------------------------------------------------------------------


def test_dingtalk_signs_every_request_and_shows_the_chart_by_link(robots, tmp_path):
    state, base, fake = robots
    summary = _summary(
        tmp_path,
        points=3,
        link="https://r.example.com/2024-10-11/",
        chart_url="https://r.example.com/c.png",
    )
    channel = _dingtalk(base, fake)
    pieces = channel.pieces(summary)
    assert [p.kind for p in pieces] == ["markdown"]  # no file, no upload: links only
    for piece in pieces:
        channel.deliver(piece)
    (sent,) = state.of("dingtalk")
    text = sent.json["markdown"]["text"]
    assert sent.json["markdown"]["title"] == summary.title
    assert "![图表1](https://r.example.com/c.png)" in text
    assert "- 公司0：代码 300300，收盘价（元） 50.00，周涨跌幅 -3.00%，评级 买入" in text
    assert text.endswith("[阅读全文](https://r.example.com/2024-10-11/)")


def test_dingtalk_splits_beyond_twenty_thousand_bytes(robots, tmp_path):
    state, base, fake = robots
    channel = _dingtalk(base, fake)
    pieces = channel.pieces(_summary(tmp_path, points=3, rows=400))
    assert len(pieces) >= 2 and all(p.size <= 20_000 for p in pieces)
    for piece in pieces:
        channel.deliver(piece)
    assert len(state.of("dingtalk")) == len(pieces)  # the server enforces its 20,000 bytes


def test_dingtalk_wrong_secret_is_310000_in_one_line(robots, tmp_path):
    state, base, fake = robots
    channel = _dingtalk(base, fake, {**ENV, "SW_DING_SECRET": "SECwrong"})
    with pytest.raises(ChannelError) as caught:
        channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert caught.value.line == (
        "dingtalk: 310000 signature, keyword or IP whitelist refused; check "
        "distribution.targets.ding.secret_env and the robot's security settings"
    )
    assert "SECwrong" not in caught.value.line and len(state.received) == 1


def test_dingtalk_rate_limit_code_is_retried_after_a_minute(robots, tmp_path):
    state, base, fake = robots
    state.plan("dingtalk", planned_json({"errcode": 130101, "errmsg": "send too fast"}))
    channel = _dingtalk(base, fake)
    channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert channel.robot.retry_waits == [60.0] and len(state.of("dingtalk")) == 1


# --- Feishu ---------------------------------------------------------------------------------


def test_feishu_signs_with_its_own_scheme_and_draws_the_table(robots, tmp_path):
    state, base, fake = robots
    channel = _feishu(base, fake)
    pieces = channel.pieces(_summary(tmp_path, points=3, link="https://r.example.com/x"))
    assert [p.label for p in pieces] == ["card"]
    channel.deliver(pieces[0])
    (sent,) = state.of("feishu")
    assert sent.json["msg_type"] == "interactive"
    card = sent.json["card"]
    assert card["header"]["title"]["content"] == "算力周跟踪（2024年10月8日—10月11日）"
    text = card["body"]["elements"][0]["content"]
    assert "| 公司 | 代码 | 收盘价（元） | 周涨跌幅 | 评级 |" in text
    assert "| 公司11 | 300311 | 61.00 | +1.00% | 买入 |" in text
    assert len(sent.body) == pieces[0].size  # the size counted is the body posted


def test_feishu_keeps_every_request_within_twenty_kilobytes(robots, tmp_path):
    state, base, fake = robots
    channel = _feishu(base, fake)
    pieces = channel.pieces(_summary(tmp_path, points=3, rows=900))
    assert len(pieces) >= 3 and all(p.size <= BODY_LIMIT for p in pieces)
    for piece in pieces:
        channel.deliver(piece)
    sent = state.of("feishu")
    assert len(sent) == len(pieces) and max(len(m.body) for m in sent) <= BODY_LIMIT
    for i, message in enumerate(sent, 1):
        text = message.json["card"]["body"]["elements"][0]["content"]
        assert text.startswith(f"({i}/{len(sent)})\n")
        if i > 1:  # the table goes on under its header
            assert "| 公司 | 代码 | 收盘价（元） | 周涨跌幅 | 评级 |\n| --- |" in text


def test_feishu_paces_five_a_second(robots, tmp_path):
    state, base, fake = robots
    channel = _feishu(base, fake)
    piece = channel.pieces(_summary(tmp_path, points=1))[0]
    for _ in range(12):
        channel.deliver(piece)
    times = [m.at - 1000.0 for m in state.of("feishu")]
    assert times == pytest.approx([0.0] * 5 + [1.1] * 5 + [2.2] * 2)


def test_feishu_wrong_secret_and_bad_request_are_one_line_each(robots, tmp_path):
    state, base, fake = robots
    channel = _feishu(base, fake, {**ENV, "SW_FEISHU_SECRET": "wrong"})
    piece = channel.pieces(_summary(tmp_path, points=1))[0]
    with pytest.raises(ChannelError) as caught:
        channel.deliver(piece)
    assert caught.value.line == (
        "feishu: 19021 signature refused (sign match fail, or the clock is more than an hour "
        "off); check distribution.targets.lark.secret_env"
    )
    state.plan("feishu", planned_json({"code": 9499, "msg": "Bad Request"}, status=400))
    with pytest.raises(ChannelError) as caught:
        _feishu(base, fake).deliver(piece)
    assert caught.value.line == "feishu: 9499 bad request"


def test_feishu_rate_limit_waits_as_the_server_says(robots, tmp_path):
    state, base, fake = robots
    state.plan(
        "feishu",
        planned_json({"code": 11232, "msg": "frequency limited"}),
        Planned(429, b'{"code": 99991400}', (("x-ogw-ratelimit-reset", "3"),)),
    )
    channel = _feishu(base, fake)
    channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert channel.robot.retry_waits == [2.0, 3.0] and len(state.of("feishu")) == 1


# --- each channel from the summary ------------------------------------------------------------


def test_one_channels_shortening_never_reaches_another(robots, tmp_path):
    _, base, fake = robots
    summary = _summary(tmp_path, points=12, link="https://r.example.com/x")
    wecom = _wecom(base, fake).pieces(summary)
    feishu = _feishu(base, fake).pieces(summary)
    dingtalk = _dingtalk(base, fake).pieces(summary)
    assert sum(p.kind == "markdown" for p in wecom) >= 2  # WeCom had to split…
    assert len(dingtalk) == 1 and len(feishu) == 1  # …the others did not
    ding = dingtalk[0].body.decode()
    assert not ding.startswith("(") and all(point in ding for point in summary.points)
    assert "| 公司 |" in feishu[0].body.decode() and "| 公司 |" not in ding


def test_a_table_row_as_a_line_leaves_out_empty_cells():
    from sectorweekly.send.robot_markdown import wecom_markdown

    summary = Summary(
        title="算力周跟踪",
        issue_date=dt.date(2024, 10, 10),
        period="2024-10-08 至 2024-10-09",
        points=("算力链领涨。",),
        table=(("公司", "总市值", "单位", "周涨跌幅"), ("寒武纪", "无股本数据", "", "+28.48%")),
    )
    assert "寒武纪：总市值 无股本数据，周涨跌幅 +28.48%" in wecom_markdown(summary).split("\n")


def test_bad_config_and_a_missing_pdf_are_one_line_each(tmp_path):
    with pytest.raises(ChannelError) as caught:
        WecomChannel("team", {"key_env": "SW_WECOM_KEY", "base_url": "qyapi.local"}, ENV)
    assert caught.value.line == (
        "wecom: distribution.targets.team.base_url is 'qyapi.local'; expected an http(s) URL"
    )
    with pytest.raises(ChannelError) as caught:
        FeishuChannel("lark", "SW_FEISHU_HOOK", ENV)  # type: ignore[arg-type]
    assert caught.value.line == "feishu: distribution.targets.lark is not a mapping of keys"
    summary = _summary(tmp_path, points=1)
    gone = tmp_path / "gone.pdf"
    with pytest.raises(ChannelError) as caught:
        WecomChannel("team", {"key_env": "SW_WECOM_KEY"}, ENV).pieces(
            dataclasses.replace(summary, pdf=gone)
        )
    assert caught.value.line == f"wecom: cannot read {gone}: No such file or directory"


def test_an_unanswered_message_is_not_posted_twice(tmp_path):
    _WINDOWS.clear()
    fake, calls = FakeTime(), []

    def post(url: str, body: bytes, content_type: str):
        calls.append(url)
        raise TimeoutError("timed out")

    config = {"key_env": "SW_WECOM_KEY"}
    channel = WecomChannel("team", config, ENV, clock=fake.clock, sleep=fake.sleep, post=post)
    with pytest.raises(ChannelError) as caught:
        channel.deliver(channel.pieces(_summary(tmp_path, points=1))[0])
    assert caught.value.line == "wecom: no answer within 30 s; the message may have arrived"
    assert caught.value.transient and len(calls) == 1


def test_the_builds_plain_report_pdf_goes_by_the_issues_title(robots, tmp_path):
    state, base, fake = robots
    plain = tmp_path / "report.pdf"
    plain.write_bytes(b"%PDF-1.7\n%%EOF\n")
    summary = dataclasses.replace(
        _summary(tmp_path, points=1), pdf=plain, title="GB200进入交付期/算力链领涨-算力周跟踪"
    )
    channel = _wecom(base, fake)
    file_piece = channel.pieces(summary)[-1]
    assert file_piece.label == "file GB200进入交付期_算力链领涨-算力周跟踪_20241011.pdf"
    channel.deliver(file_piece)
    ((name, _),) = state.media.values()
    assert name == "GB200进入交付期_算力链领涨-算力周跟踪_20241011.pdf"


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_each_robot_module_holds_one_channel_of_its_kind(kind: str, tmp_path):
    """The sender finds a channel as the class in ``send/<kind>.py`` whose ``kind`` is its name,
    and builds it from the target's name, its desk.yaml keys and the environment."""
    import importlib

    module = importlib.import_module(f"sectorweekly.send.{kind}")
    found = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and getattr(v, "kind", None) == kind and hasattr(v, "deliver")
    ]
    assert len(found) == 1
    keys = {
        "wecom": {"key_env": "SW_WECOM_KEY"},
        "dingtalk": {"access_token_env": "SW_DING_TOKEN", "secret_env": "SW_DING_SECRET"},
        "feishu": {"hook_env": "SW_FEISHU_HOOK", "secret_env": "SW_FEISHU_SECRET"},
    }[kind]
    channel = found[0]("desk", {"channel": kind, **keys}, ENV)
    assert (channel.kind, channel.target) == (kind, "desk")
    pieces = channel.pieces(_summary(tmp_path, points=2))
    assert pieces[0].kind == "markdown" and all(p.size > 0 and p.label for p in pieces)


def test_points_are_one_line_each_and_an_empty_section_has_no_heading():
    from sectorweekly.send.robot_markdown import (
        dingtalk_markdown,
        feishu_markdown,
        wecom_markdown,
    )

    summary = Summary(
        title="算力周跟踪",
        issue_date=dt.date(2024, 10, 10),
        period="2024-10-08 至 2024-10-09",
        points=("光模块领涨，\n液冷跟涨。", "  "),
    )
    assert wecom_markdown(summary).split("\n")[3:] == ["**投资要点**", "1. 光模块领涨， 液冷跟涨。"]
    assert dingtalk_markdown(summary).endswith("#### 投资要点\n\n- 光模块领涨， 液冷跟涨。")
    assert feishu_markdown(summary).endswith("**投资要点**\n\n1. 光模块领涨， 液冷跟涨。")
    empty = dataclasses.replace(summary, points=())
    assert "投资要点" not in wecom_markdown(empty) + dingtalk_markdown(empty) + feishu_markdown(
        empty
    )
