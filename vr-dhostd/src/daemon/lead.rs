// SPDX-License-Identifier: GPL-2.0-only
//! The lead's daemon: one main loop that owns the [`db::Lead`] and serves
//! its own kernel's events and every member link's messages in turn, so
//! that each change is published in sequence order to everyone.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{self, Instant};

use super::link::{self, Frame, LinkEvent, LinkParams};
use super::{kernel_gone, log, Config, KernelCmd, KernelEvent};
use crate::db::{self, Change, Claimed, MemberId, Update};
use crate::proto::{self, Message};

/// The most connections that have not said `Hello` yet; more are closed
/// at once.
const MAX_NEW_CONNS: usize = 64;

/// How long the lead waits after a failed `accept` (e.g. out of file
/// descriptors) before it accepts again.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// A member's connection.
struct Conn {
    /// The link's queue; dropping it closes the link.
    out: mpsc::Sender<Frame>,
    /// The member, once it said `Hello`.
    member: Option<MemberId>,
    peer: SocketAddr,
}

struct Lead {
    cfg: Config,
    db: db::Lead,
    start: Instant,
    cmds: mpsc::Sender<KernelCmd>,
    conns: HashMap<u64, Conn>,
    /// The connection of each member that said `Hello`.
    sessions: HashMap<MemberId, u64>,
    next_id: u64,
    /// Members whose link was dropped and whose keys are still to release.
    lost: Vec<MemberId>,
}

/// Runs the lead's daemon (see [`super::run`]).
pub(super) async fn run<F: Future<Output = ()>>(
    cfg: Config,
    listener: TcpListener,
    mut events: mpsc::Receiver<KernelEvent>,
    cmds: mpsc::Sender<KernelCmd>,
    mut shutdown: Pin<&mut F>,
) -> io::Result<()> {
    let mut lead = Lead {
        db: db::Lead::new(cfg.addrs.iter().copied(), cfg.members.iter().copied()),
        start: Instant::now(),
        cmds,
        conns: HashMap::new(),
        sessions: HashMap::new(),
        next_id: 0,
        lost: Vec::new(),
        cfg,
    };
    lead.kernel(lead.cfg.slices()?).await?;
    lead.kernel(KernelCmd::Replace {
        entries: lead.db.snapshot().entries,
    })
    .await?;
    if let Ok(addr) = listener.local_addr() {
        lead.log(format_args!(
            "lead of {:?}, listening on {addr}",
            lead.cfg.addrs
        ));
    }
    let (link_events, mut from_links) = mpsc::channel(link::EVENT_QUEUE);
    // Dropped with this future: every link task is aborted.
    let mut links = JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => lead.accept(stream, peer, &mut links, &link_events),
                Err(e) => {
                    lead.log(format_args!("accept: {e}"));
                    time::sleep(ACCEPT_PAUSE).await;
                }
            },
            ev = events.recv() => match ev {
                Some(ev) => lead.kernel_event(ev).await?,
                None => return Err(kernel_gone()),
            },
            Some((id, ev)) = from_links.recv() => lead.link_event(id, ev).await?,
            Some(_) = links.join_next() => {}
        }
        lead.release_lost().await?;
    }
}

impl Lead {
    fn log(&self, what: std::fmt::Arguments<'_>) {
        log(self.cfg.member, what);
    }

    /// Milliseconds since the daemon started, the clock of the [`db::Lead`].
    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn kernel(&self, cmd: KernelCmd) -> io::Result<()> {
        self.cmds.send(cmd).await.map_err(|_| kernel_gone())
    }

    fn accept(
        &mut self,
        stream: TcpStream,
        peer: SocketAddr,
        links: &mut JoinSet<()>,
        events: &mpsc::Sender<(u64, LinkEvent)>,
    ) {
        if self.conns.len().saturating_sub(self.sessions.len()) >= MAX_NEW_CONNS {
            self.log(format_args!(
                "{peer}: closed, {MAX_NEW_CONNS} connections are already waiting for their Hello"
            ));
            return;
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let (out, out_rx) = mpsc::channel(link::OUT_QUEUE);
        let params = LinkParams {
            me: self.cfg.member,
            heartbeat: self.cfg.timing.heartbeat,
            lease: self.cfg.timing.lease,
            max_frame: link::MEMBER_FRAME_MAX,
        };
        links.spawn(link::run(stream, id, params, out_rx, events.clone()));
        self.conns.insert(
            id,
            Conn {
                out,
                member: None,
                peer,
            },
        );
    }

    async fn kernel_event(&mut self, ev: KernelEvent) -> io::Result<()> {
        let me = self.cfg.member;
        match ev {
            KernelEvent::Claim { cookie, key } => {
                let errno = match self.db.claim(me, key, self.now_ms()) {
                    Ok(Claimed::Granted(update)) => {
                        self.publish(update).await?;
                        0
                    }
                    Ok(Claimed::AlreadyOwned { .. }) => 0,
                    Err(refusal) => refusal.errno(),
                };
                self.kernel(KernelCmd::Answer { cookie, errno }).await
            }
            KernelEvent::Release { key } => match self.db.release(me, key) {
                Some(update) => self.publish(update).await,
                None => Ok(()),
            },
        }
    }

    async fn link_event(&mut self, id: u64, ev: LinkEvent) -> io::Result<()> {
        // Events of a link already dropped are late: ignored.
        let Some(conn) = self.conns.get(&id) else {
            return Ok(());
        };
        let peer = conn.peer;
        match (conn.member, ev) {
            (None, LinkEvent::Closed(reason)) => {
                self.log(format_args!("{peer}: closed before its Hello: {reason}"));
                self.conns.remove(&id);
            }
            (Some(member), LinkEvent::Closed(reason)) => {
                self.log(format_args!("lost {member} ({peer}): {reason}"));
                self.drop_session(member);
            }
            (None, LinkEvent::Msg(msg)) => self.hello(id, peer, msg)?,
            (Some(member), LinkEvent::Msg(msg)) => self.message(member, msg).await?,
        }
        Ok(())
    }

    /// The first message on connection `id`.
    fn hello(&mut self, id: u64, peer: SocketAddr, msg: Message) -> io::Result<()> {
        let (version, member, name) = match msg {
            Message::Hello {
                version,
                member,
                name,
            } => (version, member, name),
            other => {
                self.log(format_args!(
                    "{peer}: closed, sent {} before its Hello",
                    other.name()
                ));
                self.conns.remove(&id);
                return Ok(());
            }
        };
        let refusal = if version == 0 {
            Some("protocol version 0")
        } else if member == self.cfg.member {
            Some("the lead's own member id")
        } else if !self.cfg.members.contains(&member) {
            Some("not a configured member")
        } else {
            None
        };
        if let Some(why) = refusal {
            self.log(format_args!(
                "{peer}: closed, Hello from {member} ({name}): {why}"
            ));
            self.conns.remove(&id);
            return Ok(());
        }
        if let Some(old) = self.sessions.insert(member, id) {
            // The member is alive and starts over: its keys stay.
            self.log(format_args!(
                "{member} connects again, its previous link is dropped"
            ));
            self.conns.remove(&old);
        }
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.member = Some(member);
        }
        let snapshot = self.db.snapshot();
        self.log(format_args!(
            "{member} ({name}) joined from {peer}, sent {} ownerships at update {}",
            snapshot.entries.len(),
            snapshot.seq
        ));
        let hello = Message::Hello {
            version: proto::VERSION,
            member: self.cfg.member,
            name: self.cfg.name.clone(),
        };
        self.send(member, link::frame(&hello)?);
        self.send(member, link::frame(&Message::Snapshot(snapshot))?);
        Ok(())
    }

    /// A message from `member`, after its `Hello`.
    async fn message(&mut self, member: MemberId, msg: Message) -> io::Result<()> {
        let reply = match msg {
            Message::Heartbeat { member: m } if m == member => return Ok(()),
            Message::Claim { req_id, key } => match self.db.claim(member, key, self.now_ms()) {
                Ok(Claimed::Granted(update)) => {
                    // The claimer's update before its answer.
                    self.publish(update).await?;
                    Message::Granted {
                        req_id,
                        seq: update.seq,
                    }
                }
                Ok(claimed @ Claimed::AlreadyOwned { .. }) => Message::Granted {
                    req_id,
                    seq: claimed.seq(),
                },
                Err(refusal) => Message::refused(req_id, &refusal),
            },
            Message::Release { key } => {
                return match self.db.release(member, key) {
                    Some(update) => self.publish(update).await,
                    None => Ok(()),
                };
            }
            Message::SnapshotRequest => Message::Snapshot(self.db.snapshot()),
            other => {
                self.log(format_args!(
                    "dropping the link of {member}: unexpected {} message",
                    other.name()
                ));
                self.drop_session(member);
                return Ok(());
            }
        };
        self.send(member, link::frame(&reply)?);
        Ok(())
    }

    /// Queues `frame` on `member`'s link; drops the link if it is full or
    /// gone.
    fn send(&mut self, member: MemberId, frame: Frame) {
        let Some(conn) = self.sessions.get(&member).and_then(|id| self.conns.get(id)) else {
            return;
        };
        if let Err(e) = conn.out.try_send(frame) {
            self.log(format_args!("dropping the link of {member}: {e}"));
            self.drop_session(member);
        }
    }

    /// Publishes `update` to every member and to the lead's kernel.
    async fn publish(&mut self, update: Update) -> io::Result<()> {
        let frame = link::frame(&Message::Update(update))?;
        let mut failed = Vec::new();
        for (&member, id) in &self.sessions {
            if let Some(conn) = self.conns.get(id) {
                if conn.out.try_send(frame.clone()).is_err() {
                    failed.push(member);
                }
            }
        }
        for member in failed {
            self.log(format_args!(
                "dropping the link of {member}: it does not keep up with the updates"
            ));
            self.drop_session(member);
        }
        self.kernel(match update.change {
            Change::Grant { key, member } => KernelCmd::Install { key, owner: member },
            Change::Release { key } => KernelCmd::Remove { key },
        })
        .await
    }

    /// Drops `member`'s link; its keys are released by
    /// [`Lead::release_lost`].
    fn drop_session(&mut self, member: MemberId) {
        if let Some(id) = self.sessions.remove(&member) {
            self.conns.remove(&id);
            self.lost.push(member);
        }
    }

    /// Releases the keys of the members whose link was dropped.
    async fn release_lost(&mut self) -> io::Result<()> {
        while let Some(member) = self.lost.pop() {
            let updates = self.db.release_all(member);
            if !updates.is_empty() {
                self.log(format_args!(
                    "released the {} keys of {member}",
                    updates.len()
                ));
            }
            for update in updates {
                self.publish(update).await?;
            }
        }
        Ok(())
    }
}
