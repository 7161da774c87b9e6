//! Content stage: post files → [`post::Post`] values with Jekyll's metadata rules; files under
//! `pages/` → [`standalone::Standalone`] pages.

pub mod date;
pub mod front_matter;
pub mod load;
pub mod permalink;
pub mod post;
pub mod standalone;
