//! Content stage: post files → [`post::Post`] values with Jekyll's metadata rules.

pub mod date;
pub mod front_matter;
pub mod load;
pub mod permalink;
pub mod post;
