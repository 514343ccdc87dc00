// SPDX-License-Identifier: GPL-2.0-only
//! The daemon as a Raft node: its store, its state machine, the server
//! of the other daemons' RPCs, the proposer, and the main loop that turns
//! the kernel's events into proposals and watches the members' leases.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use openraft::{BasicNode, Raft, RaftMetrics, ServerState, SnapshotPolicy};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::{self, Instant, MissedTickBehavior};

use super::{
    kernel_gone, log, Config, DrainResult, KernelCmd, KernelEvent, LeaveResult, HOLD_WAIT,
    LEAVE_DRAINS_IN_FLIGHT, MAX_PENDING_CLAIMS,
};
use crate::db::{Key, MemberId};
use crate::raft::net::{self, Acks, Peer, ProposeError};
use crate::raft::sm::{StateMachine, View};
use crate::raft::store::{self, LogStore};
use crate::raft::{Cmd, Reply, TypeConfig};

/// The errnos the kernel takes in a claim answer (`claim-answer` refuses
/// any other: see the `errno` attribute in
/// Documentation/netlink/specs/vr.yaml).
const CLAIM_ERRNOS: [i32; 10] = [
    libc::EADDRINUSE,
    libc::EADDRNOTAVAIL,
    libc::EACCES,
    libc::EPERM,
    libc::EINVAL,
    libc::ENOBUFS,
    libc::ENOMEM,
    libc::EHOSTUNREACH,
    libc::ETIMEDOUT,
    libc::ENOTCONN,
];

/// The errno a bind fails with when its claim is refused with `errno`:
/// that one if the kernel takes it, else `EHOSTUNREACH`, as for a group
/// whose answers cannot be used. Never 0: a refusal never reads as a
/// grant.
fn refusal_errno(errno: i32) -> i32 {
    if CLAIM_ERRNOS.contains(&errno) {
        errno
    } else {
        libc::EHOSTUNREACH
    }
}

fn storage_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("distributed host: Raft store: {e}"))
}

/// A proposal for the proposer task.
struct Job {
    id: u64,
    cmd: Cmd,
    /// Only this daemon may propose it, while it leads (a release for a
    /// lease this daemon measured): never forwarded to another leader.
    leader_only: bool,
    /// Not sent after this; its outcome is known by then.
    deadline: Instant,
}

/// What became of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Applied by the group and by this member's state machine.
    Applied(Reply),
    /// No leader known until the deadline.
    NoLeader,
    /// A leader was known, but the proposal was not sent by the deadline
    /// (it waited its turn, or for a leader): it will not be applied.
    NotSent,
    /// Sent, but not answered by the deadline: it may have been applied,
    /// or may still be.
    Timeout,
    /// The leader applied it and answered this, but this member had not
    /// applied it yet by the deadline.
    AppliedThere(Reply),
    /// The Raft node stopped.
    Failed(String),
}

/// What the proposer does after one try.
enum Step {
    Done(Outcome),
    Retry,
}

/// Proposes the jobs one at a time, in order, to the leader of the moment.
struct Proposer {
    raft: Raft<TypeConfig>,
    me: u64,
    cluster: u64,
    addrs: BTreeMap<u64, String>,
    retry: Duration,
    acks: Acks,
    /// A client of the leader, kept between proposals.
    peer: Option<(u64, Peer)>,
}

impl Proposer {
    async fn run(
        mut self,
        mut jobs: mpsc::UnboundedReceiver<Job>,
        done: mpsc::UnboundedSender<(u64, Outcome)>,
    ) {
        while let Some(job) = jobs.recv().await {
            let outcome = self.propose(&job).await;
            if done.send((job.id, outcome)).is_err() {
                return;
            }
        }
    }

    async fn propose(&mut self, job: &Job) -> Outcome {
        let (cmd, deadline) = (&job.cmd, job.deadline);
        let mut metrics = self.raft.metrics();
        let mut sent = false;
        loop {
            let leader = metrics.borrow_and_update().current_leader;
            if job.leader_only && leader != Some(self.me) {
                return Outcome::Failed("this daemon no longer leads".into());
            }
            if Instant::now() >= deadline {
                return match leader {
                    // Sent to a leader since lost: it may be applied.
                    _ if sent => Outcome::Timeout,
                    Some(_) => Outcome::NotSent,
                    None => Outcome::NoLeader,
                };
            }
            let step = match leader {
                None => {
                    // Until a leader is known, or the deadline.
                    if let Ok(Err(_)) = time::timeout_at(deadline, metrics.changed()).await {
                        return Outcome::Failed("the Raft node stopped".into());
                    }
                    continue;
                }
                Some(l) => {
                    sent = true;
                    if l == self.me {
                        self.write_here(cmd, job.leader_only, deadline).await
                    } else {
                        self.write_at(l, cmd, deadline).await
                    }
                }
            };
            match step {
                Step::Done(outcome) => return outcome,
                Step::Retry => {
                    let _ = time::timeout_at(deadline, time::sleep(self.retry)).await;
                }
            }
        }
    }

    /// As the leader.
    async fn write_here(&self, cmd: &Cmd, leader_only: bool, deadline: Instant) -> Step {
        match time::timeout_at(deadline, self.raft.client_write(cmd.clone())).await {
            Err(_) => Step::Done(Outcome::Timeout),
            Ok(Ok(written)) => Step::Done(Outcome::Applied(written.data)),
            Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(_)))) if leader_only => {
                Step::Done(Outcome::Failed("this daemon no longer leads".into()))
            }
            Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(_)))) => Step::Retry,
            Ok(Err(e)) => Step::Done(Outcome::Failed(e.to_string())),
        }
    }

    /// Through `leader`'s daemon; then until this member applied it.
    async fn write_at(&mut self, leader: u64, cmd: &Cmd, deadline: Instant) -> Step {
        let Some(addr) = self.addrs.get(&leader) else {
            return Step::Retry;
        };
        let mut peer = match self.peer.take() {
            Some((id, peer)) if id == leader => peer,
            _ => Peer::new(
                self.me,
                self.cluster,
                leader,
                addr.clone(),
                self.retry,
                self.acks.clone(),
            ),
        };
        let ttl = deadline.saturating_duration_since(Instant::now());
        let index = match peer.propose(cmd, ttl).await {
            Ok(Ok((index, reply))) => {
                self.peer = Some((leader, peer));
                (index, reply)
            }
            Ok(Err(ProposeError::NotLeader { .. } | ProposeError::Failed(_))) => {
                self.peer = Some((leader, peer));
                return Step::Retry;
            }
            Err(net::CallError::Timeout) => return Step::Done(Outcome::Timeout),
            Err(_) => return Step::Retry,
        };
        // This member's kernel must show a grant before the answer: the
        // state machine sends its Install on apply.
        let ttl = deadline.saturating_duration_since(Instant::now());
        match self
            .raft
            .wait(Some(ttl))
            .applied_index_at_least(Some(index.0), "proposal applied here")
            .await
        {
            Ok(_) => Step::Done(Outcome::Applied(index.1)),
            Err(_) => Step::Done(Outcome::AppliedThere(index.1)),
        }
    }
}

/// What a job in flight is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// A kernel's claim (`cookie`), or the daemon claiming again a key
    /// its kernel holds (None).
    Claim {
        key: Key,
        cookie: Option<u32>,
    },
    Release {
        key: Key,
    },
    ReleaseAll {
        member: MemberId,
    },
    Configure,
    /// The configuration proposed again as a barrier before this daemon
    /// loads the table into its kernel: once it is applied here, every
    /// entry the group committed before it is too.
    Resync,
    /// This daemon stops to restart.
    Hold,
    /// This daemon is back after a hold.
    Unhold,
    /// As the leader: the hold of `member`, without keys, is over.
    EndHold {
        member: MemberId,
    },
    /// The drain `id` of [`Node::drain_waits`].
    Drain {
        id: u64,
    },
    /// The move of this member's drained port `key` (its pins are in
    /// [`Node::moving`]).
    Move {
        key: Key,
    },
    /// The end of the drain of `key` (timed out, or its move failed).
    DrainAbort {
        key: Key,
    },
}

/// A local drain request: waiting for the drain to be applied, then for
/// the port to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DrainWait {
    key: Key,
    to: MemberId,
    /// The port's owner, once the drain is applied.
    from: Option<MemberId>,
    /// The port's owner in this member's table from when the drain was
    /// asked until it is applied, while not `to`.
    owner: Option<MemberId>,
    /// Seen, until the drain is applied: the owner from which the port
    /// went straight to `to`, and the source of a drain to `to`.
    moved_from: Option<MemberId>,
    seen_from: Option<MemberId>,
    /// The drain's proposal timed out unanswered: it may have been
    /// applied, and the table tells.
    unanswered: bool,
    deadline: Instant,
}

/// The failed ports a leave's answer names, at most, and the bytes their
/// text may take (vrctl reads the answer, one line, into 4 KiB); it counts
/// the others. The daemon's log names them all.
const LEAVE_FAILURES_TOLD: usize = 16;
const LEAVE_FAILURES_BYTES: usize = 3000;

/// A local leave request: its drains not ended yet, and how those that
/// ended did.
#[derive(Debug)]
struct Leaving {
    /// The ports whose drain has not ended, queued or started.
    left: usize,
    /// The ports whose drain waits its turn to be proposed.
    queue: VecDeque<Key>,
    to: MemberId,
    /// The end of the leave's wait: each drain waits for what is left.
    deadline: Instant,
    moved: usize,
    pins: usize,
    /// Ports no longer this member's when their drain came (released
    /// meanwhile): nothing to move.
    gone: usize,
    /// The drains that failed: the port, errno and why.
    failed: Vec<(Key, i32, String)>,
}

/// A local drain request, with why it timed out once it has.
#[derive(Debug, Clone)]
struct Waiter {
    wait: DrainWait,
    timed_out: Option<String>,
}

impl Pending {
    fn key(&self) -> Option<Key> {
        match self {
            Pending::Claim { key, .. } | Pending::Release { key } => Some(*key),
            _ => None,
        }
    }
}

struct Node {
    cfg: Config,
    raft: Raft<TypeConfig>,
    view: View,
    acks: Acks,
    kernel: mpsc::UnboundedSender<KernelCmd>,
    jobs: mpsc::UnboundedSender<Job>,
    next_job: u64,
    pending: HashMap<u64, Pending>,
    /// The keys of the jobs in flight, with their count.
    pending_keys: HashMap<Key, usize>,
    /// The keys the kernel holds: granted and not released.
    held: BTreeSet<Key>,
    /// Released by the kernel, not proposed yet (or the proposal failed).
    released: BTreeSet<Key>,
    /// In sync: the group is configured, a leader known, and a barrier
    /// ([`Pending::Resync`]) proposed through it applied here; the kernel
    /// got the whole table.
    ready: bool,
    /// The leader this daemon last saw, for the log.
    leader: Option<u64>,
    /// While this daemon leads: its term, and since when it has had a
    /// quorum's contact without a break (the members' leases count from
    /// then at the earliest).
    leading: Option<(u64, Instant)>,
    /// The term this daemon proposed the configuration in.
    configured_term: Option<u64>,
    /// While this daemon leads: the send time of the last heartbeat a
    /// quorum acknowledged, as of the last metrics.
    quorum_at: Option<Instant>,
    /// The group leads with this daemon (its Raft state), whatever its
    /// quorum.
    is_leader: bool,
    /// The lead the kernel was last told ([`KernelCmd::Lead`]).
    lead_sent: Option<Option<MemberId>>,
    /// Silent members, with when their keys are next checked (released
    /// again if a claim of theirs got through meanwhile).
    silent: BTreeMap<MemberId, Instant>,
    next_sweep: Instant,
    /// Since when this daemon is in sync (the earliest contact counted
    /// while no peer has shown a sign of life yet).
    ready_at: Instant,
    /// Cut off from a quorum for [`super::Timing::fence`]: this member's
    /// own entries are out of its kernel until it is in sync again.
    fenced: bool,
    /// While this daemon leads: when it saw itself elected.
    elected_at: Option<Instant>,
    /// While this daemon leads: since when it has seen each held member
    /// held (their grace counts from then).
    holds_seen: BTreeMap<MemberId, Instant>,
    /// When this leader saw each member back from a hold: its lease
    /// counts from then at the earliest.
    back: BTreeMap<MemberId, Instant>,
    /// While this daemon leads: since when it has seen each drain (it
    /// cancels those not moved within their wait).
    drains_seen: BTreeMap<Key, (crate::raft::sm::Drain, Instant)>,
    /// The drains asked here, by id: a local drain request's id
    /// ([`KernelEvent::Drain`]), or above `u32::MAX` one of a leave's.
    drain_waits: BTreeMap<u64, Waiter>,
    /// The local leave requests ([`KernelEvent::Leave`]), by id.
    leaves: BTreeMap<u32, Leaving>,
    /// The leave each of a leave's drains is part of, and its port.
    leave_of: BTreeMap<u64, (u32, Key)>,
    /// A leave's drains whose proposal is not applied yet (at most
    /// [`LEAVE_DRAINS_IN_FLIGHT`] of each leave).
    leave_proposing: BTreeSet<u64>,
    /// The id of the last drain of a leave, less `u32::MAX`.
    next_leave_drain: u64,
    /// This member's ports being drained, quiesced or being quiesced in
    /// its kernel, with the drain's target.
    quiescing: BTreeMap<Key, MemberId>,
    /// The pins of each move in flight ([`Pending::Move`]).
    moving: BTreeMap<Key, Vec<Key>>,
}

impl Node {
    fn me(&self) -> MemberId {
        self.cfg.member
    }

    fn log(&self, what: std::fmt::Arguments<'_>) {
        log(self.cfg.member, what);
    }

    fn to_kernel(&self, cmd: KernelCmd) -> io::Result<()> {
        self.kernel.send(cmd).map_err(|_| kernel_gone())
    }

    fn answer(&self, cookie: u32, errno: i32) -> io::Result<()> {
        self.to_kernel(KernelCmd::Answer { cookie, errno })
    }

    fn submit(&mut self, cmd: Cmd, what: Pending) {
        let id = self.next_job;
        self.next_job += 1;
        let deadline = Instant::now() + self.cfg.timing.claim_timeout;
        if let Some(key) = what.key() {
            *self.pending_keys.entry(key).or_default() += 1;
        }
        let leader_only = matches!(
            what,
            Pending::ReleaseAll { .. } | Pending::Configure | Pending::EndHold { .. }
        );
        self.pending.insert(id, what);
        // The proposer only stops with the node.
        let _ = self.jobs.send(Job {
            id,
            cmd,
            leader_only,
            deadline,
        });
    }

    /// Whether this daemon is in contact with a quorum: it follows a
    /// known leader, or it leads with a quorum's acknowledgement younger
    /// than the election timeout's end.
    fn in_contact(&self) -> bool {
        match self.leader {
            None => false,
            Some(l) if l == u64::from(self.me().0) => self
                .quorum_at
                .is_some_and(|t| t.elapsed() < self.cfg.timing.election.1),
            Some(_) => true,
        }
    }

    /// Takes the metrics in: the leader, and, if they were just published
    /// (`fresh`), the quorum's acknowledgement. Metrics read again later
    /// would make an old acknowledgement look recent: openraft publishes
    /// none while its core is stuck or hears nobody.
    fn metrics(&mut self, m: &RaftMetrics<u64, BasicNode>, fresh: bool) {
        if m.current_leader != self.leader {
            match m.current_leader {
                Some(l) => self.log(format_args!("member {l} leads (term {})", m.current_term)),
                None => self.log(format_args!("no leader (term {})", m.current_term)),
            }
            self.leader = m.current_leader;
        }
        let was_leader = self.is_leader;
        self.is_leader =
            m.state == ServerState::Leader && m.current_leader == Some(u64::from(self.me().0));
        if self.is_leader && !was_leader {
            // A quorum granted its votes just now.
            self.elected_at = Some(Instant::now());
        }
        if !self.is_leader {
            self.elected_at = None;
            self.quorum_at = None;
        } else if let (true, Some(ms)) = (fresh, m.millis_since_quorum_ack) {
            self.quorum_at = Instant::now().checked_sub(Duration::from_millis(ms));
        }
    }

    /// When this kernel, the lead, must stand down unless a quorum
    /// acknowledges a heartbeat meanwhile.
    fn stepdown_at(&self) -> Option<Instant> {
        if self.lead_sent != Some(Some(self.me())) {
            return None;
        }
        Some(self.quorum_at? + self.cfg.timing.stepdown())
    }

    /// Since when this daemon has had the contact that its lease counts
    /// from: the latest leader's append it accepted, or, while it leads,
    /// its election or the send time of its latest heartbeat a quorum
    /// acknowledged; not before it got in sync.
    fn contact_at(&self) -> Instant {
        let mut t = self.ready_at;
        if let Some(a) = self.acks.last_append() {
            t = t.max(a);
        }
        // In a group of three, a candidate's vote request is contact too:
        // with this member it makes a majority, so no other leader can
        // give this member's ports away before a lease after it (and
        // members do not fence during an election).
        if self.cfg.members.len() <= 3 {
            if let Some(v) = self.acks.last_vote_asked() {
                t = t.max(v);
            }
        }
        if self.is_leader {
            for q in [self.quorum_at, self.elected_at].into_iter().flatten() {
                t = t.max(q);
            }
        }
        t
    }

    /// When this daemon must fence itself unless it hears from a leader
    /// (or a quorum) meanwhile; None while it is not in sync.
    fn fence_at(&self) -> Option<Instant> {
        self.ready
            .then(|| self.contact_at() + self.cfg.timing.fence())
    }

    /// Fences this daemon if its fence time has come.
    fn check_fence(&mut self) -> io::Result<()> {
        let now = Instant::now();
        match self.fence_at() {
            Some(t) if now >= t => self.fence(now),
            _ => Ok(()),
        }
    }

    /// The barrier applied: loads the whole table into the kernel.
    fn in_sync(&mut self) -> io::Result<()> {
        if self.ready {
            return Ok(());
        }
        if !self.view.send_replace() {
            return Err(kernel_gone());
        }
        let now = Instant::now();
        self.ready = true;
        self.ready_at = now;
        self.fenced = false;
        self.next_sweep = now + self.cfg.timing.lease;
        self.log(format_args!(
            "in sync with the group (applied {:?})",
            self.view.last_applied()
        ));
        self.unhold();
        self.update_lead()
    }

    /// Ends this member's hold, if the table shows one and no unhold is
    /// in flight: its daemon is back.
    fn unhold(&mut self) {
        if self.view.is_held(self.me()) && !self.in_flight(Pending::Unhold) {
            self.submit(Cmd::Unhold { member: self.me() }, Pending::Unhold);
        }
    }

    /// Cut off for the fence time: takes this member's own entries out of
    /// its kernel, before the leader can give them away, and waits to be
    /// in sync again.
    fn fence(&mut self, now: Instant) -> io::Result<()> {
        let quiet = now.saturating_duration_since(self.contact_at());
        self.ready = false;
        self.fenced = true;
        // The kernel gets the whole table again once in sync (pins that
        // only it had go then): a drain still going quiesces again. A
        // move in flight is proposed again until its outcome is known.
        let moving = &self.moving;
        self.quiescing.retain(|key, _| moving.contains_key(key));
        let n = self.view.fence(self.me()).ok_or_else(kernel_gone)?;
        self.log(format_args!(
            "no contact with a leader for {} ms: fenced ({n} own entries out of the kernel, \
             claims refused until in sync again)",
            quiet.as_millis()
        ));
        self.update_lead()
    }

    /// The group's configuration, as this daemon was given it.
    fn configure(&self) -> Cmd {
        Cmd::Configure {
            addrs: self.cfg.addrs.clone(),
            members: self.cfg.members.keys().copied().collect(),
        }
    }

    /// Whether a job for `what` is in flight.
    fn in_flight(&self, what: Pending) -> bool {
        self.pending.values().any(|p| *p == what)
    }

    fn busy(&self, key: &Key) -> bool {
        self.pending_keys.contains_key(key)
            || (key.remote.is_some() && self.moving.values().any(|pins| pins.contains(key)))
    }

    fn drained(&mut self, id: u64, result: DrainResult) -> io::Result<()> {
        self.drain_waits.remove(&id);
        if let Ok(id) = u32::try_from(id) {
            return self.to_kernel(KernelCmd::Drained { id, result });
        }
        let Some((lid, key)) = self.leave_of.remove(&id) else {
            return Ok(());
        };
        self.leave_proposing.remove(&id);
        let Some(l) = self.leaves.get_mut(&lid) else {
            return Ok(());
        };
        l.left = l.left.saturating_sub(1);
        match result {
            DrainResult::Moved { pins, .. } => {
                l.moved += 1;
                l.pins += pins;
            }
            // Released since the leave listed it: nothing to move.
            DrainResult::Failed {
                errno: libc::ENOENT,
                ..
            } => l.gone += 1,
            DrainResult::Failed { errno, why } => l.failed.push((key, errno, why)),
        }
        self.leave_next(lid)
    }

    /// The proposal of the drain `id` came back (applied or not): if it is
    /// one of a leave's, the next of its drains may be proposed.
    fn leave_proposed(&mut self, id: u64) -> io::Result<()> {
        if !self.leave_proposing.remove(&id) {
            return Ok(());
        }
        let Some(&(lid, _)) = self.leave_of.get(&id) else {
            return Ok(());
        };
        self.leave_next(lid)
    }

    /// Proposes the next drains of the leave `lid`, with at most
    /// [`LEAVE_DRAINS_IN_FLIGHT`] proposals not applied yet, each drain
    /// waiting for what is left of the leave's wait; answers the leave
    /// once every drain ended.
    fn leave_next(&mut self, lid: u32) -> io::Result<()> {
        loop {
            // At most LEAVE_DRAINS_IN_FLIGHT of its drains in the set.
            let proposing = self
                .leave_proposing
                .iter()
                .filter(|s| self.leave_of.get(s).is_some_and(|&(l, _)| l == lid))
                .count();
            let Some(l) = self.leaves.get_mut(&lid) else {
                return Ok(());
            };
            if proposing >= LEAVE_DRAINS_IN_FLIGHT {
                return Ok(());
            }
            let Some(key) = l.queue.pop_front() else {
                if l.left > 0 {
                    return Ok(());
                }
                return match self.leaves.remove(&lid) {
                    Some(l) => self.left(lid, l),
                    None => Ok(()),
                };
            };
            let now = Instant::now();
            let wait = l.deadline.saturating_duration_since(now);
            let wait_ms = u32::try_from(wait.as_millis()).unwrap_or(u32::MAX);
            if wait_ms == 0 {
                l.left = l.left.saturating_sub(1);
                l.failed.push((
                    key,
                    libc::ETIMEDOUT,
                    "the leave's wait ran out before its turn".into(),
                ));
                continue;
            }
            let to = l.to;
            self.next_leave_drain += 1;
            let sub = u64::from(u32::MAX) + self.next_leave_drain;
            self.leave_of.insert(sub, (lid, key));
            self.leave_proposing.insert(sub);
            self.start_drain(sub, key, to, wait_ms);
        }
    }

    /// Answers the leave `id`, all of whose drains ended.
    fn left(&mut self, id: u32, l: Leaving) -> io::Result<()> {
        let result = match l.failed.first() {
            None => {
                self.log(format_args!(
                    "left: {} ports moved ({} released meanwhile), {} connections stay here",
                    l.moved, l.gone, l.pins
                ));
                LeaveResult::Left {
                    ports: l.moved,
                    pins: l.pins,
                }
            }
            Some(&(_, errno, _)) => {
                let ports = l.moved + l.failed.len();
                let mut failures: Vec<String> = Vec::new();
                let mut bytes = 0;
                for (key, _, why) in &l.failed {
                    let text = format!("{key}: {why}");
                    self.log(format_args!("leave: {text}"));
                    if failures.len() < LEAVE_FAILURES_TOLD
                        && bytes + text.len() <= LEAVE_FAILURES_BYTES
                    {
                        bytes += text.len() + 2;
                        failures.push(text);
                    }
                }
                let told = failures.len();
                if l.failed.len() > told {
                    failures.push(format!("and {} more", l.failed.len() - told));
                }
                LeaveResult::Failed {
                    errno,
                    why: format!(
                        "{} of {ports} ports moved; {}",
                        l.moved,
                        failures.join("; ")
                    ),
                }
            }
        };
        self.to_kernel(KernelCmd::Left { id, result })
    }

    /// Starts the drain `id` of this member's port `key` to `to`.
    fn start_drain(&mut self, id: u64, key: Key, to: MemberId, wait_ms: u32) {
        let deadline = Instant::now() + Duration::from_millis(wait_ms.into());
        self.drain_waits.insert(
            id,
            Waiter {
                wait: DrainWait {
                    key,
                    to,
                    from: None,
                    owner: self.view.owner(&key).filter(|&o| o != to),
                    moved_from: None,
                    seen_from: None,
                    unanswered: false,
                    deadline,
                },
                timed_out: None,
            },
        );
        self.submit(Cmd::Drain { key, to, wait_ms }, Pending::Drain { id });
    }

    fn drain_failed(&mut self, id: u64, errno: i32, why: String) -> io::Result<()> {
        self.drained(id, DrainResult::Failed { errno, why })
    }

    /// The drain `id` was applied and ended without the move.
    fn drain_cancelled(&mut self, id: u64) -> io::Result<()> {
        self.drain_failed(
            id,
            libc::ECANCELED,
            "the drain was cancelled: a member went away, the source's socket closed or the \
             move failed"
                .into(),
        )
    }

    /// A leave's drain `id` of a port not this member's now (`owner`'s,
    /// or released) since the leave listed it: nothing to move.
    fn leave_port_gone(&mut self, id: u64, owner: Option<MemberId>) -> io::Result<()> {
        let why = match owner {
            Some(other) => format!("the port is {other}'s now"),
            None => "the port was released".to_string(),
        };
        self.drain_failed(id, libc::ENOENT, why)
    }

    /// The drain `id` is applied: the port was `from`'s.
    fn drain_applied(&mut self, id: u64, from: MemberId) -> io::Result<()> {
        let Some(w) = self.drain_waits.get(&id).map(|w| w.wait) else {
            return Ok(());
        };
        if self.leave_of.contains_key(&id) && from != self.me() {
            // A leave's port another member claimed since the leave
            // listed it.
            self.abort_drain(w.key, from, w.to);
            return self.leave_port_gone(id, Some(from));
        }
        if let Some(w) = self.drain_waits.get_mut(&id) {
            w.wait.from = Some(from);
        }
        self.log(format_args!("{}: draining from {from} to {}", w.key, w.to));
        Ok(())
    }

    /// The drain `id`'s proposal went unanswered, or this member had not
    /// applied it when the leader answered: the table tells what became
    /// of it.
    fn drain_unanswered_mark(&mut self, id: u64) {
        if let Some(w) = self.drain_waits.get_mut(&id) {
            w.wait.unanswered = true;
            let key = w.wait.key;
            self.log(format_args!(
                "{key}: the drain's proposal was not answered here in time: following the table"
            ));
        }
    }

    /// A drain whose proposal went unanswered: applied once the table
    /// shows it, or moved already; else, at the end of its wait and a
    /// claim timeout, cancelled (should it come late) and answered
    /// ETIMEDOUT. `shown` is the source of the drain of the port to `w.to` that the
    /// table shows now, if any.
    fn drain_unanswered(
        &mut self,
        id: u64,
        w: DrainWait,
        shown: Option<MemberId>,
        now: Instant,
    ) -> io::Result<()> {
        if let Some(from) = shown {
            return self.drain_applied(id, from);
        }
        let leave = self.leave_of.contains_key(&id);
        let me = self.me();
        if let Some(from) = w.moved_from.filter(|&f| !leave || f == me) {
            let pins = self.view.connections_of(&w.key, from).len();
            return self.drained(id, DrainResult::Moved { from, pins });
        }
        match w.seen_from {
            // A leave's port another member owned when its drain came.
            Some(from) if leave && from != me => return self.leave_port_gone(id, Some(from)),
            // Applied and ended without the move.
            Some(_) => return self.drain_cancelled(id),
            None => {}
        }
        if leave && w.owner != Some(me) {
            return self.leave_port_gone(id, w.owner);
        }
        if now < w.deadline + self.cfg.timing.claim_timeout {
            return Ok(());
        }
        if let Some(from) = w.owner {
            self.abort_drain(w.key, from, w.to);
        }
        self.drain_failed(
            id,
            libc::ETIMEDOUT,
            "the drain's proposal went unanswered and the drain did not show in this member's \
             table in time (its cancel is proposed)"
                .into(),
        )
    }

    /// Every tick: the local drain requests whose drain ended (moved, or
    /// cancelled) or whose wait ran out (then cancelled, and answered once
    /// the cancel is applied, or a claim timeout later).
    fn drain_waits(&mut self, now: Instant) -> io::Result<()> {
        let drains: BTreeMap<Key, crate::raft::sm::Drain> =
            self.view.drains().into_iter().collect();
        let waits: Vec<(u64, Waiter)> = self
            .drain_waits
            .iter()
            .map(|(&i, w)| (i, w.clone()))
            .collect();
        for (id, Waiter { wait: w, timed_out }) in waits {
            let Some(from) = w.from else {
                // What the table shows until the drain is applied, for
                // a proposal left unanswered.
                let owner = self.view.owner(&w.key);
                let shown = drains.get(&w.key).filter(|d| d.to == w.to).map(|d| d.from);
                let Some(waiter) = self.drain_waits.get_mut(&id) else {
                    continue;
                };
                let seen = &mut waiter.wait;
                if owner == Some(seen.to) {
                    if seen.moved_from.is_none() {
                        seen.moved_from = seen.owner;
                    }
                } else {
                    seen.owner = owner;
                }
                if shown.is_some() {
                    seen.seen_from = shown;
                }
                let w = *seen;
                if w.unanswered {
                    self.drain_unanswered(id, w, shown, now)?;
                }
                continue;
            };
            match drains.get(&w.key) {
                Some(d) if d.to == w.to => {
                    if now >= w.deadline + self.cfg.timing.claim_timeout {
                        let why = timed_out.unwrap_or_default();
                        self.drain_failed(id, libc::ETIMEDOUT, why)?;
                    } else if now >= w.deadline && timed_out.is_none() {
                        self.abort_drain(w.key, from, w.to);
                        let why = if d.standby {
                            format!("{from} did not move the port in time")
                        } else {
                            format!("{} bound no socket to the port in time", w.to)
                        };
                        if let Some(waiter) = self.drain_waits.get_mut(&id) {
                            waiter.timed_out = Some(why);
                        }
                    }
                }
                _ if self.view.owner(&w.key) == Some(w.to) => {
                    let pins = self.view.connections_of(&w.key, from).len();
                    self.drained(id, DrainResult::Moved { from, pins })?;
                }
                _ => match timed_out {
                    Some(why) => self.drain_failed(id, libc::ETIMEDOUT, why)?,
                    None => self.drain_cancelled(id)?,
                },
            }
        }
        Ok(())
    }

    /// Every tick, in sync: quiesces this member's ports whose drain
    /// target is bound.
    fn drains_from_me(&mut self) -> io::Result<()> {
        if !self.ready {
            return Ok(());
        }
        let me = self.me();
        let drains = self.view.drains();
        // A quiesce whose drain is gone, not answered yet: its answer
        // restores the kernel (see KernelEvent::Quiesced).
        let moving = &self.moving;
        self.quiescing.retain(|key, to| {
            moving.contains_key(key)
                || drains
                    .iter()
                    .any(|(k, d)| k == key && d.from == me && d.to == *to)
        });
        for (key, d) in drains {
            if d.from == me
                && d.standby
                && !self.quiescing.contains_key(&key)
                && !self.moving.contains_key(&key)
            {
                self.log(format_args!(
                    "{key}: draining to {}, its socket is bound: pinning the connections",
                    d.to
                ));
                self.quiescing.insert(key, d.to);
                self.to_kernel(KernelCmd::Quiesce { key, to: d.to })?;
            }
        }
        Ok(())
    }

    /// A move that will not happen (or whose outcome is unknown): the
    /// kernel's entries of `key` and `pins` back as the table has them,
    /// the drain cancelled. A pin the table shows as this member's (a move
    /// applied after all) is held; a port that is no longer this member's
    /// is not.
    fn unquiesce(
        &mut self,
        key: Key,
        pins: &[Key],
        why: std::fmt::Arguments<'_>,
    ) -> io::Result<()> {
        self.log(format_args!(
            "{key}: not moved ({why}): the drain is cancelled"
        ));
        let me = self.me();
        let to = self.quiescing.remove(&key);
        let mut keys = vec![key];
        keys.extend_from_slice(pins);
        if !self.view.restore(&keys) {
            return Err(kernel_gone());
        }
        for pin in pins {
            if self.view.owner(pin) == Some(me) {
                self.held.insert(*pin);
            }
        }
        if self.view.owner(&key) != Some(me) && self.held.remove(&key) {
            self.to_kernel(KernelCmd::Forget { key })?;
        }
        if let Some(to) = to {
            self.abort_drain(key, me, to);
        }
        Ok(())
    }

    /// Proposes the end of the drain of `key` from `from` to `to` (not
    /// of a later one of the same port), unless one is in flight.
    fn abort_drain(&mut self, key: Key, from: MemberId, to: MemberId) {
        if !self.in_flight(Pending::DrainAbort { key }) {
            self.submit(
                Cmd::DrainAbort { key, from, to },
                Pending::DrainAbort { key },
            );
        }
    }

    /// As the leader: cancels the drains not moved within their wait (the
    /// member that asked may be gone).
    fn drain_timeouts(&mut self, now: Instant) {
        let drains = self.view.drains();
        // A later drain of the same port counts from when it is seen.
        self.drains_seen.retain(|k, (seen, _)| {
            drains
                .iter()
                .any(|(key, d)| key == k && (d.from, d.to) == (seen.from, seen.to))
        });
        for (key, d) in drains {
            let since = self.drains_seen.entry(key).or_insert((d, now)).1;
            let wait = Duration::from_millis(d.wait_ms.into()) + self.cfg.timing.claim_timeout;
            if now.saturating_duration_since(since) > wait
                && !self.in_flight(Pending::DrainAbort { key })
            {
                self.log(format_args!(
                    "{key}: not moved to {} within {} ms: the drain is cancelled",
                    d.to,
                    wait.as_millis()
                ));
                self.abort_drain(key, d.from, d.to);
            }
        }
    }

    fn kernel_event(&mut self, ev: KernelEvent) -> io::Result<()> {
        let member = self.me();
        match ev {
            KernelEvent::Claim { cookie, key } => {
                if !self.ready {
                    return self.answer(cookie, libc::EHOSTUNREACH);
                }
                if !key.is_valid() {
                    return self.answer(cookie, libc::EINVAL);
                }
                if self.pending.len() >= MAX_PENDING_CLAIMS {
                    return self.answer(cookie, libc::ENOBUFS);
                }
                self.submit(
                    Cmd::Claim { member, key },
                    Pending::Claim {
                        key,
                        cookie: Some(cookie),
                    },
                );
            }
            KernelEvent::Release { key } => {
                self.held.remove(&key);
                // A pin whose connection closed before its move was
                // applied: not held once moved (the sweep releases it).
                if key.remote.is_some() {
                    for pins in self.moving.values_mut() {
                        pins.retain(|k| *k != key);
                    }
                }
                if self.ready {
                    self.submit(Cmd::Release { member, key }, Pending::Release { key });
                } else {
                    self.released.insert(key);
                }
            }
            // Before any claim: the sweep claims again those the table
            // no longer shows as this member's.
            KernelEvent::Held { keys } => {
                self.log(format_args!(
                    "the kernel's sockets hold {} keys from before this daemon started",
                    keys.len()
                ));
                self.held.extend(keys);
            }
            KernelEvent::Drain {
                id,
                key,
                to,
                wait_ms,
            } => {
                let id = u64::from(id);
                if !self.ready {
                    return self.drain_failed(
                        id,
                        libc::EHOSTUNREACH,
                        "this member is not in sync with the group".into(),
                    );
                }
                if !key.is_valid() || key.remote.is_some() {
                    return self.drain_failed(id, libc::EINVAL, format!("{key}: not a port"));
                }
                self.start_drain(id, key, to, wait_ms);
            }
            KernelEvent::Leave { id, to, wait_ms } => {
                let failed = |errno, why: &str| LeaveResult::Failed {
                    errno,
                    why: why.into(),
                };
                let refused = if !self.ready {
                    Some(failed(
                        libc::EHOSTUNREACH,
                        "this member is not in sync with the group",
                    ))
                } else if to == self.me() {
                    Some(failed(libc::EINVAL, "a member cannot leave to itself"))
                } else if !self.cfg.members.contains_key(&to) {
                    Some(failed(libc::EINVAL, "the target is not a member"))
                } else if self.leaves.contains_key(&id) {
                    Some(failed(libc::EBUSY, "this leave is under way"))
                } else if self.view.drains().iter().any(|(_, d)| d.to == self.me()) {
                    // The port would move here once this member has left.
                    Some(failed(
                        libc::EBUSY,
                        "a port is being drained to this member: wait for it, or stop it",
                    ))
                } else {
                    None
                };
                if let Some(result) = refused {
                    return self.to_kernel(KernelCmd::Left { id, result });
                }
                // Its ports, not the connections pinned to it.
                let ports: Vec<Key> = self
                    .view
                    .keys_of(self.me())
                    .into_iter()
                    .filter(|k| k.remote.is_none())
                    .collect();
                self.log(format_args!(
                    "leaving: draining {} ports to {to}",
                    ports.len()
                ));
                self.leaves.insert(
                    id,
                    Leaving {
                        left: ports.len(),
                        queue: ports.into(),
                        to,
                        deadline: Instant::now() + Duration::from_millis(wait_ms.into()),
                        moved: 0,
                        pins: 0,
                        gone: 0,
                        failed: Vec::new(),
                    },
                );
                self.leave_next(id)?;
            }
            KernelEvent::Quiesced { key, pins } => {
                let Some(to) = self.quiescing.get(&key).copied() else {
                    // Its drain is gone: the kernel back as the table has it.
                    let mut keys = vec![key];
                    keys.extend(pins.unwrap_or_default());
                    return if self.view.restore(&keys) {
                        Ok(())
                    } else {
                        Err(kernel_gone())
                    };
                };
                let still = self
                    .view
                    .drains()
                    .iter()
                    .any(|(k, d)| *k == key && d.from == member && d.to == to);
                match pins {
                    None => {
                        return self.unquiesce(key, &[], format_args!("cannot list the sockets"))
                    }
                    Some(pins) if !still => {
                        return self.unquiesce(key, &pins, format_args!("the drain was cancelled"))
                    }
                    Some(pins) => {
                        self.log(format_args!(
                            "{key}: {} connections pinned here, moving the port to {to}",
                            pins.len()
                        ));
                        self.submit(
                            Cmd::Move {
                                key,
                                from: member,
                                to,
                                pins: pins.clone(),
                            },
                            Pending::Move { key },
                        );
                        self.moving.insert(key, pins);
                    }
                }
            }
        }
        Ok(())
    }

    fn done(&mut self, id: u64, outcome: Outcome) -> io::Result<()> {
        let Some(what) = self.pending.remove(&id) else {
            return Ok(());
        };
        if let Pending::Drain { id } = what {
            self.leave_proposed(id)?;
        }
        if let Some(key) = what.key() {
            if let Some(n) = self.pending_keys.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.pending_keys.remove(&key);
                }
            }
        }
        match (what, outcome) {
            (Pending::Claim { key, cookie }, Outcome::Applied(reply)) => {
                let errno = match reply {
                    Reply::Granted | Reply::AlreadyOwned => {
                        // A claim again is for a key held when it was
                        // sent: if the kernel released it meanwhile, its
                        // release follows this claim.
                        if cookie.is_some() {
                            self.held.insert(key);
                        }
                        0
                    }
                    Reply::Refused { errno, owner } => {
                        if cookie.is_none() {
                            self.held.remove(&key);
                            self.log(format_args!(
                                "{key}, which the kernel's sockets hold, is refused (errno {errno}, \
                                 owner {owner:?}): the kernel's table shows the other owner"
                            ));
                            self.to_kernel(KernelCmd::Forget { key })?;
                        }
                        refusal_errno(errno)
                    }
                    Reply::Done { .. } | Reply::Draining { .. } | Reply::Moved { .. } => {
                        libc::EHOSTUNREACH
                    }
                };
                if let Some(cookie) = cookie {
                    self.answer(cookie, errno)?;
                }
            }
            (Pending::Claim { key, cookie }, outcome) => {
                let errno = match outcome {
                    Outcome::NotSent | Outcome::Timeout | Outcome::AppliedThere(_)
                        if self.in_contact() =>
                    {
                        libc::ETIMEDOUT
                    }
                    _ => libc::EHOSTUNREACH,
                };
                self.log(format_args!("claim of {key}: {outcome:?}"));
                if let Some(cookie) = cookie {
                    self.answer(cookie, errno)?;
                }
            }
            (Pending::Release { .. }, Outcome::Applied(_)) => {}
            (Pending::Release { key }, _) => {
                if !self.held.contains(&key) {
                    self.released.insert(key);
                }
            }
            (Pending::ReleaseAll { member }, Outcome::Applied(reply)) => {
                self.log(format_args!("member {member}'s lease ran out: {reply:?}"));
            }
            (Pending::ReleaseAll { member }, outcome) => {
                self.log(format_args!(
                    "releasing member {member}'s keys: {outcome:?}"
                ));
            }
            (Pending::Configure, Outcome::Applied(Reply::Refused { errno, .. })) => {
                self.log(format_args!(
                    "the group was configured with other addresses or members (errno {errno}): \
                     every member must be started with the same list, a changed one needs new state \
                     directories"
                ));
            }
            (Pending::Configure, Outcome::Applied(_)) => {}
            (Pending::Hold, Outcome::Applied(_)) => {
                self.log(format_args!(
                    "stopping to restart: the group keeps this member's ports for its restart grace"
                ));
            }
            (Pending::Hold, Outcome::AppliedThere(_)) => {
                self.log(format_args!(
                    "stopping to restart: the group applied the hold, this member not yet"
                ));
            }
            (Pending::Hold, outcome) => {
                self.log(format_args!(
                    "stopping: the hold was not applied ({outcome:?}), the lease decides"
                ));
            }
            (Pending::Unhold, Outcome::Applied(_)) => {
                self.log(format_args!("back from a restart: the lease counts again"));
            }
            // Tried again by the next sweep.
            (Pending::Unhold, outcome) => {
                self.log(format_args!("ending the hold: {outcome:?}"));
            }
            (Pending::Drain { id }, Outcome::Applied(Reply::Draining { from })) => {
                self.drain_applied(id, from)?;
            }
            (
                Pending::Drain { id },
                Outcome::Applied(Reply::Refused { errno, .. })
                | Outcome::AppliedThere(Reply::Refused { errno, .. }),
            ) => {
                let why = match errno {
                    libc::ENOENT => "no member owns the port".to_string(),
                    libc::EALREADY => "the member owns the port already".to_string(),
                    libc::EBUSY => "the port is being drained to another member".to_string(),
                    _ => "not a port of a distributed address, or not a member".to_string(),
                };
                self.drain_failed(id, errno, why)?;
            }
            // The leader applied it, or may have: the table tells.
            (Pending::Drain { id }, Outcome::AppliedThere(_)) => self.drain_unanswered_mark(id),
            (Pending::Drain { id }, Outcome::Timeout) if self.in_contact() => {
                self.drain_unanswered_mark(id)
            }
            (Pending::Drain { id }, outcome) => {
                let (errno, why) = match outcome {
                    Outcome::NotSent if self.in_contact() => (
                        libc::ETIMEDOUT,
                        "the drain was not proposed in time".to_string(),
                    ),
                    Outcome::Timeout => (
                        libc::EHOSTUNREACH,
                        "no contact with the group: the drain may still be applied".to_string(),
                    ),
                    _ => (
                        libc::EHOSTUNREACH,
                        format!("the drain was not applied: {outcome:?}"),
                    ),
                };
                self.drain_failed(id, errno, why)?;
            }
            (Pending::Move { key }, Outcome::Applied(Reply::Moved { pins })) => {
                let pinned = self.moving.remove(&key).unwrap_or_default();
                let to = self.quiescing.remove(&key);
                // The pins are this member's now, held by its sockets
                // (each CLOSE releases one); the port is not.
                self.held.extend(pinned);
                self.held.remove(&key);
                self.to_kernel(KernelCmd::Forget { key })?;
                self.log(format_args!(
                    "{key}: moved to {}, {pins} connections stay here",
                    to.map_or_else(|| "?".to_string(), |m| m.to_string())
                ));
            }
            (Pending::Move { key }, Outcome::Applied(reply)) => {
                let pins = self.moving.remove(&key).unwrap_or_default();
                self.unquiesce(key, &pins, format_args!("{reply:?}"))?;
            }
            // May still be applied: proposed again (a move applied twice
            // gives the same answer), unless the drain is gone.
            (Pending::Move { key }, outcome) => {
                let pins = self.moving.remove(&key).unwrap_or_default();
                // While fenced the table may be behind: only proposing it
                // again tells.
                match self.quiescing.get(&key).copied() {
                    Some(to)
                        if !self.ready
                            || self.view.drains().iter().any(|(k, _)| *k == key)
                            || self.view.owner(&key) == Some(to) =>
                    {
                        self.log(format_args!("{key}: move {outcome:?}, proposed again"));
                        self.submit(
                            Cmd::Move {
                                key,
                                from: self.me(),
                                to,
                                pins: pins.clone(),
                            },
                            Pending::Move { key },
                        );
                        self.moving.insert(key, pins);
                    }
                    _ => self.unquiesce(key, &pins, format_args!("{outcome:?}"))?,
                }
            }
            (Pending::DrainAbort { key }, outcome) => {
                if !matches!(outcome, Outcome::Applied(_)) {
                    self.log(format_args!("{key}: cancelling the drain: {outcome:?}"));
                }
            }
            (Pending::EndHold { member }, outcome) => {
                self.log(format_args!(
                    "member {member}'s restart grace is over: {outcome:?}"
                ));
            }
            // Applied, whatever its answer (the configuration is
            // checked by the leader's own): the barrier holds.
            (Pending::Resync, Outcome::Applied(_)) => self.in_sync()?,
            (Pending::Resync, outcome) => {
                self.log(format_args!("getting in sync: {outcome:?}, tried again"));
            }
            (Pending::Configure, outcome) => {
                self.log(format_args!(
                    "configuring the group: {outcome:?}, tried again"
                ));
                self.configured_term = None;
            }
        }
        Ok(())
    }

    /// The lead the kernel should have: this member while it leads with a
    /// quorum's acknowledgement younger than [`super::Timing::stepdown`],
    /// else the leader it follows, else none.
    fn lead(&self, now: Instant) -> Option<MemberId> {
        let me = self.me();
        if self.is_leader {
            // Not with a table its kernel does not have yet.
            if !self.ready {
                return None;
            }
            let fresh = self
                .quorum_at
                .is_some_and(|t| now.saturating_duration_since(t) < self.cfg.timing.stepdown());
            return fresh.then_some(me);
        }
        self.leader
            .and_then(|l| u32::try_from(l).ok())
            .map(MemberId)
            .filter(|&l| l != me)
    }

    /// Tells the kernel its lead when it changes.
    fn update_lead(&mut self) -> io::Result<()> {
        let now = Instant::now();
        let lead = self.lead(now);
        let old = self.lead_sent.flatten();
        if self.lead_sent == Some(lead) {
            return Ok(());
        }
        if lead == Some(self.me()) {
            self.log(format_args!(
                "leads the group: this kernel is the addresses' lead (it announces itself)"
            ));
        } else if old == Some(self.me()) {
            let quiet = self
                .quorum_at
                .map_or(0, |t| now.saturating_duration_since(t).as_millis());
            self.log(format_args!(
                "stood down as the lead: no quorum's acknowledgement for {quiet} ms"
            ));
        }
        self.lead_sent = Some(lead);
        self.to_kernel(KernelCmd::Lead(lead))
    }

    /// Every heartbeat: leadership, readiness, leases, the sweep.
    fn tick(&mut self) -> io::Result<()> {
        let now = Instant::now();
        let m = self.raft.metrics().borrow().clone();
        if let Err(e) = &m.running_state {
            return Err(io::Error::other(format!(
                "distributed host: the Raft node stopped: {e}"
            )));
        }
        self.metrics(&m, false);
        let me = u64::from(self.me().0);
        if m.state == ServerState::Leader && m.current_leader == Some(me) {
            let term = m.current_term;
            let fresh = self
                .quorum_at
                .is_some_and(|t| now.saturating_duration_since(t) < self.cfg.timing.election.0);
            match self.leading {
                // Leases count from the election, or from when a quorum's
                // contact came back: a leader that was cut off did not
                // hear the others either.
                Some((t, _)) if t == term && fresh => {}
                _ => {
                    self.leading = Some((term, now));
                    self.silent.clear();
                }
            }
            if self.configured_term != Some(term) {
                self.configured_term = Some(term);
                self.submit(self.configure(), Pending::Configure);
            }
            if fresh {
                self.leases(now);
                self.drain_timeouts(now);
            }
        } else {
            self.leading = None;
            // A new leader counts the holds' grace from when it sees them.
            self.holds_seen.clear();
            self.back.clear();
            self.drains_seen.clear();
        }
        self.check_fence()?;
        self.drains_from_me()?;
        self.drain_waits(now)?;
        if !self.ready {
            let caught_up = m.last_applied.map(|id| id.index) >= m.last_log_index;
            // A fenced member waits for the others' contact again, and a
            // former leader for a quorum's (it still thinks it leads
            // until a newer term reaches it, with an old table).
            let contact = !self.fenced
                || (now.saturating_duration_since(self.contact_at()) <= self.cfg.timing.fence()
                    && self.in_contact());
            if m.current_leader.is_some()
                && self.view.configured()
                && caught_up
                && contact
                && !self.in_flight(Pending::Resync)
            {
                // Not from the local log alone: it may lack releases the
                // group committed while this member was away.
                self.submit(self.configure(), Pending::Resync);
            }
        } else if now >= self.next_sweep && m.current_leader.is_some() {
            self.next_sweep = now + self.cfg.timing.lease;
            self.sweep();
        }
        self.update_lead()
    }

    /// As the leader in contact with a quorum: releases the keys of the
    /// members silent for longer than the lease, and again every lease
    /// while they stay silent (a claim of theirs may get through in one
    /// direction).
    fn leases(&mut self, now: Instant) {
        let Some((_, since)) = self.leading else {
            return;
        };
        let lease = self.cfg.timing.lease;
        let others: Vec<MemberId> = self
            .cfg
            .members
            .keys()
            .copied()
            .filter(|&m| m != self.me())
            .collect();
        for member in others {
            if self.view.is_held(member) {
                let since = *self.holds_seen.entry(member).or_insert_with(|| {
                    log(
                        self.cfg.member,
                        format_args!(
                            "member {member} stopped to restart: its keys kept for {} ms",
                            self.cfg.timing.restart_grace.as_millis()
                        ),
                    );
                    now
                });
                if now.saturating_duration_since(since) < self.cfg.timing.restart_grace {
                    continue;
                }
                // The grace is over: the lease decides (a release of all
                // its keys ends the hold; without keys, an unhold does).
                if !self.view.has_keys(member) && !self.in_flight(Pending::EndHold { member }) {
                    self.submit(Cmd::Unhold { member }, Pending::EndHold { member });
                }
            } else if let Some(t) = self.holds_seen.remove(&member) {
                // A hold ended by a release of all its keys (or an unhold
                // of a member without keys) is no return.
                if self.view.has_keys(member) {
                    self.log(format_args!(
                        "member {member} is back after {} ms: its lease counts again",
                        now.saturating_duration_since(t).as_millis()
                    ));
                    // From now: the answers counted may all be to calls
                    // sent while it was away (its unhold, which it
                    // proposed, shows it is back before they are).
                    self.back.insert(member, now);
                }
            }
            let last = self
                .acks
                .last(u64::from(member.0))
                .map_or(since, |t| t.max(since));
            let last = self.back.get(&member).map_or(last, |&b| last.max(b));
            let quiet = now.saturating_duration_since(last);
            if quiet <= lease {
                self.silent.remove(&member);
                continue;
            }
            if self.silent.get(&member).is_some_and(|&next| now < next) {
                continue;
            }
            self.silent.insert(member, now + lease);
            if self.in_flight(Pending::ReleaseAll { member }) || !self.view.has_keys(member) {
                continue;
            }
            self.log(format_args!(
                "member {member} answered nothing sent in the last {} ms: releasing its keys",
                quiet.as_millis()
            ));
            self.submit(Cmd::ReleaseAll { member }, Pending::ReleaseAll { member });
        }
    }

    /// On the way out: the kernel is told no lead, and the daemon waits
    /// (a second at most) until it took it, so a leaving lead stops
    /// answering for the addresses before another is elected.
    async fn stand_down(&mut self) -> io::Result<()> {
        self.is_leader = false;
        self.leader = None;
        self.update_lead()?;
        let ack = super::Ack::default();
        self.to_kernel(KernelCmd::Sync(ack.clone()))?;
        if time::timeout(Duration::from_secs(1), ack.wait())
            .await
            .is_err()
        {
            self.log(format_args!(
                "the kernel did not take the stand-down in time"
            ));
        }
        Ok(())
    }

    /// On the way out (SIGTERM), in sync: proposes a hold of this
    /// member, so that the leader keeps its keys for the restart grace
    /// while its daemon is away, and waits for it a while (best effort).
    async fn hold(&mut self, done: &mut mpsc::UnboundedReceiver<(u64, Outcome)>) -> io::Result<()> {
        // A drain from here that has not moved yet: the kernel's entries
        // back as the table has them (the next daemon adopts the port's
        // sockets from them), the drain cancelled.
        for key in self.quiescing.keys().copied().collect::<Vec<_>>() {
            if !self.moving.contains_key(&key) {
                self.unquiesce(key, &[], format_args!("the daemon stops"))?;
            }
        }
        if !self.ready || self.cfg.timing.restart_grace.is_zero() {
            return Ok(());
        }
        self.submit(Cmd::Hold { member: self.me() }, Pending::Hold);
        let deadline = Instant::now() + HOLD_WAIT;
        while self.in_flight(Pending::Hold) {
            match time::timeout_at(deadline, done.recv()).await {
                Ok(Some((id, outcome))) => self.done(id, outcome)?,
                Ok(None) => break,
                Err(_) => {
                    self.log(format_args!(
                        "stopping: the hold was not applied within {} ms, the lease decides",
                        HOLD_WAIT.as_millis()
                    ));
                    break;
                }
            }
        }
        Ok(())
    }

    /// Brings the table and what the kernel holds together.
    fn sweep(&mut self) {
        self.unhold();
        let member = self.me();
        for key in std::mem::take(&mut self.released) {
            if !self.held.contains(&key) && !self.busy(&key) {
                self.submit(Cmd::Release { member, key }, Pending::Release { key });
            }
        }
        let mine: BTreeSet<Key> = self.view.keys_of(member).into_iter().collect();
        let orphans: Vec<Key> = mine
            .iter()
            .filter(|k| !self.held.contains(k) && !self.busy(k))
            .copied()
            .collect();
        for key in orphans {
            self.log(format_args!("{key} is owned but not held here: released"));
            self.submit(Cmd::Release { member, key }, Pending::Release { key });
        }
        // A standby of a drain to this member is held, not owned (a held
        // key draining to this member without a standby yet is claimed:
        // the claim makes it one).
        let standby: BTreeSet<Key> = self
            .view
            .drains()
            .into_iter()
            .filter(|(_, d)| d.to == member && d.standby)
            .map(|(k, _)| k)
            .collect();
        let lost: Vec<Key> = self
            .held
            .iter()
            .filter(|k| !mine.contains(k) && !self.busy(k) && !standby.contains(k))
            .copied()
            .collect();
        if !lost.is_empty() {
            self.log(format_args!(
                "claiming again {} keys the kernel holds",
                lost.len()
            ));
        }
        for key in lost {
            self.submit(
                Cmd::Claim { member, key },
                Pending::Claim { key, cookie: None },
            );
        }
        // Connections that ended without a CLOSE (never accepted, or the
        // event was lost) release their pins.
        if self.held.iter().any(|k| k.remote.is_some()) {
            // The kernel side is gone if this fails: the next send says so.
            let _ = self.to_kernel(KernelCmd::CheckPins);
        }
    }
}

/// The openraft configuration of the daemon's timers.
fn raft_config(cfg: &Config) -> io::Result<Arc<openraft::Config>> {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let t = &cfg.timing;
    let config = openraft::Config {
        cluster_name: format!("vr-dhostd-vr{}", cfg.vr),
        heartbeat_interval: ms(t.heartbeat),
        election_timeout_min: ms(t.election.0),
        election_timeout_max: ms(t.election.1),
        // A snapshot is sent whole: give it the claim timeout.
        install_snapshot_timeout: ms(t.claim_timeout),
        snapshot_policy: SnapshotPolicy::LogsSinceLast(5000),
        max_in_snapshot_log_to_keep: 1000,
        ..Default::default()
    };
    config.validate().map(Arc::new).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("distributed host: {e}"),
        )
    })
}

/// Runs the daemon (see [`super::run`]); `cfg` is checked.
pub(super) async fn run(
    cfg: Config,
    listener: TcpListener,
    events: mpsc::Receiver<KernelEvent>,
    kernel: mpsc::UnboundedSender<KernelCmd>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let member = cfg.member;
    let me = u64::from(member.0);
    let cluster = cfg.cluster();
    let config = raft_config(&cfg)?;
    std::fs::create_dir_all(&cfg.state_dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "distributed host: state directory {}: {e}",
                cfg.state_dir.display()
            ),
        )
    })?;
    let db = store::open(&cfg.state_dir.join("raft.redb")).map_err(storage_error)?;
    let sm = StateMachine::with_kernel(Arc::clone(&db), kernel.clone()).map_err(storage_error)?;
    let view = sm.view();
    let acks = Acks::default();
    let network = net::Network {
        me,
        cluster,
        backoff: cfg.timing.heartbeat,
        acks: acks.clone(),
    };
    let raft = Raft::new(me, config, network, LogStore::new(db), sm)
        .await
        .map_err(storage_error)?;
    let server = tokio::spawn(net::serve(
        listener,
        raft.clone(),
        me,
        cluster,
        acks.clone(),
    ));
    let result = serve(cfg, raft.clone(), view, acks, events, kernel, shutdown).await;
    server.abort();
    if let Err(e) = raft.shutdown().await {
        log(member, format_args!("stopping the Raft node: {e}"));
    }
    result
}

/// Runs the node on `raft` (whose server runs) until `shutdown`, or an
/// error; the caller stops the Raft node.
async fn serve(
    cfg: Config,
    raft: Raft<TypeConfig>,
    view: View,
    acks: Acks,
    mut events: mpsc::Receiver<KernelEvent>,
    kernel: mpsc::UnboundedSender<KernelCmd>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let me = u64::from(cfg.member.0);
    let nodes: BTreeMap<u64, BasicNode> = cfg
        .members
        .iter()
        .map(|(m, addr)| (u64::from(m.0), BasicNode::new(addr.to_string())))
        .collect();
    // The smallest id starts the group, once: its store is empty.
    let smallest = nodes.keys().next().copied().unwrap_or(me);
    if !raft.is_initialized().await.map_err(storage_error)? {
        if smallest == me {
            if let Err(e) = raft.initialize(nodes.clone()).await {
                log(cfg.member, format_args!("initializing the group: {e}"));
            }
        } else {
            log(
                cfg.member,
                format_args!("a new group: waiting for member {smallest} to start it"),
            );
        }
    }
    kernel.send(cfg.slices()?).map_err(|_| kernel_gone())?;
    let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let proposer = Proposer {
        raft: raft.clone(),
        me,
        cluster: cfg.cluster(),
        addrs: nodes.iter().map(|(&id, n)| (id, n.addr.clone())).collect(),
        retry: cfg.timing.heartbeat,
        acks: acks.clone(),
        peer: None,
    };
    // Dropped (so aborted) when this function returns.
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(proposer.run(jobs_rx, done_tx));
    let mut tick = time::interval(cfg.timing.heartbeat);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut metrics = raft.metrics();
    let mut node = Node {
        cfg,
        raft,
        view,
        acks,
        kernel,
        jobs: jobs_tx,
        next_job: 0,
        pending: HashMap::new(),
        pending_keys: HashMap::new(),
        held: BTreeSet::new(),
        released: BTreeSet::new(),
        ready: false,
        leader: None,
        leading: None,
        configured_term: None,
        quorum_at: None,
        is_leader: false,
        lead_sent: None,
        silent: BTreeMap::new(),
        next_sweep: Instant::now(),
        ready_at: Instant::now(),
        fenced: false,
        elected_at: None,
        holds_seen: BTreeMap::new(),
        back: BTreeMap::new(),
        drains_seen: BTreeMap::new(),
        drain_waits: BTreeMap::new(),
        leaves: BTreeMap::new(),
        leave_of: BTreeMap::new(),
        leave_proposing: BTreeSet::new(),
        next_leave_drain: 0,
        quiescing: BTreeMap::new(),
        moving: BTreeMap::new(),
    };
    // No lead until this daemon knows the group's.
    node.update_lead()?;
    let mut shutdown = pin!(shutdown);
    let result = loop {
        let stepdown = node.stepdown_at();
        let fence = node.fence_at();
        let step = tokio::select! {
            () = &mut shutdown => break node.hold(&mut done_rx).await,
            ev = events.recv() => match ev {
                Some(ev) => node.kernel_event(ev),
                None => Err(kernel_gone()),
            },
            Some((id, outcome)) = done_rx.recv() => node.done(id, outcome),
            // The quorum's acknowledgements, as they come.
            Ok(()) = metrics.changed() => {
                let m = metrics.borrow_and_update().clone();
                node.metrics(&m, true);
                node.update_lead()
            }
            // A lead without a quorum's acknowledgement stands down on
            // time, whatever the tick.
            () = sleep_until(stepdown) => node.update_lead(),
            // And a member cut off fences itself on time.
            () = sleep_until(fence) => node.check_fence(),
            _ = tick.tick() => node.tick(),
        };
        if let Err(e) = step {
            break Err(e);
        }
    };
    // On every way out, errors included (the kernel may be gone).
    let down = node.stand_down().await;
    result.and(down)
}

/// Until `t`, or for ever.
async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
