//! Keeps a file's line numbers through Liquid, so a message from a later stage (a bad IAL, a
//! KaTeX error, a broken link) names the line it was written on, below an include, a loop or
//! an `if` as well as above.
//!
//! Before rendering, [`mark`] puts a mark (a private-use character, the line's number, another)
//! at the start of each line Liquid will copy as text; after it, [`settle`] takes the marks out
//! and makes the text between two marks hold as many line feeds as the source did: a line
//! Liquid added (an include's, a loop's) ends in a carriage return instead, which Markdown
//! reads as a line ending but no line count sees, and a line Liquid removed is given back as an
//! extra blank line where the text already has one (at the next such place, if there is none).

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// `text` with a mark at the start of each line outside Liquid's tags, `{% capture %}` (whose
/// text may go through filters) and before whitespace control (`{%-` would stop at a mark).
pub fn mark(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut in_tag: Option<&str> = None;
    let mut captures = 0usize;
    let mut line = 1usize;
    let mut at_line_start = true;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if at_line_start {
            at_line_start = false;
            let lead = rest.trim_start_matches([' ', '\t']);
            // A line that is a tag gets none: its mark would land inside the block the tag
            // closes (`{% endhighlight %}`: in the code) or stop `{%-` at it.
            let tag_line = lead.starts_with("{%") || lead.starts_with("{{-");
            if in_tag.is_none() && captures == 0 && !tag_line {
                out.push(OPEN);
                out.push_str(&line.to_string());
                out.push(CLOSE);
            }
        }
        match in_tag {
            None if rest.starts_with("{{") => in_tag = Some("}}"),
            None if rest.starts_with("{%") => {
                in_tag = Some("%}");
                let word = rest[2..]
                    .trim_start_matches('-')
                    .split_whitespace()
                    .next()
                    .unwrap_or_default();
                match word {
                    "capture" => captures += 1,
                    "endcapture" => captures = captures.saturating_sub(1),
                    _ => {}
                }
            }
            Some(close) if rest.starts_with(close) => {
                in_tag = None;
                out.push_str(close);
                i += 2;
                continue;
            }
            _ => {}
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8();
        if c == '\n' {
            line += 1;
            at_line_start = true;
        }
    }
    out
}

/// Liquid's output of a [`mark`]ed text: the marks taken out and line feeds as in the source.
pub fn settle(rendered: &str) -> String {
    // The text without marks, and where each line's first mark landed (lines in order only:
    // a loop repeats its marks, a captured one may come back later).
    let mut text = String::with_capacity(rendered.len());
    let mut anchors: Vec<(usize, usize)> = vec![(1, 0)];
    let mut rest = rendered;
    while let Some(open) = rest.find(OPEN) {
        text.push_str(&rest[..open]);
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = after.find(CLOSE) else {
            rest = after;
            continue;
        };
        if let Ok(line) = after[..close].parse::<usize>()
            && anchors.last().is_some_and(|&(l, _)| line > l)
        {
            anchors.push((line, text.len()));
        }
        rest = &after[close + CLOSE.len_utf8()..];
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len() + 16);
    let mut debt = 0usize;
    for pair in anchors.windows(2) {
        let ((l1, p1), (l2, p2)) = (pair[0], pair[1]);
        let segment = &text[p1..p2];
        let want = l2 - l1;
        let have = segment.matches('\n').count();
        if have > want {
            // Pays what an earlier segment lacked first, then the rest become `\r`.
            let paid = debt.min(have - want);
            debt -= paid;
            let extra = have - want - paid;
            out.push_str(&fewer_line_feeds(segment, text[p2..].chars().next(), extra));
            continue;
        }
        debt += want - have;
        // A blank line already there (or just before) takes the missing ones.
        let blank = if out.ends_with('\n') && segment.starts_with('\n') {
            Some(0)
        } else {
            segment.find("\n\n").map(|p| p + 1)
        };
        match blank {
            Some(p) if debt > 0 => {
                out.push_str(&segment[..p]);
                out.push_str(&"\n".repeat(debt));
                out.push_str(&segment[p..]);
                debt = 0;
            }
            _ => out.push_str(segment),
        }
    }
    let last = anchors.last().map_or(0, |&(_, p)| p);
    out.push_str(&text[last..]);
    out
}

/// `segment` with `extra` of its line feeds made carriage returns, from the end (so none is
/// left right before a `\n`: `\r\n` is one line ending to Markdown, and the blank line it
/// stood for would be lost), or dropped where a blank line stays (two read as one).
fn fewer_line_feeds(segment: &str, next: Option<char>, mut extra: usize) -> String {
    let mut chars: Vec<Option<char>> = segment.chars().map(Some).collect();
    for i in (0..chars.len()).rev() {
        if extra == 0 {
            break;
        }
        if chars[i] != Some('\n') {
            continue;
        }
        let after = chars[i + 1..].iter().flatten().next().copied().or(next);
        let before = chars[..i].iter().rev().flatten().next().copied();
        if after != Some('\n') {
            chars[i] = Some('\r');
            extra -= 1;
        } else if before == Some('\n') {
            chars[i] = None;
            extra -= 1;
        }
    }
    chars.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Marks, then a stand-in for Liquid that replaces each `{{X}}`/`{%X%}` by `f(X)`.
    fn through(text: &str, f: impl Fn(&str) -> String) -> String {
        let marked = mark(text);
        let mut out = String::new();
        let mut rest = marked.as_str();
        while let Some(open) = rest.find(['{']) {
            out.push_str(&rest[..open]);
            let close = rest[open..].find(['}']).unwrap() + open;
            out.push_str(&f(&rest[open + 2..close - 1]));
            rest = &rest[close + 2..];
        }
        out + rest
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text[..text.find(needle).unwrap()].matches('\n').count() + 1
    }

    #[test]
    fn lines_added_by_liquid_end_in_carriage_returns() {
        let src = "a\n{{ inc }}\nb\nLAST\n";
        let out = settle(&through(src, |_| "x\n\ny\nz\n".into()));
        assert_eq!(line_of(&out, "LAST"), line_of(src, "LAST"));
        assert_eq!(out.replace('\r', "\n"), "a\nx\n\ny\nz\n\nb\nLAST\n");
        // Every blank line is still one: no `\r` comes right before a `\n`.
        assert!(!out.contains("\r\n"), "{out:?}");
    }

    #[test]
    fn lines_liquid_removed_come_back_at_a_blank_line() {
        let src = "a\n{% if %}\nkept\n{% else %}\ngone\n{% endif %}\n\nLAST\n";
        // What Liquid does with the branch not taken: its lines go, marks and all.
        let marked = mark(src);
        let start = marked.find("{% else %}").unwrap();
        let end = marked.find("{% endif %}").unwrap() + "{% endif %}".len();
        let rendered = format!("{}{}", &marked[..start], &marked[end..]).replace("{% if %}", "");
        let out = settle(&rendered);
        assert!(!out.contains(OPEN) && !out.contains(CLOSE), "{out:?}");
        assert_eq!(line_of(&out, "LAST"), line_of(src, "LAST"));
        assert!(out.starts_with("a\n\nkept\n"), "{out:?}");
    }

    #[test]
    fn no_mark_inside_a_tag_a_capture_or_before_whitespace_control() {
        let marked = mark(
            "a {% include x.html\n  a=1 %}\nb {% capture c %}\nin\n{% endcapture %}\n  {%- if x -%}\n",
        );
        let marks: Vec<&str> = marked
            .match_indices(OPEN)
            .map(|(i, _)| &marked[i..i + 4])
            .collect();
        assert_eq!(marks.len(), 2, "{marked:?}");
        assert!(marked.contains("\n  a=1 %}"), "{marked:?}");
        assert!(marked.contains("\nin\n"), "{marked:?}");
    }
}
