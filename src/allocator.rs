//! The process's allocator: jemalloc, for Rust's allocations and, through its unprefixed
//! `malloc`, for the C libraries' too (QuickJS, which runs KaTeX, allocates the most).
//!
//! Why not the system's: a cold build's peak is Pagefind indexing every page's words at the
//! end, after two KaTeX engines, the batches and the store have come and gone on other
//! threads. glibc keeps what those threads freed in their own arenas, where Pagefind's threads
//! cannot reuse it. jemalloc told to return freed pages at once (no decay) holds close to the
//! live heap: a cold build of 1,000 posts peaked at 153 MiB instead of 170, in the same time,
//! and `katex_limit` (which links this too) rendered no slower.

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts: dirty and muzzy pages (freed, not yet returned)
/// go back to the system at once instead of over ten seconds.
#[unsafe(export_name = "malloc_conf")]
static MALLOC_CONF: Option<&std::ffi::c_char> =
    Some(unsafe { &*c"dirty_decay_ms:0,muzzy_decay_ms:0".as_ptr() });
