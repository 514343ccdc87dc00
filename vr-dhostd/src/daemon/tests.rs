// SPDX-License-Identifier: GPL-2.0-only
//! The daemons over real TCP on 127.0.0.1, with channel "kernels" and
//! short timers. Every wait is for a channel event or a frame, bounded by
//! [`WAIT`]; the only time measurements check the member-loss bound and
//! the claim timeout.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};

use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{timeout, timeout_at, Instant};

use super::link::{FrameReader, LEAD_FRAME_MAX};
use super::*;
use crate::db::{Change, Proto, Snapshot, Update};
use crate::kernel::{self, Action, Claims};
use crate::proto::Message;
use vr_netlink::dhost_nl::SockAddr;

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
/// The IPv6 distributed address, next to A.
const A6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 1));
const PEER6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
const M1: MemberId = MemberId(1);
const M2: MemberId = MemberId(2);
const M3: MemberId = MemberId(3);

/// The longest any expected event may take (a hung test fails instead).
const WAIT: Duration = Duration::from_secs(5);

/// The scheduling latency allowed on top of a documented bound.
const SLACK: Duration = Duration::from_millis(500);

fn timing() -> Timing {
    Timing {
        heartbeat: Duration::from_millis(50),
        lease: Duration::from_millis(300),
        claim_timeout: Duration::from_millis(200),
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(100),
    }
}

/// The configuration of `member` in a cluster of M1 (the lead), M2, M3.
fn config(member: MemberId, lead_addr: Option<SocketAddr>) -> Config {
    Config {
        member,
        lead: M1,
        name: format!("node-{}", member.0),
        addrs: vec![A, A6],
        members: vec![M3, M1, M2],
        listen: None,
        lead_addr,
        timing: timing(),
    }
}

fn port(p: u16) -> Key {
    Key::bound(A, Proto::Tcp, p)
}

fn port6(p: u16) -> Key {
    Key::bound(A6, Proto::Tcp, p)
}

/// A kernel made of channels; it keeps its copy of the database as its
/// daemon programs it.
struct Kernel {
    events: mpsc::Sender<KernelEvent>,
    cmds: mpsc::Receiver<KernelCmd>,
    copy: BTreeMap<Key, MemberId>,
    /// Every `Install`, in order.
    installed: Vec<(Key, MemberId)>,
    /// Every `Replace`, in order.
    replaced: Vec<Vec<(Key, MemberId)>>,
    slices: Vec<KernelCmd>,
    answers: HashMap<u32, i32>,
    next_cookie: u32,
}

/// A kernel, and the daemon's ends of its channels.
fn kernel() -> (Kernel, mpsc::Receiver<KernelEvent>, mpsc::Sender<KernelCmd>) {
    let (events, events_rx) = mpsc::channel(1024);
    let (cmds_tx, cmds) = mpsc::channel(1024);
    let k = Kernel {
        events,
        cmds,
        copy: BTreeMap::new(),
        installed: Vec::new(),
        replaced: Vec::new(),
        slices: Vec::new(),
        answers: HashMap::new(),
        next_cookie: 1,
    };
    (k, events_rx, cmds_tx)
}

impl Kernel {
    fn apply(&mut self, cmd: KernelCmd) {
        match cmd {
            KernelCmd::Answer { cookie, errno } => {
                assert!(
                    self.answers.insert(cookie, errno).is_none(),
                    "answered twice"
                );
            }
            KernelCmd::Install { key, owner } => {
                self.copy.insert(key, owner);
                self.installed.push((key, owner));
            }
            KernelCmd::Remove { key } => {
                self.copy.remove(&key);
            }
            KernelCmd::Replace { entries } => {
                self.copy = entries.iter().copied().collect();
                self.replaced.push(entries);
            }
            slices @ KernelCmd::Slices { .. } => self.slices.push(slices),
        }
    }

    /// Applies the daemon's commands until `cond` holds.
    async fn wait_for(&mut self, what: &str, cond: impl Fn(&Kernel) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !cond(self) {
            match timeout_at(deadline, self.cmds.recv()).await {
                Ok(Some(cmd)) => self.apply(cmd),
                Ok(None) => panic!("the daemon stopped, waiting for {what}"),
                Err(_) => panic!("no {what} in {WAIT:?}; copy {:?}", self.copy),
            }
        }
    }

    /// Waits until the copy shows `key` owned by `owner` (None: no one).
    async fn wait_owner(&mut self, key: Key, owner: Option<MemberId>) {
        let what = format!("{key} owned by {owner:?}");
        self.wait_for(&what, |k| k.copy.get(&key).copied() == owner)
            .await;
    }

    /// Claims `key`; the errno of the answer.
    async fn claim(&mut self, key: Key) -> i32 {
        let cookie = self.ask(key).await;
        self.answer(cookie).await
    }

    /// Sends a claim of `key`; its cookie.
    async fn ask(&mut self, key: Key) -> u32 {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        self.events
            .send(KernelEvent::Claim { cookie, key })
            .await
            .expect("daemon alive");
        cookie
    }

    /// The errno of the answer to claim `cookie`.
    async fn answer(&mut self, cookie: u32) -> i32 {
        self.wait_for("an answer", |k| k.answers.contains_key(&cookie))
            .await;
        self.answers.remove(&cookie).unwrap_or(-1)
    }

    async fn release(&mut self, key: Key) {
        self.events
            .send(KernelEvent::Release { key })
            .await
            .expect("daemon alive");
    }

    /// Waits for the `n`th `Replace` (1-based).
    async fn wait_sync(&mut self, n: usize) {
        self.wait_for("a snapshot", |k| k.replaced.len() >= n).await;
    }
}

/// A running daemon.
struct Daemon {
    task: JoinHandle<io::Result<()>>,
    stop: oneshot::Sender<()>,
}

impl Daemon {
    /// Kills the daemon's task, as if the process were killed.
    async fn kill(&mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }

    /// Stops the daemon through its shutdown future; its result.
    async fn stop(self) -> io::Result<()> {
        let _ = self.stop.send(());
        timeout(WAIT, self.task)
            .await
            .expect("stopped in time")
            .expect("not panicked")
    }
}

/// Starts `run(cfg)` with a new kernel.
fn start(cfg: Config) -> (Daemon, Kernel) {
    let (k, events, cmds) = kernel();
    let (stop, stopped) = oneshot::channel();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(run(cfg, events, cmds, shutdown));
    (Daemon { task, stop }, k)
}

/// Starts the lead on `listener`, waits for its start.
async fn start_lead(listener: TcpListener) -> (Daemon, Kernel) {
    let (mut k, events, cmds) = kernel();
    let (stop, stopped) = oneshot::channel();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(run_lead(config(M1, None), listener, events, cmds, shutdown));
    k.wait_sync(1).await;
    (Daemon { task, stop }, k)
}

/// Starts `member`, waits until it is in sync with the lead at `addr`.
async fn start_member(member: MemberId, addr: SocketAddr) -> (Daemon, Kernel) {
    let (d, mut k) = start(config(member, Some(addr)));
    k.wait_sync(1).await;
    (d, k)
}

async fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let addr = l.local_addr().expect("bound");
    (l, addr)
}

/// The lead M1 and the members M2 and M3, in sync.
struct Cluster {
    addr: SocketAddr,
    d1: Daemon,
    k1: Kernel,
    d2: Daemon,
    k2: Kernel,
    d3: Daemon,
    k3: Kernel,
}

async fn cluster() -> Cluster {
    let (l, addr) = listener().await;
    let (d1, k1) = start_lead(l).await;
    let (d2, k2) = start_member(M2, addr).await;
    let (d3, k3) = start_member(M3, addr).await;
    Cluster {
        addr,
        d1,
        k1,
        d2,
        k2,
        d3,
        k3,
    }
}

impl Cluster {
    fn kernels(&mut self) -> [&mut Kernel; 3] {
        [&mut self.k1, &mut self.k2, &mut self.k3]
    }

    /// Waits until every kernel shows `key` owned by `owner`.
    async fn wait_owner(&mut self, key: Key, owner: Option<MemberId>) {
        for k in self.kernels() {
            k.wait_owner(key, owner).await;
        }
    }
}

/// A hand-driven daemon at the other end of a TCP connection.
struct Raw {
    rd: FrameReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
}

impl Raw {
    fn new(stream: TcpStream) -> Raw {
        let (rd, wr) = stream.into_split();
        Raw {
            rd: FrameReader::new(rd, LEAD_FRAME_MAX),
            wr,
        }
    }

    async fn connect(addr: SocketAddr) -> Raw {
        Raw::new(TcpStream::connect(addr).await.expect("connected"))
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        self.wr.write_all(bytes).await.expect("sent");
    }

    async fn send(&mut self, msg: &Message) {
        self.send_bytes(&msg.encode().expect("encodable")).await;
    }

    /// The next message other than a heartbeat; None at the end of the
    /// stream.
    async fn recv(&mut self) -> Option<Message> {
        loop {
            let msg = timeout(WAIT, self.rd.next())
                .await
                .expect("a message in time")
                .expect("a valid stream");
            if !matches!(msg, Some(Message::Heartbeat { .. })) {
                return msg;
            }
        }
    }

    /// Reads until the other side closes the connection.
    async fn closed(&mut self) {
        loop {
            match timeout(WAIT, self.rd.next()).await {
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None) | Err(_)) => return,
                Err(_) => panic!("the connection is still open after {WAIT:?}"),
            }
        }
    }

    /// Says `Hello` to the lead as `member`, reads its Hello and snapshot.
    async fn join(addr: SocketAddr, member: MemberId) -> (Raw, Snapshot) {
        let mut raw = Raw::connect(addr).await;
        raw.send(&hello(member)).await;
        match raw.recv().await {
            Some(Message::Hello { member: M1, .. }) => {}
            other => panic!("expected the lead's Hello, got {other:?}"),
        }
        match raw.recv().await {
            Some(Message::Snapshot(s)) => (raw, s),
            other => panic!("expected a snapshot, got {other:?}"),
        }
    }
}

fn hello(member: MemberId) -> Message {
    Message::Hello {
        version: proto::VERSION,
        member,
        name: "raw".into(),
    }
}

#[tokio::test]
async fn claims_are_granted_and_installed_everywhere() {
    let mut c = cluster().await;
    assert_eq!(c.k2.claim(port(80)).await, 0);
    // The claimer's copy shows the grant by the time of the answer.
    assert_eq!(c.k2.copy.get(&port(80)), Some(&M2));
    c.wait_owner(port(80), Some(M2)).await;
    // The lead's own claims go through the same database.
    assert_eq!(c.k1.claim(port(81)).await, 0);
    assert_eq!(c.k1.copy.get(&port(81)), Some(&M1));
    c.wait_owner(port(81), Some(M1)).await;
    // A connection from the member's own ephemeral slice.
    let KernelCmd::Slices { own, .. } = c.k3.slices[0].clone() else {
        panic!("slices");
    };
    let conn = Key::connection(A, Proto::Udp, *own.start(), PEER, 53);
    assert_eq!(c.k3.claim(conn).await, 0);
    c.wait_owner(conn, Some(M3)).await;
    // Claiming an owned key again is granted and publishes nothing: the
    // next change is the next install everywhere.
    assert_eq!(c.k2.claim(port(80)).await, 0);
    assert_eq!(c.k3.claim(port(99)).await, 0);
    c.wait_owner(port(99), Some(M3)).await;
    for k in c.kernels() {
        assert_eq!(
            k.installed,
            [(port(80), M2), (port(81), M1), (conn, M3), (port(99), M3)]
        );
    }
}

#[tokio::test]
async fn conflicting_claims_are_refused() {
    let mut c = cluster().await;
    assert_eq!(c.k2.claim(port(80)).await, 0);
    assert_eq!(c.k3.claim(port(80)).await, libc::EADDRINUSE);
    assert_eq!(c.k1.claim(port(80)).await, libc::EADDRINUSE);
    let on_80 = Key::connection(A, Proto::Tcp, 80, PEER, 1234);
    assert_eq!(c.k3.claim(on_80).await, libc::EADDRINUSE);
    // Another member's ephemeral slice; an address the lead does not lead.
    let KernelCmd::Slices { own, .. } = c.k2.slices[0].clone() else {
        panic!("slices");
    };
    let in_m2_slice = Key::connection(A, Proto::Tcp, *own.start(), PEER, 80);
    assert_eq!(c.k3.claim(in_m2_slice).await, libc::EADDRNOTAVAIL);
    let elsewhere = Key::bound(Ipv4Addr::new(10, 9, 9, 9), Proto::Tcp, 80);
    assert_eq!(c.k3.claim(elsewhere).await, libc::EADDRNOTAVAIL);
    // A remote of another family: not a key, answered at once (the wire
    // format does not carry it).
    let mixed = Key::connection(A, Proto::Tcp, 80, std::net::Ipv6Addr::LOCALHOST, 1234);
    assert_eq!(c.k3.claim(mixed).await, libc::EINVAL);
    // Nothing was installed for the refusals: the next change is the
    // next install everywhere.
    assert_eq!(c.k3.claim(port(81)).await, 0);
    c.wait_owner(port(81), Some(M3)).await;
    for k in c.kernels() {
        assert_eq!(k.installed, [(port(80), M2), (port(81), M3)]);
        assert_eq!(k.copy.get(&port(80)), Some(&M2));
    }
}

#[tokio::test]
async fn releases_are_published_everywhere() {
    let mut c = cluster().await;
    assert_eq!(c.k2.claim(port(80)).await, 0);
    c.wait_owner(port(80), Some(M2)).await;
    // Someone else's release does nothing.
    c.k3.release(port(80)).await;
    c.k2.release(port(80)).await;
    c.wait_owner(port(80), None).await;
    assert_eq!(c.k3.claim(port(80)).await, 0);
    c.wait_owner(port(80), Some(M3)).await;
    // The lead's own release too.
    assert_eq!(c.k1.claim(port(81)).await, 0);
    c.k1.release(port(81)).await;
    c.wait_owner(port(81), None).await;
    assert_eq!(c.k2.claim(port(81)).await, 0);
    c.wait_owner(port(81), Some(M2)).await;
}

#[tokio::test]
async fn a_lost_member_frees_its_keys() {
    let mut c = cluster().await;
    assert_eq!(c.k2.claim(port(80)).await, 0);
    assert_eq!(c.k2.claim(port(81)).await, 0);
    c.wait_owner(port(81), Some(M2)).await;
    // Killed: its link closes, the lead releases at once.
    let killed = Instant::now();
    c.d2.kill().await;
    for k in [&mut c.k1, &mut c.k3] {
        k.wait_owner(port(80), None).await;
        k.wait_owner(port(81), None).await;
    }
    assert!(killed.elapsed() < timing().lease, "{:?}", killed.elapsed());
    assert_eq!(c.k3.claim(port(80)).await, 0);
    c.k1.wait_owner(port(80), Some(M3)).await;
    // A member that stops cleanly is lost the same way.
    assert_eq!(c.d3.stop().await.ok(), Some(()));
    c.k1.wait_owner(port(80), None).await;
    assert_eq!(c.k1.claim(port(80)).await, 0);
}

#[tokio::test]
async fn a_silent_member_is_released_after_the_lease() {
    let mut c = cluster().await;
    // M3 as a daemon that stops talking without closing its connection.
    c.d3.kill().await;
    let (mut raw, _) = Raw::join(c.addr, M3).await;
    raw.send(&Message::Claim {
        req_id: 7,
        key: port(90),
    })
    .await;
    let last = Instant::now();
    loop {
        match raw.recv().await {
            Some(Message::Granted { req_id: 7, .. }) => break,
            Some(Message::Update(_)) => {}
            other => panic!("expected the grant, got {other:?}"),
        }
    }
    c.k2.wait_owner(port(90), Some(M3)).await;
    c.k2.wait_owner(port(90), None).await;
    let silent = last.elapsed();
    let lease = timing().lease;
    assert!(
        silent >= lease,
        "released after {silent:?}, before the lease"
    );
    assert!(silent <= lease + SLACK, "released after {silent:?}");
    c.k1.wait_owner(port(90), None).await;
    // The lead dropped the link.
    raw.closed().await;
    assert_eq!(c.k2.claim(port(90)).await, 0);
}

#[tokio::test]
async fn bad_input_closes_the_link() {
    let mut c = cluster().await;
    let mut raw = Raw::connect(c.addr).await;
    raw.send_bytes(b"GET / HTTP/1.0\r\n\r\n").await;
    raw.closed().await;
    // A frame of a lead-only message type before Hello.
    let mut raw = Raw::connect(c.addr).await;
    raw.send(&Message::SnapshotRequest).await;
    raw.closed().await;
    // A member that is not configured, the lead's own id.
    for member in [MemberId(9), M1] {
        let mut raw = Raw::connect(c.addr).await;
        raw.send(&hello(member)).await;
        raw.closed().await;
    }
    // A session that sends a lead-only message: dropped, its keys released.
    c.d3.kill().await;
    let (mut raw, _) = Raw::join(c.addr, M3).await;
    raw.send(&Message::Claim {
        req_id: 1,
        key: port(90),
    })
    .await;
    c.k2.wait_owner(port(90), Some(M3)).await;
    raw.send(&Message::Granted { req_id: 1, seq: 1 }).await;
    raw.closed().await;
    c.k2.wait_owner(port(90), None).await;
    // A frame that announces more than any member message.
    let (mut raw, _) = Raw::join(c.addr, M3).await;
    let mut huge = Message::Snapshot(Snapshot::default()).encode().expect("ok");
    huge[6..10].copy_from_slice(&1_000_000u32.to_be_bytes());
    huge.resize(20_000, 0);
    raw.send_bytes(&huge).await;
    raw.closed().await;
    // The others are served as before.
    assert_eq!(c.k2.claim(port(80)).await, 0);
    c.k1.wait_owner(port(80), Some(M2)).await;
}

/// The `Hello` of a version 1 daemon from `member` with an empty name.
fn v1_hello(member: MemberId) -> Vec<u8> {
    let mut frame = vec![b'V', b'R', b'D', b'H', 1, 1, 0, 0, 0, 6, 1];
    frame.extend(member.0.to_be_bytes());
    frame.push(0);
    frame
}

/// A version 1 daemon (IPv4 keys of 14 bytes) and a version 2 one do not
/// talk: the first frame of the version 1 side ends the connection, on
/// either side.
#[tokio::test]
async fn a_version_1_daemon_is_refused() {
    let mut c = cluster().await;
    let mut raw = Raw::connect(c.addr).await;
    raw.send_bytes(&v1_hello(M3)).await;
    raw.closed().await;
    // The lead serves the others as before.
    assert_eq!(c.k2.claim(port(80)).await, 0);
    c.k1.wait_owner(port(80), Some(M2)).await;
    // A version 1 lead: the member drops the link, and is not in sync.
    let (l, addr) = listener().await;
    let (_d2, mut k2) = start(config(M2, Some(addr)));
    let mut lead = accept_m2(&l).await;
    lead.send_bytes(&v1_hello(M1)).await;
    lead.closed().await;
    assert_eq!(k2.claim(port(80)).await, libc::EHOSTUNREACH);
    assert!(k2.replaced.is_empty());
    assert!(k2.slices.is_empty(), "no slices before a lead's Hello");
}

#[tokio::test]
async fn a_member_started_before_the_lead_syncs_when_it_is_up() {
    // A free port, for the lead to come.
    let addr = listener().await.1;
    let (_d2, mut k2) = start(config(M2, Some(addr)));
    assert_eq!(k2.claim(port(80)).await, libc::EHOSTUNREACH);
    assert!(k2.replaced.is_empty());
    let (_d1, mut k1) = start(Config {
        listen: Some(addr),
        ..config(M1, None)
    });
    k1.wait_sync(1).await;
    assert_eq!(k1.claim(port(81)).await, 0);
    k2.wait_sync(1).await;
    k2.wait_owner(port(81), Some(M1)).await;
    assert_eq!(k2.claim(port(80)).await, 0);
    k1.wait_owner(port(80), Some(M2)).await;
    // The member's slices come after the lead's Hello.
    assert_eq!(k2.slices.len(), 1);
}

#[tokio::test]
async fn a_restarted_member_gets_the_whole_state() {
    let mut c = cluster().await;
    assert_eq!(c.k1.claim(port(80)).await, 0);
    assert_eq!(c.k2.claim(port(81)).await, 0);
    assert_eq!(c.k3.claim(port(82)).await, 0);
    c.k1.wait_owner(port(82), Some(M3)).await;
    c.d3.kill().await;
    c.k1.wait_owner(port(82), None).await;
    let (_d3, k3) = start_member(M3, c.addr).await;
    assert_eq!(k3.replaced, [vec![(port(80), M1), (port(81), M2)]]);
    assert_eq!(k3.copy, c.k1.copy);
}

#[tokio::test]
async fn members_claim_their_keys_again_from_a_restarted_lead() {
    let mut c = cluster().await;
    assert_eq!(c.k1.claim(port(80)).await, 0);
    assert_eq!(c.k2.claim(port(81)).await, 0);
    assert_eq!(c.k3.claim(port(82)).await, 0);
    // More keys than the link's queue holds.
    let many: Vec<Key> = (1000..1100).map(port).collect();
    for &key in &many {
        assert_eq!(c.k2.claim(key).await, 0);
    }
    c.wait_owner(port(82), Some(M3)).await;
    c.d1.kill().await;
    // Nothing is decided while the lead is away.
    assert_eq!(c.k2.claim(port(83)).await, libc::EHOSTUNREACH);
    c.k3.release(port(82)).await;
    let l = TcpListener::bind(c.addr)
        .await
        .expect("the same port again");
    let (_d1, mut k1) = start_lead(l).await;
    // Each member resyncs from the new lead's snapshot and claims again
    // the keys its kernel holds; M3's release is not lost.
    c.k2.wait_sync(2).await;
    c.k3.wait_sync(2).await;
    for k in [&mut k1, &mut c.k2, &mut c.k3] {
        k.wait_owner(port(81), Some(M2)).await;
        for &key in &many {
            k.wait_owner(key, Some(M2)).await;
        }
        k.wait_owner(port(80), None).await;
        assert_eq!(k.copy.get(&port(82)), None);
    }
    assert_eq!(c.k3.claim(port(82)).await, 0);
    k1.wait_owner(port(82), Some(M3)).await;
}

#[tokio::test]
async fn slices_are_distinct_and_sent() {
    let mut c = cluster().await;
    let lead = db::Lead::new([A], [M1, M2, M3]);
    let expected: Vec<_> = [M1, M2, M3]
        .into_iter()
        .map(|m| (m, lead.slice(m).expect("configured")))
        .collect();
    for (m, k) in [M1, M2, M3].into_iter().zip(c.kernels()) {
        assert_eq!(
            k.slices,
            [KernelCmd::Slices {
                own: lead.slice(m).expect("configured"),
                all: expected.clone(),
            }],
            "{m}"
        );
    }
    for pair in expected.windows(2) {
        assert!(pair[0].1.end() < pair[1].1.start(), "{pair:?}");
    }
    assert_eq!(slices(&[M2, M1, M3, M2]), expected);
}

/// The next message of a hand-driven lead's member, a claim.
async fn expect_claim(lead: &mut Raw) -> (u32, Key) {
    match lead.recv().await {
        Some(Message::Claim { req_id, key }) => (req_id, key),
        other => panic!("expected a claim, got {other:?}"),
    }
}

/// Accepts M2's connection on a hand-driven lead, reads its Hello.
async fn accept_m2(l: &TcpListener) -> Raw {
    let (stream, _) = timeout(WAIT, l.accept())
        .await
        .expect("a connection in time")
        .expect("accepted");
    let mut raw = Raw::new(stream);
    let hello = Message::Hello {
        version: proto::VERSION,
        member: M2,
        name: "node-2".into(),
    };
    assert_eq!(raw.recv().await, Some(hello));
    raw
}

/// A lead driven by hand, for what a real lead does not do.
#[tokio::test]
async fn member_side_of_a_misbehaving_lead() {
    let (l, addr) = listener().await;
    let (_d2, mut k2) = start(config(M2, Some(addr)));
    let mut lead = accept_m2(&l).await;
    lead.send(&hello(M1)).await;
    lead.send(&Message::Snapshot(Snapshot::default())).await;
    k2.wait_sync(1).await;
    // A claim not answered in time.
    let asked = Instant::now();
    assert_eq!(k2.claim(port(80)).await, libc::ETIMEDOUT);
    assert!(asked.elapsed() >= timing().claim_timeout);
    let (req_id, key) = expect_claim(&mut lead).await;
    assert_eq!(key, port(80));
    // Granted late: the member gives it back.
    let grant = Update {
        seq: 1,
        change: Change::Grant { key, member: M2 },
    };
    lead.send(&Message::Update(grant)).await;
    lead.send(&Message::Granted { req_id, seq: 1 }).await;
    assert_eq!(lead.recv().await, Some(Message::Release { key }));
    k2.wait_owner(key, Some(M2)).await;
    // A refusal without an errno is not a grant.
    let cookie = k2.ask(port(81)).await;
    let (req_id, _) = expect_claim(&mut lead).await;
    let refused = Message::Refused {
        req_id,
        errno: 0,
        owner: None,
    };
    lead.send(&refused).await;
    assert_eq!(k2.answer(cookie).await, libc::EHOSTUNREACH);
    // Nor is one with an errno the kernel would not take (claim-answer
    // refuses it, and the bind would wait for its timeout).
    let cookie = k2.ask(port(85)).await;
    let (req_id, _) = expect_claim(&mut lead).await;
    let refused = Message::Refused {
        req_id,
        errno: libc::EPROTO,
        owner: None,
    };
    lead.send(&refused).await;
    assert_eq!(k2.answer(cookie).await, libc::EHOSTUNREACH);
    // A gap in the updates: the member asks for a snapshot, and applies
    // no update until it has it.
    let gap = Update {
        seq: 5,
        change: Change::Release { key },
    };
    lead.send(&Message::Update(gap)).await;
    assert_eq!(lead.recv().await, Some(Message::SnapshotRequest));
    let after_gap = Update {
        seq: 6,
        change: Change::Release { key },
    };
    lead.send(&Message::Update(after_gap)).await;
    // A grant meanwhile shows in the kernel's copy by the answer all the
    // same.
    let cookie = k2.ask(port(84)).await;
    let (req_id, _) = expect_claim(&mut lead).await;
    lead.send(&Message::Granted { req_id, seq: 7 }).await;
    assert_eq!(k2.answer(cookie).await, 0);
    assert_eq!(k2.copy.get(&port(84)), Some(&M2));
    let snapshot = Snapshot {
        seq: 7,
        entries: vec![(key, M2), (port(82), M1), (port(84), M2)],
    };
    lead.send(&Message::Snapshot(snapshot.clone())).await;
    k2.wait_sync(2).await;
    assert_eq!(k2.replaced[1], snapshot.entries);
    assert_eq!(k2.copy, snapshot.entries.iter().copied().collect());
    // A lead that sends a member's message is dropped; the member
    // connects again at once.
    lead.send(&Message::SnapshotRequest).await;
    lead.closed().await;
    let mut lead = accept_m2(&l).await;
    // A lead that stops talking is dropped after the lease.
    lead.send(&hello(M1)).await;
    lead.send(&Message::Snapshot(snapshot)).await;
    k2.wait_sync(3).await;
    let silent = Instant::now();
    lead.closed().await;
    assert!(silent.elapsed() >= timing().lease);
    // Connected again (the listener's backlog), but not in sync.
    assert_eq!(k2.claim(port(83)).await, libc::EHOSTUNREACH);
}

#[tokio::test]
async fn invalid_configurations_and_a_gone_kernel() {
    let addr: SocketAddr = ([127, 0, 0, 1], 1).into();
    let bad = [
        Config {
            member: MemberId(0),
            ..config(M2, Some(addr))
        },
        Config {
            members: vec![M1, M3],
            ..config(M2, Some(addr))
        },
        Config {
            lead: MemberId(7),
            ..config(M2, Some(addr))
        },
        config(M2, None),
        config(M1, None),
        Config {
            addrs: vec![],
            listen: Some(addr),
            ..config(M1, None)
        },
        Config {
            name: "x".repeat(proto::NAME_MAX + 1),
            ..config(M2, Some(addr))
        },
        Config {
            timing: Timing {
                lease: timing().heartbeat,
                ..timing()
            },
            ..config(M2, Some(addr))
        },
        Config {
            timing: Timing {
                reconnect_max: Duration::ZERO,
                ..timing()
            },
            ..config(M2, Some(addr))
        },
    ];
    for cfg in bad {
        let (d, _k) = start(cfg.clone());
        let r = timeout(WAIT, d.task).await.expect("in time").expect("ran");
        let e = r.expect_err(&format!("{cfg:?}"));
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    }
    let (events, cmds) = (mpsc::channel(1).1, mpsc::channel(1).0);
    let l = listener().await.0;
    let r = run_lead(config(M2, Some(addr)), l, events, cmds, async {}).await;
    assert_eq!(r.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidInput));
    // A daemon stops when its kernel side is gone.
    let (d, k) = start(config(M2, Some(addr)));
    drop(k);
    let r = timeout(WAIT, d.task).await.expect("in time").expect("ran");
    assert_eq!(r.map_err(|e| e.kind()), Err(io::ErrorKind::BrokenPipe));
    assert!(Timing::default().lease > Timing::default().heartbeat);
    assert_eq!(
        Timing::default().lease,
        Duration::from_millis(MEMBER_LOSS_BOUND_MS)
    );
}

/// The ephemeral slice a daemon gave its kernel.
fn own_slice(k: &Kernel) -> RangeInclusive<u16> {
    match k.slices.first() {
        Some(KernelCmd::Slices { own, .. }) => own.clone(),
        other => panic!("expected the slices, got {other:?}"),
    }
}

/// Claims on the IPv6 distributed address are granted, installed and
/// refused as those on the IPv4 one, and travel in the snapshots; the
/// keys of the two addresses of a port are independent.
#[tokio::test]
async fn ipv6_claims_are_granted_and_refused() {
    let mut c = cluster().await;
    assert_eq!(c.k2.claim(port6(80)).await, 0);
    assert_eq!(c.k2.copy.get(&port6(80)), Some(&M2));
    c.wait_owner(port6(80), Some(M2)).await;
    assert_eq!(c.k3.claim(port6(80)).await, libc::EADDRINUSE);
    assert_eq!(c.k1.claim(port6(80)).await, libc::EADDRINUSE);
    let on_80 = Key::connection(A6, Proto::Tcp, 80, PEER6, 1234);
    assert_eq!(c.k3.claim(on_80).await, libc::EADDRINUSE);
    // Port 80 of the IPv4 address is another key.
    assert_eq!(c.k3.claim(port(80)).await, 0);
    // IPv6 connections: from the member's own ephemeral slice, from
    // another member's, to a peer of another family; an IPv6 address that
    // is not distributed.
    let conn = Key::connection(A6, Proto::Udp, *own_slice(&c.k3).start(), PEER6, 53);
    assert_eq!(c.k3.claim(conn).await, 0);
    let in_m2_slice = Key::connection(A6, Proto::Tcp, *own_slice(&c.k2).start(), PEER6, 80);
    assert_eq!(c.k3.claim(in_m2_slice).await, libc::EADDRNOTAVAIL);
    let mixed = Key::connection(A6, Proto::Tcp, 8080, PEER, 80);
    assert_eq!(c.k3.claim(mixed).await, libc::EINVAL);
    let elsewhere = Key::bound(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 2), Proto::Tcp, 80);
    assert_eq!(c.k3.claim(elsewhere).await, libc::EADDRNOTAVAIL);
    c.wait_owner(conn, Some(M3)).await;
    for k in c.kernels() {
        assert_eq!(k.installed, [(port6(80), M2), (port(80), M3), (conn, M3)]);
    }
    // Released, then another member's.
    c.k2.release(port6(80)).await;
    c.wait_owner(port6(80), None).await;
    assert_eq!(c.k3.claim(port6(80)).await, 0);
    c.wait_owner(port6(80), Some(M3)).await;
    // A member that joins gets them in its snapshot, IPv4 keys first.
    c.d2.kill().await;
    let (_d2, k2) = start_member(M2, c.addr).await;
    assert_eq!(
        k2.replaced,
        [vec![(port(80), M3), (port6(80), M3), (conn, M3)]]
    );
}

/// A kernel side for a daemon's channel kernel: the socket events go
/// through [`Claims`] as in the kernel thread of the real one.
struct Sockets {
    claims: Claims,
    next_cookie: u32,
}

impl Sockets {
    fn new(addrs: &[IpAddr]) -> Sockets {
        Sockets {
            claims: Claims::new(addrs),
            next_cookie: 1000,
        }
    }

    /// Sends the daemon the events among `actions` (`sent` gets the
    /// cookies of the claims); the errno of the answer to the bind among
    /// them. The kernel takes a refusal: the keys the bind got on other
    /// addresses are given back.
    async fn forward(
        &mut self,
        k: &mut Kernel,
        actions: Vec<Action>,
        sent: &mut VecDeque<u32>,
    ) -> Option<i32> {
        let mut answer = None;
        let mut actions = VecDeque::from(actions);
        while let Some(action) = actions.pop_front() {
            match action {
                Action::Daemon(ev) => {
                    if let KernelEvent::Claim { cookie, .. } = ev {
                        sent.push_back(cookie);
                    }
                    k.events.send(ev).await.expect("daemon alive");
                }
                Action::Answer { errno, granted, .. } => {
                    if errno != 0 {
                        actions.extend(self.claims.give_back(&granted));
                    }
                    answer = Some(errno);
                }
            }
        }
        answer
    }

    /// A socket's bind on `addr` (its BIND event, the claims, their
    /// answers); the errno of its answer.
    async fn bind(&mut self, k: &mut Kernel, addr: SockAddr, proto: Proto, port: u16) -> i32 {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        let mut sent = VecDeque::new();
        let actions = self.claims.bind(cookie, addr, proto, port);
        let mut answer = self.forward(k, actions, &mut sent).await;
        while answer.is_none() {
            let claim = sent.pop_front().expect("a claim to wait for");
            let errno = k.answer(claim).await;
            let actions = self.claims.answer(claim, errno).expect("a claim of ours");
            answer = self.forward(k, actions, &mut sent).await;
        }
        let errno = answer.unwrap_or(-1);
        assert!(sent.is_empty(), "every claim answered");
        errno
    }

    /// A socket's CLOSE.
    async fn close(&mut self, k: &mut Kernel, addr: SockAddr, proto: Proto, port: u16) {
        let actions = self.claims.close(addr, proto, port);
        self.forward(k, actions, &mut VecDeque::new()).await;
    }
}

/// Wildcard binds through the kernel side's claims: a dual-stack ::
/// claims on both families, an IPv6-only :: on the IPv6 address, 0.0.0.0
/// on the IPv4 one, and their CLOSEs give them back.
#[tokio::test]
async fn a_dual_stack_wildcard_claims_on_both_families() {
    const DUAL: SockAddr = SockAddr::Wild { v4: true, v6: true };
    const ANY6: SockAddr = SockAddr::Wild {
        v4: false,
        v6: true,
    };
    const ANY: SockAddr = SockAddr::Wild {
        v4: true,
        v6: false,
    };
    let mut c = cluster().await;
    let addrs = config(M2, None).addrs;
    let (mut s2, mut s3) = (Sockets::new(&addrs), Sockets::new(&addrs));
    assert_eq!(s2.bind(&mut c.k2, DUAL, Proto::Tcp, 80).await, 0);
    c.wait_owner(port(80), Some(M2)).await;
    c.wait_owner(port6(80), Some(M2)).await;
    // M3: refused on either family, whichever wildcard.
    for addr in [DUAL, ANY6, ANY, SockAddr::One(A6)] {
        let errno = s3.bind(&mut c.k3, addr, Proto::Tcp, 80).await;
        assert_eq!(errno, libc::EADDRINUSE, "{addr:?}");
    }
    // An IPv6-only :: of M3 on a port M2 holds on IPv4 only.
    assert_eq!(s2.bind(&mut c.k2, ANY, Proto::Udp, 53).await, 0);
    assert_eq!(s3.bind(&mut c.k3, ANY6, Proto::Udp, 53).await, 0);
    let udp = |a| Key::bound(a, Proto::Udp, 53);
    c.wait_owner(udp(A), Some(M2)).await;
    c.wait_owner(udp(A6), Some(M3)).await;
    // A dual-stack bind refused on one family gives the other back.
    assert_eq!(
        s2.bind(&mut c.k2, DUAL, Proto::Udp, 53).await,
        libc::EADDRINUSE
    );
    c.k2.wait_owner(udp(A6), Some(M3)).await;
    // The CLOSE of the dual-stack socket frees both.
    s2.close(&mut c.k2, DUAL, Proto::Tcp, 80).await;
    c.wait_owner(port(80), None).await;
    c.wait_owner(port6(80), None).await;
    assert_eq!(s3.bind(&mut c.k3, ANY6, Proto::Tcp, 80).await, 0);
    c.wait_owner(port6(80), Some(M3)).await;
    assert_eq!(c.k1.copy.get(&port(80)), None);
    // M2's 0.0.0.0 UDP socket still holds its key.
    assert_eq!(c.k1.copy.get(&udp(A)), Some(&M2));
}

/// The kernel side programs every member's slice on the IPv6 address too,
/// so that the answers to a member's IPv6 connections reach it.
#[tokio::test]
async fn slices_cover_the_ipv6_address() {
    let mut c = cluster().await;
    let addrs = config(M1, None).addrs;
    for k in c.kernels() {
        let Some(KernelCmd::Slices { all, .. }) = k.slices.first() else {
            panic!("slices");
        };
        let plan = kernel::slices_plan(0, &addrs, all, &[]);
        for addr in [A, A6] {
            for proto in [Proto::Tcp, Proto::Udp] {
                let ranges: Vec<_> = plan
                    .set
                    .iter()
                    .filter(|a| a.addr == addr && a.proto == proto.number())
                    .map(|a| (a.member, a.port, a.port_last))
                    .collect();
                let want: Vec<_> = all
                    .iter()
                    .map(|(m, s)| (Some(m.0), *s.start(), Some(*s.end())))
                    .collect();
                assert_eq!(ranges, want, "{addr} {proto}");
            }
        }
        assert_eq!(plan.set.len(), 2 * 2 * 3);
        assert!(plan.del.is_empty());
    }
    // A member's IPv6 connection from its own slice is its; from another
    // member's slice it is refused.
    let own3 = own_slice(&c.k3);
    let conn = Key::connection(A6, Proto::Tcp, *own3.end(), PEER6, 443);
    assert_eq!(c.k3.claim(conn).await, 0);
    c.wait_owner(conn, Some(M3)).await;
    let conn = Key::connection(A6, Proto::Tcp, *own3.end(), PEER6, 443);
    assert_eq!(c.k2.claim(conn).await, libc::EADDRINUSE);
    let theirs = Key::connection(A6, Proto::Tcp, *own3.start(), PEER6, 443);
    assert_eq!(c.k2.claim(theirs).await, libc::EADDRNOTAVAIL);
}
