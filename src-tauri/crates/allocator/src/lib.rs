//! # vmcheck-allocator
//!
//! Gives the memory the C allocator holds free back to the system.
//!
//! glibc's allocator keeps what a thread frees in that thread's arena and returns it to the
//! system only from the top of the arena: a live block above freed ones keeps every page below
//! it resident. A lookup in the desktop app (TLS, HTTP, JSON and XML, the audit log's SQLite, the
//! IPC's serialised reply) frees nearly all it allocated, across the async runtime's threads, and
//! those pages stayed in the app's memory until the next lookup reused them. [`release_free_memory`]
//! asks glibc to return every whole free page of every arena (`malloc_trim(0)`): live
//! allocations are untouched, and a later allocation takes fresh pages from the system.
//!
//! The workspace forbids unsafe code; this crate denies it and allows the one foreign call below,
//! which takes no pointer. Elsewhere than Linux with glibc it does nothing: the other platforms'
//! allocators return memory themselves or have no such call.

/// Returns the pages the C allocator holds free to the system. `true` when it gave some back.
///
/// It walks and locks each arena in turn (well under a millisecond for the desktop app's
/// arenas), so it is for a quiet moment, not a loop.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_memory() -> bool {
    // SAFETY: `malloc_trim` takes no pointer and changes only glibc's own free lists, under the
    // same locks as every other allocator call; any pad value is valid.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Returns the pages the C allocator holds free to the system: here nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() -> bool {
    false
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::release_free_memory;

    /// The process's resident anonymous memory, in kB (`/proc/self/status`, `RssAnon`).
    fn rss_anon_kb() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn memory_freed_below_a_live_block_goes_back_to_the_system() {
        // A thread of its own, so an arena of its own, as the app's runtime threads have.
        std::thread::spawn(|| {
            // 48 MB in blocks of 64 kB (below the size glibc maps on its own), written so they
            // are resident, then all freed but the last, which keeps the arena's top in use.
            let mut blocks: Vec<Vec<u8>> = (0..768).map(|_| vec![1u8; 64 * 1024]).collect();
            let last = blocks.pop();
            drop(blocks);
            let before = rss_anon_kb();
            assert!(release_free_memory(), "glibc gave nothing back");
            let after = rss_anon_kb();
            assert!(
                after + 32 * 1024 < before,
                "resident anonymous memory {before} kB before, {after} kB after"
            );
            drop(last);
        })
        .join()
        .expect("the test thread");
    }
}
