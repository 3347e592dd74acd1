#!/usr/bin/env bash
# Set up and run CV Skills Lab on a fresh machine.
#   bash scripts/dev.sh app    install the runtime, start the app on the bundled samples (http://localhost:8501)
#   bash scripts/dev.sh test   install runtime + test tools + Debian's Chromium and nginx, lint, run the whole suite
#   bash scripts/dev.sh quick  lint, then the suite without slow and browser tests (under 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CVLAB_VENV:-.venv}"

install_python() {
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r requirements.txt "$@"
}

install_system() {  # Debian's Chromium (browser tests) and nginx (tests/e2e/test_balancer.py, deploy/)
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

case "${1:-}" in
  app)
    install_python
    exec "$VENV/bin/streamlit" run Home.py
    ;;
  test)
    install_python -r requirements-dev.txt
    install_system
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/python" -m pytest
    ;;
  quick)
    [ -x "$VENV/bin/ruff" ] || install_python -r requirements-dev.txt  # set up once; `test` reinstalls
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/python" -m pytest -m "not slow and not e2e" --ignore=tests/e2e "${@:2}"  # e2e not even collected
    ;;
  *)
    echo "usage: bash scripts/dev.sh app|test|quick" >&2
    exit 2
    ;;
esac
