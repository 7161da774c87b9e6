//! `.github/workflows/pages.yml` is well-formed YAML and publishes the way the README says:
//! Pages base URL into the build, `quire check` before upload, upload then deploy. The same
//! holds for the workflow `quire init` writes from it, which runs an installed quire.

mod common;

use serde_json::Value;

/// This repository's workflow and `quire init`'s, each with how it runs quire.
fn workflows() -> Vec<(Value, &'static str)> {
    let text =
        std::fs::read_to_string(common::repo_root().join(".github/workflows/pages.yml")).unwrap();
    let parse = |t: &str| serde_saphyr::from_str::<Value>(t).expect("pages.yml is valid YAML");
    vec![
        (parse(&text), "cargo run --release --"),
        (parse(&quire::scaffold::workflow::for_site(None)), "quire"),
    ]
}

fn steps(job: &Value) -> Vec<Value> {
    job["steps"].as_array().expect("job has steps").clone()
}

/// Index of the first step that `uses` an action starting with `action`.
fn uses(steps: &[Value], action: &str) -> Option<usize> {
    steps.iter().position(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{action}@")))
    })
}

/// Index of the first step whose `run` contains `needle`.
fn runs(steps: &[Value], needle: &str) -> Option<usize> {
    steps
        .iter()
        .position(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
}

#[test]
fn triggers_permissions_and_concurrency() {
    for (w, _) in workflows() {
        triggers_permissions_and_concurrency_of(&w);
    }
}

fn triggers_permissions_and_concurrency_of(w: &Value) {
    let on = &w["on"];
    assert!(
        on["push"]["branches"]
            .as_array()
            .is_some_and(|b| b.iter().any(|x| x == "main")),
        "runs on push to main: {on}"
    );
    assert!(
        on.get("workflow_dispatch").is_some(),
        "can be run by hand: {on}"
    );
    assert_eq!(w["permissions"]["pages"], "write");
    assert_eq!(w["permissions"]["id-token"], "write");
    assert!(
        w["concurrency"]["group"]
            .as_str()
            .is_some_and(|g| !g.is_empty()),
        "has a concurrency group"
    );
}

#[test]
fn build_job_builds_with_pages_base_url_checks_and_uploads() {
    for (w, quire) in workflows() {
        build_job_of(&w, quire);
    }
}

fn build_job_of(w: &Value, quire: &str) {
    let build = &w["jobs"]["build"];
    let s = steps(build);
    let checkout = uses(&s, "actions/checkout").expect("checkout step");
    let cache = uses(&s, "Swatinem/rust-cache")
        .or_else(|| uses(&s, "actions/cache"))
        .expect("cargo cache step");
    let pages = uses(&s, "actions/configure-pages").expect("configure-pages step");
    assert_eq!(s[pages]["id"], "pages", "base_url is read from steps.pages");

    let base_url = "--base-url \"${{ steps.pages.outputs.base_url }}\"";
    // One build: `check` builds the site into _site/, then checks it.
    assert!(
        runs(&s, &format!("{quire} build")).is_none(),
        "the site is built once, by check"
    );
    let check = runs(&s, &format!("{quire} check")).expect("runs quire check");
    assert!(
        s[check]["run"].as_str().unwrap().contains(base_url),
        "check builds with the Pages base URL: {}",
        s[check]["run"]
    );
    let upload = uses(&s, "actions/upload-pages-artifact").expect("upload step");
    assert_eq!(s[upload]["with"]["path"], "_site");
    assert!(
        checkout < cache && cache < check,
        "checkout, cache, then build"
    );
    assert!(
        pages < check,
        "configure-pages before the build uses its output"
    );
    assert!(check < upload, "build and check, then upload");
}

#[test]
fn deploy_job_deploys_the_artifact() {
    for (w, _) in workflows() {
        deploy_job_of(&w);
    }
}

fn deploy_job_of(w: &Value) {
    let deploy = &w["jobs"]["deploy"];
    let needs = &deploy["needs"];
    assert!(
        needs == "build"
            || needs
                .as_array()
                .is_some_and(|n| n.iter().any(|x| x == "build")),
        "deploy needs build: {needs}"
    );
    assert_eq!(deploy["environment"]["name"], "github-pages");
    let s = steps(deploy);
    let step = uses(&s, "actions/deploy-pages").expect("deploy-pages step");
    assert_eq!(
        deploy["environment"]["url"],
        format!(
            "${{{{ steps.{}.outputs.page_url }}}}",
            s[step]["id"].as_str().unwrap()
        )
    );
}

/// `.quire-cache/` is restored before the build, keyed by the posts with a prefix to fall back
/// on, so a push renders only the formulas it added.
#[test]
fn quire_cache_is_restored_before_the_build() {
    for (w, quire) in workflows() {
        let steps = steps(&w["jobs"]["build"]);
        let cache = steps
            .iter()
            .position(|s| s["with"]["path"] == ".quire-cache")
            .expect("an actions/cache step for .quire-cache");
        assert!(
            steps[cache]["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@")),
            "{quire}"
        );
        let build = runs(&steps, &format!("{quire} check")).expect("a build step");
        assert!(cache < build, "{quire}: restored before the build");
        let with = &steps[cache]["with"];
        let key = with["key"].as_str().unwrap();
        assert!(key.contains("hashFiles('posts/**')"), "{quire}: {key}");
        let restore = with["restore-keys"].as_str().unwrap().trim();
        assert!(
            key.starts_with(restore) && restore.len() < key.len(),
            "{quire}: {restore} is a prefix of {key}"
        );
    }
}
