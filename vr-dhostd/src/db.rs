// SPDX-License-Identifier: GPL-2.0-only
//! The ownership database of a distributed IP host, as a pure state
//! machine: no I/O and no clock.
//!
//! [`Ownership`] is the state machine of the daemons' Raft group: every
//! member's daemon applies the committed claims and releases to its own
//! copy in Raft log order ([`crate::raft::sm`]), so that every copy grants
//! and refuses the same claims and holds the same table. Each change is
//! an [`Update`] whose sequence number is one above the previous one.
//! Liveness is not the database's: the member leases are the Raft
//! leader's, which releases the keys of a member silent for longer than
//! the lease ([`Timing::lease`](crate::daemon::Timing::lease), in
//! `src/daemon/node.rs`).
//!
//! # Keys and conflicts
//!
//! A [`Key`] is an address, a protocol and a local port (a *port key*:
//! a bound or listening socket), plus the remote address and port for a
//! connection (a *connection key*: a connected TCP or UDP socket). The
//! address is IPv4 or IPv6, and the remote of a connection is of the same
//! family; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4
//! address, as the kernel keeps it. Each key has at most one owner.
//! Between two different members:
//! - a port key conflicts with the same port key only;
//! - a connection key conflicts with the port key of its port and with the
//!   same connection key.
//!
//! A member's own keys never conflict: the member that owns a port also
//! owns the connections accepted on it. A port key may be granted while
//! other members own connection keys on its port: a connection's packets
//! go to the connection's owner whoever owns the port, which is how a
//! drained port keeps its established connections on the old owner
//! ([`Ownership::move_port`]). Connection keys of different
//! members may share a local port that no one owns as a port key (each
//! connected from the same explicit port to a different peer); the
//! ephemeral slices below keep that from happening to ports the kernels
//! pick themselves. Claims are per protocol and per address: TCP and UDP
//! port 53 are different keys, and so are 10.0.0.1:80 and 10.0.0.2:80;
//! so are the keys of the IPv4 and the IPv6 address of a host, which never
//! conflict.
//!
//! # Ephemeral ports
//!
//! The local ports of outgoing connections come from [`EPHEMERAL`]
//! (32768-60999, Linux's default `ip_local_port_range`), which is split
//! into one disjoint slice per configured member ([`ephemeral_range`]), so
//! that a member picks source ports no other member picks and return
//! traffic can be routed to it. One range serves both families: Linux
//! picks the ephemeral ports of IPv6 sockets from
//! `net.ipv4.ip_local_port_range` too. A claim of a connection key whose
//! local port is in [`EPHEMERAL`] but outside the claimer's slice is
//! refused, unless the claimer owns that port as a port key (it bound the
//! port itself).
//! Port keys may be anywhere, as an explicit `bind` may be.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// The local ports of outgoing connections: Linux's default
/// `net.ipv4.ip_local_port_range` (IPv4 and IPv6), split among the
/// members.
pub const EPHEMERAL: RangeInclusive<u16> = 32768..=60999;

/// The most ownerships the database holds; claims beyond are refused
/// ([`Refusal::Full`]). It bounds the memory of every member's copy and
/// the size of a [`Snapshot`].
pub const MAX_ENTRIES: usize = 500_000;

/// A member of the cluster, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MemberId(pub u32);

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "member {}", self.0)
    }
}

/// The transport protocol of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    /// The IP protocol number (IPPROTO_TCP, IPPROTO_UDP).
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
        }
    }

    pub fn from_number(n: u8) -> Option<Proto> {
        match n {
            6 => Some(Proto::Tcp),
            17 => Some(Proto::Udp),
            _ => None,
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// What a member owns: a local port (`remote` None) or a connection.
///
/// Keys are ordered by address (IPv4 before IPv6), protocol, port, then
/// remote with None first: the keys of one port are adjacent, its port key
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    /// An IPv4 or IPv6 address; never an IPv4-mapped IPv6 one in a valid
    /// key (the constructors turn it into the IPv4 address).
    pub addr: IpAddr,
    pub proto: Proto,
    pub port: u16,
    /// The peer of a connection, of the family of `addr`.
    pub remote: Option<(IpAddr, u16)>,
}

/// A local port: address, protocol, port.
type PortId = (IpAddr, Proto, u16);

impl Key {
    /// The key of a bound or listening socket (an IPv4-mapped `addr` is
    /// taken as the IPv4 address).
    pub fn bound(addr: impl Into<IpAddr>, proto: Proto, port: u16) -> Key {
        Key {
            addr: addr.into().to_canonical(),
            proto,
            port,
            remote: None,
        }
    }

    /// The key of a connected socket (IPv4-mapped addresses are taken as
    /// the IPv4 addresses).
    pub fn connection(
        addr: impl Into<IpAddr>,
        proto: Proto,
        port: u16,
        remote_addr: impl Into<IpAddr>,
        remote_port: u16,
    ) -> Key {
        Key {
            remote: Some((remote_addr.into().to_canonical(), remote_port)),
            ..Key::bound(addr, proto, port)
        }
    }

    /// Whether a kernel could own this: no port 0 (a socket has its port
    /// before it is claimed), no remote port 0 or unspecified remote
    /// address (0.0.0.0, ::), no remote of another family than the
    /// address, and no IPv4-mapped IPv6 address (a key has one form).
    pub fn is_valid(&self) -> bool {
        let canonical = |a: IpAddr| a.to_canonical() == a;
        self.port != 0
            && canonical(self.addr)
            && match self.remote {
                None => true,
                Some((addr, port)) => {
                    port != 0
                        && !addr.is_unspecified()
                        && canonical(addr)
                        && addr.is_ipv4() == self.addr.is_ipv4()
                }
            }
    }

    fn port_id(&self) -> PortId {
        (self.addr, self.proto, self.port)
    }
}

impl fmt::Display for Key {
    /// `tcp 10.0.0.1:80`, `udp [fd00::1]:53 peer [fd00::7]:4000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = SocketAddr::new(self.addr, self.port);
        write!(f, "{} {local}", self.proto)?;
        if let Some((addr, port)) = self.remote {
            write!(f, " peer {}", SocketAddr::new(addr, port))?;
        }
        Ok(())
    }
}

/// One change of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `member` now owns `key`.
    Grant { key: Key, member: MemberId },
    /// No one owns `key` any more.
    Release { key: Key },
}

/// A change of the database: `seq` is one above the previous update's
/// (the first is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Update {
    pub seq: u64,
    pub change: Change,
}

/// The whole database as of update `seq`, entries in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub seq: u64,
    pub entries: Vec<(Key, MemberId)>,
}

/// Why a claim was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another member owns the port or this connection.
    InUse { owner: MemberId },
    /// A connection from a port in [`EPHEMERAL`] outside the claimer's
    /// slice (None if the claimer has none), on a port it does not own.
    OutsideSlice { slice: Option<RangeInclusive<u16>> },
    /// The key's address is not one of the database's addresses.
    NotLead { addr: IpAddr },
    /// The claimer is not a configured member.
    NotMember,
    /// Port 0, a remote port 0, an unspecified remote address or one of
    /// another family (see [`Key::is_valid`]).
    Invalid,
    /// The database holds [`MAX_ENTRIES`] ownerships.
    Full,
}

impl Refusal {
    /// The positive errno the member's kernel returns for this refusal
    /// (from bind or connect).
    pub fn errno(&self) -> i32 {
        match self {
            Refusal::InUse { .. } => libc::EADDRINUSE,
            Refusal::OutsideSlice { .. } | Refusal::NotLead { .. } => libc::EADDRNOTAVAIL,
            Refusal::NotMember => libc::EACCES,
            Refusal::Invalid => libc::EINVAL,
            Refusal::Full => libc::ENOBUFS,
        }
    }

    /// The member that owns the key, for [`Refusal::InUse`].
    pub fn owner(&self) -> Option<MemberId> {
        match self {
            Refusal::InUse { owner } => Some(*owner),
            _ => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::InUse { owner } => write!(f, "in use by {owner}"),
            Refusal::OutsideSlice { slice: Some(s) } => write!(
                f,
                "local port outside the member's ephemeral ports {}-{}",
                s.start(),
                s.end()
            ),
            Refusal::OutsideSlice { slice: None } => {
                f.write_str("local port is ephemeral and the member has no ephemeral ports")
            }
            Refusal::NotLead { addr } => write!(f, "not the lead of {addr}"),
            Refusal::NotMember => f.write_str("not a member of the cluster"),
            Refusal::Invalid => f.write_str("invalid key"),
            Refusal::Full => write!(f, "the table holds {MAX_ENTRIES} ownerships"),
        }
    }
}

/// A claim that was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// A new ownership.
    Granted(Update),
    /// The claimer already owned the key: nothing changed; the database
    /// shows the ownership as of update `seq`.
    AlreadyOwned { seq: u64 },
}

impl Claimed {
    /// The update after which the database shows the ownership.
    #[cfg(test)]
    pub fn seq(&self) -> u64 {
        match self {
            Claimed::Granted(update) => update.seq,
            Claimed::AlreadyOwned { seq } => *seq,
        }
    }
}

/// The slice of [`EPHEMERAL`] of the member at `index` (0-based) among
/// `members`: the range of n = 28232 ports is cut in `members` contiguous
/// slices in order, of n / members ports each, the first n % members
/// slices one port longer. The slices are disjoint and cover the range.
/// None if `index` is not below `members`, or the slice is empty (more
/// members than ports).
pub fn ephemeral_range(index: usize, members: usize) -> Option<RangeInclusive<u16>> {
    if index >= members {
        return None;
    }
    let start = usize::from(*EPHEMERAL.start());
    let total = usize::from(*EPHEMERAL.end()) - start + 1;
    let (quot, rem) = (total / members, total % members);
    let len = quot + usize::from(index < rem);
    if len == 0 {
        return None;
    }
    let first = start + index * quot + index.min(rem);
    let first = u16::try_from(first).ok()?;
    let last = u16::try_from(usize::from(first) + len - 1).ok()?;
    Some(first..=last)
}

/// The ownerships, in key order (the keys of one port are adjacent,
/// its port key first).
#[derive(Debug, Clone, Default)]
struct Table {
    owners: BTreeMap<Key, MemberId>,
}

impl Table {
    /// The table of `entries` (a snapshot's).
    fn from_entries(entries: Vec<(Key, MemberId)>) -> Table {
        Table {
            owners: entries.into_iter().collect(),
        }
    }

    fn len(&self) -> usize {
        self.owners.len()
    }

    fn get(&self, key: &Key) -> Option<MemberId> {
        self.owners.get(key).copied()
    }

    fn apply(&mut self, change: Change) {
        match change {
            Change::Grant { key, member } => {
                self.owners.insert(key, member);
            }
            Change::Release { key } => {
                self.owners.remove(&key);
            }
        }
    }

    /// The connection keys on the port of `key` that `member` owns.
    fn connections_of(&self, key: &Key, member: MemberId) -> Vec<Key> {
        let port = Key {
            remote: None,
            ..*key
        };
        self.owners
            .range(port..)
            .take_while(|(k, _)| k.port_id() == port.port_id())
            .filter(|&(k, &m)| k.remote.is_some() && m == member)
            .map(|(&k, _)| k)
            .collect()
    }

    #[cfg(test)]
    fn owner_of(
        &self,
        addr: IpAddr,
        proto: Proto,
        port: u16,
        remote: Option<(IpAddr, u16)>,
    ) -> Option<MemberId> {
        let key = Key {
            addr: addr.to_canonical(),
            proto,
            port,
            remote: remote.map(|(a, p)| (a.to_canonical(), p)),
        };
        if remote.is_some() {
            if let Some(owner) = self.get(&key) {
                return Some(owner);
            }
        }
        self.get(&Key::bound(addr, proto, port))
    }

    fn keys_of(&self, member: MemberId) -> Vec<Key> {
        self.owners
            .iter()
            .filter(|&(_, &m)| m == member)
            .map(|(&k, _)| k)
            .collect()
    }

    fn entries(&self) -> Vec<(Key, MemberId)> {
        self.owners.iter().map(|(&k, &m)| (k, m)).collect()
    }
}

/// The ownership database: the claims and releases of the members of
/// some addresses, decided by the same rules wherever the same changes are
/// applied in the same order. Nothing here reads a clock, so it is the
/// state machine every member applies in Raft log order.
#[derive(Debug, Clone)]
pub struct Ownership {
    /// The addresses (IPv4 and IPv6), sorted.
    addrs: Vec<IpAddr>,
    /// The configured members, sorted: a member's index is its slice.
    members: Vec<MemberId>,
    table: Table,
    /// The last update's sequence number, 0 before the first.
    seq: u64,
    max_entries: usize,
}

impl Ownership {
    /// The ownerships of `addrs` (of either family; IPv4-mapped ones are
    /// the IPv4 addresses) among the configured `members` (duplicates are
    /// ignored). Member i in increasing id order gets ephemeral slice i of
    /// `members.len()`, so every member computes the same slices from the
    /// same configuration.
    pub fn new(
        addrs: impl IntoIterator<Item = IpAddr>,
        members: impl IntoIterator<Item = MemberId>,
    ) -> Ownership {
        let mut addrs: Vec<_> = addrs.into_iter().map(|a| a.to_canonical()).collect();
        addrs.sort_unstable();
        addrs.dedup();
        let mut members: Vec<_> = members.into_iter().collect();
        members.sort_unstable();
        members.dedup();
        Ownership {
            addrs,
            members,
            table: Table::default(),
            seq: 0,
            max_entries: MAX_ENTRIES,
        }
    }

    /// The addresses, sorted.
    pub fn addrs(&self) -> &[IpAddr] {
        &self.addrs
    }

    /// The configured members, sorted.
    pub fn members(&self) -> &[MemberId] {
        &self.members
    }

    /// The last update's sequence number (0 before the first).
    #[cfg(test)]
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The ephemeral ports of `member`; None if it is not configured.
    pub fn slice(&self, member: MemberId) -> Option<RangeInclusive<u16>> {
        let index = self.members.binary_search(&member).ok()?;
        ephemeral_range(index, self.members.len())
    }

    fn publish(&mut self, change: Change) -> Update {
        self.seq += 1;
        self.table.apply(change);
        Update {
            seq: self.seq,
            change,
        }
    }

    /// The refusals that do not depend on the table: an invalid key, an
    /// address that is not one of these, a claimer that is not a member.
    pub fn check(&self, member: MemberId, key: &Key) -> Result<(), Refusal> {
        if !key.is_valid() {
            return Err(Refusal::Invalid);
        }
        if self.addrs.binary_search(&key.addr).is_err() {
            return Err(Refusal::NotLead { addr: key.addr });
        }
        if self.members.binary_search(&member).is_err() {
            return Err(Refusal::NotMember);
        }
        Ok(())
    }

    /// `member` asks to own `key`. Claiming a key one already owns changes
    /// nothing and succeeds.
    pub fn claim(&mut self, member: MemberId, key: Key) -> Result<Claimed, Refusal> {
        self.check(member, &key)?;
        match self.table.get(&key) {
            Some(owner) if owner == member => return Ok(Claimed::AlreadyOwned { seq: self.seq }),
            Some(owner) => return Err(Refusal::InUse { owner }),
            None => {}
        }
        // A port key conflicts with the same key only, checked above.
        if key.remote.is_some() {
            let port_owner = self.table.get(&Key {
                remote: None,
                ..key
            });
            if let Some(owner) = port_owner.filter(|&o| o != member) {
                return Err(Refusal::InUse { owner });
            }
            if port_owner.is_none() && EPHEMERAL.contains(&key.port) {
                let slice = self.slice(member);
                if !slice.as_ref().is_some_and(|s| s.contains(&key.port)) {
                    return Err(Refusal::OutsideSlice { slice });
                }
            }
        }
        if self.table.len() >= self.max_entries {
            return Err(Refusal::Full);
        }
        Ok(Claimed::Granted(
            self.publish(Change::Grant { key, member }),
        ))
    }

    /// `member` gives `key` up. None if it did not own it (a member cannot
    /// release another's key): nothing changed, nothing to publish.
    pub fn release(&mut self, member: MemberId, key: Key) -> Option<Update> {
        if self.table.get(&key)? != member {
            return None;
        }
        Some(self.publish(Change::Release { key }))
    }

    /// Moves the port `key` from `from` to `to`, leaving `pins`, the
    /// connections on that port that stay with `from`, to `from`: grants
    /// each pin not yet `from`'s to `from`, then the port to `to`, in that
    /// order (a kernel that applies the updates in order never sends a
    /// packet of a pinned connection to `to`). Nothing changes on a
    /// refusal: `Invalid` for a pin that is not a connection of the
    /// port, an address or member the database does not know, or
    /// `to == from`; `InUse` if `from` does not own the port (with its
    /// owner, if any) or another member owns a pin; `Full` if the pins do
    /// not fit. A move already done (`to` owns the port) changes nothing
    /// and succeeds.
    pub fn move_port(
        &mut self,
        key: Key,
        from: MemberId,
        to: MemberId,
        pins: &[Key],
    ) -> Result<Vec<Update>, Refusal> {
        self.check(from, &key)?;
        self.check(to, &key)?;
        if key.remote.is_some() || from == to {
            return Err(Refusal::Invalid);
        }
        let mut new = Vec::new();
        for pin in pins {
            if !pin.is_valid() || pin.remote.is_none() || pin.port_id() != key.port_id() {
                return Err(Refusal::Invalid);
            }
            match self.table.get(pin) {
                Some(owner) if owner == from => {}
                Some(owner) => return Err(Refusal::InUse { owner }),
                None => new.push(*pin),
            }
        }
        new.sort_unstable();
        new.dedup();
        match self.table.get(&key) {
            Some(owner) if owner == from => {}
            // Again after the move, which granted every pin then free: a
            // pin free now was released since (its connection closed).
            Some(owner) if owner == to => return Ok(Vec::new()),
            owner => return Err(owner.map_or(Refusal::Invalid, |owner| Refusal::InUse { owner })),
        }
        if self.table.len() + new.len() > self.max_entries {
            return Err(Refusal::Full);
        }
        let mut updates: Vec<Update> = new
            .into_iter()
            .map(|pin| {
                self.publish(Change::Grant {
                    key: pin,
                    member: from,
                })
            })
            .collect();
        updates.push(self.publish(Change::Grant { key, member: to }));
        Ok(updates)
    }

    /// The owner of `key` (exactly that key: a port, or a connection).
    pub fn owner(&self, key: &Key) -> Option<MemberId> {
        self.table.get(key)
    }

    /// The connection keys on the port of `key` that `member` owns, in
    /// key order.
    pub fn connections_of(&self, key: &Key, member: MemberId) -> Vec<Key> {
        self.table.connections_of(key, member)
    }

    /// Releases every key of `member`, in key order.
    pub fn release_all(&mut self, member: MemberId) -> Vec<Update> {
        self.table
            .keys_of(member)
            .into_iter()
            .map(|key| self.publish(Change::Release { key }))
            .collect()
    }

    /// The keys `member` owns, in key order.
    pub fn keys_of(&self, member: MemberId) -> Vec<Key> {
        self.table.keys_of(member)
    }

    /// The whole database.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            seq: self.seq,
            entries: self.table.entries(),
        }
    }

    /// Replaces the ownerships by those of `snapshot`, its `seq` included
    /// (the addresses and members stay).
    pub fn load(&mut self, snapshot: Snapshot) {
        self.table = Table::from_entries(snapshot.entries);
        self.seq = snapshot.seq;
    }

    /// The member a packet to `addr`:`port` over `proto` from `remote`
    /// belongs to: the owner of the connection key if there is one, else
    /// the owner of the port key. With `remote` None, the port key's owner.
    #[cfg(test)]
    pub fn owner_of(
        &self,
        addr: IpAddr,
        proto: Proto,
        port: u16,
        remote: Option<(IpAddr, u16)>,
    ) -> Option<MemberId> {
        self.table.owner_of(addr, proto, port, remote)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::{Ipv4Addr, Ipv6Addr};

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
    const PEER2: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 8));
    const A6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 1));
    const PEER6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 7, 0, 0, 0, 0, 0, 7));
    const M1: MemberId = MemberId(1);
    const M2: MemberId = MemberId(2);
    const M3: MemberId = MemberId(3);

    fn own() -> Ownership {
        Ownership::new([A, B, A6], [M3, M1, M2, M1])
    }

    fn port(p: u16) -> Key {
        Key::bound(A, Proto::Tcp, p)
    }

    fn conn(p: u16, peer: IpAddr, peer_port: u16) -> Key {
        Key::connection(A, Proto::Tcp, p, peer, peer_port)
    }

    fn granted(r: Result<Claimed, Refusal>) -> Update {
        match r {
            Ok(Claimed::Granted(u)) => u,
            other => panic!("expected a grant, got {other:?}"),
        }
    }

    #[test]
    fn port_conflicts_with_port() {
        let mut o = own();
        let u = granted(o.claim(M1, port(80)));
        assert_eq!(u.seq, 1);
        assert_eq!(
            u.change,
            Change::Grant {
                key: port(80),
                member: M1
            }
        );
        let r = o.claim(M2, port(80));
        assert_eq!(r, Err(Refusal::InUse { owner: M1 }));
        assert_eq!(r.unwrap_err().errno(), libc::EADDRINUSE);
        assert_eq!(o.seq(), 1, "a refusal publishes nothing");
    }

    #[test]
    fn connections_conflict_with_the_port_of_others() {
        let mut o = own();
        // M2 owns a connection from port 5000 (outside the ephemeral range).
        granted(o.claim(M2, conn(5000, PEER, 443)));
        // M1 owns port 80: M2 cannot own a connection on it, M1 can.
        granted(o.claim(M1, port(80)));
        let r = o.claim(M2, conn(80, PEER, 1234));
        assert_eq!(r, Err(Refusal::InUse { owner: M1 }));
        assert_eq!(r.unwrap_err().owner(), Some(M1));
        granted(o.claim(M1, conn(80, PEER, 1234)));
        granted(o.claim(M1, conn(80, PEER2, 1234)));
        // The same connection cannot be owned twice.
        assert_eq!(
            o.claim(M2, conn(5000, PEER, 443)),
            Ok(Claimed::AlreadyOwned { seq: 4 })
        );
        assert_eq!(
            o.claim(M1, conn(5000, PEER, 443)),
            Err(Refusal::InUse { owner: M2 })
        );
        // Different peers on an unowned port: both fine.
        granted(o.claim(M1, conn(5000, PEER2, 443)));
        // M2 can re-bind its own port with its own connections on it.
        granted(o.claim(M2, port(6000)));
        granted(o.claim(M2, conn(6000, PEER, 1)));
        assert!(o.release(M2, port(6000)).is_some());
        granted(o.claim(M2, port(6000)));
        // And a port where others have connections: theirs stay theirs.
        granted(o.claim(M2, port(5000)));
        assert_eq!(
            o.owner_of(A, Proto::Tcp, 5000, Some((PEER2, 443))),
            Some(M1)
        );
        assert_eq!(o.owner_of(A, Proto::Tcp, 5000, Some((PEER, 9))), Some(M2));
    }

    #[test]
    fn a_move_pins_the_connections_then_moves_the_port() {
        let mut o = own();
        granted(o.claim(M2, port(8060)));
        granted(o.claim(M2, conn(8060, PEER, 1000)));
        let pins = [
            conn(8060, PEER, 1000),
            conn(8060, PEER, 1001),
            conn(8060, PEER2, 7),
        ];
        let updates = o.move_port(port(8060), M2, M3, &pins).expect("moved");
        let changes: Vec<Change> = updates.iter().map(|u| u.change).collect();
        assert_eq!(
            changes,
            [
                Change::Grant {
                    key: pins[1],
                    member: M2
                },
                Change::Grant {
                    key: pins[2],
                    member: M2
                },
                Change::Grant {
                    key: port(8060),
                    member: M3
                },
            ],
            "the pins first, the port last"
        );
        assert_eq!(o.owner(&port(8060)), Some(M3));
        assert_eq!(o.connections_of(&port(8060), M2), pins);
        assert_eq!(
            o.owner_of(A, Proto::Tcp, 8060, Some((PEER, 1001))),
            Some(M2)
        );
        assert_eq!(
            o.owner_of(A, Proto::Tcp, 8060, Some((PEER, 1002))),
            Some(M3)
        );
        // Again: nothing to do, even for a pin released since (its
        // connection closed: the 4-tuple may be a new connection of M3's).
        assert_eq!(o.move_port(port(8060), M2, M3, &pins), Ok(Vec::new()));
        assert!(o.release(M2, pins[2]).is_some());
        assert_eq!(o.move_port(port(8060), M2, M3, &pins), Ok(Vec::new()));
        assert_eq!(o.owner(&pins[2]), None);
        // The new owner's listener goes and comes back: the pins stay.
        assert!(o.release(M3, port(8060)).is_some());
        granted(o.claim(M1, port(8060)));
        assert_eq!(o.connections_of(&port(8060), M2).len(), 2);
        // A pin closes.
        assert!(o.release(M2, pins[0]).is_some());
        assert_eq!(o.connections_of(&port(8060), M2).len(), 1);
    }

    #[test]
    fn refused_moves_change_nothing() {
        let mut o = own();
        granted(o.claim(M2, port(8060)));
        granted(o.claim(M1, conn(9000, PEER, 1)));
        let before = o.snapshot();
        let cases = [
            (port(8060), M1, M3, vec![], Refusal::InUse { owner: M2 }),
            (port(8061), M2, M3, vec![], Refusal::Invalid),
            (port(8060), M2, M2, vec![], Refusal::Invalid),
            (port(8060), M2, MemberId(9), vec![], Refusal::NotMember),
            (conn(8060, PEER, 1), M2, M3, vec![], Refusal::Invalid),
            (port(8060), M2, M3, vec![port(8060)], Refusal::Invalid),
            (
                port(8060),
                M2,
                M3,
                vec![conn(8061, PEER, 1)],
                Refusal::Invalid,
            ),
            (
                port(8060),
                M2,
                M3,
                vec![conn(8060, PEER, 0)],
                Refusal::Invalid,
            ),
        ];
        for (key, from, to, pins, refusal) in cases {
            assert_eq!(
                o.move_port(key, from, to, &pins),
                Err(refusal),
                "{key} {pins:?}"
            );
        }
        // Someone else's connection on the port cannot be pinned.
        granted(o.claim(M2, conn(8060, PEER, 5)));
        let before2 = o.snapshot();
        assert!(before2.seq > before.seq);
        o.max_entries = o.snapshot().entries.len() + 1;
        assert_eq!(
            o.move_port(
                port(8060),
                M2,
                M3,
                &[conn(8060, PEER, 6), conn(8060, PEER, 7)]
            ),
            Err(Refusal::Full)
        );
        assert_eq!(o.snapshot(), before2);
        o.max_entries = MAX_ENTRIES;
        granted(o.claim(M3, port(8062)));
        granted(o.claim(M3, conn(8062, PEER, 5)));
        granted(o.claim(M2, port(8063)));
        assert!(o.release(M3, port(8062)).is_some());
        granted(o.claim(M2, port(8062)));
        assert_eq!(
            o.move_port(port(8062), M2, M1, &[conn(8062, PEER, 5)]),
            Err(Refusal::InUse { owner: M3 })
        );
    }

    #[test]
    fn reclaim_is_idempotent() {
        let mut o = own();
        granted(o.claim(M1, port(80)));
        granted(o.claim(M2, port(81)));
        let before = o.snapshot();
        let again = o.claim(M1, port(80));
        assert_eq!(again, Ok(Claimed::AlreadyOwned { seq: 2 }));
        assert_eq!(again.map(|c| c.seq()), Ok(2));
        assert_eq!(o.snapshot(), before);
    }

    #[test]
    fn protocols_and_addresses_are_separate() {
        let mut o = own();
        granted(o.claim(M1, Key::bound(A, Proto::Tcp, 53)));
        granted(o.claim(M2, Key::bound(A, Proto::Udp, 53)));
        granted(o.claim(M3, Key::bound(B, Proto::Tcp, 53)));
        granted(o.claim(M3, Key::connection(B, Proto::Udp, 53, PEER, 9)));
        let owner = |addr, proto| o.owner_of(addr, proto, 53, None);
        assert_eq!(owner(A, Proto::Tcp), Some(M1));
        assert_eq!(owner(A, Proto::Udp), Some(M2));
        assert_eq!(owner(B, Proto::Tcp), Some(M3));
        assert_eq!(owner(B, Proto::Udp), None);
    }

    #[test]
    fn refusals() {
        let mut o = own();
        let other = IpAddr::from([10, 9, 9, 9]);
        let cases = [
            (
                M1,
                Key::bound(other, Proto::Tcp, 80),
                Refusal::NotLead { addr: other },
            ),
            (MemberId(9), port(80), Refusal::NotMember),
            (M1, port(0), Refusal::Invalid),
            (M1, conn(80, PEER, 0), Refusal::Invalid),
            (
                M1,
                conn(80, Ipv4Addr::UNSPECIFIED.into(), 1),
                Refusal::Invalid,
            ),
        ];
        for (member, key, refusal) in cases {
            assert_eq!(o.claim(member, key), Err(refusal), "{key}");
        }
        assert_eq!(
            Refusal::NotLead { addr: other }.errno(),
            libc::EADDRNOTAVAIL
        );
        assert_eq!(Refusal::NotMember.errno(), libc::EACCES);
        assert_eq!(Refusal::Invalid.errno(), libc::EINVAL);
        assert_eq!(Refusal::Full.errno(), libc::ENOBUFS);
        assert_eq!(Refusal::NotMember.owner(), None);
        assert_eq!(o.seq(), 0);
    }

    #[test]
    fn full() {
        let mut o = own();
        o.max_entries = 2;
        granted(o.claim(M1, port(1)));
        granted(o.claim(M1, port(2)));
        assert_eq!(o.claim(M1, port(3)), Err(Refusal::Full));
        // Conflicts and re-claims are still answered as such.
        assert_eq!(o.claim(M2, port(1)), Err(Refusal::InUse { owner: M1 }));
        assert_eq!(o.claim(M1, port(1)), Ok(Claimed::AlreadyOwned { seq: 2 }));
        o.release(M1, port(2));
        granted(o.claim(M1, port(3)));
    }

    #[test]
    fn release() {
        let mut o = own();
        granted(o.claim(M1, port(80)));
        assert_eq!(o.release(M2, port(80)), None, "not M2's");
        assert_eq!(o.release(M1, port(81)), None, "owned by no one");
        assert_eq!(o.seq(), 1);
        assert_eq!(
            o.release(M1, port(80)),
            Some(Update {
                seq: 2,
                change: Change::Release { key: port(80) }
            })
        );
        assert_eq!(o.release(M1, port(80)), None, "already released");
        granted(o.claim(M2, port(80)));
        assert_eq!(o.owner_of(A, Proto::Tcp, 80, None), Some(M2));
    }

    #[test]
    fn release_all() {
        let mut o = own();
        granted(o.claim(M1, port(80)));
        granted(o.claim(M2, port(81)));
        granted(o.claim(M1, conn(80, PEER, 1)));
        let updates = o.release_all(M1);
        let keys: Vec<_> = updates
            .iter()
            .map(|u| match u.change {
                Change::Release { key } => (u.seq, key),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(keys, [(4, port(80)), (5, conn(80, PEER, 1))]);
        assert_eq!(o.snapshot().entries, [(port(81), M2)]);
        assert!(o.release_all(M1).is_empty());
        // The member can claim its keys again.
        granted(o.claim(M1, port(80)));
    }

    #[test]
    fn ephemeral_slices_are_disjoint_and_cover_the_range() {
        for members in 1..=70 {
            let mut next = *EPHEMERAL.start();
            let mut sizes = Vec::new();
            for index in 0..members {
                let s = ephemeral_range(index, members).expect("non-empty slice");
                assert_eq!(*s.start(), next, "{index} of {members}");
                sizes.push(s.len());
                next = s.end() + 1;
            }
            assert_eq!(next - 1, *EPHEMERAL.end(), "{members} members");
            let (min, max) = (sizes.iter().min(), sizes.iter().max());
            assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1));
            assert_eq!(ephemeral_range(members, members), None);
        }
        assert_eq!(ephemeral_range(0, 1), Some(EPHEMERAL));
        assert_eq!(ephemeral_range(0, 2), Some(32768..=46883));
        assert_eq!(ephemeral_range(1, 2), Some(46884..=60999));
        assert_eq!(ephemeral_range(0, 0), None);
        let total = EPHEMERAL.len();
        assert_eq!(ephemeral_range(total - 1, total), Some(60999..=60999));
        assert_eq!(ephemeral_range(total, total + 1), None, "empty slice");
    }

    #[test]
    fn slices_follow_member_order() {
        let o = own();
        assert_eq!(o.members(), [M1, M2, M3]);
        assert_eq!(o.slice(M1), ephemeral_range(0, 3));
        assert_eq!(o.slice(M2), ephemeral_range(1, 3));
        assert_eq!(o.slice(M3), ephemeral_range(2, 3));
        assert_eq!(o.slice(MemberId(9)), None);
    }

    #[test]
    fn connections_outside_the_slice_are_refused() {
        let mut o = own();
        let s1 = o.slice(M1).expect("configured");
        let s2 = o.slice(M2).expect("configured");
        granted(o.claim(M1, conn(*s1.start(), PEER, 80)));
        granted(o.claim(M1, conn(*s1.end(), PEER, 80)));
        let r = o.claim(M1, conn(*s2.start(), PEER, 80));
        assert_eq!(
            r,
            Err(Refusal::OutsideSlice {
                slice: Some(s1.clone())
            })
        );
        assert_eq!(r.unwrap_err().errno(), libc::EADDRNOTAVAIL);
        granted(o.claim(M2, conn(*s2.start(), PEER, 80)));
        // A port key may be anywhere; once M1 bound a port in M2's slice,
        // its connections on it are fine, and M2's are not.
        let p = *s2.start() + 1;
        granted(o.claim(M1, port(p)));
        granted(o.claim(M1, conn(p, PEER, 80)));
        assert_eq!(
            o.claim(M2, conn(p, PEER2, 80)),
            Err(Refusal::InUse { owner: M1 })
        );
        // Outside the ephemeral range there are no slices.
        granted(o.claim(M2, conn(1024, PEER, 80)));
        granted(o.claim(M2, conn(*EPHEMERAL.end() + 1, PEER, 80)));
        assert!(Refusal::OutsideSlice { slice: None }
            .to_string()
            .contains("no ephemeral ports"));
    }

    #[test]
    fn seq_is_strictly_increasing() {
        let mut o = own();
        let mut seqs = Vec::new();
        for p in 1..=5 {
            seqs.push(granted(o.claim(M1, port(p))).seq);
            let _ = o.claim(M2, port(p));
            let _ = o.claim(M1, port(p));
        }
        seqs.extend(o.release(M1, port(1)).map(|u| u.seq));
        seqs.push(granted(o.claim(M2, port(1))).seq);
        seqs.extend(o.release_all(M1).iter().map(|u| u.seq));
        assert_eq!(seqs, (1..=11).collect::<Vec<_>>());
        assert_eq!(o.seq(), 11);
    }

    #[test]
    fn owner_of_prefers_the_connection() {
        let mut o = own();
        let s2 = o.slice(M2).expect("configured");
        granted(o.claim(M1, port(80)));
        granted(o.claim(M1, conn(80, PEER, 1000)));
        granted(o.claim(M2, conn(*s2.start(), PEER, 80)));
        granted(o.claim(M3, conn(5000, PEER, 80)));
        let tcp = Proto::Tcp;
        assert_eq!(o.owner_of(A, tcp, 80, Some((PEER, 1000))), Some(M1));
        assert_eq!(o.owner_of(A, tcp, 80, Some((PEER, 1001))), Some(M1));
        assert_eq!(o.owner_of(A, tcp, 80, None), Some(M1));
        assert_eq!(o.owner_of(A, tcp, *s2.start(), Some((PEER, 80))), Some(M2));
        assert_eq!(o.owner_of(A, tcp, *s2.start(), Some((PEER, 81))), None);
        assert_eq!(o.owner_of(A, tcp, *s2.start(), None), None);
        assert_eq!(o.owner_of(A, tcp, 5000, Some((PEER, 80))), Some(M3));
        assert_eq!(o.owner_of(A, Proto::Udp, 80, Some((PEER, 1000))), None);
        assert_eq!(o.owner_of(B, tcp, 80, None), None);
    }

    /// The table of [`Ownership::load`] is the snapshot's, its seq
    /// included; the addresses and members stay, and the rules go on from
    /// there.
    #[test]
    fn snapshot_and_load() {
        let mut o = own();
        assert_eq!(o.snapshot(), Snapshot::default());
        granted(o.claim(M1, port(80)));
        granted(o.claim(M2, port(81)));
        granted(o.claim(M3, Key::connection(A6, Proto::Udp, 53, PEER6, 9)));
        o.release(M1, port(80)).expect("owned");
        let snap = o.snapshot();
        assert_eq!(snap.seq, 4);
        assert_eq!(
            snap.entries,
            [
                (port(81), M2),
                (Key::connection(A6, Proto::Udp, 53, PEER6, 9), M3)
            ]
        );
        let mut copy = own();
        granted(copy.claim(M1, port(82)));
        copy.load(snap.clone());
        assert_eq!(copy.seq(), 4);
        assert_eq!(copy.snapshot(), snap);
        assert_eq!(copy.addrs(), o.addrs());
        assert_eq!(copy.members(), o.members());
        assert_eq!(copy.owner_of(A, Proto::Tcp, 82, None), None, "replaced");
        assert_eq!(copy.owner_of(A, Proto::Tcp, 81, None), Some(M2));
        assert_eq!(copy.keys_of(M3), o.keys_of(M3));
        // The loaded copy decides as the original does.
        assert_eq!(copy.claim(M1, port(81)), Err(Refusal::InUse { owner: M2 }));
        assert_eq!(
            copy.claim(M2, port(81)),
            Ok(Claimed::AlreadyOwned { seq: 4 })
        );
        let u = granted(copy.claim(M3, port(82)));
        assert_eq!(u, granted(o.claim(M3, port(82))));
        assert_eq!(u.seq, 5);
        assert_eq!(copy.snapshot(), o.snapshot());
    }

    /// A random workload: a copy given the same commands in the same order,
    /// and one that reloads a snapshot now and then, end with the same
    /// table and decide every command the same way.
    #[test]
    fn copies_given_the_same_commands_agree() {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) % n
        };
        let members = [M1, M2, M3];
        let mut o = own();
        let mut same = own();
        let mut loaded = own();
        let mut last_seq = 0;
        for _ in 0..5000 {
            let member = members[next(3) as usize];
            let p = if next(2) == 0 {
                next(8) as u16 + 1
            } else {
                *EPHEMERAL.start() + next(EPHEMERAL.len() as u64) as u16
            };
            let addr = [A, B, A6][next(3) as usize];
            let peer = if addr.is_ipv4() { PEER } else { PEER6 };
            let remote = (next(2) == 0).then(|| (peer, next(3) as u16 + 1));
            let key = Key {
                addr,
                proto: [Proto::Tcp, Proto::Udp][next(2) as usize],
                port: p,
                remote,
            };
            let updates = match next(20) {
                0..=11 => {
                    let claim = o.claim(member, key);
                    assert_eq!(same.claim(member, key), claim);
                    assert_eq!(loaded.claim(member, key), claim);
                    match claim {
                        Ok(Claimed::Granted(u)) => vec![u],
                        _ => vec![],
                    }
                }
                12..=18 => {
                    let update = o.release(member, key);
                    assert_eq!(same.release(member, key), update);
                    assert_eq!(loaded.release(member, key), update);
                    update.into_iter().collect()
                }
                _ => {
                    let updates = o.release_all(member);
                    assert_eq!(same.release_all(member), updates);
                    assert_eq!(loaded.release_all(member), updates);
                    updates
                }
            };
            for u in updates {
                assert_eq!(u.seq, last_seq + 1);
                last_seq = u.seq;
            }
            // One command in 50, a copy that starts over from a snapshot.
            if next(50) == 0 {
                loaded = own();
                loaded.load(o.snapshot());
            }
        }
        assert!(last_seq > 500, "the workload did something ({last_seq})");
        let snap = o.snapshot();
        assert_eq!(snap.seq, last_seq);
        assert_eq!(same.snapshot(), snap);
        assert_eq!(loaded.snapshot(), snap);
        for (key, member) in &snap.entries {
            assert_eq!(
                o.owner_of(key.addr, key.proto, key.port, key.remote),
                Some(*member)
            );
        }
    }

    /// The rules of the IPv4 tests above, on an IPv6 address.
    #[test]
    fn ipv6_keys_follow_the_same_rules() {
        let mut o = own();
        let port6 = |p| Key::bound(A6, Proto::Tcp, p);
        let conn6 = |p, peer_port| Key::connection(A6, Proto::Tcp, p, PEER6, peer_port);
        granted(o.claim(M1, port6(80)));
        assert_eq!(o.claim(M2, port6(80)), Err(Refusal::InUse { owner: M1 }));
        assert_eq!(
            o.claim(M2, conn6(80, 1234)),
            Err(Refusal::InUse { owner: M1 })
        );
        granted(o.claim(M1, conn6(80, 1234)));
        assert_eq!(o.claim(M1, port6(80)), Ok(Claimed::AlreadyOwned { seq: 2 }));
        // The ephemeral slices hold for IPv6 connections too.
        let s1 = o.slice(M1).expect("configured");
        let s2 = o.slice(M2).expect("configured");
        granted(o.claim(M2, conn6(*s2.start(), 443)));
        assert_eq!(
            o.claim(M1, conn6(*s2.end(), 443)),
            Err(Refusal::OutsideSlice {
                slice: Some(s1.clone())
            })
        );
        granted(o.claim(M1, conn6(*s1.end(), 443)));
        // An IPv6 address that is not one of the database's.
        let other: IpAddr = "fd00:9::2".parse().expect("addr");
        let r = o.claim(M1, Key::bound(other, Proto::Tcp, 80));
        assert_eq!(r, Err(Refusal::NotLead { addr: other }));
        assert_eq!(r.unwrap_err().to_string(), "not the lead of fd00:9::2");
        // Releases and the owner lookups.
        assert_eq!(o.owner_of(A6, Proto::Tcp, 80, Some((PEER6, 9))), Some(M1));
        assert_eq!(o.owner_of(A6, Proto::Tcp, 80, None), Some(M1));
        assert_eq!(
            o.owner_of(A6, Proto::Tcp, *s2.start(), Some((PEER6, 443))),
            Some(M2)
        );
        assert_eq!(o.owner_of(A6, Proto::Udp, 80, None), None);
        o.release(M1, port6(80)).expect("owned");
        assert_eq!(o.owner_of(A6, Proto::Tcp, 80, None), None);
        assert_eq!(
            o.owner_of(A6, Proto::Tcp, 80, Some((PEER6, 1234))),
            Some(M1)
        );
    }

    /// The keys of the IPv4 and the IPv6 address of a port never
    /// conflict; IPv4 keys come first.
    #[test]
    fn v4_and_v6_keys_of_the_same_port_are_independent() {
        let mut o = own();
        granted(o.claim(M2, Key::bound(A6, Proto::Tcp, 80)));
        granted(o.claim(M1, Key::bound(A, Proto::Tcp, 80)));
        granted(o.claim(M3, Key::connection(A6, Proto::Udp, 53, PEER6, 9)));
        granted(o.claim(M1, Key::bound(A, Proto::Udp, 53)));
        assert_eq!(o.owner_of(A, Proto::Tcp, 80, None), Some(M1));
        assert_eq!(o.owner_of(A6, Proto::Tcp, 80, None), Some(M2));
        assert_eq!(
            o.snapshot().entries,
            [
                (Key::bound(A, Proto::Tcp, 80), M1),
                (Key::bound(A, Proto::Udp, 53), M1),
                (Key::bound(A6, Proto::Tcp, 80), M2),
                (Key::connection(A6, Proto::Udp, 53, PEER6, 9), M3),
            ]
        );
        assert!(o.release(M1, Key::bound(A, Proto::Tcp, 80)).is_some());
        assert_eq!(o.owner_of(A6, Proto::Tcp, 80, None), Some(M2));
        assert_eq!(
            o.claim(M1, Key::bound(A6, Proto::Tcp, 80)),
            Err(Refusal::InUse { owner: M2 })
        );
    }

    #[test]
    fn families_and_mapped_addresses() {
        let mut o = own();
        // A remote of another family is not a key a kernel could own.
        let mixed = [
            Key::connection(A, Proto::Tcp, 80, PEER6, 1),
            Key::connection(A6, Proto::Tcp, 80, PEER, 1),
            Key::connection(A6, Proto::Tcp, 80, Ipv6Addr::UNSPECIFIED, 1),
            Key::connection(A6, Proto::Tcp, 80, PEER6, 0),
        ];
        for key in mixed {
            assert!(!key.is_valid(), "{key}");
            assert_eq!(o.claim(M1, key), Err(Refusal::Invalid), "{key}");
        }
        // An IPv4-mapped address is the IPv4 address.
        let mapped = |a: IpAddr| match a {
            IpAddr::V4(a) => IpAddr::V6(a.to_ipv6_mapped()),
            a => a,
        };
        assert_eq!(
            Key::connection(mapped(A), Proto::Tcp, 80, mapped(PEER), 1),
            conn(80, PEER, 1)
        );
        assert_eq!(Key::bound(mapped(A), Proto::Tcp, 80), port(80));
        // Hand-made keys with a mapped address are not valid: a key has one
        // form.
        let hand = |addr, remote| Key {
            addr,
            proto: Proto::Tcp,
            port: 80,
            remote,
        };
        assert!(!hand(mapped(A), None).is_valid());
        assert!(!hand(A, Some((mapped(PEER), 1))).is_valid());
        assert!(!hand(mapped(A), Some((mapped(PEER), 1))).is_valid());
        assert!(hand(A, Some((PEER, 1))).is_valid());
        assert!(hand(A6, Some((PEER6, 1))).is_valid());
        // The database of a mapped address is the IPv4 address's; the
        // lookups take either form.
        let mut o = Ownership::new([mapped(B)], [M1]);
        assert_eq!(o.addrs(), [B]);
        granted(o.claim(M1, Key::bound(B, Proto::Udp, 53)));
        assert_eq!(o.owner_of(mapped(B), Proto::Udp, 53, None), Some(M1));
    }

    #[test]
    fn display() {
        assert_eq!(
            Key::connection(A6, Proto::Tcp, 80, PEER6, 4000).to_string(),
            "tcp [fd00:9::1]:80 peer [fd00:7::7]:4000"
        );
        assert_eq!(
            Key::bound(A6, Proto::Udp, 53).to_string(),
            "udp [fd00:9::1]:53"
        );
        assert_eq!(port(80).to_string(), "tcp 10.0.0.1:80");
        assert_eq!(
            Key::connection(A, Proto::Udp, 5353, PEER, 9).to_string(),
            "udp 10.0.0.1:5353 peer 192.0.2.7:9"
        );
        assert_eq!(
            Refusal::InUse { owner: M2 }.to_string(),
            "in use by member 2"
        );
        assert_eq!(
            Refusal::OutsideSlice {
                slice: Some(32768..=46883)
            }
            .to_string(),
            "local port outside the member's ephemeral ports 32768-46883"
        );
        assert_eq!(Proto::from_number(6), Some(Proto::Tcp));
        assert_eq!(Proto::from_number(17), Some(Proto::Udp));
        assert_eq!(Proto::from_number(1), None);
        assert_eq!(Proto::Udp.number(), 17);
    }
}
