//! SQLite's write-ahead log is copied back into the database file in the background
//! (`store::checkpoint_in_background`), not inside the commits of commands: after a burst of
//! writes far below the fallback size at which a commit would checkpoint by itself, the
//! database file grows within a moment, while nothing else writes.

use std::time::{Duration, Instant};

use crewclock::store::{Store, StoreOptions};
use sqlx::Executor;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_checkpointed_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let wal = || {
        std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    // Let the migrations' log be checkpointed, then measure from there.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let before = size();
    {
        let mut tx = store.begin().await.unwrap();
        tx.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    // About 400 pages of log: well below the 20,000 at which a commit checkpoints itself.
    for i in 0..50 {
        let mut tx = store.begin().await.unwrap();
        let sql = format!(
            "INSERT INTO filler (body) SELECT printf('%.{}c', 'x') FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8)",
            3_000 + i
        );
        tx.execute(sql.as_str()).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert!(
        wal() > 1_000_000,
        "the writes went to the log: {} bytes",
        wal()
    );
    let waited = Instant::now();
    while size() < before + 1_000_000 {
        assert!(
            waited.elapsed() < Duration::from_secs(5),
            "the database file did not grow: {} -> {} bytes, log {} bytes",
            before,
            size(),
            wal()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
}
