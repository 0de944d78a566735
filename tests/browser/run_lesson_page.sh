#!/usr/bin/env bash
# CTest's browser tests: exports lesson 1 as a page with the program just built, then drives it in
# Debian's Chromium or Firefox ESR (lesson_page.mjs), each against a golden image of its own. 77
# (skipped, with the reason) without node, the browser or puppeteer-core (`npm ci --prefix
# tests/browser`; .ci/run installs them all).
#   run_lesson_page.sh BACKLOG SOURCE_DIR WORK_DIR chromium|firefox [--update-golden]
set -euo pipefail
backlog=$1 source=$2 work=$3 browser=$4
shift 4
golden=$source/tests/browser/golden/lesson-page-01.png
[[ $browser == firefox ]] && golden=$source/tests/browser/golden/lesson-page-01-firefox.png
command -v node >/dev/null || { echo "SKIP: node is not installed (Debian package nodejs)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
start=$(date +%s.%N)
QT_QPA_PLATFORM=offscreen "$backlog" export "$source/lessons/01-two-queues.yaml" --out "$work/lesson.html"
end=$(date +%s.%N)
echo "measured: lesson 1 exported as a page in $(echo "$end - $start" | bc) s, $(stat -c %s "$work/lesson.html") bytes"
BROWSER=$browser exec node "$source/tests/browser/lesson_page.mjs" "$work/lesson.html" "$golden" "$work" "$@"
