"""`sectorweekly init`: a new desk folder copied from the demo desk, with or without its data."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from .. import console as consoles
from ..errors import InputError
from ..wording import counted

console = consoles.out()

DEMO_ONLY_KEYS = ("seed_prices:", "seed_shares:", "  history:", "  history_sample:")


def desk_yaml_without_demo_data(text: str) -> str:
    """The demo desk.yaml without the keys that load its sample data into a store."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if skipping and (line.startswith("    ") or not line.strip()):
            continue
        skipping = False
        if line.startswith("  seed:"):
            skipping = True
            continue
        if line.startswith(DEMO_ONLY_KEYS):
            continue
        out.append(line)
    kept = []  # a top-level key left with no children (ratings:) goes too
    for i, line in enumerate(out):
        rest = [x for x in out[i + 1 :] if x.strip() and not x.lstrip().startswith("#")]
        if (
            line.rstrip().endswith(":")
            and not line.startswith((" ", "#"))
            and (not rest or not rest[0].startswith(" "))
        ):
            continue
        kept.append(line)
    return "".join(kept)


def init(
    directory: Annotated[Path, typer.Argument(metavar="FOLDER", help="Folder for the new desk.")],
    demo_data: Annotated[
        bool,
        typer.Option(
            "--demo-data",
            help="Also copy the demo's prices, sample trackers and sample ratings, and load "
            "them into the new desk's store now.",
        ),
    ] = False,
) -> None:
    """Create a desk folder from the demo desk, to edit into your own."""
    from ..desk.parse import demo_desk_dir, load_desk
    from ..update.workspace import create_desk, prepare

    if directory.exists() and not directory.is_dir():
        raise InputError(directory, None, "is a file; expected a new or empty folder")
    if directory.exists() and any(directory.iterdir()):
        raise InputError(directory, None, "folder is not empty; expected a new or empty folder")
    src = demo_desk_dir()
    if demo_data:
        create_desk(directory, src)
        path, added = prepare(load_desk(directory))
        console.print(f"desk created in {directory} with the demo data ({counted(added, 'price row')} in "
                      f"{path}); edit {directory / 'desk.yaml'}", markup=False)  # fmt: skip
        return
    text = (src / "desk.yaml").read_text(encoding="utf-8")
    create_desk(
        directory,
        src,
        shutil.ignore_patterns("data", "ratings.csv"),
        desk_yaml_without_demo_data(text),
    )
    console.print(
        f"desk created in {directory}; edit {directory / 'desk.yaml'}, then import your prices "
        "(sectorweekly import prices FILE.csv --desk …) or run sectorweekly update",
        markup=False,
    )
