#!/usr/bin/env bash
# Make .venv match uv.lock exactly. Needs only python3 (3.11+) with venv and pip, and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
tools=.tools
if [ ! -x "$tools/bin/uv" ] || ! "$tools/bin/uv" --version 2>/dev/null | grep -q " $UV_VERSION"; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=.venv
# --all-extras: the tests also cover the optional parts (the task queue: Celery, redis; docs/scale.md)
"$tools/bin/uv" sync --frozen --all-extras --quiet --compile-bytecode --python "$(command -v python3)"
# Containers often set PYTHONDONTWRITEBYTECODE=1: Python then never caches what it compiles, and every command
# would recompile sqlalchemy, pydantic, trimtab itself and its test kit (seconds per command). Compile them once here.
.venv/bin/python -m compileall -q -j 0 src testkit/src > /dev/null
# The dashboard's browser tests drive Debian's Chromium headless (Playwright never downloads a browser here);
# a Korean font lets its screenshots show the demo's Korean instrument names.
if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/nanum ]; } && command -v apt-get > /dev/null \
   && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
     fonts-liberation fonts-dejavu-core \
     fonts-nanum) \
    > /dev/null 2>&1 || echo "bootstrap: could not install chromium (the browser tests will be skipped)" >&2
fi
