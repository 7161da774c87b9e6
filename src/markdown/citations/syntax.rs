//! Pandoc's citation syntax in a run of text: `[@a; @b, p. 33]`, `[-@a]` and `@a` in running
//! text. Only the syntax: whether a key exists is decided later.

use std::ops::Range;

/// One cited key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    /// `[-@a]`: the author is left out (the year alone in author-date styles).
    pub suppress_author: bool,
    /// What follows the key's comma, as written (`p. 33`).
    pub locator: Option<String>,
    /// Offset of the `@` in the text.
    pub at: usize,
}

/// A citation: a bracketed group, or one narrative `@key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// Where it is in the text, brackets included.
    pub range: Range<usize>,
    pub items: Vec<Item>,
    pub narrative: bool,
}

/// The citations of `text`, in order. A bracketed group counts only when everything inside it
/// is citations (`[see @a]` is not one); a narrative `@key` needs no letter or digit before the
/// `@`, so e-mail addresses stay text.
pub fn find(text: &str) -> Vec<Cite> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c == '['
            && let Some(close) = rest.find(']')
            && let Some(items) = group(&rest[1..close], i + 1)
        {
            out.push(Cite {
                range: i..i + close + 1,
                items,
                narrative: false,
            });
            i += close + 1;
            continue;
        }
        if c == '@' && !text[..i].chars().next_back().is_some_and(is_word_char) {
            let len = key_len(&rest[1..]);
            if len > 0 {
                out.push(Cite {
                    range: i..i + 1 + len,
                    items: vec![Item {
                        key: rest[1..1 + len].to_string(),
                        suppress_author: false,
                        locator: None,
                        at: i,
                    }],
                    narrative: true,
                });
                i += 1 + len;
                continue;
            }
        }
        i += c.len_utf8();
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A key as Pandoc reads it: letters, digits and `_`, with `-:./+` inside (never last, so
/// the sentence's full stop is not part of the key).
fn key_len(s: &str) -> usize {
    let mut end = 0;
    let mut i = 0;
    for (at, c) in s.char_indices() {
        if is_word_char(c) {
            i = at + c.len_utf8();
            end = i;
        } else if matches!(c, '-' | ':' | '.' | '/' | '+') && at == i && i > 0 {
            i = at + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// The items of a bracketed group's inside (starting at `offset` in the text), or `None` when
/// it is not all citations.
fn group(inner: &str, offset: usize) -> Option<Vec<Item>> {
    let mut items = Vec::new();
    let mut at = offset;
    for part in inner.split(';') {
        let lead = part.len() - part.trim_start().len();
        let trimmed = part.trim();
        let (suppress_author, cited) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let key_part = cited.strip_prefix('@')?;
        let len = key_len(key_part);
        if len == 0 {
            return None;
        }
        let after = &key_part[len..];
        let locator = if after.is_empty() {
            None
        } else {
            let loc = after.strip_prefix(',')?.trim();
            (!loc.is_empty()).then(|| loc.to_string())
        };
        items.push(Item {
            key: key_part[..len].to_string(),
            suppress_author,
            locator,
            at: at + lead + usize::from(suppress_author),
        });
        at += part.len() + 1;
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(Vec<&str>, bool)> {
        let cites = find(text);
        cites
            .iter()
            .map(|c| {
                let keys = c.items.iter().map(|i| &text[i.at + 1..][..i.key.len()]);
                (keys.collect(), c.narrative)
            })
            .collect()
    }

    #[test]
    fn every_form() {
        let text = "As @knuth84 shows [@a; -@b, p. 33], see [-@c].";
        let cites = find(text);
        assert_eq!(cites.len(), 3);
        assert_eq!(&text[cites[0].range.clone()], "@knuth84");
        assert!(cites[0].narrative);
        assert_eq!(&text[cites[1].range.clone()], "[@a; -@b, p. 33]");
        assert_eq!(cites[1].items[1].locator.as_deref(), Some("p. 33"));
        assert!(cites[1].items[1].suppress_author);
        assert!(!cites[1].items[0].suppress_author);
        assert!(cites[2].items[0].suppress_author);
        assert_eq!(
            keys(text),
            [
                (vec!["knuth84"], true),
                (vec!["a", "b"], false),
                (vec!["c"], false)
            ]
        );
    }

    #[test]
    fn what_is_not_a_citation() {
        assert!(find("mail me at a@b.com or x_@y").is_empty());
        assert_eq!(find("[see @a] and [@] and @ alone and [@a b]").len(), 2);
        assert_eq!(find("[see @a]")[0].range, 5..7, "narrative inside");
        assert!(find("@-x and @.").is_empty());
    }

    #[test]
    fn trailing_punctuation_is_the_sentences() {
        let text = "by @doe-99. And @a:b, @x/y-";
        let got: Vec<&str> = find(text).iter().map(|c| &text[c.range.clone()]).collect();
        assert_eq!(got, ["@doe-99", "@a:b", "@x/y"]);
    }
}
