// SPDX-License-Identifier: GPL-2.0-only
//! The ownership-sync daemon of a distributed IP host: a member of a Raft
//! group (openraft) whose state machine is the ownership database
//! ([`crate::raft`]), on tokio.
//!
//! One daemon runs next to each member's kernel. It talks to its kernel
//! only through two channels ([`KernelEvent`] in, [`KernelCmd`] out), so it
//! runs and is tested without a kernel; the generic netlink side is a
//! separate task that owns the other ends. It talks to the other members'
//! daemons over TCP with wire protocol 5 ([`crate::raft::net`]): every
//! daemon listens, and connects to every other.
//!
//! # The replicated table
//!
//! Every change of the ownerships is a Raft proposal ([`crate::raft::Cmd`]),
//! applied by every member's state machine in log order; each applied
//! change goes to that member's kernel ([`KernelCmd::Install`],
//! [`KernelCmd::Remove`]), an installed snapshot as a
//! [`KernelCmd::Replace`]. The member with the smallest id initializes the
//! group the first time (its store is empty); whoever leads proposes the
//! configuration (addresses and members) once per term.
//!
//! # Claims
//!
//! A daemon proposes its kernel's [`KernelEvent::Claim`]s and
//! [`KernelEvent::Release`]s one at a time, in order, to the Raft leader
//! (itself, or over a `Propose` RPC), and relays the answer as
//! [`KernelCmd::Answer`]: 0 if granted, the kernel's copy showing the
//! grant by then (a daemon answers once its own state machine applied the
//! entry), else the errno of the refusal (`EADDRINUSE` for a key another
//! member owns, see [`db::Refusal::errno`]; a drain's target is granted
//! its port as a standby, which its kernel does not show as its own until
//! the move, see Drains below). A daemon never decides a claim
//! itself:
//! - until it is in sync (it knows a leader and applied the log it
//!   received, the group being configured) it answers `EHOSTUNREACH` at
//!   once;
//! - a claim not applied within [`Timing::claim_timeout`] is answered
//!   `ETIMEDOUT` if this daemon is in contact with a quorum by then (it
//!   follows a known leader, or leads with a quorum's acknowledgement
//!   younger than the election timeout's end), else `EHOSTUNREACH`;
//! - beyond [`MAX_PENDING_CLAIMS`] proposals in flight, `ENOBUFS`;
//! - a key that is not valid ([`db::Key::is_valid`]) is answered `EINVAL`.
//!
//! Every [`Timing::lease`], an in-sync daemon compares the table with what
//! its kernel holds: a key its kernel holds that the table does not show
//! as its own (its lease ran out) is claimed again; a key the table shows
//! as its own that its kernel does not hold (a grant that came after its
//! claim timed out) and a release that could not be proposed are
//! released.
//!
//! # Member loss
//!
//! The leader's daemon records when each member last answered one of its
//! requests (openraft's heartbeats included, every [`Timing::heartbeat`]).
//! A member that answered none sent in the last [`Timing::lease`] loses
//! its keys: the leader proposes [`crate::raft::Cmd::ReleaseAll`], and
//! again every lease while the member stays silent and has keys (a new
//! leader counts from its election). Hence
//! [`MEMBER_LOSS_BOUND_MS`].
//!
//! # Fencing
//!
//! A member that accepts no append from a leader (nor, while it leads,
//! gets a quorum's acknowledgement) for [`Timing::fence`] fences itself
//! before the leader can give its ports away: it removes its own exact
//! entries from its kernel (its slice stays), so its sockets on them no
//! longer get packets from the network, and refuses claims with
//! `EHOSTUNREACH`. Answers to its own vote requests do not count (a
//! member cut off from the leader alone still hears the others' refusals);
//! in a group of three, a candidate's vote request does (the candidate and
//! this member make a majority). In contact again, it
//! proposes a barrier (the configuration again) through the leader; once
//! that is applied here, so is every release committed before it, and it
//! loads the whole table into its kernel: the ports given away meanwhile
//! show their new owner, and its sockets on them stay deaf. Not covered: a
//! member that still gets appends while its answers are lost (one-way
//! loss), and, in a group of five or more, the followers of a former
//! leader cut off with them in a minority; they apply the release from the
//! log when they hear the group again.
//!
//! # The lead
//!
//! The Raft leader is the addresses' lead: each daemon sets its kernel's
//! lead ([`KernelCmd::Lead`]) to itself while it leads the group with a
//! quorum's acknowledgement younger than [`Timing::stepdown`], to the
//! leader it follows, or to none (lead 0) when it knows none, when it
//! starts and when it stops (it waits for its kernel to take that). A
//! kernel that becomes the lead announces itself. A leader cut off from
//! its quorum stands down before the others can elect a new one: openraft's
//! voters refuse votes for the election timeout's end after the last
//! heartbeat they heard, and [`Timing::stepdown`] is two heartbeats less.
//!
//! # Ephemeral ports
//!
//! Each daemon sends its kernel [`KernelCmd::Slices`] when it starts. The
//! slices derive from the member ids alone ([`db::ephemeral_range`] over
//! the sorted ids), the same list on every member.
//!
//! # Drains
//!
//! A local request ([`KernelEvent::Drain`], from `vrctl dhost drain`
//! through the control socket) moves a port key from its owner A to
//! another member B without breaking A's connections: the group records
//! the drain ([`crate::raft::Cmd::Drain`]); B's claim of the port is then
//! granted as a standby (B's kernel still shows A); A's daemon has its
//! kernel pin the connections on the port to A and turn new ones away
//! ([`KernelCmd::Quiesce`]), then proposes [`crate::raft::Cmd::Move`]: the
//! pins are installed, then the port as B's, on every member in log
//! order. A's sockets hold the pins (each connection's CLOSE releases its
//! pin), no longer the port. A move that fails puts A's kernel back as
//! the table has it ([`crate::raft::sm::View::restore`]) and cancels the
//! drain; the leader cancels a drain not moved within its wait and a
//! claim timeout. The request is answered ([`KernelCmd::Drained`]) once
//! the port is B's, or the drain is refused, cancelled or timed out. A
//! drain whose proposal timed out unanswered may have been applied (as
//! may one the leader answered before this member applied it): it is
//! followed in the table (answered as it ends there), and, if it does not
//! show there within its wait and a claim timeout, its cancel is proposed
//! and it is answered ETIMEDOUT (a drain applied after the cancel is
//! cancelled by the leader's wait, unless its target is bound and it
//! moves first).
//!
//! A leave ([`KernelEvent::Leave`], from `vrctl dhost leave`) is a drain
//! of every port its member owns, to one target, proposed
//! [`LEAVE_DRAINS_IN_FLIGHT`] at a time (a drain waiting for the target's
//! socket holds no turn), each waiting for what is left of the leave's
//! wait; it is answered ([`KernelCmd::Left`]) once each of them ended.
//!
//! # Restarts
//!
//! A daemon that stops on purpose (the `shutdown` future) proposes a
//! hold of its member ([`crate::raft::Cmd::Hold`]) and waits for it a
//! while: the leader then skips that member's lease for
//! [`Timing::restart_grace`], counted from when it saw the hold. A daemon
//! that starts is told the keys its kernel's sockets hold
//! ([`KernelEvent::Held`], from a socket dump, those its kernel's copy
//! shows as its own: a socket bound before its address became
//! distributed claimed nothing); once in sync it ends its
//! hold, and its sweep claims again those the table no longer shows as its
//! own and releases those it shows without a socket.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::db::{self, Key, MemberId};
use crate::args::NAME_MAX;

mod node;
#[cfg(test)]
mod tests;

/// The default Raft heartbeat interval, in ms.
pub const HEARTBEAT_MS: u64 = 50;

/// The default election timeout range, in ms (openraft's defaults).
pub const ELECTION_MS: (u64, u64) = (150, 300);

/// The default member lease, in ms: a member that answered none of the
/// leader's requests sent in the last lease loses its keys.
pub const LEASE_MS: u64 = 1000;

/// The longest a lost member's keys stay owned, in ms, with the default
/// [`Timing`]: the lease counts from the send time of the last request
/// the member answered, and the leader checks every heartbeat; the
/// release is then one commit away (the other members' kernels get the
/// `Remove` as they apply it).
#[cfg_attr(not(test), allow(dead_code))]
pub const MEMBER_LOSS_BOUND_MS: u64 = LEASE_MS + HEARTBEAT_MS;

/// How long, by default, the leader keeps the keys of a member whose
/// daemon stopped to restart ([`crate::raft::Cmd::Hold`]), in ms.
pub const RESTART_GRACE_MS: u64 = 10_000;

/// How long a stopping daemon waits for its hold to be applied.
const HOLD_WAIT: Duration = Duration::from_secs(1);

/// How long a claim may take by default, in ms (the kernel waits 5 s).
pub const CLAIM_TIMEOUT_MS: u64 = 2000;

/// The most claims a member has in flight; its kernel's claims beyond are
/// answered `ENOBUFS`.
pub const MAX_PENDING_CLAIMS: usize = 16384;

/// The drains of a leave proposed and not applied yet, at most: the others
/// wait their turn, so that none waits in the proposer's queue past its
/// claim timeout.
pub const LEAVE_DRAINS_IN_FLIGHT: usize = 32;

/// From the kernel to the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelEvent {
    /// A local socket wants `key` (bind, listen or connect on a
    /// distributed address). Answered with [`KernelCmd::Answer`] with the
    /// same `cookie`.
    Claim { cookie: u32, key: Key },
    /// The last local socket using `key` is gone.
    Release { key: Key },
    /// The keys the kernel's sockets held when the daemon started (from
    /// a socket dump, those the kernel's copy showed as this member's):
    /// the daemon's predecessor claimed them.
    Held { keys: Vec<Key> },
    /// A local request (`vrctl dhost drain`, through the control socket)
    /// to move the port `key` to member `to`, waiting `wait_ms` at most;
    /// answered with [`KernelCmd::Drained`] with the same `id`.
    Drain {
        id: u32,
        key: Key,
        to: MemberId,
        wait_ms: u32,
    },
    /// A local request (`vrctl dhost leave`, through the control socket)
    /// to drain every port this member owns to member `to`, each waiting
    /// `wait_ms` at most; answered with [`KernelCmd::Left`] with the same
    /// `id` once every drain ended.
    Leave { id: u32, to: MemberId, wait_ms: u32 },
    /// The answer to [`KernelCmd::Quiesce`]: the connections on the port
    /// now pinned to this member in its kernel; None if the kernel's
    /// sockets could not be listed (nothing was changed).
    Quiesced { key: Key, pins: Option<Vec<Key>> },
}

/// How a drain asked with [`KernelEvent::Drain`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainResult {
    /// The port is `to`'s; `pins` connections stay with `from`.
    Moved { from: MemberId, pins: usize },
    /// Not moved: a positive errno and why.
    Failed { errno: i32, why: String },
}

/// How a leave asked with [`KernelEvent::Leave`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaveResult {
    /// Every port this member owned is `to`'s; `pins` connections stay
    /// with this member until they close.
    Left { ports: usize, pins: usize },
    /// Not every port moved: a positive errno and why (the ports that did
    /// move stay moved).
    Failed { errno: i32, why: String },
}

/// From the daemon to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelCmd {
    /// The answer to the claim `cookie`: 0 if granted, else a positive
    /// errno for the socket call.
    Answer { cookie: u32, errno: i32 },
    /// Program the kernel's copy of the database: `owner` owns `key`.
    Install { key: Key, owner: MemberId },
    /// No one owns `key` any more.
    Remove { key: Key },
    /// Replace the kernel's whole copy (a snapshot: at a lead's start, and
    /// each time a member loads one: on each new link, after a gap).
    Replace { entries: Vec<(Key, MemberId)> },
    /// The ephemeral ports: `own` is this member's slice (the range to set
    /// as `ip_local_port_range`), `all` every member's slice in member id
    /// order (its own included), so the kernel can route return traffic to
    /// a port in a slice to that slice's member.
    Slices {
        own: RangeInclusive<u16>,
        all: Vec<(MemberId, RangeInclusive<u16>)>,
    },
    /// The lead of every distributed address (`dhost-set ... lead`): this
    /// member when its daemon leads the group with a quorum's contact
    /// (its kernel then announces itself), the group's leader as this
    /// daemon knows it, or None (lead 0) when it knows none or stood down.
    Lead(Option<MemberId>),
    /// Done once every command before it is: the daemon waits for it
    /// before it exits, so its kernel stands down first.
    Sync(Ack),
    /// `key`, which the kernel's sockets hold, was claimed again and
    /// refused (another member owns it now): the next local bind of it
    /// must be claimed from the group, not granted because sockets hold
    /// it.
    Forget { key: Key },
    /// This member's port `key` is being drained to `to`, whose socket is
    /// bound: pin the connections on it to this member in this kernel
    /// (connection entries), then (TCP) give the port to `to` in this
    /// kernel only, so that new connections are no longer accepted here,
    /// then pin the connections that came meanwhile. Answered with
    /// [`KernelEvent::Quiesced`].
    Quiesce { key: Key, to: MemberId },
    /// The answer to the local request [`KernelEvent::Drain`] `id`.
    Drained { id: u32, result: DrainResult },
    /// The answer to the local request [`KernelEvent::Leave`] `id`.
    Left { id: u32, result: LeaveResult },
    /// Release (as [`KernelEvent::Release`]) the pins of connections
    /// that have no socket any more (never accepted, or whose CLOSE was
    /// lost), missing from this dump and the one before (a dump is not
    /// atomic).
    CheckPins,
}

/// The kernel side's acknowledgement of a [`KernelCmd::Sync`].
#[derive(Debug, Clone, Default)]
pub struct Ack(std::sync::Arc<tokio::sync::Notify>);

impl Ack {
    /// Tells the waiter.
    pub fn done(&self) {
        self.0.notify_one();
    }

    /// Waits for [`Ack::done`].
    async fn wait(&self) {
        self.0.notified().await;
    }
}

impl PartialEq for Ack {
    fn eq(&self, other: &Ack) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Ack {}

/// The daemon's timers. [`Timing::default`] uses [`HEARTBEAT_MS`],
/// [`ELECTION_MS`], [`LEASE_MS`] and [`CLAIM_TIMEOUT_MS`]; tests shorten
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// How often the Raft leader sends its heartbeat.
    pub heartbeat: Duration,
    /// A follower that hears no leader for a random time in this range
    /// (after openraft's leader lease, the range's end) starts an election.
    pub election: (Duration, Duration),
    /// How long a member may answer none of the leader's requests before
    /// its keys are released.
    pub lease: Duration,
    /// How long a claim may take before it is answered `ETIMEDOUT` (or
    /// `EHOSTUNREACH` without a leader).
    pub claim_timeout: Duration,
    /// How long the leader keeps the keys of a silent member whose daemon
    /// stopped to restart (it proposed a hold); 0: a stopping daemon
    /// proposes none.
    pub restart_grace: Duration,
}

impl Timing {
    /// How long a leader may go without a quorum's acknowledgement before
    /// its kernel stops acting as the lead: the election timeout's end
    /// less two heartbeats, so it stands down before another member can
    /// be elected (openraft's voters refuse votes for the election
    /// timeout's end after a leader's last heartbeat).
    pub fn stepdown(&self) -> Duration {
        self.election.1.saturating_sub(2 * self.heartbeat)
    }

    /// How long a member may go without a leader's append (or, leading,
    /// a quorum's acknowledgement) before it fences itself (its kernel
    /// stops delivering its own ports): the lease less four heartbeats, so
    /// it is fenced before the leader gives its ports away, a lease after
    /// the send time of the member's last answer (the append it accepted
    /// last may be one heartbeat younger, its answer lost).
    pub fn fence(&self) -> Duration {
        self.lease.saturating_sub(4 * self.heartbeat)
    }
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            heartbeat: Duration::from_millis(HEARTBEAT_MS),
            election: (
                Duration::from_millis(ELECTION_MS.0),
                Duration::from_millis(ELECTION_MS.1),
            ),
            lease: Duration::from_millis(LEASE_MS),
            claim_timeout: Duration::from_millis(CLAIM_TIMEOUT_MS),
            restart_grace: Duration::from_millis(RESTART_GRACE_MS),
        }
    }
}

/// A daemon's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// This daemon's member id (1 and up).
    pub member: MemberId,
    /// The VR whose addresses are served (part of the group's id).
    pub vr: u32,
    /// This host's name, for the logs.
    pub name: String,
    /// The distributed addresses, IPv4 and IPv6; claims on others are
    /// refused (`EADDRNOTAVAIL`).
    pub addrs: Vec<IpAddr>,
    /// Every member, this one included, with the address its daemon
    /// listens on. The ephemeral slices follow the sorted ids.
    pub members: BTreeMap<MemberId, SocketAddr>,
    /// Where the Raft log, vote and snapshots are kept (`raft.redb`).
    pub state_dir: PathBuf,
    /// The timers.
    pub timing: Timing,
}

fn invalid(what: impl fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("distributed host: {what}"),
    )
}

impl Config {
    /// Checks the configuration.
    fn check(&self) -> io::Result<()> {
        let t = &self.timing;
        if self.member.0 == 0 || self.members.contains_key(&MemberId(0)) {
            return Err(invalid("member ids start at 1"));
        }
        if !self.members.contains_key(&self.member) {
            return Err(invalid(format_args!(
                "this member ({}) is not in the member list",
                self.member
            )));
        }
        if self.members.len() > db::EPHEMERAL.len() {
            return Err(invalid(format_args!(
                "{} members, more than the {} ephemeral ports to share",
                self.members.len(),
                db::EPHEMERAL.len()
            )));
        }
        if self.name.len() > NAME_MAX {
            return Err(invalid(format_args!(
                "host name of {} bytes, longer than {NAME_MAX}",
                self.name.len()
            )));
        }
        if t.stepdown() < 2 * t.heartbeat {
            return Err(invalid(
                "the stand-down time (the election timeout's end less two heartbeats) \
                 must be at least two heartbeats",
            ));
        }
        if t.heartbeat.is_zero() || t.claim_timeout.is_zero() {
            return Err(invalid("the heartbeat and claim timeout must not be 0"));
        }
        if !(t.heartbeat < t.election.0 && t.election.0 < t.election.1 && t.election.1 < t.lease) {
            return Err(invalid(format_args!(
                "timers must be heartbeat < election min < election max < lease \
                 (here {} < {} < {} < {} ms)",
                t.heartbeat.as_millis(),
                t.election.0.as_millis(),
                t.election.1.as_millis(),
                t.lease.as_millis()
            )));
        }
        // A follower hears the candidates' vote requests at the latest
        // the election timeout's end (openraft's leader lease) plus an
        // election timeout after the last heartbeat.
        if t.fence() < 2 * t.election.1 + t.heartbeat {
            return Err(invalid(format_args!(
                "the fence time (the lease less four heartbeats, {} ms) must be at least \
                 twice the election timeout's end plus a heartbeat ({} ms): members would \
                 fence themselves during elections",
                t.fence().as_millis(),
                (2 * t.election.1 + t.heartbeat).as_millis()
            )));
        }
        if self.addrs.is_empty() {
            return Err(invalid("no distributed address"));
        }
        Ok(())
    }

    /// The member ids, sorted.
    fn ids(&self) -> Vec<MemberId> {
        self.members.keys().copied().collect()
    }

    /// The [`KernelCmd::Slices`] of this member.
    fn slices(&self) -> io::Result<KernelCmd> {
        let all = slices(&self.ids());
        let own = all
            .iter()
            .find(|(m, _)| *m == self.member)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| invalid(format_args!("{} has no ephemeral slice", self.member)))?;
        Ok(KernelCmd::Slices { own, all })
    }

    /// The group's id: FNV-1a (64 bits) of the VR, the members with their
    /// addresses and the distributed addresses, so that daemons configured
    /// differently do not talk (their `Hello` is refused).
    fn cluster(&self) -> u64 {
        let mut text = format!("vr {}", self.vr);
        for (m, addr) in &self.members {
            text.push_str(&format!(" {m}={addr}"));
        }
        let mut addrs = self.addrs.clone();
        addrs.sort_unstable();
        for a in addrs {
            text.push_str(&format!(" {a}"));
        }
        text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

/// Every member's ephemeral slice, in member id order (members without
/// one left out); `sorted` has no duplicates.
fn slices(sorted: &[MemberId]) -> Vec<(MemberId, RangeInclusive<u16>)> {
    sorted
        .iter()
        .enumerate()
        .filter_map(|(i, &m)| Some((m, db::ephemeral_range(i, sorted.len())?)))
        .collect()
}

/// The error a daemon stops with when its kernel side is gone.
fn kernel_gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "distributed host: the kernel side of the daemon is gone",
    )
}

/// Logs a line on stderr, prefixed with the daemon's member id.
fn log(me: MemberId, what: fmt::Arguments<'_>) {
    eprintln!("dhost {me}: {what}");
}

/// Runs the daemon of `cfg.member`, serving the other daemons on
/// `listener`, until `shutdown` completes (then `Ok`), or its kernel side
/// closes a channel, or the configuration is invalid, or its store cannot
/// be opened (then `Err`). Network errors are logged and never end the
/// daemon.
///
/// `events` and `cmds` are the kernel's ends.
pub async fn run(
    cfg: Config,
    listener: TcpListener,
    events: mpsc::Receiver<KernelEvent>,
    cmds: mpsc::UnboundedSender<KernelCmd>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    cfg.check()?;
    node::run(cfg, listener, events, cmds, shutdown).await
}
