//! `quire init [DIR]`: a new site that builds and passes `quire check` as it is: `site.toml`
//! with every key explained, a first post with math and code, an About page, a `.gitignore`
//! and the GitHub Pages workflow.

use std::path::{Path, PathBuf};

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;

use super::{FrontMatter, create_new, post_path, shown, slug, workflow};
use crate::config::CONFIG_FILE;
use crate::error::{Error, Result};

const SITE_TOML: &str = include_str!("site/site.toml");
const WELCOME_BODY: &str = include_str!("site/welcome.md");
const ABOUT: &str = include_str!("site/about.md");
const GITIGNORE: &str = include_str!("site/gitignore");

/// Where the workflow goes.
pub const WORKFLOW_PATH: &str = ".github/workflows/pages.yml";

/// What [`init`] wrote.
#[derive(Debug)]
pub struct Initialized {
    /// Every file written, as the user should see it, in the order written.
    pub files: Vec<PathBuf>,
    /// The `timezone` written into `site.toml`.
    pub timezone: String,
    /// Whether the workflow knows where to install quire from; if not, it says to set
    /// `QUIRE_GIT`.
    pub quire_git_known: bool,
}

/// Makes a site in `dir`, creating it if missing. A folder that holds anything but `.git` (a
/// fresh `git init` or clone of an empty repository) is refused: nothing is ever overwritten,
/// and a half-made site mixed into existing files would be worse than none.
pub fn init(dir: &Path) -> Result<Initialized> {
    refuse_unless_empty(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;

    let timezone = system_timezone();
    let tz = TimeZone::get(&timezone).unwrap_or(TimeZone::UTC);
    let today = Zoned::now().with_time_zone(tz).date();
    let welcome = FrontMatter {
        title: "Welcome",
        ..Default::default()
    };
    let git_url = workflow::quire_git_url();
    let files: Vec<(PathBuf, String)> = vec![
        (
            CONFIG_FILE.into(),
            SITE_TOML.replace("{timezone}", &timezone),
        ),
        (
            post_path(today, &slug(welcome.title), false),
            format!("{}{WELCOME_BODY}", welcome.to_yaml()),
        ),
        ("pages/about.md".into(), ABOUT.into()),
        (".gitignore".into(), GITIGNORE.into()),
        (WORKFLOW_PATH.into(), workflow::for_site(git_url)),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        create_new(dir, &rel, &text)?;
        written.push(shown(dir, &rel));
    }
    Ok(Initialized {
        files: written,
        timezone,
        quire_git_known: git_url.is_some(),
    })
}

fn refuse_unless_empty(dir: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if dir.exists() && !dir.is_dir() => {
            return Err(Error::Usage(format!(
                "{} exists and is not a folder; quire init needs an empty or new folder",
                dir.display()
            )));
        }
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".git")
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let more = names.len().saturating_sub(3);
    names.truncate(3);
    let listed = names.join(", ")
        + &if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
    Err(Error::Usage(format!(
        "{} is not empty (it holds {listed}); quire init writes a new site only into an empty or \
         new folder, so nothing of yours is overwritten",
        dir.display()
    )))
}

/// This machine's IANA time zone (what Jekyll uses when `timezone` is not set), if quire knows
/// it; else UTC.
fn system_timezone() -> String {
    TimeZone::try_system()
        .ok()
        .and_then(|tz| tz.iana_name().map(String::from))
        .filter(|name| TimeZone::get(name).is_ok())
        .unwrap_or_else(|| "UTC".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Every key `site.toml` can hold is in the file `quire init` writes, set or commented out.
    #[test]
    fn site_toml_explains_every_key() {
        let config: toml::Table =
            toml::from_str(&toml::to_string(&Config::default()).unwrap()).unwrap();
        let mut keys: Vec<String> = Vec::new();
        for (key, value) in &config {
            match value.as_table() {
                Some(section) => {
                    assert!(SITE_TOML.contains(&format!("\n[{key}]\n")), "[{key}]");
                    keys.extend(section.keys().cloned());
                }
                None => keys.push(key.clone()),
            }
        }
        // Options left out of the serialisation when unset.
        keys.extend(["cname".into(), "stylesheet".into(), "macros_file".into()]);
        // Not a key: `[markdown]` carries `[jekyll] compat` to the Markdown stage.
        keys.retain(|k| k != "kramdown");
        for key in keys {
            assert!(
                SITE_TOML
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = "))),
                "site.toml written by quire init does not mention `{key}`"
            );
        }
    }

    /// The file parses, and what it sets or shows commented out is quire's default, so
    /// uncommenting a line changes nothing until its value is edited.
    #[test]
    fn site_toml_shows_the_defaults() {
        let text = SITE_TOML.replace("{timezone}", "Asia/Shanghai");
        let config = Config::parse(&text, Path::new(CONFIG_FILE)).unwrap();
        assert_eq!(config.timezone, "Asia/Shanghai");
        let examples = [
            "# url = ",
            "# cname = ",
            "# macros = ",
            "# paginate = ",
            "# nav = ",
        ];
        let uncommented: String = text
            .lines()
            .filter(|l| !examples.iter().any(|e| l.starts_with(e)))
            .map(|l| match l.strip_prefix("# ") {
                // `# key = value`, not a comment in words.
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(key, _)| {
                        key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let all = Config::parse(&uncommented, Path::new(CONFIG_FILE)).unwrap();
        let expected = crate::config::Config {
            timezone: "Asia/Shanghai".into(),
            math: crate::config::MathConfig {
                stylesheet: Some(crate::config::KATEX_BUILTIN.into()),
                macros_file: Some(crate::markdown::macros::DEFAULT_FILE.into()),
                ..Default::default()
            },
            // The default, written out: the file when it exists.
            bibliography: Some(crate::markdown::citations::Paths::One(
                crate::markdown::citations::load::DEFAULT_FILE.into(),
            )),
            ..Default::default()
        };
        assert_eq!(all, expected, "{uncommented}");
    }

    #[test]
    fn refuses_a_folder_with_anything_but_git() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        refuse_unless_empty(dir.path()).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let e = refuse_unless_empty(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is not empty (it holds notes.txt)"), "{e}");
        let file = dir.path().join("notes.txt");
        let e = refuse_unless_empty(&file).unwrap_err().to_string();
        assert!(e.contains("is not a folder"), "{e}");
    }
}
