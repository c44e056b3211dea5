"""Run the command line as `python -m trimtab.entrypoints.cli`."""

from trimtab.entrypoints.cli.launch import run

run()
