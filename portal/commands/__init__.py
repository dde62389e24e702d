"""Subcommands of `python -m portal`, one module each (see portal/cli.py)."""
