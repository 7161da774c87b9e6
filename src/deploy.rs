//! `quire deploy`: build, commit the site as the new tip of a branch (`gh-pages`) on top of its
//! history, and push it — as ghp-import does.
//!
//! Everything goes through git plumbing with a temporary index whose work tree is the built
//! site, so the user's working tree, index, HEAD and current branch are never touched and a dirty
//! tree is fine. The only ref written is `refs/heads/<branch>`, with a compare-and-swap on its
//! old value so a concurrent change is not overwritten.
//!
//! A deploy whose site equals the branch tip's makes no commit (an empty commit would only add
//! noise to the history and a no-op to the Pages build), but still pushes: the previous deploy's
//! push may have failed, and git makes the push a no-op when the remote already has the tip.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::build::{self, BuildOptions, BuildReport};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub build: BuildOptions,
    /// Build into a temporary folder instead of `build.output`, so not even `_site/` changes.
    pub scratch_output: bool,
    /// A remote name (`origin`) or URL.
    pub remote: String,
    pub branch: String,
    pub message: Option<String>,
    pub push: bool,
}

impl DeployOptions {
    pub fn new(build: BuildOptions) -> Self {
        Self {
            build,
            scratch_output: true,
            remote: "origin".into(),
            branch: "gh-pages".into(),
            message: None,
            push: true,
        }
    }
}

#[derive(Debug)]
pub struct DeployReport {
    pub build: BuildReport,
    /// The new tip of the branch, or its unchanged tip when `unchanged`.
    pub commit: String,
    /// The built site equals the branch tip's tree, so no commit was made.
    pub unchanged: bool,
    /// The previous tip, if the branch (or its remote-tracking branch) existed.
    pub parent: Option<String>,
    pub branch: String,
    /// Files in the committed tree.
    pub files: usize,
    /// The remote pushed to, when pushing was asked for.
    pub pushed_to: Option<String>,
    /// Things that did not stop the deploy but probably matter.
    pub warnings: Vec<String>,
}

pub fn deploy(opts: &DeployOptions) -> Result<DeployReport> {
    let git = Git::open(&opts.build.source)?;
    git.check_branch_name(&opts.branch)?;
    let branch_ref = format!("refs/heads/{}", opts.branch);
    git.refuse_checked_out(&branch_ref)?;
    // Read before the build, which adds its cache (and, with --output, the site) to the tree.
    let mut own_output = vec![
        opts.build.source.join(build::CACHE_DIR),
        opts.build.source.join("_site"),
    ];
    if !opts.scratch_output {
        own_output.push(opts.build.output.clone());
    }
    let dirty = git.is_dirty(&opts.build.source, &own_output)?;

    let scratch = if opts.scratch_output {
        Some(tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?)
    } else {
        None
    };
    let mut build_opts = opts.build.clone();
    if let Some(dir) = &scratch {
        build_opts.output = dir.path().join("site");
    }
    // The build's cache (`.quire-cache/`, which ignores itself in git) stays, so the next deploy
    // renders no formula twice.
    let built = build::build(&build_opts)?;
    let output =
        std::path::absolute(&build_opts.output).map_err(|e| Error::io(&build_opts.output, e))?;

    let mut warnings = Vec::new();
    let remote_is_name = git.remotes()?.contains(&opts.remote);
    if let Some(w) = base_path_warning(&git, opts, &built, remote_is_name) {
        warnings.push(w);
    }

    let tree = git.write_tree_of(&output)?;
    let local_tip = git.rev_parse(&format!("{branch_ref}^{{commit}}"))?;
    let parent = match &local_tip {
        Some(tip) => Some(tip.clone()),
        // A fresh clone has only `origin/gh-pages`: build on it so the push fast-forwards.
        None if remote_is_name => git.rev_parse(&format!(
            "refs/remotes/{}/{}^{{commit}}",
            opts.remote, opts.branch
        ))?,
        None => None,
    };
    let tip_tree = match &parent {
        Some(p) => git.rev_parse(&format!("{p}^{{tree}}"))?,
        None => None,
    };
    let files = git.count_files(&tree)?;
    let unchanged = tip_tree.as_deref() == Some(tree.as_str());
    let commit = match (&parent, unchanged) {
        (Some(tip), true) => {
            // A fresh clone's deploy still leaves the local branch at what it would push.
            if local_tip.is_none() {
                git.update_ref(&branch_ref, tip, None)?;
            }
            tip.clone()
        }
        _ => {
            let message = match &opts.message {
                Some(m) => m.clone(),
                None => default_message(git.rev_parse("HEAD^{commit}")?.as_deref(), dirty),
            };
            let commit = git.commit_tree(&tree, parent.as_deref(), &message)?;
            git.update_ref(&branch_ref, &commit, local_tip.as_deref())?;
            commit
        }
    };

    let pushed_to = if opts.push {
        git.push(&opts.remote, &opts.branch, &commit)?;
        Some(opts.remote.clone())
    } else {
        None
    };
    Ok(DeployReport {
        build: built.report,
        commit,
        unchanged,
        parent,
        branch: opts.branch.clone(),
        files,
        pushed_to,
        warnings,
    })
}

/// Names the commit the site was built from; a site built with uncommitted changes cannot be
/// rebuilt from that commit alone, so the message says so.
fn default_message(head: Option<&str>, dirty: bool) -> String {
    let mut message = match head {
        Some(head) => format!("Deploy site built by quire from {}", short(head)),
        None => "Deploy site built by quire".to_string(),
    };
    if dirty {
        message.push_str(" (built from a dirty tree)");
    }
    message
}

fn short(oid: &str) -> &str {
    &oid[..oid.len().min(12)]
}

/// A GitHub project page lives under `/<repo>/`; without a `url` every root-relative link of
/// the deployed site would point at the user's root site instead. Catch that before it ships,
/// from what the build used (`--base-url` included).
fn base_path_warning(
    git: &Git,
    opts: &DeployOptions,
    built: &build::Built,
    remote_is_name: bool,
) -> Option<String> {
    if !built.base_path.is_empty() || built.cname.is_some() {
        return None;
    }
    let url = if remote_is_name {
        git.run_ok(["remote", "get-url", opts.remote.as_str()])
            .ok()?
    } else {
        opts.remote.clone()
    };
    github_project(&url).map(|(owner, repo)| {
        format!(
            "site.toml has no `url`, but {url} is a GitHub project repository, served at \
             https://{owner}.github.io/{repo}/: its root-relative links will break; set \
             url = \"https://{owner}.github.io/{repo}\" in site.toml or pass --base-url"
        )
    })
}

/// `(owner, repo)` of a GitHub remote URL whose repository is not the owner's root site.
pub fn github_project(url: &str) -> Option<(String, String)> {
    let rest = url
        .split_once("github.com")
        .map(|(_, r)| r.trim_start_matches([':', '/']))?;
    let mut parts = rest.trim_end_matches('/').split('/');
    let owner = parts.next().filter(|s| !s.is_empty())?;
    let repo = parts.next()?.trim_end_matches(".git");
    if repo.is_empty() || repo.eq_ignore_ascii_case(&format!("{owner}.github.io")) {
        return None;
    }
    Some((owner.to_string(), repo.to_string()))
}

/// The rules git's own check misses (see [`Git::check_branch_name`]).
fn plain_branch_name(branch: &str) -> bool {
    !branch.is_empty()
        && branch != "@"
        && branch != "HEAD"
        && !branch.contains("@{")
        && !branch.starts_with('-')
        && !branch.starts_with("refs/")
}

/// The repository holding the site, driven through the `git` CLI.
struct Git {
    git_dir: PathBuf,
    /// Environment that makes commits possible when no identity is configured (fresh CI).
    identity: Vec<(String, String)>,
}

impl Git {
    fn open(source: &Path) -> Result<Git> {
        let out = Command::new("git")
            .arg("-C")
            .arg(source)
            .args(["rev-parse", "--absolute-git-dir"])
            .env_remove("GIT_DIR")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::Git("git was not found on PATH; quire deploy needs git installed".into())
                }
                _ => Error::Git(format!("could not run git: {e}")),
            })?;
        if !out.status.success() {
            return Err(Error::Usage(format!(
                "{}: not a git repository (git says: {}); quire deploy commits the site to a \
                 branch of the repository holding the site: run `git init` there, or pass \
                 --source",
                source.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let mut git = Git {
            git_dir: PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
            identity: Vec::new(),
        };
        git.identity = git.identity_fallback();
        Ok(git)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("--git-dir")
            .arg(&self.git_dir)
            // The user's index and work tree must never be the ones used.
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `cmd`; stdout trimmed on success, stderr in the error.
    fn finish(&self, mut cmd: Command, what: &str) -> Result<String> {
        let out = cmd
            .output()
            .map_err(|e| Error::Git(format!("could not run git {what}: {e}")))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(Error::Git(format!(
                "git {what} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    fn run_ok<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let what = args
            .first()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut cmd = self.command();
        cmd.args(&args);
        self.finish(cmd, &what)
    }

    /// `None` when git has no value (a config key, a ref) rather than failing.
    fn run_opt(&self, args: &[&str]) -> Result<Option<String>> {
        let out = self
            .command()
            .args(args)
            .output()
            .map_err(|e| Error::Git(format!("could not run git: {e}")))?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((out.status.success() && !text.is_empty()).then_some(text))
    }

    fn identity_fallback(&self) -> Vec<(String, String)> {
        let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
        let config = |key: &str| self.run_opt(&["config", key]).ok().flatten().is_some();
        let mut env = Vec::new();
        for role in ["author", "committer"] {
            let upper = role.to_uppercase();
            if !set(&format!("GIT_{upper}_NAME"))
                && !config(&format!("{role}.name"))
                && !config("user.name")
            {
                env.push((format!("GIT_{upper}_NAME"), "quire".to_string()));
            }
            if !set(&format!("GIT_{upper}_EMAIL"))
                && !set("EMAIL")
                && !config(&format!("{role}.email"))
                && !config("user.email")
            {
                env.push((format!("GIT_{upper}_EMAIL"), "quire@localhost".to_string()));
            }
        }
        env
    }

    /// `check-ref-format --branch` alone lets through names that would make odd refs here: it
    /// expands `@{-1}` and `@`, and takes `refs/heads/main` as a branch literally named so
    /// (`refs/heads/refs/heads/main`). Its answer must also be the name itself, unexpanded.
    fn check_branch_name(&self, branch: &str) -> Result<()> {
        let plain = plain_branch_name(branch)
            && self
                .run_ok(["check-ref-format", "--branch", branch])
                .is_ok_and(|checked| checked == branch);
        if plain {
            return Ok(());
        }
        Err(Error::Usage(format!(
            "--branch: `{branch}` is not a plain branch name; give the short name of a branch, \
             such as gh-pages or pages: not `@`, `HEAD` or `@{{-1}}`, no `refs/` prefix, no \
             leading `-`, and none of `..`, spaces, `~^:?*[\\` or a trailing `.lock`"
        )))
    }

    /// Moving a checked-out branch would leave that checkout's index and files out of step.
    fn refuse_checked_out(&self, branch_ref: &str) -> Result<()> {
        let list = self.run_ok(["worktree", "list", "--porcelain"])?;
        let mut path = "";
        for line in list.lines() {
            if let Some(p) = line.strip_prefix("worktree ") {
                path = p;
            }
            if line.strip_prefix("branch ") == Some(branch_ref) {
                return Err(Error::Usage(format!(
                    "{} is checked out in {path}; quire deploy would move it under your files. \
                     Switch that checkout to another branch, or deploy to another --branch",
                    branch_ref.trim_start_matches("refs/heads/")
                )));
            }
        }
        Ok(())
    }

    /// Whether the work tree holding `source` has changes HEAD does not have (modified, staged
    /// or untracked files), not counting quire's own output and cache under `own_output`.
    /// `--no-optional-locks`: a plain `git status` may rewrite the user's index.
    fn is_dirty(&self, source: &Path, own_output: &[PathBuf]) -> Result<bool> {
        let in_source = |args: &[&str]| {
            let mut cmd = Command::new("git");
            cmd.arg("-C")
                .arg(source)
                .arg("--no-optional-locks")
                .args(args)
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .env_remove("GIT_INDEX_FILE")
                .stdin(Stdio::null());
            cmd
        };
        // A bare repository has no work tree, so nothing uncommitted.
        let Ok(top) = self.finish(in_source(&["rev-parse", "--show-toplevel"]), "rev-parse") else {
            return Ok(false);
        };
        let top = PathBuf::from(top);
        let own: Vec<PathBuf> = own_output
            .iter()
            .filter_map(|p| std::path::absolute(p).ok())
            .map(|p| p.canonicalize().unwrap_or(p))
            .collect();
        // Not through `finish`: its trimming would eat the first entry's leading blank.
        let out = in_source(&["status", "--porcelain=v1", "-z", "--untracked-files=normal"])
            .output()
            .map_err(|e| Error::Git(format!("could not run git status: {e}")))?;
        if !out.status.success() {
            return Err(Error::Git(format!(
                "git status failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let status = String::from_utf8_lossy(&out.stdout);
        let mut fields = status.split('\0').filter(|f| !f.is_empty());
        while let Some(entry) = fields.next() {
            let (code, path) = entry.split_at(entry.len().min(3));
            // A rename or copy is followed by its source path, which says nothing more.
            if code.contains(['R', 'C']) {
                fields.next();
            }
            let path = top.join(path.trim_end_matches('/'));
            if !own.iter().any(|o| path.starts_with(o)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn remotes(&self) -> Result<Vec<String>> {
        Ok(self
            .run_ok(["remote"])?
            .lines()
            .map(str::to_string)
            .collect())
    }

    fn rev_parse(&self, rev: &str) -> Result<Option<String>> {
        self.run_opt(&["rev-parse", "--verify", "--quiet", rev])
    }

    /// Stages `dir` into a throwaway index and writes its tree.
    fn write_tree_of(&self, dir: &Path) -> Result<String> {
        let tmp = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let index = tmp.path().join("index");
        let staged = |args: &[&str], what: &str| {
            let mut cmd = self.command();
            cmd.arg("--work-tree")
                .arg(dir)
                .args(["-c", "core.autocrlf=false", "-c", "core.safecrlf=false"])
                .args(args)
                .current_dir(dir)
                .env("GIT_INDEX_FILE", &index);
            self.finish(cmd, what)
        };
        // --force: the user's excludes (global, info/exclude) must not drop site files.
        // The output's marker says the folder is quire's; it is no page of the site.
        let marker = format!(":(exclude){}", crate::output::MARKER);
        staged(&["add", "--all", "--force", "--", ".", &marker], "add")?;
        staged(&["write-tree"], "write-tree")
    }

    fn commit_tree(&self, tree: &str, parent: Option<&str>, message: &str) -> Result<String> {
        let mut cmd = self.command();
        cmd.args(["commit-tree", tree]);
        if let Some(p) = parent {
            cmd.args(["-p", p]);
        }
        cmd.args(["-m", message]);
        for (k, v) in &self.identity {
            cmd.env(k, v);
        }
        self.finish(cmd, "commit-tree")
    }

    fn update_ref(&self, branch_ref: &str, new: &str, old: Option<&str>) -> Result<()> {
        // An empty old value means "must not exist yet".
        self.run_ok([
            "update-ref",
            "-m",
            "quire deploy",
            branch_ref,
            new,
            old.unwrap_or(""),
        ])
        .map(|_| ())
    }

    fn count_files(&self, tree: &str) -> Result<usize> {
        Ok(self
            .run_ok(["ls-tree", "-r", "--name-only", "-z", tree])?
            .split('\0')
            .filter(|s| !s.is_empty())
            .count())
    }

    fn push(&self, remote: &str, branch: &str, commit: &str) -> Result<()> {
        let mut cmd = self.command();
        cmd.args([
            "push",
            "--porcelain",
            remote,
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
        ]);
        let out = cmd
            .output()
            .map_err(|e| Error::Git(format!("could not run git push: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let stdout = String::from_utf8_lossy(&out.stdout);
        // `--porcelain` puts the per-ref verdict (e.g. "[rejected] (non-fast-forward)") on stdout.
        for line in stdout.lines().filter(|l| l.starts_with('!')) {
            detail.push_str("\n  ");
            detail.push_str(line);
        }
        let next = if stdout.contains("[rejected]") {
            format!(
                "the remote's {branch} has commits this repository does not have: run \
                 `git fetch --force {remote} {branch}:{branch}` (the local {branch} only holds \
                 built sites) and deploy again to put the site on top, or \
                 `git push --force {remote} {branch}` to replace the remote's history"
            )
        } else {
            format!("fix the problem and run `git push {remote} {branch}`")
        };
        Err(Error::Git(format!(
            "git push to remote `{remote}` (branch {branch}) failed:\n  {}\nThe site is \
             committed locally as {} on branch {branch}; {next}",
            detail.replace('\n', "\n  "),
            short(commit)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_that_would_make_odd_refs_are_not_plain() {
        for bad in [
            "@",
            "HEAD",
            "@{-1}",
            "main@{1}",
            "-x",
            "--force",
            "refs/heads/main",
            "refs/x",
            "",
        ] {
            assert!(!plain_branch_name(bad), "{bad}");
        }
        for good in ["gh-pages", "pages", "site/preview", "a@b", "refs-x"] {
            assert!(plain_branch_name(good), "{good}");
        }
    }

    #[test]
    fn the_default_message_says_when_the_tree_was_dirty() {
        let head = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            default_message(Some(head), false),
            "Deploy site built by quire from 0123456789ab"
        );
        assert_eq!(
            default_message(Some(head), true),
            "Deploy site built by quire from 0123456789ab (built from a dirty tree)"
        );
        assert_eq!(
            default_message(None, true),
            "Deploy site built by quire (built from a dirty tree)"
        );
    }

    #[test]
    fn github_project_urls() {
        let p = |u: &str| github_project(u).map(|(o, r)| format!("{o}/{r}"));
        assert_eq!(
            p("git@github.com:me/notes.git").as_deref(),
            Some("me/notes")
        );
        assert_eq!(
            p("https://github.com/me/notes").as_deref(),
            Some("me/notes")
        );
        assert_eq!(p("https://github.com/me/me.github.io.git"), None);
        assert_eq!(p("/tmp/remote.git"), None);
        assert_eq!(p("https://gitlab.com/me/notes"), None);
    }
}
