"""Keep native solver output off the process's stdout (so that `trimtab plan --json` prints JSON only).

HiGHS prints a few messages from C++ straight to file descriptor 1 whatever its output options say
(ERGO-Code/HiGHS#2734: "degeneracy? not possible to find non-active constraint ..."). Python's
`contextlib.redirect_stdout` cannot catch them: only a redirect of the descriptor itself can. The C
library's buffers are flushed before the descriptor is restored, or their bytes would reach the real
stdout later. What was captured is logged at debug level.

The redirect is process-wide: a lock keeps solves from nesting it, and a server that solves in threads
should run solves in a worker process instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()
STDOUT = 1


def _flush_c_streams() -> None:
    """fflush(NULL): push what the C library buffered for every stream to its descriptor."""
    with contextlib.suppress(OSError, AttributeError, TypeError):  # no C library to ask (not POSIX)
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def native_stdout_captured() -> Iterator[None]:
    """Send everything written to descriptor 1 during the block to a temporary file, then log it."""
    with _LOCK, tempfile.TemporaryFile() as sink:
        sys.stdout.flush()
        _flush_c_streams()
        saved = os.dup(STDOUT)
        os.dup2(sink.fileno(), STDOUT)
        try:
            yield
        finally:
            sys.stdout.flush()
            _flush_c_streams()
            os.dup2(saved, STDOUT)
            os.close(saved)
            sink.seek(0)
            captured = sink.read().decode("utf-8", "replace").strip()
            if captured:
                logger.debug("solver output: %s", captured)
