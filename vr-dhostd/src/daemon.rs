// SPDX-License-Identifier: GPL-2.0-only
//! The ownership-sync daemon of a distributed IP host: the I/O around the
//! pure [`db`] and [`proto`] logic, on tokio.
//!
//! One daemon runs next to each member's kernel. It talks to its kernel
//! only through two channels ([`KernelEvent`] in, [`KernelCmd`] out), so it
//! runs and is tested without a kernel; the generic netlink side is a
//! separate task that owns the other ends. It talks to the other daemons
//! over TCP with the framed wire format of [`proto`].
//!
//! # Roles
//!
//! The daemon whose [`Config::member`] is [`Config::lead`] is the lead: it
//! holds the [`db::Lead`], the single authority over the ownerships, and
//! listens for the members. Its own kernel's claims and releases go to the
//! same [`db::Lead`] as the members' (no network in between). Every change
//! is published, with its sequence number, to every connected member and
//! to its own kernel ([`KernelCmd::Install`], [`KernelCmd::Remove`]).
//!
//! Every other daemon is a member: it connects to [`Config::lead_addr`]
//! (retrying with an exponential backoff between [`Timing::reconnect_min`]
//! and [`Timing::reconnect_max`]), says `Hello`, loads the lead's
//! `Snapshot` into its [`db::Replica`] and its kernel
//! ([`KernelCmd::Replace`]), then applies the lead's updates in sequence
//! order. On a sequence gap it asks for a new snapshot; on a new
//! connection it always gets one. There is no consensus protocol and no
//! election: the lead is configured.
//!
//! # Claims
//!
//! A member forwards its kernel's [`KernelEvent::Claim`] to the lead and
//! relays the answer as [`KernelCmd::Answer`]: 0 if granted (the kernel's
//! copy shows the grant by then: the lead sends the update before the
//! answer), else the lead's errno (`EADDRINUSE` for a key another member
//! owns, see [`db::Refusal::errno`]). A member never decides a claim
//! itself:
//! - while it is not in sync with the lead (not connected, or connected
//!   but the lead's snapshot has not arrived yet), it answers every claim
//!   at once with `EHOSTUNREACH`: the daemon's or the lead's absence is a
//!   clear error, never silent local-only operation;
//! - a claim the lead has not answered within [`Timing::claim_timeout`]
//!   is answered `ETIMEDOUT` (if the lead grants it later, the daemon gives
//!   the key back with a `Release`);
//! - a claim in flight when the link to the lead is lost is answered
//!   `EHOSTUNREACH`;
//! - beyond [`MAX_PENDING_CLAIMS`] claims in flight, `ENOBUFS`;
//! - a key that is not valid ([`db::Key::is_valid`], e.g. a remote of
//!   another family than the address, which the wire format does not
//!   carry) is answered `EINVAL` at once, as the lead would answer it.
//!
//! A [`KernelEvent::Release`] is forwarded to the lead, or, while out of
//! sync, kept and sent once back in sync. The daemon remembers the keys its
//! kernel holds (granted and not released); when a new session's snapshot
//! does not show one of them as this member's (the lead released it when
//! the previous link was lost, or the lead restarted), the daemon claims it
//! again. If that claim is refused (another member took the key in the
//! meantime) the conflict is logged: the kernel's copy then shows the other
//! owner, and the kernel side must deal with its local socket.
//!
//! # Member loss
//!
//! Each side of a link sends a `Heartbeat` every [`Timing::heartbeat`] and
//! drops the link when it has read nothing from the other side for
//! [`Timing::lease`]. When the lead drops or loses the link of a member
//! (end of stream, error, silence, a malformed or unexpected frame, or a
//! member that does not read what the lead sends), it releases every key
//! of that member at once and publishes the releases. Hence
//! [`MEMBER_LOSS_BOUND_MS`]: the keys of a member whose daemon is killed or
//! whose host shuts down (its kernel closes the TCP connection) are
//! released as soon as the lead reads the end of the stream; those of a
//! member that stops without closing the connection (a hung or powered-off
//! host, a cut cable) at most [`Timing::lease`] after the last frame the
//! lead read from it, that is, at most the lease after the member stopped.
//! Add the lead's scheduling latency and one network hop for the other
//! members' kernels to get the `Remove`; the keys are then free to claim.
//! A live member sends a frame at least every heartbeat interval, so it is
//! only taken for lost after `lease - heartbeat` of network trouble.
//! (Liveness is tracked per link, where the frames are read, rather than
//! with [`db::Lead::expire`]: the rule is the same, and a link that is
//! gone must be released at once anyway.) A member "does not read" when
//! the lead has 65536 frames queued for it that TCP does not take: it
//! cannot follow the updates, and resyncs from a new link.
//!
//! A member that loses the lead (same rules) keeps its kernel's copy as it
//! is (stale but the best it has), answers claims `EHOSTUNREACH`, and
//! reconnects.
//!
//! # Ephemeral ports
//!
//! Each daemon sends its kernel [`KernelCmd::Slices`] once: the lead when
//! it starts, a member after the lead's first `Hello`. The slices derive
//! from [`Config::members`] alone ([`db::ephemeral_range`] over the sorted
//! ids, as [`db::Lead::slice`]), so all members must be configured with the
//! same member list.
//!
//! # Restarts
//!
//! A daemon starts knowing no local sockets: a lead that restarts starts
//! with an empty database (and tells its kernel with an empty
//! [`KernelCmd::Replace`]), and the members claim their held keys again
//! when they reconnect. After a member's daemon restarts, the kernel side
//! must claim the keys of its existing sockets again, if it wants them
//! kept: the lead released them when the old daemon's link closed.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::pin::pin;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::db::{self, Key, MemberId};
use super::proto;

mod lead;
mod link;
mod member;
#[cfg(test)]
mod tests;

/// The longest a lost member's keys stay owned, in ms, with the default
/// [`Timing`]: the lead releases them at most [`db::LEASE_MS`] after the
/// last frame it read from the member, and as soon as it reads the end of
/// the stream if the member's host closes the connection (see "Member
/// loss" above). The other members' kernels get the `Remove` one network
/// hop later.
#[cfg_attr(not(test), allow(dead_code))]
pub const MEMBER_LOSS_BOUND_MS: u64 = db::LEASE_MS;

/// How long a member waits for the lead's answer to a claim by default,
/// in ms: two heartbeats, below the lease, so a `bind` waits at most 2 s.
pub const CLAIM_TIMEOUT_MS: u64 = 2 * db::HEARTBEAT_MS;

/// The default first wait before a member connects again, in ms.
pub const RECONNECT_MIN_MS: u64 = 100;

/// The default longest wait between two connection attempts, in ms.
pub const RECONNECT_MAX_MS: u64 = 2000;

/// The most claims a member has in flight; its kernel's claims beyond are
/// answered `ENOBUFS`.
pub const MAX_PENDING_CLAIMS: usize = 16384;

/// From the kernel to the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelEvent {
    /// A local socket wants `key` (bind, listen or connect on a
    /// distributed address). Answered with [`KernelCmd::Answer`] with the
    /// same `cookie`.
    Claim { cookie: u32, key: Key },
    /// The last local socket using `key` is gone.
    Release { key: Key },
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
}

/// The daemon's timers. [`Timing::default`] uses [`db::HEARTBEAT_MS`],
/// [`db::LEASE_MS`], [`CLAIM_TIMEOUT_MS`], [`RECONNECT_MIN_MS`] and
/// [`RECONNECT_MAX_MS`]; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// How often each side of a link sends a heartbeat.
    pub heartbeat: Duration,
    /// How long a side reads nothing from the other before it drops the
    /// link (see "Member loss"). Longer than `heartbeat`.
    pub lease: Duration,
    /// How long a member waits for the lead's answer to a claim.
    pub claim_timeout: Duration,
    /// The wait before a member's second connection attempt in a row; it
    /// doubles at each failure up to `reconnect_max`. The first attempt
    /// after a working session is immediate.
    pub reconnect_min: Duration,
    /// The longest wait between two connection attempts.
    pub reconnect_max: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            heartbeat: Duration::from_millis(db::HEARTBEAT_MS),
            lease: Duration::from_millis(db::LEASE_MS),
            claim_timeout: Duration::from_millis(CLAIM_TIMEOUT_MS),
            reconnect_min: Duration::from_millis(RECONNECT_MIN_MS),
            reconnect_max: Duration::from_millis(RECONNECT_MAX_MS),
        }
    }
}

/// A daemon's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// This daemon's member id (1 and up).
    pub member: MemberId,
    /// The lead's member id; this daemon is the lead if it is `member`.
    pub lead: MemberId,
    /// This host's name, sent in `Hello` for the other side's logs (at
    /// most [`proto::NAME_MAX`] bytes).
    pub name: String,
    /// The distributed addresses, IPv4 and IPv6; the lead refuses claims
    /// on others (`EADDRNOTAVAIL`). The lead's [`db::Lead`] uses them, and
    /// the kernel side (wildcard binds, slices).
    pub addrs: Vec<IpAddr>,
    /// Every member, the lead and this one included, in any order. The
    /// ephemeral slices follow the sorted ids.
    pub members: Vec<MemberId>,
    /// Where the lead listens ([`run`] of the lead only).
    pub listen: Option<SocketAddr>,
    /// Where a member reaches the lead (members only).
    pub lead_addr: Option<SocketAddr>,
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
    /// Whether this daemon is the lead.
    pub fn is_lead(&self) -> bool {
        self.member == self.lead
    }

    /// Checks what does not depend on the role.
    fn check(&self) -> io::Result<()> {
        let t = &self.timing;
        if self.member.0 == 0 || self.lead.0 == 0 || self.members.contains(&MemberId(0)) {
            return Err(invalid("member ids start at 1"));
        }
        for (m, what) in [(self.member, "this member"), (self.lead, "the lead")] {
            if !self.members.contains(&m) {
                return Err(invalid(format_args!(
                    "{what} ({m}) is not in the member list"
                )));
            }
        }
        let distinct = sorted_members(&self.members).len();
        if distinct > db::EPHEMERAL.len() {
            return Err(invalid(format_args!(
                "{distinct} members, more than the {} ephemeral ports to share",
                db::EPHEMERAL.len()
            )));
        }
        if self.name.len() > proto::NAME_MAX {
            return Err(invalid(format_args!(
                "host name of {} bytes, longer than {}",
                self.name.len(),
                proto::NAME_MAX
            )));
        }
        if t.heartbeat.is_zero() || t.claim_timeout.is_zero() || t.reconnect_min.is_zero() {
            return Err(invalid(
                "the heartbeat, claim timeout and reconnect times must not be 0",
            ));
        }
        if t.lease <= t.heartbeat {
            return Err(invalid("the lease must be longer than the heartbeat"));
        }
        if t.reconnect_max < t.reconnect_min {
            return Err(invalid("reconnect_max is below reconnect_min"));
        }
        if self.is_lead() && self.addrs.is_empty() {
            return Err(invalid("the lead has no distributed address"));
        }
        Ok(())
    }

    /// The [`KernelCmd::Slices`] of this member.
    fn slices(&self) -> io::Result<KernelCmd> {
        let all = slices(&self.members);
        let own = all
            .iter()
            .find(|(m, _)| *m == self.member)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| invalid(format_args!("{} has no ephemeral slice", self.member)))?;
        Ok(KernelCmd::Slices { own, all })
    }
}

/// The member ids, sorted and without duplicates.
fn sorted_members(members: &[MemberId]) -> Vec<MemberId> {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// Every member's ephemeral slice, in member id order: the slices
/// [`db::Lead::slice`] gives (members without one left out).
fn slices(members: &[MemberId]) -> Vec<(MemberId, RangeInclusive<u16>)> {
    let sorted = sorted_members(members);
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

/// Runs the daemon of `cfg.member` until `shutdown` completes (then
/// `Ok`), or its kernel side closes a channel, or the configuration is
/// invalid, or the lead cannot listen on [`Config::listen`] (then `Err`).
/// Network errors are logged and never end the daemon.
///
/// `events` and `cmds` are the kernel's ends. A daemon that stops drops its
/// links: the lead then releases that member's keys.
pub async fn run(
    cfg: Config,
    events: mpsc::Receiver<KernelEvent>,
    cmds: mpsc::Sender<KernelCmd>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    cfg.check()?;
    if cfg.is_lead() {
        let addr = cfg
            .listen
            .ok_or_else(|| invalid("the lead has no listen address"))?;
        let listener = TcpListener::bind(addr).await?;
        lead::run(cfg, listener, events, cmds, pin!(shutdown)).await
    } else {
        let addr = cfg
            .lead_addr
            .ok_or_else(|| invalid("a member needs the lead's address"))?;
        member::run(cfg, addr, events, cmds, pin!(shutdown)).await
    }
}

/// As [`run`] for the lead, on a bound `listener` instead of
/// [`Config::listen`] (for socket activation, or a test's port 0).
#[cfg_attr(not(test), allow(dead_code))]
pub async fn run_lead(
    cfg: Config,
    listener: TcpListener,
    events: mpsc::Receiver<KernelEvent>,
    cmds: mpsc::Sender<KernelCmd>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    cfg.check()?;
    if !cfg.is_lead() {
        return Err(invalid(format_args!(
            "{} is not the lead ({})",
            cfg.member, cfg.lead
        )));
    }
    lead::run(cfg, listener, events, cmds, pin!(shutdown)).await
}
