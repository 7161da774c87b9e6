//! `quire deploy`: build, commit the site as the new tip of a branch (`gh-pages`) on top of its
//! history, and push it — as ghp-import does.
//!
//! Everything goes through git plumbing with a temporary index whose work tree is the built
//! site, so the user's working tree, index, HEAD and current branch are never touched and a dirty
//! tree is fine. The only ref written is `refs/heads/<branch>`, with a compare-and-swap on its
//! old value so a concurrent change is not overwritten.

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
    /// The new tip of the branch.
    pub commit: String,
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
    let built = build::build(&build_opts);
    let build_report = built?;
    let output =
        std::path::absolute(&build_opts.output).map_err(|e| Error::io(&build_opts.output, e))?;

    let mut warnings = Vec::new();
    let remote_is_name = git.remotes()?.contains(&opts.remote);
    if let Some(w) = base_path_warning(&git, opts, remote_is_name)? {
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
    let message = match &opts.message {
        Some(m) => m.clone(),
        None => match git.rev_parse("HEAD^{commit}")? {
            Some(head) => format!("Deploy site built by quire from {}", short(&head)),
            None => "Deploy site built by quire".to_string(),
        },
    };
    let commit = git.commit_tree(&tree, parent.as_deref(), &message)?;
    git.update_ref(&branch_ref, &commit, local_tip.as_deref())?;
    let files = git.count_files(&tree)?;

    let pushed_to = if opts.push {
        git.push(&opts.remote, &opts.branch, &commit)?;
        Some(opts.remote.clone())
    } else {
        None
    };
    Ok(DeployReport {
        build: build_report,
        commit,
        parent,
        branch: opts.branch.clone(),
        files,
        pushed_to,
        warnings,
    })
}

fn short(oid: &str) -> &str {
    &oid[..oid.len().min(12)]
}

/// A GitHub project page lives under `/<repo>/`; without a `url` every root-relative link of
/// the deployed site would point at the user's root site instead. Catch that before it ships.
fn base_path_warning(
    git: &Git,
    opts: &DeployOptions,
    remote_is_name: bool,
) -> Result<Option<String>> {
    let site = crate::site::Site::load(&opts.build.source, &opts.build.load)?;
    if !site.base_path().is_empty() || site.config.cname.is_some() {
        return Ok(None);
    }
    let url = if remote_is_name {
        match git.run_ok(["remote", "get-url", opts.remote.as_str()]) {
            Ok(u) => u,
            Err(_) => return Ok(None),
        }
    } else {
        opts.remote.clone()
    };
    Ok(github_project(&url).map(|(owner, repo)| {
        format!(
            "site.toml has no `url`, but {url} is a GitHub project repository, served at \
             https://{owner}.github.io/{repo}/: its root-relative links will break; set \
             url = \"https://{owner}.github.io/{repo}\" in site.toml or pass --base-url"
        )
    }))
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
                std::io::ErrorKind::NotFound => Error::Usage(
                    "git was not found on PATH; quire deploy needs git installed".into(),
                ),
                _ => Error::Usage(format!("could not run git: {e}")),
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
            .map_err(|e| Error::Usage(format!("could not run git {what}: {e}")))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(Error::Usage(format!(
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
            .map_err(|e| Error::Usage(format!("could not run git: {e}")))?;
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

    fn check_branch_name(&self, branch: &str) -> Result<()> {
        self.run_ok(["check-ref-format", "--branch", branch])
            .map(|_| ())
            .map_err(|_| Error::Usage(format!("--branch: `{branch}` is not a valid branch name")))
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
            .map_err(|e| Error::Usage(format!("could not run git push: {e}")))?;
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
        Err(Error::Usage(format!(
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
