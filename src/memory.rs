//! The process's memory and glibc's allocator: tuned once at start, and freed pages given back
//! after large work. Without this, a server that once built a national call's outcome keeps the
//! pages for good: glibc keeps what its threads freed in its arenas.

/// Before any thread starts: two arenas (not eight per core, each keeping what its threads
/// freed), and every block of 1 MiB or more mapped on its own and given back when freed (by
/// default that threshold climbs to 32 MiB after the first large free, so a publication's
/// megabytes of JSON would stay in the heap). Measured at 10,000 × 5 on SQLite: server peak RSS
/// 943 → 601 MB, idle 104 → 45 MB (with a 128 KiB threshold; at 2,000 applications that one
/// cost 8 % of the whole call's time in page faults, and a PDF rendered by the letter worker is
/// below 1 MiB).
/// `TUINIER_MALLOC=glibc` leaves glibc's defaults (to compare, or should a workload do better
/// with them).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    if std::env::var("TUINIER_MALLOC").is_ok_and(|v| v == "glibc") {
        return;
    }
    // SAFETY: mallopt only sets allocator parameters; main calls it once, before any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}

/// Gives the free pages of the allocator's arenas back to the operating system: after work that
/// built and dropped a whole call's data (a publication, a pass of the letter worker or of the
/// scheduler). A few milliseconds on a large heap; nothing when there is nothing to give.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back() {
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back() {}
