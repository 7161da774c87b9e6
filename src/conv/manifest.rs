//! The two ways an author describes an animation: the `gif/animations.toml`
//! manifest, one `[[animation]]` table each, and a Markdown code block
//! fenced with the language `conv`, holding the keys of one table without its
//! name. Both are TOML so that authors learn one syntax.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use super::geometry::Params;
use super::{ConvError, Whose};

/// One entry of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Animation {
    /// File stem of the GIF (`gif/<name>.gif`); restricted to ASCII letters,
    /// digits, `_` and `-` so that it can never leave the output directory.
    pub name: String,
    pub params: Params,
    /// Line of the manifest where the entry starts, for later messages.
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    animation: Vec<toml::Spanned<RawAnimation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnimation {
    name: String,
    input: u32,
    output: Option<u32>,
    #[serde(default)]
    padding: u32,
    kernel: u32,
    #[serde(default = "one")]
    stride: u32,
    #[serde(default = "one")]
    dilation: u32,
    #[serde(default)]
    transposed: bool,
}

/// The keys of [`RawAnimation`] but `name`; a separate type because serde
/// cannot flatten a struct that denies unknown fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    input: u32,
    output: Option<u32>,
    #[serde(default)]
    padding: u32,
    kernel: u32,
    #[serde(default = "one")]
    stride: u32,
    #[serde(default = "one")]
    dilation: u32,
    #[serde(default)]
    transposed: bool,
}

fn one() -> u32 {
    1
}

impl RawBlock {
    fn params(&self) -> Params {
        Params {
            i: self.input,
            k: self.kernel,
            p: self.padding,
            s: self.stride,
            d: self.dilation,
            transposed: self.transposed,
            o: self.output,
        }
    }
}

impl RawAnimation {
    fn params(&self) -> Params {
        Params {
            i: self.input,
            k: self.kernel,
            p: self.padding,
            s: self.stride,
            d: self.dilation,
            transposed: self.transposed,
            o: self.output,
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Name of the animation whose table holds byte `offset`: a TOML error has a
/// position but no notion of which entry it is in. The table is found by its
/// `[[animation]]` header and its name read from its own `name = ...` line,
/// so that this works even when the document as a whole does not parse.
fn animation_at(text: &str, offset: usize) -> Option<String> {
    let mut name = None;
    let mut inside = false;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with('[') {
            if start > offset {
                break;
            }
            inside = compact.starts_with("[[animation]]");
            name = None;
        } else if inside && name.is_none() && compact.starts_with("name=") {
            name = line
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| t.get("name")?.as_str().map(str::to_owned));
        }
        start += line.len();
    }
    if inside { name } else { None }
}

fn span_start(span: Option<Range<usize>>) -> Option<usize> {
    span.map(|s| s.start)
}

/// Reads `gif/animations.toml` (`path` only names it in messages) and checks
/// every entry, so that a mistake is reported before anything is drawn.
pub fn parse_manifest(path: &Path, text: &str) -> Result<Vec<Animation>, ConvError> {
    let error = |offset: Option<usize>, animation: Option<String>, message: String| {
        let (line, column) = match offset.map(|o| line_column(text, o)) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        ConvError::Manifest {
            path: path.to_owned(),
            line,
            column,
            animation,
            message,
        }
    };
    let raw: RawManifest = toml::from_str(text).map_err(|e| {
        let offset = span_start(e.span());
        let animation = offset.and_then(|o| animation_at(text, o));
        error(offset, animation, e.message().trim_end().to_owned())
    })?;

    let mut seen: Vec<Animation> = Vec::new();
    for entry in raw.animation {
        let start = entry.span().start;
        let (line, _) = line_column(text, start);
        let raw = entry.into_inner();
        let name = raw.name.clone();
        let named = |message: String| error(Some(start), Some(name.clone()), message);
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(named(
                "a name must be non-empty and use only ASCII letters, digits, `_` and `-`"
                    .to_owned(),
            ));
        }
        if let Some(first) = seen.iter().find(|a| a.name == name) {
            return Err(named(format!(
                "name already used by the animation on line {}",
                first.line
            )));
        }
        let params = raw.params();
        params.layout().map_err(|problem| ConvError::Invalid {
            whose: Whose::Entry {
                path: path.to_owned(),
                line,
                name: name.clone(),
            },
            problem,
        })?;
        seen.push(Animation { name, params, line });
    }
    Ok(seen)
}

/// Reads the body of a fenced code block with language `conv`: the keys of
/// one manifest entry, without `name`.
pub fn parse_conv_block(text: &str) -> Result<Params, ConvError> {
    let raw: RawBlock = toml::from_str(text).map_err(|e| {
        let (line, column) = match e.span().map(|s| line_column(text, s.start)) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        ConvError::Block {
            line,
            column,
            message: e.message().trim_end().to_owned(),
        }
    })?;
    let params = raw.params();
    params.layout().map_err(|problem| ConvError::Invalid {
        whose: Whose::Block,
        problem,
    })?;
    Ok(params)
}

/// Alternative text for the picture, stating what it shows so that a reader
/// who cannot see it loses nothing.
pub fn alt_text(params: &Params) -> Result<String, ConvError> {
    let layout = params.layout().map_err(|problem| ConvError::Invalid {
        whose: Whose::Convolution(*params),
        problem,
    })?;
    let Params { i, k, p, s, d, .. } = *params;
    let o = layout.direct_output();
    if !params.transposed {
        return Ok(format!(
            "Convolution: {i}×{i} input, {k}×{k} kernel, padding {p}, stride {s}, \
             dilation {d} → {o}×{o} output"
        ));
    }
    let k_eff = layout.effective_kernel();
    let border = k_eff - p - 1;
    let extra = (i + 2 * p - k_eff) % s;
    let mut how = String::from("drawn as a stride-1 convolution over the input");
    if s > 1 {
        let zeros = s - 1;
        let plural = if zeros == 1 { "" } else { "s" };
        how.push_str(&format!(
            " with {zeros} zero{plural} inserted between units"
        ));
    }
    how.push_str(&format!(
        "{} zero padding {border}",
        if s > 1 { " and" } else { " with" }
    ));
    if extra > 0 {
        how.push_str(&format!(" (plus {extra} on the bottom and right)"));
    }
    Ok(format!(
        "Transposed convolution: {o}×{o} input, {k}×{k} kernel, padding {p}, stride {s}, \
         dilation {d} → {i}×{i} output (the transpose of a convolution from {i}×{i} to \
         {o}×{o}; {how})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::ParamError;

    const GOOD: &str = r#"
[[animation]]
name = "no_padding_no_strides"
input = 4
output = 2
kernel = 3

[[animation]]
name = "padding_strides_transposed"
input = 5
output = 3
padding = 1
kernel = 3
stride = 2
transposed = true
"#;

    #[test]
    fn reads_entries_with_defaults() {
        let all = parse_manifest(Path::new("gif/animations.toml"), GOOD).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].name, "no_padding_no_strides");
        assert_eq!(all[0].params, Params::new(4, 3, 0, 1, 1).expect_output(2));
        assert_eq!(all[0].line, 2);
        assert_eq!(
            all[1].params,
            Params::new(5, 3, 1, 2, 1).expect_output(3).transpose()
        );
        assert_eq!(all[1].line, 8);
        assert!(parse_manifest(Path::new("x.toml"), "").unwrap().is_empty());
    }

    #[test]
    fn the_project_manifest_holds_the_fifteen() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("gif/animations.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let all = parse_manifest(&path, &text).unwrap();
        let mut want = Vec::new();
        for (name, i, o, p, k, s, d) in crate::conv::geometry::tests::PAPER {
            let params = Params::new(i, k, p, s, d).expect_output(o);
            want.push((name.to_owned(), params));
            if d == 1 {
                want.push((format!("{name}_transposed"), params.transpose()));
            }
        }
        want.sort_by(|a, b| a.0.cmp(&b.0));
        let mut got: Vec<(String, Params)> = all.into_iter().map(|a| (a.name, a.params)).collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want);
    }

    #[test]
    fn unknown_key_names_file_line_and_animation() {
        let text = GOOD.replace("stride = 2", "strides = 2");
        let e = parse_manifest(Path::new("gif/animations.toml"), &text).unwrap_err();
        let ConvError::Manifest {
            line, animation, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(*line, Some(14));
        assert_eq!(animation.as_deref(), Some("padding_strides_transposed"));
        let message = e.to_string();
        assert!(
            message.starts_with(
                "gif/animations.toml:14:1: animation \"padding_strides_transposed\": unknown field `strides`"
            ),
            "{message}"
        );
    }

    #[test]
    fn bad_toml_reports_its_line() {
        let text = GOOD.replace("kernel = 3\n\n", "kernel = = 3\n\n");
        let e = parse_manifest(Path::new("a.toml"), &text).unwrap_err();
        assert!(
            matches!(e, ConvError::Manifest { line: Some(6), .. }),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("a.toml:6:10: animation \"no_padding_no_strides\": "),
            "{e}"
        );
        let e = parse_manifest(
            Path::new("a.toml"),
            "[[animation]]\nname = \"x\"\ninput = -4",
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("a.toml:3:9: animation \"x\": "),
            "{e}"
        );
    }

    #[test]
    fn broken_arithmetic_names_the_animation() {
        let text = GOOD.replace("output = 2", "output = 3");
        let e = parse_manifest(Path::new("gif/animations.toml"), &text).unwrap_err();
        assert!(matches!(
            e,
            ConvError::Invalid {
                problem: ParamError::OutputMismatch {
                    given: 3,
                    computed: 2,
                    ..
                },
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "gif/animations.toml:2: animation \"no_padding_no_strides\": output size 3 given \
             but i=4, p=0, k=3, s=1, d=1 give o = ⌊(4 + 0 − 3)/1⌋ + 1 = 2"
        );
        let text = GOOD.replace("kernel = 3\n\n", "kernel = 5\n\n");
        let e = parse_manifest(Path::new("m.toml"), &text).unwrap_err();
        assert!(
            matches!(
                e,
                ConvError::Invalid {
                    problem: ParamError::KernelTooLarge { .. },
                    ..
                }
            ),
            "{e}"
        );
        let text = GOOD.replace("stride = 2", "stride = 0");
        let e = parse_manifest(Path::new("m.toml"), &text).unwrap_err();
        assert!(e.to_string().contains("stride s is 0"), "{e}");
    }

    #[test]
    fn names_are_checked() {
        let text = GOOD.replace("padding_strides_transposed", "no_padding_no_strides");
        let e = parse_manifest(Path::new("m.toml"), &text).unwrap_err();
        assert!(
            e.to_string()
                .contains("name already used by the animation on line 2"),
            "{e}"
        );
        let text = GOOD.replace("padding_strides_transposed", "../evil");
        let e = parse_manifest(Path::new("m.toml"), &text).unwrap_err();
        assert!(matches!(e, ConvError::Manifest { .. }), "{e}");
    }

    #[test]
    fn conv_blocks() {
        let p = parse_conv_block("input = 5\nkernel = 3\npadding = 1\nstride = 2\n").unwrap();
        assert_eq!(p, Params::new(5, 3, 1, 2, 1));
        let e = parse_conv_block("input = 5\nkernel = 3\nname = \"x\"\n").unwrap_err();
        assert!(matches!(e, ConvError::Block { line: Some(3), .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("`conv` block, line 3, column 1: unknown field `name`"),
            "{e}"
        );
        let e = parse_conv_block("input = 5\n").unwrap_err();
        assert!(e.to_string().contains("missing field `kernel`"), "{e}");
        let e = parse_conv_block("input = 4\nkernel = 3\noutput = 1\n").unwrap_err();
        assert!(matches!(e, ConvError::Invalid { .. }), "{e}");
    }

    #[test]
    fn alt_texts() {
        assert_eq!(
            alt_text(&Params::new(5, 3, 1, 2, 1)).unwrap(),
            "Convolution: 5×5 input, 3×3 kernel, padding 1, stride 2, dilation 1 → 3×3 output"
        );
        assert_eq!(
            alt_text(&Params::new(5, 3, 1, 2, 1).transpose()).unwrap(),
            "Transposed convolution: 3×3 input, 3×3 kernel, padding 1, stride 2, dilation 1 \
             → 5×5 output (the transpose of a convolution from 5×5 to 3×3; drawn as a \
             stride-1 convolution over the input with 1 zero inserted between units and \
             zero padding 1)"
        );
        assert_eq!(
            alt_text(&Params::new(6, 3, 1, 2, 1).transpose()).unwrap(),
            "Transposed convolution: 3×3 input, 3×3 kernel, padding 1, stride 2, dilation 1 \
             → 6×6 output (the transpose of a convolution from 6×6 to 3×3; drawn as a \
             stride-1 convolution over the input with 1 zero inserted between units and \
             zero padding 1 (plus 1 on the bottom and right))"
        );
        assert!(
            alt_text(&Params::new(5, 3, 2, 1, 1).transpose())
                .unwrap()
                .ends_with("(the transpose of a convolution from 5×5 to 7×7; drawn as a stride-1 convolution over the input with zero padding 0)")
        );
        assert!(alt_text(&Params::new(5, 3, 1, 0, 1)).is_err());
    }
}
