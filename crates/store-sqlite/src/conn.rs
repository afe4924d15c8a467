//! A small connection pool: SQLite connections are cheap, but each must be set up the same way.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use berdaya_store::{StoreError, StoreResult};
use rusqlite::Connection;

use crate::backend;

/// Most connections open at once. WAL lets readers run beside the one writer.
const MAX_CONNECTIONS: usize = 8;

pub(crate) struct Pool {
    path: PathBuf,
    idle: Mutex<(Vec<Connection>, usize)>,
    returned: Condvar,
}

pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Pool {
    pub(crate) fn new(path: PathBuf) -> StoreResult<Pool> {
        let first = open(&path)?;
        // 8 KiB pages make bulk imports about a fifth faster; it only takes effect on a new
        // file, before the first table exists.
        first.execute_batch("PRAGMA page_size = 8192").map_err(backend)?;
        // WAL is a property of the file: set it once.
        let mode: String = first.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!("could not switch {} to WAL mode", path.display())));
        }
        Ok(Pool { path, idle: Mutex::new((vec![first], 1)), returned: Condvar::new() })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn get(&self) -> StoreResult<Pooled<'_>> {
        let mut guard = self.idle.lock().map_err(|_| StoreError::Backend("connection pool poisoned".into()))?;
        loop {
            if let Some(conn) = guard.0.pop() {
                return Ok(Pooled { pool: self, conn: Some(conn) });
            }
            if guard.1 < MAX_CONNECTIONS {
                guard.1 += 1;
                drop(guard);
                return match open(&self.path) {
                    Ok(conn) => Ok(Pooled { pool: self, conn: Some(conn) }),
                    Err(e) => {
                        if let Ok(mut g) = self.idle.lock() {
                            g.1 -= 1;
                        }
                        Err(e)
                    }
                };
            }
            let (g, timeout) = self
                .returned
                .wait_timeout(guard, Duration::from_secs(30))
                .map_err(|_| StoreError::Backend("connection pool poisoned".into()))?;
            if timeout.timed_out() && g.0.is_empty() {
                return Err(StoreError::Backend("no database connection free after 30 s".into()));
            }
            guard = g;
        }
    }
}

/// How often a connection that finds the database locked tries again, and for how long. A
/// short step matters: an import gives the write lock up for a few milliseconds between its
/// chunks, and SQLite's own timeout sleeps up to 100 ms at a time, missing those gaps.
const BUSY_STEP: Duration = Duration::from_millis(2);
const BUSY_TRIES: i32 = 5_000;

/// SQLite's busy handler: sleep a step and try again, up to [`BUSY_TRIES`] steps (10 s); then
/// the statement fails with `SQLITE_BUSY`, which the store reports as [`StoreError::Busy`].
fn wait_while_busy(tries: i32) -> bool {
    if tries >= BUSY_TRIES {
        return false;
    }
    std::thread::sleep(BUSY_STEP);
    true
}

fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.busy_handler(Some(wait_while_busy)).map_err(backend)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;")
        .map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A connection left inside a transaction (a panic mid-call) is not reused.
            let clean = conn.is_autocommit();
            if let Ok(mut g) = self.pool.idle.lock() {
                if clean {
                    g.0.push(conn);
                } else {
                    g.1 -= 1;
                }
            }
            self.pool.returned.notify_one();
        }
    }
}
