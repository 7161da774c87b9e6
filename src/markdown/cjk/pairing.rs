//! CommonMark's "process emphasis" algorithm as pulldown-cmark implements it, replayed over a
//! block's delimiter runs with either set of flanking verdicts.

use std::ops::Range;

use super::emphasis::{Flat, Kind};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rules {
    Plain,
    Cjk,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Role {
    Literal,
    /// First character of an opening delimiter of pair `n`.
    Open(usize),
    /// First character of a closing delimiter of pair `n`.
    Close(usize),
    /// Further characters of a two-character delimiter.
    Inner,
}

pub(super) struct Pairs {
    pub(super) roles: Vec<Role>,
    pub(super) spans: Vec<(Kind, Range<usize>)>,
}

#[derive(Clone, Copy)]
struct Opener {
    run: usize,
    /// Its unused characters are `first..first + count` within the run.
    first: usize,
    count: usize,
    len: usize,
    byte: u8,
    both: bool,
}

/// pulldown-cmark's delimiter stack: besides the openers it remembers, per kind of closer,
/// below which height a search already failed (CommonMark's `openers_bottom`). Which kinds
/// share a bound matters for the result, not just for speed, so it is kept exactly alike.
#[derive(Default)]
struct Stack {
    openers: Vec<Opener>,
    bottoms: [usize; 9],
}

const UNDERSCORE_NOT_BOTH: usize = 0;
const ASTERISK_NOT_BOTH: usize = 1;
const ASTERISK_BASE: usize = 2;
const TILDES: usize = 5;
const UNDERSCORE_BASE: usize = 6;

impl Stack {
    fn bottom(&self, byte: u8, len: usize, both: bool) -> usize {
        let (base, not_both) = match byte {
            b'_' => (UNDERSCORE_BASE, UNDERSCORE_NOT_BOTH),
            b'*' => (ASTERISK_BASE, ASTERISK_NOT_BOTH),
            _ => return self.bottoms[TILDES],
        };
        let by_len = self.bottoms[base + len % 3];
        if both {
            by_len
        } else {
            by_len.min(self.bottoms[not_both])
        }
    }

    fn set_bottom(&mut self, byte: u8, len: usize, both: bool, to: usize) {
        let (base, not_both) = match byte {
            b'_' => (UNDERSCORE_BASE, UNDERSCORE_NOT_BOTH),
            b'*' => (ASTERISK_BASE, ASTERISK_NOT_BOTH),
            _ => {
                self.bottoms[TILDES] = to;
                return;
            }
        };
        self.bottoms[base + len % 3] = to;
        if !both {
            self.bottoms[not_both] = to;
        }
    }

    fn truncate(&mut self, len: usize) {
        self.openers.truncate(len);
        for bottom in &mut self.bottoms {
            *bottom = (*bottom).min(len);
        }
    }

    fn push(&mut self, opener: Opener) {
        if opener.byte == b'~' {
            self.bottoms[TILDES] = self.bottoms[TILDES].min(self.openers.len());
        }
        self.openers.push(opener);
    }

    /// The nearest opener a closer may pair with; it and everything above it leave the stack
    /// (openers between the two can no longer pair with anything and stay literal).
    fn find(&mut self, byte: u8, len: usize, both: bool) -> Option<Opener> {
        let bottom = self.bottom(byte, len, both).min(self.openers.len());
        let found = self.openers.get(bottom..)?.iter().rposition(|o| {
            if byte == b'~' && len != o.len {
                return false;
            }
            o.byte == byte
                && ((!both && !o.both) || !(len + o.len).is_multiple_of(3) || len.is_multiple_of(3))
        });
        match found {
            Some(i) => {
                let opener = *self.openers.get(bottom + i)?;
                self.truncate(bottom + i);
                Some(opener)
            }
            None => {
                self.set_bottom(byte, len, both, self.openers.len());
                None
            }
        }
    }
}

/// CommonMark's "process emphasis", one left-to-right pass with a stack per scope.
pub(super) fn pair_up(flat: &Flat, rules: Rules) -> Pairs {
    let mut pairs = Pairs {
        roles: vec![Role::Literal; flat.delims],
        spans: Vec::new(),
    };
    let mut stacks: Vec<Stack> = (0..flat.scopes).map(|_| Stack::default()).collect();
    for (ri, run) in flat.runs.iter().enumerate() {
        let v = match rules {
            Rules::Plain => run.plain,
            Rules::Cjk => run.cjk,
        };
        let Some(stack) = stacks.get_mut(run.scope) else {
            continue;
        };
        let both = v.open && v.close;
        let mut used = 0;
        if v.close {
            while let Some(opener) = stack.find(run.byte, run.len, both) {
                let take = (run.len - used).min(opener.count);
                let Some(open_run) = flat.runs.get(opener.run) else {
                    break;
                };
                let mut open_end = opener.first + opener.count;
                let mut close_start = used;
                let mut left = take;
                while left > 0 {
                    let n = if left >= 2 { 2 } else { 1 };
                    let kind = match (run.byte, n) {
                        (b'~', _) => Kind::Strikethrough,
                        (_, 2) => Kind::Strong,
                        _ => Kind::Emphasis,
                    };
                    let pair = pairs.spans.len();
                    let open_at = open_run.start + open_end - n;
                    let close_at = run.start + close_start;
                    pairs.spans.push((kind, open_at..close_at + n));
                    let o = open_run.first + open_end - n;
                    let c = run.first + close_start;
                    pairs.set(o, Role::Open(pair));
                    pairs.set(c, Role::Close(pair));
                    if n == 2 {
                        pairs.set(o + 1, Role::Inner);
                        pairs.set(c + 1, Role::Inner);
                    }
                    open_end -= n;
                    close_start += n;
                    left -= n;
                }
                used += take;
                if opener.count > take {
                    stack.push(Opener {
                        count: opener.count - take,
                        ..opener
                    });
                }
                if used == run.len {
                    break;
                }
            }
        }
        if used < run.len && v.open {
            stack.push(Opener {
                run: ri,
                first: used,
                count: run.len - used,
                len: run.len,
                byte: run.byte,
                both,
            });
        }
    }
    pairs
}

impl Pairs {
    fn set(&mut self, i: usize, role: Role) {
        if let Some(slot) = self.roles.get_mut(i) {
            *slot = role;
        }
    }
}
