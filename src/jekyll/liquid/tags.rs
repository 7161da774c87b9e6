//! Jekyll's own Liquid tags: `{% highlight %}`, `{% post_url %}`, `{% link %}`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use liquid_core::error::ResultLiquidReplaceExt;
use liquid_core::{
    BlockReflection, Error, Language, ParseBlock, ParseTag, Renderable, Result, Runtime, TagBlock,
    TagReflection, TagTokenIter,
};

/// `{% highlight python linenos %}…{% endhighlight %}` becomes a fenced code block with the
/// same lines (the tag lines become its fences), so quire's code stage highlights it with
/// syntect like any other and every line after it keeps its number.
#[derive(Clone, Copy, Debug, Default)]
pub struct Highlight;

impl BlockReflection for Highlight {
    fn start_tag(&self) -> &str {
        "highlight"
    }
    fn end_tag(&self) -> &str {
        "endhighlight"
    }
    fn description(&self) -> &str {
        "code highlighted as a fenced code block"
    }
}

impl ParseBlock for Highlight {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        _options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let lang = arguments
            .expect_next("a language expected, as in `{% highlight python %}`")?
            .as_str()
            .to_string();
        // `linenos` and `mark_lines="…"`: quire's highlighting has no line numbers.
        while arguments.expect_next("").is_ok() {}
        let code = tokens.escape_liquid(false)?.to_string();
        tokens.assert_empty();
        Ok(Box::new(Fenced { lang, code }))
    }

    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

#[derive(Debug)]
struct Fenced {
    lang: String,
    code: String,
}

/// The longest run of backticks in `code`, so the fence can be longer.
fn longest_backtick_run(code: &str) -> usize {
    code.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

impl Renderable for Fenced {
    fn render_to(&self, writer: &mut dyn Write, _runtime: &dyn Runtime) -> Result<()> {
        let fence = "`".repeat(longest_backtick_run(&self.code).max(2) + 1);
        let code = self.code.strip_suffix('\n').unwrap_or(&self.code);
        let open = if code.starts_with('\n') { "" } else { "\n" };
        write!(writer, "{fence}{}{open}{code}\n{fence}", self.lang).replace("write failed")
    }
}

/// Post and page URLs by the names Jekyll's tags use: a post by its file stem
/// (`2019-01-01-x`), any file by its path (`_posts/2019-01-01-x.md`, `about.md`), both in
/// Jekyll's layout and quire's (`posts/…`, `pages/about.md`).
#[derive(Debug, Default)]
pub struct Urls {
    pub posts: HashMap<String, String>,
    pub files: HashMap<String, String>,
    /// Prepended to each URL, as Jekyll 4's tags apply `relative_url`.
    pub base_path: String,
}

/// `{% post_url 2019-01-01-x %}`.
#[derive(Clone, Debug)]
pub struct PostUrl(pub Arc<Urls>);

/// `{% link _posts/2019-01-01-x.md %}`.
#[derive(Clone, Debug)]
pub struct Link(pub Arc<Urls>);

impl TagReflection for PostUrl {
    fn tag(&self) -> &str {
        "post_url"
    }
    fn description(&self) -> &str {
        "the URL of a post, by its file name without the extension"
    }
}

impl TagReflection for Link {
    fn tag(&self) -> &str {
        "link"
    }
    fn description(&self) -> &str {
        "the URL of a post or page, by its path"
    }
}

/// The tag's argument as written (Liquid's tokens would split `2019-01-01-x` at no
/// whitespace, but a path can hold characters they read otherwise).
fn argument(mut arguments: TagTokenIter<'_>, what: &str) -> Result<String> {
    let mut name = String::new();
    while let Ok(token) = arguments.expect_next("") {
        name.push_str(token.as_str());
    }
    if name.is_empty() {
        return Err(Error::with_msg(format!("{what} expected")));
    }
    Ok(name)
}

impl ParseTag for PostUrl {
    fn parse(&self, arguments: TagTokenIter<'_>, _: &Language) -> Result<Box<dyn Renderable>> {
        let name = argument(arguments, "a post's file name")?;
        let stem = name
            .trim_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let stem = stem.strip_suffix(".md").unwrap_or(stem);
        match self.0.posts.get(stem) {
            Some(url) => Ok(Box::new(Text(format!("{}{url}", self.0.base_path)))),
            None => Err(Error::with_msg(format!(
                "post_url: there is no post `{name}` (posts are named by their file name without \
                 `.md`, such as `2019-01-01-title`)"
            ))),
        }
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

impl ParseTag for Link {
    fn parse(&self, arguments: TagTokenIter<'_>, _: &Language) -> Result<Box<dyn Renderable>> {
        let name = argument(arguments, "a file's path")?;
        match self.0.files.get(name.trim_start_matches('/')) {
            Some(url) => Ok(Box::new(Text(format!("{}{url}", self.0.base_path)))),
            None => Err(Error::with_msg(format!(
                "link: there is no post or page `{name}`"
            ))),
        }
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Text(String);

impl Renderable for Text {
    fn render_to(&self, writer: &mut dyn Write, _: &dyn Runtime) -> Result<()> {
        writer.write_all(self.0.as_bytes()).replace("write failed")
    }
}
