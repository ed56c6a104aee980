#!/usr/bin/env bash
# Makes the README's screenshots of `echodup report` on the sample articles
# (docs/cli-example/news.jsonl): the overview, and cluster 0 side by side.
# Needs Debian's chromium. Run from the repository root:
#   bash docs/report-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --features cli --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/echodup report docs/cli-example/news.jsonl --out "$tmp/news.html" \
    --title "Harbour Gazette: sample articles" --quiet
shot() { # OUT HASH HEIGHT
    chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/profile-$1" --window-size="1280,$3" \
        --screenshot="docs/$1" "file://$tmp/news.html#$2" 2>/dev/null
}
shot report-overview.png "" 1180
shot report-side-by-side.png "open=0&focus=1" 1000
ls -l docs/report-overview.png docs/report-side-by-side.png
