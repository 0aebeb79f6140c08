#!/usr/bin/env bash
# Runs shellcheck over the project's own scripts (rendered host scripts are checked by the unit tests).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { echo "shellcheck is not installed (apt-get install -y shellcheck)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.sh' .ci/run)
shellcheck -x -S style "${files[@]}"
echo "shellcheck: ${#files[@]} scripts clean"
