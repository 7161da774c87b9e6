#!/usr/bin/env bash
# Writes KaTeX 0.16.4's stylesheet, woff2 fonts and licence into this folder, from the npm
# package, for quire to compile into its binary (src/katex_assets.rs). No crate ships them, and
# the CDN copy is exactly what fails offline or behind a firewall, so the repository carries them.
#
#   assets/katex/fetch.sh           download, verify, and write (or re-check) the files
#   assets/katex/fetch.sh --verify  offline: check the committed files against SHA256SUMS
#
# Trust chain: the tarball must match the registry's published sha512 (pinned below, so a
# changed registry cannot change quire's files); what it produces must match the committed
# SHA256SUMS when there is one, so a re-run proves the committed files come from that tarball.
#
# ONE MODIFICATION to KaTeX's files, made here and nowhere else: katex.min.css lists each font as
# woff2, then woff, then ttf. Only the woff2 files ship (every browser quire's pages target reads
# woff2; the woff/ttf would triple the size), so the `,url(fonts/X.woff) format("woff"),
# url(fonts/X.ttf) format("truetype")` fallbacks are removed with one fixed sed expression;
# otherwise they would be references to files that do not exist, which `quire check` reports.
# Everything else in the CSS is byte for byte KaTeX's.
#
# Needs bash, curl, tar, sed, sha256sum and openssl (or python3) for the sha512.
set -euo pipefail
export LC_ALL=C

VERSION=0.16.4
URL="https://registry.npmjs.org/katex/-/katex-${VERSION}.tgz"
# `dist.integrity` of https://registry.npmjs.org/katex/0.16.4
INTEGRITY="sha512-WudRKUj8yyBeVDI4aYMNxhx5Vhh2PjpzQw1GRu/LVGqL4m1AxwD1GcUp0IMbdJaf5zsjtj8ghP0DOQRYhroNkw=="

here="$(cd "$(dirname "$0")" && pwd)"

if [[ "${1:-}" == "--verify" ]]; then
  cd "$here"
  sha256sum --quiet --strict -c SHA256SUMS
  # No file besides the listed ones (and this script and the sums) may ship unnoticed.
  listed="$(awk '{print $2}' SHA256SUMS | sed 's/^\*//' | sort)"
  present="$(find . -type f ! -name fetch.sh ! -name SHA256SUMS | sed 's|^\./||' | sort)"
  if [[ "$listed" != "$present" ]]; then
    echo "fetch.sh: files differ from SHA256SUMS:" >&2
    diff <(echo "$listed") <(echo "$present") >&2 || true
    exit 1
  fi
  echo "fetch.sh: the committed KaTeX files match SHA256SUMS"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

curl -fsSL --retry 3 -o "$tmp/katex.tgz" "$URL"
if command -v openssl >/dev/null 2>&1; then
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/katex.tgz" | base64 -w0)"
else
  got="sha512-$(python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$tmp/katex.tgz")"
fi
if [[ "$got" != "$INTEGRITY" ]]; then
  echo "fetch.sh: $URL does not match the pinned integrity" >&2
  echo "  expected $INTEGRITY" >&2
  echo "  got      $got" >&2
  exit 1
fi

tar -xzf "$tmp/katex.tgz" -C "$tmp" package/LICENSE package/dist/katex.min.css package/dist/fonts
pkg="$tmp/package"
out="$tmp/out"
mkdir -p "$out/fonts"
cp "$pkg/LICENSE" "$out/LICENSE"
cp "$pkg"/dist/fonts/*.woff2 "$out/fonts/"
sed -E 's#,url\(fonts/([A-Za-z0-9_-]+)\.woff\) format\("woff"\),url\(fonts/\1\.ttf\) format\("truetype"\)##g' \
  "$pkg/dist/katex.min.css" >"$out/katex.min.css"

# The rewrite must have left exactly one reference per shipped font and nothing else.
refs="$(grep -o 'url([^)]*)' "$out/katex.min.css" | sed -E 's/^url\((.*)\)$/\1/' | sort)"
fonts="$(cd "$out" && ls fonts/*.woff2 | sort)"
if [[ "$refs" != "$fonts" ]]; then
  echo "fetch.sh: the rewritten CSS does not reference exactly the woff2 fonts:" >&2
  diff <(echo "$refs") <(echo "$fonts") >&2 || true
  exit 1
fi

(cd "$out" && sha256sum katex.min.css LICENSE fonts/*.woff2) >"$out/SHA256SUMS"

if [[ -f "$here/SHA256SUMS" ]]; then
  if ! cmp -s "$here/SHA256SUMS" "$out/SHA256SUMS"; then
    echo "fetch.sh: the files made from $URL differ from the committed SHA256SUMS:" >&2
    diff "$here/SHA256SUMS" "$out/SHA256SUMS" >&2 || true
    echo "(delete SHA256SUMS to accept new files deliberately)" >&2
    exit 1
  fi
fi

rm -rf "$here/fonts"
cp -R "$out/fonts" "$here/fonts"
cp "$out/katex.min.css" "$out/LICENSE" "$out/SHA256SUMS" "$here/"
"$0" --verify
