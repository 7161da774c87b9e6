//! What a site moved from Jekyll keeps: Liquid ([`liquid`]), `_config.yml` ([`config`]) and
//! `quire import-jekyll` ([`import`]). kramdown's Markdown is the Markdown stage's
//! (`markdown::kramdown`).

pub mod config;
pub mod import;
pub mod liquid;
