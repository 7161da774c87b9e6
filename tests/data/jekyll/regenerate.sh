#!/bin/sh
# Remakes urls.txt and pages.json in this folder from a real Jekyll build of
# tests/fixtures/jekyll (Debian's jekyll 4.3.1: `apt-get install jekyll`; no bundler, no
# plugins, no network). tests/jekyll.rs compares quire's build of the fixture with them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# A neutral environment: the fixture's _config.yml sets the time zone itself.
env -i PATH=/usr/bin:/bin HOME="$out" LANG=C.UTF-8 \
    jekyll build --quiet --safe --disable-disk-cache -s "$repo/tests/fixtures/jekyll" -d "$out/_site"
python3 "$here/extract.py" "$out/_site" "$here"
jekyll --version
