"""Run the command line as `python -m trimtab.entrypoints.cli`."""

from trimtab.entrypoints.cli.main import run

run()
