//! Rasterises one frame: the output grid on top, the input grid below, the
//! kernel's footprint shaded on the input and tied to the output cell it
//! produces, as in Dumoulin & Visin's figures but flat.
//!
//! Every edge falls on an even pixel and every line is an even number of
//! pixels wide, so that the picture stays crisp when a browser halves it (the
//! site shows it 150 px wide).

use tiny_skia::{Color, LineCap, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash, Transform};

use super::geometry::{Cell, CellKind, Frame, Layout};

/// An opaque colour.
pub type Rgb = [u8; 3];

/// Page background and the inside of zero cells.
pub const PAPER: Rgb = [255, 255, 255];
/// Cell borders and the kernel outline.
pub const INK: Rgb = [36, 48, 66];
/// A unit of the input.
pub const INPUT: Rgb = [104, 164, 224];
/// A unit of the input under a kernel tap.
pub const INPUT_SHADED: Rgb = [30, 84, 156];
/// A zero (padding or inserted) under a kernel tap.
pub const ZERO_SHADED: Rgb = [172, 192, 218];
/// The inside of an inserted zero, a shade off white so that it reads as
/// "inside the map" rather than "around it".
pub const INSERTED: Rgb = [238, 242, 247];
/// Dashed borders of zero cells.
pub const DASH: Rgb = [112, 126, 146];
/// An output cell.
pub const OUTPUT: Rgb = [168, 232, 240];
/// The output cell computed in the current frame.
pub const OUTPUT_CURRENT: Rgb = [20, 164, 184];
/// Border of the output cell computed in the current frame, and the wire
/// joining it to the footprint.
pub const LINK: Rgb = [12, 108, 124];

/// Every colour the drawing paints with; anti-aliased pixels are blends of
/// these, which is what the GIF palette is built from.
pub const INKS: [Rgb; 10] = [
    PAPER,
    INK,
    INPUT,
    INPUT_SHADED,
    ZERO_SHADED,
    INSERTED,
    DASH,
    OUTPUT,
    OUTPUT_CURRENT,
    LINK,
];

/// The picture's width when the grid allows; browsers scale it down to the
/// site's 150 px by exactly one half.
const TARGET_WIDTH: u32 = 300;
const MARGIN: u32 = 12;
const MIN_CELL: u32 = 8;
const MAX_CELL: u32 = 64;
const LINE: f32 = 2.0;
const THICK: f32 = 4.0;

/// Fill of an input-grid cell.
pub fn input_fill(kind: CellKind, shaded: bool) -> Rgb {
    match (kind, shaded) {
        (CellKind::Input, false) => INPUT,
        (CellKind::Input, true) => INPUT_SHADED,
        (CellKind::Padding, false) => PAPER,
        (CellKind::InsertedZero, false) => INSERTED,
        (_, true) => ZERO_SHADED,
    }
}

/// Fill of an output cell.
pub fn output_fill(current: bool) -> Rgb {
    if current { OUTPUT_CURRENT } else { OUTPUT }
}

/// Where things go on the picture; shared by the drawing and by tests that
/// read pixels back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    /// Side of a cell in pixels.
    pub cell: u32,
    in_side: u32,
    out_side: u32,
    in_x: u32,
    in_y: u32,
    out_x: u32,
    out_y: u32,
}

fn even(x: u32) -> u32 {
    x & !1
}

impl Scene {
    pub fn new(layout: &Layout) -> Self {
        // Sides are capped by geometry.rs, so these fit u32 easily.
        let in_side = layout.input_side() as u32;
        let out_side = layout.output_side() as u32;
        let cell = even((TARGET_WIDTH - 2 * MARGIN) / in_side).clamp(MIN_CELL, MAX_CELL);
        let width = TARGET_WIDTH.max(in_side * cell + 2 * MARGIN);
        let gap = even(cell * 3 / 2).max(24);
        let out_y = MARGIN;
        let in_y = out_y + out_side * cell + gap;
        let height = in_y + in_side * cell + MARGIN;
        Self {
            width,
            height,
            cell,
            in_side,
            out_side,
            in_x: even((width - in_side * cell) / 2),
            in_y,
            out_x: even((width - out_side * cell) / 2),
            out_y,
        }
    }

    /// Pixel at the centre of an input-grid cell.
    pub fn input_cell_centre(&self, cell: Cell) -> (u32, u32) {
        centre(self.in_x, self.in_y, self.cell, cell)
    }

    /// Pixel at the centre of an output cell.
    pub fn output_cell_centre(&self, cell: Cell) -> (u32, u32) {
        centre(self.out_x, self.out_y, self.cell, cell)
    }

    fn input_corner(&self, row: usize, col: usize) -> (f32, f32) {
        corner(self.in_x, self.in_y, self.cell, row, col)
    }

    fn output_corner(&self, row: usize, col: usize) -> (f32, f32) {
        corner(self.out_x, self.out_y, self.cell, row, col)
    }
}

fn centre(x0: u32, y0: u32, size: u32, cell: Cell) -> (u32, u32) {
    let (c, r) = (cell.col as u32, cell.row as u32);
    (x0 + c * size + size / 2, y0 + r * size + size / 2)
}

fn corner(x0: u32, y0: u32, size: u32, row: usize, col: usize) -> (f32, f32) {
    (
        (x0 + col as u32 * size) as f32,
        (y0 + row as u32 * size) as f32,
    )
}

fn paint(rgb: Rgb) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color(Color::from_rgba8(rgb[0], rgb[1], rgb[2], 255));
    paint.anti_alias = true;
    paint
}

fn stroke(width: f32) -> Stroke {
    Stroke {
        width,
        line_cap: LineCap::Square,
        ..Stroke::default()
    }
}

fn fill_cell(pixmap: &mut Pixmap, (x, y): (f32, f32), size: f32, rgb: Rgb) {
    if let Some(rect) = Rect::from_xywh(x, y, size, size) {
        pixmap.fill_rect(rect, &paint(rgb), Transform::identity(), None);
    }
}

fn line(pixmap: &mut Pixmap, from: (f32, f32), to: (f32, f32), paint: &Paint, stroke: &Stroke) {
    let mut pb = PathBuilder::new();
    pb.move_to(from.0, from.1);
    pb.line_to(to.0, to.1);
    if let Some(path) = pb.finish() {
        pixmap.stroke_path(&path, paint, stroke, Transform::identity(), None);
    }
}

/// A dash pattern that puts a whole dash on both ends of a cell edge, so that
/// dashed cells meet in crisp corners.
fn dashes(length: f32) -> Option<StrokeDash> {
    let target = (length / 6.0).max(3.0);
    let count = ((length / target + 1.0) / 2.0).round().max(2.0);
    let unit = length / (2.0 * count - 1.0);
    StrokeDash::new(vec![unit, unit], 0.0)
}

fn outline(pixmap: &mut Pixmap, (x0, y0): (f32, f32), (x1, y1): (f32, f32), rgb: Rgb) {
    if let Some(rect) = Rect::from_ltrb(x0, y0, x1, y1) {
        let path = PathBuilder::from_rect(rect);
        pixmap.stroke_path(
            &path,
            &paint(rgb),
            &stroke(THICK),
            Transform::identity(),
            None,
        );
    }
}

/// Draws one frame of `layout`; `None` only when a picture of the scene's
/// size cannot be allocated.
pub fn draw_frame(layout: &Layout, scene: &Scene, frame: &Frame) -> Option<Pixmap> {
    let mut pixmap = Pixmap::new(scene.width, scene.height)?;
    pixmap.fill(Color::from_rgba8(PAPER[0], PAPER[1], PAPER[2], 255));
    draw_input(&mut pixmap, layout, scene, frame);
    draw_output(&mut pixmap, layout, scene, frame);
    draw_link(&mut pixmap, scene, frame);
    // Last, so that the wire ends under the highlight's border.
    outline(
        &mut pixmap,
        scene.output_corner(frame.output.row, frame.output.col),
        scene.output_corner(frame.output.row + 1, frame.output.col + 1),
        LINK,
    );
    Some(pixmap)
}

fn draw_input(pixmap: &mut Pixmap, layout: &Layout, scene: &Scene, frame: &Frame) {
    let size = scene.cell as f32;
    let n = layout.input_side();
    let kind = |r: usize, c: usize| layout.kind(Cell::new(r, c));
    for row in 0..n {
        for col in 0..n {
            let cell = Cell::new(row, col);
            // The footprint is row-major, hence sorted.
            let shaded = frame.footprint.binary_search(&cell).is_ok();
            if let Some(k) = kind(row, col) {
                let fill = input_fill(k, shaded);
                fill_cell(pixmap, scene.input_corner(row, col), size, fill);
            }
        }
    }

    // Each edge is drawn once: solid where it touches an input unit, dashed
    // between zeros. Solid edges go last so that they win at corners.
    let solid = stroke(LINE);
    let mut dashed = stroke(LINE);
    dashed.line_cap = LineCap::Butt;
    dashed.dash = dashes(size);
    let ink = paint(INK);
    let dash = paint(DASH);
    let mut solid_edges = Vec::new();
    for a in 0..=n {
        for b in 0..n {
            // The edge above row a at column b, and the edge left of column
            // a at row b, each with the cells on either side.
            let edges = [
                ((kind(a.wrapping_sub(1), b), kind(a, b)), (a, b), (a, b + 1)),
                ((kind(b, a.wrapping_sub(1)), kind(b, a)), (b, a), (b + 1, a)),
            ];
            for ((one, other), from, to) in edges {
                let from = scene.input_corner(from.0, from.1);
                let to = scene.input_corner(to.0, to.1);
                if one == Some(CellKind::Input) || other == Some(CellKind::Input) {
                    solid_edges.push((from, to));
                } else {
                    line(pixmap, from, to, &dash, &dashed);
                }
            }
        }
    }
    for (from, to) in solid_edges {
        line(pixmap, from, to, &ink, &solid);
    }

    // The kernel's whole extent: with dilation, the unshaded cells inside it
    // are the gaps between taps.
    outline(
        pixmap,
        scene.input_corner(frame.first.row, frame.first.col),
        scene.input_corner(frame.last.row + 1, frame.last.col + 1),
        INK,
    );
}

fn draw_output(pixmap: &mut Pixmap, layout: &Layout, scene: &Scene, frame: &Frame) {
    let size = scene.cell as f32;
    let m = layout.output_side();
    for row in 0..m {
        for col in 0..m {
            let fill = output_fill(Cell::new(row, col) == frame.output);
            fill_cell(pixmap, scene.output_corner(row, col), size, fill);
        }
    }
    let ink = paint(INK);
    let solid = stroke(LINE);
    for a in 0..=m {
        let across = (scene.output_corner(a, 0), scene.output_corner(a, m));
        let down = (scene.output_corner(0, a), scene.output_corner(m, a));
        for (from, to) in [across, down] {
            line(pixmap, from, to, &ink, &solid);
        }
    }
}

/// Joins the footprint to the output cell with a wire: straight up out of
/// the footprint, a smooth bend across the gap, straight up into the output
/// cell. Vertical runs keep frames cheap to store, where slanted lines across
/// the grids would change most rows of every frame and treble the file size.
fn draw_link(pixmap: &mut Pixmap, scene: &Scene, frame: &Frame) {
    let (fl, fy) = scene.input_corner(frame.first.row, frame.first.col);
    let (fr, _) = scene.input_corner(frame.first.row, frame.last.col + 1);
    let (_, top) = scene.input_corner(0, 0);
    let (ol, oy) = scene.output_corner(frame.output.row + 1, frame.output.col);
    let (or, _) = scene.output_corner(frame.output.row + 1, frame.output.col + 1);
    let (_, bottom) = scene.output_corner(scene.out_side as usize, 0);
    // On an even pixel, like every other edge, even if that is one pixel off
    // the exact centre.
    let centre = |a: f32, b: f32| ((a + b) / 4.0).floor() * 2.0;
    let fx = centre(fl, fr);
    let ox = centre(ol, or);
    let mid = (top + bottom) / 2.0;
    let mut pb = PathBuilder::new();
    pb.move_to(fx, fy);
    pb.line_to(fx, top);
    pb.cubic_to(fx, mid, ox, mid, ox, bottom);
    pb.line_to(ox, oy);
    let mut s = stroke(LINE);
    s.line_cap = LineCap::Butt;
    if let Some(path) = pb.finish() {
        pixmap.stroke_path(&path, &paint(LINK), &s, Transform::identity(), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::geometry::Params;

    /// Writes frames to PNG for a person to look at: each case's full-size
    /// frames, and a sheet of its frames at the size the site shows them
    /// (150 px wide). Run with `cargo test export_frames -- --ignored`.
    #[test]
    #[ignore = "writes PNG files for a person to look at"]
    fn export_frames() {
        let dir = std::env::temp_dir().join("convframes");
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("no_padding", Params::new(4, 3, 0, 1, 1)),
            ("arbitrary_padding", Params::new(5, 4, 2, 1, 1)),
            ("full_padding", Params::new(5, 3, 2, 1, 1)),
            ("padding_strides", Params::new(5, 3, 1, 2, 1)),
            (
                "padding_strides_odd_t",
                Params::new(6, 3, 1, 2, 1).transpose(),
            ),
            (
                "no_padding_strides_t",
                Params::new(5, 3, 0, 2, 1).transpose(),
            ),
            ("dilation", Params::new(7, 3, 0, 1, 2)),
        ];
        for (name, params) in cases {
            let layout = params.layout().unwrap();
            let scene = Scene::new(&layout);
            let count = layout.frame_count().min(8);
            let scale = 150.0 / scene.width as f32;
            let h = (scene.height as f32 * scale).ceil() as u32;
            let mut sheet = Pixmap::new(160 * count as u32, h).unwrap();
            sheet.fill(Color::from_rgba8(200, 200, 200, 255));
            for n in 0..count {
                let frame = layout.frame(n).unwrap();
                let pixmap = draw_frame(&layout, &scene, &frame).unwrap();
                if n < 2 {
                    pixmap
                        .save_png(dir.join(format!("{name}_{n}.png")))
                        .unwrap();
                }
                sheet.draw_pixmap(
                    0,
                    0,
                    pixmap.as_ref(),
                    &tiny_skia::PixmapPaint {
                        quality: tiny_skia::FilterQuality::Bicubic,
                        ..Default::default()
                    },
                    Transform::from_scale(scale, scale).post_translate(160.0 * n as f32, 0.0),
                    None,
                );
            }
            sheet
                .save_png(dir.join(format!("{name}_sheet.png")))
                .unwrap();

            // Frame 1 as the GIF stores it, after quantising to the palette.
            let bytes = crate::conv::render_gif(&params).unwrap();
            let gif = crate::conv::encode::tests::decode(&bytes);
            let rgba: Vec<u8> = gif
                .rgb_frame(1)
                .into_iter()
                .flat_map(|[r, g, b]| [r, g, b, 255])
                .collect();
            let size = tiny_skia::IntSize::from_wh(gif.width, gif.height).unwrap();
            Pixmap::from_vec(rgba, size)
                .unwrap()
                .save_png(dir.join(format!("{name}_gif1.png")))
                .unwrap();
        }
    }
}
