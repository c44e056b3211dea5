"""The program starts without the cycle collector, which resumes once the command is built; what a short command
makes with it paused is still collected later if it is garbage (entrypoints/cli/launch.py)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

from trimtab.entrypoints.cli.launch import paused


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_work_done_with_the_collector_paused_leaves_no_garbage_behind() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        first, second = _Node(), _Node()
        first.other, second.other = second, first  # a cycle: only the collector frees it
        gone = weakref.ref(first)
        del first, second
    assert gc.isenabled()
    assert gone() is not None  # not examined yet: moved to the oldest generation
    gc.collect()
    assert gone() is None


def test_paused_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_program_starts_without_the_collector_and_resumes_it_for_the_command(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import atexit, gc, json, sys
        import trimtab.entrypoints.cli.main as main
        seen = {}
        built = main.load_command
        def load(name):
            seen["while starting"] = gc.isenabled()
            return built(name)
        main.load_command = load
        atexit.register(lambda: print(json.dumps({**seen, "after": gc.isenabled(),
                                                  "frozen at exit": gc.get_freeze_count() > 0})))
        sys.argv = ["trimtab", "init", "--help"]
        from trimtab.entrypoints.cli.launch import run
        run()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=120, env={"TRIMTAB_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"while starting": False, "after": True,
                                                        "frozen at exit": True}
