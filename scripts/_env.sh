# Shared by scripts/demo and scripts/test: find Python >= 3.11 and make the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "OpenCMC needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
}

ensure_venv() {  # $1: the extras to install, e.g. "" or "[test]"
  local python
  python=$(find_python)
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".$1"
}
