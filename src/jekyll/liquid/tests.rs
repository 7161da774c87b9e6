use super::*;

fn liquid(includes: &[(&str, &str)]) -> Liquid {
    let config = Config {
        url: "https://u.github.io/notes".into(),
        title: "T & co".into(),
        ..Config::default()
    };
    let includes = Includes(
        includes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    Liquid::new(&config, includes, &[], &[]).unwrap()
}

fn expand(l: &Liquid, text: &str) -> Result<Option<Expanded>> {
    let body_offset = text.find("---\n\n").map_or(0, |p| p + 4);
    l.expand(&File {
        path: Path::new("posts/x.md"),
        text,
        body_offset,
        page: json!({"title": "Hello", "tags": ["b", "a"]}),
    })
}

fn body(l: &Liquid, text: &str) -> String {
    expand(l, text).unwrap().unwrap().body
}

#[test]
fn a_body_without_liquid_is_left_alone() {
    assert!(expand(&liquid(&[]), "plain $x$ text").unwrap().is_none());
}

#[test]
fn variables_filters_and_standard_tags() {
    let l = liquid(&[]);
    assert_eq!(
        body(
            &l,
            "{{ page.title | upcase }} {{ site.title | xml_escape }} {{ '/a.png' | relative_url }} {{ '/b/' | absolute_url }}"
        ),
        "HELLO T &amp; co /notes/a.png https://u.github.io/notes/b/"
    );
    assert_eq!(
        body(
            &l,
            "{% assign n = 2 %}{% capture c %}x{{ n }}{% endcapture %}{{ c }}{% if n > 1 %} big{% endif %}{% for t in page.tags %} {{ t }}{% endfor %}"
        ),
        "x2 big b a"
    );
    assert_eq!(body(&l, "{% raw %}{{ kept }}{% endraw %}"), "{{ kept }}");
    assert_eq!(body(&l, "{{ \"Hello World!\" | slugify }}"), "hello-world");
    assert_eq!(body(&l, "{{ page.tags | jsonify }}"), "[\"b\",\"a\"]");
}

#[test]
fn highlight_becomes_a_fenced_block_with_the_same_lines() {
    let out = body(
        &liquid(&[]),
        "a\n{% highlight python linenos %}\nx = '```'\n{% endhighlight %}\nb\n",
    );
    assert_eq!(out, "a\n````python\nx = '```'\n````\nb\n");
}

#[test]
fn include_passes_parameters() {
    let l = liquid(&[("note.html", "<aside>{{ include.text }}</aside>")]);
    assert_eq!(
        body(&l, "{% include note.html text=\"hi\" %}"),
        "<aside>hi</aside>"
    );
}

#[test]
fn include_of_a_missing_file_is_a_located_error() {
    let l = liquid(&[]);
    let err = expand(
        &l,
        "---\ntitle: x\n---\n\nline\n  {% include nope.html %}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("posts/x.md:6:3: Liquid:"), "{err}");
    assert!(err.contains("nope.html"), "{err}");
}

#[test]
fn an_unclosed_tag_is_a_located_error() {
    let l = liquid(&[]);
    let err = expand(
        &l,
        "---\ntitle: x\n---\n\nok\n{% if true %}\nnever closed\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("posts/x.md:6:1: Liquid: Unclosed block"),
        "{err}"
    );
    let err = expand(&l, "a\n{{ page.title\n").unwrap_err().to_string();
    assert!(err.starts_with("posts/x.md:2:"), "{err}");
}

#[test]
fn unknown_tags_and_filters_are_left_out_with_a_warning_each() {
    let l = liquid(&[]);
    let out = expand(
        &l,
        "---\ntitle: x\n---\n\n{{ page.title | shout | upcase }}\n{% youtube abc %}\nrest\n",
    )
    .unwrap()
    .unwrap();
    let warnings: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("posts/x.md:5:"), "{warnings:?}");
    assert!(warnings[0].contains("filter `shout`"), "{warnings:?}");
    assert!(warnings[1].starts_with("posts/x.md:6:1:"), "{warnings:?}");
    assert!(warnings[1].contains("tag `youtube`"), "{warnings:?}");
    let lines: Vec<&str> = out.body.lines().map(str::trim).collect();
    assert_eq!(lines, ["", "HELLO", "", "rest"]);
}

#[test]
fn site_author_is_the_name_or_jekylls_map() {
    let with = |yaml: &str| {
        let config = crate::jekyll::config::parse(yaml, Path::new("_config.yml"))
            .unwrap()
            .config;
        let l = Liquid::new(&config, Includes::default(), &[], &[]).unwrap();
        body(
            &l,
            "[{{ site.author }}] [{{ site.author.name }}] [{{ site.author.email }}]",
        )
    };
    assert_eq!(with("author: Ada Example\n"), "[Ada Example] [] []");
    // A plain name still reads as text: Jekyll's idiom for either form, its length, a test.
    let config = crate::jekyll::config::parse("author: Ada Example\n", Path::new("_config.yml"))
        .unwrap()
        .config;
    let l = Liquid::new(&config, Includes::default(), &[], &[]).unwrap();
    assert_eq!(
        body(
            &l,
            "{{ site.author.name | default: site.author }} {{ site.author.size }} {{ site.author | upcase }}{% if site.author == \"Ada Example\" %} same{% endif %}{% if site.author == site.title %} wrong{% endif %}"
        ),
        "Ada Example 11 ADA EXAMPLE same"
    );
    let map = with("author:\n  name: Ada Example\n  email: ada@example.org\n");
    assert!(map.ends_with("[Ada Example] [ada@example.org]"), "{map}");
    // As in Jekyll, a map without an email has none.
    assert!(with("author:\n  name: Ada\n").ends_with("[Ada] []"));
    // quire's own `site.toml` names the author with a string; `[jekyll] author` is the map.
    let toml = Config::parse(
        "author = \"Ada\"\n[jekyll]\ncompat = true\nauthor = { name = \"Ada\", email = \"a@x.org\" }\n",
        Path::new("site.toml"),
    )
    .unwrap();
    let l = Liquid::new(&toml, Includes::default(), &[], &[]).unwrap();
    assert_eq!(
        body(&l, "{{ site.author.name }} {{ site.author.email }}"),
        "Ada a@x.org"
    );
}
