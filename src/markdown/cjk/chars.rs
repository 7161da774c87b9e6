//! The character classes both passes judge by, read from ICU4X's Unicode data so that they
//! follow the Unicode version of the `icu_properties` release instead of a table that someone
//! has to regenerate by hand.

use icu_properties::props::{
    EastAsianWidth, EmojiPresentation, GeneralCategory, GeneralCategoryGroup, Script,
};
use icu_properties::{CodePointMapData, CodePointSetData};

/// The amendment's CJK character: East Asian Width W, F or H and not an emoji by default, or
/// Hangul script. (Emoji are excluded because they sit between words like Latin punctuation
/// does, not inside them.)
pub(super) fn is_cjk(c: char) -> bool {
    // Nothing below U+1100 (Hangul Jamo) qualifies; this spares the lookups for ASCII.
    if c < '\u{1100}' {
        return false;
    }
    let wide = matches!(
        CodePointMapData::<EastAsianWidth>::new().get(c),
        EastAsianWidth::Wide | EastAsianWidth::Fullwidth | EastAsianWidth::Halfwidth
    );
    (wide && !CodePointSetData::new::<EmojiPresentation>().contains(c)) || is_hangul(c)
}

/// Korean separates words with spaces, so a line break between Hangul is a word break.
pub(super) fn is_hangul(c: char) -> bool {
    CodePointMapData::<Script>::new().get(c) == Script::Hangul
}

/// CommonMark 0.31.2's Unicode punctuation: general categories P and S.
pub(super) fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    let gc: GeneralCategory = CodePointMapData::<GeneralCategory>::new().get(c);
    GeneralCategoryGroup::Punctuation.contains(gc) || GeneralCategoryGroup::Symbol.contains(gc)
}

/// An ideographic variation selector (VS17–VS256), which the amendment lets stand for the
/// ideograph before it.
pub(super) fn is_ivs(c: char) -> bool {
    ('\u{E0100}'..='\u{E01EF}').contains(&c)
}

/// A variation selector other than the emoji one (U+FE0F).
pub(super) fn is_general_vs(c: char) -> bool {
    ('\u{FE00}'..='\u{FE0E}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_is_wide_fullwidth_or_halfwidth_text_and_hangul() {
        for c in [
            '中', '理', 'あ', 'ア', '。', '：', '「', '（', 'Ａ', 'ｱ', '￥', '𠀀',
        ] {
            assert!(is_cjk(c), "{c:?} U+{:04X}", c as u32);
        }
        // Hangul counts whatever its width: conjoining jamo are narrow.
        for c in ['한', 'ᄀ', '\u{1160}', '\u{11A8}'] {
            assert!(is_cjk(c) && is_hangul(c), "{c:?} U+{:04X}", c as u32);
        }
        // Latin, ambiguous-width punctuation and emoji shown as emoji are not CJK.
        for c in [
            'a',
            'é',
            '’',
            '“',
            '…',
            '—',
            '😀',
            '🈚',
            '\u{FE01}',
            '\u{E0100}',
        ] {
            assert!(!is_cjk(c), "{c:?} U+{:04X}", c as u32);
        }
        assert!(!is_hangul('中') && !is_hangul('ア'));
    }

    #[test]
    fn punctuation_is_general_category_p_or_s() {
        for c in [
            '!', '*', '~', '$', '。', '，', '：', '「', '￥', '©', '→', '😀', '’',
        ] {
            assert!(is_punct(c), "{c:?} U+{:04X}", c as u32);
        }
        for c in ['a', '1', ' ', '中', 'ア', '한', '\u{0301}', '²', '\u{3000}'] {
            assert!(!is_punct(c), "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn variation_selectors() {
        assert!(is_ivs('\u{E0100}') && is_ivs('\u{E01EF}') && !is_ivs('\u{FE01}'));
        assert!(is_general_vs('\u{FE00}') && is_general_vs('\u{FE0E}'));
        assert!(!is_general_vs('\u{FE0F}') && !is_general_vs('\u{E0100}'));
    }
}
