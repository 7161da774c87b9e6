//! The arithmetic of an animation, kept apart from pixels so that it can be
//! checked by table: which cells the drawn input grid has and what each one
//! holds, how large the output is, and which cells the kernel covers in each
//! frame.

use std::fmt;

use thiserror::Error;

/// Largest input size accepted, so that a typo in a manifest cannot ask for
/// millions of frames.
pub const MAX_INPUT: u32 = 32;
/// Largest kernel size, padding, stride and dilation accepted.
pub const MAX_OTHER: u32 = 16;
/// Largest side of the drawn input grid (transposed convolutions draw a grid
/// larger than their input).
pub const MAX_GRID: u32 = 64;

/// What a convolution animation shows.
///
/// For a transposed convolution (`transposed = true`) the sizes are those of
/// the direct convolution it is the transpose of, as in Dumoulin & Visin: the
/// animation then shows the equivalent direct convolution over the `o × o`
/// map with zeros inserted, whose output is `i × i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Input size `i` (of the direct convolution).
    pub i: u32,
    /// Kernel size `k`.
    pub k: u32,
    /// Zero padding `p` on each side.
    pub p: u32,
    /// Stride `s`.
    pub s: u32,
    /// Dilation `d` (1 for none).
    pub d: u32,
    /// Draw the transposed convolution instead of the direct one.
    pub transposed: bool,
    /// Output size `o` of the direct convolution, when the author stated it:
    /// it is only checked, so that a wrong table entry is caught rather than
    /// silently drawn.
    pub o: Option<u32>,
}

impl Params {
    /// A direct convolution without a stated output size.
    pub const fn new(i: u32, k: u32, p: u32, s: u32, d: u32) -> Self {
        Self {
            i,
            k,
            p,
            s,
            d,
            transposed: false,
            o: None,
        }
    }

    /// The same sizes, drawn as the transposed convolution.
    #[must_use]
    pub const fn transpose(self) -> Self {
        Self {
            transposed: true,
            ..self
        }
    }

    /// The same parameters, with an output size to check.
    #[must_use]
    pub const fn expect_output(self, o: u32) -> Self {
        Self { o: Some(o), ..self }
    }

    /// Checks the parameters and works out everything the drawing needs.
    pub fn layout(&self) -> Result<Layout, ParamError> {
        Layout::new(self)
    }

    /// Side of the output drawn (`o` for a direct convolution, `i` for a
    /// transposed one).
    pub fn drawn_output_size(&self) -> Result<u32, ParamError> {
        self.layout().map(|l| l.output_side() as u32)
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "i={}, p={}, k={}, s={}, d={}",
            self.i, self.p, self.k, self.s, self.d
        )?;
        if self.transposed {
            f.write_str(", transposed")?;
        }
        Ok(())
    }
}

/// A broken relation between the parameters; the message quotes the
/// arithmetic so that the author can see which number to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamError {
    #[error("{what} is 0 but must be at least 1")]
    Zero { what: &'static str },
    #[error("{what} is {value}, larger than the limit of {max}")]
    TooLarge {
        what: &'static str,
        value: u32,
        max: u32,
    },
    #[error(
        "the {}kernel (k′ = {k_eff}) is larger than the padded input \
         i + 2p = {i} + {} = {}",
        if *d > 1 { "dilated " } else { "" },
        2 * p,
        i + 2 * p
    )]
    KernelTooLarge { i: u32, p: u32, d: u32, k_eff: u32 },
    #[error(
        "output size {given} given but i={i}, p={p}, k={k}, s={s}, d={d} give \
         o = ⌊({i} + {} − {k_eff})/{s}⌋ + 1 = {computed}{}",
        2 * p,
        if *d > 1 {
            format!(" (with k′ = k + (k−1)(d−1) = {k_eff})")
        } else {
            String::new()
        }
    )]
    OutputMismatch {
        given: u32,
        i: u32,
        p: u32,
        k: u32,
        s: u32,
        d: u32,
        k_eff: u32,
        computed: u32,
    },
    #[error(
        "a transposed convolution needs p < k′ (its equivalent convolution is \
         padded by k′ − p − 1), but p = {p} and k′ = {k_eff}"
    )]
    TransposedPadding { p: u32, k_eff: u32 },
    #[error("the drawn input grid would be {side}×{side}, larger than the limit of {max}")]
    GridTooLarge { side: u32, max: u32 },
}

/// What a cell of the drawn input grid holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellKind {
    /// A unit of the input map.
    Input,
    /// Zero padding around the map.
    Padding,
    /// A zero inserted between units of the map (transposed convolutions
    /// with stride > 1).
    InsertedZero,
}

/// A cell position, row first, counted from the top left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub row: usize,
    pub col: usize,
}

impl Cell {
    pub const fn new(row: usize, col: usize) -> Self {
        Self { row, col }
    }
}

/// One step of the animation: where the kernel is and what it produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The output cell computed in this frame.
    pub output: Cell,
    /// The input-grid cells under a kernel tap, row-major. With dilation the
    /// cells between taps are not in it.
    pub footprint: Vec<Cell>,
    /// Top-left cell of the kernel's extent (the first tap).
    pub first: Cell,
    /// Bottom-right cell of the kernel's extent (the last tap).
    pub last: Cell,
}

/// Everything the drawing needs, derived from valid [`Params`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    params: Params,
    k_eff: u32,
    direct_o: u32,
    grid: usize,
    out: usize,
    kinds: Vec<CellKind>,
    k: usize,
    step: usize,
    dilation: usize,
}

impl Layout {
    fn new(params: &Params) -> Result<Self, ParamError> {
        let Params {
            i, k, p, s, d, o, ..
        } = *params;
        for (what, value) in [
            ("input size i", i),
            ("kernel size k", k),
            ("stride s", s),
            ("dilation d", d),
        ] {
            if value == 0 {
                return Err(ParamError::Zero { what });
            }
        }
        for (what, value, max) in [
            ("input size i", i, MAX_INPUT),
            ("kernel size k", k, MAX_OTHER),
            ("padding p", p, MAX_OTHER),
            ("stride s", s, MAX_OTHER),
            ("dilation d", d, MAX_OTHER),
        ] {
            if value > max {
                return Err(ParamError::TooLarge { what, value, max });
            }
        }
        // The caps above keep every product below well inside u32.
        let k_eff = k + (k - 1) * (d - 1);
        let padded = i + 2 * p;
        if k_eff > padded {
            return Err(ParamError::KernelTooLarge { i, p, d, k_eff });
        }
        let direct_o = (padded - k_eff) / s + 1;
        if let Some(given) = o
            && given != direct_o
        {
            return Err(ParamError::OutputMismatch {
                given,
                i,
                p,
                k,
                s,
                d,
                k_eff,
                computed: direct_o,
            });
        }

        if !params.transposed {
            let grid = padded as usize;
            let p = p as usize;
            let inside = |x: usize| (p..p + i as usize).contains(&x);
            let kinds = (0..grid * grid)
                .map(|n| {
                    if inside(n / grid) && inside(n % grid) {
                        CellKind::Input
                    } else {
                        CellKind::Padding
                    }
                })
                .collect();
            return Ok(Self {
                params: *params,
                k_eff,
                direct_o,
                grid,
                out: direct_o as usize,
                kinds,
                k: k as usize,
                step: s as usize,
                dilation: d as usize,
            });
        }

        if p >= k_eff {
            return Err(ParamError::TransposedPadding { p, k_eff });
        }
        let border = k_eff - p - 1;
        let extra = (padded - k_eff) % s;
        let spread = (direct_o - 1) * s + 1;
        let side = spread + 2 * border + extra;
        if side > MAX_GRID {
            return Err(ParamError::GridTooLarge {
                side,
                max: MAX_GRID,
            });
        }
        let (grid, border, spread, s) =
            (side as usize, border as usize, spread as usize, s as usize);
        // Position of x inside the stretched map, if it is inside at all.
        let within = |x: usize| x.checked_sub(border).filter(|&x| x < spread);
        let kinds = (0..grid * grid)
            .map(|n| match (within(n / grid), within(n % grid)) {
                (Some(r), Some(c)) if r % s == 0 && c % s == 0 => CellKind::Input,
                (Some(_), Some(_)) => CellKind::InsertedZero,
                _ => CellKind::Padding,
            })
            .collect();
        Ok(Self {
            params: *params,
            k_eff,
            direct_o,
            grid,
            out: i as usize,
            kinds,
            k: k as usize,
            step: 1,
            dilation: d as usize,
        })
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Output size `o` of the direct convolution (the input of the
    /// transposed one).
    pub fn direct_output(&self) -> u32 {
        self.direct_o
    }

    /// Kernel size with dilation gaps counted, `k′ = k + (k−1)(d−1)`.
    pub fn effective_kernel(&self) -> u32 {
        self.k_eff
    }

    /// Side of the drawn input grid, padding and inserted zeros included.
    pub fn input_side(&self) -> usize {
        self.grid
    }

    /// Side of the drawn output grid.
    pub fn output_side(&self) -> usize {
        self.out
    }

    /// What the input-grid cell holds; `None` outside the grid.
    pub fn kind(&self, cell: Cell) -> Option<CellKind> {
        if cell.row < self.grid && cell.col < self.grid {
            self.kinds.get(cell.row * self.grid + cell.col).copied()
        } else {
            None
        }
    }

    /// One frame per output cell.
    pub fn frame_count(&self) -> usize {
        self.out * self.out
    }

    /// Frame `n`, output cells taken row-major; `None` past the last frame.
    pub fn frame(&self, n: usize) -> Option<Frame> {
        if n >= self.frame_count() {
            return None;
        }
        let output = Cell::new(n / self.out, n % self.out);
        let first = Cell::new(output.row * self.step, output.col * self.step);
        let reach = (self.k - 1) * self.dilation;
        let last = Cell::new(first.row + reach, first.col + reach);
        let taps = |start: usize| (0..self.k).map(move |t| start + t * self.dilation);
        let footprint = taps(first.row)
            .flat_map(|row| taps(first.col).map(move |col| Cell::new(row, col)))
            .collect();
        Some(Frame {
            output,
            footprint,
            first,
            last,
        })
    }

    pub fn frames(&self) -> impl Iterator<Item = Frame> + '_ {
        (0..self.frame_count()).filter_map(|n| self.frame(n))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The paper's animations: (name, i, o, p, k, s, d).
    pub(crate) const PAPER: [(&str, u32, u32, u32, u32, u32, u32); 8] = [
        ("no_padding_no_strides", 4, 2, 0, 3, 1, 1),
        ("arbitrary_padding_no_strides", 5, 6, 2, 4, 1, 1),
        ("same_padding_no_strides", 5, 5, 1, 3, 1, 1),
        ("full_padding_no_strides", 5, 7, 2, 3, 1, 1),
        ("no_padding_strides", 5, 2, 0, 3, 2, 1),
        ("padding_strides", 5, 3, 1, 3, 2, 1),
        ("padding_strides_odd", 6, 3, 1, 3, 2, 1),
        ("dilation", 7, 3, 0, 3, 1, 2),
    ];

    fn grid_picture(l: &Layout) -> Vec<String> {
        (0..l.input_side())
            .map(|r| {
                (0..l.input_side())
                    .map(|c| match l.kind(Cell::new(r, c)) {
                        Some(CellKind::Input) => 'x',
                        Some(CellKind::Padding) => '.',
                        Some(CellKind::InsertedZero) => 'o',
                        None => '?',
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn paper_table_sizes() {
        for (name, i, o, p, k, s, d) in PAPER {
            let params = Params::new(i, k, p, s, d).expect_output(o);
            let l = params.layout().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(l.input_side(), (i + 2 * p) as usize, "{name}");
            assert_eq!(l.output_side(), o as usize, "{name}");
            assert_eq!(l.frame_count(), (o * o) as usize, "{name}");
            if d == 1 {
                let t = params.transpose().layout().unwrap();
                assert_eq!(t.output_side(), i as usize, "{name} transposed");
                assert_eq!(t.frame_count(), (i * i) as usize, "{name} transposed");
                // The equivalent convolution's grid is always i + k − 1 wide.
                assert_eq!(t.input_side(), (i + k - 1) as usize, "{name} transposed");
            }
        }
    }

    #[test]
    fn direct_grid_kinds() {
        let l = Params::new(5, 3, 1, 2, 1).layout().unwrap();
        assert_eq!(
            grid_picture(&l),
            [
                ".......", ".xxxxx.", ".xxxxx.", ".xxxxx.", ".xxxxx.", ".xxxxx.", "......."
            ]
        );
    }

    #[test]
    fn transposed_grid_kinds() {
        // no_padding_strides transposed: 2×2 map, one zero between units,
        // border k − p − 1 = 2.
        let l = Params::new(5, 3, 0, 2, 1).transpose().layout().unwrap();
        assert_eq!(
            grid_picture(&l),
            [
                ".......", ".......", "..xox..", "..ooo..", "..xox..", ".......", "......."
            ]
        );
        // padding_strides_odd transposed: a = 1 extra row and column of
        // padding on the bottom and right.
        let l = Params::new(6, 3, 1, 2, 1).transpose().layout().unwrap();
        assert_eq!(
            grid_picture(&l),
            [
                "........", ".xoxox..", ".ooooo..", ".xoxox..", ".ooooo..", ".xoxox..", "........",
                "........"
            ]
        );
        // full padding transposed is a convolution without padding.
        let l = Params::new(5, 3, 2, 1, 1).transpose().layout().unwrap();
        assert!(grid_picture(&l).iter().all(|row| row == "xxxxxxx"));
    }

    #[test]
    fn footprints_follow_stride_and_dilation() {
        let c = |r, c| Cell::new(r, c);
        // (params, frame, output cell, footprint)
        let table: Vec<(Params, usize, Cell, Vec<Cell>)> = vec![
            (
                Params::new(4, 3, 0, 1, 1),
                3,
                c(1, 1),
                (1..4)
                    .flat_map(|r| (1..4).map(move |cc| Cell::new(r, cc)))
                    .collect(),
            ),
            (
                Params::new(5, 3, 1, 2, 1),
                5,
                c(1, 2),
                (2..5)
                    .flat_map(|r| (4..7).map(move |cc| Cell::new(r, cc)))
                    .collect(),
            ),
            (
                Params::new(7, 3, 0, 1, 2),
                4,
                c(1, 1),
                [1, 3, 5]
                    .into_iter()
                    .flat_map(|r| [1, 3, 5].into_iter().map(move |cc| Cell::new(r, cc)))
                    .collect(),
            ),
            (
                // transposed: stride 1 over the stretched grid
                Params::new(5, 3, 0, 2, 1).transpose(),
                7,
                c(1, 2),
                (1..4)
                    .flat_map(|r| (2..5).map(move |cc| Cell::new(r, cc)))
                    .collect(),
            ),
        ];
        for (params, n, output, footprint) in table {
            let f = params.layout().unwrap().frame(n).unwrap();
            assert_eq!(f.output, output, "{params} frame {n}");
            assert_eq!(f.footprint, footprint, "{params} frame {n}");
            assert_eq!(f.first, footprint[0]);
            assert_eq!(f.last, *footprint.last().unwrap());
        }
    }

    #[test]
    fn footprint_stays_inside_grid() {
        for (_, i, _, p, k, s, d) in PAPER {
            let mut all = vec![Params::new(i, k, p, s, d)];
            if d == 1 {
                all.push(all[0].transpose());
            }
            for params in all {
                let l = params.layout().unwrap();
                assert!(l.frame(l.frame_count()).is_none());
                for f in l.frames() {
                    assert_eq!(f.footprint.len(), (k * k) as usize);
                    assert!(f.footprint.iter().all(|&c| l.kind(c).is_some()));
                    assert!(l.kind(f.last).is_some());
                }
            }
        }
    }

    #[test]
    fn errors_name_the_broken_relation() {
        let e = Params::new(5, 3, 0, 1, 1)
            .expect_output(2)
            .layout()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "output size 2 given but i=5, p=0, k=3, s=1, d=1 give o = ⌊(5 + 0 − 3)/1⌋ + 1 = 3"
        );
        let e = Params::new(7, 3, 0, 1, 2)
            .expect_output(5)
            .layout()
            .unwrap_err();
        assert!(
            e.to_string().contains("(with k′ = k + (k−1)(d−1) = 5)"),
            "{e}"
        );

        let e = Params::new(4, 5, 0, 1, 1).layout().unwrap_err();
        assert_eq!(
            e.to_string(),
            "the kernel (k′ = 5) is larger than the padded input i + 2p = 4 + 0 = 4"
        );
        let e = Params::new(4, 3, 0, 1, 2).layout().unwrap_err();
        assert!(matches!(e, ParamError::KernelTooLarge { k_eff: 5, .. }));

        let cases = [
            (Params::new(4, 3, 0, 0, 1), "stride s"),
            (Params::new(0, 3, 0, 1, 1), "input size i"),
            (Params::new(4, 0, 0, 1, 1), "kernel size k"),
            (Params::new(4, 3, 0, 1, 0), "dilation d"),
        ];
        for (params, what) in cases {
            assert_eq!(params.layout().unwrap_err(), ParamError::Zero { what });
        }
        assert!(matches!(
            Params::new(1000, 3, 0, 1, 1).layout(),
            Err(ParamError::TooLarge { value: 1000, .. })
        ));
        assert!(matches!(
            Params::new(u32::MAX, u32::MAX, u32::MAX, 1, u32::MAX).layout(),
            Err(ParamError::TooLarge { .. })
        ));
        assert!(matches!(
            Params::new(5, 2, 2, 1, 1).transpose().layout(),
            Err(ParamError::TransposedPadding { p: 2, k_eff: 2 })
        ));
        assert!(matches!(
            Params::new(32, 16, 16, 1, 3).transpose().layout(),
            Err(ParamError::GridTooLarge { .. })
        ));
    }
}
