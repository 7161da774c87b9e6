//! Convolution animations through the whole build: the manifest's 15 GIFs, `conv` code blocks in
//! posts, the cache, and the errors a user can make.

mod common;

use common::*;

fn decode(bytes: &[u8]) -> (u16, u16, usize) {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts.read_info(bytes).unwrap();
    let (w, h) = (d.width(), d.height());
    let mut frames = 0;
    while d.read_next_frame().unwrap().is_some() {
        frames += 1;
    }
    (w, h, frames)
}

#[test]
fn build_writes_the_fifteen_and_a_rebuild_draws_nothing() {
    let site = repo_site();
    let src = site.path().to_str().unwrap();
    let first = quire::build::build(&quire::build::BuildOptions::new(src))
        .unwrap()
        .report;
    assert_eq!(first.gifs_drawn, 15);
    let page = std::fs::read_to_string(site.path().join("_site").join(SEED_PAGE)).unwrap();
    for name in [
        "no_padding_no_strides",
        "arbitrary_padding_no_strides",
        "same_padding_no_strides",
        "full_padding_no_strides",
        "no_padding_strides",
        "padding_strides",
        "padding_strides_odd",
        "dilation",
    ] {
        for suffix in ["", "_transposed"] {
            if name == "dilation" && !suffix.is_empty() {
                continue;
            }
            let file = format!("gif/{name}{suffix}.gif");
            assert!(
                page.contains(&format!("src=\"/{file}\"")),
                "{file} in the post"
            );
            let bytes = std::fs::read(site.path().join("_site").join(&file)).unwrap();
            let (w, _, frames) = decode(&bytes);
            assert!(w >= 150 && frames >= 4, "{file}: {w}px, {frames} frames");
        }
    }
    assert!(
        !site.path().join("_site/gif/animations.toml").exists(),
        "the manifest is not published"
    );
    let second = quire::build::build(&quire::build::BuildOptions::new(src))
        .unwrap()
        .report;
    assert_eq!(second.gifs_drawn, 0, "cached GIFs are reused");
}

#[test]
fn conv_block_in_a_post_becomes_a_published_animation() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    write(
        &site.path().join("posts/2020-02-02-conv.md"),
        "---\ntitle: c\n---\nA strided convolution:\n\n```conv\ninput = 5\nkernel = 3\npadding = 1\nstride = 2\n```\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(site.path().join("_site/2020/02/02/conv.html")).unwrap();
    let src_at = page
        .find("<img src=\"/gif/conv-")
        .expect("an img for the block");
    let src = &page[src_at + 10..];
    let src = &src[..src.find('"').unwrap()];
    assert!(page.contains(
        "alt=\"Convolution: 5×5 input, 3×3 kernel, padding 1, stride 2, dilation 1 → 3×3 output\""
    ));
    let bytes = std::fs::read(site.path().join("_site").join(&src[1..])).unwrap();
    assert_eq!(decode(&bytes).2, 9, "one frame per output cell");
}

#[test]
fn broken_conv_block_fails_the_build_naming_the_post() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    write(
        &site.path().join("posts/2020-02-02-conv.md"),
        "---\ntitle: c\n---\n\n```conv\ninput = 4\nkernel = 3\noutput = 3\n```\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("posts/2020-02-02-conv.md:5:1:"), "{err}");
    assert!(err.contains("output size 3"), "{err}");
}

#[test]
fn broken_conv_block_is_reported_at_its_line_in_the_post_not_the_manifest() {
    // The repository's site has a manifest, so a wrong blame on it would show.
    let site = repo_site();
    write(
        &site.path().join("posts/2020-02-02-conv.md"),
        "---\ntitle: c\n---\n\nText.\n\n```conv\ninput = 5\nkernel = 3\nstrides = 2\n```\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Fence on line 7, `strides` on the block's third line: line 10 of the post.
    assert!(
        err.contains("error: posts/2020-02-02-conv.md:10:1: conv: unknown field `strides`"),
        "{err}"
    );
    assert!(!err.contains("animations.toml"), "{err}");
}

#[test]
fn broken_manifest_fails_the_build_naming_the_animation() {
    let site = repo_site();
    let manifest = site.path().join("gif/animations.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}\n[[animation]]\nname = \"mine\"\ninput = 4\nkernel = 5\n"),
    )
    .unwrap();
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("gif/animations.toml:") && err.contains("\"mine\""),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn quire_gif_writes_one_animation_and_rejects_bad_arithmetic() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("d.gif");
    let out = quire(&[
        "gif",
        "--input",
        "7",
        "--kernel",
        "3",
        "--dilation",
        "2",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(decode(&std::fs::read(&out_file).unwrap()).2, 9);

    let t = dir.path().join("t.gif");
    let out = quire(&[
        "gif",
        "-i",
        "5",
        "-k",
        "3",
        "-s",
        "2",
        "--transposed",
        "-o",
        t.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        decode(&std::fs::read(&t).unwrap()).2,
        25,
        "i² frames for a transposed convolution"
    );

    for bad in [
        vec!["-i", "3", "-k", "5"],
        vec!["-i", "5", "-k", "3", "-s", "0"],
        vec!["-i", "5", "-k", "3", "--output-size", "4"],
    ] {
        let mut args = vec!["gif"];
        args.extend(bad.iter().copied());
        args.extend(["-o", "/nonexistent/x.gif"]);
        let out = quire(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).starts_with("error: convolution"),
            "{}",
            stderr(&out)
        );
    }
}
