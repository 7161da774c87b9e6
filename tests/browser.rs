//! The preview in a real browser: headless Chromium driven over WebDriver (chromedriver,
//! through fantoccini) opens the seed post from `quire serve`, with quire's default KaTeX
//! stylesheet and fonts (compiled in, served from the site itself: no CDN, no network), and checks
//! what a reader would see.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! chromedriver the test is skipped with a message, except under CI (`CI` set), where that is a
//! failure: CI must never pass by not running it. With chromedriver but without Chromium, it
//! fails.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::serve::{Server, append, site_with_config};
use common::{SEED_PAGE, SEED_POST};
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// A guard against hanging, not a measured bound.
const PATIENCE: Duration = Duration::from_secs(60);

fn find(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    candidates.iter().find_map(|name| {
        let direct = Path::new(name);
        if direct.is_absolute() {
            return direct.is_file().then(|| direct.to_path_buf());
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// When chromedriver is there the browser must be too, so its absence is always a failure.
fn browser() -> PathBuf {
    find(
        "QUIRE_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    )
    .expect("chromium not found (Debian: apt-get install chromium)")
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(program: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(mut r) = ureq::get(&format!("{url}/status")).call()
                && let Ok(body) = r.body_mut().read_to_string()
                && body.contains("\"ready\":true")
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn session(driver: &Driver, browser: &Path, profile: &Path) -> Client {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": browser,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-dev-shm-usage",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// Runs `script` until it returns something `done` accepts; script errors (a page being
/// replaced by its reload) count as "not yet".
async fn poll(client: &Client, what: &str, script: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    let mut last = Value::Null;
    while Instant::now() < deadline {
        if let Ok(v) = client.execute(script, vec![]).await {
            if done(&v) {
                return v;
            }
            last = v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}; last result: {last}");
}

const INSPECT: &str = r#"
    const boxes = [...document.querySelectorAll('.katex')];
    const zero = boxes.filter(e => { const r = e.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
    const mathml = document.querySelector('.katex .katex-mathml');
    const sheets = [...document.styleSheets].map(s => s.href).filter(h => h);
    const katexFonts = [...document.fonts].filter(f => f.family.replace(/"/g, '').startsWith('KaTeX_'));
    const gifs = [...document.images].filter(i => new URL(i.src).pathname.startsWith('/gif/'));
    return {
        katex: boxes.length,
        zero: zero.map(e => e.textContent.slice(0, 60)),
        errors: document.querySelectorAll('.katex-error').length,
        font: boxes.length ? getComputedStyle(boxes[0]).fontFamily : '',
        foreignSheets: sheets.filter(h => new URL(h).origin !== location.origin),
        fontsDone: document.fonts.status === 'loaded',
        fontsLoaded: katexFonts.filter(f => f.status === 'loaded').map(f => f.family.replace(/"/g, '')),
        fontsFailed: katexFonts.filter(f => f.status === 'error').map(f => f.family.replace(/"/g, '')),
        mathmlHidden: mathml ? getComputedStyle(mathml).position === 'absolute' : false,
        gifs: gifs.map(i => ({ src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth })),
    };
"#;

/// chromedriver, or `None` when it is missing outside CI (the test is then skipped, saying so).
fn driver_or_skip(test: &str) -> Option<PathBuf> {
    let why = "chromedriver not found (Debian: apt-get install chromium chromium-driver)";
    let found = find(
        "QUIRE_CHROMEDRIVER",
        &["chromedriver", "/usr/lib/chromium/chromedriver"],
    );
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the browser test must run under CI: {why}"
        );
        eprintln!("SKIPPED {test}: {why}");
    }
    found
}

/// Runs `body` with a fresh headless Chromium session, closed afterwards.
fn in_browser<F, Fut>(driver_bin: &Path, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Client>,
{
    let browser = browser();
    let driver = Driver::start(driver_bin);
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = session(&driver, &browser, profile.path()).await;
        let client = body(client).await;
        let _ = client.close().await;
    });
}

#[test]
fn seed_post_shows_math_and_animations_and_reloads_itself() {
    let Some(driver_bin) = driver_or_skip("seed_post_shows_math_and_animations_and_reloads_itself")
    else {
        return;
    };
    // The repository's own configuration: the default stylesheet is the built-in one.
    let site = site_with_config(str::to_string);
    let server = Server::start(site.path(), &[]);
    in_browser(&driver_bin, |client| async {
        check_page(&client, &server, site.path()).await;
        client
    });
}

#[test]
fn equation_links_scroll_copy_gives_tex_and_wide_formulas_scroll_in_their_box() {
    let Some(driver_bin) = driver_or_skip(
        "equation_links_scroll_copy_gives_tex_and_wide_formulas_scroll_in_their_box",
    ) else {
        return;
    };
    let site = common::copy_site(
        &common::repo_root().join("tests/fixtures/math"),
        &["posts", "site.toml", "macros.tex", "static"],
    );
    let server = Server::start(site.path(), &[]);
    in_browser(&driver_bin, |client| async {
        check_math_document(&client, &server).await;
        client
    });
}

#[test]
fn sidenotes_sit_beside_their_reference_on_wide_screens_and_at_the_end_on_narrow_ones() {
    let Some(driver_bin) = driver_or_skip(
        "sidenotes_sit_beside_their_reference_on_wide_screens_and_at_the_end_on_narrow_ones",
    ) else {
        return;
    };
    let site = tempfile::tempdir().unwrap();
    let filler = "Words that fill a line of the column and then some more words. ".repeat(12);
    common::write(
        &site.path().join("posts/2020-01-01-notes.md"),
        &format!(
            "---\ntitle: Notes\n---\n{filler}\n\nA first claim[^a] in its paragraph. {filler}\n\n\
             {filler}\n\nA second claim[^b], with math $x^2$. {filler}\n\n\
             [^a]: The first note, short.\n[^b]: The second note, with $y^2$ and a few more words.\n"
        ),
    );
    let server = Server::start(site.path(), &[]);
    in_browser(&driver_bin, |client| async {
        open(&client, &format!("{}2020/01/01/notes.html", server.url)).await;
        let layout = r#"
            const column = document.querySelector('.post-content').getBoundingClientRect();
            const notes = [...document.querySelectorAll('.sidenote')].map((n, i) => {
                const r = n.getBoundingClientRect();
                const ref = document.getElementById('fnref:' + (i + 1)).getBoundingClientRect();
                return { left: r.left, right: r.right, top: r.top, width: r.width, refTop: ref.top };
            });
            const list = document.querySelector('section.footnotes');
            const paragraphs = [...document.querySelectorAll('.post-content > p')];
            return {
                viewport: document.documentElement.clientWidth,
                page: document.documentElement.scrollWidth,
                columnRight: column.right,
                notes,
                listShown: getComputedStyle(list).display !== 'none',
                listTop: list.getBoundingClientRect().top,
                lastParagraphTop: paragraphs[paragraphs.length - 1].getBoundingClientRect().top,
            };"#;
        client.set_window_size(1400, 900).await.unwrap();
        let wide = poll(&client, "the wide layout", layout, |v| {
            v["viewport"].as_f64().is_some_and(|w| w > 1300.0)
        })
        .await;
        let notes = wide["notes"].as_array().unwrap();
        assert_eq!(notes.len(), 2, "{wide}");
        for note in notes {
            let f = |k: &str| note[k].as_f64().unwrap();
            assert!(f("width") > 100.0, "shown: {wide}");
            assert!(
                f("left") >= wide["columnRight"].as_f64().unwrap(),
                "right of the text: {wide}"
            );
            assert!(
                f("right") <= wide["viewport"].as_f64().unwrap(),
                "on screen: {wide}"
            );
            assert!(
                (f("top") - f("refTop")).abs() < 40.0,
                "beside its reference: {wide}"
            );
        }
        assert_eq!(wide["listShown"], false, "{wide}");
        assert_eq!(wide["page"], wide["viewport"], "no sideways scroll: {wide}");

        client.set_window_size(600, 900).await.unwrap();
        let narrow = poll(&client, "the narrow layout", layout, |v| {
            v["viewport"].as_f64().is_some_and(|w| w <= 600.0)
        })
        .await;
        for note in narrow["notes"].as_array().unwrap() {
            assert_eq!(note["width"], 0.0, "hidden: {narrow}");
        }
        assert_eq!(narrow["listShown"], true, "{narrow}");
        assert!(
            narrow["listTop"].as_f64() > narrow["lastParagraphTop"].as_f64(),
            "at the end: {narrow}"
        );
        client
    });
}

const CODE_POST: &str = "---\ntitle: Code\n---\n```python\n# A comment\ndef relu(x: float) -> float:\n    \"\"\"Docstring.\"\"\"\n    return max(0.0, x) if x is not None else 1e-3  # inline\nclass Net(object):\n    pass\n```\n\n```rust\n/// Doc comment\nfn main() { let s = \"str\"; println!(\"{}\", s.len() + 42); }\n```\n\n```javascript\n// js comment\nconst f = (a) => `template ${a}`; let re = /ab+c/g;\n```\n\n```bash\n# shell\nfor f in *.md; do echo \"$f\"; done\n```\n";

/// Every highlighted token's WCAG contrast against its code block's background, lowest first.
const CONTRAST: &str = r#"
    const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const found = [];
    document.querySelectorAll('.post-content pre').forEach(pre => {
        const bg = rgb(getComputedStyle(pre).backgroundColor);
        pre.querySelectorAll('span').forEach(s => {
            if (!s.textContent.trim()) return;
            found.push({ text: s.textContent.slice(0, 30), cls: s.className, ratio: ratio(rgb(getComputedStyle(s).color), bg) });
        });
    });
    found.sort((a, b) => a.ratio - b.ratio);
    return { theme: document.documentElement.dataset.theme || null, tokens: found.length, lowest: found.slice(0, 3) };"#;

#[test]
fn theme_toggle_persists_toc_is_sticky_and_dark_code_is_readable() {
    let Some(driver_bin) =
        driver_or_skip("theme_toggle_persists_toc_is_sticky_and_dark_code_is_readable")
    else {
        return;
    };
    let site = site_with_config(str::to_string);
    common::write(&site.path().join("posts/2020-01-01-code.md"), CODE_POST);
    let server = Server::start(site.path(), &[]);
    in_browser(&driver_bin, |client| async {
        client.set_window_size(1400, 900).await.unwrap();
        open(&client, &format!("{}{SEED_PAGE}", server.url)).await;
        // The contents sit beside the text and stay in view while the post scrolls.
        let toc = r#"
            const toc = document.querySelector('.toc').getBoundingClientRect();
            const text = document.querySelector('.post-content').getBoundingClientRect();
            return { right: toc.right, top: toc.top, textLeft: text.left, open: document.querySelector('.toc').open };"#;
        let before = client.execute(toc, vec![]).await.unwrap();
        assert!(
            before["right"].as_f64() <= before["textLeft"].as_f64(),
            "{before}"
        );
        assert_eq!(before["open"], true, "{before}");
        client
            .execute("window.scrollTo(0, 3000); return true", vec![])
            .await
            .unwrap();
        let after = poll(
            &client,
            "the page to scroll",
            &format!("return window.scrollY > 2000 ? (() => {{ {toc} }})() : null"),
            |v| !v.is_null(),
        )
        .await;
        assert_eq!(before["top"], after["top"], "sticky: {before} {after}");

        // The toggle switches the theme and the choice survives a reload.
        let state = "return { theme: document.documentElement.dataset.theme || null, bg: getComputedStyle(document.body).backgroundColor }";
        let first = client.execute(state, vec![]).await.unwrap();
        client
            .find(fantoccini::Locator::Css(".theme-toggle"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let switched = client.execute(state, vec![]).await.unwrap();
        assert_ne!(switched["bg"], first["bg"], "{first} {switched}");
        assert!(switched["theme"].is_string(), "{switched}");
        client.refresh().await.unwrap();
        let reloaded = poll(&client, "the reload", state, |v| v["theme"].is_string()).await;
        assert_eq!(reloaded, switched, "remembered across pages");

        // Dark mode: every highlighted token is readable against its code block.
        client
            .execute(
                "localStorage.setItem('quire-theme', 'dark'); return true",
                vec![],
            )
            .await
            .unwrap();
        open(&client, &format!("{}2020/01/01/code.html", server.url)).await;
        let code = client.execute(CONTRAST, vec![]).await.unwrap();
        assert_eq!(code["theme"], "dark", "{code}");
        assert!(code["tokens"].as_u64().unwrap() > 20, "{code}");
        let lowest = code["lowest"][0]["ratio"].as_f64().unwrap();
        assert!(lowest >= 4.5, "a token below WCAG AA in dark mode: {code}");
        client
    });
}

async fn open(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    poll(
        client,
        "the page to load",
        "return document.readyState",
        |v| v == "complete",
    )
    .await;
}

async fn check_math_document(client: &Client, server: &Server) {
    open(client, &format!("{}2020/01/01/document.html", server.url)).await;
    client.set_window_size(1280, 700).await.unwrap();

    // Clicking "(2.1)" at the end of the page brings equation (2.1) into view.
    let link = client
        .find(fantoccini::Locator::Css("a.xref[href='#eq-single']"))
        .await
        .unwrap();
    assert_eq!(link.text().await.unwrap(), "(2.1)");
    link.click().await.unwrap();
    let shown = poll(
        client,
        "equation (2.1) to scroll into view",
        r#"const a = document.getElementById('eq-single');
           const f = a.nextElementSibling.getBoundingClientRect();
           return { hash: location.hash, top: f.top, bottom: f.bottom, height: innerHeight };"#,
        |v| {
            v["hash"] == "#eq-single"
                && v["top"].as_f64().is_some_and(|t| t >= 0.0)
                && v["bottom"].as_f64() <= v["height"].as_f64()
        },
    )
    .await;
    assert!(shown["top"].as_f64().unwrap() >= 0.0, "{shown}");

    // Copying a selection that holds formulas puts their TeX on the clipboard.
    let copied = client
        .execute(
            r#"const p = document.querySelector('#thm-cs p');
               const range = document.createRange();
               range.selectNodeContents(p);
               const selection = getSelection();
               selection.removeAllRanges();
               selection.addRange(range);
               const data = new DataTransfer();
               p.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
               return data.getData('text/plain');"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        copied,
        json!(
            r"Theorem 1 (Cauchy–Schwarz). For all $u, v$: $|\langle u,v\rangle| \le \|u\|\,\|v\|$."
        )
    );

    // At 400 px a wide display formula scrolls inside its block; the page does not.
    client.set_window_size(400, 800).await.unwrap();
    let widths = poll(
        client,
        "the narrow layout",
        r#"const boxes = [...document.querySelectorAll('.katex-display')];
           const wide = boxes.filter(b => b.scrollWidth > b.clientWidth + 1);
           return {
             viewport: document.documentElement.clientWidth,
             page: document.documentElement.scrollWidth,
             wide: wide.length,
             overflow: wide.map(b => getComputedStyle(b).overflowX),
           };"#,
        |v| v["viewport"].as_f64().is_some_and(|w| w <= 400.0),
    )
    .await;
    assert!(widths["wide"].as_u64().unwrap() >= 1, "{widths}");
    assert!(
        widths["overflow"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o == "auto"),
        "{widths}"
    );
    assert_eq!(
        widths["page"], widths["viewport"],
        "no sideways page scroll: {widths}"
    );
}

async fn check_page(client: &Client, server: &Server, site: &Path) {
    open(client, &format!("{}{SEED_PAGE}", server.url)).await;
    let page = poll(client, "every animation and font to load", INSPECT, |v| {
        v["fontsDone"] == true
            && v["gifs"]
                .as_array()
                .is_some_and(|g| g.iter().all(|i| i["complete"] == true))
    })
    .await;

    let katex = page["katex"].as_u64().unwrap();
    assert!(katex >= 41, "every formula is on the page: {page}");
    assert_eq!(page["zero"], json!([]), "formulas with no size: {page}");
    assert_eq!(page["errors"], 0, "KaTeX errors on the page: {page}");
    assert!(
        page["font"].as_str().unwrap().contains("KaTeX_Main"),
        "the self-hosted stylesheet applies: {page}"
    );
    assert_eq!(
        page["foreignSheets"],
        json!([]),
        "every stylesheet comes from the site: {page}"
    );
    assert_eq!(page["fontsFailed"], json!([]), "KaTeX fonts failed: {page}");
    let loaded = page["fontsLoaded"].as_array().unwrap();
    for family in ["KaTeX_Main", "KaTeX_Math", "KaTeX_Size1"] {
        assert!(
            loaded.iter().any(|f| f == family),
            "{family} was not loaded from /katex/fonts/: {page}"
        );
    }
    assert_eq!(
        page["mathmlHidden"], true,
        "MathML is visually hidden: {page}"
    );
    let gifs = page["gifs"].as_array().unwrap();
    assert_eq!(gifs.len(), 15, "the seed's 15 animations: {page}");
    for gif in gifs {
        assert!(
            gif["width"].as_u64().unwrap() > 0,
            "an animation failed to load: {gif}"
        );
    }

    // An edit reloads the page by itself: the marker set now disappears with the old page.
    client
        .execute("window.__quireMarker = 'before'; return true", vec![])
        .await
        .unwrap();
    let text = "Reloaded by itself, 自动刷新 7d1e.";
    append(&site.join(SEED_POST), text);
    let script = format!(
        "return [window.__quireMarker === undefined, document.body.innerText.includes({})]",
        json!(text)
    );
    poll(client, "the page to reload with the edit", &script, |v| {
        *v == json!([true, true])
    })
    .await;

    // The search index, made in the background, comes in a build of its own; this page has
    // not loaded the index, so it takes the new version without reloading.
    client
        .execute("window.__quireMarker = 'kept'; return true", vec![])
        .await
        .unwrap();
    let caught_up = "const s = document.querySelector('script[data-quire-version]'); \
        return fetch('/__quire/status').then(r => r.json()).then(st => [ \
          (st.changed || []).length > 0 && st.changed.every(p => p.startsWith('/pagefind/')), \
          Number(s.dataset.quireVersion) === st.version, window.__quireMarker || null])";
    let after = poll(client, "the search index's build", caught_up, |v| {
        v[0] == json!(true) && v[1] == json!(true)
    })
    .await;
    assert_eq!(after[2], json!("kept"), "reloaded for the index alone");

    // A broken front matter shows the overlay, naming the file and line; fixing it clears it.
    let post = site.join(SEED_POST);
    let good = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, good.replacen("title:", "title: [unclosed", 1)).unwrap();
    let overlay =
        "const o = document.getElementById('quire-overlay'); return o ? o.innerText : null";
    let shown = poll(client, "the error overlay", overlay, Value::is_string).await;
    assert!(
        shown.as_str().unwrap().contains(&format!("{SEED_POST}:3:")),
        "{shown}"
    );
    std::fs::write(&post, &good).unwrap();
    poll(client, "the overlay to clear", overlay, Value::is_null).await;
}

/// Types `query` into the search box at `selector` and waits for a result linking into the
/// seed post; returns that link (base path included).
async fn search_finds_seed_post(client: &Client, selector: &str, query: &str) -> String {
    let input = client
        .find(fantoccini::Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
    input.click().await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(query).await.unwrap();
    let form = selector.split(' ').next().unwrap();
    let script = format!(
        "const links = [...document.querySelectorAll('{form} .search-results a')];\
         const box = document.querySelector('{form} .search-results');\
         const r = box.getBoundingClientRect();\
         const excerpts = [...box.querySelectorAll('.search-excerpt')].map(p => p.textContent);\
         return {{visible: !box.hidden && r.height > 0, hrefs: links.map(a => a.getAttribute('href')), text: box.textContent, excerpts}};"
    );
    let seed = SEED_PAGE;
    let found = poll(client, &format!("results for {query}"), &script, |v| {
        v["visible"] == true
            && v["hrefs"].as_array().is_some_and(|h| {
                h.iter()
                    .any(|h| h.as_str().is_some_and(|h| h.contains(seed)))
            })
    })
    .await;
    for excerpt in found["excerpts"].as_array().unwrap() {
        let first = excerpt.as_str().unwrap_or_default().chars().next();
        assert!(
            !first.is_some_and(|c| c.is_whitespace() || "，。；：、！？）,.;:!?)".contains(c)),
            "an excerpt starts with punctuation: {excerpt}"
        );
    }
    let text = found["text"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        text.contains(&query.to_lowercase()),
        "the excerpt shows the match: {text}"
    );
    found["hrefs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str())
        .find(|h| h.contains(seed))
        .unwrap()
        .to_string()
}

#[test]
fn typing_in_the_search_box_finds_the_seed_post_in_chinese_and_english() {
    let Some(driver_bin) =
        driver_or_skip("typing_in_the_search_box_finds_the_seed_post_in_chinese_and_english")
    else {
        return;
    };
    // Under a base path, which the index does not know of: Pagefind's script adds it.
    let site = site_with_config(|c| format!("url = \"https://u.github.io/repo\"\n{c}"));
    let server = Server::start(site.path(), &[]);
    in_browser(&driver_bin, |client| async {
        open(&client, &server.url).await;
        let link = search_finds_seed_post(&client, "form.site-search input", "归一化").await;
        assert!(link.starts_with(&format!("/repo/{SEED_PAGE}")), "{link}");

        // The search page, as the header's box submits to it, then typing there.
        open(&client, &format!("{}search/?q=batch", server.url)).await;
        let link = search_finds_seed_post(&client, "form.search-page input", "batch").await;
        assert!(link.starts_with(&format!("/repo/{SEED_PAGE}")), "{link}");
        let url = client.current_url().await.unwrap();
        assert!(url.as_str().ends_with("/repo/search/?q=batch"), "{url}");
        // A section's link goes to its heading, which exists on the post.
        let sections: Value = client
            .execute(
                "return [...document.querySelectorAll('.search-sections a')].map(a => a.getAttribute('href'))",
                vec![],
            )
            .await
            .unwrap();
        let section = sections
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h.as_str())
            .find(|h| h.contains(SEED_PAGE) && h.contains('#'))
            .unwrap_or_else(|| panic!("no section link into the seed post: {sections}"))
            .to_string();
        let id = section.rsplit('#').next().unwrap().to_string();
        open(&client, &format!("{}{}", server.origin, section)).await;
        let found: Value = client
            .execute(
                "return document.getElementById(decodeURIComponent(arguments[0])) !== null",
                vec![json!(id)],
            )
            .await
            .unwrap();
        assert_eq!(found, true, "{section}");
        client
    });
}
