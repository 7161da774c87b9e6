//! The index kept between builds in `.quire-cache/search/`: one sealed entry (see
//! [`crate::cache_entry`]) holding every file of the last index, under the hash of the records
//! it was made from. Pagefind takes seconds for a large site, and a build whose posts did not
//! change must not pay them; nor may it write output: the same records give the same bytes.

use std::path::{Path, PathBuf};

use super::Source;
use crate::cache_entry::Kind;
use crate::markdown::RenderKey;

/// Bump when what is stored (the payload's layout, or how records become an index) changes.
const KIND: Kind = Kind {
    name: "search",
    version: 1,
};

/// The folder inside `.quire-cache/`.
pub const DIR: &str = "search";
const FILE: &str = "index";

/// One file of the index, its path relative to the bundle's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// The cache key of an index of `sources`: everything its records are made from (each page's
/// URL, title, language and rendering key, in order), quire's version (which makes records of
/// them) and Pagefind's (which reads the records), so a key can only match an index of the
/// same pages, and no page's text need be read to find it.
pub fn key(sources: &[Source<'_>]) -> String {
    key_of(&sources.iter().map(source_key).collect::<Vec<_>>())
}

/// [`key`] of the pages whose keys ([`page_key`]) are `pages`, in order.
pub fn key_of(pages: &[blake3::Hash]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(super::bundle::PAGEFIND_VERSION.as_bytes());
    // What turns a page into its record is quire's code: another quire, another key.
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&(pages.len() as u64).to_le_bytes());
    for page in pages {
        h.update(page.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// What a page's record is made from, besides its URL, title and language.
pub enum Made<'a> {
    /// The rendering key, which stands for the HTML it was made into.
    Key(&'a RenderKey),
    /// The HTML itself, for a rendering without a key (never reused).
    Html(&'a str),
}

/// The key of one page's record: its URL, title, language and rendering key.
pub fn source_key(s: &Source<'_>) -> blake3::Hash {
    let made = match &s.rendered.key {
        Some(key) => Made::Key(key),
        None => Made::Html(s.rendered.html()),
    };
    page_key(s.url, s.title, s.lang, made)
}

/// [`source_key`] of a page's parts.
pub fn page_key(url: &str, title: &str, lang: &str, made: Made<'_>) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    for field in [url, title, lang] {
        h.update(&(field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    match made {
        Made::Key(key) => h.update(b"k").update(key.as_bytes()),
        Made::Html(html) => h
            .update(b"h")
            .update(blake3::hash(html.as_bytes()).as_bytes()),
    };
    h.finalize()
}

fn entry(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The index stored in `dir` for `key`, or `None`: no entry, another key's, or one that does
/// not verify (then deleted).
pub fn read(dir: &Path, key: &str) -> Option<Vec<BundleFile>> {
    decode(&KIND.read(&entry(dir), key)?)
}

/// Stores `files` under `key` in one atomic rename, replacing the previous index.
pub fn write(dir: &Path, key: &str, files: &[BundleFile]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    KIND.write(&entry(dir), key, &encode(files))
}

/// Each file as its path's length (u32, little-endian), the path (UTF-8), its contents'
/// length (u64) and the contents.
fn encode(files: &[BundleFile]) -> Vec<u8> {
    let size = files
        .iter()
        .map(|f| 12 + f.path.as_os_str().len() + f.contents.len())
        .sum();
    let mut out = Vec::with_capacity(size);
    for f in files {
        let path = f.path.to_string_lossy();
        out.extend_from_slice(&(path.len() as u32).to_le_bytes());
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(&(f.contents.len() as u64).to_le_bytes());
        out.extend_from_slice(&f.contents);
    }
    out
}

/// The files of a payload [`encode`] wrote; `None` for anything else (the checksum passed, so
/// only a quire bug gets here, and the index is then made again).
fn decode(mut bytes: &[u8]) -> Option<Vec<BundleFile>> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = bytes.split_at_checked(n)?;
        *bytes = rest;
        Some(head)
    }
    let mut files = Vec::new();
    while !bytes.is_empty() {
        let len = u32::from_le_bytes(take(&mut bytes, 4)?.try_into().ok()?) as usize;
        let path = std::str::from_utf8(take(&mut bytes, len)?).ok()?;
        let len =
            usize::try_from(u64::from_le_bytes(take(&mut bytes, 8)?.try_into().ok()?)).ok()?;
        let contents = take(&mut bytes, len)?.to_vec();
        files.push(BundleFile {
            path: PathBuf::from(path),
            contents,
        });
    }
    Some(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<BundleFile> {
        vec![
            BundleFile {
                path: "pagefind.js".into(),
                contents: b"export {}".to_vec(),
            },
            BundleFile {
                path: "index/en_1.pf_index".into(),
                contents: vec![0, 159, 255],
            },
            BundleFile {
                path: "empty".into(),
                contents: Vec::new(),
            },
        ]
    }

    #[test]
    fn stored_index_reads_back_under_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join("search");
        assert_eq!(read(&dir, "k"), None, "nothing stored");
        write(&dir, "k", &files()).unwrap();
        assert_eq!(read(&dir, "k"), Some(files()));
        assert_eq!(read(&dir, "other"), None, "another key's index is a miss");
        assert_eq!(read(&dir, "k"), None, "and was deleted");
    }

    #[test]
    fn damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "k", &files()).unwrap();
        let path = entry(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read(dir.path(), "k"), None);
    }

    #[test]
    fn payload_round_trips_and_rejects_truncation() {
        let bytes = encode(&files());
        assert_eq!(decode(&bytes), Some(files()));
        assert_eq!(decode(&[]), Some(Vec::new()));
        for len in 1..bytes.len() {
            if let Some(got) = decode(&bytes[..len]) {
                // A cut exactly between two files reads as fewer files, never as other bytes.
                assert!(files().starts_with(&got), "cut at {len}");
            }
        }
    }

    fn rendered(html: &str) -> crate::markdown::Rendered {
        crate::markdown::Rendered::without_content(
            None,
            String::new(),
            Vec::new(),
            String::new(),
            false,
            Vec::new(),
        )
        .with_content(crate::markdown::Content {
            html: html.into(),
            source_map: Vec::new(),
        })
    }

    #[test]
    fn key_follows_every_input_of_the_records() {
        let (one, two) = (rendered("<p>one</p>"), rendered("<p>two</p>"));
        let source = |url, title, lang, rendered| Source {
            url,
            title,
            lang,
            rendered,
        };
        let a = source("/a/", "A", "en", &one);
        let b = source("/b/", "B", "en", &two);
        let k = |s: &[Source<'_>]| key(s);
        assert_eq!(k(&[a, b]), k(&[a, b]));
        assert_ne!(k(&[a, b]), k(&[b, a]), "order");
        assert_ne!(k(&[a]), k(&[a, b]), "a page more");
        assert_ne!(k(&[]), k(&[a]));
        for other in [
            source("/x/", "A", "en", &one),
            source("/a/", "X", "en", &one),
            source("/a/", "A", "zh-CN", &one),
            source("/a/", "A", "en", &two),
        ] {
            assert_ne!(
                k(&[a]),
                k(&[other]),
                "{} {} {}",
                other.url,
                other.title,
                other.lang
            );
        }
    }
}
