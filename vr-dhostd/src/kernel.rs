// SPDX-License-Identifier: GPL-2.0-only
//! The kernel side of the ownership-sync daemon (vr-dhostd):
//! generic netlink between the kernel and the [`daemon`]'s channels.
//!
//! The kernel reports each `bind()` of a socket on a distributed address
//! of this network namespace to the `dhost` multicast group
//! (VR_CMD_SOCK_NTF, event BIND, with a cookie) and makes the bind wait, at
//! most 5 s, for VR_CMD_CLAIM_ANSWER with that cookie; and each socket
//! that was granted its claim, or whose bind timed out or was interrupted,
//! sends one CLOSE when it gives the port up (same address, protocol and
//! port, no cookie). The distributed addresses are IPv4 and IPv6 ones. A
//! socket on one address claims the port on it (an IPv6 socket on an
//! IPv4-mapped address is told as an IPv4 one); a socket on a wildcard
//! address claims the port on every distributed address of its VR of the
//! families it receives ([`SockAddr::Wild`]): an IPv4 socket on 0.0.0.0
//! those of IPv4, an IPv6 socket on :: with IPV6_V6ONLY those of IPv6, a
//! dual-stack :: both. A wildcard of a family without distributed
//! addresses in the VR claims nothing there (and nothing at all if the VR
//! has none of its families: its bind is granted at once).
//!
//! The pure part, testable without a kernel:
//! - [`Claims`] turns these socket events into the daemon's
//!   [`KernelEvent`]s and the daemon's answers into claim answers: local
//!   sockets of one key share one claim (a reference count per key; the
//!   second `SO_REUSEPORT` socket of a port is granted at once), a wildcard
//!   bind is granted when all its addresses are, and a key whose last
//!   socket is gone (or whose only claimers gave up before the grant came)
//!   is released;
//! - [`replace_plan`] and [`slices_plan`] compute the owner-set and
//!   owner-del requests of [`KernelCmd::Replace`] and [`KernelCmd::Slices`]
//!   from a dump of the kernel's entries;
//! - [`next_work`] takes the [`KernelCmd::Install`] and
//!   [`KernelCmd::Remove`] commands already queued together, so that they
//!   go to the kernel as one owner-batch request.
//!
//! The I/O, [`run`]: a thread reads the notifications (the group is
//! joined before anything else, see `main::run`), a thread
//! applies them and the daemon's commands in order with blocking netlink
//! requests on a second socket, and the daemon itself runs on a
//! single-threaded tokio runtime in the calling thread until SIGINT or
//! SIGTERM.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::daemon::{self, Config, DrainResult, KernelCmd, KernelEvent, LeaveResult, Timing};
use super::db::{Key, MemberId, Proto, EPHEMERAL};
use crate::args::DaemonArgs;
use crate::error::{Error, Result};
use vr_netlink::dhost_nl::{
    owner_batches, owner_request, proto_name, send_owner_batch, Dhost, DhostMessage, Owner,
    OwnerArgs, OwnerMessage, OwnerOp, SockAddr, SockMessage, SockNtf,
};
use vr_netlink::diag::{self, DiagSocket};
use vr_netlink::socket::GenlSocket;
use vr_netlink::Error as NlError;
use vr_netlink::{mcgrp, sock_event, Cmd, BATCH_MAX};

/// The line the daemon prints on stderr once it serves its kernel: the
/// group is joined, it is in sync (the lead: listening; a member: it
/// loaded the lead's first snapshot) and its kernel has its slices and the
/// ownership entries.
pub const READY: &str = "dhost daemon: ready";

/// Where the kernel's ephemeral ports are configured, for IPv4 and IPv6
/// sockets alike. This sysctl is per network namespace, not per VR: the
/// daemons of several VRs of one namespace would overwrite each other's
/// range.
const PORT_RANGE_SYSCTL: &str = "/proc/sys/net/ipv4/ip_local_port_range";

/// The receive buffer asked for the notification socket, so that a burst
/// of binds and closes does not overflow it (a lost CLOSE leaves a key
/// claimed until the daemon restarts).
const NTF_BUFFER: usize = 4 << 20;

// ---------------------------------------------------------------------
// Configuration

/// Where a daemon keeps its Raft state without `state-dir`.
pub fn default_state_dir(vr: u32) -> PathBuf {
    PathBuf::from(format!("/var/lib/vr-dhostd/vr{vr}"))
}

/// What the daemon starts with: its [`Config`], its listening address,
/// and each distributed address with its interface index.
pub type Setup = (Config, SocketAddr, Vec<(IpAddr, u32)>);

/// The daemon's [`Setup`] for the distributed addresses of `args.vr` among
/// `dhosts` (a dhost-get dump), IPv4 and IPv6 ones: they must exist and
/// agree on this kernel's member id (their leads may differ: the daemon
/// sets them), and this member must be in `members`.
pub fn config(args: &DaemonArgs, dhosts: &[Dhost], host_name: &str) -> Result<Setup> {
    let vr = args.vr;
    let mut mine: Vec<(IpAddr, &Dhost)> = dhosts
        .iter()
        .filter(|d| d.vr == vr)
        .map(|d| (d.addr.to_canonical(), d))
        .collect();
    mine.sort_by_key(|(a, _)| *a);
    let Some(&(_, first)) = mine.first() else {
        return Err(Error::Daemon(format!(
            "VR {vr} has no distributed address (vrctl dhost set <ADDR> dev <IFNAME> member <N> lead <M>)"
        )));
    };
    // The leads may differ: the daemon sets them (one address at a time).
    if let Some((_, other)) = mine.iter().find(|(_, d)| d.member != first.member) {
        return Err(Error::Daemon(format!(
            "the distributed addresses of VR {vr} disagree: {} is member {}, {} is member {}; \
             one daemon serves one member",
            first.addr, first.member, other.addr, other.member
        )));
    }
    let member = MemberId(first.member);
    let mut addrs: Vec<IpAddr> = mine.iter().map(|(a, _)| *a).collect();
    addrs.dedup();
    let members: BTreeMap<MemberId, SocketAddr> = args
        .members
        .iter()
        .map(|&(id, addr)| (MemberId(id), addr))
        .collect();
    let Some(&own) = members.get(&member) else {
        return Err(Error::Daemon(format!(
            "this kernel is member {} of VR {vr}, which \"members\" does not list",
            member.0
        )));
    };
    // A daemon's bind of its listening socket on a distributed address
    // (or a wildcard, which claims on those of its family) would be a
    // claim that only the group can answer, while the daemon is starting;
    // and every member holds the distributed addresses, so connecting to
    // one would reach any member.
    for (m, addr) in &members {
        let ip = addr.ip().to_canonical();
        if ip.is_unspecified() || addrs.contains(&ip) {
            return Err(Error::Daemon(format!(
                "member {m}'s daemon address {ip} is a wildcard or a distributed address; \
                 give each member's own address"
            )));
        }
    }
    let listen = args.listen.unwrap_or(own);
    let ip = listen.ip().to_canonical();
    if ip.is_unspecified() || addrs.contains(&ip) {
        return Err(Error::Daemon(format!(
            "the daemon cannot listen on {ip}: its bind would claim a port of a distributed \
             address; give \"listen\" an address of its own"
        )));
    }
    let mut name = args.name.clone().unwrap_or_else(|| host_name.to_owned());
    if name.is_empty() {
        name = format!("member-{}", member.0);
    }
    let mut timing = Timing::default();
    if let Some(ms) = args.heartbeat_ms {
        timing.heartbeat = Duration::from_millis(ms);
    }
    if let Some((min, max)) = args.election_ms {
        timing.election = (Duration::from_millis(min), Duration::from_millis(max));
    }
    if let Some(ms) = args.lease_ms {
        timing.lease = Duration::from_millis(ms);
    }
    if let Some(ms) = args.restart_grace_ms {
        timing.restart_grace = Duration::from_millis(ms);
    }
    Ok((
        Config {
            member,
            vr,
            name,
            addrs,
            members,
            state_dir: args
                .state_dir
                .clone()
                .unwrap_or_else(|| default_state_dir(vr)),
            timing,
        },
        listen,
        mine.iter().map(|(a, d)| (*a, d.ifindex)).collect(),
    ))
}

// ---------------------------------------------------------------------
// Claims

/// What [`Claims`] asks of its caller, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this to the daemon.
    Daemon(KernelEvent),
    /// Answer the kernel's claim `cookie` (VR_CMD_CLAIM_ANSWER) with
    /// `errno`. For a refusal (`errno` not 0) that the kernel takes, call
    /// [`Claims::give_back`] with `granted`, the keys the bind got on
    /// other addresses: its bind fails, so its socket sends no CLOSE. (If
    /// the kernel says ENOENT, the bind timed out or was interrupted and
    /// its CLOSE gives them back.)
    Answer {
        cookie: u32,
        errno: i32,
        granted: Vec<Key>,
    },
}

/// The state of a key with local claimers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// Granted; `n` local sockets hold it (each sends a CLOSE).
    Held(u32),
    /// Claimed from the daemon with `cookie`, for the binds `waiters`;
    /// `closes` of them gave up (timed out or interrupted) before the
    /// answer.
    Claiming {
        cookie: u32,
        waiters: Vec<u64>,
        closes: u32,
    },
}

/// A bind waiting for the answers of its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bind {
    /// The kernel's cookie.
    cookie: u32,
    /// Keys not answered yet.
    waiting: usize,
    granted: Vec<Key>,
    /// The first refusal's errno.
    refusal: Option<i32>,
}

/// The local sockets' claims of one daemon (one VR): which keys local
/// sockets hold, which are claimed from the daemon, and which binds wait.
/// Pure: the caller does the I/O of the returned [`Action`]s.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    /// The distributed addresses of the VR (IPv4 ones first), for the
    /// binds to a wildcard.
    addrs: Vec<IpAddr>,
    keys: HashMap<Key, Slot>,
    /// The daemon's cookie of each claim in flight, and its key.
    claims: HashMap<u32, Key>,
    next_cookie: u32,
    binds: HashMap<u64, Bind>,
    next_bind: u64,
}

impl Claims {
    /// Claims of the sockets on `addrs` (the VR's distributed addresses,
    /// of either family).
    pub fn new(addrs: &[IpAddr]) -> Claims {
        let mut addrs: Vec<IpAddr> = addrs.iter().map(|a| a.to_canonical()).collect();
        addrs.sort_unstable();
        addrs.dedup();
        Claims {
            addrs,
            next_cookie: 1,
            ..Claims::default()
        }
    }

    /// The keys of a socket on `addr`: that address, or for a wildcard
    /// every distributed address of the families it covers (none if the
    /// VR has no address of those families).
    fn expand(&self, addr: SockAddr, proto: Proto, port: u16) -> Vec<Key> {
        let (v4, v6) = match addr {
            SockAddr::One(a) => {
                let a = a.to_canonical();
                if !a.is_unspecified() {
                    return vec![Key::bound(a, proto, port)];
                }
                // Not sent by the kernel (a wildcard is SockAddr::Wild):
                // the wildcard of its family.
                (a.is_ipv4(), a.is_ipv6())
            }
            SockAddr::Wild { v4, v6 } => (v4, v6),
        };
        self.addrs
            .iter()
            .filter(|a| if a.is_ipv4() { v4 } else { v6 })
            .map(|&a| Key::bound(a, proto, port))
            .collect()
    }

    /// A cookie for the daemon not in use.
    fn cookie(&mut self) -> u32 {
        while self.next_cookie == 0 || self.claims.contains_key(&self.next_cookie) {
            self.next_cookie = self.next_cookie.wrapping_add(1);
        }
        let cookie = self.next_cookie;
        self.next_cookie = self.next_cookie.wrapping_add(1);
        cookie
    }

    /// A BIND event: the kernel's claim `cookie` of `port` on `addr` (see
    /// [`Claims::expand`] for a wildcard). Keys held locally are granted at
    /// once; the others are claimed from the daemon, once per key whatever
    /// the number of binds waiting.
    pub fn bind(&mut self, cookie: u32, addr: SockAddr, proto: Proto, port: u16) -> Vec<Action> {
        let keys = self.expand(addr, proto, port);
        let id = self.next_bind;
        self.next_bind = self.next_bind.wrapping_add(1);
        let mut bind = Bind {
            cookie,
            waiting: 0,
            granted: Vec::new(),
            refusal: None,
        };
        let mut actions = Vec::new();
        for key in keys {
            match self.keys.get_mut(&key) {
                Some(Slot::Held(n)) => {
                    *n += 1;
                    bind.granted.push(key);
                }
                Some(Slot::Claiming { waiters, .. }) => {
                    waiters.push(id);
                    bind.waiting += 1;
                }
                None => {
                    let daemon_cookie = self.cookie();
                    self.claims.insert(daemon_cookie, key);
                    self.keys.insert(
                        key,
                        Slot::Claiming {
                            cookie: daemon_cookie,
                            waiters: vec![id],
                            closes: 0,
                        },
                    );
                    bind.waiting += 1;
                    actions.push(Action::Daemon(KernelEvent::Claim {
                        cookie: daemon_cookie,
                        key,
                    }));
                }
            }
        }
        if bind.waiting == 0 {
            // All held already (or a wildcard without a distributed
            // address of its families: nothing to claim).
            actions.push(Action::Answer {
                cookie,
                errno: 0,
                granted: bind.granted,
            });
        } else {
            self.binds.insert(id, bind);
        }
        actions
    }

    /// A CLOSE event: a socket gave up `port` on `addr` (the keys its bind
    /// claimed, the same for a wildcard). The last socket of a key
    /// releases it; a close while the key is being claimed is
    /// that of a bind that gave up waiting, counted so that the key is
    /// released if it is granted to no one else; a close of a key not
    /// held (e.g. after a refusal) changes nothing.
    pub fn close(&mut self, addr: SockAddr, proto: Proto, port: u16) -> Vec<Action> {
        let mut actions = Vec::new();
        for key in self.expand(addr, proto, port) {
            match self.keys.get_mut(&key) {
                Some(Slot::Held(n)) => {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.keys.remove(&key);
                        actions.push(Action::Daemon(KernelEvent::Release { key }));
                    }
                }
                Some(Slot::Claiming {
                    waiters, closes, ..
                }) if (*closes as usize) < waiters.len() => *closes += 1,
                // Not held (e.g. after a refusal), or more closes than
                // binds waiting.
                _ => {}
            }
        }
        actions
    }

    /// The daemon's answer to its claim `cookie`; None if there is no such
    /// claim.
    pub fn answer(&mut self, cookie: u32, errno: i32) -> Option<Vec<Action>> {
        let key = self.claims.remove(&cookie)?;
        let Some(Slot::Claiming {
            waiters, closes, ..
        }) = self.keys.remove(&key)
        else {
            return Some(Vec::new());
        };
        let mut actions = Vec::new();
        if errno == 0 {
            let holders = waiters.len().saturating_sub(closes as usize);
            match u32::try_from(holders) {
                Ok(n) if n > 0 => {
                    self.keys.insert(key, Slot::Held(n));
                }
                _ => {
                    // Granted late, to no one: give it back.
                    actions.push(Action::Daemon(KernelEvent::Release { key }));
                }
            }
        }
        for id in waiters {
            let Some(bind) = self.binds.get_mut(&id) else {
                continue;
            };
            bind.waiting = bind.waiting.saturating_sub(1);
            if errno == 0 {
                bind.granted.push(key);
            } else {
                bind.refusal.get_or_insert(errno);
            }
            if bind.waiting == 0 {
                if let Some(bind) = self.binds.remove(&id) {
                    let errno = bind.refusal.unwrap_or(0);
                    actions.push(Action::Answer {
                        cookie: bind.cookie,
                        errno,
                        granted: if errno == 0 { Vec::new() } else { bind.granted },
                    });
                }
            }
        }
        Some(actions)
    }

    /// The kernel took the refusal of a bind that had been granted `keys`:
    /// its socket holds them no longer.
    pub fn give_back(&mut self, keys: &[Key]) -> Vec<Action> {
        let mut actions = Vec::new();
        for &key in keys {
            if let Some(Slot::Held(n)) = self.keys.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.keys.remove(&key);
                    actions.push(Action::Daemon(KernelEvent::Release { key }));
                }
            }
        }
        actions
    }

    /// A socket of the kernel that was bound (on `addr`, `proto`,
    /// `port`) before this daemon started: it holds the keys of its bind
    /// (see [`Claims::expand`]) that the kernel's copy shows as this
    /// member's (`owned`): its bind claimed them from the daemon's
    /// predecessor, and it sends a CLOSE when it gives them up. (A socket
    /// bound before its address became distributed claimed nothing: on a
    /// key another member owns, or none, it holds nothing.)
    pub fn adopt(&mut self, addr: SockAddr, proto: Proto, port: u16, owned: &HashSet<Key>) {
        for key in self.expand(addr, proto, port) {
            if !owned.contains(&key) {
                continue;
            }
            match self.keys.entry(key).or_insert(Slot::Held(0)) {
                Slot::Held(n) => *n += 1,
                // Not before the first bind event.
                Slot::Claiming { .. } => {}
            }
        }
    }

    /// Forgets that local sockets hold `key` (it is another member's
    /// now): the next bind of it is claimed, and their CLOSE changes
    /// nothing.
    pub fn forget(&mut self, key: &Key) {
        if matches!(self.keys.get(key), Some(Slot::Held(_))) {
            self.keys.remove(key);
        }
    }

    /// The keys local sockets hold, in key order.
    pub fn held_keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .keys
            .iter()
            .filter(|(_, slot)| matches!(slot, Slot::Held(_)))
            .map(|(key, _)| *key)
            .collect();
        keys.sort_unstable();
        keys
    }

    /// How many local sockets hold `key` (0 while it is being claimed).
    #[cfg(test)]
    fn held(&self, key: &Key) -> u32 {
        match self.keys.get(key) {
            Some(Slot::Held(n)) => *n,
            _ => 0,
        }
    }

    /// Nothing held, claimed or waiting.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.claims.is_empty() && self.binds.is_empty()
    }
}

/// What a socket of a sock_diag dump holds from its bind, as a socket
/// event would say it: its address, protocol and port; None for a socket
/// of another VR, one that bound no port, and a TCP socket that is neither
/// listening nor bound without a peer (sock_diag cannot tell a connection
/// that bound its port from an accepted one, nor from one that reset and
/// stays bound until closed: none counts).
pub fn diag_claim(vr: u32, s: &DiagSocket) -> Option<(SockAddr, Proto, u16)> {
    if s.vr != vr || s.lport == 0 {
        return None;
    }
    let unconnected = s.rport == 0 && s.remote.is_unspecified();
    let proto = match s.proto {
        "tcp"
            if s.tcp_state == diag::TCP_LISTEN
                || (s.tcp_state == diag::TCP_CLOSE && unconnected) =>
        {
            Proto::Tcp
        }
        "udp" => Proto::Udp,
        _ => return None,
    };
    let addr = match s.local {
        IpAddr::V4(a) if a.is_unspecified() => SockAddr::Wild {
            v4: true,
            v6: false,
        },
        // Dual-stack unless the kernel says IPV6_V6ONLY (it says it for
        // listening and unconnected sockets).
        IpAddr::V6(a) if a.is_unspecified() => SockAddr::Wild {
            v4: s.v6only != Some(true),
            v6: true,
        },
        a => SockAddr::One(a.to_canonical()),
    };
    Some((addr, proto, s.lport))
}

/// The exact entries (one port, one connection) of `vr` that `kernel`
/// (an owner-get dump) shows as `me`'s.
pub fn own_keys(vr: u32, me: MemberId, kernel: &[Owner]) -> HashSet<Key> {
    kernel
        .iter()
        .filter(|o| o.vr == vr && o.member == me.0 && o.port_last == o.port)
        .filter_map(entry_key)
        .collect()
}

/// The connection key of a socket of a sock_diag dump that is a
/// connection on the port `port` (a port key): same VR, protocol, address
/// and port, a peer, and for TCP a state with a peer that still sends
/// (SYN_SENT, SYN_RECV and a request socket, ESTABLISHED, FIN_WAIT1/2,
/// CLOSE_WAIT, LAST_ACK, CLOSING; not TIME_WAIT or CLOSE, not LISTEN).
pub fn diag_conn(vr: u32, port: &Key, s: &DiagSocket) -> Option<Key> {
    const LIVE: [u8; 9] = [1, 2, 3, 4, 5, 8, 9, 11, 12];
    let proto = match s.proto {
        "tcp" if LIVE.contains(&s.tcp_state) => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => return None,
    };
    if s.vr != vr
        || proto != port.proto
        || s.lport != port.port
        || s.local.to_canonical() != port.addr
        || s.rport == 0
        || s.remote.is_unspecified()
    {
        return None;
    }
    let key = Key::connection(s.local, proto, s.lport, s.remote, s.rport);
    key.is_valid().then_some(key)
}

/// The sockets of `protos` (all VRs), from a sock_diag dump.
fn dump_sockets(protos: &[(u8, &'static str)]) -> std::result::Result<Vec<DiagSocket>, NlError> {
    diag::socket().and_then(|mut nl| diag::dump(&mut nl, protos))
}

/// The connection key of a socket of a sock_diag dump, as
/// [`diag_conn`] takes it, on whatever port it is.
pub fn diag_any_conn(vr: u32, s: &DiagSocket) -> Option<Key> {
    let proto = match s.proto {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => return None,
    };
    diag_conn(vr, &Key::bound(s.local, proto, s.lport), s)
}

/// The abstract name of the control socket of the daemon of `vr`
/// (`vrctl dhost drain` connects to it): one per VR and network
/// namespace.
pub fn control_name(vr: u32) -> String {
    format!("vr-dhostd/vr{vr}")
}

/// A request on the control socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// `drain ADDR tcp|udp PORT to MEMBER wait MS`: the port key, the
    /// target and the wait in ms.
    Drain {
        key: Key,
        to: MemberId,
        wait_ms: u32,
    },
    /// `leave to MEMBER wait MS`: every port of this member to the target.
    Leave { to: MemberId, wait_ms: u32 },
}

fn parse_member(to: &str) -> std::result::Result<MemberId, String> {
    to.parse::<u32>()
        .ok()
        .filter(|m| (1..=65535).contains(m))
        .map(MemberId)
        .ok_or_else(|| format!("bad member {to:?}"))
}

fn parse_wait(ms: &str) -> std::result::Result<u32, String> {
    ms.parse::<u32>()
        .ok()
        .filter(|&m| m != 0)
        .ok_or_else(|| format!("bad wait {ms:?}"))
}

/// A control request, one line: `drain ADDR tcp|udp PORT to MEMBER wait
/// MS` or `leave to MEMBER wait MS`.
pub fn parse_control(line: &str) -> std::result::Result<Control, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if let ["leave", "to", to, "wait", ms] = words[..] {
        return Ok(Control::Leave {
            to: parse_member(to)?,
            wait_ms: parse_wait(ms)?,
        });
    }
    let ["drain", addr, proto, port, "to", to, "wait", ms] = words[..] else {
        return Err(format!(
            "expected \"drain ADDR tcp|udp PORT to MEMBER wait MS\" or \
             \"leave to MEMBER wait MS\", got {:?}",
            line.trim_end()
        ));
    };
    let addr: IpAddr = addr.parse().map_err(|_| format!("bad address {addr:?}"))?;
    let proto = match proto {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => return Err(format!("bad protocol {proto:?}")),
    };
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| format!("bad port {port:?}"))?;
    Ok(Control::Drain {
        key: Key::bound(addr, proto, port),
        to: parse_member(to)?,
        wait_ms: parse_wait(ms)?,
    })
}

/// The answer line of a failed control request: `error ERRNO TEXT`, on
/// one line.
fn format_error(errno: i32, why: &str) -> String {
    format!("error {errno} {}\n", why.replace('\n', " "))
}

/// The answer line to a control request.
pub fn format_result(result: &DrainResult) -> String {
    match result {
        DrainResult::Moved { from, pins } => format!("ok from {} pins {pins}\n", from.0),
        DrainResult::Failed { errno, why } => format_error(*errno, why),
    }
}

/// The answer line to a leave request.
pub fn format_leave(result: &LeaveResult) -> String {
    match result {
        LeaveResult::Left { ports, pins } => format!("ok ports {ports} pins {pins}\n"),
        LeaveResult::Failed { errno, why } => format_error(*errno, why),
    }
}

/// The control requests waiting for their answer line, by id.
type Waiting = std::sync::Arc<std::sync::Mutex<HashMap<u32, oneshot::Sender<String>>>>;

// ---------------------------------------------------------------------
// The kernel's ownership entries

/// The owner-set and owner-del requests that bring the kernel's entries
/// where a command wants them: `set` first (so that no key of the new
/// state is ever missing), then `del`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub set: Vec<OwnerArgs>,
    pub del: Vec<OwnerArgs>,
}

/// The owner-set arguments of `key` in `vr` (owner-del without `owner`).
pub fn key_args(vr: u32, key: &Key, owner: Option<MemberId>) -> OwnerArgs {
    OwnerArgs {
        addr: key.addr,
        vr: Some(vr),
        proto: key.proto.number(),
        port: key.port,
        port_last: None,
        remote: key.remote.map(SocketAddr::from),
        member: owner.map(|m| m.0),
    }
}

/// The owner-del arguments of a dumped entry; None for values no request
/// can carry (the kernel never reports them).
fn entry_args(o: &Owner) -> Option<OwnerArgs> {
    let port = u16::try_from(o.port).ok()?;
    let port_last = u16::try_from(o.port_last).ok()?;
    let remote = match o.remote {
        Some((a, p)) => Some(SocketAddr::new(a, u16::try_from(p).ok()?)),
        None => None,
    };
    Some(OwnerArgs {
        addr: o.addr,
        vr: Some(o.vr),
        proto: u8::try_from(o.proto).ok()?,
        port,
        port_last: (port_last != port).then_some(port_last),
        remote,
        member: None,
    })
}

/// The key of an exact (one port or one connection) dumped entry, of
/// either family; None for a protocol the daemon does not know.
fn entry_key(o: &Owner) -> Option<Key> {
    let a = entry_args(o)?;
    let proto = Proto::from_number(a.proto)?;
    Some(match a.remote {
        Some(r) => Key::connection(a.addr, proto, a.port, r.ip(), r.port()),
        None => Key::bound(a.addr, proto, a.port),
    })
}

/// [`KernelCmd::Replace`]: the requests that make the exact entries (one
/// port, one connection) of `vr` among `kernel` (an owner-get dump) equal
/// to `entries`: set what is missing or has another owner, delete what is
/// not in `entries`. Range entries (the slices) are left alone, and so
/// are the entries of other VRs.
pub fn replace_plan(vr: u32, kernel: &[Owner], entries: &[(Key, MemberId)]) -> Plan {
    let want: HashMap<Key, MemberId> = entries.iter().copied().collect();
    let mut have: HashMap<Key, u32> = HashMap::new();
    let mut plan = Plan::default();
    for o in kernel
        .iter()
        .filter(|o| o.vr == vr && o.port == o.port_last)
    {
        match entry_key(o) {
            Some(key) if want.contains_key(&key) => {
                have.insert(key, o.member);
            }
            _ => plan.del.extend(entry_args(o)),
        }
    }
    let mut set: Vec<(Key, MemberId)> = want
        .into_iter()
        .filter(|(key, owner)| have.get(key) != Some(&owner.0))
        .collect();
    set.sort_unstable();
    plan.set = set
        .iter()
        .map(|(key, owner)| key_args(vr, key, Some(*owner)))
        .collect();
    plan
}

/// [`KernelCmd::Slices`]: one range entry per member slice of `all`, per
/// address of `addrs` (IPv4 and IPv6: one `ip_local_port_range` serves
/// both families) and per protocol (tcp and udp), in `vr`; the range
/// entries of `vr` among `kernel` that overlap [`EPHEMERAL`] and are not
/// one of them (e.g. the slices of an earlier member list) are deleted.
pub fn slices_plan(
    vr: u32,
    addrs: &[IpAddr],
    all: &[(MemberId, RangeInclusive<u16>)],
    kernel: &[Owner],
) -> Plan {
    let mut plan = Plan::default();
    for &addr in addrs {
        for proto in [Proto::Tcp, Proto::Udp] {
            for (member, slice) in all {
                let (first, last) = (*slice.start(), *slice.end());
                plan.set.push(OwnerArgs {
                    addr,
                    vr: Some(vr),
                    proto: proto.number(),
                    port: first,
                    port_last: (last != first).then_some(last),
                    remote: None,
                    member: Some(member.0),
                });
            }
        }
    }
    let (lo, hi) = (u32::from(*EPHEMERAL.start()), u32::from(*EPHEMERAL.end()));
    for o in kernel {
        let range = o.port != o.port_last && o.remote.is_none();
        if o.vr != vr || !range || o.port_last < lo || o.port > hi {
            continue;
        }
        let Some(args) = entry_args(o) else { continue };
        let same = |s: &OwnerArgs| {
            OwnerArgs {
                member: None,
                ..s.clone()
            } == args
        };
        if !plan.set.iter().any(same) {
            plan.del.push(args);
        }
    }
    plan
}

// ---------------------------------------------------------------------
// I/O

/// What the kernel thread handles, in arrival order.
#[derive(Debug)]
enum Input {
    /// A socket event.
    Sock(SockNtf),
    /// Notifications were lost (the socket's buffer overflowed).
    Lost,
    /// The notification socket failed.
    Gone(NlError),
    /// A command of the daemon.
    Cmd(KernelCmd),
}

/// An [`KernelCmd::Install`] or [`KernelCmd::Remove`], as an entry of
/// an owner-batch request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Install { key: Key, owner: MemberId },
    Remove { key: Key },
}

impl Change {
    fn of(input: &Input) -> Option<Change> {
        match *input {
            Input::Cmd(KernelCmd::Install { key, owner }) => Some(Change::Install { key, owner }),
            Input::Cmd(KernelCmd::Remove { key }) => Some(Change::Remove { key }),
            _ => None,
        }
    }

    fn key(&self) -> Key {
        match *self {
            Change::Install { key, .. } | Change::Remove { key } => key,
        }
    }
}

/// What the kernel thread does next.
#[derive(Debug)]
enum Work {
    /// Install and Remove commands, in their order, of distinct keys: one
    /// owner-batch request (or one owner-set or owner-del for one).
    Changes(Vec<Change>),
    /// Any other input.
    One(Input),
}

/// The work that starts with `first`: for an Install or Remove, it and
/// those that `more` has queued right after it (`more` must not wait:
/// `try_recv`), up to the first other input, the first key taken already
/// or [`BATCH_MAX`] entries. The input that ended the batch is returned
/// too, to be handled next: an Answer (or anything else) after an Install
/// thus comes after the Install is in the kernel, as when they were done
/// one at a time.
fn next_work(first: Input, mut more: impl FnMut() -> Option<Input>) -> (Work, Option<Input>) {
    let Some(change) = Change::of(&first) else {
        return (Work::One(first), None);
    };
    let mut changes = vec![change];
    let mut keys: HashSet<Key> = [change.key()].into_iter().collect();
    while changes.len() < BATCH_MAX as usize {
        let Some(next) = more() else { break };
        match Change::of(&next) {
            Some(change) if keys.insert(change.key()) => changes.push(change),
            _ => return (Work::Changes(changes), Some(next)),
        }
    }
    (Work::Changes(changes), None)
}

/// What an owner request is, for the log.
struct Described<'a>(&'a OwnerArgs);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        let proto = proto_name(a.proto.into());
        write!(f, "{} {proto} {}", a.addr, a.port)?;
        if let Some(last) = a.port_last {
            write!(f, "-{last}")?;
        }
        if let Some(r) = a.remote {
            write!(f, " remote {r}")?;
        }
        if let Some(m) = a.member {
            write!(f, " member {m}")?;
        }
        Ok(())
    }
}

/// The kernel thread: applies the socket events and the daemon's commands
/// with netlink requests, one at a time.
struct KernelSide {
    sock: GenlSocket,
    vr: u32,
    me: MemberId,
    addrs: Vec<IpAddr>,
    /// Each distributed address with its interface index, for `dhost-set`.
    dhosts: Vec<(IpAddr, u32)>,
    claims: Claims,
    events: mpsc::Sender<KernelEvent>,
    sliced: bool,
    replaced: bool,
    ready: bool,
    /// The connections pinned to this member by a drain
    /// ([`KernelCmd::Quiesce`]): their CLOSE releases them.
    pinned: HashSet<Key>,
    /// The pins the last [`KernelCmd::CheckPins`] did not find (a dump
    /// is not atomic: a pin goes when two in a row miss it).
    missed: HashSet<Key>,
    waiting: Waiting,
    /// Whether the kernel takes owner-batch requests (false once it
    /// refused one with EOPNOTSUPP: an older kernel).
    batch: bool,
}

/// Whether a request failed for good: the kernel's refusals and
/// undecodable replies are logged and survived, a socket error is not.
fn fatal(e: &NlError) -> bool {
    !matches!(e, NlError::Kernel { .. } | NlError::Protocol(_))
}

impl KernelSide {
    fn log(&self, what: fmt::Arguments<'_>) {
        eprintln!("dhost {}: kernel: {what}", self.me);
    }

    /// Logs a failed request; Err if the socket is unusable.
    fn failed(&self, what: fmt::Arguments<'_>, e: NlError) -> Result<()> {
        if fatal(&e) {
            return Err(e.into());
        }
        self.log(format_args!("{what}: {e}"));
        Ok(())
    }

    fn run(mut self, mut input: mpsc::UnboundedReceiver<Input>) -> Result<()> {
        let mut pending = None;
        loop {
            let Some(first) = pending.take().or_else(|| input.blocking_recv()) else {
                return Ok(());
            };
            let (work, rest) = next_work(first, || input.try_recv().ok());
            pending = rest;
            match work {
                Work::Changes(changes) => self.changes(&changes)?,
                Work::One(Input::Sock(ntf)) => self.sock_event(&ntf)?,
                Work::One(Input::Lost) => self.log(format_args!(
                    "socket notifications were lost: binds may time out, ports may stay claimed"
                )),
                Work::One(Input::Gone(e)) => return Err(e.into()),
                Work::One(Input::Cmd(cmd)) => self.command(cmd)?,
            }
        }
    }

    /// Installs and removes entries ([`KernelCmd::Install`],
    /// [`KernelCmd::Remove`]).
    fn changes(&mut self, changes: &[Change]) -> Result<()> {
        let args: Vec<(OwnerOp, OwnerArgs)> = changes
            .iter()
            .map(|change| match *change {
                Change::Install { key, owner } => {
                    (OwnerOp::Add, key_args(self.vr, &key, Some(owner)))
                }
                Change::Remove { key } => {
                    self.pinned.remove(&key);
                    (OwnerOp::Del, key_args(self.vr, &key, None))
                }
            })
            .collect();
        let changes: Vec<(OwnerOp, &OwnerArgs)> = args.iter().map(|(op, a)| (*op, a)).collect();
        self.apply_changes(&changes)
    }

    fn sock_event(&mut self, ntf: &SockNtf) -> Result<()> {
        if let (true, sock_event::CLOSE, SockAddr::One(addr), Some((raddr, rport))) =
            (ntf.connection, ntf.event, ntf.addr, ntf.remote)
        {
            let proto = u8::try_from(ntf.proto).ok().and_then(Proto::from_number);
            let port = u16::try_from(ntf.port).ok();
            if let (true, Some(proto), Some(port)) = (ntf.vr == self.vr, proto, port) {
                let key = Key::connection(addr, proto, port, raddr, rport);
                if self.pinned.remove(&key) {
                    return self.act(vec![Action::Daemon(KernelEvent::Release { key })]);
                }
            }
        }
        if ntf.vr != self.vr
            || ntf.connection
            || !matches!(ntf.event, sock_event::BIND | sock_event::CLOSE)
        {
            // Another daemon may serve that VR. Connections (accept,
            // connect and their close) and listen are not claims: a
            // connection lives on its listener's port or on the member's
            // ephemeral slice, and an entry per connection would cost a
            // table update on every member per connection.
            return Ok(());
        }
        let proto = u8::try_from(ntf.proto).ok().and_then(Proto::from_number);
        let port = u16::try_from(ntf.port).ok().filter(|&p| p != 0);
        let (Some(proto), Some(port)) = (proto, port) else {
            self.log(format_args!(
                "socket event with protocol {} port {}: not a claim",
                ntf.proto, ntf.port
            ));
            if let (sock_event::BIND, Some(cookie)) = (ntf.event, ntf.cookie) {
                return self.claim_answer(cookie, libc::EINVAL, &[]);
            }
            return Ok(());
        };
        let actions = if ntf.event == sock_event::BIND {
            let Some(cookie) = ntf.cookie else {
                self.log(format_args!("bind event without a cookie, ignored"));
                return Ok(());
            };
            self.claims.bind(cookie, ntf.addr, proto, port)
        } else {
            self.claims.close(ntf.addr, proto, port)
        };
        self.act(actions)
    }

    fn act(&mut self, actions: Vec<Action>) -> Result<()> {
        for action in actions {
            match action {
                Action::Daemon(ev) => {
                    if self.events.blocking_send(ev).is_err() {
                        return Err(Error::Daemon("the daemon stopped".into()));
                    }
                }
                Action::Answer {
                    cookie,
                    errno,
                    granted,
                } => self.claim_answer(cookie, errno, &granted)?,
            }
        }
        Ok(())
    }

    /// Answers the kernel's claim `cookie`; gives `granted` back if the
    /// kernel takes a refusal.
    fn claim_answer(&mut self, cookie: u32, errno: i32, granted: &[Key]) -> Result<()> {
        let msg = SockMessage::claim_answer(cookie, errno.unsigned_abs());
        match self.sock.request(msg) {
            Ok(_) => {
                if errno != 0 {
                    let actions = self.claims.give_back(granted);
                    self.act(actions)?;
                }
                Ok(())
            }
            Err(NlError::Kernel { errno: e, .. }) if e == libc::ENOENT => {
                self.log(format_args!(
                    "claim {cookie} no longer waits (timed out or interrupted)"
                ));
                Ok(())
            }
            Err(e) => self.failed(format_args!("claim-answer {cookie}"), e),
        }
    }

    fn owner_set(&mut self, args: &OwnerArgs) -> Result<()> {
        match self.sock.request(owner_request(OwnerOp::Add, args)) {
            Ok(_) => Ok(()),
            Err(e) => self.failed(format_args!("owner-set {}", Described(args)), e),
        }
    }

    fn owner_del(&mut self, args: &OwnerArgs) -> Result<()> {
        match self.sock.request(owner_request(OwnerOp::Del, args)) {
            Ok(_) => Ok(()),
            Err(NlError::Kernel { errno, .. }) if errno == libc::ENOENT => Ok(()),
            Err(e) => self.failed(format_args!("owner-del {}", Described(args)), e),
        }
    }

    /// The kernel's entries (all VRs); None (logged) if the dump failed.
    /// Before the first event: the keys the kernel's sockets hold from
    /// before this daemon started (a sock_diag dump, the keys the
    /// kernel's copy shows as this member's) go to `claims`, and to the
    /// daemon as a [`KernelEvent::Held`]. A dump that fails is logged: the
    /// daemon then starts as if no socket held a key.
    fn adopt_sockets(&mut self) -> Result<()> {
        let owned = match self.owners()? {
            Some(kernel) => own_keys(self.vr, self.me, &kernel),
            None => HashSet::new(),
        };
        let dumped = dump_sockets(&[(diag::IPPROTO_TCP, "tcp"), (diag::IPPROTO_UDP, "udp")]);
        match dumped {
            Ok(socks) => {
                for (addr, proto, port) in socks.iter().filter_map(|s| diag_claim(self.vr, s)) {
                    self.claims.adopt(addr, proto, port, &owned);
                }
                // The connections a drain pinned to this member.
                for s in &socks {
                    if let Some(key) = diag_any_conn(self.vr, s).filter(|k| owned.contains(k)) {
                        self.pinned.insert(key);
                    }
                }
            }
            Err(e) => self.log(format_args!(
                "cannot list the sockets ({e}): the ports they hold are claimed again only as \
                 they bind again"
            )),
        }
        let mut keys = self.claims.held_keys();
        keys.extend(self.pinned.iter().copied());
        keys.sort_unstable();
        if !keys.is_empty() {
            self.events
                .try_send(KernelEvent::Held { keys })
                .map_err(|_| Error::Daemon("the daemon's event queue is gone".into()))?;
        }
        Ok(())
    }

    /// The connections of this kernel's sockets on the port `key`; None
    /// (logged) if the sockets cannot be listed.
    fn connections(&self, key: &Key) -> Option<Vec<Key>> {
        let proto = match key.proto {
            Proto::Tcp => (diag::IPPROTO_TCP, "tcp"),
            Proto::Udp => (diag::IPPROTO_UDP, "udp"),
        };
        match dump_sockets(&[proto]) {
            Ok(socks) => Some(
                socks
                    .iter()
                    .filter_map(|s| diag_conn(self.vr, key, s))
                    .collect(),
            ),
            Err(e) => {
                self.log(format_args!("cannot list the sockets on {key}: {e}"));
                None
            }
        }
    }

    /// Sets an entry; false (logged) if the kernel refused it.
    fn try_owner_set(&mut self, args: &OwnerArgs) -> Result<bool> {
        match self.sock.request(owner_request(OwnerOp::Add, args)) {
            Ok(_) => Ok(true),
            Err(e) => self
                .failed(format_args!("owner-set {}", Described(args)), e)
                .map(|()| false),
        }
    }

    /// Gives the control request `id` its answer line (its asker may be
    /// gone).
    fn answer(&self, id: u32, line: String) {
        let waiter = self
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(waiter) = waiter {
            let _ = waiter.send(line);
        }
    }

    /// [`KernelCmd::CheckPins`].
    fn check_pins(&mut self) -> Result<()> {
        if self.pinned.is_empty() {
            self.missed.clear();
            return Ok(());
        }
        let dumped = dump_sockets(&[(diag::IPPROTO_TCP, "tcp"), (diag::IPPROTO_UDP, "udp")]);
        let live: HashSet<Key> = match dumped {
            Ok(socks) => socks
                .iter()
                .filter_map(|s| diag_any_conn(self.vr, s))
                .collect(),
            Err(e) => {
                self.log(format_args!(
                    "cannot list the sockets to check the pins: {e}"
                ));
                return Ok(());
            }
        };
        let missing: HashSet<Key> = self
            .pinned
            .iter()
            .filter(|k| !live.contains(k))
            .copied()
            .collect();
        let gone: Vec<Key> = missing.intersection(&self.missed).copied().collect();
        self.missed = missing;
        for key in gone {
            self.missed.remove(&key);
            self.pinned.remove(&key);
            self.log(format_args!("{key}: no socket, its pin is released"));
            self.act(vec![Action::Daemon(KernelEvent::Release { key })])?;
        }
        Ok(())
    }

    /// [`KernelCmd::Quiesce`]: pins the connections on `key` to this
    /// member, turns (TCP) new connections away from this kernel, pins
    /// those that came meanwhile, and tells the daemon.
    fn quiesce(&mut self, key: Key, to: MemberId) -> Result<()> {
        let me = self.me;
        let Some(mut pins) = self.connections(&key) else {
            return self.quiesced(key, None);
        };
        for (i, pin) in pins.iter().enumerate() {
            if !self.try_owner_set(&key_args(self.vr, pin, Some(me)))? {
                // Not all pinned: none is (the daemon cancels the drain).
                for set in &pins[..i] {
                    self.owner_del(&key_args(self.vr, set, None))?;
                }
                return self.quiesced(key, None);
            }
        }
        // From here this kernel drops new TCP connections to the port (no
        // RST: the client sends its SYN again) until the move gives them
        // to `to` everywhere. A UDP datagram has no handshake to lose.
        if key.proto == Proto::Tcp {
            if !self.try_owner_set(&key_args(self.vr, &key, Some(to)))? {
                for set in pins.clone() {
                    self.owner_del(&key_args(self.vr, &set, None))?;
                }
                return self.quiesced(key, None);
            }
            match self.connections(&key) {
                Some(again) => {
                    for pin in again {
                        if !pins.contains(&pin)
                            && self.try_owner_set(&key_args(self.vr, &pin, Some(me)))?
                        {
                            pins.push(pin);
                        }
                    }
                }
                None => self.log(format_args!(
                    "{key}: the connections accepted while pinning may be reset"
                )),
            }
        }
        pins.sort_unstable();
        pins.dedup();
        self.pinned.extend(pins.iter().copied());
        self.quiesced(key, Some(pins))
    }

    fn quiesced(&mut self, key: Key, pins: Option<Vec<Key>>) -> Result<()> {
        self.act(vec![Action::Daemon(KernelEvent::Quiesced { key, pins })])
    }

    fn owners(&mut self) -> Result<Option<Vec<Owner>>> {
        let replies = match self.sock.dump(OwnerMessage::dump()) {
            Ok(r) => r,
            Err(e) => return self.failed(format_args!("owner-get"), e).map(|()| None),
        };
        let mut owners = Vec::with_capacity(replies.len());
        for m in &replies {
            match Owner::from_attrs(&m.attrs) {
                Ok(o) => owners.push(o),
                Err(e) => self.log(format_args!("owner-get: {e}")),
            }
        }
        Ok(Some(owners))
    }

    fn apply(&mut self, plan: &Plan) -> Result<()> {
        let changes: Vec<(OwnerOp, &OwnerArgs)> = plan
            .set
            .iter()
            .map(|a| (OwnerOp::Add, a))
            .chain(plan.del.iter().map(|a| (OwnerOp::Del, a)))
            .collect();
        self.apply_changes(&changes)
    }

    /// Sets and deletes entries in order (a del of an entry that is not
    /// there is no error): as owner-batch requests with missing-ok of up
    /// to [`BATCH_MAX`] entries, each all or nothing. The entries of a
    /// refused request (e.g. one of its addresses is no longer
    /// distributed) are done again one at a time, each refusal logged and
    /// survived; so are all entries once the kernel has said that it does
    /// not know owner-batch. One entry alone goes as owner-set or
    /// owner-del.
    fn apply_changes(&mut self, changes: &[(OwnerOp, &OwnerArgs)]) -> Result<()> {
        if !self.batch || changes.len() < 2 {
            return self.one_at_a_time(changes);
        }
        for batch in owner_batches(changes.iter().copied(), true) {
            let entries = &changes[batch.entries.clone()];
            if !self.batch {
                self.one_at_a_time(entries)?;
                continue;
            }
            let Err(e) = send_owner_batch(&mut self.sock, &batch) else {
                continue;
            };
            if fatal(&e.error) {
                return Err(e.error.into());
            }
            if e.unsupported() {
                self.batch = false;
                self.log(format_args!(
                    "this kernel has no owner-batch ({e}): entries are set one at a time"
                ));
            } else {
                let at = e
                    .entry
                    .and_then(|i| changes.get(i))
                    .map(|(_, a)| format!(" at {}", Described(a)))
                    .unwrap_or_default();
                self.log(format_args!(
                    "owner-batch of {} entries refused{at}: {e}; one at a time instead",
                    entries.len()
                ));
            }
            self.one_at_a_time(entries)?;
        }
        Ok(())
    }

    /// Each entry as owner-set or owner-del, a refusal logged.
    fn one_at_a_time(&mut self, changes: &[(OwnerOp, &OwnerArgs)]) -> Result<()> {
        for &(op, args) in changes {
            match op {
                OwnerOp::Add => self.owner_set(args)?,
                OwnerOp::Del => self.owner_del(args)?,
            }
        }
        Ok(())
    }

    fn command(&mut self, cmd: KernelCmd) -> Result<()> {
        match cmd {
            KernelCmd::Answer { cookie, errno } => match self.claims.answer(cookie, errno) {
                Some(actions) => self.act(actions)?,
                None => self.log(format_args!("answer to an unknown claim {cookie}, ignored")),
            },
            KernelCmd::Install { key, owner } => self.changes(&[Change::Install { key, owner }])?,
            KernelCmd::Remove { key } => self.changes(&[Change::Remove { key }])?,
            KernelCmd::Replace { entries } => {
                if let Some(kernel) = self.owners()? {
                    self.apply(&replace_plan(self.vr, &kernel, &entries))?;
                }
                self.replaced = true;
            }
            KernelCmd::Slices { own, all } => {
                let kernel = self.owners()?.unwrap_or_default();
                self.apply(&slices_plan(self.vr, &self.addrs, &all, &kernel))?;
                // Its own slice, for the sockets of both families.
                let range = format!("{} {}\n", own.start(), own.end());
                if let Err(e) = std::fs::write(PORT_RANGE_SYSCTL, &range) {
                    self.log(format_args!(
                        "cannot set {PORT_RANGE_SYSCTL} to {}: {e}",
                        range.trim_end()
                    ));
                }
                self.sliced = true;
            }
            KernelCmd::Lead(lead) => {
                let lead = lead.map_or(0, |m| m.0);
                for &(addr, ifindex) in &self.dhosts {
                    let msg = DhostMessage::set(addr, ifindex, self.me.0, lead);
                    if let Err(e) = self.sock.request(msg) {
                        self.failed(format_args!("dhost-set {addr} lead {lead}"), e)?;
                    }
                }
            }
            KernelCmd::Sync(ack) => ack.done(),
            KernelCmd::Forget { key } => self.claims.forget(&key),
            KernelCmd::Quiesce { key, to } => self.quiesce(key, to)?,
            KernelCmd::CheckPins => self.check_pins()?,
            KernelCmd::Drained { id, result } => self.answer(id, format_result(&result)),
            KernelCmd::Left { id, result } => self.answer(id, format_leave(&result)),
        }
        if self.sliced && self.replaced && !self.ready {
            self.ready = true;
            eprintln!("{READY}");
        }
        Ok(())
    }
}

/// Readies the socket that will join the dhost group: a large receive
/// buffer.
pub fn prepare_events(ntf: &mut GenlSocket) {
    ntf.set_recv_buffer(NTF_BUFFER);
}

/// Reads the socket events of `ntf` (joined to the dhost group) into
/// `input` until the socket fails or no one reads `input`.
fn read_events(mut ntf: GenlSocket, input: mpsc::UnboundedSender<Input>) {
    loop {
        let msgs = match ntf.recv_notifications::<SockMessage>() {
            Ok(msgs) => msgs,
            Err(NlError::Io { err, .. }) if err.raw_os_error() == Some(libc::ENOBUFS) => {
                if input.send(Input::Lost).is_err() {
                    return;
                }
                continue;
            }
            Err(e @ NlError::Protocol(_)) => {
                eprintln!("dhost daemon: {e}");
                continue;
            }
            Err(e) => {
                let _ = input.send(Input::Gone(e));
                return;
            }
        };
        for msg in msgs.into_iter().filter(|m| m.cmd == Cmd::SockNtf) {
            match SockNtf::from_attrs(&msg.attrs) {
                Ok(ntf) => {
                    if input.send(Input::Sock(ntf)).is_err() {
                        return;
                    }
                }
                Err(e) => eprintln!("dhost daemon: unexpected netlink message: {e}"),
            }
        }
    }
}

/// The daemon's control socket: the abstract Unix socket
/// [`control_name`] of `vr`.
fn control_listener(vr: u32) -> io::Result<tokio::net::UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(control_name(vr))?;
    let listener = std::os::unix::net::UnixListener::bind_addr(&addr)?;
    listener.set_nonblocking(true)?;
    tokio::net::UnixListener::from_std(listener)
}

/// Serves the control socket: one request per connection, from this
/// daemon's user or root.
async fn control(
    listener: tokio::net::UnixListener,
    events: mpsc::Sender<KernelEvent>,
    waiting: Waiting,
) {
    let mut next_id: u32 = 0;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                eprintln!("dhost daemon: control socket: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id = next_id.wrapping_add(1);
        tokio::spawn(control_request(
            stream,
            next_id,
            events.clone(),
            waiting.clone(),
        ));
    }
}

/// One control request: reads its line (5 s at most), asks the daemon,
/// writes the answer.
async fn control_request(
    stream: tokio::net::UnixStream,
    id: u32,
    events: mpsc::Sender<KernelEvent>,
    waiting: Waiting,
) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let allowed = stream
        .peer_cred()
        .is_ok_and(|c| c.uid() == 0 || c.uid() == euid);
    let (rd, mut wr) = stream.into_split();
    let mut line = String::new();
    let mut rd = tokio::io::BufReader::new(rd.take(4096));
    let read = tokio::time::timeout(Duration::from_secs(5), rd.read_line(&mut line)).await;
    let failed = format_error;
    let answer = match (allowed, read) {
        (false, _) => failed(
            libc::EPERM,
            "only root or the daemon's user may ask vr-dhostd",
        ),
        (true, Err(_) | Ok(Err(_))) => failed(libc::EINVAL, "no request"),
        (true, Ok(Ok(_))) => match parse_control(&line) {
            Err(why) => failed(libc::EINVAL, &why),
            Ok(request) => {
                let (tx, rx) = oneshot::channel();
                waiting
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id, tx);
                let ev = match request {
                    Control::Drain { key, to, wait_ms } => KernelEvent::Drain {
                        id,
                        key,
                        to,
                        wait_ms,
                    },
                    Control::Leave { to, wait_ms } => KernelEvent::Leave { id, to, wait_ms },
                };
                match events.send(ev).await {
                    Ok(()) => rx
                        .await
                        .unwrap_or_else(|_| failed(libc::EHOSTUNREACH, "the daemon is stopping")),
                    Err(_) => failed(libc::EHOSTUNREACH, "the daemon is stopping"),
                }
            }
        },
    };
    let _ = wr.write_all(answer.as_bytes()).await;
}

/// Blocks SIGINT and SIGTERM in the calling thread (and so in every
/// thread it starts from now on) and starts a thread that waits for
/// either; the receiver completes when one arrives.
fn shutdown_signal() -> Result<oneshot::Receiver<i32>> {
    // SAFETY: sigset_t is plain data that sigemptyset initialises; the
    // pointers are valid for the calls.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        set
    };
    // SAFETY: set is initialised; no old mask is asked for.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(Error::io(
            "cannot block SIGINT and SIGTERM",
            io::Error::from_raw_os_error(rc),
        ));
    }
    let (tx, rx) = oneshot::channel();
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut sig: libc::c_int = 0;
            // SAFETY: set is initialised and sig writable; both blocked
            // signals are waited for (Linux queues a blocked signal even
            // when its action is to ignore it).
            while unsafe { libc::sigwait(&set, &mut sig) } != 0 {}
            let _ = tx.send(sig);
        })
        .map_err(|e| Error::io("cannot start a thread", e))?;
    Ok(rx)
}

/// Runs the daemon of `cfg` for the distributed addresses of `vr` until
/// SIGINT or SIGTERM (then Ok). `ntf` (see [`prepare_events`]) joins the
/// dhost group once the sockets of a previous daemon are adopted; `sock`
/// is for the requests. Errors of requests are logged; the
/// daemon stops with an error when a netlink socket fails, or the daemon
/// cannot start (e.g. the lead cannot listen).
pub fn run(setup: Setup, mut ntf: GenlSocket, sock: GenlSocket) -> Result<()> {
    let (cfg, listen, dhosts) = setup;
    let vr = cfg.vr;
    let shutdown = shutdown_signal()?;
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::channel(1024);
    let (cmds_tx, mut cmds_rx) = mpsc::unbounded_channel::<KernelCmd>();
    let mut side = KernelSide {
        sock,
        vr,
        me: cfg.member,
        addrs: cfg.addrs.clone(),
        dhosts,
        claims: Claims::new(&cfg.addrs),
        events: events_tx,
        sliced: false,
        replaced: false,
        ready: false,
        pinned: HashSet::new(),
        missed: HashSet::new(),
        waiting: Waiting::default(),
        batch: true,
    };
    let waiting = side.waiting.clone();
    let control_events = side.events.clone();
    // The sockets of a previous daemon, before joining the group: until
    // then binds fail (ENOTCONN), and a socket that closes between the
    // dump and the join counts as a holder until the next restart; one
    // that closes later sends its CLOSE.
    side.adopt_sockets()?;
    ntf.subscribe(mcgrp::DHOST)?;
    let reader_input = input_tx.clone();
    thread::Builder::new()
        .name("dhost-events".into())
        .spawn(move || read_events(ntf, reader_input))
        .map_err(|e| Error::io("cannot start a thread", e))?;
    let kernel = thread::Builder::new()
        .name("dhost-kernel".into())
        .spawn(move || side.run(input_rx))
        .map_err(|e| Error::io("cannot start a thread", e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the runtime", e))?;
    eprintln!(
        "dhost daemon: member {} ({}) of VR {vr}, {} members, listening on {listen}: {:?}",
        cfg.member,
        cfg.name,
        cfg.members.len(),
        cfg.addrs
    );
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("distributed host: listen on {listen}: {e}"),
            )
        })?;
        match control_listener(vr) {
            Ok(listener) => {
                tokio::spawn(control(listener, control_events, waiting));
            }
            Err(e) => eprintln!(
                "dhost daemon: no control socket @{} ({e}): vrctl dhost drain cannot reach \
                 this daemon",
                control_name(vr)
            ),
        }
        // The commands go to the kernel thread's queue, which is never
        // full: the daemon never waits for the kernel thread while the
        // kernel thread waits for it to take an event. One queue keeps
        // the daemon's order (an Install before its Answer).
        tokio::spawn(async move {
            while let Some(cmd) = cmds_rx.recv().await {
                if input_tx.send(Input::Cmd(cmd)).is_err() {
                    return;
                }
            }
        });
        let shutdown = async {
            if let Ok(sig) = shutdown.await {
                let name = if sig == libc::SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                eprintln!("dhost daemon: {name}, stopping");
            }
        };
        daemon::run(cfg, listener, events_rx, cmds_tx, shutdown).await
    });
    match result {
        Ok(()) => Ok(()),
        // The daemon's kernel side is gone: the kernel thread ended (it
        // drops its ends of the channels only then), and its error says
        // why.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => match kernel.join() {
            Ok(Err(e)) => Err(e),
            _ => Err(Error::Daemon(e.to_string())),
        },
        // The configuration (member list, name) as the daemon checks it.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Err(Error::Daemon(e.to_string())),
        Err(e) => Err(Error::io("dhost daemon", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::{Ipv4Addr, Ipv6Addr};

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 100));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 101));
    const V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x100));
    const W6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x101));
    /// An IPv4 socket on 0.0.0.0.
    const ANY: SockAddr = SockAddr::Wild {
        v4: true,
        v6: false,
    };
    /// An IPv6 socket on :: with IPV6_V6ONLY.
    const ANY6: SockAddr = SockAddr::Wild {
        v4: false,
        v6: true,
    };
    /// A dual-stack IPv6 socket on ::.
    const DUAL: SockAddr = SockAddr::Wild { v4: true, v6: true };

    /// A socket on `addr`.
    fn on(addr: IpAddr) -> SockAddr {
        SockAddr::One(addr)
    }

    fn tcp(addr: IpAddr, port: u16) -> Key {
        Key::bound(addr, Proto::Tcp, port)
    }

    fn udp(addr: IpAddr, port: u16) -> Key {
        Key::bound(addr, Proto::Udp, port)
    }

    fn claim(cookie: u32, key: Key) -> Action {
        Action::Daemon(KernelEvent::Claim { cookie, key })
    }

    fn release(key: Key) -> Action {
        Action::Daemon(KernelEvent::Release { key })
    }

    fn answer(cookie: u32, errno: i32, granted: &[Key]) -> Action {
        Action::Answer {
            cookie,
            errno,
            granted: granted.to_vec(),
        }
    }

    /// The daemon cookies of the claims among `actions`.
    fn cookies(actions: &[Action]) -> Vec<u32> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Daemon(KernelEvent::Claim { cookie, .. }) => Some(*cookie),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn one_socket_claims_and_releases() {
        let mut c = Claims::new(&[A]);
        let k = tcp(A, 80);
        let a = c.bind(7, on(A), Proto::Tcp, 80);
        assert_eq!(a, [claim(1, k)]);
        assert_eq!(c.answer(1, 0), Some(vec![answer(7, 0, &[])]));
        assert_eq!(c.held(&k), 1);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), [release(k)]);
        assert!(c.is_empty());
    }

    #[test]
    fn a_held_key_is_granted_at_once_and_counted() {
        let mut c = Claims::new(&[A]);
        let k = tcp(A, 80);
        c.bind(7, on(A), Proto::Tcp, 80);
        c.answer(1, 0);
        // SO_REUSEPORT: a second and a third socket, no claim.
        assert_eq!(c.bind(8, on(A), Proto::Tcp, 80), [answer(8, 0, &[k])]);
        assert_eq!(c.bind(9, on(A), Proto::Tcp, 80), [answer(9, 0, &[k])]);
        assert_eq!(c.held(&k), 3);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), [release(k)]);
        // UDP is another key.
        assert_eq!(c.bind(10, on(A), Proto::Udp, 80).len(), 1);
    }

    #[test]
    fn binds_of_a_key_being_claimed_share_the_claim() {
        let mut c = Claims::new(&[A]);
        let k = tcp(A, 80);
        assert_eq!(c.bind(7, on(A), Proto::Tcp, 80), [claim(1, k)]);
        assert_eq!(c.bind(8, on(A), Proto::Tcp, 80), []);
        assert_eq!(
            c.answer(1, 0),
            Some(vec![answer(7, 0, &[]), answer(8, 0, &[])])
        );
        assert_eq!(c.held(&k), 2);
        // Refused: both binds fail, nothing to give back.
        let mut c = Claims::new(&[A]);
        c.bind(7, on(A), Proto::Tcp, 80);
        c.bind(8, on(A), Proto::Tcp, 80);
        assert_eq!(
            c.answer(1, libc::EADDRINUSE),
            Some(vec![
                answer(7, libc::EADDRINUSE, &[]),
                answer(8, libc::EADDRINUSE, &[])
            ])
        );
        assert!(c.is_empty());
    }

    #[test]
    fn a_wildcard_bind_claims_every_address() {
        let mut c = Claims::new(&[B, A, A]);
        let a = c.bind(7, ANY, Proto::Tcp, 80);
        assert_eq!(a, [claim(1, tcp(A, 80)), claim(2, tcp(B, 80))]);
        assert_eq!(c.answer(2, 0), Some(vec![]));
        assert_eq!(c.answer(1, 0), Some(vec![answer(7, 0, &[])]));
        // A bind on one address of a key the wildcard socket holds.
        assert_eq!(
            c.bind(8, on(B), Proto::Tcp, 80),
            [answer(8, 0, &[tcp(B, 80)])]
        );
        assert_eq!(c.close(ANY, Proto::Tcp, 80), [release(tcp(A, 80))]);
        assert_eq!(c.close(on(B), Proto::Tcp, 80), [release(tcp(B, 80))]);
        assert!(c.is_empty());
    }

    #[test]
    fn a_wildcard_bind_refused_on_one_address_gives_the_others_back() {
        let mut c = Claims::new(&[A, B]);
        c.bind(7, ANY, Proto::Tcp, 80);
        assert_eq!(c.answer(1, 0), Some(vec![]));
        let refused = c.answer(2, libc::EADDRINUSE);
        assert_eq!(
            refused,
            Some(vec![answer(7, libc::EADDRINUSE, &[tcp(A, 80)])])
        );
        // The kernel took the refusal: the bind holds nothing.
        assert_eq!(c.give_back(&[tcp(A, 80)]), [release(tcp(A, 80))]);
        assert!(c.is_empty());
        // The first refusal's errno is the bind's.
        let mut c = Claims::new(&[A, B]);
        c.bind(7, ANY, Proto::Udp, 53);
        assert_eq!(c.answer(2, libc::ETIMEDOUT), Some(vec![]));
        assert_eq!(
            c.answer(1, libc::EADDRINUSE),
            Some(vec![answer(7, libc::ETIMEDOUT, &[])])
        );
        assert!(c.is_empty());
    }

    #[test]
    fn giving_back_a_key_other_sockets_hold_keeps_it() {
        let mut c = Claims::new(&[A, B]);
        c.bind(6, on(A), Proto::Tcp, 80);
        c.answer(1, 0);
        // The wildcard bind gets A at once, B is refused.
        assert_eq!(c.bind(7, ANY, Proto::Tcp, 80), [claim(2, tcp(B, 80))]);
        assert_eq!(
            c.answer(2, libc::EADDRINUSE),
            Some(vec![answer(7, libc::EADDRINUSE, &[tcp(A, 80)])])
        );
        assert_eq!(c.give_back(&[tcp(A, 80)]), []);
        assert_eq!(c.held(&tcp(A, 80)), 1);
    }

    #[test]
    fn a_late_grant_to_a_bind_that_gave_up_is_released() {
        let mut c = Claims::new(&[A]);
        let k = tcp(A, 80);
        c.bind(7, on(A), Proto::Tcp, 80);
        // The bind timed out in the kernel: its CLOSE comes first.
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        // The grant arrives: given back; the answer will get ENOENT.
        assert_eq!(c.answer(1, 0), Some(vec![release(k), answer(7, 0, &[])]));
        assert!(c.is_empty());
        // The same after a refusal: nothing to release.
        c.bind(8, on(A), Proto::Tcp, 80);
        c.close(on(A), Proto::Tcp, 80);
        assert_eq!(
            c.answer(2, libc::ETIMEDOUT),
            Some(vec![answer(8, libc::ETIMEDOUT, &[])])
        );
        assert!(c.is_empty());
    }

    #[test]
    fn a_late_grant_shared_with_a_live_bind_is_kept() {
        let mut c = Claims::new(&[A]);
        let k = tcp(A, 80);
        c.bind(7, on(A), Proto::Tcp, 80);
        c.close(on(A), Proto::Tcp, 80);
        c.bind(8, on(A), Proto::Tcp, 80);
        assert_eq!(
            c.answer(1, 0),
            Some(vec![answer(7, 0, &[]), answer(8, 0, &[])])
        );
        assert_eq!(c.held(&k), 1);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), [release(k)]);
        assert!(c.is_empty());
    }

    #[test]
    fn a_timed_out_wildcard_bind_gives_everything_back() {
        let mut c = Claims::new(&[A, B]);
        c.bind(7, ANY, Proto::Tcp, 80);
        assert_eq!(c.answer(1, 0), Some(vec![]));
        // The kernel gave up waiting: one CLOSE for both addresses.
        assert_eq!(c.close(ANY, Proto::Tcp, 80), [release(tcp(A, 80))]);
        // B is granted late, to no one.
        assert_eq!(
            c.answer(2, 0),
            Some(vec![release(tcp(B, 80)), answer(7, 0, &[])])
        );
        assert!(c.is_empty());
        // Or refused: the refusal's answer gets ENOENT (no give_back), and
        // A was released by the CLOSE already.
        c.bind(8, ANY, Proto::Tcp, 81);
        c.answer(3, 0);
        assert_eq!(c.close(ANY, Proto::Tcp, 81), [release(tcp(A, 81))]);
        assert_eq!(
            c.answer(4, libc::EADDRINUSE),
            Some(vec![answer(8, libc::EADDRINUSE, &[tcp(A, 81)])])
        );
        assert!(c.is_empty());
    }

    #[test]
    fn closes_of_keys_not_held_are_harmless() {
        let mut c = Claims::new(&[A]);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        assert_eq!(c.close(ANY, Proto::Udp, 80), []);
        c.bind(7, on(A), Proto::Tcp, 80);
        c.answer(1, libc::EADDRINUSE);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        // More closes than binds waiting do not outlive the claim.
        c.bind(8, on(A), Proto::Tcp, 80);
        c.close(on(A), Proto::Tcp, 80);
        c.close(on(A), Proto::Tcp, 80);
        assert_eq!(
            c.answer(2, 0),
            Some(vec![release(tcp(A, 80)), answer(8, 0, &[])])
        );
        assert!(c.is_empty());
    }

    #[test]
    fn unknown_answers_and_cookies() {
        let mut c = Claims::new(&[A]);
        assert_eq!(c.answer(1, 0), None);
        let first = cookies(&c.bind(7, on(A), Proto::Tcp, 80));
        let second = cookies(&c.bind(8, on(A), Proto::Tcp, 81));
        assert_eq!((first, second), (vec![1], vec![2]));
        assert_eq!(c.answer(1, 0).map(|a| a.len()), Some(1));
        assert_eq!(c.answer(1, 0), None, "answered already");
        // Cookies in use are skipped, 0 is never one.
        c.next_cookie = u32::MAX;
        assert_eq!(cookies(&c.bind(9, on(A), Proto::Tcp, 82)), [u32::MAX]);
        assert_eq!(cookies(&c.bind(10, on(A), Proto::Tcp, 83)), [1]);
        assert_eq!(cookies(&c.bind(11, on(A), Proto::Tcp, 84)), [3]);
    }

    #[test]
    fn a_wildcard_bind_without_addresses_is_granted() {
        let mut c = Claims::new(&[]);
        assert_eq!(c.bind(7, ANY, Proto::Tcp, 80), [answer(7, 0, &[])]);
        assert_eq!(c.close(ANY, Proto::Tcp, 80), []);
    }

    /// A wildcard claims on the distributed addresses of the families it
    /// covers, IPv4 ones first, and its CLOSE gives back the same keys.
    #[test]
    fn wildcards_claim_by_family() {
        let mut c = Claims::new(&[V6, B, A, W6]);
        // Dual-stack ::: every address.
        assert_eq!(
            c.bind(7, DUAL, Proto::Tcp, 80),
            [
                claim(1, tcp(A, 80)),
                claim(2, tcp(B, 80)),
                claim(3, tcp(V6, 80)),
                claim(4, tcp(W6, 80))
            ]
        );
        for cookie in 1..4 {
            assert_eq!(c.answer(cookie, 0), Some(vec![]));
        }
        assert_eq!(c.answer(4, 0), Some(vec![answer(7, 0, &[])]));
        // IPv6 only: the IPv6 addresses; IPv4 only: the IPv4 ones.
        assert_eq!(
            c.bind(8, ANY6, Proto::Udp, 53),
            [claim(5, udp(V6, 53)), claim(6, udp(W6, 53))]
        );
        assert_eq!(
            c.bind(9, ANY, Proto::Udp, 53),
            [claim(7, udp(A, 53)), claim(8, udp(B, 53))]
        );
        // An IPv6-only socket on a port a dual-stack socket holds: granted
        // at once, on the IPv6 addresses only.
        assert_eq!(
            c.bind(10, ANY6, Proto::Tcp, 80),
            [answer(10, 0, &[tcp(V6, 80), tcp(W6, 80)])]
        );
        assert_eq!(c.held(&tcp(A, 80)), 1);
        assert_eq!(c.held(&tcp(V6, 80)), 2);
        // The dual-stack socket's CLOSE: the IPv4 keys go, the IPv6 ones
        // are still held by the IPv6-only socket.
        assert_eq!(
            c.close(DUAL, Proto::Tcp, 80),
            [release(tcp(A, 80)), release(tcp(B, 80))]
        );
        assert_eq!(
            c.close(ANY6, Proto::Tcp, 80),
            [release(tcp(V6, 80)), release(tcp(W6, 80))]
        );
        // The UDP binds gave up waiting: their CLOSEs count per family.
        assert_eq!(c.close(ANY6, Proto::Udp, 53), []);
        assert_eq!(c.answer(5, 0), Some(vec![release(udp(V6, 53))]));
        assert_eq!(
            c.answer(6, 0),
            Some(vec![release(udp(W6, 53)), answer(8, 0, &[])])
        );
        assert_eq!(c.answer(7, 0), Some(vec![]));
        assert_eq!(c.answer(8, 0), Some(vec![answer(9, 0, &[])]));
        assert_eq!(
            c.close(ANY, Proto::Udp, 53),
            [release(udp(A, 53)), release(udp(B, 53))]
        );
        assert!(c.is_empty());
    }

    /// A wildcard of a family without a distributed address in the VR
    /// claims nothing there.
    #[test]
    fn a_wildcard_claims_nothing_on_a_family_without_addresses() {
        // IPv4 addresses only.
        let mut c = Claims::new(&[A]);
        assert_eq!(c.bind(7, ANY6, Proto::Tcp, 80), [answer(7, 0, &[])]);
        assert_eq!(c.close(ANY6, Proto::Tcp, 80), []);
        assert_eq!(c.bind(8, DUAL, Proto::Tcp, 80), [claim(1, tcp(A, 80))]);
        assert_eq!(c.answer(1, 0), Some(vec![answer(8, 0, &[])]));
        assert_eq!(c.close(DUAL, Proto::Tcp, 80), [release(tcp(A, 80))]);
        assert!(c.is_empty());
        // IPv6 addresses only.
        let mut c = Claims::new(&[V6]);
        assert_eq!(c.bind(7, ANY, Proto::Tcp, 80), [answer(7, 0, &[])]);
        assert_eq!(c.close(ANY, Proto::Tcp, 80), []);
        assert_eq!(c.bind(8, DUAL, Proto::Tcp, 80), [claim(1, tcp(V6, 80))]);
        assert_eq!(
            c.answer(1, libc::EADDRINUSE),
            Some(vec![answer(8, libc::EADDRINUSE, &[])])
        );
        assert!(c.is_empty());
    }

    /// A socket on one IPv6 address claims it, as one on an IPv4 address
    /// does; an IPv4-mapped address is the IPv4 address.
    #[test]
    fn a_socket_on_one_ipv6_address() {
        let mut c = Claims::new(&[A, V6]);
        assert_eq!(c.bind(7, on(V6), Proto::Tcp, 443), [claim(1, tcp(V6, 443))]);
        assert_eq!(c.answer(1, 0), Some(vec![answer(7, 0, &[])]));
        // A dual-stack bind on that port: V6 is held, only A is claimed.
        assert_eq!(c.bind(8, DUAL, Proto::Tcp, 443), [claim(2, tcp(A, 443))]);
        assert_eq!(c.answer(2, 0), Some(vec![answer(8, 0, &[])]));
        assert_eq!(c.held(&tcp(V6, 443)), 2);
        assert_eq!(c.close(on(V6), Proto::Tcp, 443), []);
        assert_eq!(
            c.close(DUAL, Proto::Tcp, 443),
            [release(tcp(A, 443)), release(tcp(V6, 443))]
        );
        // An address that is not distributed is claimed all the same: the
        // lead refuses it (EADDRNOTAVAIL).
        assert_eq!(c.bind(9, on(W6), Proto::Udp, 53), [claim(3, udp(W6, 53))]);
        assert_eq!(
            c.answer(3, libc::EADDRNOTAVAIL),
            Some(vec![answer(9, libc::EADDRNOTAVAIL, &[])])
        );
        // An IPv4-mapped address.
        let IpAddr::V4(a) = A else { panic!("IPv4") };
        let mapped = on(IpAddr::V6(a.to_ipv6_mapped()));
        assert_eq!(c.bind(10, mapped, Proto::Tcp, 80), [claim(4, tcp(A, 80))]);
        assert_eq!(c.answer(4, 0), Some(vec![answer(10, 0, &[])]));
        assert_eq!(c.close(mapped, Proto::Tcp, 80), [release(tcp(A, 80))]);
        // A wildcard told as one address (the kernel does not): that of
        // its family.
        let zero = on(Ipv4Addr::UNSPECIFIED.into());
        assert_eq!(c.bind(11, zero, Proto::Tcp, 81), [claim(5, tcp(A, 81))]);
        assert!(c.answer(5, 0).is_some());
        assert_eq!(c.close(ANY, Proto::Tcp, 81), [release(tcp(A, 81))]);
        assert!(c.is_empty());
    }

    #[test]
    fn sockets_of_a_previous_daemon_are_adopted() {
        let mut c = Claims::new(&[A, B, V6]);
        // What the kernel's copy shows as this member's.
        let owned: HashSet<Key> = [tcp(A, 80), udp(A, 53), udp(B, 53), udp(V6, 53)]
            .into_iter()
            .collect();
        // Two sockets on A:80, a dual-stack one on [::]:53, one on an
        // address that is not distributed (the kernel would show no such
        // entry), one bound before its address became distributed (on a
        // key that is not this member's).
        c.adopt(on(A), Proto::Tcp, 80, &owned);
        c.adopt(on(A), Proto::Tcp, 80, &owned);
        c.adopt(DUAL, Proto::Udp, 53, &owned);
        c.adopt(on(W6), Proto::Tcp, 80, &owned);
        c.adopt(on(B), Proto::Tcp, 80, &owned);
        // All of `owned`, in key order.
        let mut want: Vec<Key> = owned.iter().copied().collect();
        want.sort_unstable();
        assert_eq!(c.held_keys(), want);
        // A bind of a held key is granted at once; the last close
        // releases.
        assert_eq!(
            c.bind(7, on(A), Proto::Tcp, 80),
            [answer(7, 0, &[tcp(A, 80)])]
        );
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        assert_eq!(c.close(on(A), Proto::Tcp, 80), [release(tcp(A, 80))]);
        assert_eq!(
            c.close(DUAL, Proto::Udp, 53),
            [
                release(udp(A, 53)),
                release(udp(B, 53)),
                release(udp(V6, 53))
            ]
        );
        assert!(c.is_empty());
        // A held key another member got: forgotten, the next bind claims
        // it, and the old sockets' close changes nothing.
        c.adopt(on(A), Proto::Tcp, 80, &owned);
        c.forget(&tcp(A, 80));
        assert_eq!(c.bind(8, on(A), Proto::Tcp, 80), [claim(1, tcp(A, 80))]);
        assert_eq!(
            c.answer(1, libc::EADDRINUSE),
            Some(vec![answer(8, libc::EADDRINUSE, &[])])
        );
        assert_eq!(c.close(on(A), Proto::Tcp, 80), []);
        assert!(c.is_empty());
    }

    fn diag(proto: &'static str, state: u8, local: IpAddr, lport: u16) -> DiagSocket {
        DiagSocket {
            proto,
            raw_protocol: None,
            state: "",
            tcp_state: state,
            local,
            lport,
            remote: Ipv4Addr::UNSPECIFIED.into(),
            rport: 0,
            ifindex: 0,
            uid: 0,
            inode: 0,
            vr: 2,
            v6only: None,
        }
    }

    #[test]
    fn what_a_dumped_socket_holds() {
        use diag::{TCP_CLOSE as CLOSE, TCP_LISTEN as LISTEN};
        const ESTABLISHED: u8 = 1;
        let any6 = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
        let claim = |s: &DiagSocket| diag_claim(2, s);
        // Listening and bound-only TCP sockets, UDP sockets in any state.
        assert_eq!(
            claim(&diag("tcp", LISTEN, A, 80)),
            Some((on(A), Proto::Tcp, 80))
        );
        assert_eq!(
            claim(&diag("tcp", CLOSE, A, 81)),
            Some((on(A), Proto::Tcp, 81))
        );
        assert_eq!(
            claim(&diag("udp", ESTABLISHED, A, 53)),
            Some((on(A), Proto::Udp, 53))
        );
        // Connections (also one that reset and stays bound until
        // closed), other VRs, unbound sockets, raw sockets: nothing.
        assert_eq!(claim(&diag("tcp", ESTABLISHED, A, 80)), None);
        let mut reset = diag("tcp", CLOSE, A, 80);
        reset.remote = B;
        reset.rport = 4000;
        assert_eq!(claim(&reset), None);
        let mut other = diag("tcp", LISTEN, A, 80);
        other.vr = 3;
        assert_eq!(claim(&other), None);
        assert_eq!(claim(&diag("tcp", CLOSE, A, 0)), None);
        assert_eq!(claim(&diag("raw", CLOSE, A, 1)), None);
        // Wildcards: by family, IPV6_V6ONLY as the kernel says it.
        assert_eq!(
            claim(&diag("tcp", LISTEN, Ipv4Addr::UNSPECIFIED.into(), 80)).map(|c| c.0),
            Some(ANY)
        );
        let mut v6only = diag("tcp", LISTEN, any6, 80);
        v6only.v6only = Some(true);
        assert_eq!(claim(&v6only).map(|c| c.0), Some(ANY6));
        v6only.v6only = Some(false);
        assert_eq!(claim(&v6only).map(|c| c.0), Some(DUAL));
        assert_eq!(
            claim(&diag("udp", ESTABLISHED, any6, 80)).map(|c| c.0),
            Some(DUAL)
        );
        // An IPv4-mapped address is the IPv4 one.
        let IpAddr::V4(a) = A else { panic!("IPv4") };
        assert_eq!(
            claim(&diag("tcp", LISTEN, IpAddr::V6(a.to_ipv6_mapped()), 80)).map(|c| c.0),
            Some(on(A))
        );
    }

    #[test]
    fn the_connections_a_drain_pins() {
        let peer = IpAddr::V4(Ipv4Addr::new(10, 9, 0, 13));
        let conn = |proto, state, local, lport, rport| DiagSocket {
            remote: peer,
            rport,
            ..diag(proto, state, local, lport)
        };
        let port = tcp(A, 8060);
        let key = Key::connection(A, Proto::Tcp, 8060, peer, 40000);
        // Established, a request socket, closing states with a peer.
        for state in [1, 3, 4, 5, 8, 9, 11, 12] {
            assert_eq!(
                diag_conn(2, &port, &conn("tcp", state, A, 8060, 40000)),
                Some(key),
                "state {state}"
            );
        }
        // TIME_WAIT, CLOSE, LISTEN; another VR, port, address, protocol;
        // no peer.
        for state in [6, 7, 10] {
            assert_eq!(
                diag_conn(2, &port, &conn("tcp", state, A, 8060, 40000)),
                None
            );
        }
        assert_eq!(diag_conn(3, &port, &conn("tcp", 1, A, 8060, 40000)), None);
        assert_eq!(diag_conn(2, &port, &conn("tcp", 1, A, 8061, 40000)), None);
        assert_eq!(diag_conn(2, &port, &conn("tcp", 1, B, 8060, 40000)), None);
        assert_eq!(diag_conn(2, &port, &conn("udp", 1, A, 8060, 40000)), None);
        assert_eq!(diag_conn(2, &port, &conn("tcp", 1, A, 8060, 0)), None);
        // A connected UDP socket; an IPv4-mapped local address.
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 100).to_ipv6_mapped());
        assert_eq!(
            diag_conn(2, &udp(A, 53), &conn("udp", 7, A, 53, 9)),
            Some(Key::connection(A, Proto::Udp, 53, peer, 9))
        );
        let s = DiagSocket {
            remote: IpAddr::V6(Ipv4Addr::new(10, 9, 0, 13).to_ipv6_mapped()),
            ..conn("tcp", 1, mapped, 8060, 40000)
        };
        assert_eq!(diag_conn(2, &port, &s), Some(key));
    }

    #[test]
    fn control_requests_and_answers() {
        assert_eq!(control_name(3), "vr-dhostd/vr3");
        assert_eq!(
            parse_control("drain 10.0.0.100 tcp 8060 to 3 wait 10000\n"),
            Ok(Control::Drain {
                key: tcp(A, 8060),
                to: MemberId(3),
                wait_ms: 10000
            })
        );
        assert_eq!(
            parse_control("drain fd00:9::100 udp 53 to 65535 wait 1"),
            Ok(Control::Drain {
                key: udp(V6, 53),
                to: MemberId(65535),
                wait_ms: 1
            })
        );
        assert_eq!(
            parse_control("leave to 3 wait 5000\n"),
            Ok(Control::Leave {
                to: MemberId(3),
                wait_ms: 5000
            })
        );
        for bad in [
            "",
            "drain 10.0.0.100 tcp 8060 to 3",
            "drain 10.0.0.100 tcp 8060 to 3 wait 10 extra",
            "drain 10.0.0.1000 tcp 8060 to 3 wait 10",
            "drain 10.0.0.100 sctp 8060 to 3 wait 10",
            "drain 10.0.0.100 tcp 0 to 3 wait 10",
            "drain 10.0.0.100 tcp 8060-8061 to 3 wait 10",
            "drain 10.0.0.100 tcp 8060 to 0 wait 10",
            "drain 10.0.0.100 tcp 8060 to 65536 wait 10",
            "drain 10.0.0.100 tcp 8060 to 3 wait 0",
            "move 10.0.0.100 tcp 8060 to 3 wait 10",
            "leave to 3",
            "leave 3 wait 10",
            "leave to 0 wait 10",
            "leave to 3 wait 0",
            "leave to 3 wait 10 now",
            "leave 10.0.0.100 to 3 wait 10",
        ] {
            assert!(parse_control(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            format_result(&DrainResult::Moved {
                from: MemberId(2),
                pins: 20
            }),
            "ok from 2 pins 20\n"
        );
        assert_eq!(
            format_result(&DrainResult::Failed {
                errno: libc::ETIMEDOUT,
                why: "member 3 bound\nno socket".into()
            }),
            "error 110 member 3 bound no socket\n"
        );
        assert_eq!(
            format_leave(&LeaveResult::Left { ports: 4, pins: 20 }),
            "ok ports 4 pins 20\n"
        );
        assert_eq!(
            format_leave(&LeaveResult::Failed {
                errno: libc::ETIMEDOUT,
                why: "1 of 2 ports moved;\ntcp 10.0.0.100:80: no socket".into()
            }),
            "error 110 1 of 2 ports moved; tcp 10.0.0.100:80: no socket\n"
        );
    }

    fn entry(
        vr: u32,
        addr: impl Into<IpAddr>,
        proto: u32,
        ports: (u32, u32),
        member: u32,
    ) -> Owner {
        Owner {
            addr: addr.into(),
            vr,
            proto,
            port: ports.0,
            port_last: ports.1,
            remote: None,
            member,
        }
    }

    #[test]
    fn own_keys_are_this_members_exact_entries_of_its_vr() {
        let me = MemberId(2);
        let kernel = [
            entry(1, A, 6, (80, 80), 2),
            entry(1, V6, 17, (53, 53), 2),
            // Another member's, another VR's, a slice.
            entry(1, A, 6, (81, 81), 1),
            entry(2, A, 6, (82, 82), 2),
            entry(1, A, 6, (40000, 44999), 2),
        ];
        let want: HashSet<Key> = [tcp(A, 80), udp(V6, 53)].into_iter().collect();
        assert_eq!(own_keys(1, me, &kernel), want);
    }

    fn described(args: &[OwnerArgs]) -> Vec<String> {
        args.iter().map(|a| Described(a).to_string()).collect()
    }

    #[test]
    fn replace_sets_the_difference_and_leaves_ranges() {
        let conn = Key::connection(A, Proto::Tcp, 80, Ipv4Addr::new(10, 0, 0, 9), 4000);
        let kernel = vec![
            // Kept as it is.
            entry(0, A, 6, (80, 80), 2),
            // Another owner now.
            entry(0, A, 17, (53, 53), 2),
            // Gone.
            entry(0, B, 6, (22, 22), 3),
            // A connection that is gone.
            Owner {
                remote: Some((Ipv4Addr::new(10, 0, 0, 8).into(), 5000)),
                ..entry(0, A, 6, (80, 80), 2)
            },
            // A range, another VR, a protocol the daemon does not know.
            entry(0, A, 6, (32768, 46883), 1),
            entry(1, A, 6, (22, 22), 3),
            entry(0, A, 132, (9, 9), 3),
        ];
        let want = vec![
            (tcp(A, 80), MemberId(2)),
            (Key::bound(A, Proto::Udp, 53), MemberId(3)),
            (conn, MemberId(2)),
        ];
        let plan = replace_plan(0, &kernel, &want);
        assert_eq!(
            described(&plan.set),
            [
                "10.0.0.100 tcp 80 remote 10.0.0.9:4000 member 2",
                "10.0.0.100 udp 53 member 3",
            ]
        );
        assert_eq!(
            described(&plan.del),
            [
                "10.0.0.101 tcp 22",
                "10.0.0.100 tcp 80 remote 10.0.0.8:5000",
                "10.0.0.100 132 9",
            ]
        );
        assert!(plan.set.iter().chain(&plan.del).all(|a| a.vr == Some(0)));
        // An empty snapshot empties the exact entries of the VR.
        let plan = replace_plan(1, &kernel, &[]);
        assert_eq!(described(&plan.del), ["10.0.0.100 tcp 22"]);
        assert_eq!(plan.del[0].vr, Some(1));
        assert!(plan.set.is_empty());
        // Nothing to do when the kernel has it all.
        assert_eq!(replace_plan(0, &kernel[..1], &want[..1]), Plan::default());
    }

    /// The entries of IPv6 addresses are the daemon's as IPv4 ones are.
    #[test]
    fn plans_handle_ipv6_entries() {
        let r6 = |last: u16| -> IpAddr { format!("fd00:9::{last:x}").parse().expect("addr") };
        let kernel = vec![
            // Kept.
            entry(0, V6, 6, (80, 80), 2),
            // A connection that is gone.
            Owner {
                remote: Some((r6(0x13), 5000)),
                ..entry(0, V6, 6, (80, 80), 2)
            },
            // Another owner now.
            entry(0, W6, 17, (53, 53), 1),
            // A slice of an earlier member list; one of now.
            entry(0, V6, 6, (32768, 46883), 1),
            entry(0, V6, 6, (32768, 60999), 1),
            entry(0, A, 6, (22, 22), 3),
        ];
        let conn6 = Key::connection(V6, Proto::Tcp, 80, r6(0x14), 6000);
        let want = vec![
            (tcp(V6, 80), MemberId(2)),
            (conn6, MemberId(2)),
            (udp(W6, 53), MemberId(3)),
        ];
        let plan = replace_plan(0, &kernel, &want);
        assert_eq!(
            described(&plan.set),
            [
                "fd00:9::100 tcp 80 remote [fd00:9::14]:6000 member 2",
                "fd00:9::101 udp 53 member 3",
            ]
        );
        assert_eq!(
            described(&plan.del),
            [
                "fd00:9::100 tcp 80 remote [fd00:9::13]:5000",
                "10.0.0.100 tcp 22",
            ]
        );
        // The slices: range entries for the IPv6 addresses too, the stale
        // one deleted.
        let all = vec![(MemberId(1), 32768..=60999)];
        let plan = slices_plan(0, &[A, V6], &all, &kernel);
        assert_eq!(
            described(&plan.set),
            [
                "10.0.0.100 tcp 32768-60999 member 1",
                "10.0.0.100 udp 32768-60999 member 1",
                "fd00:9::100 tcp 32768-60999 member 1",
                "fd00:9::100 udp 32768-60999 member 1",
            ]
        );
        assert_eq!(described(&plan.del), ["fd00:9::100 tcp 32768-46883"]);
        assert_eq!(
            key_args(3, &conn6, Some(MemberId(2))).remote,
            Some(SocketAddr::new(r6(0x14), 6000))
        );
    }

    #[test]
    fn slices_become_range_entries() {
        let all = vec![
            (MemberId(1), 32768..=42178),
            (MemberId(2), 42179..=51589),
            (MemberId(3), 51590..=60999),
        ];
        let kernel = vec![
            // Already there: set again all the same (no harm).
            entry(4, A, 6, (32768, 42178), 1),
            // A slice of an earlier member list: deleted.
            entry(4, A, 6, (32768, 46883), 1),
            // Not in the ephemeral ports, another VR, an exact entry: kept.
            entry(4, A, 6, (10000, 10100), 2),
            entry(0, A, 6, (32768, 46883), 1),
            entry(4, A, 6, (40000, 40000), 2),
        ];
        let plan = slices_plan(4, &[A, B], &all, &kernel);
        assert_eq!(plan.set.len(), 2 * 2 * 3);
        assert_eq!(
            described(&plan.set[..4]),
            [
                "10.0.0.100 tcp 32768-42178 member 1",
                "10.0.0.100 tcp 42179-51589 member 2",
                "10.0.0.100 tcp 51590-60999 member 3",
                "10.0.0.100 udp 32768-42178 member 1",
            ]
        );
        assert_eq!(
            described(&plan.set[6..7]),
            ["10.0.0.101 tcp 32768-42178 member 1"]
        );
        assert!(plan
            .set
            .iter()
            .all(|a| a.vr == Some(4) && a.remote.is_none()));
        assert_eq!(described(&plan.del), ["10.0.0.100 tcp 32768-46883"]);
    }

    #[test]
    fn install_and_remove_arguments() {
        let conn = Key::connection(A, Proto::Udp, 53, B, 4000);
        let set = key_args(3, &conn, Some(MemberId(2)));
        assert_eq!(
            set,
            OwnerArgs {
                addr: A,
                vr: Some(3),
                proto: 17,
                port: 53,
                port_last: None,
                remote: Some(SocketAddr::from((B, 4000))),
                member: Some(2),
            }
        );
        assert_eq!(key_args(3, &tcp(A, 80), None).member, None);
    }

    fn install(key: Key, owner: u32) -> Input {
        Input::Cmd(KernelCmd::Install {
            key,
            owner: MemberId(owner),
        })
    }

    fn remove(key: Key) -> Input {
        Input::Cmd(KernelCmd::Remove { key })
    }

    /// The work the kernel thread does with `queued` in its queue, one
    /// [`next_work`] after the other, as `run` takes them.
    fn works(queued: Vec<Input>) -> Vec<String> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for input in queued {
            tx.send(input).expect("queued");
        }
        drop(tx);
        let mut out = Vec::new();
        let mut pending = None;
        while let Some(first) = pending.take().or_else(|| rx.try_recv().ok()) {
            let (work, rest) = next_work(first, || rx.try_recv().ok());
            pending = rest;
            out.push(match work {
                Work::Changes(changes) => changes
                    .iter()
                    .map(|c| match c {
                        Change::Install { key, owner } => format!("+{key}={}", owner.0),
                        Change::Remove { key } => format!("-{key}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Work::One(Input::Cmd(KernelCmd::Answer { cookie, .. })) => {
                    format!("answer {cookie}")
                }
                Work::One(other) => format!("{other:?}"),
            });
        }
        out
    }

    #[test]
    fn queued_installs_and_removes_go_together_in_order() {
        let (k1, k2, k3) = (tcp(A, 80), udp(A, 53), tcp(V6, 443));
        assert_eq!(
            works(vec![install(k1, 2), remove(k2), install(k3, 1)]),
            [format!("+{k1}=2, -{k2}, +{k3}=1")]
        );
        // One alone.
        assert_eq!(works(vec![remove(k2)]), [format!("-{k2}")]);
    }

    #[test]
    fn a_repeated_key_starts_another_batch() {
        let (k1, k2) = (tcp(A, 80), tcp(A, 81));
        assert_eq!(
            works(vec![
                install(k1, 2),
                install(k2, 2),
                remove(k1),
                install(k1, 3),
                remove(k2),
            ]),
            [
                format!("+{k1}=2, +{k2}=2"),
                format!("-{k1}"),
                format!("+{k1}=3, -{k2}"),
            ]
        );
    }

    /// An answer (or any other input) after an Install is handled once
    /// the Install is in the kernel; what comes after it is not taken
    /// before it.
    #[test]
    fn another_input_flushes_the_batch_first() {
        let (k1, k2, k3) = (tcp(A, 80), tcp(A, 81), tcp(A, 82));
        let answer = |cookie| Input::Cmd(KernelCmd::Answer { cookie, errno: 0 });
        assert_eq!(
            works(vec![
                install(k1, 2),
                install(k2, 2),
                answer(7),
                install(k3, 2),
                answer(8),
                Input::Lost,
                remove(k1),
            ]),
            [
                format!("+{k1}=2, +{k2}=2"),
                "answer 7".into(),
                format!("+{k3}=2"),
                "answer 8".into(),
                "Lost".into(),
                format!("-{k1}"),
            ]
        );
        // Other commands too, and the order of those that are not entries.
        assert_eq!(
            works(vec![
                Input::Cmd(KernelCmd::CheckPins),
                install(k1, 2),
                Input::Cmd(KernelCmd::Forget { key: k1 }),
                remove(k2),
            ]),
            [
                "Cmd(CheckPins)".to_owned(),
                format!("+{k1}=2"),
                format!("Cmd(Forget {{ key: {k1:?} }})"),
                format!("-{k2}"),
            ]
        );
    }

    #[test]
    fn a_batch_stops_at_batch_max() {
        let queued: Vec<Input> = (1..=1500).map(|p| install(tcp(A, p), 2)).collect();
        let w = works(queued);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].split(", ").count(), BATCH_MAX as usize);
        assert_eq!(w[1].split(", ").count(), 1500 - BATCH_MAX as usize);
        assert!(
            w[1].starts_with(&format!("+{}=2, ", tcp(A, 1025))),
            "{}",
            w[1]
        );
    }

    fn dhost(addr: impl Into<IpAddr>, vr: u32, member: u32, lead: u32) -> Dhost {
        Dhost {
            addr: addr.into(),
            vr,
            ifindex: 2,
            dev: None,
            member,
            lead,
        }
    }

    fn args(words: &[&str]) -> DaemonArgs {
        let words: Vec<std::ffi::OsString> = words.iter().map(Into::into).collect();
        crate::args::parse_dhost_daemon(&words).expect("valid")
    }

    const MEMBERS: &str = "1=10.9.0.10,2=10.9.0.11:7401,3=fd00:9::13";

    #[test]
    fn configuration_from_the_kernel() {
        let a = args(&["members", MEMBERS]);
        let dhosts = [dhost(B, 0, 2, 1), dhost(A, 0, 2, 1), dhost(A, 1, 5, 5)];
        let (cfg, listen, _) = config(&a, &dhosts, "host2").expect("valid");
        assert_eq!((cfg.member, cfg.vr), (MemberId(2), 0));
        assert_eq!(cfg.addrs, [A, B]);
        assert_eq!(cfg.name, "host2");
        // This member listens on its own entry by default.
        assert_eq!(listen, "10.9.0.11:7401".parse().expect("addr"));
        assert_eq!(
            cfg.members.keys().copied().collect::<Vec<_>>(),
            [MemberId(1), MemberId(2), MemberId(3)]
        );
        assert_eq!(
            cfg.members.get(&MemberId(3)),
            Some(&"[fd00:9::13]:7400".parse().expect("addr"))
        );
        assert_eq!(cfg.state_dir, PathBuf::from("/var/lib/vr-dhostd/vr0"));
        assert_eq!(cfg.timing, Timing::default());
        // VR 1, with a name, another listening address and timers.
        let a = args(&[
            "members",
            "5=10.9.0.10,6=10.9.0.11",
            "vr",
            "1",
            "name",
            "x",
            "listen",
            "10.9.0.99:9",
            "state-dir",
            "/tmp/s",
            "heartbeat",
            "20",
            "election",
            "100-200",
            "lease",
            "500",
        ]);
        let (cfg, listen, _) = config(&a, &dhosts, "host").expect("valid");
        assert_eq!(listen, "10.9.0.99:9".parse().expect("addr"));
        assert_eq!((cfg.addrs.as_slice(), cfg.name.as_str()), (&[A][..], "x"));
        assert_eq!(cfg.state_dir, PathBuf::from("/tmp/s"));
        assert_eq!(
            cfg.timing,
            Timing {
                heartbeat: Duration::from_millis(20),
                election: (Duration::from_millis(100), Duration::from_millis(200)),
                lease: Duration::from_millis(500),
                ..Timing::default()
            }
        );
    }

    #[test]
    fn no_daemon_address_is_distributed_or_a_wildcard() {
        let dhosts = [dhost(A, 0, 1, 1), dhost(V6, 0, 1, 1)];
        for members in [
            "1=10.0.0.100,2=10.9.0.11",
            "1=10.9.0.10,2=10.0.0.100",
            "1=10.9.0.10,2=[::ffff:10.0.0.100]:7400",
            "1=10.9.0.10,2=[fd00:9::100]:7400",
            "1=0.0.0.0,2=10.9.0.11",
            "1=10.9.0.10,2=[::]:7400",
        ] {
            let err = config(&args(&["members", members]), &dhosts, "h").expect_err("refused");
            assert_eq!(err.exit_code(), 1);
            assert!(
                err.to_string()
                    .contains("is a wildcard or a distributed address"),
                "{members}: {err}"
            );
        }
        for listen in [
            "[fd00:9::100]:7400",
            "[::]:7400",
            "0.0.0.0:7400",
            "[::ffff:10.0.0.100]:7400",
        ] {
            let a = args(&["members", "1=10.9.0.10,2=10.9.0.11", "listen", listen]);
            let err = config(&a, &dhosts, "h").expect_err("refused");
            assert!(
                err.to_string().contains("the daemon cannot listen on"),
                "{listen}: {err}"
            );
        }
    }

    /// The IPv6 distributed addresses are served with the IPv4 ones: they
    /// must agree on the ids.
    #[test]
    fn configuration_takes_both_families() {
        let a = args(&["members", MEMBERS]);
        let dhosts = [dhost(V6, 0, 2, 1), dhost(B, 0, 2, 1), dhost(A, 0, 2, 1)];
        let (cfg, _, _) = config(&a, &dhosts, "host2").expect("valid");
        assert_eq!(cfg.member, MemberId(2));
        assert_eq!(cfg.addrs, [A, B, V6]);
        // A VR with IPv6 addresses only.
        let (cfg, _, _) =
            config(&a, &[dhost(W6, 0, 2, 1), dhost(V6, 0, 2, 1)], "h").expect("valid");
        assert_eq!(cfg.addrs, [V6, W6]);
        // The leads may differ (the daemon sets them one address at a
        // time, and may have stopped in between).
        let (cfg, _, _) = config(&a, &[dhost(V6, 0, 2, 0), dhost(A, 0, 2, 1)], "h").expect("valid");
        assert_eq!(cfg.member, MemberId(2));
        // The member ids must agree across the families.
        let err = config(&a, &[dhost(V6, 0, 3, 3), dhost(A, 0, 2, 1)], "h").expect_err("refused");
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.to_string()
                .contains("disagree: 10.0.0.100 is member 2, fd00:9::100 is member 3"),
            "{err}"
        );
    }

    #[test]
    fn configuration_errors() {
        let a = args(&["members", "1=10.9.0.10,2=10.9.0.11"]);
        let msg = |r: Result<Setup>| r.err().map(|e| (e.exit_code(), e.to_string()));
        assert_eq!(
            msg(config(&a, &[dhost(A, 1, 1, 1)], "h")),
            Some((
                1,
                "VR 0 has no distributed address (vrctl dhost set <ADDR> dev <IFNAME> member <N> lead <M>)"
                    .into()
            ))
        );
        let (code, text) =
            msg(config(&a, &[dhost(A, 0, 1, 1), dhost(B, 0, 2, 1)], "h")).expect("error");
        assert_eq!(code, 1);
        assert!(
            text.contains("disagree: 10.0.0.100 is member 1, 10.0.0.101 is member 2"),
            "{text}"
        );
        let (code, text) = msg(config(&a, &[dhost(A, 0, 3, 1)], "h")).expect("error");
        assert_eq!(code, 1);
        assert!(
            text.contains("this kernel is member 3 of VR 0, which \"members\" does not list"),
            "{text}"
        );
    }
}
