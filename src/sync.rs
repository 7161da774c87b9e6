//! Locks shared between threads that may panic (a KaTeX engine, a page's template).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// `m`'s lock, even if a thread panicked holding it: every value quire keeps under a lock is
/// replaced whole, never left half-written, so it is still sound to read.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
