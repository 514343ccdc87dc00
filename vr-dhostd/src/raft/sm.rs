// SPDX-License-Identifier: GPL-2.0-only
//! The ownership database as a Raft state machine: [`db::Ownership`]
//! applied in log order, the same way on every member (nothing here reads
//! a clock or the network), with its snapshots.
//!
//! The state lives in memory; a snapshot is kept in the store's `meta`
//! table, so a daemon that restarts loads its last snapshot and openraft
//! applies the committed entries after it again (it keeps the committed
//! log id, [`super::store`]).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::RaftStateMachine;
use openraft::{
    BasicNode, Entry, EntryPayload, ErrorSubject, ErrorVerb, RaftSnapshotBuilder, Snapshot,
    SnapshotMeta, StoredMembership,
};
use redb::{Database, ReadableTable};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::store::{blocking, failed, read_meta, Failed, META};
use super::{io_error, Cmd, LogId, Reply, StorageError, TypeConfig};
use crate::daemon::KernelCmd;
use crate::db::{self, Change, Claimed, Key, MemberId, Ownership, Update};

const SNAPSHOT: &str = "snapshot";

/// The replicated state: None until the first [`Cmd::Configure`].
#[derive(Debug, Clone, Default)]
struct State {
    own: Option<Ownership>,
    /// The members whose daemon stopped to restart ([`Cmd::Hold`]).
    holds: BTreeSet<MemberId>,
    /// The ports being drained ([`Cmd::Drain`]).
    drains: BTreeMap<Key, Drain>,
    /// The kernel is told the changes: from [`View::send_replace`] on (the
    /// entries applied again when the daemon starts are in that Replace).
    kernel_on: bool,
    last_applied: Option<LogId>,
    membership: StoredMembership<u64, BasicNode>,
}

/// A port being moved from its owner to another member ([`Cmd::Drain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drain {
    /// The port's owner when the drain started.
    pub from: MemberId,
    pub to: MemberId,
    /// How long the drain may wait for `to`'s socket and the move.
    pub wait_ms: u32,
    /// `to` claimed the port: its socket is bound (a standby, not an
    /// owner), `from` may move it.
    pub standby: bool,
}

/// What a snapshot holds, postcard-encoded.
#[derive(Debug, Serialize, Deserialize)]
struct SnapshotData {
    /// The configuration, if any: addresses and members.
    config: Option<(Vec<IpAddr>, Vec<MemberId>)>,
    /// The ownership database's change count.
    seq: u64,
    /// Every ownership, in key order.
    entries: Vec<(Key, MemberId)>,
    /// The members held ([`Cmd::Hold`]), in order.
    holds: Vec<MemberId>,
    /// The drains, in key order.
    drains: Vec<(Key, Drain)>,
}

/// A snapshot of protocol 4's daemons (no drains).
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct SnapshotDataV4 {
    config: Option<(Vec<IpAddr>, Vec<MemberId>)>,
    seq: u64,
    entries: Vec<(Key, MemberId)>,
    holds: Vec<MemberId>,
}

/// A snapshot of protocol 3's daemons (no holds), which a store kept
/// before the upgrade may still hold.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct SnapshotDataV3 {
    config: Option<(Vec<IpAddr>, Vec<MemberId>)>,
    seq: u64,
    entries: Vec<(Key, MemberId)>,
}

impl SnapshotData {
    /// Decodes a snapshot, of this version or of protocol 4's or 3's.
    fn decode(bytes: &[u8]) -> postcard::Result<SnapshotData> {
        postcard::from_bytes(bytes).or_else(|e| {
            if let Ok(old) = postcard::from_bytes::<SnapshotDataV4>(bytes) {
                return Ok(SnapshotData {
                    config: old.config,
                    seq: old.seq,
                    entries: old.entries,
                    holds: old.holds,
                    drains: Vec::new(),
                });
            }
            let old: SnapshotDataV3 = postcard::from_bytes(bytes).map_err(|_| e)?;
            Ok(SnapshotData {
                config: old.config,
                seq: old.seq,
                entries: old.entries,
                holds: Vec::new(),
                drains: Vec::new(),
            })
        })
    }
}

/// A snapshot as the store keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    meta: SnapshotMeta<u64, BasicNode>,
    data: Vec<u8>,
}

/// What an applied command changed, for the kernel.
fn kernel_cmd(update: &Update) -> KernelCmd {
    match update.change {
        Change::Grant { key, member } => KernelCmd::Install { key, owner: member },
        Change::Release { key } => KernelCmd::Remove { key },
    }
}

impl State {
    /// Applies `cmd`; each change of the table is sent to `kernel`.
    fn apply(&mut self, cmd: &Cmd, kernel: Option<&mpsc::UnboundedSender<KernelCmd>>) -> Reply {
        let send = |updates: &[Update]| {
            if let Some(kernel) = kernel {
                for update in updates {
                    // The daemon is stopping if no one reads: nothing to do.
                    let _ = kernel.send(kernel_cmd(update));
                }
            }
        };
        match (cmd, &mut self.own) {
            (Cmd::Configure { addrs, members }, own) => {
                let new = Ownership::new(addrs.iter().copied(), members.iter().copied());
                match own {
                    None => {
                        *own = Some(new);
                        Reply::Done { released: 0 }
                    }
                    Some(o) if o.addrs() == new.addrs() && o.members() == new.members() => {
                        Reply::Done { released: 0 }
                    }
                    Some(_) => Reply::Refused {
                        errno: libc::EINVAL,
                        owner: None,
                    },
                }
            }
            // Nothing is distributed before the configuration.
            (Cmd::Claim { key, .. }, None) => Reply::Refused {
                errno: db::Refusal::NotLead { addr: key.addr }.errno(),
                owner: None,
            },
            (Cmd::Drain { .. } | Cmd::Move { .. }, None) => Reply::Refused {
                errno: libc::ENOENT,
                owner: None,
            },
            (
                Cmd::Release { .. }
                | Cmd::ReleaseAll { .. }
                | Cmd::Hold { .. }
                | Cmd::Unhold { .. }
                | Cmd::DrainAbort { .. },
                None,
            ) => Reply::Done { released: 0 },
            // The drain's target binds: a standby, the port stays its
            // owner's until the move.
            (Cmd::Claim { member, key }, Some(own))
                if self
                    .drains
                    .get(key)
                    .is_some_and(|d| d.to == *member && own.owner(key) == Some(d.from)) =>
            {
                if let Some(d) = self.drains.get_mut(key) {
                    d.standby = true;
                }
                Reply::Granted
            }
            (Cmd::Claim { member, key }, Some(own)) => match own.claim(*member, *key) {
                Ok(Claimed::Granted(update)) => {
                    send(&[update]);
                    Reply::Granted
                }
                Ok(Claimed::AlreadyOwned { .. }) => Reply::AlreadyOwned,
                Err(refusal) => Reply::Refused {
                    errno: refusal.errno(),
                    owner: refusal.owner(),
                },
            },
            (Cmd::Release { member, key }, Some(own)) => {
                let updates: Vec<Update> = own.release(*member, *key).into_iter().collect();
                send(&updates);
                let released = updates.len();
                match self.drains.get_mut(key) {
                    // The target's socket went before the move.
                    Some(d) if d.to == *member => d.standby = false,
                    // The source's listener went: the target takes over.
                    Some(d) if d.from == *member && released > 0 => {
                        let d = *d;
                        self.drains.remove(key);
                        if d.standby {
                            send(&Self::hand_over(own, key, d.to));
                        }
                    }
                    _ => {}
                }
                Reply::Done { released }
            }
            (Cmd::ReleaseAll { member }, Some(own)) => {
                let updates = own.release_all(*member);
                send(&updates);
                self.holds.remove(member);
                // Drains to the member end; those from it hand the port to
                // a standby target at once.
                let ended: Vec<(Key, Drain)> = self
                    .drains
                    .iter()
                    .filter(|(_, d)| d.to == *member || d.from == *member)
                    .map(|(k, d)| (*k, *d))
                    .collect();
                for (key, d) in ended {
                    self.drains.remove(&key);
                    if d.from == *member && d.standby {
                        send(&Self::hand_over(own, &key, d.to));
                    }
                }
                Reply::Done {
                    released: updates.len(),
                }
            }
            (Cmd::Drain { key, to, wait_ms }, Some(own)) => {
                let refused = |errno| Reply::Refused { errno, owner: None };
                if key.remote.is_some() || own.check(*to, key).is_err() {
                    return refused(libc::EINVAL);
                }
                let Some(from) = own.owner(key) else {
                    return refused(libc::ENOENT);
                };
                if from == *to {
                    return refused(libc::EALREADY);
                }
                match self.drains.get(key) {
                    Some(d) if d.to == *to => Reply::Draining { from },
                    Some(_) => refused(libc::EBUSY),
                    None => {
                        self.drains.insert(
                            *key,
                            Drain {
                                from,
                                to: *to,
                                wait_ms: *wait_ms,
                                standby: false,
                            },
                        );
                        Reply::Draining { from }
                    }
                }
            }
            (
                Cmd::Move {
                    key,
                    from,
                    to,
                    pins,
                },
                Some(own),
            ) => {
                let drain = Drain {
                    from: *from,
                    to: *to,
                    wait_ms: 0,
                    standby: true,
                };
                let drained = self
                    .drains
                    .get(key)
                    .is_some_and(|d| Drain { wait_ms: 0, ..*d } == drain);
                // Proposed again after it was applied: the same answer.
                if !drained && own.owner(key) != Some(*to) {
                    return Reply::Refused {
                        errno: libc::ENOENT,
                        owner: None,
                    };
                }
                match own.move_port(*key, *from, *to, pins) {
                    Ok(updates) => {
                        send(&updates);
                        // Not a later drain of the port, on a move again.
                        if drained {
                            self.drains.remove(key);
                        }
                        Reply::Moved {
                            pins: own.connections_of(key, *from).len(),
                        }
                    }
                    Err(refusal) => Reply::Refused {
                        errno: refusal.errno(),
                        owner: refusal.owner(),
                    },
                }
            }
            (Cmd::DrainAbort { key, from, to }, Some(_)) => {
                if self
                    .drains
                    .get(key)
                    .is_some_and(|d| d.from == *from && d.to == *to)
                {
                    self.drains.remove(key);
                }
                Reply::Done { released: 0 }
            }
            (Cmd::Hold { member }, Some(own)) => {
                if own.members().contains(member) {
                    self.holds.insert(*member);
                }
                Reply::Done { released: 0 }
            }
            (Cmd::Unhold { member }, Some(_)) => {
                self.holds.remove(member);
                Reply::Done { released: 0 }
            }
        }
    }

    /// Grants the drained port `key`, which its owner gave up, to the
    /// drain's target `to` (its socket is bound).
    fn hand_over(own: &mut Ownership, key: &Key, to: MemberId) -> Vec<Update> {
        match own.claim(to, *key) {
            Ok(Claimed::Granted(update)) => vec![update],
            _ => Vec::new(),
        }
    }

    /// The whole table, as the kernel is given it.
    fn replace(&self) -> KernelCmd {
        KernelCmd::Replace {
            entries: self
                .own
                .as_ref()
                .map(|o| o.snapshot().entries)
                .unwrap_or_default(),
        }
    }

    fn data(&self) -> SnapshotData {
        let snap = self
            .own
            .as_ref()
            .map(Ownership::snapshot)
            .unwrap_or_default();
        SnapshotData {
            config: self
                .own
                .as_ref()
                .map(|o| (o.addrs().to_vec(), o.members().to_vec())),
            seq: snap.seq,
            entries: snap.entries,
            holds: self.holds.iter().copied().collect(),
            drains: self.drains.iter().map(|(k, d)| (*k, *d)).collect(),
        }
    }

    fn load(&mut self, meta: &SnapshotMeta<u64, BasicNode>, data: SnapshotData) {
        self.own = data.config.map(|(addrs, members)| {
            let mut own = Ownership::new(addrs, members);
            own.load(db::Snapshot {
                seq: data.seq,
                entries: data.entries,
            });
            own
        });
        self.holds = data.holds.into_iter().collect();
        self.drains = data.drains.into_iter().collect();
        self.last_applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
    }
}

/// Keeps `stored` as the current snapshot unless the one kept is of a
/// later log id (a build that started before an install may end after
/// it): read, compare and write in one transaction.
fn save_snapshot(db: &Database, stored: &Stored) -> Result<(), Failed> {
    let bytes = postcard::to_stdvec(stored).map_err(failed)?;
    let txn = db.begin_write().map_err(failed)?;
    {
        let mut table = txn.open_table(META).map_err(failed)?;
        let newer = match table.get(SNAPSHOT).map_err(failed)? {
            Some(kept) => {
                let kept: Stored = postcard::from_bytes(kept.value()).map_err(failed)?;
                kept.meta.last_log_id > stored.meta.last_log_id
            }
            None => false,
        };
        if !newer {
            table.insert(SNAPSHOT, bytes.as_slice()).map_err(failed)?;
        }
    }
    txn.commit().map_err(failed)
}

fn snapshot_error(verb: ErrorVerb) -> impl FnOnce(Failed) -> StorageError {
    move |e| io_error(ErrorSubject::Snapshot(None), verb, &e)
}

fn decode_data(bytes: &[u8], verb: ErrorVerb) -> Result<SnapshotData, StorageError> {
    SnapshotData::decode(bytes).map_err(|e| io_error(ErrorSubject::Snapshot(None), verb, &e))
}

/// The state and where its changes go, shared by the state machine and
/// its [`View`]s.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// The kernel's queue: every change of the table, in log order.
    kernel: Option<mpsc::UnboundedSender<KernelCmd>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic while applying: the state may be
        // half-changed, but there is no better one to go on with.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The state machine of one member.
#[derive(Debug)]
pub struct StateMachine {
    db: Arc<Database>,
    shared: Arc<Shared>,
}

/// A read-only handle on a [`StateMachine`]'s table, for the daemon.
#[derive(Debug, Clone)]
pub struct View(Arc<Shared>);

impl View {
    /// Whether the group's first [`Cmd::Configure`] was applied.
    pub fn configured(&self) -> bool {
        self.0.lock().own.is_some()
    }

    /// The keys `member` owns.
    pub fn keys_of(&self, member: MemberId) -> Vec<Key> {
        self.0
            .lock()
            .own
            .as_ref()
            .map(|o| o.keys_of(member))
            .unwrap_or_default()
    }

    /// Whether `member` owns at least one key.
    pub fn has_keys(&self, member: MemberId) -> bool {
        self.0
            .lock()
            .own
            .as_ref()
            .is_some_and(|o| !o.keys_of(member).is_empty())
    }

    /// Whether `member`'s daemon stopped to restart ([`Cmd::Hold`]).
    pub fn is_held(&self, member: MemberId) -> bool {
        self.0.lock().holds.contains(&member)
    }

    /// The drains, in key order.
    pub fn drains(&self) -> Vec<(Key, Drain)> {
        self.0.lock().drains.iter().map(|(k, d)| (*k, *d)).collect()
    }

    /// The owner of `key` (exactly that key).
    pub fn owner(&self, key: &Key) -> Option<MemberId> {
        self.0.lock().own.as_ref()?.owner(key)
    }

    /// The connections on the port of `key` that `member` owns.
    pub fn connections_of(&self, key: &Key, member: MemberId) -> Vec<Key> {
        self.0
            .lock()
            .own
            .as_ref()
            .map(|o| o.connections_of(key, member))
            .unwrap_or_default()
    }

    /// Puts `keys` in the kernel back as the table has them (an
    /// [`KernelCmd::Install`] of each owned key, a [`KernelCmd::Remove`]
    /// of the others), under the state's lock: no change applied
    /// meanwhile comes before. Nothing while the kernel is fenced. False
    /// if the kernel queue is closed.
    pub fn restore(&self, keys: &[Key]) -> bool {
        let state = self.0.lock();
        let Some(kernel) = self.0.kernel.as_ref().filter(|_| state.kernel_on) else {
            return true;
        };
        keys.iter().all(|&key| {
            let cmd = match state.own.as_ref().and_then(|o| o.owner(&key)) {
                Some(owner) => KernelCmd::Install { key, owner },
                None => KernelCmd::Remove { key },
            };
            kernel.send(cmd).is_ok()
        })
    }

    /// Sends the kernel the whole table ([`KernelCmd::Replace`]), then
    /// every change as it is applied: none is applied between the read and
    /// the send. False if there is no kernel queue or it is closed.
    pub fn send_replace(&self) -> bool {
        let mut state = self.0.lock();
        state.kernel_on = true;
        let replace = state.replace();
        self.0
            .kernel
            .as_ref()
            .is_some_and(|k| k.send(replace).is_ok())
    }

    /// Fences `member`'s kernel: sends it a [`KernelCmd::Remove`] of each
    /// key `member` owns, then nothing more until the next
    /// [`View::send_replace`] (no change applied meanwhile can put one
    /// back). The number of keys, or None if there is no kernel queue or
    /// it is closed.
    pub fn fence(&self, member: MemberId) -> Option<usize> {
        let mut state = self.0.lock();
        state.kernel_on = false;
        let mine = state
            .own
            .as_ref()
            .map(|o| o.keys_of(member))
            .unwrap_or_default();
        let kernel = self.0.kernel.as_ref()?;
        for &key in &mine {
            kernel.send(KernelCmd::Remove { key }).ok()?;
        }
        Some(mine.len())
    }

    /// The index of the last applied entry.
    pub fn last_applied(&self) -> Option<u64> {
        self.0.lock().last_applied.map(|id| id.index)
    }
}

impl StateMachine {
    /// The state machine kept in `db` (from [`super::store::open`]), as of
    /// its last snapshot, that tells no kernel.
    #[cfg(test)]
    pub fn new(db: Arc<Database>) -> Result<StateMachine, StorageError> {
        StateMachine::open(db, None)
    }

    /// The state machine kept in `db`, as of its last snapshot, that
    /// sends every change of the table to `kernel` in log order: a
    /// [`KernelCmd::Install`] or [`KernelCmd::Remove`] per applied change,
    /// a [`KernelCmd::Replace`] per installed snapshot.
    pub fn with_kernel(
        db: Arc<Database>,
        kernel: mpsc::UnboundedSender<KernelCmd>,
    ) -> Result<StateMachine, StorageError> {
        StateMachine::open(db, Some(kernel))
    }

    fn open(
        db: Arc<Database>,
        kernel: Option<mpsc::UnboundedSender<KernelCmd>>,
    ) -> Result<StateMachine, StorageError> {
        let mut state = State::default();
        let stored: Option<Stored> = read_meta(&db, SNAPSHOT)
            .map_err(|e| io_error(ErrorSubject::Snapshot(None), ErrorVerb::Read, &e))?;
        if let Some(stored) = stored {
            let data = decode_data(&stored.data, ErrorVerb::Read)?;
            state.load(&stored.meta, data);
        }
        Ok(StateMachine {
            db,
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                kernel,
            }),
        })
    }

    /// A handle on the table.
    pub fn view(&self) -> View {
        View(Arc::clone(&self.shared))
    }

    /// The member that owns what a packet to `addr`:`port` over `proto`
    /// from `remote` is for, as of the last applied entry (see
    /// [`db::Ownership::owner_of`]).
    #[cfg(test)]
    pub fn owner_of(
        &self,
        addr: IpAddr,
        proto: db::Proto,
        port: u16,
        remote: Option<(IpAddr, u16)>,
    ) -> Option<MemberId> {
        self.shared
            .lock()
            .own
            .as_ref()?
            .owner_of(addr, proto, port, remote)
    }
}

/// Builds a snapshot of the state as it was when asked for.
#[derive(Debug)]
pub struct Builder {
    db: Arc<Database>,
    state: State,
}

impl RaftSnapshotBuilder<TypeConfig> for Builder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let last = self.state.last_applied;
        let meta = SnapshotMeta {
            last_log_id: last,
            last_membership: self.state.membership.clone(),
            snapshot_id: match last {
                Some(id) => format!("{}-{}", id.leader_id, id.index),
                None => "empty".to_string(),
            },
        };
        let data = self.state.data();
        let stored = blocking(&self.db, move |db| {
            let stored = Stored {
                meta,
                data: postcard::to_stdvec(&data).map_err(failed)?,
            };
            save_snapshot(db, &stored)?;
            Ok(stored)
        })
        .await
        .map_err(snapshot_error(ErrorVerb::Write))?;
        Ok(Snapshot {
            meta: stored.meta,
            snapshot: Box::new(Cursor::new(stored.data)),
        })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = Builder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId>, StoredMembership<u64, BasicNode>), StorageError> {
        let state = self.shared.lock();
        Ok((state.last_applied, state.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Reply>, StorageError>
    where
        I: IntoIterator<Item = Entry<TypeConfig>> + Send,
        I::IntoIter: Send,
    {
        let mut replies = Vec::new();
        let mut state = self.shared.lock();
        let kernel = self.shared.kernel.as_ref().filter(|_| state.kernel_on);
        for entry in entries {
            state.last_applied = Some(entry.log_id);
            replies.push(match entry.payload {
                EntryPayload::Blank => Reply::Done { released: 0 },
                EntryPayload::Normal(cmd) => state.apply(&cmd, kernel),
                EntryPayload::Membership(m) => {
                    state.membership = StoredMembership::new(Some(entry.log_id), m);
                    Reply::Done { released: 0 }
                }
            });
        }
        Ok(replies)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        Builder {
            db: Arc::clone(&self.db),
            state: self.shared.lock().clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let stored = Stored {
            meta: meta.clone(),
            data: snapshot.into_inner(),
        };
        let data = blocking(&self.db, move |db| {
            let data = SnapshotData::decode(&stored.data).map_err(failed)?;
            save_snapshot(db, &stored)?;
            Ok(data)
        })
        .await
        .map_err(snapshot_error(ErrorVerb::Write))?;
        let mut state = self.shared.lock();
        state.load(meta, data);
        if let Some(kernel) = self.shared.kernel.as_ref().filter(|_| state.kernel_on) {
            let replace = state.replace();
            let _ = kernel.send(replace);
        }
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let stored: Option<Stored> = blocking(&self.db, |db| read_meta(db, SNAPSHOT))
            .await
            .map_err(snapshot_error(ErrorVerb::Read))?;
        Ok(stored.map(|s| Snapshot {
            meta: s.meta,
            snapshot: Box::new(Cursor::new(s.data)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_keep_holds_and_those_of_protocol_3_load() {
        let a = IpAddr::from([10, 0, 0, 1]);
        let config = Some((vec![a], vec![MemberId(1), MemberId(2)]));
        let entries = vec![(Key::bound(a, db::Proto::Tcp, 80), MemberId(2))];
        let v4 = SnapshotData {
            config: config.clone(),
            seq: 7,
            entries: entries.clone(),
            holds: vec![MemberId(2)],
            drains: Vec::new(),
        };
        let back = SnapshotData::decode(&postcard::to_stdvec(&v4).expect("encode")).expect("v4");
        assert_eq!(back.holds, [MemberId(2)]);
        assert_eq!(back.entries, entries);
        let v3 = postcard::to_stdvec(&SnapshotDataV3 {
            config: config.clone(),
            seq: 7,
            entries: entries.clone(),
        })
        .expect("encode");
        let back = SnapshotData::decode(&v3).expect("v3");
        assert_eq!((back.config, back.seq, back.entries), (config, 7, entries));
        assert!(back.holds.is_empty());
        assert!(SnapshotData::decode(&[0xff, 0xff]).is_err());
    }
}
