"""Files under the user's cache folder (~/.cache/trimtab) for values that are pure functions of their key.

A file is named by a digest of everything its content depends on (library versions, parameters), so a stale file
is never read, only left behind. Reading a damaged or missing file, or failing to write one, only costs the
computation the file would have saved.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def cache_file(kind: str, name: str, key: object) -> Path:
    """The cache file of one value: ~/.cache/trimtab/KIND/NAME-DIGEST.json, DIGEST from the JSON of `key`."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return Path.home() / ".cache" / "trimtab" / kind / f"{name}-{digest}.json"


def read_cached(path: Path) -> Any:
    """The JSON value stored in a cache file, or None when there is none or it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cached(path: Path, value: Any) -> None:
    """Store a JSON value atomically (a reader sees the old file or the new one); failures are ignored."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(value, handle)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
