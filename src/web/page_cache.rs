//! A short-lived cache of rendered report pages, so a popular link costs one report every few
//! seconds instead of one per request (the report engine needs milliseconds per page; the
//! sidecar must serve thousands of pages a second).
//!
//! What is *not* cached: whether the link may be opened. Every request still checks the
//! signature, the rate limit, revocation, expiry and the owner's membership against the
//! database, so a revoked link or a removed owner answers 410 at once. What may be up to
//! [`TTL`] old is the figures on the page (a new entry, or a change of the owner's rights on
//! a project, shows within that time). Concurrent requests for the same page wait for one
//! computation instead of each running the report; failures are not kept.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// How long a rendered page is reused.
pub const TTL: Duration = Duration::from_secs(5);
/// Most pages kept; beyond it, expired ones are dropped, then everything if need be.
const MAX_PAGES: usize = 2_000;
// Expired pages are also swept once per TTL, so the cache holds only the last few seconds'
// pages (a soak of one new link after another kept up to MAX_PAGES dead pages otherwise).

/// A page's cell and when it was made.
type Slot<V> = (Instant, Arc<OnceCell<V>>);

#[derive(Debug)]
pub struct PageCache<K, V> {
    ttl: Duration,
    pages: Mutex<Pages<K, V>>,
}

#[derive(Debug)]
struct Pages<K, V> {
    by_key: HashMap<K, Slot<V>>,
    last_sweep: Option<Instant>,
}

impl<K: Eq + Hash, V> PageCache<K, V> {
    pub fn new(ttl: Duration) -> PageCache<K, V> {
        PageCache {
            ttl,
            pages: Mutex::new(Pages {
                by_key: HashMap::new(),
                last_sweep: None,
            }),
        }
    }

    /// The cell holding `key`'s page: a fresh one when absent or older than the TTL. The
    /// caller fills it with `get_or_try_init`, which runs one computation at a time.
    pub fn cell(&self, key: K, now: Instant) -> Arc<OnceCell<V>> {
        let mut guard = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let Pages { by_key, last_sweep } = &mut *guard;
        if let Some((born, cell)) = by_key.get(&key) {
            if now.saturating_duration_since(*born) < self.ttl {
                return cell.clone();
            }
        }
        let ttl = self.ttl;
        let sweep_due = last_sweep.is_none_or(|at| now.saturating_duration_since(at) >= ttl);
        if sweep_due || by_key.len() >= MAX_PAGES {
            by_key.retain(|_, (born, _)| now.saturating_duration_since(*born) < ttl);
            *last_sweep = Some(now);
            if by_key.len() >= MAX_PAGES {
                by_key.clear();
            }
        }
        let cell = Arc::new(OnceCell::new());
        by_key.insert(key, (now, cell.clone()));
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reuses_within_the_ttl_and_recomputes_after() {
        let cache: PageCache<&str, u32> = PageCache::new(Duration::from_secs(5));
        let t0 = Instant::now();
        let a = cache.cell("k", t0);
        assert_eq!(*a.get_or_init(|| async { 1 }).await, 1);
        let b = cache.cell("k", t0 + Duration::from_secs(4));
        assert_eq!(*b.get_or_init(|| async { 2 }).await, 1, "reused");
        let c = cache.cell("k", t0 + Duration::from_secs(5));
        assert_eq!(*c.get_or_init(|| async { 3 }).await, 3, "expired");
        let other = cache.cell("other", t0);
        assert!(other.get().is_none());
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let cache: PageCache<&str, u32> = PageCache::new(Duration::from_secs(5));
        let t0 = Instant::now();
        let cell = cache.cell("k", t0);
        let failed: Result<&u32, &str> = cell.get_or_try_init(|| async { Err("db down") }).await;
        assert!(failed.is_err());
        let cell = cache.cell("k", t0);
        let ok: Result<&u32, &str> = cell.get_or_try_init(|| async { Ok(7) }).await;
        assert_eq!(ok, Ok(&7));
    }

    #[test]
    fn stays_bounded() {
        let cache: PageCache<usize, u32> = PageCache::new(Duration::from_secs(5));
        let t0 = Instant::now();
        for i in 0..(MAX_PAGES * 2) {
            cache.cell(i, t0);
        }
        assert!(cache.pages.lock().unwrap().by_key.len() <= MAX_PAGES);
    }

    #[test]
    fn expired_pages_are_swept_once_a_ttl_has_passed() {
        let cache: PageCache<usize, u32> = PageCache::new(Duration::from_secs(5));
        let t0 = Instant::now();
        for i in 0..100 {
            cache.cell(i, t0);
        }
        assert_eq!(cache.pages.lock().unwrap().by_key.len(), 100);
        // Within the TTL nothing is swept; after it, only the new page is left.
        cache.cell(1_000, t0 + Duration::from_secs(4));
        assert_eq!(cache.pages.lock().unwrap().by_key.len(), 101);
        cache.cell(1_001, t0 + Duration::from_secs(6));
        let left: Vec<usize> = cache.pages.lock().unwrap().by_key.keys().copied().collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }
}
