// SPDX-License-Identifier: GPL-2.0-only
//! A member's daemon: one main loop that keeps (at most) one link to the
//! lead, forwards its kernel's claims and releases, and applies the lead's
//! updates to its [`Replica`] and its kernel.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::mem;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, error::SendError, OwnedPermit};
use tokio::task::JoinSet;
use tokio::time::{self, Instant};

use super::link::{self, Frame, LinkEvent, LinkParams};
use super::{kernel_gone, log, Config, KernelCmd, KernelEvent, MAX_PENDING_CLAIMS};
use crate::db::{Change, Key, MemberId, Replica, Snapshot, Update};
use crate::proto::{self, Message};

/// The capacity of the link's queue: small in tests, so that they go
/// through the backlog.
const QUEUE: usize = if cfg!(test) { 16 } else { link::OUT_QUEUE };

/// A connection attempt in progress.
type Attempt = Pin<Box<dyn Future<Output = io::Result<TcpStream>> + Send>>;

/// Who waits for the answer to a claim sent to the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    /// The kernel's claim `cookie`, answered ETIMEDOUT at `deadline`.
    Kernel { cookie: u32, deadline: Instant },
    /// A kernel claim answered ETIMEDOUT already: a late grant is given
    /// back.
    TimedOut,
    /// The daemon, claiming a key its kernel holds again after a resync.
    Reclaim,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    key: Key,
    waiter: Waiter,
}

/// The link to the lead.
struct Link {
    id: u64,
    /// The link's queue; dropping it closes the link.
    out: mpsc::Sender<Frame>,
    /// The lead said `Hello`.
    hello: bool,
    /// The lead's first snapshot arrived: claims go to the lead.
    in_sync: bool,
    /// Updates are ignored until the next snapshot (the first one, or
    /// after a gap).
    awaiting_snapshot: bool,
}

/// The waits between connection attempts.
struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    /// The wait before the next attempt; the one after is longer.
    fn next(&mut self) -> Duration {
        let wait = self.next;
        self.next = wait.saturating_mul(2).max(self.min).min(self.max);
        wait
    }

    /// The next attempt is immediate.
    fn reset(&mut self) {
        self.next = Duration::ZERO;
    }
}

struct Member {
    cfg: Config,
    cmds: mpsc::Sender<KernelCmd>,
    replica: Replica,
    /// The keys the kernel holds: granted and not released.
    held: BTreeSet<Key>,
    /// Keys the kernel released while the daemon could not tell the lead.
    released: BTreeSet<Key>,
    /// The claims sent to the lead, by request id.
    pending: HashMap<u32, Pending>,
    /// The kernel claims' deadlines, in order (with stale entries).
    deadlines: VecDeque<(Instant, u32)>,
    next_req: u32,
    link: Option<Link>,
    /// The messages for the lead not in the link's queue yet: the queue is
    /// bounded, and a resync may claim more keys again than it holds.
    backlog: VecDeque<Message>,
    next_id: u64,
    /// Why the link must be dropped, noticed while handling an event.
    failed: Option<String>,
    backoff: Backoff,
    /// The last connection error logged, so a dead lead is logged once.
    last_error: Option<String>,
    slices_sent: bool,
}

/// Runs a member's daemon (see [`super::run`]).
pub(super) async fn run<F: Future<Output = ()>>(
    cfg: Config,
    lead_addr: SocketAddr,
    mut events: mpsc::Receiver<KernelEvent>,
    cmds: mpsc::Sender<KernelCmd>,
    mut shutdown: Pin<&mut F>,
) -> io::Result<()> {
    let timing = cfg.timing;
    let mut m = Member {
        cfg,
        cmds,
        replica: Replica::new(),
        held: BTreeSet::new(),
        released: BTreeSet::new(),
        pending: HashMap::new(),
        deadlines: VecDeque::new(),
        next_req: 1,
        link: None,
        backlog: VecDeque::new(),
        next_id: 0,
        failed: None,
        backoff: Backoff {
            next: Duration::ZERO,
            min: timing.reconnect_min,
            max: timing.reconnect_max,
        },
        last_error: None,
        slices_sent: false,
    };
    let (link_events, mut from_link) = mpsc::channel(link::EVENT_QUEUE);
    // Dropped with this future: the link task is aborted.
    let mut links = JoinSet::new();
    let mut attempt: Option<Attempt> = None;
    loop {
        if m.link.is_none() && attempt.is_none() {
            attempt = Some(Box::pin(connect(lead_addr, m.backoff.next(), timing.lease)));
        }
        let deadline = m.deadlines.front().map(|&(t, _)| t);
        let flush = !m.backlog.is_empty() && m.failed.is_none();
        let out = m.link.as_ref().filter(|_| flush).map(|l| l.out.clone());
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            res = maybe(&mut attempt) => {
                attempt = None;
                match res {
                    Ok(stream) => m.open(stream, &mut links, &link_events),
                    Err(e) => m.unreachable(lead_addr, e),
                }
            }
            ev = events.recv() => match ev {
                Some(ev) => m.kernel_event(ev).await?,
                None => return Err(kernel_gone()),
            },
            Some((id, ev)) = from_link.recv() => m.link_event(id, ev).await?,
            () = sleep_until(deadline) => m.expire_claims().await?,
            permit = reserve(out) => m.flush(permit),
            Some(_) = links.join_next() => {}
        }
        if let Some(reason) = m.failed.take() {
            m.lose_link(&reason).await?;
        }
    }
}

/// Connects to `addr` after `wait`, in at most `limit`.
async fn connect(addr: SocketAddr, wait: Duration, limit: Duration) -> io::Result<TcpStream> {
    time::sleep(wait).await;
    time::timeout(limit, TcpStream::connect(addr))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connection timed out"))?
}

/// The output of `f` if there is one; else never.
async fn maybe<F: Future + Unpin>(f: &mut Option<F>) -> F::Output {
    match f {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

/// A place in `out` if there is one; else never.
async fn reserve(out: Option<mpsc::Sender<Frame>>) -> Result<OwnedPermit<Frame>, SendError<()>> {
    match out {
        Some(out) => out.reserve_owned().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `t` if there is one; else forever.
async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The errno to answer for a refusal: the lead's, unless it is not a
/// valid (positive) errno, which must never read as a grant.
/// The errnos the kernel takes in a claim answer (`claim-answer` refuses any other: see the
/// `errno` attribute in Documentation/netlink/specs/vr.yaml).
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

/// The errno a bind fails with when the lead refuses its claim with `errno`: the lead's, if the
/// kernel takes it, else EHOSTUNREACH, as for a lead whose answers cannot be used.
fn refusal_errno(errno: i32) -> i32 {
    if CLAIM_ERRNOS.contains(&errno) {
        errno
    } else {
        libc::EHOSTUNREACH
    }
}

impl Member {
    fn log(&self, what: std::fmt::Arguments<'_>) {
        log(self.cfg.member, what);
    }

    async fn kernel(&self, cmd: KernelCmd) -> io::Result<()> {
        self.cmds.send(cmd).await.map_err(|_| kernel_gone())
    }

    async fn answer(&self, cookie: u32, errno: i32) -> io::Result<()> {
        self.kernel(KernelCmd::Answer { cookie, errno }).await
    }

    fn in_sync(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.in_sync) && self.failed.is_none()
    }

    fn unreachable(&mut self, addr: SocketAddr, e: io::Error) {
        let e = e.to_string();
        if self.last_error.as_ref() != Some(&e) {
            self.log(format_args!("cannot reach the lead at {addr}: {e}"));
            self.last_error = Some(e);
        }
    }

    /// Starts a link on `stream`, says `Hello`.
    fn open(
        &mut self,
        stream: TcpStream,
        links: &mut JoinSet<()>,
        events: &mpsc::Sender<(u64, LinkEvent)>,
    ) {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let (out, out_rx) = mpsc::channel(QUEUE);
        let params = LinkParams {
            me: self.cfg.member,
            heartbeat: self.cfg.timing.heartbeat,
            lease: self.cfg.timing.lease,
            max_frame: link::LEAD_FRAME_MAX,
        };
        links.spawn(link::run(stream, id, params, out_rx, events.clone()));
        self.link = Some(Link {
            id,
            out,
            hello: false,
            in_sync: false,
            awaiting_snapshot: true,
        });
        self.send(Message::Hello {
            version: proto::VERSION,
            member: self.cfg.member,
            name: self.cfg.name.clone(),
        });
    }

    /// Sends `msg` to the lead (through the backlog), if there is a link.
    fn send(&mut self, msg: Message) {
        if self.link.is_some() && self.failed.is_none() {
            self.backlog.push_back(msg);
        }
    }

    /// Moves the backlog to the link's queue, as far as there is room.
    fn flush(&mut self, permit: Result<OwnedPermit<Frame>, SendError<()>>) {
        let Ok(mut permit) = permit else {
            // The link task is gone; its reason follows.
            return;
        };
        while let Some(msg) = self.backlog.pop_front() {
            let frame = match link::frame(&msg) {
                Ok(frame) => frame,
                Err(e) => {
                    self.log(format_args!("cannot send {}: {e}", msg.name()));
                    continue;
                }
            };
            match permit.send(frame).try_reserve_owned() {
                Ok(next) => permit = next,
                Err(_) => return,
            }
        }
    }

    /// Drops the link: the claims in flight are answered EHOSTUNREACH.
    async fn lose_link(&mut self, reason: &str) -> io::Result<()> {
        let Some(link) = self.link.take() else {
            return Ok(());
        };
        if link.in_sync {
            self.log(format_args!("lost the lead: {reason}"));
        } else {
            self.log(format_args!(
                "link to the lead failed before the sync: {reason}"
            ));
        }
        self.deadlines.clear();
        for msg in mem::take(&mut self.backlog) {
            if let Message::Release { key } = msg {
                self.released.insert(key);
            }
        }
        for (_, p) in mem::take(&mut self.pending) {
            // The lead may have granted the claim and have the key still,
            // if it did not notice the link is gone: give it back.
            match p.waiter {
                Waiter::Kernel { cookie, .. } => {
                    self.answer(cookie, libc::EHOSTUNREACH).await?;
                    if !self.held.contains(&p.key) {
                        self.released.insert(p.key);
                    }
                }
                Waiter::TimedOut => {
                    if !self.held.contains(&p.key) {
                        self.released.insert(p.key);
                    }
                }
                Waiter::Reclaim => {}
            }
        }
        Ok(())
    }

    async fn kernel_event(&mut self, ev: KernelEvent) -> io::Result<()> {
        match ev {
            KernelEvent::Claim { cookie, key } => {
                if !self.in_sync() {
                    return self.answer(cookie, libc::EHOSTUNREACH).await;
                }
                if !key.is_valid() {
                    // The lead refuses it as invalid (EINVAL), and the
                    // wire format may not carry it (a remote of another
                    // family than the address).
                    return self.answer(cookie, libc::EINVAL).await;
                }
                if self.pending.len() >= MAX_PENDING_CLAIMS {
                    return self.answer(cookie, libc::ENOBUFS).await;
                }
                let deadline = Instant::now() + self.cfg.timing.claim_timeout;
                let req_id = self.claim(key, Waiter::Kernel { cookie, deadline });
                self.deadlines.push_back((deadline, req_id));
                Ok(())
            }
            KernelEvent::Release { key } => {
                self.held.remove(&key);
                if self.in_sync() {
                    self.send(Message::Release { key });
                } else {
                    self.released.insert(key);
                }
                Ok(())
            }
        }
    }

    /// Sends a claim of `key` for `waiter`; its request id.
    fn claim(&mut self, key: Key, waiter: Waiter) -> u32 {
        // At most MAX_PENDING_CLAIMS ids are in use: this ends.
        let mut req_id = self.next_req;
        while self.pending.contains_key(&req_id) {
            req_id = req_id.wrapping_add(1);
        }
        self.next_req = req_id.wrapping_add(1);
        self.pending.insert(req_id, Pending { key, waiter });
        self.send(Message::Claim { req_id, key });
        req_id
    }

    /// Answers ETIMEDOUT the kernel claims whose deadline passed.
    async fn expire_claims(&mut self) -> io::Result<()> {
        let now = Instant::now();
        while let Some(&(deadline, req_id)) = self.deadlines.front() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_front();
            let Some(p) = self.pending.get_mut(&req_id) else {
                continue;
            };
            // A request id in use again has a later deadline.
            if let Waiter::Kernel {
                cookie,
                deadline: d,
            } = p.waiter
            {
                if d == deadline {
                    p.waiter = Waiter::TimedOut;
                    let key = p.key;
                    self.log(format_args!("no answer from the lead for {key}"));
                    self.answer(cookie, libc::ETIMEDOUT).await?;
                }
            }
        }
        Ok(())
    }

    async fn link_event(&mut self, id: u64, ev: LinkEvent) -> io::Result<()> {
        if self.link.as_ref().is_none_or(|l| l.id != id) || self.failed.is_some() {
            // A link already dropped.
            return Ok(());
        }
        match ev {
            LinkEvent::Closed(reason) => self.failed = Some(reason),
            LinkEvent::Msg(msg) => self.message(msg).await?,
        }
        Ok(())
    }

    fn protocol_error(&mut self, what: std::fmt::Arguments<'_>) {
        self.failed = Some(format!("protocol error: {what}"));
    }

    /// A message from the lead on the current link.
    async fn message(&mut self, msg: Message) -> io::Result<()> {
        let hello = self.link.as_ref().is_some_and(|l| l.hello);
        match msg {
            Message::Hello {
                version,
                member,
                name,
            } if !hello => {
                let lead = self.cfg.lead;
                if version == 0 || member != lead {
                    self.protocol_error(format_args!(
                        "Hello from {member} ({name}) version {version}, expected the lead {lead}"
                    ));
                    return Ok(());
                }
                if let Some(link) = &mut self.link {
                    link.hello = true;
                }
                if !self.slices_sent {
                    self.slices_sent = true;
                    self.kernel(self.cfg.slices()?).await?;
                }
                Ok(())
            }
            other if !hello => {
                self.protocol_error(format_args!("{} before Hello", other.name()));
                Ok(())
            }
            Message::Heartbeat { .. } => Ok(()),
            Message::Snapshot(snapshot) => self.load(snapshot).await,
            Message::Update(update) => self.update(update).await,
            Message::Granted { req_id, .. } => self.granted(req_id).await,
            Message::Refused {
                req_id,
                errno,
                owner,
            } => self.refused(req_id, errno, owner).await,
            other => {
                self.protocol_error(format_args!("unexpected {} message", other.name()));
                Ok(())
            }
        }
    }

    async fn load(&mut self, snapshot: Snapshot) -> io::Result<()> {
        let Some(link) = &mut self.link else {
            return Ok(());
        };
        link.awaiting_snapshot = false;
        let first = !link.in_sync;
        link.in_sync = true;
        let (seq, entries) = (snapshot.seq, snapshot.entries.clone());
        self.replica.load(snapshot);
        if first {
            self.backoff.reset();
            self.last_error = None;
            self.log(format_args!(
                "in sync with the lead: {} ownerships at update {seq}",
                entries.len()
            ));
        }
        let me = self.cfg.member;
        let mine: BTreeSet<Key> = entries
            .iter()
            .filter(|&&(_, owner)| owner == me)
            .map(|&(key, _)| key)
            .collect();
        self.kernel(KernelCmd::Replace { entries }).await?;
        if first {
            self.reconcile(&mine);
        }
        Ok(())
    }

    /// At the start of a session: tells the lead the releases it missed,
    /// claims again the held keys the lead does not show as ours.
    fn reconcile(&mut self, mine: &BTreeSet<Key>) {
        for key in mem::take(&mut self.released) {
            self.send(Message::Release { key });
        }
        let lost: Vec<Key> = self.held.difference(mine).copied().collect();
        if !lost.is_empty() {
            self.log(format_args!(
                "claiming again {} keys the kernel holds",
                lost.len()
            ));
        }
        for key in lost {
            self.claim(key, Waiter::Reclaim);
        }
    }

    async fn update(&mut self, update: Update) -> io::Result<()> {
        let Some(link) = &mut self.link else {
            return Ok(());
        };
        if link.awaiting_snapshot {
            return Ok(());
        }
        match self.replica.apply(update) {
            Ok(()) => {
                self.kernel(match update.change {
                    Change::Grant { key, member } => KernelCmd::Install { key, owner: member },
                    Change::Release { key } => KernelCmd::Remove { key },
                })
                .await
            }
            Err(gap) => {
                link.awaiting_snapshot = true;
                self.log(format_args!("{gap}"));
                self.send(Message::SnapshotRequest);
                Ok(())
            }
        }
    }

    async fn granted(&mut self, req_id: u32) -> io::Result<()> {
        let Some(Pending { key, waiter }) = self.pending.remove(&req_id) else {
            self.log(format_args!("grant of an unknown claim {req_id}, ignored"));
            return Ok(());
        };
        match waiter {
            Waiter::Kernel { cookie, .. } => {
                self.held.insert(key);
                if self.link.as_ref().is_some_and(|l| l.awaiting_snapshot) {
                    // The grant's update was skipped: the kernel's copy
                    // shows it all the same before the answer.
                    let owner = self.cfg.member;
                    self.kernel(KernelCmd::Install { key, owner }).await?;
                }
                self.answer(cookie, 0).await?;
            }
            Waiter::TimedOut => {
                let claimed_again = self
                    .pending
                    .values()
                    .any(|p| p.key == key && matches!(p.waiter, Waiter::Kernel { .. }));
                if !self.held.contains(&key) && !claimed_again {
                    self.log(format_args!("late grant of {key}: released"));
                    self.send(Message::Release { key });
                }
            }
            Waiter::Reclaim => {}
        }
        Ok(())
    }

    async fn refused(
        &mut self,
        req_id: u32,
        errno: i32,
        owner: Option<MemberId>,
    ) -> io::Result<()> {
        let Some(Pending { key, waiter }) = self.pending.remove(&req_id) else {
            self.log(format_args!(
                "refusal of an unknown claim {req_id}, ignored"
            ));
            return Ok(());
        };
        if errno <= 0 {
            self.log(format_args!("refusal of {key} with errno {errno}"));
        }
        match waiter {
            Waiter::Kernel { cookie, .. } => self.answer(cookie, refusal_errno(errno)).await?,
            Waiter::TimedOut => {}
            Waiter::Reclaim => {
                self.held.remove(&key);
                let by = owner.map_or(String::new(), |o| format!(", now owned by {o}"));
                self.log(format_args!(
                    "conflict: the kernel holds {key} but the lead refused it (errno {errno}){by}"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_max() {
        let ms = Duration::from_millis;
        let mut b = Backoff {
            next: Duration::ZERO,
            min: ms(100),
            max: ms(1000),
        };
        let waits: Vec<_> = (0..7).map(|_| b.next()).collect();
        assert_eq!(
            waits,
            [
                ms(0),
                ms(100),
                ms(200),
                ms(400),
                ms(800),
                ms(1000),
                ms(1000)
            ]
        );
        b.reset();
        assert_eq!(b.next(), ms(0));
        assert_eq!(b.next(), ms(100));
        let mut huge = Backoff {
            next: Duration::MAX,
            min: ms(1),
            max: Duration::MAX,
        };
        assert_eq!(huge.next(), Duration::MAX);
        assert_eq!(huge.next(), Duration::MAX, "no overflow");
    }

    #[test]
    fn a_refusal_is_never_a_grant() {
        assert_eq!(refusal_errno(libc::EADDRINUSE), libc::EADDRINUSE);
        assert_eq!(refusal_errno(0), libc::EHOSTUNREACH);
        assert_eq!(refusal_errno(-1), libc::EHOSTUNREACH);
    }

    #[test]
    fn a_refusal_is_one_the_kernel_takes() {
        for errno in CLAIM_ERRNOS {
            assert_eq!(refusal_errno(errno), errno);
        }
        // Kernel-internal (ERESTARTSYS), unknown and undocumented codes.
        for errno in [512, 4095, 100_000, libc::EPROTO, libc::EINTR] {
            assert_eq!(refusal_errno(errno), libc::EHOSTUNREACH);
        }
    }
}
