"""Secrets for the channels, from the environment only: a variable holding the secret, or a
variable naming a file outside the desk that holds it. A secret is never printed, logged, or
written to the archive or the ledger; an error names the variable, never its value."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import SectorWeeklyError


class ConfigError(SectorWeeklyError):
    """A target cannot be set up: unknown, a missing secret, a channel not installed."""

    exit_code = 2


def secret(env: Mapping[str, str], var: str | None, file_var: str | None, key: str) -> str | None:
    """The secret in ``$var``, else in the file named by ``$file_var``; None when neither key is
    set; a set key whose variable is empty is an error naming the key and the variable."""
    if var:
        value = env.get(var, "")
        if value:
            return value
        if not file_var:
            raise ConfigError(f"{key}: the environment variable {var} is not set; set it")
    if file_var:
        named = env.get(file_var, "")
        if not named:
            raise ConfigError(
                f"{key}: neither {var} nor {file_var} is set; set one"
                if var
                else f"{key}: the environment variable {file_var} is not set; set it to a file"
            )
        path = Path(named)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{key}: cannot read the secret file named by {file_var} ({exc.strerror})"
            ) from None
        if not value:
            raise ConfigError(f"{key}: the secret file named by {file_var} is empty")
        return value
    return None
