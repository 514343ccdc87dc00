// SPDX-License-Identifier: GPL-2.0-only
//! The Raft log, the vote and the committed log id of one member, kept in
//! a redb file so that a daemon that restarts rejoins with its state.
//!
//! Tables: `log` maps a log index to a postcard-encoded entry; `meta` holds
//! `vote`, `committed` and `purged` (postcard), and the state machine's
//! `snapshot` ([`super::sm`]). Every change is one write transaction,
//! durable when it commits (redb's default `Durability::Immediate`). The
//! log store's calls, and the state machine's snapshot reads and writes,
//! run on tokio's blocking threads so that an fsync never holds up the
//! Raft core's timers (a snapshot read at start-up is the exception).

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::path::Path;
use std::sync::Arc;

use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{Entry, ErrorSubject, ErrorVerb, LogState, RaftLogReader, Vote};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{io_error, LogId, StorageError, TypeConfig};

/// Log index -> postcard of `Entry<TypeConfig>`.
pub(super) const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// Named values: `vote`, `committed`, `purged`, `snapshot`.
pub(super) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const VOTE: &str = "vote";
const COMMITTED: &str = "committed";
const PURGED: &str = "purged";

/// Opens (or creates) the store of a member at `path`, with its tables.
pub fn open(path: &Path) -> Result<Arc<Database>, StorageError> {
    let db =
        Database::create(path).map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Read, &e))?;
    // Both tables exist from the start: a read finds them empty.
    let txn = db
        .begin_write()
        .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))?;
    txn.open_table(LOG)
        .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))?;
    txn.open_table(META)
        .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))?;
    txn.commit()
        .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))?;
    Ok(Arc::new(db))
}

/// An error of the store, for what openraft was doing.
#[derive(Debug)]
pub(super) struct Failed(String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

pub(super) fn failed(what: impl std::fmt::Display) -> Failed {
    Failed(what.to_string())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Failed> {
    postcard::to_stdvec(value).map_err(failed)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failed> {
    postcard::from_bytes(bytes).map_err(failed)
}

/// Reads `key` of `meta`.
pub(super) fn read_meta<T: DeserializeOwned>(
    db: &Database,
    key: &str,
) -> Result<Option<T>, Failed> {
    let txn = db.begin_read().map_err(failed)?;
    let table = txn.open_table(META).map_err(failed)?;
    let value = table.get(key).map_err(failed)?;
    value.map(|v| decode(v.value())).transpose()
}

/// Writes `key` of `meta` (None: removes it), in a transaction of its own.
pub(super) fn write_meta<T: Serialize>(
    db: &Database,
    key: &str,
    value: Option<&T>,
) -> Result<(), Failed> {
    let bytes = value.map(encode).transpose()?;
    let txn = db.begin_write().map_err(failed)?;
    {
        let mut table = txn.open_table(META).map_err(failed)?;
        match bytes {
            Some(b) => table.insert(key, b.as_slice()).map(drop),
            None => table.remove(key).map(drop),
        }
        .map_err(failed)?;
    }
    txn.commit().map_err(failed)
}

/// The rows of `entries` in the `log` table.
fn encode_entries(
    entries: impl IntoIterator<Item = Entry<TypeConfig>>,
) -> Result<Vec<(u64, Vec<u8>)>, Failed> {
    entries
        .into_iter()
        .map(|e| Ok((e.log_id.index, encode(&e)?)))
        .collect()
}

/// Writes `rows` to the `log` table in one transaction.
fn write_entries(db: &Database, rows: &[(u64, Vec<u8>)]) -> Result<(), Failed> {
    let txn = db.begin_write().map_err(failed)?;
    {
        let mut table = txn.open_table(LOG).map_err(failed)?;
        for (index, bytes) in rows {
            table.insert(*index, bytes.as_slice()).map_err(failed)?;
        }
    }
    txn.commit().map_err(failed)
}

/// Appends `entries` as [`LogStore`]'s `append` does, without its flush
/// callback (which only openraft can make).
#[cfg(test)]
pub(super) fn put_entries(db: &Database, entries: Vec<Entry<TypeConfig>>) -> Result<(), Failed> {
    write_entries(db, &encode_entries(entries)?)
}

/// Runs `f` on a blocking thread with the database.
pub(super) async fn blocking<T, F>(db: &Arc<Database>, f: F) -> Result<T, Failed>
where
    T: Send + 'static,
    F: FnOnce(&Database) -> Result<T, Failed> + Send + 'static,
{
    let db = Arc::clone(db);
    tokio::task::spawn_blocking(move || f(&db))
        .await
        .map_err(failed)?
}

/// The log store of one member; clones share the database (the reader
/// openraft asks for is a clone).
#[derive(Debug, Clone)]
pub struct LogStore {
    db: Arc<Database>,
}

impl LogStore {
    /// The log store in `db` (from [`open`]).
    pub fn new(db: Arc<Database>) -> LogStore {
        LogStore { db }
    }
}

fn bounds(range: &impl RangeBounds<u64>) -> (Bound<u64>, Bound<u64>) {
    (range.start_bound().cloned(), range.end_bound().cloned())
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<TypeConfig>>, StorageError> {
        let range = bounds(&range);
        blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(failed)?;
            let table = txn.open_table(LOG).map_err(failed)?;
            let mut entries = Vec::new();
            for row in table.range(range).map_err(failed)? {
                let (_, value) = row.map_err(failed)?;
                entries.push(decode(value.value())?);
            }
            Ok(entries)
        })
        .await
        .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Read, &e))
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        blocking(&self.db, |db| {
            let purged: Option<LogId> = read_meta(db, PURGED)?;
            let txn = db.begin_read().map_err(failed)?;
            let table = txn.open_table(LOG).map_err(failed)?;
            let last = match table.last().map_err(failed)? {
                Some((_, value)) => Some(decode::<Entry<TypeConfig>>(value.value())?.log_id),
                None => purged,
            };
            Ok(LogState {
                last_purged_log_id: purged,
                last_log_id: last,
            })
        })
        .await
        .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Read, &e))
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError> {
        let vote = *vote;
        blocking(&self.db, move |db| write_meta(db, VOTE, Some(&vote)))
            .await
            .map_err(|e| io_error(ErrorSubject::Vote, ErrorVerb::Write, &e))
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError> {
        blocking(&self.db, |db| read_meta(db, VOTE))
            .await
            .map_err(|e| io_error(ErrorSubject::Vote, ErrorVerb::Read, &e))
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        blocking(&self.db, move |db| {
            write_meta(db, COMMITTED, committed.as_ref())
        })
        .await
        .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Write, &e))
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        blocking(&self.db, |db| read_meta(db, COMMITTED))
            .await
            .map_err(|e| io_error(ErrorSubject::Store, ErrorVerb::Read, &e))
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + Send,
        I::IntoIter: Send,
    {
        let rows = encode_entries(entries)
            .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Write, &e))?;
        let result = blocking(&self.db, move |db| write_entries(db, &rows)).await;
        // The entries are durable once the transaction committed.
        match result {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                callback.log_io_completed(Err(std::io::Error::other(e.to_string())));
                Err(io_error(ErrorSubject::Logs, ErrorVerb::Write, &e))
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(failed)?;
            {
                let mut table = txn.open_table(LOG).map_err(failed)?;
                table
                    .retain_in(log_id.index.., |_, _| false)
                    .map_err(failed)?;
            }
            txn.commit().map_err(failed)
        })
        .await
        .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Delete, &e))
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(failed)?;
            {
                let mut table = txn.open_table(LOG).map_err(failed)?;
                table
                    .retain_in(..=log_id.index, |_, _| false)
                    .map_err(failed)?;
                let mut meta = txn.open_table(META).map_err(failed)?;
                meta.insert(PURGED, encode(&log_id)?.as_slice())
                    .map_err(failed)?;
            }
            txn.commit().map_err(failed)
        })
        .await
        .map_err(|e| io_error(ErrorSubject::Logs, ErrorVerb::Delete, &e))
    }
}
