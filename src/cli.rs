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
    /// Build, then report every internal link, image, script, stylesheet and #fragment that
    /// does not resolve (exit 1 if any).
    Check(CheckArgs),
    /// Build, commit the site to a branch (gh-pages) without touching your checkout, and push.
    Deploy(DeployArgs),
    /// Draw one convolution-arithmetic animation as a GIF (Dumoulin & Visin style).
    Gif(GifArgs),
    /// Preview the site: build, serve over HTTP, rebuild on save, reload open pages.
    Serve(ServeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct GifArgs {
    /// Input size i (for --transposed: the input of the direct convolution being transposed).
    #[arg(long, short)]
    pub input: u32,
    /// Kernel size k.
    #[arg(long, short)]
    pub kernel: u32,
    /// Zero padding p on each side.
    #[arg(long, short, default_value_t = 0)]
    pub padding: u32,
    /// Stride s.
    #[arg(long, short, default_value_t = 1)]
    pub stride: u32,
    /// Dilation d.
    #[arg(long, short, default_value_t = 1)]
    pub dilation: u32,
    /// Expected output size o; an error if the arithmetic disagrees.
    #[arg(long)]
    pub output_size: Option<u32>,
    /// Draw the transposed convolution of that convolution.
    #[arg(long)]
    pub transposed: bool,
    /// Where to write the GIF.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

impl GifArgs {
    pub fn params(&self) -> quire::conv::Params {
        let mut p = quire::conv::Params::new(
            self.input,
            self.kernel,
            self.padding,
            self.stride,
            self.dilation,
        );
        if let Some(o) = self.output_size {
            p = p.expect_output(o);
        }
        if self.transposed { p.transpose() } else { p }
    }
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
    /// Neither read nor write the cache in .quire-cache/: render every formula afresh.
    #[arg(long)]
    pub no_cache: bool,
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
            cache: !self.no_cache,
            // Shown only on a terminal and only for a slow build (see `quire::progress`).
            progress: true,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Also request every http(s) link (bounded timeout and concurrency).
    #[arg(long)]
    pub external: bool,
    /// Seconds allowed for each external request.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub timeout: u64,
}

impl CheckArgs {
    pub fn options(&self) -> quire::check::CheckOptions {
        let mut opts = quire::check::CheckOptions::new(self.build.options());
        opts.external = self.external;
        opts.timeout = std::time::Duration::from_secs(self.timeout.max(1));
        opts
    }
}

#[derive(Args, Debug, Clone)]
pub struct DeployArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Remote name or URL to push to.
    #[arg(long, default_value = "origin")]
    pub remote: String,
    /// Branch that receives the site (its short name, e.g. gh-pages).
    // Hyphen values reach quire's own check, which says what a branch name may be, instead of
    // clap's "unexpected argument".
    #[arg(long, default_value = "gh-pages", allow_hyphen_values = true)]
    pub branch: String,
    /// Commit message (default names the source commit).
    #[arg(long, short)]
    pub message: Option<String>,
    /// Commit to the branch but do not push.
    #[arg(long)]
    pub no_push: bool,
}

impl DeployArgs {
    pub fn options(&self) -> quire::deploy::DeployOptions {
        let mut opts = quire::deploy::DeployOptions::new(self.build.options());
        // Without --output the site is built in a temporary folder: deploying changes no file
        // of the checkout, not even _site/.
        opts.scratch_output = self.build.output.is_none();
        opts.remote = self.remote.clone();
        opts.branch = self.branch.clone();
        opts.message = self.message.clone();
        opts.push = !self.no_push;
        opts
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Site folder holding site.toml, posts/, templates/, static/ and gif/.
    #[arg(long, short, default_value = ".")]
    pub source: PathBuf,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, short, default_value_t = 4000)]
    pub port: u16,
    /// Address to listen on; 0.0.0.0 lets other machines see the preview.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Also show posts in posts/_drafts/.
    #[arg(long)]
    pub drafts: bool,
    /// Also show posts dated in the future.
    #[arg(long)]
    pub future: bool,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Neither read nor write the cache in .quire-cache/: render every formula afresh.
    #[arg(long)]
    pub no_cache: bool,
}

impl ServeArgs {
    pub fn options(&self) -> quire::serve::ServeOptions {
        quire::serve::ServeOptions {
            source: self.source.clone(),
            bind: self.bind,
            port: self.port,
            load: quire::site::LoadOptions {
                drafts: self.drafts,
                future: self.future,
                ..Default::default()
            },
            open: self.open,
            cache: !self.no_cache,
        }
    }
}
