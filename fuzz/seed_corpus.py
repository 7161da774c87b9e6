#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds: the hand-written ones in fuzz/seeds/<target>/, and
inputs taken from the repository's own posts and test data. Run from anywhere; re-running only
adds files. libFuzzer names files by content hash, so duplicates are harmless."""

import hashlib
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
MAX_LEN = 4096  # the -max_len the README uses; longer seeds would be cut anyway


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


def chunks(text, limit):
    """Splits Markdown at blank lines into pieces of at most `limit` bytes."""
    piece = ""
    for para in text.split("\n\n"):
        para += "\n\n"
        if piece and len((piece + para).encode()) > limit:
            yield piece
            piece = ""
        piece += para
    if piece:
        yield piece


def main():
    for target in ("front_matter", "post"):
        for f in sorted((FUZZ / "seeds" / target).glob("*")):
            put(target, f.read_bytes())

    posts = sorted((ROOT / "posts").rglob("*.md")) + sorted(
        (ROOT / "tests" / "fixtures").rglob("*.md*")
    )
    for p in posts:
        text = p.read_text(encoding="utf-8")
        name = p.name if "fixtures" not in p.parts else str(p).split("/posts/", 1)[1]
        head = text.split("\n---\n", 1)[0] + "\n---\n" if text.startswith("---\n") else ""
        put("front_matter", f"{name}\0{head}")
        put("front_matter", head or text[:MAX_LEN])
        for piece in chunks(text, MAX_LEN - 200):
            put("post", piece)

    data = ROOT / "tests" / "data"
    cases = json.loads((data / "cjk_friendly_cases.json").read_text(encoding="utf-8"))["cases"]
    for c in cases:
        put("post", c["markdown"])
    examples = json.loads((data / "commonmark_emphasis.json").read_text(encoding="utf-8"))
    for e in examples["examples"]:
        put("post", e["markdown"])
    for f in json.loads((data / "seed_katex.json").read_text(encoding="utf-8")):
        put("post", f"$${f['tex']}$$\n" if f["display"] else f"${f['tex']}$\n")

    for target in ("front_matter", "post"):
        n = len(list((FUZZ / "corpus" / target).iterdir()))
        print(f"corpus/{target}: {n} files")


if __name__ == "__main__":
    main()
