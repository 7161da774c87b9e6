//! What one build keeps for the next, so that the preview server (`quire serve`) redoes only
//! the work an edit touched. Each stage has its own memory, and each is exact: a result is
//! reused only when every input it was made from is unchanged.
//!
//! - [`MathCache`]: KaTeX output per formula (a new formula is rendered, the rest reused);
//! - [`posts::PostCache`]: formulas and HTML per post, keyed by its text and the configuration;
//! - [`pages::PageCache`]: each page's output, keyed by its template, `site` and `page` values;
//! - [`sync::SyncedDir`]: the output folder, where only changed files are written.
//!
//! A one-off `quire build` uses [`BuildCache::default`], in which only the math cache does
//! anything and the output is written by the staged swap of [`crate::output`].

pub mod pages;
pub mod posts;
pub mod sync;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::markdown::math::MathCache;
use crate::output::{self, Copy, OutputFile};

#[derive(Default)]
pub struct BuildCache {
    pub math: MathCache,
    pub posts: posts::PostCache,
    pub pages: pages::PageCache,
    /// `Some` when writing in place (the preview); `None` for the staged write.
    synced: Option<sync::SyncedDir>,
    /// Output paths the last write changed; `None` after a staged write (everything).
    changed: Option<Vec<PathBuf>>,
}

impl BuildCache {
    /// Every cache on, and the output written in place: for a server's private output folder.
    pub fn for_preview() -> Self {
        BuildCache {
            posts: posts::PostCache::enabled(),
            pages: pages::PageCache::enabled(),
            synced: Some(sync::SyncedDir::default()),
            ..Default::default()
        }
    }

    /// The output stage: a staged write and swap, or an in-place sync for the preview.
    pub fn write(&mut self, output: &Path, files: &[OutputFile], copies: &[Copy]) -> Result<()> {
        match &mut self.synced {
            Some(s) => self.changed = Some(s.sync(output, files, copies)?),
            None => {
                output::write_site(output, files, copies)?;
                self.changed = None;
            }
        }
        Ok(())
    }

    /// Site-relative paths the last successful build wrote or removed (`None`: unknown, so
    /// assume everything).
    pub fn changed(&self) -> Option<&[PathBuf]> {
        self.changed.as_deref()
    }
}
