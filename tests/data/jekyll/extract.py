#!/usr/bin/env python3
"""Reads a Jekyll build of tests/fixtures/jekyll and writes what tests/jekyll.rs compares
quire's build with: urls.txt (every output file as a URL) and pages.json (per HTML page: its
formulas in order with their mode, the elements that carry attributes from an IAL or raw HTML,
the table of contents, headings, footnotes, abbreviations, definition terms, links, images,
code block languages and the text of its paragraphs without math).

Usage: extract.py SITE_DIR OUT_DIR
"""
import html.parser
import json
import os
import re
import sys

# Classes kramdown and rouge add by themselves: not the writer's.
GENERATED_CLASSES = {"language-plaintext", "highlighter-rouge"}
# Attributes every link or image has, compared on their own.
PLAIN_ATTRS = {"href", "src", "alt"}
VOID = {"img", "br", "hr", "meta", "link", "input"}


def norm_text(s):
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(s.split())


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, attrs, skip)
        self.text = []  # text of the whole page, for math
        self.out = {
            "math": [], "attributed": [], "toc": None, "headings": [], "footnotes": [],
            "abbr": [], "dt": [], "links": [], "images": [], "code": [], "paragraphs": [],
        }
        self.capture = []  # open (kind, buffer)

    def skipping(self):
        return any(s for _, _, s in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = a.get("class", "").split()
        skip_subtree = (
            (tag == "div" and ("footnotes" in classes or "highlighter-rouge" in classes))
            or (tag == "ul" and a.get("id") == "markdown-toc")
            or (tag == "figure" and "highlight" in classes)
            or (tag == "sup" and a.get("role") == "doc-noteref")
        )
        inside_skip = self.skipping()
        if tag == "ul" and a.get("id") == "markdown-toc":
            self.out["toc"] = []
        if self.out["toc"] is not None and tag == "a" and any(
            t == "ul" and at.get("id") == "markdown-toc" for t, at, _ in self.stack
        ):
            self.out["toc"].append(a.get("href"))
        if tag == "div" and "highlighter-rouge" in classes:
            self.out["code"].append(next(c[9:] for c in classes if c.startswith("language-")))
        if tag == "code" and any(t == "figure" for t, _, _ in self.stack):
            self.out["code"].append(a.get("data-lang"))
        if tag == "li" and any(t == "div" and "footnotes" in at.get("class", "") for t, at, _ in self.stack):
            self.out["footnotes"].append(a.get("id"))
        if tag == "sup" and a.get("role") == "doc-noteref":
            pass
        if not inside_skip and not skip_subtree:
            if tag == "a":
                self.out["links"].append(a.get("href"))
            if tag == "img":
                self.out["images"].append(a.get("src"))
            if re.fullmatch(r"h[1-6]", tag):
                self.out["headings"].append([int(tag[1]), a.get("id")])
            kept = {}
            for k, v in attrs:
                if k in PLAIN_ATTRS:
                    continue
                if k == "class":
                    v = " ".join(c for c in v.split() if c not in GENERATED_CLASSES)
                    if not v:
                        continue
                kept[k] = v
            if re.fullmatch(r"h[1-6]", tag) and "class" not in kept:
                kept.pop("id", None)  # kramdown's own heading ids
            if tag == "abbr":
                kept = {}
            if kept:
                self.out["attributed"].append({"tag": tag, "attrs": kept})
        if tag not in VOID:
            self.stack.append((tag, a, skip_subtree))
            for kind in ("abbr", "dt", "p"):
                if tag == kind:
                    self.capture.append((kind, a, [], inside_skip or skip_subtree))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            t, _, _ = self.stack.pop()
            if t == tag:
                break
        if self.capture and self.capture[-1][0] == tag:
            kind, a, buf, skipped = self.capture.pop()
            text = "".join(buf)
            if kind == "abbr" and not skipped:
                self.out["abbr"].append([text, a.get("title")])
            elif kind == "dt":
                self.out["dt"].append(norm_text(text))
            elif kind == "p" and not skipped and "\\(" not in text and "\\[" not in text:
                self.out["paragraphs"].append(norm_text(text))

    def handle_data(self, data):
        self.text.append(data)
        for _, _, buf, _ in self.capture:
            buf.append(data)

    def handle_comment(self, data):
        pass


def math(text):
    """kramdown with math_engine mathjax writes display math as \\[…\\], inline as \\(…\\)."""
    found = []
    for m in re.finditer(r"\\\[(.*?)\\\]|\\\((.*?)\\\)", text, re.S):
        if m.group(1) is not None:
            found.append(["display", m.group(1)])
        else:
            found.append(["inline", m.group(2)])
    return found


def main(site, out_dir):
    urls, pages = [], {}
    for root, _, files in os.walk(site):
        for f in files:
            rel = "/" + os.path.relpath(os.path.join(root, f), site).replace(os.sep, "/")
            url = rel[: -len("index.html")] if rel.endswith("/index.html") else rel
            urls.append(url)
            if f.endswith(".html"):
                p = Page()
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    doc = fh.read()
                p.feed(doc)
                p.close()
                out = p.out
                out["math"] = math("".join(p.text))
                out["liquid_left"] = len(re.findall(r"\{\{|\{%", "".join(p.text)))
                pages[url] = out
    with open(os.path.join(out_dir, "urls.txt"), "w", encoding="utf-8") as fh:
        fh.write("".join(u + "\n" for u in sorted(urls)))
    with open(os.path.join(out_dir, "pages.json"), "w", encoding="utf-8") as fh:
        json.dump(pages, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
