// SPDX-License-Identifier: GPL-2.0-only
//! Groups of daemons over real TCP on 127.0.0.1, each with a channel
//! "kernel" and a store in a temporary directory, with short timers.
//! Every wait is bounded by [`WAIT`]; the only time measurement checks
//! the member-loss bound.

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};

use super::*;
use crate::db::Proto;
use crate::testing::TempDir;

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const A6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 1));
const M1: MemberId = MemberId(1);
const M2: MemberId = MemberId(2);
const M3: MemberId = MemberId(3);

/// The longest any expected event may take (a hung test fails instead).
const WAIT: Duration = Duration::from_secs(10);

/// The scheduling latency allowed on top of a documented bound: the
/// tests share a loaded machine.
const SLACK: Duration = Duration::from_millis(700);

/// Short timers, but elections slow enough that a loaded test machine
/// keeps its leader.
fn timing() -> Timing {
    // The defaults, scaled: the documented bound holds for them.
    assert_eq!(MEMBER_LOSS_BOUND_MS, LEASE_MS + HEARTBEAT_MS);
    Timing {
        heartbeat: Duration::from_millis(50),
        election: (Duration::from_millis(500), Duration::from_millis(1000)),
        lease: Duration::from_millis(2400),
        claim_timeout: Duration::from_millis(3000),
        // A stopped daemon is a lost member, but in the restart tests.
        restart_grace: Duration::ZERO,
    }
}

fn port(p: u16) -> Key {
    Key::bound(A, Proto::Tcp, p)
}

fn port6(p: u16) -> Key {
    Key::bound(A6, Proto::Udp, p)
}

/// What a channel kernel was told.
#[derive(Debug, Default)]
struct KernelState {
    copy: BTreeMap<Key, MemberId>,
    /// The answers, by cookie, with whether the kernel's copy showed the
    /// key as this member's when a grant arrived.
    answers: HashMap<u32, (i32, bool)>,
    /// The key of each claim, by cookie.
    claims: HashMap<u32, Key>,
    replaced: usize,
    slices: Option<KernelCmd>,
    /// The lead the daemon set last, and every change with its time.
    lead: Option<MemberId>,
    leads: Vec<(Instant, Option<MemberId>)>,
    /// The keys the daemon told this kernel to forget.
    forgotten: Vec<Key>,
    /// The connections this kernel's sockets have, by port.
    conns: BTreeMap<Key, Vec<Key>>,
    /// The copy's entries of each quiesced port when it was quiesced
    /// (the port, then its pins), and the answers to drain requests.
    quiesced: Vec<Key>,
    drained: HashMap<u32, DrainResult>,
    /// The answers to leave requests.
    left: HashMap<u32, LeaveResult>,
    /// Quiesce requests go unanswered (a kernel side that hangs).
    mute_quiesce: bool,
}

/// A kernel made of channels.
struct Kernel {
    events: mpsc::Sender<KernelEvent>,
    state: Arc<std::sync::Mutex<KernelState>>,
    next_cookie: u32,
}

impl Kernel {
    fn state(&self) -> std::sync::MutexGuard<'_, KernelState> {
        self.state.lock().expect("kernel state")
    }

    async fn until<T>(&self, what: &str, mut f: impl FnMut(&KernelState) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = f(&self.state()) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            sleep(Duration::from_millis(10)).await;
        }
    }

    async fn claim(&mut self, key: Key) -> i32 {
        let (errno, shown) = self.claim_shown(key).await;
        if errno == 0 {
            assert!(shown, "{key} granted before the kernel's copy showed it");
        }
        errno
    }

    /// A claim: its answer, and whether the kernel's copy showed the key
    /// as this member's when it came (not for a drain's standby).
    async fn claim_shown(&mut self, key: Key) -> (i32, bool) {
        self.next_cookie += 1;
        let cookie = self.next_cookie;
        self.state().claims.insert(cookie, key);
        self.events
            .send(KernelEvent::Claim { cookie, key })
            .await
            .expect("daemon");
        self.until("an answer", |s| s.answers.get(&cookie).copied())
            .await
    }

    /// Sends a local drain request of `key` to `to`, without waiting.
    async fn ask_drain(&self, id: u32, key: Key, to: MemberId, wait_ms: u32) {
        self.events
            .send(KernelEvent::Drain {
                id,
                key,
                to,
                wait_ms,
            })
            .await
            .expect("daemon");
    }

    /// The answer to the drain request `id`, once it comes.
    async fn drained(&self, id: u32) -> DrainResult {
        self.until("a drain's answer", |s| s.drained.get(&id).cloned())
            .await
    }

    /// Claims `key` every 50 ms while it is refused `EADDRINUSE`, until
    /// it is granted; whether the kernel's copy then showed it as this
    /// member's.
    async fn claim_until_granted(&mut self, key: Key) -> bool {
        loop {
            match self.claim_shown(key).await {
                (0, shown) => return shown,
                (libc::EADDRINUSE, _) => sleep(Duration::from_millis(50)).await,
                (errno, _) => panic!("claim of {key}: errno {errno}"),
            }
        }
    }

    /// Claims each of `ports` until granted as a standby (their drain to
    /// this member under way), all within `within`.
    async fn standbys_within(&mut self, ports: &[Key], within: Duration) {
        let all = async {
            for &p in ports {
                assert!(!self.claim_until_granted(p).await, "{p}: a standby");
            }
        };
        tokio::time::timeout(within, all)
            .await
            .expect("every port drained in time");
    }

    /// A local drain request of `key` to `to`; its answer.
    async fn drain(&self, id: u32, key: Key, to: MemberId, wait_ms: u32) -> DrainResult {
        self.ask_drain(id, key, to, wait_ms).await;
        self.drained(id).await
    }

    /// A local leave request to `to`, without waiting.
    async fn ask_leave(&self, id: u32, to: MemberId, wait_ms: u32) {
        self.events
            .send(KernelEvent::Leave { id, to, wait_ms })
            .await
            .expect("daemon");
    }

    /// A local leave request to `to`; its answer.
    async fn leave(&self, id: u32, to: MemberId, wait_ms: u32) -> LeaveResult {
        self.ask_leave(id, to, wait_ms).await;
        self.until("a leave's answer", |s| s.left.get(&id).cloned())
            .await
    }

    async fn release(&self, key: Key) {
        self.events
            .send(KernelEvent::Release { key })
            .await
            .expect("daemon");
    }

    async fn shows(&self, key: Key, owner: Option<MemberId>) {
        self.until(&format!("{key} -> {owner:?}"), |s| {
            (s.copy.get(&key).copied() == owner).then_some(())
        })
        .await;
    }
}

/// Reads the daemon's commands into `state`, as `me`'s kernel.
async fn kernel_task(
    me: MemberId,
    mut cmds: mpsc::UnboundedReceiver<KernelCmd>,
    state: Arc<std::sync::Mutex<KernelState>>,
    events: mpsc::WeakSender<KernelEvent>,
) {
    while let Some(cmd) = cmds.recv().await {
        // As the real kernel side: the pins first, then the port.
        if let KernelCmd::Quiesce { key, to } = cmd {
            let pins = {
                let mut s = state.lock().expect("kernel state");
                if s.mute_quiesce {
                    continue;
                }
                let pins = s.conns.get(&key).cloned().unwrap_or_default();
                for &pin in &pins {
                    s.copy.insert(pin, me);
                }
                s.copy.insert(key, to);
                s.quiesced.push(key);
                pins
            };
            let quiesced = KernelEvent::Quiesced {
                key,
                pins: Some(pins),
            };
            if let Some(events) = events.upgrade() {
                let _ = events.send(quiesced).await;
            }
            continue;
        }
        let mut s = state.lock().expect("kernel state");
        match cmd {
            KernelCmd::Quiesce { .. } => {}
            KernelCmd::Drained { id, result } => {
                s.drained.insert(id, result);
            }
            KernelCmd::Left { id, result } => {
                s.left.insert(id, result);
            }
            KernelCmd::Answer { cookie, errno } => {
                let key = s.claims.get(&cookie).copied();
                let shown = key.is_some_and(|k| s.copy.get(&k) == Some(&me));
                s.answers.insert(cookie, (errno, shown));
            }
            KernelCmd::Install { key, owner } => {
                s.copy.insert(key, owner);
            }
            KernelCmd::Remove { key } => {
                s.copy.remove(&key);
            }
            KernelCmd::Replace { entries } => {
                s.copy = entries.into_iter().collect();
                s.replaced += 1;
            }
            cmd @ KernelCmd::Slices { .. } => s.slices = Some(cmd),
            KernelCmd::Lead(lead) => {
                s.lead = lead;
                s.leads.push((Instant::now(), lead));
            }
            KernelCmd::Sync(ack) => ack.done(),
            KernelCmd::Forget { key } => s.forgotten.push(key),
            KernelCmd::CheckPins => {}
        }
    }
}

/// One running daemon.
struct Daemon {
    member: MemberId,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
    kernel: Kernel,
}

impl Daemon {
    /// Stops the daemon (as SIGTERM does); its result.
    async fn stop(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.expect("daemon task")
    }
}

/// A group's configuration: members' addresses and state directories.
struct Group {
    members: BTreeMap<MemberId, SocketAddr>,
    listeners: BTreeMap<MemberId, TcpListener>,
    dirs: BTreeMap<MemberId, TempDir>,
    /// The timers of the daemons started next.
    timing: Timing,
}

impl Group {
    async fn new(ids: &[MemberId]) -> Group {
        let mut g = Group {
            members: BTreeMap::new(),
            listeners: BTreeMap::new(),
            dirs: BTreeMap::new(),
            timing: timing(),
        };
        for &m in ids {
            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            g.members.insert(m, l.local_addr().expect("addr"));
            g.listeners.insert(m, l);
            g.dirs.insert(m, TempDir::new());
        }
        g
    }

    fn config(&self, member: MemberId) -> Config {
        Config {
            member,
            vr: 0,
            name: format!("node-{}", member.0),
            addrs: vec![A, A6],
            members: self.members.clone(),
            state_dir: self.dirs[&member].0.clone(),
            timing: self.timing,
        }
    }

    /// Starts `member`'s daemon (again: on its address and store).
    async fn start(&mut self, member: MemberId) -> Daemon {
        let listener = match self.listeners.remove(&member) {
            Some(l) => l,
            None => TcpListener::bind(self.members[&member])
                .await
                .expect("bind again"),
        };
        start_with(self.config(member), listener)
    }
}

fn start_with(cfg: Config, listener: TcpListener) -> Daemon {
    let member = cfg.member;
    let (events, events_rx) = mpsc::channel(1024);
    let (cmds_tx, cmds_rx) = mpsc::unbounded_channel();
    let state = Arc::new(std::sync::Mutex::new(KernelState::default()));
    tokio::spawn(kernel_task(
        member,
        cmds_rx,
        Arc::clone(&state),
        events.downgrade(),
    ));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run(cfg, listener, events_rx, cmds_tx, async {
        let _ = stopped.await;
    }));
    Daemon {
        member,
        stop: Some(stop),
        task,
        kernel: Kernel {
            events,
            state,
            next_cookie: 0,
        },
    }
}

/// Waits until `d` is in sync: its kernel got the whole table.
async fn ready(d: &Daemon) {
    d.kernel
        .until(&format!("member {} in sync", d.member), |s| {
            (s.replaced > 0).then_some(())
        })
        .await;
}

/// A group of M1, M2, M3, all in sync.
async fn group() -> (Group, Vec<Daemon>) {
    group_with(timing()).await
}

/// A group of M1, M2, M3 with timers `t`, all in sync.
async fn group_with(t: Timing) -> (Group, Vec<Daemon>) {
    let mut g = Group::new(&[M1, M2, M3]).await;
    g.timing = t;
    let mut ds = Vec::new();
    for m in [M1, M2, M3] {
        ds.push(g.start(m).await);
    }
    for d in &ds {
        ready(d).await;
    }
    (g, ds)
}

#[tokio::test]
async fn claims_are_granted_and_installed_everywhere() {
    let (_g, mut ds) = group().await;
    // A member's claim, and the leader's own (member 1 started the group).
    assert_eq!(ds[1].kernel.claim(port(80)).await, 0);
    assert_eq!(ds[0].kernel.claim(port6(53)).await, 0);
    for d in &ds {
        d.kernel.shows(port(80), Some(M2)).await;
        d.kernel.shows(port6(53), Some(M1)).await;
    }
    // A claim of a key one owns already is granted again.
    assert_eq!(ds[1].kernel.claim(port(80)).await, 0);
    // Conflicts: the same key, or a connection of another's port.
    assert_eq!(ds[2].kernel.claim(port(80)).await, libc::EADDRINUSE);
    let conn = Key::connection(
        A,
        Proto::Tcp,
        80,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
        4000,
    );
    assert_eq!(ds[2].kernel.claim(conn).await, libc::EADDRINUSE);
    // Not a distributed address; not a valid key.
    let other = Key::bound(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)), Proto::Tcp, 80);
    assert_eq!(ds[2].kernel.claim(other).await, libc::EADDRNOTAVAIL);
    assert_eq!(ds[2].kernel.claim(port(0)).await, libc::EINVAL);
    // A release reaches every kernel; the key is then free for another.
    ds[1].kernel.release(port(80)).await;
    for d in &ds {
        d.kernel.shows(port(80), None).await;
    }
    assert_eq!(ds[2].kernel.claim(port(80)).await, 0);
    for d in &ds {
        d.kernel.shows(port(80), Some(M3)).await;
    }
    // Every member got the same slices' view, its own distinct.
    let owns: Vec<_> = ds
        .iter()
        .map(|d| match d.kernel.state().slices.clone() {
            Some(KernelCmd::Slices { own, all }) => (own, all),
            other => panic!("no slices: {other:?}"),
        })
        .collect();
    assert!(owns
        .windows(2)
        .all(|w| w[0].1 == w[1].1 && w[0].0 != w[1].0));
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn without_a_group_claims_are_refused_ehostunreach() {
    // Member 2 alone: no leader can be elected.
    let mut g = Group::new(&[M1, M2, M3]).await;
    let mut d = g.start(M2).await;
    sleep(Duration::from_millis(300)).await;
    let t0 = Instant::now();
    assert_eq!(d.kernel.claim(port(80)).await, libc::EHOSTUNREACH);
    // At once: the daemon is not in sync.
    assert!(t0.elapsed() < Duration::from_millis(500));
    assert_eq!(d.kernel.state().replaced, 0);
    d.stop().await.expect("stopped");
}

#[tokio::test]
async fn a_silent_member_loses_its_keys_after_the_lease() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[2].kernel.claim(port(8012)).await, 0);
    assert_eq!(ds[2].kernel.claim(port6(8012)).await, 0);
    ds[0].kernel.shows(port(8012), Some(M3)).await;
    // Member 3's daemon stops (for the others, as if its host were gone:
    // it says nothing on the way out).
    let d3 = ds.pop().expect("member 3");
    d3.stop().await.expect("stopped");
    let t0 = Instant::now();
    assert_eq!(ds[1].kernel.claim(port(8012)).await, libc::EADDRINUSE);
    ds[1].kernel.shows(port(8012), None).await;
    ds[1].kernel.shows(port6(8012), None).await;
    let took = t0.elapsed();
    assert!(
        took <= timing().lease + timing().heartbeat + SLACK,
        "released after {took:?}"
    );
    assert!(
        took >= timing().lease - 2 * timing().heartbeat,
        "released after {took:?}"
    );
    assert_eq!(ds[1].kernel.claim(port(8012)).await, 0);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn the_group_survives_its_leader() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[0].kernel.claim(port(8001)).await, 0);
    assert_eq!(ds[1].kernel.claim(port(8002)).await, 0);
    ds[2].kernel.shows(port(8002), Some(M2)).await;
    // The leader (member 1, which started the group) stops.
    let d1 = ds.remove(0);
    d1.stop().await.expect("stopped");
    // A new leader grants claims; the old leader's keys go after the lease.
    assert_eq!(ds[1].kernel.claim(port(8003)).await, 0);
    assert_eq!(ds[0].kernel.claim(port(8004)).await, 0);
    for d in &ds {
        d.kernel.shows(port(8003), Some(M3)).await;
        d.kernel.shows(port(8004), Some(M2)).await;
        d.kernel.shows(port(8002), Some(M2)).await;
        d.kernel.shows(port(8001), None).await;
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_restarted_member_rejoins_with_its_store() {
    let (mut g, mut ds) = group().await;
    assert_eq!(ds[0].kernel.claim(port(8001)).await, 0);
    let d2 = ds.remove(1);
    d2.stop().await.expect("stopped");
    // Changes while member 2 is away.
    assert_eq!(ds[1].kernel.claim(port(8003)).await, 0);
    let d2 = g.start(M2).await;
    ready(&d2).await;
    d2.kernel.shows(port(8001), Some(M1)).await;
    d2.kernel.shows(port(8003), Some(M3)).await;
    // It claims again, through the group.
    let mut d2 = d2;
    assert_eq!(d2.kernel.claim(port(8003)).await, libc::EADDRINUSE);
    assert_eq!(d2.kernel.claim(port(8002)).await, 0);
    ds[0].kernel.shows(port(8002), Some(M2)).await;
    ds.push(d2);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_restarting_member_keeps_its_keys_and_learns_its_sockets() {
    let grace = Duration::from_secs(8);
    let (mut g, mut ds) = group_with(Timing {
        restart_grace: grace,
        ..timing()
    })
    .await;
    assert_eq!(ds[1].kernel.claim(port(8002)).await, 0);
    assert_eq!(ds[1].kernel.claim(port6(9002)).await, 0);
    ds[0].kernel.shows(port6(9002), Some(M2)).await;
    // Member 2's daemon stops to restart (SIGTERM): its keys outlive the
    // lease.
    let d2 = ds.remove(1);
    d2.stop().await.expect("stopped");
    sleep(timing().lease + Duration::from_secs(1)).await;
    assert_eq!(ds[1].kernel.claim(port(8002)).await, libc::EADDRINUSE);
    assert_eq!(ds[0].kernel.state().copy.get(&port6(9002)), Some(&M2));
    // Back, its kernel's sockets still hold 8002 (9002's closed while it
    // was away): 8002 stays its own, 9002 is released.
    let d2 = g.start(M2).await;
    d2.kernel
        .events
        .send(KernelEvent::Held {
            keys: vec![port(8002)],
        })
        .await
        .expect("daemon");
    ready(&d2).await;
    for d in [&ds[0], &ds[1], &d2] {
        d.kernel.shows(port6(9002), None).await;
    }
    assert_eq!(ds[0].kernel.state().copy.get(&port(8002)), Some(&M2));
    // The hold ended with the restart: stopped without one this time, it
    // loses its keys after the lease.
    d2.stop().await.expect("stopped");
    // (The previous stop proposed a hold: this one ends it, once in sync,
    // before the claim below, proposals being made in order.)
    let mut d2 = {
        g.timing.restart_grace = Duration::ZERO;
        g.start(M2).await
    };
    ready(&d2).await;
    assert_eq!(d2.kernel.claim(port(8005)).await, 0);
    d2.stop().await.expect("stopped");
    let t0 = Instant::now();
    ds[0].kernel.shows(port(8002), None).await;
    assert!(t0.elapsed() < grace, "kept for {:?}", t0.elapsed());
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_crashed_member_claims_its_sockets_keys_again() {
    let (mut g, mut ds) = group().await;
    assert_eq!(ds[1].kernel.claim(port(8002)).await, 0);
    assert_eq!(ds[1].kernel.claim(port(8003)).await, 0);
    // Stopped without a hold: its keys go after the lease; member 3
    // takes 8003 meanwhile.
    let d2 = ds.remove(1);
    d2.stop().await.expect("stopped");
    ds[0].kernel.shows(port(8002), None).await;
    assert_eq!(ds[1].kernel.claim(port(8003)).await, 0);
    // Back, its kernel's sockets still hold 8002 and 8003: it claims them
    // again, gets 8002, and its kernel forgets 8003 (another's now).
    let d2 = g.start(M2).await;
    d2.kernel
        .events
        .send(KernelEvent::Held {
            keys: vec![port(8002), port(8003)],
        })
        .await
        .expect("daemon");
    ready(&d2).await;
    for d in [&ds[0], &ds[1], &d2] {
        d.kernel.shows(port(8002), Some(M2)).await;
        d.kernel.shows(port(8003), Some(M3)).await;
    }
    d2.kernel
        .until("8003 forgotten", |s| {
            (s.forgotten == [port(8003)]).then_some(())
        })
        .await;
    ds.push(d2);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn invalid_configurations_are_refused() {
    let g = Group::new(&[M1, M2]).await;
    let listener = || async { TcpListener::bind("127.0.0.1:0").await.expect("bind") };
    let mut bad = Vec::new();
    let mut c = g.config(M1);
    c.member = MemberId(3);
    bad.push((c, "this member (member 3) is not in the member list"));
    let mut c = g.config(M1);
    c.timing.election = (Duration::from_millis(40), Duration::from_millis(1000));
    bad.push((
        c,
        "timers must be heartbeat < election min < election max < lease",
    ));
    let mut c = g.config(M1);
    c.timing.lease = Duration::from_millis(900);
    bad.push((c, "(here 50 < 500 < 1000 < 900 ms)"));
    let mut c = g.config(M1);
    c.timing.lease = Duration::from_millis(2000);
    bad.push((
        c,
        "the fence time (the lease less four heartbeats, 1800 ms)",
    ));
    let mut c = g.config(M1);
    c.addrs.clear();
    bad.push((c, "no distributed address"));
    let mut c = g.config(M1);
    c.name = "x".repeat(256);
    bad.push((c, "host name of 256 bytes"));
    for (cfg, msg) in bad {
        let (_events, events_rx) = mpsc::channel(1);
        let (cmds, _cmds_rx) = mpsc::unbounded_channel();
        let err = run(
            cfg,
            listener().await,
            events_rx,
            cmds,
            std::future::pending(),
        )
        .await
        .expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(msg), "{err} (expected {msg})");
    }
    // The group's id depends on every member's address and on the VR.
    let a = g.config(M1);
    let mut b = g.config(M1);
    assert_eq!(a.cluster(), b.cluster());
    b.vr = 1;
    assert_ne!(a.cluster(), b.cluster());
    let mut c = g.config(M1);
    c.members.insert(M2, "127.0.0.1:9".parse().expect("addr"));
    assert_ne!(a.cluster(), c.cluster());
}

#[tokio::test]
async fn a_gone_kernel_stops_the_daemon() {
    let mut g = Group::new(&[M1]).await;
    let d = g.start(M1).await;
    ready(&d).await;
    let Daemon { kernel, task, .. } = d;
    drop(kernel);
    let err = tokio::time::timeout(WAIT, task)
        .await
        .expect("stopped")
        .expect("task")
        .expect_err("an error");
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

#[tokio::test]
async fn a_leader_without_its_quorum_refuses_ehostunreach() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[0].kernel.claim(port(8001)).await, 0);
    // Members 2 and 3 stop: member 1 still believes it leads (openraft
    // steps no leader down) but hears no quorum.
    for d in ds.drain(1..) {
        d.stop().await.expect("stopped");
    }
    sleep(timing().election.1).await;
    let t0 = Instant::now();
    assert_eq!(ds[0].kernel.claim(port(8002)).await, libc::EHOSTUNREACH);
    // After the claim timeout, not at once: it may have been a pause.
    assert!(t0.elapsed() >= timing().claim_timeout);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

/// The lead every kernel of `ds` shows, once they agree on one other
/// than `not`.
async fn agreed_lead(ds: &[Daemon], not: Option<MemberId>) -> MemberId {
    let deadline = Instant::now() + WAIT;
    loop {
        let leads: Vec<Option<MemberId>> = ds.iter().map(|d| d.kernel.state().lead).collect();
        if let Some(Some(l)) = leads.first() {
            if Some(*l) != not && leads.iter().all(|x| *x == Some(*l)) {
                return *l;
            }
        }
        assert!(Instant::now() < deadline, "no agreed lead: {leads:?}");
        sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_raft_leader_is_every_kernels_lead() {
    let (_g, mut ds) = group().await;
    // Member 1 started the group and leads it.
    assert_eq!(agreed_lead(&ds, None).await, M1);
    // Before it led, no kernel had a lead.
    for d in &ds {
        assert_eq!(d.kernel.state().leads.first().map(|l| l.1), Some(None));
    }
    // The lead stops: its kernel stands down before it is gone, and the
    // others agree on a new lead, one of them, within the election's
    // bounds (openraft's leader lease, then an election timeout).
    let d1 = ds.remove(0);
    let k1 = Arc::clone(&d1.kernel.state);
    let t0 = Instant::now();
    d1.stop().await.expect("stopped");
    assert_eq!(k1.lock().expect("kernel").lead, None);
    let new = agreed_lead(&ds, Some(M1)).await;
    let took = t0.elapsed();
    assert!(new == M2 || new == M3, "{new}");
    let t = timing();
    assert!(
        took <= 2 * t.election.1 + 3 * t.heartbeat + SLACK,
        "a new lead after {took:?}"
    );
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_leader_without_its_quorum_stands_down() {
    let (_g, mut ds) = group().await;
    assert_eq!(agreed_lead(&ds, None).await, M1);
    // The others answer until their stop begins, and no longer once it
    // is over (stopping takes a while).
    let before = Instant::now();
    for d in ds.drain(1..) {
        d.stop().await.expect("stopped");
    }
    let after = Instant::now();
    // Member 1 still believes it leads (openraft steps no leader down),
    // but its kernel is no longer the lead.
    ds[0]
        .kernel
        .until("member 1 stood down", |s| s.lead.is_none().then_some(()))
        .await;
    let t = timing();
    let took = after.elapsed();
    assert!(
        took <= t.stepdown() + 2 * t.heartbeat + SLACK,
        "stood down {took:?} after the others stopped"
    );
    // Never before a quorum's acknowledgement was older than the stand-down time.
    let took = before.elapsed();
    assert!(
        took + 2 * t.heartbeat >= t.stepdown(),
        "stood down {took:?} after the others began to stop"
    );
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_member_cut_off_fences_itself_and_loads_the_table_again() {
    let (mut g, mut ds) = group().await;
    assert_eq!(ds[2].kernel.claim(port(8003)).await, 0);
    assert_eq!(ds[0].kernel.claim(port(8001)).await, 0);
    ds[2].kernel.shows(port(8001), Some(M1)).await;
    // Members 1 and 2 stop: member 3 hears no one. They answer until
    // their stop begins, and no longer once it is over.
    let before = Instant::now();
    for d in ds.drain(..2) {
        d.stop().await.expect("stopped");
    }
    let after = Instant::now();
    let d3 = ds.remove(0);
    d3.kernel.shows(port(8003), None).await;
    let t = timing();
    // Within the fence time of its last contact, not before.
    let took = after.elapsed();
    assert!(
        took <= t.fence() + SLACK,
        "fenced {took:?} after the others stopped"
    );
    let took = before.elapsed();
    assert!(
        took + 2 * t.heartbeat >= t.fence(),
        "fenced {took:?} after the others began to stop"
    );
    // Only its own entries went; claims are refused at once.
    assert_eq!(d3.kernel.state().copy.get(&port(8001)), Some(&M1));
    let mut d3 = d3;
    let t1 = Instant::now();
    assert_eq!(d3.kernel.claim(port(8004)).await, libc::EHOSTUNREACH);
    assert!(
        t1.elapsed() < t.claim_timeout,
        "refused after {:?}",
        t1.elapsed()
    );
    // The others come back: member 3 loads the table again, its own
    // entry included (it answered all along: no lease ran out).
    let replaced = d3.kernel.state().replaced;
    for m in [M1, M2] {
        ds.push(g.start(m).await);
    }
    d3.kernel
        .until("the table loaded again", |s| {
            (s.replaced > replaced).then_some(())
        })
        .await;
    d3.kernel.shows(port(8003), Some(M3)).await;
    assert_eq!(d3.kernel.claim(port(8004)).await, 0);
    ds.push(d3);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

fn conn(p: u16, peer_port: u16) -> Key {
    Key::connection(
        A,
        Proto::Tcp,
        p,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
        peer_port,
    )
}

/// Asserts that the drain's answer `r` is a failure with `errno`.
#[track_caller]
fn assert_drain_failed(r: &DrainResult, errno: i32) {
    assert!(
        matches!(r, DrainResult::Failed { errno: e, .. } if *e == errno),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_drain_moves_the_port_and_leaves_the_connections() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[1].kernel.claim(port(8060)).await, 0);
    let pins = vec![conn(8060, 1000), conn(8060, 1001)];
    ds[1].kernel.state().conns.insert(port(8060), pins.clone());
    // Member 3 cannot bind the port before the drain.
    assert_eq!(ds[2].kernel.claim(port(8060)).await, libc::EADDRINUSE);
    // Member 1 asks; member 3 binds while the drain waits (a standby:
    // the port stays member 2's everywhere until the move).
    ds[0].kernel.ask_drain(7, port(8060), M3, 8000).await;
    let shown = ds[2].kernel.claim_until_granted(port(8060)).await;
    assert!(!shown, "a standby, not the owner");
    let result = ds[0].kernel.drained(7).await;
    assert_eq!(result, DrainResult::Moved { from: M2, pins: 2 });
    for d in &ds {
        d.kernel.shows(port(8060), Some(M3)).await;
        for &pin in &pins {
            d.kernel.shows(pin, Some(M2)).await;
        }
    }
    assert_eq!(ds[1].kernel.state().quiesced, [port(8060)]);
    assert!(ds[1].kernel.state().forgotten.contains(&port(8060)));
    // A pinned connection closes: released everywhere.
    ds[1].kernel.release(pins[0]).await;
    for d in &ds {
        d.kernel.shows(pins[0], None).await;
        d.kernel.shows(pins[1], Some(M2)).await;
    }
    // Refusals: the port is member 3's now; no one owns 8061; a port is
    // not a connection.
    let r = ds[0].kernel.drain(8, port(8060), M3, 1000).await;
    assert_drain_failed(&r, libc::EALREADY);
    let r = ds[1].kernel.drain(9, port(8061), M1, 1000).await;
    assert_drain_failed(&r, libc::ENOENT);
    let r = ds[1].kernel.drain(10, pins[1], M1, 1000).await;
    assert_drain_failed(&r, libc::EINVAL);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_drain_without_a_target_socket_times_out_and_changes_nothing() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[1].kernel.claim(port(8070)).await, 0);
    let r = ds[2].kernel.drain(1, port(8070), M1, 500).await;
    assert_drain_failed(&r, libc::ETIMEDOUT);
    // The drain was cancelled before the answer: member 1's bind is
    // refused, member 2 still owns the port.
    assert_eq!(ds[0].kernel.claim(port(8070)).await, libc::EADDRINUSE);
    for d in &ds {
        d.kernel.shows(port(8070), Some(M2)).await;
    }
    assert!(ds[1].kernel.state().quiesced.is_empty());
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

/// A group whose leader is member 1, member 2 owning `port(p)` on every
/// table; its cluster id, to lose member 3's answers from member 1 (its
/// proposals arrive, their answers do not).
async fn group_with_port_of_2(p: u16) -> (Group, Vec<Daemon>, u64) {
    let (g, mut ds) = group().await;
    let cluster = g.config(M1).cluster();
    assert_eq!(agreed_lead(&ds, None).await, M1);
    assert_eq!(ds[1].kernel.claim(port(p)).await, 0);
    ds[2].kernel.shows(port(p), Some(M2)).await;
    (g, ds, cluster)
}

#[tokio::test]
async fn a_drain_whose_proposal_went_unanswered_follows_the_table() {
    let (_g, mut ds, cluster) = group_with_port_of_2(8100).await;
    // Member 3's drain request is applied while its proposal times out.
    crate::raft::net::cuts::lose_answers(cluster, 3, 1);
    ds[2].kernel.ask_drain(1, port(8100), M1, 8000).await;
    let shown = ds[0].kernel.claim_until_granted(port(8100)).await;
    assert!(!shown, "a standby, not the owner");
    // The port moved: the answer says so, not that nothing happened.
    let r = ds[2].kernel.drained(1).await;
    crate::raft::net::cuts::heal(cluster);
    assert_eq!(r, DrainResult::Moved { from: M2, pins: 0 });
    for d in &ds {
        d.kernel.shows(port(8100), Some(M1)).await;
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_drain_whose_proposal_went_unanswered_is_moved_though_the_port_moved_on() {
    let (_g, mut ds, cluster) = group_with_port_of_2(8120).await;
    crate::raft::net::cuts::lose_answers(cluster, 3, 1);
    ds[2].kernel.ask_drain(1, port(8120), M1, 1000).await;
    ds[0].kernel.claim_until_granted(port(8120)).await;
    // Moved, then released by its new owner before member 3's proposal
    // timed out: the table no longer shows the move, member 3 saw it.
    for d in &ds {
        d.kernel.shows(port(8120), Some(M1)).await;
    }
    // The daemons look at their table every heartbeat.
    sleep(2 * timing().heartbeat).await;
    ds[0].kernel.release(port(8120)).await;
    ds[2].kernel.shows(port(8120), None).await;
    let r = ds[2].kernel.drained(1).await;
    crate::raft::net::cuts::heal(cluster);
    assert_eq!(r, DrainResult::Moved { from: M2, pins: 0 });
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_drain_whose_proposal_went_unanswered_and_never_showed_times_out() {
    let (_g, mut ds, cluster) = group_with_port_of_2(8110).await;
    // A drain to the port's owner is refused (EALREADY), but the answer
    // is lost: nothing shows in member 3's table, and the request times
    // out after its wait and a claim timeout.
    crate::raft::net::cuts::lose_answers(cluster, 3, 1);
    let asked = Instant::now();
    let r = ds[2].kernel.drain(1, port(8110), M2, 500).await;
    crate::raft::net::cuts::heal(cluster);
    assert_drain_failed(&r, libc::ETIMEDOUT);
    assert!(
        asked.elapsed() >= Duration::from_millis(500) + timing().claim_timeout,
        "answered after {:?}",
        asked.elapsed()
    );
    for d in &ds {
        d.kernel.shows(port(8110), Some(M2)).await;
    }
    // Answered, the same drain is refused at once.
    let r = ds[2].kernel.drain(2, port(8110), M2, 500).await;
    assert_drain_failed(&r, libc::EALREADY);
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_drained_source_that_dies_hands_the_port_to_the_standby() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[1].kernel.claim(port(8080)).await, 0);
    // Member 2's daemon is gone (no quiesce will come), member 3 is bound.
    let m2 = ds.remove(1);
    let _ = m2.stop().await;
    ds[0].kernel.ask_drain(1, port(8080), M3, 9000).await;
    ds[1].kernel.claim_until_granted(port(8080)).await;
    // Member 2's lease runs out: the standby owns the port.
    let r = ds[0].kernel.drained(1).await;
    assert_eq!(r, DrainResult::Moved { from: M2, pins: 0 });
    for d in &ds {
        d.kernel.shows(port(8080), Some(M3)).await;
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_drain_again_to_a_target_still_bound_completes() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[1].kernel.claim(port(8090)).await, 0);
    ds[1].kernel.state().mute_quiesce = true;
    ds[0].kernel.ask_drain(1, port(8090), M3, 1500).await;
    ds[2].kernel.claim_until_granted(port(8090)).await;
    // Member 2 never moves it: cancelled; member 3's socket stays bound.
    let r = ds[0].kernel.drained(1).await;
    assert_drain_failed(&r, libc::ETIMEDOUT);
    for d in &ds {
        d.kernel.shows(port(8090), Some(M2)).await;
    }
    // Asked again: member 3's daemon claims for the socket it still has,
    // which makes it the standby again, and the port moves.
    ds[1].kernel.state().mute_quiesce = false;
    let r = ds[0].kernel.drain(2, port(8090), M3, 8000).await;
    assert_eq!(r, DrainResult::Moved { from: M2, pins: 0 });
    for d in &ds {
        d.kernel.shows(port(8090), Some(M3)).await;
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_leaving_member_drains_every_port_it_owns() {
    let (_g, mut ds) = group().await;
    // Member 2's ports, one with two connections; member 1's own port.
    let ports = [port(8100), port6(8101), port(8102)];
    for &p in &ports {
        assert_eq!(ds[1].kernel.claim(p).await, 0);
    }
    assert_eq!(ds[0].kernel.claim(port(8103)).await, 0);
    let pins = vec![conn(8100, 2000), conn(8100, 2001)];
    ds[1].kernel.state().conns.insert(port(8100), pins.clone());
    // Refusals first: to itself, to a stranger.
    for (to, errno) in [(M2, libc::EINVAL), (MemberId(9), libc::EINVAL)] {
        let r = ds[1].kernel.leave(1, to, 1000).await;
        assert!(
            matches!(r, LeaveResult::Failed { errno: e, .. } if e == errno),
            "{r:?}"
        );
        ds[1].kernel.state().left.clear();
    }
    // Member 2 leaves to member 3, which binds each port meanwhile (its
    // services start): each move waits for the target's socket.
    ds[1].kernel.ask_leave(2, M3, 8000).await;
    for &p in &ports {
        assert!(!ds[2].kernel.claim_until_granted(p).await, "a standby");
    }
    let r = ds[1]
        .kernel
        .until("the leave's answer", |s| s.left.get(&2).cloned())
        .await;
    assert_eq!(r, LeaveResult::Left { ports: 3, pins: 2 });
    for d in &ds {
        for &p in &ports {
            d.kernel.shows(p, Some(M3)).await;
        }
        for &pin in &pins {
            d.kernel.shows(pin, Some(M2)).await;
        }
        // Not member 2's port: untouched.
        d.kernel.shows(port(8103), Some(M1)).await;
    }
    // Nothing left to move: done at once.
    assert_eq!(
        ds[1].kernel.leave(3, M3, 1000).await,
        LeaveResult::Left { ports: 0, pins: 0 }
    );
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_leave_reports_the_ports_that_did_not_move() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[1].kernel.claim(port(8110)).await, 0);
    assert_eq!(ds[1].kernel.claim(port(8111)).await, 0);
    ds[1].kernel.ask_leave(1, M3, 800).await;
    // Member 3 binds only one of the two ports.
    ds[2].kernel.claim_until_granted(port(8110)).await;
    let r = ds[1]
        .kernel
        .until("the leave's answer", |s| s.left.get(&1).cloned())
        .await;
    match &r {
        LeaveResult::Failed { errno, why } => {
            assert_eq!(*errno, libc::ETIMEDOUT, "{r:?}");
            assert!(why.starts_with("1 of 2 ports moved; "), "{why}");
            assert!(why.contains(":8111"), "{why}");
        }
        _ => panic!("{r:?}"),
    }
    for d in &ds {
        d.kernel.shows(port(8110), Some(M3)).await;
        d.kernel.shows(port(8111), Some(M2)).await;
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_leave_moves_what_the_target_binds_while_other_ports_wait() {
    let (_g, mut ds) = group().await;
    let n = LEAVE_DRAINS_IN_FLIGHT + 8;
    let ports: Vec<Key> = (0..n).map(|i| port(9000 + i as u16)).collect();
    for &p in &ports {
        assert_eq!(ds[1].kernel.claim(p).await, 0);
    }
    ds[1].kernel.ask_leave(1, M3, 3000).await;
    // Member 3 binds only the last 8 ports: the drains of the first
    // LEAVE_DRAINS_IN_FLIGHT, which wait for it in vain, hold none of them up.
    ds[2]
        .kernel
        .standbys_within(
            &ports[LEAVE_DRAINS_IN_FLIGHT..],
            Duration::from_millis(2500),
        )
        .await;
    let answer = ds[1]
        .kernel
        .until("the leave's answer", |s| s.left.get(&1).cloned());
    let LeaveResult::Failed { errno, why } = answer.await else {
        panic!("the leave did not fail");
    };
    assert_eq!(errno, libc::ETIMEDOUT, "{why}");
    assert!(why.starts_with("8 of 40 ports moved; "), "{why}");
    // 32 failures: the first 16 named, the others counted.
    assert!(why.ends_with("; and 16 more"), "{why}");
    assert!(why.len() < 4000, "{why}");
    for d in &ds {
        d.kernel.shows(ports[0], Some(M2)).await;
        for &p in &ports[LEAVE_DRAINS_IN_FLIGHT..] {
            d.kernel.shows(p, Some(M3)).await;
        }
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_leave_of_many_ports_moves_them_all() {
    let (_g, mut ds) = group().await;
    let ports: Vec<Key> = (0..300).map(|i| port(9100 + i as u16)).collect();
    for &p in &ports {
        assert_eq!(ds[1].kernel.claim(p).await, 0);
    }
    ds[1].kernel.ask_leave(1, M3, 20000).await;
    // Without a pace, the later drains' proposals timed out in the
    // proposer's queue: their ports were never drained.
    ds[2]
        .kernel
        .standbys_within(&ports, Duration::from_secs(60))
        .await;
    let r = ds[1]
        .kernel
        .until("the leave's answer", |s| s.left.get(&1).cloned())
        .await;
    assert_eq!(
        r,
        LeaveResult::Left {
            ports: 300,
            pins: 0
        }
    );
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_former_leader_keeps_the_ports_it_binds_after_the_heal() {
    let (g, mut ds) = group().await;
    let cluster = g.config(M1).cluster();
    assert_eq!(agreed_lead(&ds, None).await, M1);
    assert_eq!(ds[0].kernel.claim(port(8200)).await, 0);
    ds[2].kernel.shows(port(8200), Some(M1)).await;
    // The leader is cut off from the others: they elect another, which
    // releases its keys after the lease; it fences itself.
    crate::raft::net::cuts::cut(cluster, &[1], &[2, 3]);
    ds[2].kernel.shows(port(8200), None).await;
    ds[0].kernel.shows(port(8200), None).await;
    crate::raft::net::cuts::heal(cluster);
    // Back as a follower, in sync: its claim is granted and stays.
    let t = timing();
    let granted = async {
        loop {
            match ds[0].kernel.claim(port(8201)).await {
                0 => break,
                _ => sleep(t.heartbeat).await,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), granted)
        .await
        .expect("member 1's claim granted after the heal");
    for d in &ds {
        d.kernel.shows(port(8201), Some(M1)).await;
    }
    sleep(3 * t.lease + t.claim_timeout).await;
    for d in &ds {
        assert_eq!(
            d.kernel.state().copy.get(&port(8201)),
            Some(&M1),
            "member {}'s copy",
            d.member
        );
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}

#[tokio::test]
async fn a_member_a_port_drains_to_cannot_leave() {
    let (_g, mut ds) = group().await;
    assert_eq!(ds[2].kernel.claim(port(8120)).await, 0);
    assert_eq!(ds[1].kernel.claim(port(8121)).await, 0);
    // Member 3's port is being drained to member 2, whose socket is a
    // standby once the drain is applied; member 3 never moves it (its
    // kernel side hangs).
    ds[2].kernel.state().mute_quiesce = true;
    ds[0].kernel.ask_drain(1, port(8120), M2, 5000).await;
    ds[1].kernel.claim_until_granted(port(8120)).await;
    sleep(4 * timing().heartbeat).await;
    match ds[1].kernel.leave(2, M1, 1000).await {
        LeaveResult::Failed {
            errno: libc::EBUSY,
            why,
        } => assert!(why.contains("drained to this member"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Nothing moved.
    for d in &ds {
        d.kernel.shows(port(8121), Some(M2)).await;
    }
    for d in ds.drain(..) {
        d.stop().await.expect("stopped");
    }
}
