//! The default theme's words, in English and Chinese: the one table of them. Templates get it as
//! `t` (`{{ t.archive }}`), chosen by `site.toml`'s `lang`; a word with a number or a name in
//! it holds `{n}` (or `{total}`) for the template to fill with `replace`, so word order can
//! differ between the languages.

use serde::Serialize;

/// Every word the default theme shows. A field, not a map key, so a template's `t.x` can only
/// name a word that exists in both languages.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Words {
    /// The table of contents' heading on a post.
    pub contents: &'static str,
    /// Links to the older and the newer post (Jekyll's `page.previous` and `page.next`).
    pub previous: &'static str,
    pub next: &'static str,
    /// Pagination: towards page 1 (newer posts) and away from it.
    pub newer: &'static str,
    pub older: &'static str,
    /// `Page {n} of {total}`.
    pub page_n: &'static str,
    pub archive: &'static str,
    pub tags: &'static str,
    pub categories: &'static str,
    /// Above a tag's or a category's name on its page.
    pub tag: &'static str,
    pub category: &'static str,
    pub about: &'static str,
    /// `{n} min read`.
    pub min_read: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub back_home: &'static str,
    pub no_posts: &'static str,
    /// The link to the Atom feed.
    pub feed: &'static str,
    /// The header navigation's label, for screen readers.
    pub navigation: &'static str,
    /// The search page's title, the nav link and the search box's label.
    pub search: &'static str,
    /// Inside an empty search box.
    pub search_placeholder: &'static str,
    /// `{q}`: the query.
    pub search_no_results: &'static str,
    /// On the search page when scripts are off (the index is read by a script).
    pub search_needs_script: &'static str,
    pub built_with: &'static str,
}

pub const EN: Words = Words {
    contents: "Contents",
    previous: "Previous",
    next: "Next",
    newer: "Newer posts",
    older: "Older posts",
    page_n: "Page {n} of {total}",
    archive: "Archive",
    tags: "Tags",
    categories: "Categories",
    tag: "Tag",
    category: "Category",
    about: "About",
    min_read: "{n} min read",
    not_found_title: "Page not found",
    not_found_text: "There is no page at this address.",
    back_home: "Back to the home page",
    no_posts: "No posts yet.",
    feed: "Atom feed",
    navigation: "Site",
    search: "Search",
    search_placeholder: "Search posts",
    search_no_results: "Nothing found for “{q}”.",
    search_needs_script: "Search runs in the browser: it needs JavaScript.",
    built_with: "Built with quire; math rendered by KaTeX at build time.",
};

pub const ZH: Words = Words {
    contents: "目录",
    previous: "上一篇",
    next: "下一篇",
    newer: "较新的文章",
    older: "较早的文章",
    page_n: "第 {n} 页，共 {total} 页",
    archive: "归档",
    tags: "标签",
    categories: "分类",
    tag: "标签",
    category: "分类",
    about: "关于",
    min_read: "约 {n} 分钟读完",
    not_found_title: "页面不存在",
    not_found_text: "这个地址没有页面。",
    back_home: "返回首页",
    no_posts: "还没有文章。",
    feed: "Atom 订阅",
    navigation: "站点导航",
    search: "搜索",
    search_placeholder: "搜索文章",
    search_no_results: "没有找到与“{q}”相关的内容。",
    search_needs_script: "搜索在浏览器中运行，需要启用 JavaScript。",
    built_with: "由 quire 生成；数学公式在构建时由 KaTeX 渲染。",
};

/// The words for a BCP 47 `lang`: Chinese for `zh` and any `zh-…`, English otherwise.
pub fn for_lang(lang: &str) -> &'static Words {
    let primary = lang.split(['-', '_']).next().unwrap_or_default();
    if primary.eq_ignore_ascii_case("zh") {
        &ZH
    } else {
        &EN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_for_every_zh_tag_english_otherwise() {
        for lang in ["zh", "zh-CN", "zh-Hant-TW", "ZH_cn"] {
            assert_eq!(for_lang(lang), &ZH, "{lang}");
        }
        for lang in ["en", "en-GB", "", "fr", "zha"] {
            assert_eq!(for_lang(lang), &EN, "{lang}");
        }
    }

    #[test]
    fn placeholders_are_in_both_languages() {
        for w in [&EN, &ZH] {
            assert!(w.page_n.contains("{n}") && w.page_n.contains("{total}"));
            assert!(w.min_read.contains("{n}"));
            assert!(w.search_no_results.contains("{q}"));
        }
    }
}
