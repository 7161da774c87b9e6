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
    /// Make a new site in DIR: site.toml, a first post, an About page, .gitignore and a GitHub
    /// Pages workflow. DIR must be missing, empty or hold only .git.
    Init(InitArgs),
    /// Write a new post, posts/YYYY-MM-DD-slug.md, with its front matter; print its path.
    New(NewArgs),
    /// Preview the site: build, serve over HTTP, rebuild on save, reload open pages.
    Serve(ServeArgs),
    /// Copy a Jekyll site (SRC, only read) into a new quire site (DEST, missing or empty):
    /// posts, drafts, includes, assets, pages and static files, a site.toml from _config.yml
    /// with `[jekyll] compat = true`; print what could not be carried over.
    ImportJekyll(ImportJekyllArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ImportJekyllArgs {
    /// The Jekyll site's folder.
    pub src: PathBuf,
    /// The new quire site's folder (created if missing; must be empty).
    pub dest: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Folder for the site (created if missing; may hold only `.git`).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct NewArgs {
    /// The post's title; its slug (Jekyll's, CJK kept) names the file.
    pub title: String,
    /// A category (repeat for more).
    #[arg(long = "category", value_name = "C")]
    pub categories: Vec<String>,
    /// A tag (repeat for more).
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Write a draft, posts/_drafts/slug.md, built only with --drafts.
    #[arg(long)]
    pub draft: bool,
    /// The post's date (default today in the site's time zone).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<jiff::civil::Date>,
    /// Site folder (one with site.toml or posts/).
    #[arg(long, short, default_value = ".")]
    pub source: PathBuf,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    // jiff's date parser also takes a full datetime; only the date is meant here.
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    match s.parse::<jiff::civil::Date>() {
        Ok(d) if ok => Ok(d),
        Ok(_) => Err("expected YYYY-MM-DD".into()),
        Err(e) => Err(format!("expected YYYY-MM-DD: {e}")),
    }
}

impl NewArgs {
    pub fn options(&self) -> quire::scaffold::new_post::NewPost {
        quire::scaffold::new_post::NewPost {
            root: self.source.clone(),
            title: self.title.clone(),
            categories: self.categories.clone(),
            tags: self.tags.clone(),
            draft: self.draft,
            date: self.date,
        }
    }
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
    /// Site folder holding site.toml, posts/, templates/, static/ and gif/; or a Jekyll site
    /// (_config.yml, _posts/, no site.toml), read as it is.
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
            // `check` asks for them itself.
            contents: false,
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
