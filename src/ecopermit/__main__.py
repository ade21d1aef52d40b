"""`python -m ecopermit`: the same program as the `ecopermit` command."""

from ecopermit.cli import app

app()
