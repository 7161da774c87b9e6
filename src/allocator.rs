//! The process's allocator: on Linux, jemalloc, for Rust's allocations and, through its
//! unprefixed `malloc`, for the C libraries' too (QuickJS, which runs KaTeX, allocates the
//! most).
//!
//! Why not the system's: a cold build's peak is Pagefind indexing every page's words at the
//! end, after two KaTeX engines, the batches and the store have come and gone on other
//! threads. glibc keeps what those threads freed in their own arenas, where Pagefind's threads
//! cannot reuse it; jemalloc hands it back when told to ([`release_freed`], called just before
//! the index is made), and otherwise after 100 ms. Measured on a cold build of 1,000 posts
//! (`bench/`, issue 15's notes): peak 170 MiB with glibc, 149 MiB with this. Returning every
//! page at once (no decay at all) peaked no lower but made a cache-only build twice as slow
//! (1.8 s against 0.87 s): each large page buffer it frees was handed back and faulted in
//! again for the next.

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts: freed (dirty) pages go back to the system after
/// 100 ms instead of 10 s, and without passing through MADV_FREE's "muzzy" state, which still
/// counts as the process's memory until the kernel needs it.
#[cfg(target_os = "linux")]
#[unsafe(export_name = "malloc_conf")]
static MALLOC_CONF: Option<&std::ffi::c_char> =
    Some(unsafe { &*c"dirty_decay_ms:100,muzzy_decay_ms:0".as_ptr() });

/// Hands every freed page the allocator still holds back to the system, now: before a stage
/// that needs much memory and follows stages that freed much (elsewhere, a no-op).
pub fn release_freed() {
    #[cfg(target_os = "linux")]
    // SAFETY: `arena.<i>.purge` takes and returns nothing; 4096 is MALLCTL_ARENAS_ALL, every
    // arena. A failure only means the pages go back at their decay.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}

/// While alive, what is freed goes back to the system every [`RETURN_EVERY`], from a thread
/// of its own: for the one stage whose peak is the build's, Pagefind writing its index, which
/// frees tens of megabytes as it grows its tables and would otherwise hold them for the
/// decay's 100 ms, right at the peak (a cold build of 1,000 posts peaked 5–8 MiB higher).
/// Pagefind works on one core there, so the other does the returning; a decay of 0 did it on
/// Pagefind's own thread, at each free, and made the stage up to 0.14 s slower. Elsewhere a
/// no-op.
pub struct ReturnFreedOften {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often [`ReturnFreedOften`] returns what was freed.
pub const RETURN_EVERY: std::time::Duration = std::time::Duration::from_millis(2);

impl ReturnFreedOften {
    pub fn start() -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = std::sync::Arc::clone(&stop);
        let thread = cfg!(target_os = "linux")
            .then(|| {
                std::thread::Builder::new()
                    .name("quire-release".into())
                    .spawn(move || {
                        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                            release_freed();
                            std::thread::sleep(RETURN_EVERY);
                        }
                    })
                    .ok()
            })
            .flatten();
        ReturnFreedOften { stop, thread }
    }
}

impl Drop for ReturnFreedOften {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
