//! What a site moved from Jekyll keeps: Liquid ([`liquid`]), `_config.yml` ([`config`]), the
//! place of each of its files ([`tree`]), shared by `quire import-jekyll` ([`import`]) and the
//! build of a Jekyll folder as it is. kramdown's Markdown is the Markdown stage's
//! (`markdown::kramdown`).

pub mod config;
pub mod import;
pub mod liquid;
pub mod tree;
