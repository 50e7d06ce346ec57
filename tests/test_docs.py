"""The README names everything a user can set or call: desk keys, commands, options, parts."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from sectorweekly.cli import app
from sectorweekly.desk.parse import Desk
from sectorweekly.parts import PARTS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _models(annotation: object) -> list[type[BaseModel]]:
    found = []
    for t in [annotation, *typing.get_args(annotation)]:
        for u in [t, *typing.get_args(t)]:
            if isinstance(u, type) and issubclass(u, BaseModel):
                found.append(u)
    return found


def _desk_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        keys.append(prefix + name)
        for sub in _models(info.annotation):
            keys += _desk_keys(sub, f"{prefix}{name}.")
    return sorted(set(keys))


def _commands(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, list[str]]]:
    subs = getattr(command, "commands", None)
    if subs is not None:
        return [c for name, sub in subs.items() for c in _commands(sub, (*path, name))]
    flags = [
        flag
        for param in command.params  # type: ignore[attr-defined]
        if param.param_type_name == "option"
        for flag in param.opts
        if flag.startswith("--")
    ]
    return [(" ".join(path), flags)]


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize("key", _desk_keys(Desk))
def test_every_desk_key_is_in_the_readme(key):
    assert f"`{key}`" in README, f"desk.yaml key {key} is not named in the README"


@pytest.mark.parametrize(("command", "flags"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_every_command_and_option_is_in_the_readme(command, flags):
    assert f"sectorweekly {command}" in README, f"command `{command}` is not in the README"
    missing = [f for f in flags if not re.search(re.escape(f) + r"(?![\w-])", README)]
    assert not missing, f"options of `{command}` not in the README: {missing}"


@pytest.mark.parametrize("part", PARTS, ids=[p.__module__ for p in PARTS])
def test_every_report_part_is_in_the_readme(part):
    module = part.__module__.removeprefix("sectorweekly.").replace(".", "/") + ".py"
    assert f"`{module}`" in README, f"report part {module} is not named in the README"
