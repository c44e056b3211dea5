"""Who this process is, for run leases, and whether a lease's holder is still alive.

An owner is `host:pid:start`, the start being the process's creation time (psutil), so a pid reused by a new
process after a crash never passes for the holder. Only a holder on this host can be known to be gone; a
holder elsewhere keeps its lease until it lapses.
"""

from __future__ import annotations

import os
import socket

import psutil


def current_owner() -> str:
    """This process as a lease owner: host, pid and start time."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{psutil.Process(pid).create_time():.3f}"


def is_gone(owner: str) -> bool:
    """True when `owner` names a process of this host that no longer runs (exited, killed, or its pid reused)."""
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or not start:
        return False
    try:
        process = psutil.Process(int(pid_text))
        if process.status() == psutil.STATUS_ZOMBIE:
            return True  # killed, not yet reaped by its parent: it will never write again
        return f"{process.create_time():.3f}" != start
    except psutil.NoSuchProcess:  # ZombieProcess included
        return True
    except psutil.AccessDenied:
        return False
