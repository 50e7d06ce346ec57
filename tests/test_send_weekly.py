"""`sectorweekly weekly` on a copy of the demo desk and store, standing on dates of 2024 with
SECTORWEEKLY_TODAY: it builds and publishes once the week has closed everywhere, does nothing on
the next run, waits for release unless the desk auto-releases, then releases and mails it; a
second run at once is refused; the cron and systemd lines name the time zone."""

from __future__ import annotations

import csv
import email
import os
import shutil
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.series import archive
from smtp_server import SmtpServer

SECRETS = {"SW_SMTP_USER": "analyst", "SW_SMTP_PASSWORD": "s3cret-Pa55"}
CLOSED = "2024-10-05T05:00+08:00"  # the week of 09-30 closed (New York, 04:30 Shanghai)


@pytest.fixture(scope="module")
def setup(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("weekly")
    desk = root / "desk"
    shutil.copytree(demo_desk_dir(), desk)
    store = root / "store.duckdb"
    shutil.copy2(demo_store, store)
    with SmtpServer("analyst", SECRETS["SW_SMTP_PASSWORD"]) as smtp:
        yield {"root": root, "desk": desk, "store": store, "reports": root / "reports",
               "home": demo_store.parent.parent, "smtp": smtp}  # fmt: skip


def write_desk(s: dict, auto: bool) -> None:
    data = yaml.safe_load((demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8"))
    data["store"] = str(s["store"])
    data["distribution"] = {
        "targets": {"clients": {
            "channel": "email", "host": "127.0.0.1", "port": s["smtp"].port, "security": "none",
            "user_env": "SW_SMTP_USER", "password_env": "SW_SMTP_PASSWORD",
            "from": "desk@broker.example.cn", "to": ["fund.a@client.example.com"]}},
        "default_targets": ["clients"],
        "auto_release": auto,
    }  # fmt: skip
    text = yaml.safe_dump(data, allow_unicode=True)
    (s["desk"] / "desk.yaml").write_text(text, encoding="utf-8")


def weekly(s: dict, now: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **SECRETS, "SECTORWEEKLY_TODAY": now, "SECTORWEEKLY_HOME": str(s["home"])}
    return subprocess.run(
        [sys.executable, "-m", "sectorweekly", "weekly", "--desk", str(s["desk"]),
         "--reports", str(s["reports"]), *extra],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip


def test_print_cron_and_systemd_name_the_time_zone(setup):
    cron = weekly(setup, CLOSED, "--print-cron")
    assert cron.returncode == 0, cron.stderr
    lines = cron.stdout.splitlines()
    assert "CRON_TZ=Asia/Shanghai" in lines
    job = next(line for line in lines if line.startswith("17 * * * * "))
    assert f"weekly --desk {setup['desk'].resolve()} --reports {setup['reports'].resolve()}" in job
    unit = weekly(setup, CLOSED, "--print-systemd").stdout
    assert "OnCalendar=*-*-* *:17:00 Asia/Shanghai" in unit and "Persistent=true" in unit
    assert "Type=oneshot" in unit and "weekly --desk" in unit


def test_weekly_publishes_once_then_waits_for_release_then_auto_sends(setup):
    s = setup
    write_desk(s, auto=False)
    early = weekly(s, "2024-10-05T04:00+08:00", "--no-update")  # New York still trading
    assert early.returncode == 0, early.stderr
    # the week before (09-23..27) is the one closed: built, published on 09-28
    assert "the week of 2024-09-23 closed 2024-09-28 04:30 Asia/Shanghai (US last)" in early.stdout

    run = weekly(s, CLOSED, "--no-update")
    assert run.returncode == 0, run.stderr
    assert (
        "the week of 2024-09-30 closed 2024-10-05 04:30 Asia/Shanghai (US last): building 2024-10-05"
        in run.stdout
    )
    issues = {i.publication_date.isoformat(): i for i in archive.read_archive(s["reports"])}
    issue = issues["2024-10-05"]
    assert (issue.start.isoformat(), issue.end.isoformat(), issue.kind) == (
        "2024-09-30",
        "2024-10-04",
        "published",
    )
    assert (s["reports"] / "2024-10-05" / "report.pdf").is_file()
    assert "waiting for release: 2024-10-05: the issue is published but not released" in run.stdout

    again = weekly(s, "2024-10-11T20:00+08:00", "--no-update")
    assert again.returncode == 0, again.stderr
    assert "nothing to do: 2024-10-05 was published at" in again.stdout
    assert "the week of 2024-10-07 closes 2024-10-12 04:30 Asia/Shanghai" in again.stdout
    assert archive.read_archive(s["reports"])[-1].recorded_at == issue.recorded_at

    write_desk(s, auto=True)
    sent = weekly(s, "2024-10-11T20:00+08:00", "--no-update")
    assert sent.returncode == 0, sent.stderr
    assert "released 2024-10-05 (auto_release: true)" in sent.stdout
    assert f"clients (email): sent email to 1 recipient with {issue.title}.pdf" in sent.stdout
    [got] = s["smtp"].handler.messages
    msg = email.message_from_bytes(got.data, policy=policy.default)
    assert str(msg["Subject"]) == issue.title
    with (s["reports"] / "send-ledger.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["issue"], r["target"], r["result"]) for r in rows] == [
        ("2024-10-05", "clients", "sent")
    ]

    done = weekly(s, "2024-10-11T21:00+08:00", "--no-update")
    assert done.returncode == 0 and "nothing to do: 2024-10-05 was sent to clients" in done.stdout
    assert len(s["smtp"].handler.messages) == 1
    log = (s["reports"] / "weekly.log").read_text(encoding="utf-8").splitlines()
    assert all(line[:4] == "2024" for line in log)  # one stamped line per step
    assert any("published 2024-10-05 in" in line for line in log)


def test_a_second_run_at_once_is_refused(setup):
    write_desk(setup, auto=False)
    setup["reports"].mkdir(exist_ok=True)
    with FileLock(str(setup["reports"] / "weekly.lock")):
        run = weekly(setup, CLOSED, "--no-update")
    assert run.returncode == 4
    assert run.stderr.strip().endswith(
        "another sectorweekly weekly is running; it will do this week"
    )
