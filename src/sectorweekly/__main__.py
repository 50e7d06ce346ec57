"""`python -m sectorweekly` runs the CLI."""

from .cli import main

main()
