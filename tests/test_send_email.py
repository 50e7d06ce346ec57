"""Release and send by e-mail, through the command line, to a real SMTP server (aiosmtpd):
the received message parsed back (Chinese attachment names, HTML, the inline 图表1, the
recipients), the release record's digests, the ledger's rows, and every refusal as one line."""

from __future__ import annotations

import csv
import email
import hashlib
import json
import os
import shutil
import subprocess
import sys
from email import policy
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
import yaml

from robot_server import Robots, robot_server
from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.series.publish import publish
from smtp_server import SmtpServer, self_signed

DAY = "2024-10-10"
DOCS = ("report.json", "report.md", "report.html", "report.docx", "report.pdf")
TO = ["fund.a@client.example.com", "fund.b@client.example.com"]
CC = ["desk.head@broker.example.cn"]
BCC = ["compliance@broker.example.cn"]
SECRETS = {"SW_SMTP_USER": "analyst", "SW_SMTP_PASSWORD": "s3cret-Pa55"}


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer("analyst", SECRETS["SW_SMTP_PASSWORD"]) as server:
        yield server


def write_desk(folder: Path, port: int, robots: dict | None = None, **target: Any) -> Path:
    """The demo desk with one e-mail target ``clients`` (keys overridden by ``target``)."""
    if not folder.exists():
        shutil.copytree(demo_desk_dir(), folder, ignore=shutil.ignore_patterns("data"))
    data = yaml.safe_load((demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8"))
    data.pop("seed_prices", None)
    data.pop("seed_shares", None)
    clients = {
        "channel": "email", "host": "127.0.0.1", "port": port, "security": "none",
        "user_env": "SW_SMTP_USER", "password_env": "SW_SMTP_PASSWORD",
        "from": "desk@broker.example.cn", "to": TO, "cc": CC, "bcc": BCC,
        "retry_waits": [0.1, 0.1], **target,
    }  # fmt: skip
    data["distribution"] = {
        "targets": {"clients": clients, **(robots or {})},
        "default_targets": ["clients"],
    }
    (folder / "desk.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def issue(demo_report, tmp_path: Path, smtp: SmtpServer):
    """The demo issue published in a fresh reports folder, and a desk that mails it."""
    report, out, _ = demo_report
    reports = tmp_path / "reports"
    folder = reports / DAY
    shutil.copytree(out, folder)
    publish(reports, report, [folder / n for n in DOCS])
    smtp.handler.messages.clear()
    smtp.handler.refuse.clear()
    smtp.handler.busy = smtp.handler.data_tries = 0
    return {"reports": reports, "folder": folder, "report": report,
            "desk": write_desk(tmp_path / "desk", smtp.port)}  # fmt: skip


def sw(issue: dict, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SW_SMTP")}
    return subprocess.run(
        [sys.executable, "-m", "sectorweekly", *args, "--reports", str(issue["reports"]),
         "--desk", str(issue["desk"])],
        capture_output=True, text=True, timeout=180,
        env={**base, **(SECRETS if env is None else env)},
    )  # fmt: skip


def ledger(issue: dict) -> list[dict[str, str]]:
    path = issue["reports"] / "send-ledger.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def one_error_line(run: subprocess.CompletedProcess, code: int) -> str:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in run.stderr, run.stderr
    return errors[0]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_released_issue_arrives_as_one_message_with_chinese_names_and_bcc(issue, smtp):
    rel = sw(issue, "release", DAY, "--by", "张三")
    assert rel.returncode == 0, rel.stderr
    record = json.loads((issue["reports"] / "releases.jsonl").read_text(encoding="utf-8"))
    assert record["by"] == "张三" and record["publication_date"] == DAY
    assert record["digests"] == {f"{DAY}/{n}": sha(issue["folder"] / n) for n in DOCS}

    run = sw(issue, "send", DAY, "--to", "clients")
    assert run.returncode == 0, run.stderr
    [got] = smtp.handler.messages
    assert sorted(got.rcpt_tos) == sorted(TO + CC + BCC)  # Bcc in the envelope
    assert got.mail_from == "desk@broker.example.cn"
    msg = email.message_from_bytes(got.data, policy=policy.default)
    title = issue["report"].front.title
    assert str(msg["Subject"]) == title
    assert BCC[0] not in got.data.decode("ascii") and msg["Bcc"] is None
    assert [a.strip() for a in str(msg["To"]).split(",")] == TO and str(msg["Cc"]) == CC[0]

    [pdf] = list(msg.iter_attachments())
    name = f"{title}.pdf"
    assert pdf.get_filename() == name and pdf.get_content_type() == "application/pdf"
    assert pdf.get_content() == (issue["folder"] / "report.pdf").read_bytes()
    raw = got.data.decode("ascii").split("Content-Type: application/pdf;", 1)[1]
    head = raw.split("\r\n\r\n", 1)[0]  # the attachment's headers as sent
    assert "filename*0*=utf-8''" in head  # RFC 2231, Apple Mail and Thunderbird
    assert max(len(line) for line in got.data.split(b"\r\n")) <= 998
    words = " ".join(head.split('name="', 1)[1].split('"', 1)[0].split())  # RFC 2047: Outlook, QQ
    assert words.startswith("=?utf-8?B?") and str(make_header(decode_header(words))) == name

    body = msg.get_body(("html",))
    html = body.get_content()
    assert title in html and "投资要点" in html
    for point in issue["report"].key_points:
        assert point.replace("&", "&amp;").replace("<", "&lt;") in html
    assert 'src="cid:figure1"' in html
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<figure1>"
    assert image.get_content() == (issue["folder"] / "charts" / "figure_01.png").read_bytes()
    assert title in msg.get_body(("plain",)).get_content()

    [row] = ledger(issue)
    assert (row["issue"], row["channel"], row["target"], row["result"]) == (
        DAY,
        "email",
        "clients",
        "sent",
    )
    assert row["message_id"] == msg["Message-ID"] and row["bytes"] == str(len(got.data))
    assert f"{DAY}/report.pdf={sha(issue['folder'] / 'report.pdf')}" in row["digests"]
    for path in issue["reports"].iterdir():  # the secret is nowhere beside the reports
        if path.is_file():
            assert SECRETS["SW_SMTP_PASSWORD"].encode() not in path.read_bytes()
    assert SECRETS["SW_SMTP_PASSWORD"] not in run.stdout + run.stderr


def test_the_same_release_twice_asks_for_again(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    assert sw(issue, "send", DAY).returncode == 0  # the desk's default targets
    line = one_error_line(sw(issue, "send", DAY, "--to", "clients"), 2)
    assert "already sent to clients" in line and "--again" in line
    assert len(smtp.handler.messages) == 1 and len(ledger(issue)) == 1
    assert sw(issue, "send", DAY, "--to", "clients", "--again").returncode == 0
    assert len(smtp.handler.messages) == 2 and [r["result"] for r in ledger(issue)] == ["sent"] * 2


def test_dry_run_shows_what_would_go_where_and_sends_nothing(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    run = sw(issue, "send", DAY, "--to", "clients", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "clients (email): email to 4 recipients with" in run.stdout
    size = int(run.stdout.split(", ")[-1].split(" bytes")[0].replace(",", ""))
    assert size > (issue["folder"] / "report.pdf").stat().st_size  # the PDF, base64, and more
    assert smtp.handler.messages == [] and ledger(issue) == []


def test_an_unreleased_issue_is_refused_and_recorded(issue, smtp):
    line = one_error_line(sw(issue, "send", DAY, "--to", "clients"), 2)
    assert "published but not released" in line and f"sectorweekly release {DAY}" in line
    [row] = ledger(issue)
    assert row["result"] == "refused" and "not released" in row["error"]
    assert smtp.handler.messages == []
    line = one_error_line(sw(issue, "release", "2024-10-17"), 2)  # no such issue
    assert "2024-10-17: no issue of that date in" in line and "--publish" in line
    assert not (issue["reports"] / "releases.jsonl").exists()


def test_a_document_changed_after_release_must_be_released_again(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    md = issue["folder"] / "report.md"
    md.write_text(md.read_text(encoding="utf-8") + "\n改动\n", encoding="utf-8")
    line = one_error_line(sw(issue, "send", DAY, "--to", "clients"), 2)
    assert f"{DAY}/report.md: changed after the release" in line
    assert smtp.handler.messages == []
    again = sw(issue, "release", DAY)
    assert "again; released before" in again.stdout
    assert sw(issue, "send", DAY, "--to", "clients").returncode == 0
    assert len(smtp.handler.messages) == 1


def test_a_missing_secret_names_the_variable_and_is_recorded(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    line = one_error_line(sw(issue, "send", DAY, env={"SW_SMTP_USER": "analyst"}), 2)
    assert "distribution.targets.clients.password_env" in line and "SW_SMTP_PASSWORD" in line
    [row] = ledger(issue)
    assert row["result"] == "failed" and "SW_SMTP_PASSWORD is not set" in row["error"]


def test_a_wrong_password_is_a_channel_failure_never_sent(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    bad = {**SECRETS, "SW_SMTP_PASSWORD": "wrong"}
    line = one_error_line(sw(issue, "send", DAY, env=bad), 5)
    assert "535 authentication refused" in line and "wrong" not in line
    assert [r["result"] for r in ledger(issue)] == ["failed"] and smtp.handler.messages == []


def test_recipients_the_server_refuses(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    smtp.handler.refuse.update(TO + CC + BCC)
    line = one_error_line(sw(issue, "send", DAY), 5)
    assert "550 every recipient refused" in line
    assert [r["result"] for r in ledger(issue)] == ["failed"]
    smtp.handler.refuse.clear()
    smtp.handler.refuse.add(BCC[0])  # one refused: the others have it, recorded as partial
    line = one_error_line(sw(issue, "send", DAY), 5)
    assert f"some recipients refused: {BCC[0]} (550)" in line
    assert [r["result"] for r in ledger(issue)] == ["failed", "partial"]
    assert len(smtp.handler.messages) == 1


def test_a_message_over_the_size_limit_is_refused_before_sending(issue, smtp, tmp_path):
    write_desk(issue["desk"], smtp.port, max_message_mb=0.05)
    assert sw(issue, "release", DAY).returncode == 0
    line = one_error_line(sw(issue, "send", DAY), 2)
    assert "over distribution.targets.clients.max_message_mb" in line
    assert [r["result"] for r in ledger(issue)] == ["failed"] and smtp.handler.messages == []


def test_an_unknown_target_is_refused_and_recorded(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    line = one_error_line(sw(issue, "send", DAY, "--to", "clients", "--to", "partners"), 2)
    assert "--to partners: no such target in desk.yaml (known: clients)" in line
    assert {r["result"] for r in ledger(issue)} == {"refused"} and smtp.handler.messages == []


def test_a_bad_address_in_the_desk_is_one_line_naming_the_key(issue, smtp):
    write_desk(issue["desk"], smtp.port, to=[TO[0], "fund.b at client"])
    line = one_error_line(sw(issue, "send", DAY), 2)
    assert (
        "desk.yaml:distribution.targets.clients.to[1]: 'fund.b at client' is not an e-mail" in line
    )


def test_the_word_file_is_attached_when_the_target_asks(issue, smtp):
    write_desk(issue["desk"], smtp.port, attach_docx=True)
    assert sw(issue, "release", DAY).returncode == 0
    assert sw(issue, "send", DAY).returncode == 0
    msg = email.message_from_bytes(smtp.handler.messages[0].data, policy=policy.default)
    names = [a.get_filename() for a in msg.iter_attachments()]
    title = issue["report"].front.title
    assert names == [f"{title}.pdf", f"{title}.docx"]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_the_desks_own_ca(issue, tmp_path, security):
    """STARTTLS and implicit TLS against a server with a self-signed certificate: refused
    until the desk trusts it (tls_ca_file), then the message arrives."""
    cert = self_signed(tmp_path)
    with SmtpServer("analyst", SECRETS["SW_SMTP_PASSWORD"], tls=security, cert=cert) as server:
        write_desk(issue["desk"], server.port, security=security)
        assert sw(issue, "release", DAY).returncode == 0
        line = one_error_line(sw(issue, "send", DAY), 5)
        assert "certificate is not trusted" in line and "tls_ca_file" in line
        write_desk(issue["desk"], server.port, security=security, tls_ca_file=str(cert[0]))
        run = sw(issue, "send", DAY)
        assert run.returncode == 0, run.stderr
        [got] = server.handler.messages
        assert sorted(got.rcpt_tos) == sorted(TO + CC + BCC)
    assert [r["result"] for r in ledger(issue)] == ["failed", "sent"]


def test_a_transient_refusal_is_tried_again_and_recorded_once(issue, smtp):
    assert sw(issue, "release", DAY).returncode == 0
    smtp.handler.busy = 2  # 451 twice, then accepted
    run = sw(issue, "send", DAY)
    assert run.returncode == 0, run.stderr
    assert smtp.handler.data_tries == 3 and len(smtp.handler.messages) == 1
    assert [r["result"] for r in ledger(issue)] == ["sent"]
    smtp.handler.busy = 3  # more than the two retries
    line = one_error_line(sw(issue, "send", DAY, "--again"), 5)
    assert "451 4.7.1 try again later" in line
    assert [r["result"] for r in ledger(issue)] == ["sent", "failed"]
    assert len(smtp.handler.messages) == 1


def test_email_and_a_wecom_robot_in_one_send_each_recorded_per_message(issue, smtp):
    """The robots' channel comes from the same registry: one ledger row per message, in order;
    a robot refusing its key stops that target only, later pieces recorded ``not sent``."""
    state = Robots(wecom_keys={"good-key"})
    with robot_server(state) as base:
        team = {"team": {"channel": "wecom", "key_env": "SW_WECOM_KEY", "base_url": base}}
        write_desk(issue["desk"], smtp.port, robots=team)
        assert sw(issue, "release", DAY).returncode == 0
        dry = sw(issue, "send", DAY, "--to", "clients", "--to", "team", "--dry-run",
                 env={**SECRETS, "SW_WECOM_KEY": "good-key"})  # fmt: skip
        assert dry.returncode == 0, dry.stderr
        assert (
            "team (wecom): markdown" in dry.stdout and "team (wecom): image 图表1.png" in dry.stdout
        )
        run = sw(issue, "send", DAY, "--to", "clients", "--to", "team",
                 env={**SECRETS, "SW_WECOM_KEY": "good-key"})  # fmt: skip
        assert run.returncode == 0, run.stderr
        rows = ledger(issue)
        assert (rows[0]["target"], rows[0]["result"]) == ("clients", "sent")
        robot = [r for r in rows if r["target"] == "team"]
        assert {r["result"] for r in robot} == {"sent"} and robot[0]["channel"] == "wecom"
        assert robot[0]["piece"].startswith("markdown") and robot[-1]["piece"].startswith("file ")
        assert len(state.of("wecom")) == len(robot) and len(state.of("wecom-upload")) == 1
        [(name, data)] = state.media.values()
        assert data == (issue["folder"] / "report.pdf").read_bytes() and name.endswith(".pdf")

        bad = sw(issue, "send", DAY, "--to", "team", "--again",
                 env={**SECRETS, "SW_WECOM_KEY": "stale-key"})  # fmt: skip
        line = one_error_line(bad, 5)
        assert line.startswith("error: wecom: 93000") and "stale-key" not in line
        later = ledger(issue)[len(rows) :]
        assert [r["result"] for r in later] == ["failed"] + ["not sent"] * (len(later) - 1)
        assert len(later) == len(robot)
