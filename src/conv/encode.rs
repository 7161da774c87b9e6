//! Turns drawn frames into a looping GIF.
//!
//! The palette is fixed and built from the drawing's own colours, so that the
//! same parameters always give the same bytes (a cache keyed by parameters
//! relies on it) and no quantiser has to guess. Each frame after the first
//! stores only the pixels that changed, the rest transparent, which is what
//! keeps the files small: LZW squeezes the long transparent runs to almost
//! nothing. Frames still cover the whole canvas rather than the changed
//! rectangle, so that every frame has the same size; cropping would save only
//! about a seventh.

use std::collections::HashMap;

use gif::{DisposalMethod, Repeat};
use tiny_skia::Pixmap;

use super::ConvError;
use super::draw::{INKS, Rgb};

/// Time each frame is shown, in hundredths of a second (the paper's
/// animations step at about this pace).
pub const FRAME_DELAY: u16 = 60;

/// Palette index left for "unchanged since the previous frame".
const TRANSPARENT: u8 = 0;

/// Blend weights for anti-aliased edges between two inks.
const BLENDS: [u32; 3] = [1, 2, 3];
const BLEND_STEPS: u32 = 4;

/// The GIF palette: a transparent slot, the inks, then blends of every pair
/// of inks, which is what anti-aliasing produces along edges.
pub fn palette() -> Vec<Rgb> {
    let mut colours = vec![[255, 255, 255]];
    colours.extend(INKS);
    for (n, a) in INKS.iter().enumerate() {
        for b in &INKS[n + 1..] {
            for w in BLENDS {
                let mix = |x: u8, y: u8| {
                    let v = (u32::from(x) * (BLEND_STEPS - w) + u32::from(y) * w + BLEND_STEPS / 2)
                        / BLEND_STEPS;
                    v as u8
                };
                colours.push([mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])]);
            }
        }
    }
    colours
}

/// Maps colours to the nearest palette entry, remembering the answers: a
/// drawing has few distinct colours and many pixels.
struct Quantiser {
    palette: Vec<Rgb>,
    known: HashMap<Rgb, u8>,
}

impl Quantiser {
    fn new() -> Self {
        Self {
            palette: palette(),
            known: HashMap::new(),
        }
    }

    fn index(&mut self, rgb: Rgb) -> u8 {
        if let Some(&i) = self.known.get(&rgb) {
            return i;
        }
        let distance = |c: &Rgb| -> u32 {
            (0..3)
                .map(|n| {
                    let d = i32::from(c[n]) - i32::from(rgb[n]);
                    (d * d) as u32
                })
                .sum()
        };
        // Skip the transparent slot; ties go to the lower index so the
        // choice never depends on iteration order.
        let best = (1..self.palette.len())
            .min_by_key(|&n| (distance(&self.palette[n]), n))
            .unwrap_or(1);
        let best = u8::try_from(best).unwrap_or(1);
        self.known.insert(rgb, best);
        best
    }
}

/// The colour of a premultiplied RGBA pixel. Frames are painted over an
/// opaque background, so alpha is 255 in practice.
fn opaque(px: &[u8]) -> Rgb {
    let a = u32::from(px.get(3).copied().unwrap_or(255));
    let channel = |n: usize| {
        let c = u32::from(px.get(n).copied().unwrap_or(0));
        (c * 255).checked_div(a).map_or(255, |v| v.min(255) as u8)
    };
    [channel(0), channel(1), channel(2)]
}

/// Collects frames of one size into GIF bytes.
pub struct GifWriter {
    encoder: gif::Encoder<Vec<u8>>,
    width: u16,
    height: u16,
    quantiser: Quantiser,
    /// The previous frame's premultiplied RGBA bytes (empty before the
    /// first frame).
    previous: Vec<u8>,
    /// Palette index of every pixel shown so far.
    indices: Vec<u8>,
    /// What the current frame stores: changed pixels, the rest transparent.
    delta: Vec<u8>,
}

impl GifWriter {
    pub fn new(width: u32, height: u32) -> Result<Self, ConvError> {
        let too_big = || ConvError::Encode(format!("a {width}×{height} picture is too large"));
        let w = u16::try_from(width).map_err(|_| too_big())?;
        let h = u16::try_from(height).map_err(|_| too_big())?;
        let quantiser = Quantiser::new();
        let flat: Vec<u8> = quantiser.palette.iter().flatten().copied().collect();
        let mut encoder = gif::Encoder::new(Vec::new(), w, h, &flat)?;
        encoder.set_repeat(Repeat::Infinite)?;
        Ok(Self {
            encoder,
            width: w,
            height: h,
            quantiser,
            previous: Vec::new(),
            indices: Vec::new(),
            delta: Vec::new(),
        })
    }

    /// Appends a frame; it must be the size given to [`GifWriter::new`].
    pub fn push(&mut self, pixmap: &Pixmap) -> Result<(), ConvError> {
        if pixmap.width() != u32::from(self.width) || pixmap.height() != u32::from(self.height) {
            return Err(ConvError::Encode(format!(
                "frame is {}×{}, expected {}×{}",
                pixmap.width(),
                pixmap.height(),
                self.width,
                self.height
            )));
        }
        let width = usize::from(self.width);
        let row_bytes = 4 * width;
        let data = pixmap.data();
        let first = self.previous.is_empty();
        if first {
            self.indices = vec![TRANSPARENT; data.len() / 4];
        }
        self.delta.clear();
        self.delta.resize(self.indices.len(), TRANSPARENT);
        let mut last: Option<(&[u8], u8)> = None;
        // Only rows and pixels that differ from the previous frame are looked
        // at again: most of a frame is unchanged.
        for (y, row) in data.chunks_exact(row_bytes).enumerate() {
            let before = self.previous.get(y * row_bytes..(y + 1) * row_bytes);
            if before == Some(row) {
                continue;
            }
            for (x, px) in row.chunks_exact(4).enumerate() {
                if before.and_then(|b| b.get(4 * x..4 * x + 4)) == Some(px) {
                    continue;
                }
                let index = match last {
                    Some((k, i)) if k == px => i,
                    _ => {
                        let i = self.quantiser.index(opaque(px));
                        last = Some((px, i));
                        i
                    }
                };
                let n = y * width + x;
                if first || self.indices[n] != index {
                    self.indices[n] = index;
                    self.delta[n] = index;
                }
            }
        }
        self.previous.clear();
        self.previous.extend_from_slice(data);

        let frame = gif::Frame {
            width: self.width,
            height: self.height,
            delay: FRAME_DELAY,
            dispose: DisposalMethod::Keep,
            transparent: (!first).then_some(TRANSPARENT),
            buffer: self.delta.as_slice().into(),
            ..gif::Frame::default()
        };
        self.encoder.write_frame(&frame)?;
        Ok(())
    }

    pub fn finish(self) -> Result<Vec<u8>, ConvError> {
        Ok(self.encoder.into_inner()?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A GIF as a viewer shows it.
    pub(crate) struct Decoded {
        pub width: u32,
        pub height: u32,
        /// The global palette.
        pub palette: Vec<Rgb>,
        /// Every frame composed onto the canvas, as palette indices.
        pub frames: Vec<Vec<u8>>,
        /// Width and height of each frame as stored.
        pub sizes: Vec<(u16, u16)>,
    }

    impl Decoded {
        pub fn pixel(&self, frame: usize, (x, y): (u32, u32)) -> Rgb {
            let i = self.frames[frame][(y * self.width + x) as usize];
            self.palette[usize::from(i)]
        }

        pub fn rgb_frame(&self, frame: usize) -> Vec<Rgb> {
            self.frames[frame]
                .iter()
                .map(|&i| self.palette[usize::from(i)])
                .collect()
        }
    }

    /// Decodes a GIF into full frames, honouring transparency and `Keep`
    /// disposal as a viewer does.
    pub(crate) fn decode(bytes: &[u8]) -> Decoded {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::Indexed);
        let mut decoder = options.read_info(bytes).expect("GIF header");
        let (w, h) = (usize::from(decoder.width()), usize::from(decoder.height()));
        let palette: Vec<Rgb> = decoder
            .global_palette()
            .expect("global palette")
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        let mut canvas = vec![0u8; w * h];
        let mut frames = Vec::new();
        let mut sizes = Vec::new();
        while let Some(frame) = decoder.read_next_frame().expect("GIF frame") {
            assert!(frame.palette.is_none(), "only the global palette is used");
            let fw = usize::from(frame.width);
            sizes.push((frame.width, frame.height));
            for (y, src) in frame.buffer.chunks_exact(fw).enumerate() {
                let start = (y + usize::from(frame.top)) * w + usize::from(frame.left);
                for (dst, &i) in canvas[start..start + fw].iter_mut().zip(src) {
                    if Some(i) != frame.transparent {
                        *dst = i;
                    }
                }
            }
            frames.push(canvas.clone());
        }
        Decoded {
            width: w as u32,
            height: h as u32,
            palette,
            frames,
            sizes,
        }
    }

    #[test]
    fn palette_fits_and_holds_every_ink() {
        let p = palette();
        assert!(p.len() <= 256, "{}", p.len());
        for ink in INKS {
            assert!(p[1..].contains(&ink));
        }
    }

    #[test]
    fn frames_round_trip_through_differencing() {
        let colours = [[255, 0, 0], INKS[2], INKS[3], [10, 20, 30]];
        let mut writer = GifWriter::new(4, 3).unwrap();
        let mut expected = Vec::new();
        for (n, c) in colours.into_iter().enumerate() {
            let mut pixmap = Pixmap::new(4, 3).unwrap();
            pixmap.fill(tiny_skia::Color::from_rgba8(255, 255, 255, 255));
            let mut q = Quantiser::new();
            let fill = tiny_skia::Color::from_rgba8(c[0], c[1], c[2], 255);
            let mut paint = tiny_skia::Paint::default();
            paint.set_color(fill);
            let rect = tiny_skia::Rect::from_xywh(n as f32, 1.0, 1.0, 1.0).unwrap();
            pixmap.fill_rect(rect, &paint, tiny_skia::Transform::identity(), None);
            writer.push(&pixmap).unwrap();
            let want: Vec<Rgb> = pixmap
                .pixels()
                .iter()
                .map(|px| {
                    let i = q.index([px.red(), px.green(), px.blue()]);
                    q.palette[usize::from(i)]
                })
                .collect();
            expected.push(want);
        }
        let bytes = writer.finish().unwrap();
        let decoded = decode(&bytes);
        assert_eq!((decoded.width, decoded.height), (4, 3));
        let frames: Vec<Vec<Rgb>> = (0..4).map(|n| decoded.rgb_frame(n)).collect();
        assert_eq!(frames, expected);
        assert!(decoded.sizes.iter().all(|&s| s == (4, 3)));
    }

    #[test]
    fn wrong_frame_size_is_an_error() {
        let mut writer = GifWriter::new(4, 3).unwrap();
        let pixmap = Pixmap::new(3, 3).unwrap();
        assert!(matches!(writer.push(&pixmap), Err(ConvError::Encode(_))));
    }
}
