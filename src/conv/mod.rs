//! Convolution-arithmetic animations in the style of Dumoulin & Visin, "A
//! guide to convolution arithmetic for deep learning" (arXiv:1603.07285),
//! drawn by quire itself so that a site can show any convolution its author
//! describes, not only the paper's.
//!
//! [`geometry`] holds the arithmetic, [`draw`] the pictures, [`encode`] the
//! GIF, [`manifest`] the `gif/animations.toml` and `conv` block formats and
//! [`cache`] the on-disk cache.

pub mod cache;
pub mod draw;
pub mod encode;
pub mod geometry;
pub mod manifest;

use std::path::PathBuf;

use thiserror::Error;

pub use cache::{DRAWING_VERSION, Rendered, cache_key, render_cached};
pub use geometry::{Cell, CellKind, Frame, Layout, ParamError, Params};
pub use manifest::{Animation, alt_text, parse_conv_block, parse_manifest};

/// Everything that can go wrong between a description and a GIF.
#[derive(Debug, Error)]
pub enum ConvError {
    /// The parameters break a relation of convolution arithmetic; `whose`
    /// says where they were written, so the message can point there.
    #[error("{whose}: {problem}")]
    Invalid { whose: Whose, problem: ParamError },
    /// A manifest that cannot be read as one.
    #[error("{}: {message}", place(.path, *.line, *.column, .animation.as_deref()))]
    Manifest {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        animation: Option<String>,
        message: String,
    },
    /// A `conv` code block that cannot be read; lines count from the block's
    /// first line.
    #[error("`conv` block{}: {message}", block_place(*.line, *.column))]
    Block {
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// A cached GIF that could not be written.
    #[error("{}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The GIF encoder refused a frame; not expected for valid parameters.
    #[error("GIF encoding failed: {0}")]
    Encode(String),
}

/// Where a set of parameters came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    /// Given directly (`quire gif`, or drawing what was already checked).
    Convolution(Params),
    /// A `conv` code block; the post is known only to the caller.
    Block,
    /// An entry of the manifest, by the line its table starts on.
    Entry {
        path: PathBuf,
        line: usize,
        name: String,
    },
}

impl std::fmt::Display for Whose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Whose::Convolution(params) => write!(f, "convolution {params}"),
            Whose::Block => f.write_str("`conv` block"),
            Whose::Entry { path, line, name } => {
                write!(f, "{}:{line}: animation \"{name}\"", path.display())
            }
        }
    }
}

impl ConvError {
    /// The message without the file and line, for a caller that puts its own location in
    /// front (a post's block is only located once the post is known).
    pub fn problem(&self) -> String {
        match self {
            ConvError::Invalid {
                whose: Whose::Entry { name, .. },
                problem,
            } => format!("animation \"{name}\": {problem}"),
            ConvError::Invalid {
                whose: Whose::Block,
                problem,
            } => problem.to_string(),
            ConvError::Manifest {
                animation: Some(name),
                message,
                ..
            } => format!("animation \"{name}\": {message}"),
            ConvError::Manifest { message, .. } | ConvError::Block { message, .. } => {
                message.clone()
            }
            other => other.to_string(),
        }
    }

    /// The manifest position the error names, if it names one; a block's line is relative to
    /// the block, so it is turned into a location by [`crate::error::Error::conv`] instead.
    pub fn location(&self) -> Option<crate::error::Location> {
        match self {
            ConvError::Manifest {
                path, line, column, ..
            } => Some(crate::error::Location {
                path: path.clone(),
                line: *line,
                col: line.and(*column),
            }),
            ConvError::Invalid {
                whose: Whose::Entry { path, line, .. },
                ..
            } => Some(crate::error::Location {
                path: path.clone(),
                line: Some(*line),
                col: None,
            }),
            _ => None,
        }
    }
}

impl From<gif::EncodingError> for ConvError {
    fn from(e: gif::EncodingError) -> Self {
        Self::Encode(e.to_string())
    }
}

fn place(
    path: &std::path::Path,
    line: Option<usize>,
    column: Option<usize>,
    animation: Option<&str>,
) -> String {
    let mut s = path.display().to_string();
    if let Some(line) = line {
        s.push_str(&format!(":{line}"));
        if let Some(column) = column {
            s.push_str(&format!(":{column}"));
        }
    }
    if let Some(name) = animation {
        s.push_str(&format!(": animation \"{name}\""));
    }
    s
}

fn block_place(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(", line {l}, column {c}"),
        (Some(l), None) => format!(", line {l}"),
        _ => String::new(),
    }
}

/// Renders the animation `params` describes as GIF bytes: one frame per
/// output cell, looping forever. The same parameters always give the same
/// bytes.
pub fn render_gif(params: &Params) -> Result<Vec<u8>, ConvError> {
    let layout = params.layout().map_err(|problem| ConvError::Invalid {
        whose: Whose::Convolution(*params),
        problem,
    })?;
    let scene = draw::Scene::new(&layout);
    let mut writer = encode::GifWriter::new(scene.width, scene.height)?;
    for frame in layout.frames() {
        let pixmap = draw::draw_frame(&layout, &scene, &frame).ok_or_else(|| {
            ConvError::Encode(format!(
                "cannot allocate a {}×{} picture",
                scene.width, scene.height
            ))
        })?;
        writer.push(&pixmap)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::conv::draw::{Scene, input_fill, output_fill};
    use crate::conv::encode::tests::{Decoded, decode};
    use crate::conv::geometry::tests::PAPER;

    /// The 15 animations the site shows, rendered once for all tests (debug
    /// builds draw slowly).
    fn all_fifteen() -> &'static [(String, Params, Vec<u8>)] {
        static ALL: OnceLock<Vec<(String, Params, Vec<u8>)>> = OnceLock::new();
        ALL.get_or_init(|| {
            let mut all = Vec::new();
            for (name, i, o, p, k, s, d) in PAPER {
                let params = Params::new(i, k, p, s, d).expect_output(o);
                all.push((name.to_string(), params));
                if d == 1 {
                    all.push((format!("{name}_transposed"), params.transpose()));
                }
            }
            all.into_iter()
                .map(|(name, params)| {
                    let bytes = render_gif(&params).unwrap_or_else(|e| panic!("{name}: {e}"));
                    (name, params, bytes)
                })
                .collect()
        })
    }

    /// The most common colour in a small square around a pixel: the wire
    /// joining footprint and output cell runs through cell centres.
    fn colour_near(gif: &Decoded, frame: usize, (x, y): (u32, u32), r: u32) -> draw::Rgb {
        let mut counts: Vec<(draw::Rgb, usize)> = Vec::new();
        for yy in y - r..=y + r {
            for xx in x - r..=x + r {
                let c = gif.pixel(frame, (xx, yy));
                match counts.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((c, 1)),
                }
            }
        }
        counts
            .into_iter()
            .max_by_key(|&(c, n)| (n, c))
            .map(|(c, _)| c)
            .unwrap_or_default()
    }

    #[test]
    fn all_fifteen_render_as_specified() {
        let all = all_fifteen();
        assert_eq!(all.len(), 15);
        for (name, params, bytes) in all {
            assert!(bytes.len() <= 200 * 1024, "{name}: {} bytes", bytes.len());
            let gif = decode(bytes);
            let side = if params.transposed {
                params.i
            } else {
                params.o.unwrap()
            };
            assert_eq!(gif.frames.len(), (side * side) as usize, "{name}");
            assert!(
                gif.sizes
                    .iter()
                    .all(|&(w, h)| (u32::from(w), u32::from(h)) == (gif.width, gif.height)),
                "{name}: frames of different sizes"
            );
            assert!(gif.width >= 150, "{name}: {} px wide", gif.width);
            let repeat = gif::DecodeOptions::new()
                .read_info(bytes.as_slice())
                .unwrap()
                .repeat();
            assert_eq!(repeat, gif::Repeat::Infinite, "{name}");
        }
    }

    #[test]
    fn second_render_is_byte_identical() {
        for (name, params, bytes) in all_fifteen() {
            assert_eq!(*bytes, render_gif(params).unwrap(), "{name}");
        }
    }

    #[test]
    fn pixels_show_footprint_and_output_cell() {
        for (name, params, bytes) in all_fifteen() {
            let layout = params.layout().unwrap();
            let scene = Scene::new(&layout);
            let gif = decode(bytes);
            let r = scene.cell / 4;
            for n in 0..gif.frames.len() {
                let frame = layout.frame(n).unwrap();
                for row in 0..layout.input_side() {
                    for col in 0..layout.input_side() {
                        let cell = Cell::new(row, col);
                        let shaded = frame.footprint.contains(&cell);
                        let want = input_fill(layout.kind(cell).unwrap(), shaded);
                        let got = colour_near(&gif, n, scene.input_cell_centre(cell), r);
                        assert_eq!(got, want, "{name} frame {n} input {cell:?}");
                    }
                }
                for row in 0..layout.output_side() {
                    for col in 0..layout.output_side() {
                        let cell = Cell::new(row, col);
                        let want = output_fill(cell == frame.output);
                        let got = colour_near(&gif, n, scene.output_cell_centre(cell), r);
                        assert_eq!(got, want, "{name} frame {n} output {cell:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn footprint_lands_where_stride_and_dilation_put_it() {
        // Spelled out without geometry.rs's frames, one case each.
        let check = |params: Params, n: usize, shaded: &[(usize, usize)], out: (usize, usize)| {
            let layout = params.layout().unwrap();
            let scene = Scene::new(&layout);
            let gif = decode(&render_gif(&params).unwrap());
            let r = scene.cell / 4;
            for row in 0..layout.input_side() {
                for col in 0..layout.input_side() {
                    let cell = Cell::new(row, col);
                    let got = colour_near(&gif, n, scene.input_cell_centre(cell), r);
                    let is_shaded = got == draw::INPUT_SHADED || got == draw::ZERO_SHADED;
                    assert_eq!(
                        is_shaded,
                        shaded.contains(&(row, col)),
                        "{params} frame {n} cell {row},{col}"
                    );
                }
            }
            let (or, oc) = out;
            for row in 0..layout.output_side() {
                for col in 0..layout.output_side() {
                    let got =
                        colour_near(&gif, n, scene.output_cell_centre(Cell::new(row, col)), r);
                    assert_eq!(
                        got == draw::OUTPUT_CURRENT,
                        (row, col) == (or, oc),
                        "{params} frame {n} output {row},{col}"
                    );
                }
            }
        };
        let square = |r0: usize, c0: usize, step: usize| -> Vec<(usize, usize)> {
            (0..3)
                .flat_map(|a| (0..3).map(move |b| (r0 + a * step, c0 + b * step)))
                .collect()
        };
        // padding_strides, frame 5 = output (1, 2): rows 2..5, cols 4..7.
        check(Params::new(5, 3, 1, 2, 1), 5, &square(2, 4, 1), (1, 2));
        // dilation, frame 5 = output (1, 2): taps every other cell.
        check(Params::new(7, 3, 0, 1, 2), 5, &square(1, 2, 2), (1, 2));
        // no_padding_strides transposed, frame 8 = output (1, 3).
        check(
            Params::new(5, 3, 0, 2, 1).transpose(),
            8,
            &square(1, 3, 1),
            (1, 3),
        );
    }

    #[test]
    fn invalid_params_are_errors_not_panics() {
        let e = render_gif(&Params::new(5, 3, 0, 0, 1)).unwrap_err();
        assert!(matches!(
            e,
            ConvError::Invalid {
                problem: ParamError::Zero { what: "stride s" },
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "convolution i=5, p=0, k=3, s=0, d=1: stride s is 0 but must be at least 1"
        );
    }
}
