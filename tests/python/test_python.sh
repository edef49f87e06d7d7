#!/usr/bin/env bash
# The Python module (python/lgc) under pytest, with Debian's Python, NumPy and
# pytest (scripts/setup.sh installs them; python3-torch for lgc.torch, whose
# tests skip without it). The module loads this build's liblgc.so.0.
set -u
: "${LGC_BUILD_DIR:?}" "${LGC_SOURCE_DIR:?}" "${LGC:?}"
PY=${LGC_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import numpy, pytest' 2>/dev/null; then
  echo "FAIL: $PY with numpy and pytest is needed (scripts/setup.sh installs python3-numpy python3-pytest)" >&2
  exit 1
fi
export LGC_LIB="$LGC_BUILD_DIR/liblgc.so.0" PYTHONPATH="$LGC_SOURCE_DIR/python" SOURCE_DATE_EPOCH=0
if ldd "$LGC_LIB" 2>/dev/null | grep -q libasan; then
  # Python itself is not built with the sanitizers; scripts/test.sh runs this in the Release build.
  echo "python: $LGC_LIB is a sanitizer build; the module is tested against the Release build"
  echo "0 passed, 0 failed"
  exit 0
fi
export PYTHONDONTWRITEBYTECODE=1
cd "$LGC_SOURCE_DIR" && exec "$PY" -m pytest -q -p no:cacheprovider tests/python "$@"
