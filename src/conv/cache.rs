//! Rendering a few dozen frames takes long enough to notice on every build,
//! and the result depends only on the parameters and the drawing code, so
//! finished GIFs are kept on disk under a hash of both.

use std::path::{Path, PathBuf};

use super::geometry::Params;
use super::{ConvError, render_gif};

/// Bump whenever the drawing or encoding changes, so that cached GIFs drawn
/// by older code are not reused.
pub const DRAWING_VERSION: u32 = 1;

/// The cache's entry format; a GIF is published from the cache, so each entry carries a
/// checksum over its key and every byte (see [`crate::cache_entry`]). Version 2 is the first
/// sealed one; the bare `<key>.gif` files of version 1 are deleted when met.
const ENTRY: crate::cache_entry::Kind = crate::cache_entry::Kind {
    name: "gif",
    version: 2,
};

/// What [`render_cached`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The GIF's bytes, verified when they came from the cache.
    pub gif: Vec<u8>,
    /// The cache entry holding it (not a bare GIF).
    pub path: PathBuf,
    /// Whether it had to be drawn (false when the cache already held it).
    pub rendered: bool,
}

/// Hex name of the cached file for `params`. The stated output size is left
/// out: it is only a check and does not change the picture.
pub fn cache_key(params: &Params) -> String {
    let Params {
        i,
        k,
        p,
        s,
        d,
        transposed,
        o: _,
    } = *params;
    let description =
        format!("quire conv v{DRAWING_VERSION} i={i} k={k} p={p} s={s} d={d} t={transposed}");
    blake3::hash(description.as_bytes()).to_hex().to_string()
}

/// A payload that passed the checksum was written by quire, but one that is not a whole GIF
/// (an encoder bug, a cache written by a broken build) must still never be published.
fn looks_like_gif(bytes: &[u8]) -> bool {
    bytes.len() > 13 && bytes.starts_with(b"GIF89a") && bytes.ends_with(&[0x3B])
}

/// Returns the GIF for `params` from `<cache_dir>/<key>.entry`, drawing and storing it when
/// the entry is missing or does not verify (truncated, edited, another key's, older format).
/// The entry is written under a temporary name and renamed into place, so an interrupted build
/// never leaves half an entry, and two builds drawing the same animation both end whole.
pub fn render_cached(params: &Params, cache_dir: &Path) -> Result<Rendered, ConvError> {
    let key = cache_key(params);
    let path = cache_dir.join(format!("{key}.entry"));
    if let Some(gif) = ENTRY.read(&path, &key) {
        if looks_like_gif(&gif) {
            return Ok(Rendered {
                gif,
                path,
                rendered: false,
            });
        }
        let _ = std::fs::remove_file(&path);
    }
    // Version 1 stored the bare GIF here, trusted as it was.
    let _ = std::fs::remove_file(cache_dir.join(format!("{key}.gif")));
    let gif = render_gif(params)?;
    ENTRY
        .write(&path, &key, &gif)
        .map_err(|error| ConvError::Io {
            path: path.clone(),
            error,
        })?;
    Ok(Rendered {
        gif,
        path,
        rendered: true,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn second_build_renders_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("nested/cache");
        let params = [
            Params::new(4, 3, 0, 1, 1).expect_output(2),
            Params::new(5, 3, 0, 2, 1).transpose(),
        ];
        let first: Vec<Rendered> = params
            .iter()
            .map(|p| render_cached(p, &cache).unwrap())
            .collect();
        assert!(first.iter().all(|r| r.rendered));
        let again: Vec<Rendered> = params
            .iter()
            .map(|p| render_cached(p, &cache).unwrap())
            .collect();
        assert!(again.iter().all(|r| !r.rendered));
        assert_eq!(
            first.iter().map(|r| &r.path).collect::<Vec<_>>(),
            again.iter().map(|r| &r.path).collect::<Vec<_>>()
        );
        assert_eq!(first[0].gif, render_gif(&params[0]).unwrap());
        assert_eq!(again[0].gif, first[0].gif);
        // Only the two GIFs, no temporary files left behind.
        assert_eq!(fs::read_dir(&cache).unwrap().count(), 2);
    }

    /// Each way a cache file can be wrong: the GIF returned is the drawer's, and the file left
    /// behind is a good entry again.
    #[test]
    fn bad_entries_are_drawn_again_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let a = Params::new(4, 3, 0, 1, 1);
        let b = Params::new(5, 3, 0, 2, 1);
        let good = render_gif(&a).unwrap();
        let first = render_cached(&a, dir.path()).unwrap();
        let sealed = fs::read(&first.path).unwrap();
        let other = render_cached(&b, dir.path()).unwrap();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("truncated", sealed[..sealed.len() - 10].to_vec()),
            ("header only", sealed[..sealed.len() - good.len()].to_vec()),
            ("another key's entry", fs::read(&other.path).unwrap()),
            ("bare GIF of version 1", good.clone()),
            ("edited byte", {
                let mut e = sealed.clone();
                let at = e.len() - 20;
                e[at] ^= 0x40;
                e
            }),
        ];
        for (what, bytes) in cases {
            fs::write(&first.path, &bytes).unwrap();
            let r = render_cached(&a, dir.path()).unwrap();
            assert!(r.rendered, "{what}: must be drawn again");
            assert_eq!(r.gif, good, "{what}");
            assert_eq!(
                fs::read(&first.path).unwrap(),
                sealed,
                "{what}: entry replaced"
            );
            assert!(!render_cached(&a, dir.path()).unwrap().rendered, "{what}");
        }
    }

    #[test]
    fn sealed_payload_that_is_no_gif_is_drawn_again() {
        let dir = tempfile::tempdir().unwrap();
        let a = Params::new(4, 3, 0, 1, 1);
        let key = cache_key(&a);
        let path = dir.path().join(format!("{key}.entry"));
        ENTRY.write(&path, &key, b"GIF89a").unwrap();
        let r = render_cached(&a, dir.path()).unwrap();
        assert!(r.rendered);
        assert_eq!(r.gif, render_gif(&a).unwrap());
    }

    #[test]
    fn old_bare_gif_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let a = Params::new(4, 3, 0, 1, 1);
        let old = dir.path().join(format!("{}.gif", cache_key(&a)));
        fs::write(&old, b"GIF89a truncated").unwrap();
        let r = render_cached(&a, dir.path()).unwrap();
        assert!(r.rendered);
        assert!(!old.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn key_depends_on_what_is_drawn_only() {
        let a = Params::new(5, 3, 1, 2, 1);
        assert_eq!(cache_key(&a), cache_key(&a.expect_output(3)));
        assert_ne!(cache_key(&a), cache_key(&a.transpose()));
        assert_ne!(cache_key(&a), cache_key(&Params::new(5, 3, 1, 1, 1)));
        assert_eq!(cache_key(&a).len(), 64);
    }

    #[test]
    fn invalid_params_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let e = render_cached(&Params::new(4, 9, 0, 1, 1), dir.path()).unwrap_err();
        assert!(matches!(e, ConvError::Invalid { .. }));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
