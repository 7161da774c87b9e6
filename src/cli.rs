//! Command-line interface (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "quire",
    version,
    about = "A static site generator for math-heavy writing: Jekyll-style posts, KaTeX at build time."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the site into the output folder (default `<source>/_site`).
    Build(BuildArgs),
}

#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    /// Site folder holding site.toml, posts/, templates/, static/ and gif/.
    #[arg(long, short, default_value = ".")]
    pub source: PathBuf,
    /// Where to write the site; replaced only when the build succeeds.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Published URL, e.g. https://user.github.io/repo; overrides `url` in site.toml.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Also build posts in posts/_drafts/.
    #[arg(long)]
    pub drafts: bool,
    /// Also build posts dated in the future.
    #[arg(long)]
    pub future: bool,
    /// Also build posts with `published: false`.
    #[arg(long)]
    pub unpublished: bool,
    /// Fail on KaTeX errors instead of warning.
    #[arg(long)]
    pub strict: bool,
}

impl BuildArgs {
    pub fn options(&self) -> quire::build::BuildOptions {
        quire::build::BuildOptions {
            source: self.source.clone(),
            output: self
                .output
                .clone()
                .unwrap_or_else(|| self.source.join("_site")),
            load: quire::site::LoadOptions {
                base_url: self.base_url.clone(),
                drafts: self.drafts,
                future: self.future,
                unpublished: self.unpublished,
            },
            strict: self.strict,
        }
    }
}
