//! What the pages layer reads out of rendered HTML: the excerpt (cut at the separator, made fit
//! for a listing), plain text for descriptions (formulas as their TeX source), and reading time.
//!
//! The HTML here is the Markdown stage's output: well formed, attribute values quoted and
//! escaped, plus whatever raw HTML the author wrote. The small tokenizer below is enough for
//! that; anything it cannot read is kept as text rather than lost.

use icu_properties::CodePointMapData;
use icu_properties::props::Script;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use std::borrow::Cow;

use crate::html::decode_entities;

/// How fast the reading time assumes people read: CJK text by the character (Han, kana), other
/// text by the word (a run of letters and digits, a formula's TeX counted the same way).
pub const CJK_CHARS_PER_MINUTE: f64 = 400.0;
pub const WORDS_PER_MINUTE: f64 = 200.0;

/// Longest description taken from an excerpt, in characters (an author's `description` is used
/// whole).
pub const DESCRIPTION_CHARS: usize = 160;

enum Token<'a> {
    Text(&'a str),
    /// Names are borrowed unless the HTML spells them in capitals: KaTeX writes thousands of
    /// tags a post, and a string allocated for each name was most of the time spent here.
    Start {
        name: Cow<'a, str>,
        attrs: &'a str,
        self_closing: bool,
    },
    End(Cow<'a, str>),
    /// A comment, doctype or processing instruction.
    Other,
}

/// Elements that never have content or an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style"];

/// Elements whose start and end separate words.
const BLOCKS: &[&str] = &[
    "address",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// `html`'s tokens, with a formula's markup read in bulk (see [`formula_parts`]).
fn tokens(html: &str) -> Vec<Token<'_>> {
    tokenize(html, true)
}

/// `html`'s tokens. With `bulk`, what [`text_of`] would pass over inside KaTeX's output is not
/// tokenized: a `<math>` element becomes its start and end with only its `<annotation>`s
/// inside, and the glyphs (`<span class="katex-html">`) that follow a formula whose TeX was
/// read become their start and end tags. KaTeX writes some hundred tags per formula, which
/// made reading a post's text cost more than indexing it; [`text_of`] reads the same text
/// either way (a test checks it on KaTeX's real output).
fn tokenize(html: &str, bulk: bool) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    // Where the last `<math>` read in bulk ended, when it held a TeX annotation.
    let mut tex_end: Option<usize> = None;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &html[i..];
        let (token, len) = if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            (Token::Other, end)
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            (Token::Other, rest.find('>').map_or(rest.len(), |e| e + 1))
        } else if let Some(after) = rest.strip_prefix("</") {
            let name_len = after
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            if name_len == 0 {
                i += 1;
                continue;
            }
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            (Token::End(lowercase(&after[..name_len])), end)
        } else if rest.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic) {
            let name_len = rest[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(rest.len() - 1);
            let name = lowercase(&rest[1..1 + name_len]);
            let Some(end) = tag_end(rest, 1 + name_len) else {
                // No `>`: not a tag, text.
                i += 1;
                continue;
            };
            let inner = &rest[1 + name_len..end];
            let self_closing = inner.trim_end().ends_with('/');
            let mut len = end + 1;
            if bulk && !self_closing {
                let after_tex = tex_end.is_some_and(|e| html.get(e..i) == Some("</span>"));
                if let Some(parts) = formula_parts(&name, inner, &rest[len..], after_tex) {
                    if text_start < i {
                        out.push(Token::Text(&html[text_start..i]));
                    }
                    out.push(Token::Start {
                        name: name.clone(),
                        attrs: inner,
                        self_closing,
                    });
                    tex_end = None;
                    if parts.tex {
                        tex_end = Some(i + len + parts.len);
                    }
                    out.extend(parts.inside);
                    out.push(Token::End(name));
                    i += len + parts.len;
                    text_start = i;
                    continue;
                }
            }
            let raw = RAW_TEXT.contains(&name.as_ref());
            let token = Token::Start {
                name: name.clone(),
                attrs: inner,
                self_closing,
            };
            if raw && !self_closing {
                // Skip the raw text and its end tag: no text of a script or style is wanted.
                let close = format!("</{name}");
                let body = &rest[len..];
                let stop = body
                    .to_ascii_lowercase()
                    .find(&close)
                    .map_or(body.len(), |p| {
                        p + body[p..].find('>').map_or(body.len() - p, |e| e + 1)
                    });
                len += stop;
                if text_start < i {
                    out.push(Token::Text(&html[text_start..i]));
                }
                out.push(token);
                out.push(Token::End(name));
                i += len;
                text_start = i;
                continue;
            }
            (token, len)
        } else {
            i += 1;
            continue;
        };
        if text_start < i {
            out.push(Token::Text(&html[text_start..i]));
        }
        out.push(token);
        i += len;
        text_start = i;
    }
    if text_start < b.len() {
        out.push(Token::Text(&html[text_start..]));
    }
    out
}

/// What [`tokenize`] reads in bulk after a start tag `name` (attributes `attrs`) followed by
/// `rest`: the tokens inside that matter, and the length up to and with the end tag.
struct Parts<'a> {
    inside: Vec<Token<'a>>,
    len: usize,
    /// A `<math>` whose annotations include TeX.
    tex: bool,
}

/// KaTeX's markup after a start tag, when `rest` is read in bulk (see [`tokenize`]): a
/// `<math>` element (only its annotations), or the glyphs' `<span class="katex-html">` right
/// after a formula whose TeX was read (`after_tex`: nothing inside). `None` for anything else,
/// or anything not as KaTeX writes it, which is then tokenized tag by tag.
fn formula_parts<'a>(name: &str, attrs: &str, rest: &'a str, after_tex: bool) -> Option<Parts<'a>> {
    const MATH_END: &str = "</math>";
    const ANNOTATION: &str = "<annotation";
    const ANNOTATION_END: &str = "</annotation>";
    if name == "math" {
        let body = &rest[..rest.find(MATH_END)?];
        let mut inside = Vec::new();
        let mut tex = false;
        let mut from = 0;
        while let Some(at) = body[from..].find(ANNOTATION).map(|p| from + p) {
            let tag = &body[at..];
            let after = tag.as_bytes().get(ANNOTATION.len()).copied();
            if after != Some(b' ') && after != Some(b'>') {
                // `<annotation-xml>` and the like: not what KaTeX writes.
                return None;
            }
            let close = tag_end(tag, ANNOTATION.len())?;
            let attrs = &tag[ANNOTATION.len()..close];
            let text_from = at + close + 1;
            let text_len = body[text_from..].find(ANNOTATION_END)?;
            let text = &body[text_from..text_from + text_len];
            if attrs.trim_end().ends_with('/') || text.contains('<') {
                return None;
            }
            tex |= attr(attrs, "encoding").is_some_and(|e| e.contains("tex"));
            inside.push(Token::Start {
                name: Cow::Borrowed("annotation"),
                attrs,
                self_closing: false,
            });
            if !text.is_empty() {
                inside.push(Token::Text(text));
            }
            inside.push(Token::End(Cow::Borrowed("annotation")));
            from = text_from + text_len + ANNOTATION_END.len();
        }
        return Some(Parts {
            inside,
            len: body.len() + MATH_END.len(),
            tex,
        });
    }
    if !(after_tex && name == "span" && attrs.starts_with(" class=\"katex-html\"")) {
        return None;
    }
    // To the `</span>` that closes it: KaTeX's glyphs are spans (and SVG) all the way down.
    let mut depth = 1;
    let mut at = 0;
    while let Some(p) = rest[at..].find('<') {
        at += p;
        let tag = &rest[at..];
        if tag.starts_with("</span>") {
            depth -= 1;
            if depth == 0 {
                return Some(Parts {
                    inside: Vec::new(),
                    len: at + "</span>".len(),
                    tex: false,
                });
            }
        } else if tag.starts_with("<span ") || tag.starts_with("<span>") {
            depth += 1;
        }
        at += 1;
    }
    None
}

/// `name` in lower case, borrowed when it already is.
fn lowercase(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The offset of the `>` closing the tag that starts `s`, searching from `from`, quotes
/// respected.
fn tag_end(s: &str, from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &c) in s.as_bytes().iter().enumerate().skip(from) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The value of attribute `name` in a start tag's attribute text, entities left as written.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let b = attrs.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !(b[i].is_ascii_whitespace() || b"=/>".contains(&b[i])) {
            i += 1;
        }
        let key = &attrs[start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vstart = i + 1;
                let vend = attrs[vstart..]
                    .bytes()
                    .position(|c| c == q)
                    .map_or(b.len(), |p| vstart + p);
                value = &attrs[vstart..vend];
                i = vend + 1;
            } else {
                let vstart = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = &attrs[vstart..i];
            }
        }
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        if i == start {
            i += 1;
        }
    }
    None
}

fn has_class(attrs: &str, class: &str) -> bool {
    attr(attrs, "class").is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
}

/// The text a reader reads in `html`, whitespace collapsed: a KaTeX formula becomes its TeX
/// source between `$`s (from its MathML annotation; with `output = "html"` there is none, and
/// the glyphs' text is taken), scripts and styles are dropped, and blocks are separated by a
/// space.
pub fn plain_text(html: &str) -> String {
    text_of(&tokens(html))
}

/// A part of a page for search: the text under a heading that has an id (so a result can link
/// to it), or before the first such heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: Option<Heading>,
    /// As [`plain_text`] reads it: formulas as `$TeX$`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The id as written in the HTML (entities decoded), without `#`.
    pub id: String,
    /// Its text as [`plain_text`] reads it, without the `#` link the Markdown stage adds.
    pub text: String,
}

/// `html` cut at each heading with an id, every part as plain text (see [`plain_text`]): what
/// search indexes, so a match links to the section holding it. Sections with neither heading
/// nor text are left out.
pub fn sections(html: &str) -> Vec<Section> {
    sections_read(html, true)
}

/// [`sections`], `bulk` as for [`tokenize`].
fn sections_read(html: &str, bulk: bool) -> Vec<Section> {
    let tokens = tokenize(html, bulk);
    let mut out = Vec::new();
    let mut push = |heading: Option<Heading>, body: &[Token]| {
        let text = text_of(body);
        if heading.is_some() || !text.is_empty() {
            out.push(Section { heading, text });
        }
    };
    let (mut heading, mut start, mut i) = (None, 0, 0);
    while i < tokens.len() {
        let found = match &tokens[i] {
            Token::Start { name, attrs, .. } => heading_level(name)
                .zip(attr(attrs, "id"))
                .and_then(|(level, id)| {
                    let end = tokens[i + 1..]
                        .iter()
                        .position(|t| matches!(t, Token::End(n) if n == name))?;
                    Some((level, decode_entities(id), i + 1 + end))
                }),
            _ => None,
        };
        match found {
            Some((level, id, end)) => {
                push(heading.take(), &tokens[start..i]);
                heading = Some(Heading {
                    level,
                    id,
                    text: text_of(&tokens[i + 1..end]),
                });
                start = end + 1;
                i = end + 1;
            }
            None => i += 1,
        }
    }
    push(heading, &tokens[start..]);
    out
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// [`plain_text`] of tokens already read. A heading's `#` link (`a.anchor`, from the Markdown
/// stage) is not text.
fn text_of(tokens: &[Token<'_>]) -> String {
    struct Open<'t> {
        name: &'t str,
        /// Text inside is not the reader's.
        skip: bool,
        annotation: bool,
    }
    let mut out = String::new();
    let mut stack: Vec<Open> = Vec::new();
    // KaTeX writes a formula's MathML (holding the TeX) before its HTML rendering, inside one
    // `.katex` element: once the TeX is out, the HTML rendering's text is a second copy.
    let mut formula_has_tex = false;
    for token in tokens {
        match token {
            Token::Text(t) => {
                if !stack.last().is_some_and(|o| o.skip) {
                    if t.contains('&') {
                        out.push_str(&decode_entities(t));
                    } else {
                        out.push_str(t);
                    }
                }
            }
            Token::Start {
                name,
                attrs,
                self_closing,
            } => {
                if BLOCKS.contains(&name.as_ref()) {
                    out.push(' ');
                }
                if *self_closing || VOID.contains(&name.as_ref()) {
                    continue;
                }
                if has_class(attrs, "katex") {
                    formula_has_tex = false;
                }
                let annotation = name == "annotation"
                    && attr(attrs, "encoding").is_some_and(|e| e.contains("tex"));
                let skip = if annotation {
                    formula_has_tex = true;
                    out.push_str(" $");
                    false
                } else {
                    stack.last().is_some_and(|o| o.skip)
                        || name == "math"
                        || RAW_TEXT.contains(&name.as_ref())
                        || (has_class(attrs, "katex-html") && formula_has_tex)
                        || (name == "a" && has_class(attrs, "anchor"))
                };
                stack.push(Open {
                    name: name.as_ref(),
                    skip,
                    annotation,
                });
            }
            Token::End(name) => {
                if let Some(pos) = stack.iter().rposition(|o| o.name == name.as_ref()) {
                    if stack[pos..].iter().any(|o| o.annotation) {
                        out.push('$');
                    }
                    stack.truncate(pos);
                }
                if BLOCKS.contains(&name.as_ref()) {
                    out.push(' ');
                }
            }
            Token::Other => {}
        }
    }
    collapse_whitespace(&out)
}

/// Runs of whitespace (no-break spaces included) as one space, none at either end.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// At most `max` characters of `text`, ending with `…` when cut; a cut within the last few
/// characters of a word moves back to the space before it.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    let head = match head.rfind(' ') {
        Some(space) if head.len() - space < 20 => &head[..space],
        _ => head,
    };
    format!("{}…", head.trim_end())
}

/// Whether a post's excerpt is cut at `separator` in its HTML (see [`excerpt`]): only when its
/// Markdown holds it.
pub fn cuts_at_separator(separator: &str, markdown: &str) -> bool {
    !separator.is_empty() && markdown.contains(separator)
}

/// The start of `html` up to `end`, with every element left open there closed, so a cut in
/// the middle of a paragraph or a list is still well formed.
pub fn cut_at(html: &str, end: usize) -> String {
    cut_read(html, end, true)
}

/// [`cut_at`], `bulk` as for [`tokenize`].
fn cut_read(html: &str, end: usize, bulk: bool) -> String {
    let head = &html[..end];
    let mut open: Vec<Cow<'_, str>> = Vec::new();
    for token in tokenize(head, bulk) {
        match token {
            Token::Start {
                name, self_closing, ..
            } if !self_closing && !VOID.contains(&name.as_ref()) => open.push(name),
            Token::End(name) => {
                if let Some(pos) = open.iter().rposition(|o| *o == name) {
                    open.truncate(pos);
                }
            }
            _ => {}
        }
    }
    let mut out = head.trim_end().to_string();
    for name in open.iter().rev() {
        out.push_str(&format!("</{name}>"));
    }
    out.push('\n');
    out
}

/// Minutes to read `text` (plain text), at least 1: CJK characters at
/// [`CJK_CHARS_PER_MINUTE`], words of other scripts at [`WORDS_PER_MINUTE`]. The definition;
/// pages count it over their [`sections`] ([`reading_minutes_of`]).
#[cfg(test)]
fn reading_minutes(text: &str) -> u32 {
    let mut read = Read::default();
    read.add(text);
    read.minutes()
}

/// Minutes to read the page whose [`sections`] these are: what [`Read`] counts over its
/// [`plain_text`], since a section ends where a block does and no word runs across one. Search
/// cuts every page into sections anyway, so its reading time costs no second reading of the
/// HTML (KaTeX's markup makes that most of the time spent on a page's text).
pub fn reading_minutes_of(sections: &[Section]) -> u32 {
    let mut read = Read::default();
    for s in sections {
        if let Some(h) = &s.heading {
            read.add(&h.text);
        }
        read.add(&s.text);
    }
    read.minutes()
}

/// What reading time counts, over one or more runs of text: CJK characters at
/// [`CJK_CHARS_PER_MINUTE`], words of other scripts at [`WORDS_PER_MINUTE`], at least a minute.
#[derive(Default)]
struct Read {
    cjk: usize,
    words: usize,
}

impl Read {
    fn add(&mut self, text: &str) {
        let script = CodePointMapData::<Script>::new();
        let mut in_word = false;
        for c in text.chars() {
            let ideographic = !c.is_ascii()
                && matches!(
                    script.get(c),
                    Script::Han | Script::Hiragana | Script::Katakana
                );
            if ideographic {
                self.cjk += 1;
                in_word = false;
            } else if c.is_alphanumeric() {
                if !in_word {
                    self.words += 1;
                }
                in_word = true;
            } else {
                in_word = false;
            }
        }
    }

    fn minutes(&self) -> u32 {
        let minutes = self.cjk as f64 / CJK_CHARS_PER_MINUTE + self.words as f64 / WORDS_PER_MINUTE;
        (minutes.ceil() as u32).max(1)
    }
}

/// A post's excerpt as a listing shows it, from the post's content `html` (`first_paragraph`
/// is its first paragraph, which the Markdown stage gives): everything before `separator` when
/// the content holds it (cut as [`cut_at`] does), else the first paragraph. Footnote references
/// and definitions are dropped (their targets are not on the listing), so are heading anchors
/// and ids (they would repeat on a listing), and an in-page link (`#x`) now points into the post
/// at `post_href` (written as `url()` writes site paths).
///
/// `markdown` is the post's body: a separator that is not in it is not in the HTML either (the
/// separator is raw HTML, passed through), and it is several times shorter than the HTML, which
/// every build would otherwise search for every post.
pub fn excerpt(
    html: &str,
    first_paragraph: &str,
    separator: &str,
    markdown: &str,
    post_href: &str,
) -> String {
    let cut = cuts_at_separator(separator, markdown)
        .then(|| html.find(separator))
        .flatten();
    let raw = match cut {
        Some(at) => cut_at(html, at),
        None => first_paragraph.to_string(),
    };
    // The marker that ends a sidenote's copy, for the Markdown stage's own excerpt.
    let raw = raw.replace(crate::markdown::footnotes::SIDENOTE_END_MARK, "");
    // What the rewrite below changes; most first paragraphs hold none of it.
    if ![
        "fnref",
        "sidenote",
        "footnotes",
        "class=\"anchor\"",
        " id=",
        "href=\"#",
    ]
    .iter()
    .any(|m| raw.contains(m))
    {
        return raw;
    }
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!(
            // The Markdown stage's footnote marks (`markdown::footnotes`): references, margin
            // copies of the notes, and the list of notes.
            "sup.fnref, span.sidenote, section.footnotes, a.anchor",
            |el| {
                el.remove();
                Ok(())
            }
        ))
        .append_element_content_handler(element!("h1, h2, h3, h4, h5, h6", |el| {
            el.remove_attribute("id");
            Ok(())
        }))
        .append_element_content_handler(element!("a[href^=\"#\"]", |el| {
            if let Some(href) = el.get_attribute("href") {
                el.set_attribute("href", &format!("{post_href}{href}"))?;
            }
            Ok(())
        }))
        .with_strict(false);
    // lol_html fails only on its memory limits, far above an excerpt; the excerpt unchanged is
    // then still a correct one, only with its footnote marks.
    rewrite_str(&raw, settings).unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading KaTeX's markup in bulk changes nothing that is read: on KaTeX's own output
    /// (both output modes, inline and display, arrays, SVG glyphs, text with `<` and `&`,
    /// a formula's glyphs alone), plain text, sections and cuts are those read tag by tag,
    /// from a fraction of the tokens.
    #[test]
    fn formulas_read_in_bulk_read_as_tag_by_tag() {
        use crate::config::{MathConfig, MathOutput};
        use crate::markdown::math::{Formula, render};
        let tex = [
            r"x^2 + \frac{1}{\sqrt{y_{i}}}",
            r"\begin{array}{cc} a & b \\ c & d \end{array}",
            r"\text{if } a<b \;\&\; \overrightarrow{AB} \widehat{xyz}",
            r"\left( \sum_{k=1}^{n} \mathbb{E}[X_k] \right)",
            r"\text{归一化}\ \mathrm{softmax}(z)_i",
        ];
        for output in [
            MathOutput::HtmlAndMathml,
            MathOutput::Html,
            MathOutput::Mathml,
        ] {
            let config = MathConfig {
                output,
                ..MathConfig::default()
            };
            let mut html = String::from("<h2 id=\"a\">Top <b>bold</b></h2>");
            for (i, t) in tex.iter().enumerate() {
                let f = |display| Formula {
                    tex: t.to_string(),
                    display,
                    macros: Default::default(),
                };
                let inline = render(&f(false), &config).unwrap();
                let display = render(&f(true), &config).unwrap();
                html.push_str(&format!(
                    "<p>Before {inline}, after.</p>\n<h3 id=\"s{i}\">S{i} {inline}</h3>\n{display}\n"
                ));
            }
            let bulk = tokenize(&html, true);
            let each = tokenize(&html, false);
            assert_eq!(text_of(&bulk), text_of(&each), "{output:?}");
            let text = text_of(&bulk);
            if output != MathOutput::Html {
                assert!(text.contains(r"$x^2 + \frac{1}{\sqrt{y_{i}}}$"), "{text}");
                assert!(
                    bulk.len() * 4 < each.len(),
                    "{} of {}",
                    bulk.len(),
                    each.len()
                );
            }
            assert_eq!(sections_read(&html, true), sections_read(&html, false));
            let cut = html.find("<h3 id=\"s2\"").unwrap();
            assert_eq!(cut_read(&html, cut, true), cut_read(&html, cut, false));
        }
    }

    #[test]
    fn plain_text_keeps_tex_and_drops_markup() {
        let katex = "<span class=\"katex\"><span class=\"katex-mathml\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><semantics><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow><annotation encoding=\"application/x-tex\">x^2 &lt; y</annotation></semantics></math></span><span class=\"katex-html\" aria-hidden=\"true\"><span class=\"base\">x2</span></span></span>";
        let html = format!(
            "<p>Let {katex}, <em>so</em> R&amp;D&#39;s &#x4E2D;.</p>\n<p>Next<sup class=\"x\">1</sup></p><script>var a = '<p>';</script>"
        );
        assert_eq!(plain_text(&html), "Let $x^2 < y$, so R&D's 中. Next1");
        // `output = "html"`: no TeX, the glyphs are the text.
        let html_only = "<p>a <span class=\"katex\"><span class=\"katex-html\" aria-hidden=\"true\">x2</span></span> b</p>";
        assert_eq!(plain_text(html_only), "a x2 b");
        assert_eq!(plain_text("a < b & c"), "a < b & c");
        assert_eq!(plain_text("<p>one</p><p>two</p>"), "one two");
    }

    #[test]
    fn sections_split_at_headings_with_ids_keeping_tex() {
        let katex = "<span class=\"katex\"><span class=\"katex-mathml\"><math><semantics><mi>x</mi><annotation encoding=\"application/x-tex\">\\hat y</annotation></semantics></math></span><span class=\"katex-html\" aria-hidden=\"true\">ŷ</span></span>";
        let html = format!(
            "<p>Intro</p>\n<h2 id=\"batch-&amp;-norm\">Batch {katex}<a class=\"anchor\" href=\"#b\" aria-label=\"Link\">#</a></h2>\n<p>Text {katex}.</p>\n<h3>No id</h3><p>more</p><h2 id=\"e\">Empty</h2>"
        );
        let got = sections(&html);
        let heading = |level, id: &str, text: &str| {
            Some(Heading {
                level,
                id: id.into(),
                text: text.into(),
            })
        };
        assert_eq!(
            got,
            [
                Section {
                    heading: None,
                    text: "Intro".into()
                },
                Section {
                    heading: heading(2, "batch-&-norm", "Batch $\\hat y$"),
                    text: "Text $\\hat y$. No id more".into()
                },
                Section {
                    heading: heading(2, "e", "Empty"),
                    text: String::new()
                },
            ]
        );
        assert_eq!(sections(""), []);
        // An unclosed heading is text, not a section.
        assert_eq!(sections("<h2 id=\"x\">a")[0].heading, None);
    }

    #[test]
    fn cut_closes_what_is_open() {
        let html = "<p>a <em>b</em></p>\n<ul>\n<li>one <!--more--> two</li>\n</ul>\n";
        let at = html.find("<!--more-->").unwrap();
        assert_eq!(
            cut_at(html, at),
            "<p>a <em>b</em></p>\n<ul>\n<li>one</li></ul>\n"
        );
        let html = "<p>a<br>b<img src=\"x\" alt=\"a > b\"/></p>\n<!--more-->";
        let at = html.find("<!--more-->").unwrap();
        assert_eq!(
            cut_at(html, at),
            "<p>a<br>b<img src=\"x\" alt=\"a > b\"/></p>\n"
        );
    }

    #[test]
    fn excerpt_cut_at_separator_or_first_paragraph_without_footnotes() {
        let html = "<h2 id=\"intro\">Intro<a class=\"anchor\" href=\"#intro\">#</a></h2>\n<p>One<sup class=\"fnref\" id=\"fnref:1\"><a href=\"#fn:1\">1</a></sup><span class=\"sidenote\" role=\"note\"><span class=\"sidenote-number\">1</span> <span class=\"sidenote-p\">note</span></span><!--/sidenote--> <a href=\"#intro\">up</a></p>\n<!--more-->\n<p>Two</p>\n<section class=\"footnotes\" role=\"doc-endnotes\">\n<ol>\n<li id=\"fn:1\">\n<p>note</p>\n</li>\n</ol>\n</section>\n";
        let e = excerpt(
            html,
            "<p>One</p>\n",
            "<!--more-->",
            "<!--more-->",
            "/a.html",
        );
        assert_eq!(
            e,
            "<h2>Intro</h2>\n<p>One <a href=\"/a.html#intro\">up</a></p>\n"
        );
        let e = excerpt(
            html,
            "<p>First<sup class=\"fnref\" id=\"fnref:1\"><a href=\"#fn:1\">1</a></sup></p>\n",
            "<!-- no -->",
            "<!--more-->",
            "/a.html",
        );
        assert_eq!(e, "<p>First</p>\n");
        assert_eq!(excerpt(html, "<p>F</p>\n", "", "", "/a.html"), "<p>F</p>\n");
    }

    #[test]
    fn reading_time() {
        assert_eq!(reading_minutes(""), 1);
        assert_eq!(reading_minutes(&"word ".repeat(200)), 1);
        assert_eq!(reading_minutes(&"word ".repeat(201)), 2);
        assert_eq!(reading_minutes(&"深度学习".repeat(100)), 1);
        assert_eq!(reading_minutes(&"深度学习".repeat(101)), 2);
        // 400 characters and 200 words: a minute each.
        assert_eq!(
            reading_minutes(&format!("{} {}", "中".repeat(400), "a ".repeat(200))),
            2
        );
    }

    #[test]
    fn reading_time_from_sections_is_that_of_the_plain_text() {
        // Headings with and without ids, a formula, CJK text, a heading anchor, a list: each
        // place a section may end, with words on both sides of it.
        let katex = katex::render_with_opts(
            "\\frac{a}{b} + \\alpha",
            katex::Opts::builder().build().unwrap(),
        )
        .unwrap();
        let body = format!(
            "<p>lead words {katex} end</p><h2 id=\"one\">First part<a class=\"anchor\" href=\"#one\">#</a></h2>\
             <p>{}</p><h3>no id here</h3><ul><li>item one</li><li>item two</li></ul>\
             <h2 id=\"二\">第二 部分</h2><p>{} {katex}</p>",
            "word ".repeat(150),
            "深度学习".repeat(60)
        );
        let sections = sections(&body);
        assert!(sections.len() >= 3, "{sections:?}");
        assert_eq!(
            reading_minutes_of(&sections),
            reading_minutes(&plain_text(&body))
        );
        assert_eq!(reading_minutes_of(&sections), 2);
        assert_eq!(reading_minutes_of(&[]), 1);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("一二三四五六", 4), "一二三…");
        assert_eq!(truncate("the quick brown fox", 12), "the quick…");
    }
}
