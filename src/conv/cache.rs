//! Rendering a few dozen frames takes long enough to notice on every build,
//! and the result depends only on the parameters and the drawing code, so
//! finished GIFs are kept on disk under a hash of both.

use std::path::{Path, PathBuf};

use super::geometry::Params;
use super::{ConvError, render_gif};

/// Bump whenever the drawing or encoding changes, so that cached GIFs drawn
/// by older code are not reused.
pub const DRAWING_VERSION: u32 = 1;

/// What [`render_cached`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The GIF, inside the cache directory.
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

/// Returns `<cache_dir>/<hash>.gif`, drawing it only when it is missing. The
/// file is written under a temporary name and renamed into place, so that an
/// interrupted build never leaves half a GIF to be trusted later, and two
/// builds drawing the same animation at once both end with a whole file.
pub fn render_cached(params: &Params, cache_dir: &Path) -> Result<Rendered, ConvError> {
    let path = cache_dir.join(format!("{}.gif", cache_key(params)));
    if path.is_file() {
        return Ok(Rendered {
            path,
            rendered: false,
        });
    }
    let bytes = render_gif(params)?;
    // Renamed into place: an interrupted build never leaves half a GIF to be trusted later, and
    // two builds drawing the same animation both end whole.
    crate::fs::write_atomic_io(&path, &bytes).map_err(|error| ConvError::Io {
        path: path.clone(),
        error,
    })?;
    Ok(Rendered {
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
        let bytes = fs::read(&first[0].path).unwrap();
        assert_eq!(bytes, render_gif(&params[0]).unwrap());
        // Only the two GIFs, no temporary files left behind.
        assert_eq!(fs::read_dir(&cache).unwrap().count(), 2);
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
