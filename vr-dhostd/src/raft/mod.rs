// SPDX-License-Identifier: GPL-2.0-only
//! The ownership database as the state machine of a Raft group (design:
//! `design/dhost-raft.md`, 3.4): what a proposal is and what it answers,
//! the state machine ([`sm`]) and the log store ([`store`]) each member's
//! daemon gives `openraft`.
//!
//! The daemon's node ([`crate::daemon`]) runs on them; they are also
//! tested on their own (openraft's storage test suite and the tests
//! below).

pub mod net;
pub mod sm;
pub mod store;
#[cfg(test)]
mod tests;

use std::io::Cursor;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::db::{Key, MemberId};

/// A proposal: one change of the ownership database, applied by every
/// member in log order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmd {
    /// The distributed addresses and the members. The first proposal of a
    /// group; a later one must name the same (a reconfiguration is a new
    /// group), else it is refused with `EINVAL` and changes nothing.
    Configure {
        addrs: Vec<IpAddr>,
        members: Vec<MemberId>,
    },
    /// `member` asks to own `key` (a bind, a listen, a connection).
    Claim { member: MemberId, key: Key },
    /// `member` gives `key` up; nothing if it does not own it.
    Release { member: MemberId, key: Key },
    /// Every key of `member` is released (its lease ran out, or its kernel
    /// lost its sockets); a hold of it ends.
    ReleaseAll { member: MemberId },
    /// `member`'s daemon stops to restart: the leader does not release its
    /// keys when it goes silent, for the restart grace (the leader's
    /// `restart-grace`) at most. Nothing if `member` is not configured.
    Hold { member: MemberId },
    /// `member`'s daemon is back (or its keys were released): its lease
    /// counts again.
    Unhold { member: MemberId },
    /// Starts moving the port `key` from its owner to `to` (`vrctl dhost
    /// drain`): `to`'s claim of it is then granted as a standby (its
    /// socket binds; the port stays the owner's), and the owner answers
    /// with a [`Cmd::Move`]. The leader cancels a drain not moved within
    /// `wait_ms`. Refused `EINVAL` for a connection key, an unknown member
    /// or address, `ENOENT` if no one owns the port, `EALREADY` if `to`
    /// does, `EBUSY` if it is draining to another member.
    Drain {
        key: Key,
        to: MemberId,
        wait_ms: u32,
    },
    /// The drain of `key` from `from` to `to`, whose standby is bound:
    /// `pins` (connections on the port) become `from`'s, then the port
    /// `to`'s, in one entry; the drain ends. Again after it was applied:
    /// nothing changes, the same reply.
    Move {
        key: Key,
        from: MemberId,
        to: MemberId,
        pins: Vec<Key>,
    },
    /// Cancels the drain of `key` from `from` to `to`, if it is still
    /// going (not a later drain of the same port).
    DrainAbort {
        key: Key,
        from: MemberId,
        to: MemberId,
    },
}

/// What a proposal gave, once applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// The claim made the claimer the owner.
    Granted,
    /// The claimer already owned the key.
    AlreadyOwned,
    /// The claim or the configuration was refused: the positive errno
    /// the claimer's kernel returns, and the owner for `EADDRINUSE`.
    Refused { errno: i32, owner: Option<MemberId> },
    /// A configuration, release, hold, drain or membership change: how
    /// many ownerships it removed.
    Done { released: usize },
    /// A [`Cmd::Drain`] was applied (or was already going): the port's
    /// owner, which moves it.
    Draining { from: MemberId },
    /// A [`Cmd::Move`] was applied: `pins` connections stay with the old
    /// owner.
    Moved { pins: usize },
}

openraft::declare_raft_types!(
    /// The Raft types of the ownership group: node ids are member ids,
    /// nodes are the daemons' addresses (`BasicNode`).
    pub TypeConfig:
        D = Cmd,
        R = Reply,
);

/// The storage error of this group's node ids.
pub type StorageError = openraft::StorageError<u64>;
/// A log id of this group.
pub type LogId = openraft::LogId<u64>;

/// An error of the storage layer as openraft takes it: `what` failed
/// because of `err`.
fn io_error(
    subject: openraft::ErrorSubject<u64>,
    verb: openraft::ErrorVerb,
    err: &(impl std::error::Error + 'static),
) -> StorageError {
    openraft::StorageIOError::new(subject, verb, openraft::AnyError::new(err)).into()
}
