//! Links to another post's source file (`[eq. 3](2019-03-01-other.md#eq-energy)`), rewritten to
//! that post's URL, as Jekyll's `post_url` and Zola's `@/` links do: the author links to what
//! is on disk, and the link survives a change of permalink style.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use aho_corasick::AhoCorasick;
use pulldown_cmark::{CowStr, Event, Tag};

use super::{Input, Spanned};
use crate::error::Error;

/// Each post's source path (relative to the site root, as `Post::source`) and its URL.
#[derive(Debug, Default, Clone)]
pub struct PostIndex {
    urls: BTreeMap<PathBuf, String>,
    /// Finds the posts' file names in a text: see [`PostIndex::used_by`].
    names: Option<AhoCorasick>,
    /// The post each pattern of `names` belongs to.
    owners: Vec<PathBuf>,
}

/// The index [`PostIndex::memo`] last built, under a hash of the posts it was built from.
#[derive(Default)]
pub struct PostIndexMemo(Option<(blake3::Hash, std::sync::Arc<PostIndex>)>);

impl PostIndex {
    /// As [`PostIndex::new`], but built only when a post's path or URL differs from the last
    /// call's with `memo`: the preview asks on every save, and the automaton over every
    /// post's file name is what costs.
    pub fn memo<'a>(
        posts: impl IntoIterator<Item = (&'a Path, &'a str)> + Clone,
        memo: &mut PostIndexMemo,
    ) -> std::sync::Arc<PostIndex> {
        let key = crate::incremental::hash_of(&posts.clone().into_iter().collect::<Vec<_>>());
        if let Some((k, index)) = &memo.0
            && *k == key
        {
            return std::sync::Arc::clone(index);
        }
        let index = std::sync::Arc::new(PostIndex::new(
            posts
                .into_iter()
                .map(|(p, u)| (p.to_path_buf(), u.to_string())),
        ));
        memo.0 = Some((key, std::sync::Arc::clone(&index)));
        index
    }

    pub fn new(posts: impl IntoIterator<Item = (PathBuf, String)>) -> PostIndex {
        let urls: BTreeMap<PathBuf, String> = posts.into_iter().collect();
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for path in urls.keys() {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            // As written, and percent-encoded (a CJK file name in a link usually is).
            let encoded =
                percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            for pattern in [name.to_string(), encoded] {
                patterns.push(pattern);
                owners.push(path.clone());
            }
        }
        let names = AhoCorasick::new(&patterns).ok();
        PostIndex {
            urls,
            names,
            owners,
        }
    }

    /// The posts whose file name occurs in `text`: the only entries a post's links can resolve
    /// to, so the only ones its render key depends on. Keying on the whole index would make
    /// adding a post re-render every other post in the preview.
    pub fn used_by(&self, text: &str) -> BTreeMap<&Path, &str> {
        let Some(names) = &self.names else {
            return BTreeMap::new();
        };
        names
            .find_overlapping_iter(text)
            .filter_map(|m| {
                let path = &self.owners[m.pattern().as_usize()];
                self.urls
                    .get(path)
                    .map(|url| (path.as_path(), url.as_str()))
            })
            .collect()
    }

    /// The URL of the post a link names: relative to the linking file's folder, or to `posts/`.
    fn url_of(&self, from: &Path, target: &str) -> Option<&str> {
        let target = Path::new(target);
        let beside = from.parent().unwrap_or(Path::new("")).join(target);
        [beside, Path::new("posts").join(target)]
            .iter()
            .filter_map(|p| normalize(p))
            .find_map(|p| self.urls.get(&p))
            .map(String::as_str)
    }
}

/// `a/./b/../c` → `a/c`; `None` when it climbs above the site root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// A link destination that names a Markdown file on disk: relative, no scheme, ends in `.md`
/// or `.markdown` once its fragment is set aside.
fn markdown_target(dest: &str) -> Option<(&str, &str)> {
    let (path, fragment) = match dest.find('#') {
        Some(i) => dest.split_at(i),
        None => (dest, ""),
    };
    let relative = !path.starts_with('/') && !path.contains("://") && !path.starts_with("mailto:");
    let markdown = path.ends_with(".md") || path.ends_with(".markdown");
    (relative && markdown).then_some((path, fragment))
}

/// Rewrites links to posts' source files; a link to a `.md` file that is no post is a warning
/// (it would be a broken link on the site).
pub(super) fn rewrite<'a>(
    events: &mut [Spanned<'a>],
    input: &Input<'_>,
    index: &PostIndex,
    warnings: &mut Vec<Error>,
) {
    for s in events {
        let Event::Start(Tag::Link { dest_url, .. }) = &mut s.event else {
            continue;
        };
        let Some((path, fragment)) = markdown_target(dest_url) else {
            continue;
        };
        let decoded = crate::urls::decode(path).unwrap_or_else(|| path.to_string());
        match index.url_of(input.path, &decoded) {
            Some(url) => *dest_url = CowStr::from(format!("{url}{fragment}")),
            None => warnings.push(Error::at(
                input.location(s.range.start),
                format!(
                    "link to `{path}`: no post has that file (links to a post's .md file, \
                     relative to this file or to posts/, become the post's URL)"
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_beside_the_file_or_under_posts() {
        let index = PostIndex::new([
            (
                PathBuf::from("posts/2019-03-01-other.md"),
                "/2019/03/01/other.html".into(),
            ),
            (PathBuf::from("posts/sub/deep.md"), "/deep.html".into()),
        ]);
        let from = Path::new("posts/sub/a.md");
        assert_eq!(index.url_of(from, "deep.md"), Some("/deep.html"));
        assert_eq!(
            index.url_of(from, "../2019-03-01-other.md"),
            Some("/2019/03/01/other.html")
        );
        assert_eq!(
            index.url_of(from, "2019-03-01-other.md"),
            Some("/2019/03/01/other.html")
        );
        assert_eq!(index.url_of(from, "../../../etc.md"), None);
        assert_eq!(index.url_of(from, "missing.md"), None);
        let used: Vec<_> = index
            .used_by("see [x](../2019-03-01-other.md)")
            .into_keys()
            .collect();
        assert_eq!(used, [Path::new("posts/2019-03-01-other.md")]);
        assert!(index.used_by("no links").is_empty());
    }

    #[test]
    fn only_relative_markdown_paths_are_targets() {
        assert_eq!(markdown_target("x.md#eq-a"), Some(("x.md", "#eq-a")));
        assert_eq!(markdown_target("x.markdown"), Some(("x.markdown", "")));
        assert_eq!(markdown_target("https://e.com/x.md"), None);
        assert_eq!(markdown_target("/x.md"), None);
        assert_eq!(markdown_target("x.html"), None);
    }
}
