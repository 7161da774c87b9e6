//! The preview's incremental path (`quire serve`) against one-off builds: random sequences of the
//! edits an author makes, applied to a small site; after EVERY edit the preview's output folder,
//! rebuilt through one long-lived `BuildCache::for_preview()` (the server's caches, with the
//! search index made in the build rather than in the background: the background index has its
//! own test in `incremental::tests`), must equal a fresh `quire build` of the same sources byte
//! for byte. A user relies on this: what the
//! preview shows is what `quire build` will publish.
//!
//! When an edit breaks the build, both builds must fail with the same message and the preview's
//! folder must still hold the last good output, as the server keeps serving it
//! (`serve::rebuild::next_status` keeps the version of a failed build).
//!
//! Cases: `PROPTEST_CASES` (default 32, to keep `cargo test` short); failures are minimised and
//! saved in `proptest-regressions/incremental.txt`, replayed first on every run.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::snapshot;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use quire::build::{BuildOptions, BuildReport, build, build_with_cache};
use quire::incremental::BuildCache;

// What the edits draw from. Kept small so that most formulas come from the KaTeX disk cache.
const SITE_TITLES: &[&str] = &["Notes", "深度学习笔记"];
const PERMALINKS: &[&str] = &["date", "pretty", "none", "/:categories/:year/:title/"];
/// Asia/Shanghai and New York put the 23:30 UTC post on another day (and URL).
const TIMEZONES: &[&str] = &["UTC", "Asia/Shanghai", "America/New_York"];
/// Expansions of `\RR`; without one, `\RR` is a KaTeX error (a warning, shown in place).
const MACROS: &[&str] = &["\\mathbb{R}", "\\mathbf{R}"];
const TITLES: &[&str] = &["Alpha", "Beta notes", "深度学习", "Gamma"];
/// Front matter dates; `None` takes the file name's. Two posts may share one (ties in order).
const DATES: &[&str] = &[
    "2019-02-20 23:30:00 +0000",
    "2019-03-05 01:15:00 +0800",
    "2020-07-01",
];
/// "Notes" and "notes" are one category (one URL) under two spellings.
const CATEGORIES: &[&str] = &["math", "ml", "Notes", "notes"];
const FORMULAS: &[&str] = &["x^2", "\\frac{a}{b}", "\\RR^n", "e^{i\\pi} + 1 = 0"];
const PARAGRAPHS: &[&str] = &[
    "Plain words.",
    "Some **bold** text and `code`.",
    "中文段落，**加粗**没有空格。",
];
const HEADINGS: &[&str] = &["## Intro", "## Results", "### Details"];
const CODE: &[&str] = &[
    "```rust\nfn main() {}\n```",
    "```python\nprint(1)\n```",
    "```\nplain\n```",
];
/// Overrides of the built-in `post.html`; the second includes `partial.html`.
const POST_TEMPLATES: &[&str] = &[
    "{% extends \"base.html\" %}{% block content %}<article><h1>{{ page.title }}</h1>{{ page.content | safe }}</article>{% endblock content %}",
    "{% extends \"base.html\" %}{% block content %}{% include \"partial.html\" %}<h1>{{ page.title }}</h1>{{ page.content | safe }}<p>{{ site.posts | length }} posts</p>{% endblock content %}",
];
/// Overrides of the built-in `index.html`; the second includes `partial.html`.
const INDEX_TEMPLATES: &[&str] = &[
    "{% extends \"base.html\" %}{% block content %}{% for post in site.posts %}<a href=\"{{ url(path=post.url) }}\">{{ post.title }}</a>{% endfor %}{% endblock content %}",
    "{% extends \"base.html\" %}{% block content %}{% include \"partial.html\" %}{% for post in site.posts %}{{ post.excerpt | safe }}{% endfor %}{% endblock content %}",
];
const PARTIALS: &[&str] = &["<p>partial one</p>", "<p>partial two</p>"];
/// `one` and `two` have the same length: only the modification time tells them apart.
const STATIC_TEXTS: &[&str] = &["one", "two", "three!"];
/// Post file names (slug and file date); a deleted post can come back under its old name.
const SLUGS: &[(&str, &str)] = &[
    ("2019-01-10", "p1"),
    ("2019-02-20", "p2"),
    ("2019-03-01", "p3"),
    ("2019-04-02", "p4"),
    ("2019-04-02", "p5"),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    Paragraph(usize),
    /// `$f$` inside a paragraph.
    Inline(usize),
    /// `$$f$$` as a paragraph of its own.
    Display(usize),
    Heading(usize),
    Code(usize),
}

impl Block {
    fn markdown(self) -> String {
        match self {
            Block::Paragraph(i) => PARAGRAPHS[i].to_string(),
            Block::Inline(i) => format!("Inline ${}$ here.", FORMULAS[i]),
            Block::Display(i) => format!("$${}$$", FORMULAS[i]),
            Block::Heading(i) => HEADINGS[i].to_string(),
            Block::Code(i) => CODE[i].to_string(),
        }
    }
}

#[derive(Debug, Clone)]
struct PostModel {
    slug: usize,
    title: usize,
    date: Option<usize>,
    /// A bit per entry of `CATEGORIES`.
    categories: u8,
    body: Vec<Block>,
    /// Breakages, each fixed by `Edit::Repair`.
    bad_yaml: bool,
    bad_layout: bool,
}

impl PostModel {
    fn path(&self) -> String {
        let (date, slug) = SLUGS[self.slug];
        format!("posts/{date}-{slug}.md")
    }

    fn text(&self) -> String {
        let mut s = String::from("---\n");
        if self.bad_yaml {
            s.push_str("title: [unclosed\n");
        } else {
            writeln!(s, "title: \"{}\"", TITLES[self.title]).unwrap();
        }
        if let Some(d) = self.date {
            writeln!(s, "date: {}", DATES[d]).unwrap();
        }
        let cats: Vec<&str> = (0..CATEGORIES.len())
            .filter(|i| self.categories & (1 << i) != 0)
            .map(|i| CATEGORIES[i])
            .collect();
        if !cats.is_empty() {
            writeln!(s, "categories: [{}]", cats.join(", ")).unwrap();
        }
        if self.bad_layout {
            s.push_str("layout: no-such-layout\n");
        }
        s.push_str("---\n");
        for b in &self.body {
            s.push_str(&b.markdown());
            s.push_str("\n\n");
        }
        s
    }
}

/// The site's sources, as values: rendered to files by [`SiteModel::files`].
#[derive(Debug, Clone)]
struct SiteModel {
    title: usize,
    permalink: usize,
    timezone: usize,
    rr_macro: Option<usize>,
    post_template: Option<usize>,
    index_template: Option<usize>,
    partial: usize,
    static_text: Option<usize>,
    bad_template: bool,
    posts: Vec<PostModel>,
}

impl SiteModel {
    fn initial() -> Self {
        use Block::*;
        let post = |slug, title, date, categories, body: &[Block]| PostModel {
            slug,
            title,
            date,
            categories,
            body: body.to_vec(),
            bad_yaml: false,
            bad_layout: false,
        };
        SiteModel {
            title: 0,
            permalink: 0,
            timezone: 0,
            rr_macro: Some(0),
            post_template: None,
            index_template: None,
            partial: 0,
            static_text: None,
            bad_template: false,
            posts: vec![
                post(
                    0,
                    0,
                    None,
                    0b0001,
                    &[Paragraph(0), Inline(0), Heading(0), Display(1), Code(0)],
                ),
                post(1, 1, Some(0), 0b0110, &[Inline(2), Paragraph(1)]),
                post(
                    2,
                    2,
                    None,
                    0b1000,
                    &[Paragraph(2), Heading(1), Heading(1), Code(1)],
                ),
            ],
        }
    }

    /// Whether the sources have a mistake that must fail the build.
    fn broken(&self) -> bool {
        self.bad_template || self.posts.iter().any(|p| p.bad_yaml || p.bad_layout)
    }

    fn files(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        let mut toml = format!(
            "title = \"{}\"\npermalink = \"{}\"\ntimezone = \"{}\"\n",
            SITE_TITLES[self.title], PERMALINKS[self.permalink], TIMEZONES[self.timezone]
        );
        if let Some(m) = self.rr_macro {
            write!(toml, "\n[math.macros]\n'\\RR' = '{}'\n", MACROS[m]).unwrap();
        }
        files.insert("site.toml".to_string(), toml);
        for p in &self.posts {
            files.insert(p.path(), p.text());
        }
        files.insert(
            "templates/partial.html".into(),
            PARTIALS[self.partial].into(),
        );
        if let Some(t) = self.post_template {
            files.insert("templates/post.html".into(), POST_TEMPLATES[t].into());
        }
        if let Some(t) = self.index_template {
            files.insert("templates/index.html".into(), INDEX_TEMPLATES[t].into());
        }
        if self.bad_template {
            files.insert("templates/broken.html".into(), "{{ unclosed".into());
        }
        if let Some(s) = self.static_text {
            files.insert("static/notes.txt".into(), STATIC_TEXTS[s].into());
        }
        files
    }

    fn post(&mut self, i: Index) -> Option<&mut PostModel> {
        if self.posts.is_empty() {
            return None;
        }
        let i = i.index(self.posts.len());
        Some(&mut self.posts[i])
    }

    fn apply(&mut self, edit: &Edit) {
        match edit {
            Edit::Title(p, t) => {
                if let Some(p) = self.post(*p) {
                    p.title = *t;
                }
            }
            Edit::Date(p, d) => {
                if let Some(p) = self.post(*p) {
                    p.date = *d;
                }
            }
            Edit::Categories(p, c) => {
                if let Some(p) = self.post(*p) {
                    p.categories = *c;
                }
            }
            Edit::AddBlock(p, at, b) => {
                if let Some(p) = self.post(*p) {
                    let at = at.index(p.body.len() + 1);
                    p.body.insert(at, *b);
                }
            }
            Edit::RemoveBlock(p, at) => {
                if let Some(p) = self.post(*p)
                    && !p.body.is_empty()
                {
                    let at = at.index(p.body.len());
                    p.body.remove(at);
                }
            }
            Edit::NewPost(slug, title, body) => {
                if self.posts.iter().all(|p| p.slug != *slug) {
                    self.posts.push(PostModel {
                        slug: *slug,
                        title: *title,
                        date: None,
                        categories: 0b0100,
                        body: body.clone(),
                        bad_yaml: false,
                        bad_layout: false,
                    });
                }
            }
            Edit::DeletePost(p) => {
                if !self.posts.is_empty() {
                    let i = p.index(self.posts.len());
                    self.posts.remove(i);
                }
            }
            Edit::SiteTitle(t) => self.title = *t,
            Edit::Permalink(p) => self.permalink = *p,
            Edit::Timezone(t) => self.timezone = *t,
            Edit::Macro(m) => self.rr_macro = *m,
            Edit::PostTemplate(t) => self.post_template = *t,
            Edit::IndexTemplate(t) => self.index_template = *t,
            Edit::Partial(t) => self.partial = *t,
            Edit::Static(s) => self.static_text = *s,
            Edit::BreakYaml(p) => {
                if let Some(p) = self.post(*p) {
                    p.bad_yaml = true;
                }
            }
            Edit::BreakLayout(p) => {
                if let Some(p) = self.post(*p) {
                    p.bad_layout = true;
                }
            }
            Edit::BreakTemplate => self.bad_template = true,
            Edit::Repair => {
                self.bad_template = false;
                for p in &mut self.posts {
                    p.bad_yaml = false;
                    p.bad_layout = false;
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Title(Index, usize),
    Date(Index, Option<usize>),
    Categories(Index, u8),
    AddBlock(Index, Index, Block),
    RemoveBlock(Index, Index),
    NewPost(usize, usize, Vec<Block>),
    DeletePost(Index),
    SiteTitle(usize),
    Permalink(usize),
    Timezone(usize),
    Macro(Option<usize>),
    PostTemplate(Option<usize>),
    IndexTemplate(Option<usize>),
    Partial(usize),
    Static(Option<usize>),
    /// Front matter that is not YAML: fails loading.
    BreakYaml(Index),
    /// A layout with no template: fails half-way through rendering pages.
    BreakLayout(Index),
    /// A Tera syntax error: fails loading templates.
    BreakTemplate,
    Repair,
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        (0..PARAGRAPHS.len()).prop_map(Block::Paragraph),
        (0..FORMULAS.len()).prop_map(Block::Inline),
        (0..FORMULAS.len()).prop_map(Block::Display),
        (0..HEADINGS.len()).prop_map(Block::Heading),
        (0..CODE.len()).prop_map(Block::Code),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let cats = 0u8..(1 << CATEGORIES.len());
    prop_oneof![
        3 => (any::<Index>(), 0..TITLES.len()).prop_map(|(p, t)| Edit::Title(p, t)),
        2 => (any::<Index>(), proptest::option::of(0..DATES.len()))
            .prop_map(|(p, d)| Edit::Date(p, d)),
        2 => (any::<Index>(), cats).prop_map(|(p, c)| Edit::Categories(p, c)),
        5 => (any::<Index>(), any::<Index>(), block())
            .prop_map(|(p, at, b)| Edit::AddBlock(p, at, b)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(p, at)| Edit::RemoveBlock(p, at)),
        2 => (0..SLUGS.len(), 0..TITLES.len(), proptest::collection::vec(block(), 0..4))
            .prop_map(|(s, t, b)| Edit::NewPost(s, t, b)),
        1 => any::<Index>().prop_map(Edit::DeletePost),
        1 => (0..SITE_TITLES.len()).prop_map(Edit::SiteTitle),
        1 => (0..PERMALINKS.len()).prop_map(Edit::Permalink),
        1 => (0..TIMEZONES.len()).prop_map(Edit::Timezone),
        1 => proptest::option::of(0..MACROS.len()).prop_map(Edit::Macro),
        2 => proptest::option::of(0..POST_TEMPLATES.len()).prop_map(Edit::PostTemplate),
        2 => proptest::option::of(0..INDEX_TEMPLATES.len()).prop_map(Edit::IndexTemplate),
        1 => (0..PARTIALS.len()).prop_map(Edit::Partial),
        1 => proptest::option::of(0..STATIC_TEXTS.len()).prop_map(Edit::Static),
        1 => any::<Index>().prop_map(Edit::BreakYaml),
        1 => any::<Index>().prop_map(Edit::BreakLayout),
        1 => Just(Edit::BreakTemplate),
        2 => Just(Edit::Repair),
    ]
}

/// Makes the files under `root` what `want` says, touching only those that changed, as an
/// editor's saves would.
fn sync_sources(root: &Path, have: &mut BTreeMap<String, String>, want: BTreeMap<String, String>) {
    for (rel, text) in &want {
        if have.get(rel) != Some(text) {
            common::write(&root.join(rel), text);
        }
    }
    for rel in have.keys() {
        if !want.contains_key(rel) {
            std::fs::remove_file(root.join(rel)).unwrap();
        }
    }
    *have = want;
}

/// Where the KaTeX disk cache of every case lives: shared, so each formula is rendered once per
/// checkout rather than once per case. Entries are keyed by formula, macros and KaTeX version.
fn shared_katex_cache() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("incremental-quire-cache");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

type Files = BTreeMap<PathBuf, Vec<u8>>;

/// Which paths differ between two output folders, and the first differing line of the first.
fn describe_difference(preview: &Files, fresh: &Files) -> String {
    let keys: BTreeSet<&PathBuf> = preview.keys().chain(fresh.keys()).collect();
    let mut out = String::new();
    for k in keys {
        match (preview.get(k), fresh.get(k)) {
            (Some(_), None) => writeln!(out, "only in the preview: {}", k.display()).unwrap(),
            (None, Some(_)) => writeln!(out, "only in the fresh build: {}", k.display()).unwrap(),
            (Some(a), Some(b)) if a != b => {
                let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
                let line = a
                    .lines()
                    .zip(b.lines())
                    .find(|(x, y)| x != y)
                    .map(|(x, y)| format!("\n  preview: {x}\n  fresh:   {y}"))
                    .unwrap_or_default();
                writeln!(out, "differs: {}{line}", k.display()).unwrap();
            }
            _ => {}
        }
    }
    out
}

/// The paths whose bytes differ between two states of a folder (added, removed or changed).
/// What the live reload is told: every file whose bytes changed, except quire's own marker of
/// the output folder, which no page loads.
fn changed_paths(before: &Files, after: &Files) -> Vec<PathBuf> {
    let keys: BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| k.as_os_str() != ".quire-output")
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

fn summary(r: &BuildReport) -> (usize, usize, usize, Vec<String>) {
    (
        r.posts,
        r.pages,
        r.formulas,
        r.warnings.iter().map(ToString::to_string).collect(),
    )
}

fn check_edits(edits: &[Edit]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(shared_katex_cache(), site.join(".quire-cache")).unwrap();

    let mut model = SiteModel::initial();
    let mut on_disk = BTreeMap::new();
    sync_sources(&site, &mut on_disk, model.files());

    let mut preview = BuildOptions::new(&site);
    preview.output = dir.path().join("preview");
    let mut fresh = BuildOptions::new(&site);
    fresh.output = dir.path().join("fresh");
    let mut cache = BuildCache::for_preview();
    let mut last_good: Option<Files> = None;

    let steps = std::iter::once(None).chain(edits.iter().map(Some));
    for (step, edit) in steps.enumerate() {
        if let Some(edit) = edit {
            model.apply(edit);
            sync_sources(&site, &mut on_disk, model.files());
        }
        let what = format!("step {step} ({edit:?})");
        let incremental = build_with_cache(&preview, &mut cache);
        let one_off = build(&fresh);
        match (incremental, one_off) {
            (Ok(inc), Ok(off)) => {
                prop_assert!(!model.broken(), "{what}: a broken site built");
                prop_assert_eq!(
                    summary(&inc.report),
                    summary(&off.report),
                    "{}: reports",
                    what
                );
                let (a, b) = (snapshot(&preview.output), snapshot(&fresh.output));
                prop_assert!(
                    a == b,
                    "{}: the preview differs from a fresh build:\n{}",
                    what,
                    describe_difference(&a, &b)
                );
                // The live reload reloads the pages the build says it changed.
                let before = last_good.take().unwrap_or_default();
                let changed = cache.changed().map(<[PathBuf]>::to_vec);
                prop_assert_eq!(
                    changed,
                    Some(changed_paths(&before, &a)),
                    "{}: changed paths",
                    what
                );
                last_good = Some(a);
            }
            (Err(inc), Err(off)) => {
                prop_assert!(model.broken(), "{what}: a good site failed: {off}");
                prop_assert_eq!(inc.to_string(), off.to_string(), "{}: errors", what);
                let now = snapshot(&preview.output);
                prop_assert!(
                    Some(&now) == last_good.as_ref(),
                    "{}: a failed build changed the preview's folder",
                    what
                );
            }
            (Ok(_), Err(off)) => {
                prop_assert!(false, "{what}: only the fresh build failed: {off}")
            }
            (Err(inc), Ok(_)) => {
                prop_assert!(false, "{what}: only the preview failed: {inc}")
            }
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/incremental.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn preview_output_equals_a_fresh_build_after_every_edit(
        edits in proptest::collection::vec(edit(), 1..10)
    ) {
        check_edits(&edits)?;
    }
}
