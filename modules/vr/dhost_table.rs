// SPDX-License-Identifier: GPL-2.0-only

//! The distributed addresses of a network namespace and this kernel's copy of their ownership
//! database, with the per-packet decision: pure logic, no kernel state.
//!
//! A table is never changed in place: a writer builds a new one (`with_*`, `without_*`) and
//! publishes it, so packet handlers read a consistent table without a lock.

use core::net::Ipv6Addr;
use kernel::{alloc::AllocError, net::vr::Wild, prelude::*};

/// `IPPROTO_TCP`.
pub(crate) const TCP: u8 = 6;
/// `IPPROTO_UDP`.
pub(crate) const UDP: u8 = 17;

/// Why a change to the table is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotDistributed,
    NoEntry,
    BadProto,
    BadRange,
    BadRemote,
    NoMemory,
}

impl Refusal {
    /// The errno reported to user space.
    pub(crate) fn error(self) -> Error {
        match self {
            Refusal::NotDistributed | Refusal::NoEntry => ENOENT,
            Refusal::BadProto | Refusal::BadRange | Refusal::BadRemote => EINVAL,
            Refusal::NoMemory => ENOMEM,
        }
    }

    /// The extended-ack message reported to user space.
    pub(crate) fn message(self) -> &'static CStr {
        match self {
            Refusal::NotDistributed => c"address is not distributed",
            Refusal::NoEntry => c"no such ownership entry",
            Refusal::BadProto => c"protocol must be TCP (6) or UDP (17)",
            Refusal::BadRange => c"port-last is below port",
            Refusal::BadRemote => {
                c"a connection needs remote (of the address's family) and remote-port, on one port"
            }
            Refusal::NoMemory => c"out of memory",
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        r.error()
    }
}

impl From<AllocError> for Refusal {
    fn from(_: AllocError) -> Self {
        Refusal::NoMemory
    }
}

/// A distributed address, in the VR of its interface. IPv4 addresses are kept IPv4-mapped
/// (`::ffff:a.b.c.d`), as the stack's keys carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AddrKey {
    pub(crate) vr: u16,
    pub(crate) addr: Ipv6Addr,
}

/// Whether `addr` is an IPv4 address (IPv4-mapped).
pub(crate) fn is_v4(addr: &Ipv6Addr) -> bool {
    addr.to_ipv4_mapped().is_some()
}

/// How this kernel serves a distributed address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addr {
    pub(crate) key: AddrKey,
    pub(crate) ifindex: i32,
    /// This kernel's member id.
    pub(crate) member: u32,
    /// The lead's member id.
    pub(crate) lead: u32,
}

impl Addr {
    pub(crate) fn is_lead(&self) -> bool {
        self.member == self.lead
    }
}

/// What an ownership entry is about: a port range (`port..=port_last`, no remote: the
/// unspecified address and port 0) or one connection (`port == port_last`, remote address and
/// port set, the address of the family of `addr`). Ports in host order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OwnerKey {
    pub(crate) addr: AddrKey,
    pub(crate) proto: u8,
    pub(crate) port: u16,
    pub(crate) port_last: u16,
    pub(crate) remote: Ipv6Addr,
    pub(crate) remote_port: u16,
}

impl OwnerKey {
    fn check(&self) -> Result<(), Refusal> {
        if self.proto != TCP && self.proto != UDP {
            return Err(Refusal::BadProto);
        }
        if self.port_last < self.port {
            return Err(Refusal::BadRange);
        }
        let no_remote = self.remote.is_unspecified()
            || self
                .remote
                .to_ipv4_mapped()
                .is_some_and(|a| a.is_unspecified());
        let connection = !self.remote.is_unspecified() || self.remote_port != 0;
        if connection
            && (no_remote
                || self.remote_port == 0
                || self.port != self.port_last
                || is_v4(&self.remote) != is_v4(&self.addr.addr))
        {
            return Err(Refusal::BadRemote);
        }
        Ok(())
    }

    fn is_range(&self) -> bool {
        self.port != self.port_last
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) key: OwnerKey,
    pub(crate) member: u32,
}

/// An incoming packet, seen from the distributed address (`struct vr_dhost_pkt`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet {
    pub(crate) vr: u16,
    pub(crate) local: Ipv6Addr,
    pub(crate) remote: Ipv6Addr,
    pub(crate) lport: u16,
    pub(crate) rport: u16,
    pub(crate) proto: u8,
    pub(crate) l2_bcast: bool,
}

/// What happens to an incoming packet (`enum vr_dhost_verdict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not for a distributed address.
    Pass,
    /// Owned here (or the lead answering for the host): deliver, even from an L2 broadcast.
    Accept,
    /// Not ours: drop without an answer.
    Drop,
    /// The lead re-sends it to the members as an L2 broadcast.
    Bridge,
}

/// The distributed addresses and the ownership entries, each sorted by key.
#[derive(Default)]
pub(crate) struct Table {
    addrs: KVec<Addr>,
    /// Single ports and connections, found by binary search.
    exact: KVec<Owner>,
    /// Port ranges (a few per member, e.g. the ephemeral slices), scanned in order.
    ranges: KVec<Owner>,
}

fn copy<T: Copy>(from: &[T], keep: impl Fn(&T) -> bool) -> Result<KVec<T>, Refusal> {
    let mut v = KVec::with_capacity(from.len() + 1, GFP_KERNEL_ACCOUNT)?;
    for x in from.iter().filter(|x| keep(x)) {
        v.push(*x, GFP_KERNEL_ACCOUNT)?;
    }
    Ok(v)
}

/// A copy of sorted `from` with `item` in its place (replacing an equal key).
fn copy_with<T: Copy, K: Ord>(
    from: &[T],
    item: T,
    key: impl Fn(&T) -> K,
) -> Result<KVec<T>, Refusal> {
    let k = key(&item);
    let mut v = KVec::with_capacity(from.len() + 1, GFP_KERNEL_ACCOUNT)?;
    let mut placed = false;
    for x in from {
        if !placed && key(x) >= k {
            v.push(item, GFP_KERNEL_ACCOUNT)?;
            placed = true;
        }
        if key(x) != k {
            v.push(*x, GFP_KERNEL_ACCOUNT)?;
        }
    }
    if !placed {
        v.push(item, GFP_KERNEL_ACCOUNT)?;
    }
    Ok(v)
}

impl Table {
    pub(crate) fn addrs(&self) -> &[Addr] {
        &self.addrs
    }

    /// Ownership entries: single ports and connections, then ranges.
    pub(crate) fn owners(&self) -> impl Iterator<Item = &Owner> {
        Iterator::chain(self.exact.iter(), self.ranges.iter())
    }

    /// Whether an address of interface `ifindex` is distributed.
    pub(crate) fn on_interface(&self, ifindex: i32) -> bool {
        self.addrs.iter().any(|a| a.ifindex == ifindex)
    }

    pub(crate) fn addr(&self, key: AddrKey) -> Option<&Addr> {
        self.addrs
            .binary_search_by(|a| a.key.cmp(&key))
            .ok()
            .map(|i| &self.addrs[i])
    }

    /// A copy with `addr` added or changed.
    pub(crate) fn with_addr(&self, addr: Addr) -> Result<Table, Refusal> {
        Ok(Table {
            addrs: copy_with(&self.addrs, addr, |a| a.key)?,
            exact: copy(&self.exact, |_| true)?,
            ranges: copy(&self.ranges, |_| true)?,
        })
    }

    /// A copy without the address and its ownership entries.
    pub(crate) fn without_addr(&self, key: AddrKey) -> Result<Table, Refusal> {
        self.addr(key).ok_or(Refusal::NotDistributed)?;
        Ok(Table {
            addrs: copy(&self.addrs, |a| a.key != key)?,
            exact: copy(&self.exact, |o| o.key.addr != key)?,
            ranges: copy(&self.ranges, |o| o.key.addr != key)?,
        })
    }

    /// A copy with the owner of `owner.key` set.
    pub(crate) fn with_owner(&self, owner: Owner) -> Result<Table, Refusal> {
        owner.key.check()?;
        self.addr(owner.key.addr).ok_or(Refusal::NotDistributed)?;
        let (exact, ranges) = if owner.key.is_range() {
            (
                copy(&self.exact, |_| true)?,
                copy_with(&self.ranges, owner, |o| o.key)?,
            )
        } else {
            (
                copy_with(&self.exact, owner, |o| o.key)?,
                copy(&self.ranges, |_| true)?,
            )
        };
        Ok(Table {
            addrs: copy(&self.addrs, |_| true)?,
            exact,
            ranges,
        })
    }

    /// A copy without the entry of `key`.
    pub(crate) fn without_owner(&self, key: OwnerKey) -> Result<Table, Refusal> {
        key.check()?;
        if !self.owners().any(|o| o.key == key) {
            return Err(Refusal::NoEntry);
        }
        Ok(Table {
            addrs: copy(&self.addrs, |_| true)?,
            exact: copy(&self.exact, |o| o.key != key)?,
            ranges: copy(&self.ranges, |o| o.key != key)?,
        })
    }

    /// The member owning the flow of `pkt`: its connection, else its port, else a range.
    pub(crate) fn owner_of(&self, pkt: &Packet) -> Option<u32> {
        let addr = AddrKey {
            vr: pkt.vr,
            addr: pkt.local,
        };
        let mut key = OwnerKey {
            addr,
            proto: pkt.proto,
            port: pkt.lport,
            port_last: pkt.lport,
            remote: pkt.remote,
            remote_port: pkt.rport,
        };
        let find = |key: &OwnerKey| {
            self.exact
                .binary_search_by(|o| o.key.cmp(key))
                .ok()
                .map(|i| self.exact[i].member)
        };
        if let Some(m) = find(&key) {
            return Some(m);
        }
        key.remote = Ipv6Addr::UNSPECIFIED;
        key.remote_port = 0;
        if let Some(m) = find(&key) {
            return Some(m);
        }
        self.ranges
            .iter()
            .find(|o| {
                o.key.addr == addr
                    && o.key.proto == pkt.proto
                    && (o.key.port..=o.key.port_last).contains(&pkt.lport)
            })
            .map(|o| o.member)
    }

    /// The fate of an incoming packet.
    ///
    /// The lead alone answers for the host as a whole (ICMP, and TCP/UDP that nobody owns, so
    /// the RST or port unreachable comes once, from it) and bridges what another member owns;
    /// every other member delivers only what it owns and stays silent otherwise.
    pub(crate) fn verdict(&self, pkt: &Packet) -> Verdict {
        let Some(addr) = self.addr(AddrKey {
            vr: pkt.vr,
            addr: pkt.local,
        }) else {
            return Verdict::Pass;
        };
        let lead = addr.is_lead();
        if pkt.proto != TCP && pkt.proto != UDP {
            return if lead { Verdict::Pass } else { Verdict::Drop };
        }
        match self.owner_of(pkt) {
            Some(m) if m == addr.member => Verdict::Accept,
            // A lead bridges only what reached it as unicast: broadcasts come from a lead.
            Some(_) if lead && !pkt.l2_bcast => Verdict::Bridge,
            None if lead && !pkt.l2_bcast => Verdict::Pass,
            _ => Verdict::Drop,
        }
    }

    /// Whether this kernel serves `key` as a member that is not its lead.
    pub(crate) fn follower(&self, key: AddrKey) -> bool {
        self.addr(key).is_some_and(|a| !a.is_lead())
    }

    /// Whether a socket of VR `vr` bound to `addr` (`wild`: to a wildcard address) must claim
    /// its port: `addr`, or an address of `vr` of a family of the wildcard, is distributed.
    pub(crate) fn claims(&self, vr: u16, addr: &Ipv6Addr, wild: Wild) -> bool {
        self.addrs.iter().any(|a| {
            a.key.vr == vr
                && match wild {
                    Wild::None => a.key.addr == *addr,
                    Wild::V4 => is_v4(&a.key.addr),
                    Wild::V6 => !is_v4(&a.key.addr),
                    Wild::Any => true,
                }
        })
    }
}

/// The binds of a network namespace that wait for the answer to their claim.
#[derive(Default)]
pub(crate) struct Claims {
    last: u32,
    /// Cookie, and the answer (0 or a positive errno) once it came.
    waiting: KVec<(u32, Option<u32>)>,
}

impl Claims {
    /// Registers a new claim; returns its cookie (never 0, not in use).
    pub(crate) fn add(&mut self) -> Result<u32> {
        let mut cookie = self.last;
        loop {
            cookie = cookie.wrapping_add(1);
            if cookie != 0 && !self.waiting.iter().any(|(c, _)| *c == cookie) {
                break;
            }
        }
        self.waiting.push((cookie, None), GFP_KERNEL)?;
        self.last = cookie;
        Ok(cookie)
    }

    /// Records the answer to claim `cookie`; false if no claim waits for one.
    pub(crate) fn answer(&mut self, cookie: u32, errno: u32) -> bool {
        match self
            .waiting
            .iter_mut()
            .find(|(c, a)| *c == cookie && a.is_none())
        {
            Some((_, answer)) => {
                *answer = Some(errno);
                true
            }
            None => false,
        }
    }

    /// Ends claim `cookie`: returns its answer, if it came.
    pub(crate) fn take(&mut self, cookie: u32) -> Option<u32> {
        let i = self.waiting.iter().position(|(c, _)| *c == cookie)?;
        let (_, answer) = self.waiting.remove(i).ok()?;
        answer
    }

    /// Whether claim `cookie` has its answer.
    pub(crate) fn answered(&self, cookie: u32) -> bool {
        self.waiting
            .iter()
            .any(|(c, a)| *c == cookie && a.is_some())
    }
}

#[cfg(CONFIG_VR_KUNIT_TEST)]
#[kunit_tests(vr_dhost)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    const D: Ipv6Addr = Ipv4Addr::new(10, 0, 0, 100).to_ipv6_mapped();
    const CLIENT: Ipv6Addr = Ipv4Addr::new(10, 0, 0, 2).to_ipv6_mapped();
    const D6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100);
    const CLIENT6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);

    fn addr(member: u32, lead: u32) -> Addr {
        Addr {
            key: AddrKey { vr: 0, addr: D },
            ifindex: 2,
            member,
            lead,
        }
    }

    fn port(proto: u8, port: u16, member: u32) -> Owner {
        range(proto, port, port, member)
    }

    fn range(proto: u8, port: u16, port_last: u16, member: u32) -> Owner {
        Owner {
            key: OwnerKey {
                addr: AddrKey { vr: 0, addr: D },
                proto,
                port,
                port_last,
                remote: Ipv6Addr::UNSPECIFIED,
                remote_port: 0,
            },
            member,
        }
    }

    fn pkt(proto: u8, lport: u16, l2_bcast: bool) -> Packet {
        Packet {
            vr: 0,
            local: D,
            remote: CLIENT,
            lport,
            rport: 40000,
            proto,
            l2_bcast,
        }
    }

    fn table(me: u32, lead: u32) -> Result<Table> {
        Table::default()
            .with_addr(addr(me, lead))?
            .with_owner(port(TCP, 80, 1))?
            .with_owner(port(TCP, 22, 2))?
            .with_owner(port(UDP, 53, 3))?
            .with_owner(range(TCP, 40000, 49999, 3))
            .map_err(Refusal::error)
    }

    #[test]
    fn lead_keeps_bridges_and_answers() -> Result {
        let t = table(1, 1)?;
        assert_eq!(t.verdict(&pkt(TCP, 80, false)), Verdict::Accept);
        assert_eq!(t.verdict(&pkt(TCP, 22, false)), Verdict::Bridge);
        assert_eq!(t.verdict(&pkt(UDP, 53, false)), Verdict::Bridge);
        assert_eq!(t.verdict(&pkt(TCP, 45000, false)), Verdict::Bridge);
        // Nobody owns it: the lead's stack answers (RST, port unreachable).
        assert_eq!(t.verdict(&pkt(TCP, 81, false)), Verdict::Pass);
        assert_eq!(t.verdict(&pkt(UDP, 80, false)), Verdict::Pass);
        assert_eq!(t.verdict(&pkt(1, 0, false)), Verdict::Pass);
        assert_eq!(t.verdict(&pkt(TCP, 22, true)), Verdict::Drop);
        Ok(())
    }

    #[test]
    fn member_is_silent_where_it_does_not_own() -> Result {
        let t = table(2, 1)?;
        assert_eq!(t.verdict(&pkt(TCP, 22, true)), Verdict::Accept);
        assert_eq!(t.verdict(&pkt(TCP, 22, false)), Verdict::Accept);
        assert_eq!(t.verdict(&pkt(TCP, 80, true)), Verdict::Drop);
        assert_eq!(t.verdict(&pkt(TCP, 81, true)), Verdict::Drop);
        assert_eq!(t.verdict(&pkt(1, 0, false)), Verdict::Drop);
        assert!(t.follower(AddrKey { vr: 0, addr: D }));
        assert!(!table(1, 1)?.follower(AddrKey { vr: 0, addr: D }));
        Ok(())
    }

    #[test]
    fn other_addresses_and_vrs_pass() -> Result {
        let t = table(2, 1)?;
        let mut p = pkt(TCP, 22, false);
        p.vr = 1;
        assert_eq!(t.verdict(&p), Verdict::Pass);
        p.vr = 0;
        p.local = CLIENT;
        assert_eq!(t.verdict(&p), Verdict::Pass);
        Ok(())
    }

    #[test]
    fn connection_beats_port_and_port_beats_range() -> Result {
        let mut conn = port(TCP, 80, 2);
        conn.key.remote = CLIENT;
        conn.key.remote_port = 40000;
        let t = table(2, 1)?
            .with_owner(conn)?
            .with_owner(port(TCP, 45000, 1))?;
        assert_eq!(t.verdict(&pkt(TCP, 80, true)), Verdict::Accept);
        let mut other = pkt(TCP, 80, true);
        other.rport = 40001;
        assert_eq!(t.verdict(&other), Verdict::Drop);
        assert_eq!(t.owner_of(&pkt(TCP, 45000, false)), Some(1));
        assert_eq!(t.owner_of(&pkt(TCP, 45001, false)), Some(3));
        Ok(())
    }

    #[test]
    fn which_binds_claim() -> Result {
        let t = table(2, 1)?;
        let any = Ipv6Addr::UNSPECIFIED;
        assert!(t.claims(0, &D, Wild::None));
        assert!(t.claims(0, &any, Wild::V4));
        assert!(t.claims(0, &any, Wild::Any));
        // An IPv6-only wildcard is not on the IPv4 address.
        assert!(!t.claims(0, &any, Wild::V6));
        assert!(!t.claims(0, &CLIENT, Wild::None));
        assert!(!t.claims(0, &any, Wild::None));
        assert!(!t.claims(1, &any, Wild::V4));
        assert!(!t.claims(1, &D, Wild::None));
        assert!(!Table::default().claims(0, &any, Wild::Any));
        Ok(())
    }

    #[test]
    fn wildcards_claim_by_family() -> Result {
        let mut a6 = addr(2, 1);
        a6.key = AddrKey { vr: 1, addr: D6 };
        let t = table(2, 1)?.with_addr(a6)?;
        let any = Ipv6Addr::UNSPECIFIED;
        assert!(t.claims(1, &any, Wild::V6));
        assert!(t.claims(1, &any, Wild::Any));
        assert!(!t.claims(1, &any, Wild::V4));
        assert!(t.claims(1, &D6, Wild::None));
        assert!(!t.claims(0, &D6, Wild::None));
        Ok(())
    }

    #[test]
    fn families_are_apart() -> Result {
        let mut a6 = addr(2, 1);
        a6.key.addr = D6;
        let mut p6 = port(TCP, 80, 2);
        p6.key.addr.addr = D6;
        let t = table(2, 1)?.with_addr(a6)?.with_owner(p6)?;
        // tcp 80 is member 1's on D and member 2's on D6.
        assert_eq!(t.verdict(&pkt(TCP, 80, true)), Verdict::Drop);
        let mut p = pkt(TCP, 80, true);
        p.local = D6;
        p.remote = CLIENT6;
        assert_eq!(t.verdict(&p), Verdict::Accept);
        // Nobody owns tcp 22 on D6.
        p.lport = 22;
        assert_eq!(t.verdict(&p), Verdict::Drop);
        Ok(())
    }

    #[test]
    fn claims_wait_for_their_own_answer() -> Result {
        let mut c = Claims::default();
        let a = c.add()?;
        let b = c.add()?;
        assert!(a != 0 && b != 0 && a != b);
        assert!(!c.answer(b + 1, 0));
        assert!(c.answer(b, 98));
        // One answer per claim.
        assert!(!c.answer(b, 0));
        assert!(c.answered(b) && !c.answered(a));
        assert_eq!(c.take(b), Some(98));
        assert_eq!(c.take(b), None);
        // A claim that timed out is gone: its late answer finds nothing.
        assert_eq!(c.take(a), None);
        assert!(!c.answer(a, 0));
        // Cookies skip 0 and those in use when they wrap around.
        c.last = u32::MAX - 1;
        let d = c.add()?;
        let e = c.add()?;
        assert_eq!((d, e), (u32::MAX, 1));
        Ok(())
    }

    #[test]
    fn changes_and_refusals() -> Result {
        let t = table(1, 1)?;
        let t = t.with_owner(port(TCP, 80, 2))?;
        assert_eq!(t.owner_of(&pkt(TCP, 80, false)), Some(2));
        assert_eq!(t.owners().count(), 4);
        let t = t.without_owner(port(TCP, 80, 0).key)?;
        assert_eq!(t.owner_of(&pkt(TCP, 80, false)), None);
        assert_eq!(
            t.without_owner(port(TCP, 80, 0).key).err(),
            Some(Refusal::NoEntry)
        );
        assert_eq!(t.with_owner(port(1, 80, 2)).err(), Some(Refusal::BadProto));
        assert_eq!(
            t.with_owner(range(TCP, 90, 80, 2)).err(),
            Some(Refusal::BadRange)
        );
        let mut conn = range(TCP, 80, 81, 2);
        conn.key.remote = CLIENT;
        conn.key.remote_port = 1;
        assert_eq!(t.with_owner(conn).err(), Some(Refusal::BadRemote));
        // The remote address is of the distributed address's family, and not 0.0.0.0.
        let mut conn = port(TCP, 80, 2);
        conn.key.remote = CLIENT6;
        conn.key.remote_port = 1;
        assert_eq!(t.with_owner(conn).err(), Some(Refusal::BadRemote));
        conn.key.remote = Ipv4Addr::UNSPECIFIED.to_ipv6_mapped();
        assert_eq!(t.with_owner(conn).err(), Some(Refusal::BadRemote));
        conn.key.remote = CLIENT;
        assert!(t.with_owner(conn).is_ok());
        let mut other = port(TCP, 80, 2);
        other.key.addr.addr = CLIENT;
        assert_eq!(t.with_owner(other).err(), Some(Refusal::NotDistributed));
        assert!(t.on_interface(2));
        assert!(!t.on_interface(3));
        let t = t.without_addr(AddrKey { vr: 0, addr: D })?;
        assert_eq!(t.owners().count(), 0);
        assert!(t.addrs().is_empty());
        assert!(!t.on_interface(2));
        Ok(())
    }
}
