"""The desk's ``distribution:`` key and the secrets it names: each mistake is one line naming
the key, and a secret's value never appears in a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sectorweekly.desk.parse import demo_desk_dir, parse_desk
from sectorweekly.errors import DeskError, InputError
from sectorweekly.send import ledger
from sectorweekly.send.secrets import ConfigError, secret
from sectorweekly.send.sender import channel_class, check_secret_files

EMAIL = {"channel": "email", "host": "smtp.example.cn", "from": "desk@broker.example.cn",
         "to": ["a@client.example.com"]}  # fmt: skip


def desk_with(distribution: Any):
    data = yaml.safe_load((demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8"))
    return parse_desk({**data, "distribution": distribution}, Path("desk.yaml"))


@pytest.mark.parametrize(
    ("distribution", "line"),
    [
        ({"targets": {"clients": {**EMAIL, "to": ["a@client.example.com", "b at client"]}}},
         "desk.yaml:distribution.targets.clients.to[1]: 'b at client' is not an e-mail address"),
        ({"targets": {"clients": {**EMAIL, "password": "hunter2"}}},
         "desk.yaml:distribution.targets.clients: password: a secret in desk.yaml; put it in an "
         "environment variable and name that variable with password_env"),
        ({"targets": {"team": {"channel": "wecom", "key": "abc-123"}}},
         "desk.yaml:distribution.targets.team: key: a secret in desk.yaml"),
        ({"targets": {"clients": {**EMAIL, "host": None}}},
         "desk.yaml:distribution.targets.clients: host: missing"),
        ({"targets": {"clients": {**EMAIL, "to": [], "bcc": []}}},
         "desk.yaml:distribution.targets.clients: to: no recipients"),
        ({"targets": {"clients": {**EMAIL, "prot": 25}}},
         "desk.yaml:distribution.targets.clients: prot: unknown key of an email target"),
        ({"targets": {"clients": {**EMAIL, "port": 70000}}},
         "desk.yaml:distribution.targets.clients.port: Input should be less than or equal to 65535"),
        ({"targets": {"clients": {**EMAIL, "password_env": "SW SMTP"}}},
         "desk.yaml:distribution.targets.clients.password_env: 'SW SMTP' is not an environment"),
        ({"targets": {"fax": {"channel": "fax"}}},
         "desk.yaml:distribution.targets.fax.channel: Input should be 'email', 'wecom', 'dingtalk' or 'feishu'"),
        ({"targets": {"clients": EMAIL}, "default_targets": ["clients", "partners"]},
         "desk.yaml:distribution: default_targets[1]: 'partners' is not under distribution.targets"),
        ({"targets": {}, "public_base_url": "research.example.cn"},
         "desk.yaml:distribution: public_base_url: 'research.example.cn'; expected an http(s)://"),
        ({"target": {}}, "desk.yaml:distribution.target: unknown key"),
    ],
)  # fmt: skip
def test_each_mistake_is_one_line_naming_the_key(distribution, line):
    with pytest.raises(DeskError) as err:
        desk_with(distribution)
    assert str(err.value).startswith(line), str(err.value)
    assert "hunter2" not in str(err.value) and "abc-123" not in str(err.value)


def test_a_good_distribution_keeps_each_channels_own_keys():
    d = desk_with({
        "targets": {"clients": {**EMAIL, "security": "ssl", "port": 465, "bcc": ["c@b.cn"]},
                    "team": {"channel": "wecom", "key_env": "SW_WECOM_KEY"}},
        "default_targets": ["clients"], "auto_release": True,
    }).distribution  # fmt: skip
    assert d.auto_release and d.default_targets == ["clients"]
    clients = d.targets["clients"].settings()
    assert (clients["from"], clients["port"], clients["bcc"]) == (
        "desk@broker.example.cn",
        465,
        ["c@b.cn"],
    )
    assert d.targets["team"].settings() == {"channel": "wecom", "key_env": "SW_WECOM_KEY"}
    assert desk_with({}).distribution.targets == {}


def test_secrets_come_from_the_environment_or_a_file_it_names(tmp_path: Path):
    key = "distribution.targets.clients.password_env"
    assert secret({"PW": "s3cret"}, "PW", None, key) == "s3cret"
    assert secret({}, None, None, key) is None
    with pytest.raises(ConfigError, match="the environment variable PW is not set; set it"):
        secret({}, "PW", None, key)
    file = tmp_path / "smtp.secret"
    file.write_text("from-file\n", encoding="utf-8")
    assert secret({"PW_FILE": str(file)}, "PW", "PW_FILE", key) == "from-file"
    with pytest.raises(ConfigError, match="cannot read the secret file named by PW_FILE"):
        secret({"PW_FILE": str(tmp_path / "missing")}, None, "PW_FILE", key)
    file.write_text("  \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the secret file named by PW_FILE is empty"):
        secret({"PW_FILE": str(file)}, None, "PW_FILE", key)


def test_channels_are_found_by_kind_and_a_missing_one_is_one_line():
    found = {k: channel_class(k).__name__ for k in ("email", "wecom", "dingtalk", "feishu")}
    assert found == {"email": "EmailChannel", "wecom": "WecomChannel",
                     "dingtalk": "DingtalkChannel", "feishu": "FeishuChannel"}  # fmt: skip
    with pytest.raises(ConfigError, match="channel 'fax' is not known"):
        channel_class("fax")


def test_a_ledger_that_is_not_one_is_refused(tmp_path: Path):
    (tmp_path / ledger.LEDGER_FILE).write_text("date,who\n2024-10-10,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"send-ledger.csv:1: not a send ledger; expected"):
        ledger.read_ledger(tmp_path)


def test_a_secret_file_inside_the_desk_is_refused(tmp_path: Path):
    dist = desk_with(
        {"targets": {"clients": {**EMAIL, "password_file_env": "SW_SMTP_PASSWORD_FILE"}}}
    ).distribution
    desk, outside = tmp_path / "desk", tmp_path / "secrets"
    desk.mkdir()
    outside.mkdir()
    inside = {"SW_SMTP_PASSWORD_FILE": str(desk / "smtp.secret")}
    with pytest.raises(
        ConfigError,
        match=r"password_file_env: SW_SMTP_PASSWORD_FILE names .*"
        r"inside the desk folder .*; keep secret files outside the desk",
    ):
        check_secret_files(dist, "clients", inside, desk)
    check_secret_files(dist, "clients", {"SW_SMTP_PASSWORD_FILE": str(outside / "s")}, desk)
