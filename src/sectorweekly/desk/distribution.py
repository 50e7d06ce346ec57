"""Desk key ``distribution``: where a released issue is sent (e-mail, group robots), checked
with the rest of desk.yaml so a typo is one line naming the key, never a failed send.

Secrets are never values here: a target names the environment variables that hold them
(``password_env``, ``key_env``…), or an environment variable naming a file outside the desk
(``password_file_env``), so desk.yaml can be shared, archived and shown.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

CHANNELS = ("email", "wecom", "dingtalk", "feishu")
SECRET_KEYS = ("password", "secret", "key", "token", "webhook")
_ADDRESS = re.compile(
    r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL_KEYS = {
    "channel", "host", "port", "security", "user_env", "password_env", "password_file_env",
    "from", "to", "cc", "bcc", "attach_docx", "max_message_mb", "timeout",
}  # fmt: skip


def check_address(value: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.match(value.strip()):
        raise ValueError(f"{value!r} is not an e-mail address; expected name@example.com")
    return value.strip()


Address = Annotated[str, AfterValidator(check_address)]


class Target(BaseModel):
    """One named target: its channel and that channel's settings. E-mail settings are checked
    here; a robot's other keys (``key_env``, ``secret_env``…) are its channel's to read."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    channel: Literal["email", "wecom", "dingtalk", "feishu"]
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "starttls"
    user_env: str | None = None
    password_env: str | None = None
    password_file_env: str | None = None  # names a variable holding the path of a secret file
    sender: str | None = Field(default=None, alias="from")
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    bcc: list[Address] = Field(default_factory=list)
    attach_docx: bool = False
    max_message_mb: float = Field(default=20.0, gt=0)  # the encoded message, attachments included
    timeout: float = Field(default=60.0, gt=0)
    retry_waits: list[float] = Field(default_factory=lambda: [5.0, 30.0])  # transient refusals
    tls_ca_file: str | None = None  # a CA bundle to trust besides the system's (a firm's own CA)

    @field_validator("sender")
    @classmethod
    def _sender(cls, v: str | None) -> str | None:
        return None if v is None else check_address(v)

    @field_validator("user_env", "password_env", "password_file_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not _ENV_NAME.match(v):
            raise ValueError(
                f"{v!r} is not an environment variable name; expected e.g. SW_SMTP_USER"
            )
        return v

    @model_validator(mode="before")
    @classmethod
    def _no_secret_values(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in SECRET_KEYS:
                if name in data:
                    raise ValueError(
                        f"{name}: a secret in desk.yaml; put it in an environment variable "
                        f"and name that variable with {name}_env"
                    )
        return data

    @model_validator(mode="after")
    def _email_complete(self) -> Target:
        if self.channel != "email":
            return self
        unknown = sorted(set(self.model_extra or {}) - _EMAIL_KEYS)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown key of an email target; remove it")
        if not self.host:
            raise ValueError("host: missing; add the SMTP server's host name")
        if not self.sender:
            raise ValueError("from: missing; add the sender's address")
        if not (self.to or self.cc or self.bcc):
            raise ValueError("to: no recipients; add at least one address to to, cc or bcc")
        return self

    def settings(self) -> dict[str, Any]:
        """The keys as written in desk.yaml (e-mail: with its defaults), for a channel."""
        if self.channel == "email":
            return self.model_dump(by_alias=True, exclude_none=True)
        return {"channel": self.channel, **self.model_dump(by_alias=True, exclude_unset=True)}


class Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: dict[str, Target] = Field(default_factory=dict)
    default_targets: list[str] = Field(default_factory=list)
    auto_release: bool = False  # weekly: release and send to default_targets after publishing
    public_base_url: str | None = None  # where the reports folder is served, for links

    @model_validator(mode="after")
    def _defaults_known(self) -> Distribution:
        for i, name in enumerate(self.default_targets):
            if name not in self.targets:
                raise ValueError(
                    f"default_targets[{i}]: {name!r} is not under distribution.targets; add it"
                )
        if self.public_base_url is not None and not self.public_base_url.startswith(
            ("https://", "http://")
        ):
            raise ValueError(
                f"public_base_url: {self.public_base_url!r}; expected an http(s):// address"
            )
        return self
