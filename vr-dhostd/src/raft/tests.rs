// SPDX-License-Identifier: GPL-2.0-only
//! The log store and the state machine: openraft's storage test suite on
//! a real redb file, then what the ownership rules give through the state
//! machine, its snapshots and a restart.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use openraft::storage::{RaftLogStorage, RaftStateMachine};
use openraft::testing::{StoreBuilder, Suite};
use openraft::{CommittedLeaderId, Entry, EntryPayload, Membership, RaftSnapshotBuilder};

use super::sm::StateMachine;
use super::store::{self, LogStore};
use super::{Cmd, LogId, Reply, StorageError, TypeConfig};
use crate::db::{Key, MemberId, Proto};
use crate::testing::TempDir;

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const A6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 1));
const M1: MemberId = MemberId(1);
const M2: MemberId = MemberId(2);
const M3: MemberId = MemberId(3);

struct Builder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, TempDir> for Builder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachine), StorageError> {
        let dir = TempDir::new();
        let db = store::open(&dir.file())?;
        let sm = StateMachine::new(db.clone())?;
        Ok((dir, LogStore::new(db), sm))
    }
}

#[test]
fn openraft_storage_suite() -> Result<(), StorageError> {
    Suite::test_all(Builder)
}

fn log_id(term: u64, index: u64) -> LogId {
    LogId::new(CommittedLeaderId::new(term, 1), index)
}

fn normal(index: u64, cmd: Cmd) -> Entry<TypeConfig> {
    Entry {
        log_id: log_id(1, index),
        payload: EntryPayload::Normal(cmd),
    }
}

fn configure() -> Cmd {
    Cmd::Configure {
        addrs: vec![A, A6],
        members: vec![M1, M2],
    }
}

fn claim(member: MemberId, port: u16) -> Cmd {
    Cmd::Claim {
        member,
        key: Key::bound(A, Proto::Tcp, port),
    }
}

fn claim_key(port: u16) -> Key {
    Key::bound(A, Proto::Tcp, port)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The ownership rules through the state machine, entry by entry, on two
/// state machines of their own (each in its own store).
#[test]
fn apply_claims_in_log_order() {
    let rt = runtime();
    let entries = vec![
        normal(1, claim(M1, 80)),
        normal(2, configure()),
        normal(3, claim(M1, 80)),
        normal(4, claim(M2, 80)),
        normal(5, claim(M1, 80)),
        normal(6, claim(M2, 81)),
        normal(
            7,
            Cmd::Configure {
                addrs: vec![A],
                members: vec![M1],
            },
        ),
        normal(
            8,
            Cmd::Release {
                member: M2,
                key: Key::bound(A, Proto::Tcp, 80),
            },
        ),
        normal(9, Cmd::ReleaseAll { member: M1 }),
        normal(10, claim(M2, 80)),
        normal(11, claim(MemberId(3), 82)),
        normal(
            12,
            Cmd::Claim {
                member: M1,
                key: Key::bound(Ipv4Addr::new(10, 0, 0, 9), Proto::Udp, 53),
            },
        ),
    ];
    let expect = [
        Reply::Refused {
            errno: libc::EADDRNOTAVAIL,
            owner: None,
        },
        Reply::Done { released: 0 },
        Reply::Granted,
        Reply::Refused {
            errno: libc::EADDRINUSE,
            owner: Some(M1),
        },
        Reply::AlreadyOwned,
        Reply::Granted,
        Reply::Refused {
            errno: libc::EINVAL,
            owner: None,
        },
        // M2 does not own port 80: nothing
        Reply::Done { released: 0 },
        Reply::Done { released: 1 },
        Reply::Granted,
        Reply::Refused {
            errno: libc::EACCES,
            owner: None,
        },
        Reply::Refused {
            errno: libc::EADDRNOTAVAIL,
            owner: None,
        },
    ];
    for _member in 0..2 {
        let dir = TempDir::new();
        let mut sm = StateMachine::new(store::open(&dir.file()).expect("open")).expect("sm");
        let replies = rt.block_on(sm.apply(entries.clone())).expect("apply");
        assert_eq!(replies, expect);
        assert_eq!(sm.owner_of(A, Proto::Tcp, 80, None), Some(M2));
        assert_eq!(sm.owner_of(A, Proto::Tcp, 81, None), Some(M2));
        let (applied, _) = rt.block_on(sm.applied_state()).expect("applied");
        assert_eq!(applied, Some(log_id(1, 12)));
    }
}

/// A drain through the state machine: the target's claim is a standby
/// (nothing reaches the kernel), the move installs the pins before the
/// port; the cases that end a drain.
#[test]
fn apply_drains_in_log_order() {
    use crate::daemon::KernelCmd;
    let rt = runtime();
    let peer = IpAddr::from([192, 0, 2, 7]);
    let pin = |p| Key::connection(A, Proto::Tcp, 80, peer, p);
    let p80 = claim_key(80);
    let drain = |key, to| Cmd::Drain {
        key,
        to,
        wait_ms: 1000,
    };
    let mv = |pins: Vec<Key>| Cmd::Move {
        key: p80,
        from: M2,
        to: M3,
        pins,
    };
    let cmds = vec![
        Cmd::Configure {
            addrs: vec![A],
            members: vec![M1, M2, M3],
        },
        claim(M2, 80),
        drain(claim_key(81), M3),
        drain(p80, M2),
        drain(pin(1), M3),
        drain(p80, MemberId(9)),
        drain(p80, M3),
        drain(p80, M3),
        drain(p80, M1),
        // Not yet bound: no move.
        mv(vec![pin(1)]),
        claim(M1, 80),
        claim(M3, 80),
        claim(M3, 80),
        mv(vec![pin(1), pin(2)]),
        mv(vec![pin(1), pin(2)]),
        claim(M2, 81),
        drain(claim_key(81), M1),
        claim(M1, 81),
        // The source's listener closes: the standby takes the port.
        Cmd::Release {
            member: M2,
            key: claim_key(81),
        },
        claim(M2, 82),
        drain(claim_key(82), M1),
        // Not that drain: nothing.
        Cmd::DrainAbort {
            key: claim_key(82),
            from: M2,
            to: M3,
        },
        Cmd::DrainAbort {
            key: claim_key(82),
            from: M2,
            to: M1,
        },
        claim(M1, 82),
        drain(claim_key(82), M3),
        claim(M3, 82),
        // The source is lost: the standby takes the port.
        Cmd::ReleaseAll { member: M2 },
    ];
    let refused = |errno| Reply::Refused { errno, owner: None };
    let expect = vec![
        Reply::Done { released: 0 },
        Reply::Granted,
        refused(libc::ENOENT),
        refused(libc::EALREADY),
        refused(libc::EINVAL),
        refused(libc::EINVAL),
        Reply::Draining { from: M2 },
        Reply::Draining { from: M2 },
        refused(libc::EBUSY),
        refused(libc::ENOENT),
        Reply::Refused {
            errno: libc::EADDRINUSE,
            owner: Some(M2),
        },
        Reply::Granted,
        Reply::Granted,
        Reply::Moved { pins: 2 },
        Reply::Moved { pins: 2 },
        Reply::Granted,
        Reply::Draining { from: M2 },
        Reply::Granted,
        Reply::Done { released: 1 },
        Reply::Granted,
        Reply::Draining { from: M2 },
        Reply::Done { released: 0 },
        Reply::Done { released: 0 },
        Reply::Refused {
            errno: libc::EADDRINUSE,
            owner: Some(M2),
        },
        Reply::Draining { from: M2 },
        Reply::Granted,
        Reply::Done { released: 3 },
    ];
    let dir = TempDir::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut sm =
        StateMachine::with_kernel(store::open(&dir.file()).expect("open"), tx).expect("sm");
    let view = sm.view();
    assert!(view.send_replace());
    let entries: Vec<_> = (1u64..).zip(cmds).map(|(i, cmd)| normal(i, cmd)).collect();
    let replies = rt.block_on(sm.apply(entries)).expect("apply");
    assert_eq!(replies, expect);
    let mut sent = Vec::new();
    while let Ok(cmd) = rx.try_recv() {
        sent.push(cmd);
    }
    let install = |key, owner| KernelCmd::Install { key, owner };
    let remove = |key| KernelCmd::Remove { key };
    assert_eq!(
        sent,
        [
            KernelCmd::Replace {
                entries: Vec::new()
            },
            install(p80, M2),
            // The move: the pins first, the port last; a standby
            // claim and a move again install nothing.
            install(pin(1), M2),
            install(pin(2), M2),
            install(p80, M3),
            install(claim_key(81), M2),
            remove(claim_key(81)),
            install(claim_key(81), M1),
            install(claim_key(82), M2),
            // The source's keys go, in key order; the standby gets 82.
            remove(pin(1)),
            remove(pin(2)),
            remove(claim_key(82)),
            install(claim_key(82), M3),
        ]
    );
    assert!(view.drains().is_empty());
    assert_eq!(view.owner(&p80), Some(M3));
}

/// A snapshot carries the configuration and the ownerships; another
/// member installs it, and a restarted one loads it from its store.
#[test]
fn snapshot_install_and_restart() {
    let rt = runtime();
    let dir = TempDir::new();
    let db = store::open(&dir.file()).expect("open");
    let mut sm = StateMachine::new(db.clone()).expect("sm");
    let members: BTreeSet<u64> = [1, 2].into();
    let entries = vec![
        Entry {
            log_id: log_id(1, 1),
            payload: EntryPayload::Membership(Membership::new(vec![members.clone()], None)),
        },
        normal(2, configure()),
        normal(3, claim(M1, 80)),
        normal(
            4,
            Cmd::Claim {
                member: M2,
                key: Key::connection(A6, Proto::Udp, 5353, Ipv6Addr::LOCALHOST, 9),
            },
        ),
    ];
    rt.block_on(sm.apply(entries)).expect("apply");
    let mut builder = rt.block_on(sm.get_snapshot_builder());
    let snap = rt.block_on(builder.build_snapshot()).expect("snapshot");
    assert_eq!(snap.meta.last_log_id, Some(log_id(1, 4)));
    // Applied after the snapshot: not in it.
    rt.block_on(sm.apply(vec![normal(5, claim(M2, 81))]))
        .expect("apply");

    let other_dir = TempDir::new();
    let mut other = StateMachine::new(store::open(&other_dir.file()).expect("open")).expect("sm");
    rt.block_on(other.install_snapshot(&snap.meta, snap.snapshot))
        .expect("install");
    let (applied, membership) = rt.block_on(other.applied_state()).expect("applied");
    assert_eq!(applied, Some(log_id(1, 4)));
    assert_eq!(membership.voter_ids().collect::<BTreeSet<_>>(), members);
    assert_eq!(other.owner_of(A, Proto::Tcp, 80, None), Some(M1));
    assert_eq!(
        other.owner_of(A6, Proto::Udp, 5353, Some((Ipv6Addr::LOCALHOST.into(), 9))),
        Some(M2)
    );
    assert_eq!(other.owner_of(A, Proto::Tcp, 81, None), None);
    // The configuration came with it: a claim is judged by it.
    let replies = rt
        .block_on(other.apply(vec![normal(5, claim(MemberId(7), 81))]))
        .expect("apply");
    assert_eq!(
        replies,
        [Reply::Refused {
            errno: libc::EACCES,
            owner: None
        }]
    );

    // A restart: the state machine is the snapshot's again, entry 5 is for
    // openraft to apply anew from the log.
    drop((sm, builder, db));
    let mut restarted = StateMachine::new(store::open(&dir.file()).expect("reopen")).expect("sm");
    let (applied, _) = rt.block_on(restarted.applied_state()).expect("applied");
    assert_eq!(applied, Some(log_id(1, 4)));
    assert_eq!(restarted.owner_of(A, Proto::Tcp, 80, None), Some(M1));
    assert_eq!(restarted.owner_of(A, Proto::Tcp, 81, None), None);
    let current = rt
        .block_on(restarted.get_current_snapshot())
        .expect("current");
    assert_eq!(
        current.map(|s| s.meta.last_log_id),
        Some(Some(log_id(1, 4)))
    );
}

/// The vote, the committed log id and the entries survive reopening the
/// store; truncate and purge remove what they name.
#[test]
fn log_survives_reopen() {
    let rt = runtime();
    let dir = TempDir::new();
    {
        let db = store::open(&dir.file()).expect("open");
        let mut log = LogStore::new(db.clone());
        let vote = openraft::Vote::new_committed(3, 2);
        rt.block_on(log.save_vote(&vote)).expect("vote");
        rt.block_on(log.save_committed(Some(log_id(3, 2))))
            .expect("committed");
        let entries: Vec<_> = (1..=4).map(|i| normal(i, claim(M1, 80))).collect();
        store::put_entries(&db, entries).expect("append");
        rt.block_on(log.truncate(log_id(3, 4))).expect("truncate");
        rt.block_on(log.purge(log_id(1, 1))).expect("purge");
    }
    let mut log = LogStore::new(store::open(&dir.file()).expect("reopen"));
    assert_eq!(
        rt.block_on(log.read_vote()).expect("vote"),
        Some(openraft::Vote::new_committed(3, 2))
    );
    assert_eq!(
        rt.block_on(log.read_committed()).expect("committed"),
        Some(log_id(3, 2))
    );
    let state = rt.block_on(log.get_log_state()).expect("state");
    assert_eq!(state.last_purged_log_id, Some(log_id(1, 1)));
    assert_eq!(state.last_log_id, Some(log_id(1, 3)));
    let mut reader = rt.block_on(log.get_log_reader());
    let left: Vec<u64> = rt
        .block_on(openraft::RaftLogReader::try_get_log_entries(
            &mut reader,
            0..10,
        ))
        .expect("read")
        .iter()
        .map(|e| e.log_id.index)
        .collect();
    assert_eq!(left, [2, 3]);
}

/// One member of a group in this process: its Raft node, its RPC server
/// and its address.
struct Node {
    id: u64,
    raft: openraft::Raft<TypeConfig>,
    server: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

/// Starts a group of `n` members on loopback, member 1 initializing it.
async fn group(n: u64) -> Vec<Node> {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    let cluster = 0x5eed;
    let mut listeners = Vec::new();
    let mut nodes = BTreeMap::new();
    for id in 1..=n {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        nodes.insert(id, openraft::BasicNode { addr });
        listeners.push((id, listener));
    }
    let config = Arc::new(
        openraft::Config {
            // Slower than the daemon's defaults: the test shares a loaded
            // machine, and a leader must not change under it.
            heartbeat_interval: 100,
            election_timeout_min: 1000,
            election_timeout_max: 2000,
            ..Default::default()
        }
        .validate()
        .expect("config"),
    );
    let mut group = Vec::new();
    for (id, listener) in listeners {
        let dir = TempDir::new();
        let db = store::open(&dir.file()).expect("open");
        let sm = StateMachine::new(db.clone()).expect("sm");
        let raft = openraft::Raft::new(
            id,
            config.clone(),
            super::net::Network {
                me: id,
                cluster,
                backoff: std::time::Duration::from_millis(100),
                acks: Default::default(),
            },
            LogStore::new(db),
            sm,
        )
        .await
        .expect("raft");
        let server = tokio::spawn(super::net::serve(
            listener,
            raft.clone(),
            id,
            cluster,
            Default::default(),
        ));
        group.push(Node {
            id,
            raft,
            server,
            _dir: dir,
        });
    }
    group[0].raft.initialize(nodes).await.expect("initialize");
    group
}

/// Waits up to `ms` for a leader among `nodes` that they all agree on.
async fn leader(nodes: &[&Node], ms: u64) -> Option<u64> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    while tokio::time::Instant::now() < deadline {
        let leaders: BTreeSet<Option<u64>> = nodes
            .iter()
            .map(|n| n.raft.metrics().borrow().current_leader)
            .collect();
        if let [Some(l)] = leaders.into_iter().collect::<Vec<_>>()[..] {
            if nodes.iter().any(|n| n.id == l) {
                return Some(l);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    None
}

/// Three daemons' Raft nodes over TCP on loopback: a leader is elected, a
/// claim proposed through a follower's connection to it is applied on
/// every member in the same way, and when the leader stops the other two
/// elect a new one that keeps the table and grants new claims, a
/// conflicting one refused.
#[test]
fn group_elects_replicates_and_survives_its_leader() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let nodes = group(3).await;
        let all: Vec<&Node> = nodes.iter().collect();
        let first = leader(&all, 30_000).await.expect("a leader");
        let lead = &nodes[(first - 1) as usize];
        let configured = lead
            .raft
            .client_write(Cmd::Configure {
                addrs: vec![A],
                members: vec![M1, M2, MemberId(3)],
            })
            .await
            .expect("configure");
        assert_eq!(configured.data, Reply::Done { released: 0 });

        // A follower proposes through the network, as a member's daemon will.
        let follower = nodes.iter().find(|n| n.id != first).expect("follower");
        let leader_addr = lead
            .raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .get_node(&first)
            .expect("leader node")
            .addr
            .clone();
        let mut peer = super::net::Peer::new(
            follower.id,
            0x5eed,
            first,
            leader_addr,
            std::time::Duration::from_millis(100),
            Default::default(),
        );
        let ttl = std::time::Duration::from_secs(5);
        let (index, reply) = peer
            .propose(&claim(MemberId(follower.id as u32), 80), ttl)
            .await
            .expect("answer")
            .expect("applied");
        assert_eq!(reply, Reply::Granted);
        // A member that is not the leader says who is.
        let other = nodes
            .iter()
            .find(|n| n.id != first && n.id != follower.id)
            .expect("other");
        let other_addr = lead
            .raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .get_node(&other.id)
            .expect("node")
            .addr
            .clone();
        let mut to_other = super::net::Peer::new(
            follower.id,
            0x5eed,
            other.id,
            other_addr,
            std::time::Duration::from_millis(100),
            Default::default(),
        );
        let not = to_other
            .propose(&claim(MemberId(1), 81), ttl)
            .await
            .expect("answer");
        assert_eq!(
            not,
            Err(super::net::ProposeError::NotLeader {
                leader: Some(first)
            })
        );

        for n in &nodes {
            n.raft
                .wait(Some(ttl))
                .applied_index_at_least(Some(index), "claim applied")
                .await
                .expect("applied everywhere");
        }

        // The leader stops: its node and its server.
        lead.raft.shutdown().await.expect("shutdown");
        lead.server.abort();
        let rest: Vec<&Node> = nodes.iter().filter(|n| n.id != first).collect();
        let started = std::time::Instant::now();
        let second = leader(&rest, 30_000).await.expect("a new leader");
        assert_ne!(second, first);
        eprintln!("new leader {second} after {:?}", started.elapsed());
        let new_lead = rest.iter().find(|n| n.id == second).expect("new leader");
        let granted = new_lead
            .raft
            .client_write(claim(MemberId(second as u32), 82))
            .await
            .expect("write");
        assert_eq!(granted.data, Reply::Granted);
        // Port 80 is the first follower's: any other member is refused.
        let claimer = rest
            .iter()
            .map(|n| n.id)
            .find(|&id| id != follower.id)
            .expect("another member");
        let refused = new_lead
            .raft
            .client_write(claim(MemberId(claimer as u32), 80))
            .await
            .expect("write");
        assert_eq!(
            refused.data,
            Reply::Refused {
                errno: libc::EADDRINUSE,
                owner: Some(MemberId(follower.id as u32))
            }
        );
        for n in &rest {
            n.raft
                .wait(Some(ttl))
                .applied_index_at_least(Some(refused.log_id.index), "applied")
                .await
                .expect("applied");
        }
        for n in rest {
            n.raft.shutdown().await.expect("shutdown");
            n.server.abort();
        }
    });
}

/// Protocol 3 byte for byte: the header, a `Hello`, a claim and a refusal.
/// A change of postcard, openraft or these types that changes what goes on
/// the wire fails here, and needs a new protocol version.
#[test]
fn wire_format() {
    use super::net::{read_frame, write_frame, Hello, VERSION};

    let rt = runtime();
    let hello = Hello {
        version: VERSION,
        member: 2,
        cluster: 0x0102,
    };
    let mut frame = Vec::new();
    let body = postcard::to_stdvec(&hello).expect("encode");
    rt.block_on(write_frame(&mut frame, 1, &body))
        .expect("write");
    assert_eq!(
        frame,
        [b'V', b'R', b'D', b'H', 5, 1, 0, 0, 0, 4, 5, 2, 0x82, 0x02]
    );
    let (t, back) = rt
        .block_on(read_frame(&mut frame.as_slice(), 64))
        .expect("read");
    assert_eq!(
        (t, postcard::from_bytes::<Hello>(&back).ok()),
        (1, Some(hello))
    );

    // variant 1, member 2, V4 10.0.0.1, TCP, port 80, no remote
    let cmd = claim(M2, 80);
    assert_eq!(
        postcard::to_stdvec(&cmd).expect("encode"),
        [1, 2, 0, 10, 0, 0, 1, 0, 80, 0]
    );
    // variants 4 and 5 (version 4), member 2
    assert_eq!(
        postcard::to_stdvec(&Cmd::Hold { member: M2 }).expect("encode"),
        [4, 2]
    );
    assert_eq!(
        postcard::to_stdvec(&Cmd::Unhold { member: M2 }).expect("encode"),
        [5, 2]
    );
    // variants 6, 7 and 8 (version 5): the key as above, member 3,
    // wait 1000 ms (varint e8 07); from 2, to 3, one pin (remote Some,
    // V4 192.0.2.7, port 4000 = a0 1f)
    assert_eq!(
        postcard::to_stdvec(&Cmd::Drain {
            key: claim_key(80),
            to: M3,
            wait_ms: 1000
        })
        .expect("encode"),
        [6, 0, 10, 0, 0, 1, 0, 80, 0, 3, 0xe8, 0x07]
    );
    let pin = Key::connection(
        claim_key(80).addr,
        Proto::Tcp,
        80,
        IpAddr::from([192, 0, 2, 7]),
        4000,
    );
    assert_eq!(
        postcard::to_stdvec(&Cmd::Move {
            key: claim_key(80),
            from: M2,
            to: M3,
            pins: vec![pin]
        })
        .expect("encode"),
        [
            7, 0, 10, 0, 0, 1, 0, 80, 0, 2, 3, 1, 0, 10, 0, 0, 1, 0, 80, 1, 0, 192, 0, 2, 7, 0xa0,
            0x1f
        ]
    );
    assert_eq!(
        postcard::to_stdvec(&Cmd::DrainAbort {
            key: claim_key(80),
            from: M2,
            to: M3
        })
        .expect("encode"),
        [8, 0, 10, 0, 0, 1, 0, 80, 0, 2, 3]
    );
    // variants 4 and 5: Draining from 2, Moved with 3 pins
    assert_eq!(
        postcard::to_stdvec(&Reply::Draining { from: M2 }).expect("encode"),
        [4, 2]
    );
    assert_eq!(
        postcard::to_stdvec(&Reply::Moved { pins: 3 }).expect("encode"),
        [5, 3]
    );
    // variant 2, errno 98 (zigzag 196), Some(member 1)
    let reply = Reply::Refused {
        errno: libc::EADDRINUSE,
        owner: Some(M1),
    };
    assert_eq!(
        postcard::to_stdvec(&reply).expect("encode"),
        [2, 0xc4, 1, 1, 1]
    );

    // Protocol 4's frames (no drain) are refused, with a message saying
    // so.
    let mut v3 = frame.clone();
    v3[4] = 4;
    let err = rt
        .block_on(read_frame(&mut v3.as_slice(), 64))
        .expect_err("version 3");
    assert_eq!(
        err.to_string(),
        "protocol version 4 is not supported (only 5)"
    );
    // A body above the limit of its type is refused before it is read.
    let mut big = frame;
    big[6..10].copy_from_slice(&65u32.to_be_bytes());
    assert!(rt.block_on(read_frame(&mut big.as_slice(), 64)).is_err());

    // openraft's messages as they go on the wire and into the log: a vote
    // request (vote term 4 by 2, not committed; last log id term 3 by 1,
    // index 9), a log entry (term 1 by 1, index 5, normal: the claim of
    // port 443 by member 1) and an append of it.
    let vote = openraft::raft::VoteRequest::new(openraft::Vote::new(4, 2), Some(log_id(3, 9)));
    assert_eq!(
        postcard::to_stdvec(&vote).expect("encode"),
        [4, 2, 0, 1, 3, 1, 9]
    );
    let entry = normal(5, claim(M1, 443));
    let entry_bytes = [1, 1, 5, 1, 1, 1, 0, 10, 0, 0, 1, 0, 187, 3, 0];
    assert_eq!(postcard::to_stdvec(&entry).expect("encode"), entry_bytes);
    let append = openraft::raft::AppendEntriesRequest::<TypeConfig> {
        vote: openraft::Vote::new_committed(4, 2),
        prev_log_id: Some(log_id(3, 9)),
        entries: vec![entry],
        leader_commit: Some(log_id(3, 8)),
    };
    let mut append_bytes = vec![4, 2, 1, 1, 3, 1, 9, 1];
    append_bytes.extend(entry_bytes);
    append_bytes.extend([1, 3, 1, 8]);
    assert_eq!(postcard::to_stdvec(&append).expect("encode"), append_bytes);
}

/// The accepting side's handshake of a test peer, member 9 of group
/// 0x5eed: whether it went through.
async fn peer_hello(stream: &mut tokio::net::TcpStream) -> bool {
    use super::net::{read_frame, write_frame, Hello, VERSION};

    let hello = Hello {
        version: VERSION,
        member: 9,
        cluster: 0x5eed,
    };
    let body = postcard::to_stdvec(&hello).expect("encode");
    write_frame(stream, 1, &body).await.is_ok() && read_frame(stream, 64).await.is_ok()
}

/// A propose's answer to `request`: its id, then `Ok((7, Granted))`.
fn granted(request: &[u8]) -> Vec<u8> {
    let answer: Result<(u64, Reply), super::net::ProposeError> = Ok((7, Reply::Granted));
    let mut reply = request[..4].to_vec();
    reply.extend(postcard::to_stdvec(&answer).expect("encode"));
    reply
}

/// A fake peer that does the handshake, then answers the request of each
/// connection in turn after the delay given for that connection, echoing
/// the request id, with `Ok((7, Granted))`.
async fn slow_peer(listener: tokio::net::TcpListener, delays: Vec<u64>) -> usize {
    use super::net::{read_frame, write_frame, BODY_MAX};

    let mut served = 0;
    for delay in delays {
        let Ok((mut stream, _)) = listener.accept().await else {
            break;
        };
        if !peer_hello(&mut stream).await {
            continue;
        }
        let Ok((t, request)) = read_frame(&mut stream, BODY_MAX).await else {
            continue;
        };
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        let _ = write_frame(&mut stream, t + 1, &granted(&request)).await;
        served += 1;
        // keep the connection open until the client is done with it
        let _ = read_frame(&mut stream, BODY_MAX).await;
    }
    served
}

/// A request whose answer does not come within twice its time closes its
/// connection: the answer that comes later is never read as the next
/// request's; the next request makes a new connection and gets its own
/// answer. A peer of another group, or not the
/// member expected, is refused at the handshake.
#[test]
fn peer_drops_a_connection_that_timed_out() {
    use super::net::{CallError, Peer};
    use std::time::Duration;

    let rt = runtime();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let server = tokio::spawn(slow_peer(listener, vec![1200, 0]));
        let mut peer = Peer::new(
            1,
            0x5eed,
            9,
            addr.clone(),
            Duration::from_millis(100),
            Default::default(),
        );
        let cmd = claim(M1, 80);
        let late = peer.propose(&cmd, Duration::from_millis(200)).await;
        assert!(matches!(late, Err(CallError::Timeout)), "{late:?}");
        // The first connection's answer arrives now, on a closed connection.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let answer = peer.propose(&cmd, Duration::from_secs(5)).await;
        assert!(matches!(answer, Ok(Ok((7, Reply::Granted)))), "{answer:?}");
        drop(peer);
        assert_eq!(server.await.expect("server"), 2, "two connections served");

        // Another group, or another member than expected.
        for (cluster, target) in [(0x0bad, 9), (0x5eed, 8)] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr").to_string();
            let server = tokio::spawn(slow_peer(listener, vec![0]));
            let mut peer = Peer::new(
                1,
                cluster,
                target,
                addr,
                Duration::from_millis(100),
                Default::default(),
            );
            let refused = peer.propose(&cmd, Duration::from_secs(5)).await;
            assert!(matches!(refused, Err(CallError::Connect(_))), "{refused:?}");
            drop(peer);
            server.abort();
        }
    });
}

/// A peer whose `Hello` comes `hello_ms` after each connection is
/// accepted, and which then answers every request `answer_ms` after it
/// came, with `Ok((7, Granted))`; counts the connections it accepted.
async fn slow_hello_peer(
    listener: tokio::net::TcpListener,
    hello_ms: u64,
    answer_ms: u64,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use super::net::{read_frame, write_frame, BODY_MAX};

    while let Ok((mut stream, _)) = listener.accept().await {
        accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(hello_ms)).await;
            if !peer_hello(&mut stream).await {
                return;
            }
            while let Ok((t, request)) = read_frame(&mut stream, BODY_MAX).await {
                tokio::time::sleep(std::time::Duration::from_millis(answer_ms)).await;
                if write_frame(&mut stream, t + 1, &granted(&request))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
    }
}

/// A connection that takes longer than a call's time (openraft gives an
/// append one heartbeat) is not started again by every call: the next call
/// takes the one the first started. Nor is a connection whose answer came
/// too late closed: the next call takes it once that answer came. (Made
/// again by each call, the connection never came in time, or the answer
/// after it, and every call timed out.)
#[test]
fn peer_keeps_a_connection_being_made_across_calls() {
    use super::net::{CallError, Peer};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A client of a [`slow_hello_peer`], the peer's task, and the count of
    /// connections it accepted.
    async fn client(
        hello_ms: u64,
        answer_ms: u64,
    ) -> (Peer, tokio::task::JoinHandle<()>, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let accepted = Arc::new(AtomicUsize::new(0));
        let server = tokio::spawn(slow_hello_peer(
            listener,
            hello_ms,
            answer_ms,
            accepted.clone(),
        ));
        let peer = Peer::new(
            1,
            0x5eed,
            9,
            addr,
            Duration::from_millis(100),
            Default::default(),
        );
        (peer, server, accepted)
    }

    let rt = runtime();
    rt.block_on(async {
        let cmd = claim(M1, 80);
        // Connected in 600 ms, with 400 ms a call: the first call times
        // out, the next takes its connection; then, connected in 400 ms,
        // answered in 500 ms, with 800 ms a call: the first call times out;
        // the second waits for its late answer (at 900 ms) and is answered
        // at 1400 ms, within its time.
        for (hello_ms, answer_ms, ttl_ms) in [(600, 0, 400), (400, 500, 800)] {
            let (mut peer, server, accepted) = client(hello_ms, answer_ms).await;
            let ttl = Duration::from_millis(ttl_ms);
            let first = peer.propose(&cmd, ttl).await;
            assert!(matches!(first, Err(CallError::Timeout)), "{first:?}");
            for _ in 0..3 {
                let answer = peer.propose(&cmd, ttl).await;
                assert!(matches!(answer, Ok(Ok((7, Reply::Granted)))), "{answer:?}");
            }
            assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection");
            server.abort();
        }
        // A call cancelled while the connection is being made (as openraft
        // does at its own timeout) leaves it to the next call too.
        let (mut peer, server, accepted) = client(600, 0).await;
        let ttl = Duration::from_millis(400);
        let cancelled =
            tokio::time::timeout(Duration::from_millis(100), peer.propose(&cmd, ttl)).await;
        assert!(cancelled.is_err(), "{cancelled:?}");
        tokio::time::sleep(Duration::from_millis(600)).await;
        let answer = peer.propose(&cmd, ttl).await;
        assert!(matches!(answer, Ok(Ok((7, Reply::Granted)))), "{answer:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection");
        server.abort();
    });
}

/// A snapshot built from an older state, finishing after a newer one was
/// installed (openraft builds in a task of its own), does not replace it:
/// the kept snapshot must not be older than what the log was purged to.
#[test]
fn older_snapshot_does_not_replace_newer() {
    let rt = runtime();
    let entries: Vec<_> = [configure(), claim(M1, 80), claim(M2, 81), claim(M1, 82)]
        .into_iter()
        .enumerate()
        .map(|(i, cmd)| normal(i as u64 + 1, cmd))
        .collect();
    let dir = TempDir::new();
    let mut a = StateMachine::new(store::open(&dir.file()).expect("open")).expect("sm");
    rt.block_on(a.apply(entries[..2].to_vec())).expect("apply");
    let mut stale = rt.block_on(a.get_snapshot_builder());

    let other_dir = TempDir::new();
    let mut b = StateMachine::new(store::open(&other_dir.file()).expect("open")).expect("sm");
    rt.block_on(b.apply(entries.clone())).expect("apply");
    let newer = rt
        .block_on(rt.block_on(b.get_snapshot_builder()).build_snapshot())
        .expect("snapshot");
    rt.block_on(a.install_snapshot(&newer.meta, newer.snapshot))
        .expect("install");

    let old = rt.block_on(stale.build_snapshot()).expect("snapshot");
    assert_eq!(old.meta.last_log_id, Some(log_id(1, 2)));
    let kept = rt.block_on(a.get_current_snapshot()).expect("current");
    assert_eq!(kept.map(|s| s.meta.last_log_id), Some(Some(log_id(1, 4))));
    assert_eq!(a.owner_of(A, Proto::Tcp, 82, None), Some(M1));
}
