// SPDX-License-Identifier: GPL-2.0-only

//! The distributed addresses of a network namespace and this kernel's copy of their ownership
//! database, with the per-packet decision.
//!
//! Addresses and port ranges are few: a writer builds a new table and publishes it whole.
//! Single ports and connections, up to `net.vr.dhost_max_entries` (at most [`OWNER_MAX`]), are
//! entries of an RCU hash table, each changed on its own. Packet handlers read both under RCU,
//! without a lock.

use core::{
    net::Ipv6Addr,
    ops::ControlFlow,
    sync::atomic::{AtomicU32, Ordering},
};
use kernel::{
    alloc::AllocError,
    net::{rcu_cell::RcuCell, rtnl, vr::Wild},
    new_mutex,
    prelude::*,
    rhashtable::{RhashMap, Walker},
    sync::{rcu, Arc, Mutex},
};

/// The most single ports and connections of a network namespace (`owner-max` in `vr.yaml`): the
/// limit of `net.vr.dhost_max_entries`, which may lower it.
pub(crate) const OWNER_MAX: usize = kernel::uapi::VR_OWNER_MAX as usize;
const _: () = assert!(OWNER_MAX == kernel::net::vr::DHOST_MAX_ENTRIES);
/// The most port ranges of a network namespace (`range-max` in `vr.yaml`).
const RANGE_MAX: usize = kernel::uapi::VR_RANGE_MAX as usize;

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
    Full,
    TooManyRanges,
    Busy,
    Repeated,
}

impl Refusal {
    /// The errno reported to user space.
    pub(crate) fn error(self) -> Error {
        match self {
            Refusal::NotDistributed | Refusal::NoEntry => ENOENT,
            Refusal::BadProto | Refusal::BadRange | Refusal::BadRemote | Refusal::Repeated => {
                EINVAL
            }
            Refusal::NoMemory => ENOMEM,
            Refusal::Full | Refusal::TooManyRanges => ENOSPC,
            Refusal::Busy => EBUSY,
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
            Refusal::Full => c"ownership table is full (net.vr.dhost_max_entries)",
            Refusal::TooManyRanges => c"too many port ranges",
            Refusal::Busy => c"ownership table is growing: try again",
            Refusal::Repeated => c"key given twice in the batch",
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

/// A change of an `owner-batch` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Set(Owner),
    Del(OwnerKey),
}

impl Change {
    fn key(&self) -> &OwnerKey {
        match self {
            Change::Set(o) => &o.key,
            Change::Del(k) => k,
        }
    }
}

/// How to undo a change of the map that a batch made, if a later one fails.
enum Undo {
    /// Give the entry back to this member.
    Moved(MapKey, u32),
    /// Remove the entry.
    Added(MapKey),
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

/// The distributed addresses and the port ranges, each sorted by key: few, changed by
/// configuration (`dhost-set`, `dhost-del`, slices), so copied whole on each change.
#[derive(Default)]
pub(crate) struct Table {
    addrs: KVec<Addr>,
    /// Port ranges (a few per member, e.g. the ephemeral slices), scanned in order.
    ranges: KVec<Owner>,
}

/// The table of a namespace without a distributed address.
static EMPTY: Table = Table {
    addrs: KVec::new(),
    ranges: KVec::new(),
};

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

    /// The port ranges, in key order.
    pub(crate) fn ranges(&self) -> &[Owner] {
        &self.ranges
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

    fn try_clone(&self) -> Result<Table, Refusal> {
        Ok(Table {
            addrs: copy(&self.addrs, |_| true)?,
            ranges: copy(&self.ranges, |_| true)?,
        })
    }

    /// A copy with `addr` added or changed.
    fn with_addr(&self, addr: Addr) -> Result<Table, Refusal> {
        Ok(Table {
            addrs: copy_with(&self.addrs, addr, |a| a.key)?,
            ranges: copy(&self.ranges, |_| true)?,
        })
    }

    /// A copy without the address and its ranges.
    fn without_addr(&self, key: AddrKey) -> Result<Table, Refusal> {
        self.addr(key).ok_or(Refusal::NotDistributed)?;
        Ok(Table {
            addrs: copy(&self.addrs, |a| a.key != key)?,
            ranges: copy(&self.ranges, |o| o.key.addr != key)?,
        })
    }

    /// A copy with the owner of range `owner.key` set.
    fn with_range(&self, owner: Owner) -> Result<Table, Refusal> {
        let mut t = self.try_clone()?;
        t.set_range(owner)?;
        Ok(t)
    }

    /// A copy without the range of `key`.
    fn without_range(&self, key: OwnerKey) -> Result<Table, Refusal> {
        let mut t = self.try_clone()?;
        t.del_range(key)?;
        Ok(t)
    }

    /// Sets the owner of range `owner.key` in this table (a copy), keeping key order.
    fn set_range(&mut self, owner: Owner) -> Result<(), Refusal> {
        match self.ranges.binary_search_by(|o| o.key.cmp(&owner.key)) {
            Ok(i) => {
                if let Some(o) = self.ranges.get_mut(i) {
                    o.member = owner.member;
                }
                Ok(())
            }
            Err(i) => {
                if self.ranges.len() >= RANGE_MAX {
                    return Err(Refusal::TooManyRanges);
                }
                self.ranges.reserve(1, GFP_KERNEL_ACCOUNT)?;
                self.ranges
                    .insert_within_capacity(i, owner)
                    .map_err(|_| Refusal::NoMemory)
            }
        }
    }

    /// Removes the range of `key` from this table (a copy).
    fn del_range(&mut self, key: OwnerKey) -> Result<(), Refusal> {
        let i = self
            .ranges
            .binary_search_by(|o| o.key.cmp(&key))
            .map_err(|_| Refusal::NoEntry)?;
        self.ranges.remove(i).map_err(|_| Refusal::NoEntry)?;
        Ok(())
    }

    /// The member owning `port` of `addr` by a range: the first range, in key order, that holds it.
    fn range_owner(&self, addr: AddrKey, proto: u8, port: u16) -> Option<u32> {
        self.ranges
            .iter()
            .find(|o| {
                o.key.addr == addr
                    && o.key.proto == proto
                    && (o.key.port..=o.key.port_last).contains(&port)
            })
            .map(|o| o.member)
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

/// The key of a single port or a connection in the map: VR and protocol, port and remote port,
/// the address, the remote address (`::` for a port). Ten words without padding, so equal keys
/// have equal bytes.
type MapKey = [u32; 10];

fn words(a: &Ipv6Addr) -> [u32; 4] {
    let o = a.octets();
    [0, 1, 2, 3].map(|i| u32::from_be_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]]))
}

fn addr_of(w: &[u32]) -> Ipv6Addr {
    let mut o = [0u8; 16];
    for (chunk, word) in o.chunks_exact_mut(4).zip(w) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Ipv6Addr::from(o)
}

impl OwnerKey {
    /// The map key of a single port or a connection (`port == port_last`).
    fn map_key(&self) -> MapKey {
        let a = words(&self.addr.addr);
        let r = words(&self.remote);
        [
            u32::from(self.addr.vr) << 16 | u32::from(self.proto),
            u32::from(self.port) << 16 | u32::from(self.remote_port),
            a[0],
            a[1],
            a[2],
            a[3],
            r[0],
            r[1],
            r[2],
            r[3],
        ]
    }

    fn from_map_key(k: &MapKey) -> OwnerKey {
        let port = (k[1] >> 16) as u16;
        OwnerKey {
            addr: map_key_addr(k),
            proto: (k[0] & 0xff) as u8,
            port,
            port_last: port,
            remote: addr_of(&k[6..10]),
            remote_port: (k[1] & 0xffff) as u16,
        }
    }
}

fn map_key_addr(k: &MapKey) -> AddrKey {
    AddrKey {
        vr: (k[0] >> 16) as u16,
        addr: addr_of(&k[2..6]),
    }
}

/// Single ports and connections: their owning member, changed in place.
type Map = RhashMap<MapKey, AtomicU32>;

/// The most buckets of a namespace's map: its table never refuses an entry below
/// [`OWNER_MAX`] (it holds up to twice as many entries as buckets), and chains stay short.
const MAP_BUCKETS_MAX: u32 = 1 << 19;

/// The distributed addresses of a network namespace and this kernel's copy of their ownership
/// database.
///
/// Packet handlers read it under RCU without a lock ([`Dhost::view`]). Writers serialise on
/// `writer`, which holds their copy of the table: a change of addresses or ranges publishes a
/// new table (copied whole); a change of a single port or a connection changes that entry of
/// the map only, in place when it moves between members. No writer waits for a grace period.
/// Addresses change only under the RTNL too (for the device checks), so RTNL holders read them
/// exactly; the lock order is RTNL, then `writer`.
#[pin_data]
pub(crate) struct Dhost {
    table: RcuCell<Table>,
    /// Counted: an `owner-get` dump's walk holds a reference.
    owners: Arc<Map>,
    #[pin]
    writer: Mutex<Table>,
}

impl Dhost {
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Dhost {
            table: RcuCell::new(),
            owners: Arc::pin_init(RhashMap::new(MAP_BUCKETS_MAX), GFP_KERNEL_ACCOUNT)?,
            writer <- new_mutex!(Table::default()),
        }? Error)
    }

    /// What readers see, during the read-side section of `guard`.
    pub(crate) fn view<'a>(&'a self, guard: &'a rcu::Guard) -> View<'a> {
        View {
            table: self.table.get(guard).unwrap_or(&EMPTY),
            owners: &self.owners,
            guard,
        }
    }

    /// Publishes `new` to the readers and keeps it as the writers' copy.
    fn publish(&self, copy: &mut Table, new: Table) -> Result<(), Refusal> {
        self.table
            .replace(Some(new.try_clone()?), GFP_KERNEL_ACCOUNT)?;
        *copy = new;
        Ok(())
    }

    /// Adds or changes a distributed address; returns whether this kernel was its lead before.
    pub(crate) fn set_addr(&self, _rtnl: &rtnl::Guard, addr: Addr) -> Result<bool, Refusal> {
        let mut w = self.writer.lock();
        let was_lead = w.addr(addr.key).is_some_and(Addr::is_lead);
        let new = w.with_addr(addr)?;
        self.publish(&mut *w, new)?;
        Ok(was_lead)
    }

    /// Removes a distributed address and its ownership entries. The RTNL is released before
    /// the entries go (one walk of the map), the writer lock only after.
    pub(crate) fn del_addr(&self, rtnl: rtnl::Guard, key: AddrKey) -> Result<(), Refusal> {
        let mut w = self.writer.lock();
        let new = w.without_addr(key)?;
        // Its packets pass from now on; then its ports and connections go.
        self.publish(&mut *w, new)?;
        drop(rtnl);
        self.owners.retain(|k, _| map_key_addr(k) != key);
        Ok(())
    }

    /// Sets the owner of a port, a range or a connection of a distributed address; the map may
    /// hold up to `max` entries (`net.vr.dhost_max_entries`), or [`OWNER_MAX`] if fewer.
    pub(crate) fn set_owner(&self, owner: Owner, max: usize) -> Result<(), Refusal> {
        owner.key.check()?;
        let mut w = self.writer.lock();
        w.addr(owner.key.addr).ok_or(Refusal::NotDistributed)?;
        if owner.key.is_range() {
            let new = w.with_range(owner)?;
            return self.publish(&mut *w, new);
        }
        let key = owner.key.map_key();
        {
            let guard = rcu::read_lock();
            if let Some(member) = self.owners.get(&key, &guard) {
                // A move: the entry never goes missing on the way.
                member.store(owner.member, Ordering::Relaxed);
                return Ok(());
            }
        }
        if self.entries() >= max.min(OWNER_MAX) {
            return Err(Refusal::Full);
        }
        self.insert(key, owner.member)
    }

    /// Removes the entry of `key`.
    pub(crate) fn del_owner(&self, key: OwnerKey) -> Result<(), Refusal> {
        key.check()?;
        let mut w = self.writer.lock();
        if key.is_range() {
            let new = w.without_range(key)?;
            return self.publish(&mut *w, new);
        }
        if self.owners.remove(&key.map_key()) {
            Ok(())
        } else {
            Err(Refusal::NoEntry)
        }
    }

    /// Applies `changes` all or nothing; a refusal comes with the index of the change at fault,
    /// if one is. Ranges change at once (one new table); readers may see the ports and
    /// connections change one by one: first the set ones, then the deleted ones, so that only
    /// inserts, which come first, can fail. `missing_ok`: a deletion of a key that has no entry
    /// is skipped. `max`: as in [`Dhost::set_owner`].
    pub(crate) fn apply(
        &self,
        changes: &[Change],
        missing_ok: bool,
        max: usize,
    ) -> Result<(), (Option<usize>, Refusal)> {
        let at = |i: usize| move |r: Refusal| (Some(i), r);
        for (i, c) in changes.iter().enumerate() {
            c.key().check().map_err(at(i))?;
        }
        let none = |r: Refusal| (None, r);
        // A key twice: its place in the batch would decide, so refuse it.
        let mut order =
            KVVec::with_capacity(changes.len(), GFP_KERNEL).map_err(|_| none(Refusal::NoMemory))?;
        for i in 0..changes.len() {
            order
                .push_within_capacity(i)
                .map_err(|_| none(Refusal::NoMemory))?;
        }
        order.sort_unstable_by(|a, b| changes[*a].key().cmp(changes[*b].key()).then(a.cmp(b)));
        if let Some(w) = order
            .windows(2)
            .find(|w| changes[w[0]].key() == changes[w[1]].key())
        {
            return Err((Some(w[1]), Refusal::Repeated));
        }
        let mut undo =
            KVVec::with_capacity(changes.len(), GFP_KERNEL).map_err(|_| none(Refusal::NoMemory))?;
        let mut w = self.writer.lock();
        let mut ranges: Option<Table> = None;
        let mut added = 0usize;
        let mut removed = 0usize;
        {
            let guard = rcu::read_lock();
            for (i, c) in changes.iter().enumerate() {
                let key = c.key();
                if w.addr(key.addr).is_none() {
                    // Such a key has no entry (`del_addr` removed them).
                    if missing_ok && matches!(c, Change::Del(_)) {
                        continue;
                    }
                    return Err((Some(i), Refusal::NotDistributed));
                }
                if key.is_range() {
                    continue;
                }
                let present = self.owners.get(&key.map_key(), &guard).is_some();
                match c {
                    Change::Set(_) if !present => added += 1,
                    Change::Del(_) if present => removed += 1,
                    Change::Del(_) if !missing_ok => return Err((Some(i), Refusal::NoEntry)),
                    _ => (),
                }
            }
        }
        let after = self.entries().saturating_add(added) - removed.min(self.entries());
        if added > removed && after > max.min(OWNER_MAX) {
            return Err((None, Refusal::Full));
        }
        for (i, c) in changes.iter().enumerate() {
            if !c.key().is_range() {
                continue;
            }
            if ranges.is_none() {
                ranges = Some(w.try_clone().map_err(none)?);
            }
            let Some(t) = ranges.as_mut() else {
                continue;
            };
            match c {
                Change::Set(o) => t.set_range(*o),
                Change::Del(k) => match t.del_range(*k) {
                    Err(Refusal::NoEntry) if missing_ok => Ok(()),
                    r => r,
                },
            }
            .map_err(at(i))?;
        }
        // The sets, undone if one fails.
        for (i, c) in changes.iter().enumerate() {
            let Change::Set(o) = c else {
                continue;
            };
            if o.key.is_range() {
                continue;
            }
            if let Err(r) = self.set_entry(o, &mut undo) {
                self.undo(&undo);
                return Err((Some(i), r));
            }
        }
        if let Some(new) = ranges {
            if let Err(r) = self.publish(&mut *w, new) {
                self.undo(&undo);
                return Err((None, r));
            }
        }
        for c in changes {
            if let Change::Del(k) = c {
                if !k.is_range() {
                    self.owners.remove(&k.map_key());
                }
            }
        }
        Ok(())
    }

    /// Sets the map entry of `o` (a single port or a connection), noting how to undo it in
    /// `undo`, which has room for it.
    fn set_entry(&self, o: &Owner, undo: &mut KVVec<Undo>) -> Result<(), Refusal> {
        let key = o.key.map_key();
        {
            let guard = rcu::read_lock();
            if let Some(member) = self.owners.get(&key, &guard) {
                let old = member.swap(o.member, Ordering::Relaxed);
                undo.push_within_capacity(Undo::Moved(key, old))
                    .map_err(|_| Refusal::NoMemory)?;
                return Ok(());
            }
        }
        self.insert(key, o.member)?;
        undo.push_within_capacity(Undo::Added(key))
            .map_err(|_| Refusal::NoMemory)
    }

    /// Undoes the changes of the map in `undo`, the last first.
    fn undo(&self, undo: &[Undo]) {
        for u in undo.iter().rev() {
            match u {
                Undo::Moved(key, old) => {
                    let guard = rcu::read_lock();
                    if let Some(member) = self.owners.get(key, &guard) {
                        member.store(*old, Ordering::Relaxed);
                    }
                }
                Undo::Added(key) => {
                    self.owners.remove(key);
                }
            }
        }
    }

    /// Inserts a map entry that is not there (the writer lock is held).
    fn insert(&self, key: MapKey, member: u32) -> Result<(), Refusal> {
        // The writer lock excludes another insert of the key: no EEXIST. EBUSY: the table is
        // due to grow and cannot take more until it has.
        self.owners
            .insert(key, AtomicU32::new(member), GFP_KERNEL_ACCOUNT)
            .map_err(|e| match e {
                e if e == ENOMEM => Refusal::NoMemory,
                e if e == E2BIG => Refusal::Full,
                _ => Refusal::Busy,
            })
    }

    /// How many single ports and connections the map holds.
    pub(crate) fn entries(&self) -> usize {
        self.owners.len()
    }

    /// A walk of the single ports and connections, lasting across the calls of a dump.
    pub(crate) fn owners_walk(&self) -> Result<OwnersWalk> {
        Ok(OwnersWalk(self.owners.walker(GFP_KERNEL)?))
    }
}

/// A walk of a namespace's single ports and connections (for `owner-get`).
pub(crate) struct OwnersWalk(Walker<MapKey, AtomicU32>);

impl OwnersWalk {
    /// Calls `f` on the next entries until it fails, and returns its error; the entry it failed
    /// on comes first in the next call. `Ok` once the walk is over. `f` runs under RCU and must
    /// not sleep. After a resize of the table the walk starts over: an entry may come twice.
    pub(crate) fn walk(&mut self, mut f: impl FnMut(&Owner) -> Result) -> Result {
        let mut res = Ok(());
        self.0.walk(|k, m| {
            let o = Owner {
                key: OwnerKey::from_map_key(k),
                member: m.load(Ordering::Relaxed),
            };
            match f(&o) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    res = Err(e);
                    ControlFlow::Break(())
                }
            }
        });
        res
    }
}

/// The table and the map as a reader sees them, during an RCU read-side section.
pub(crate) struct View<'a> {
    table: &'a Table,
    owners: &'a Map,
    guard: &'a rcu::Guard,
}

impl<'a> View<'a> {
    /// The addresses and ranges.
    pub(crate) fn table(&self) -> &'a Table {
        self.table
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
            if self.owners.is_empty() {
                return None;
            }
            self.owners
                .get(&key.map_key(), self.guard)
                .map(|m| m.load(Ordering::Relaxed))
        };
        if let Some(m) = find(&key) {
            return Some(m);
        }
        key.remote = Ipv6Addr::UNSPECIFIED;
        key.remote_port = 0;
        find(&key).or_else(|| self.table.range_owner(addr, pkt.proto, pkt.lport))
    }

    /// The fate of an incoming packet.
    ///
    /// The lead alone answers for the host as a whole (ICMP, and TCP/UDP that nobody owns, so
    /// the RST or port unreachable comes once, from it) and bridges what another member owns;
    /// every other member delivers only what it owns and stays silent otherwise.
    pub(crate) fn verdict(&self, pkt: &Packet) -> Verdict {
        let Some(addr) = self.table.addr(AddrKey {
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

    fn port_entry(p: u16, member: u32) -> Change {
        Change::Set(port(TCP, p, member))
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

    /// A namespace's state: address D, served as member `me` with lead `lead`, and four
    /// entries: tcp 80 (member 1), tcp 22 (2), udp 53 (3), tcp 40000-49999 (3).
    fn table(me: u32, lead: u32) -> Result<Pin<KBox<Dhost>>> {
        let d = KBox::pin_init(Dhost::new(), GFP_KERNEL)?;
        d.set_addr(&rtnl::lock(), addr(me, lead))?;
        for o in [
            port(TCP, 80, 1),
            port(TCP, 22, 2),
            port(UDP, 53, 3),
            range(TCP, 40000, 49999, 3),
        ] {
            d.set_owner(o, OWNER_MAX)?;
        }
        Ok(d)
    }

    fn verdict(d: &Dhost, p: &Packet) -> Verdict {
        d.view(&rcu::read_lock()).verdict(p)
    }

    fn owner_of(d: &Dhost, p: &Packet) -> Option<u32> {
        d.view(&rcu::read_lock()).owner_of(p)
    }

    /// Every entry, as `owner-get` dumps them: ranges, then the walk of the map.
    fn all(d: &Dhost) -> Result<KVec<Owner>> {
        // The callbacks run under RCU: no allocation there.
        let mut v = KVec::with_capacity(64, GFP_KERNEL)?;
        for o in d.view(&rcu::read_lock()).table().ranges() {
            v.push_within_capacity(*o).map_err(|_| ENOMEM)?;
        }
        d.owners_walk()?
            .walk(|o| v.push_within_capacity(*o).map_err(|_| ENOMEM))?;
        Ok(v)
    }

    fn count(d: &Dhost) -> usize {
        all(d).map_or(usize::MAX, |v| v.len())
    }

    #[test]
    fn lead_keeps_bridges_and_answers() -> Result {
        let t = table(1, 1)?;
        assert_eq!(verdict(&t, &pkt(TCP, 80, false)), Verdict::Accept);
        assert_eq!(verdict(&t, &pkt(TCP, 22, false)), Verdict::Bridge);
        assert_eq!(verdict(&t, &pkt(UDP, 53, false)), Verdict::Bridge);
        assert_eq!(verdict(&t, &pkt(TCP, 45000, false)), Verdict::Bridge);
        // Nobody owns it: the lead's stack answers (RST, port unreachable).
        assert_eq!(verdict(&t, &pkt(TCP, 81, false)), Verdict::Pass);
        assert_eq!(verdict(&t, &pkt(UDP, 80, false)), Verdict::Pass);
        assert_eq!(verdict(&t, &pkt(1, 0, false)), Verdict::Pass);
        assert_eq!(verdict(&t, &pkt(TCP, 22, true)), Verdict::Drop);
        Ok(())
    }

    #[test]
    fn member_is_silent_where_it_does_not_own() -> Result {
        let t = table(2, 1)?;
        assert_eq!(verdict(&t, &pkt(TCP, 22, true)), Verdict::Accept);
        assert_eq!(verdict(&t, &pkt(TCP, 22, false)), Verdict::Accept);
        assert_eq!(verdict(&t, &pkt(TCP, 80, true)), Verdict::Drop);
        assert_eq!(verdict(&t, &pkt(TCP, 81, true)), Verdict::Drop);
        assert_eq!(verdict(&t, &pkt(1, 0, false)), Verdict::Drop);
        let key = AddrKey { vr: 0, addr: D };
        assert!(t.view(&rcu::read_lock()).table().follower(key));
        assert!(!table(1, 1)?.view(&rcu::read_lock()).table().follower(key));
        Ok(())
    }

    #[test]
    fn other_addresses_and_vrs_pass() -> Result {
        let t = table(2, 1)?;
        let mut p = pkt(TCP, 22, false);
        p.vr = 1;
        assert_eq!(verdict(&t, &p), Verdict::Pass);
        p.vr = 0;
        p.local = CLIENT;
        assert_eq!(verdict(&t, &p), Verdict::Pass);
        Ok(())
    }

    #[test]
    fn connection_beats_port_and_port_beats_range() -> Result {
        let mut conn = port(TCP, 80, 2);
        conn.key.remote = CLIENT;
        conn.key.remote_port = 40000;
        let t = table(2, 1)?;
        t.set_owner(conn, OWNER_MAX)?;
        t.set_owner(port(TCP, 45000, 1), OWNER_MAX)?;
        assert_eq!(verdict(&t, &pkt(TCP, 80, true)), Verdict::Accept);
        let mut other = pkt(TCP, 80, true);
        other.rport = 40001;
        assert_eq!(verdict(&t, &other), Verdict::Drop);
        assert_eq!(owner_of(&t, &pkt(TCP, 45000, false)), Some(1));
        assert_eq!(owner_of(&t, &pkt(TCP, 45001, false)), Some(3));
        Ok(())
    }

    #[test]
    fn which_binds_claim() -> Result {
        let d = table(2, 1)?;
        let guard = rcu::read_lock();
        let t = d.view(&guard).table();
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
        let d = table(2, 1)?;
        d.set_addr(&rtnl::lock(), a6)?;
        let guard = rcu::read_lock();
        let t = d.view(&guard).table();
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
        let t = table(2, 1)?;
        t.set_addr(&rtnl::lock(), a6)?;
        t.set_owner(p6, OWNER_MAX)?;
        // tcp 80 is member 1's on D and member 2's on D6.
        assert_eq!(verdict(&t, &pkt(TCP, 80, true)), Verdict::Drop);
        let mut p = pkt(TCP, 80, true);
        p.local = D6;
        p.remote = CLIENT6;
        assert_eq!(verdict(&t, &p), Verdict::Accept);
        // Nobody owns tcp 22 on D6.
        p.lport = 22;
        assert_eq!(verdict(&t, &p), Verdict::Drop);
        Ok(())
    }

    #[test]
    fn map_keys_round_trip() {
        let mut conn = port(UDP, 65535, 2).key;
        conn.addr = AddrKey {
            vr: 65535,
            addr: D6,
        };
        conn.remote = CLIENT6;
        conn.remote_port = 1;
        for k in [port(TCP, 80, 1).key, conn] {
            assert_eq!(OwnerKey::from_map_key(&k.map_key()), k);
        }
        // A port and a connection on it are different keys.
        assert!(conn.map_key() != port(UDP, 65535, 2).key.map_key());
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
        assert_eq!(count(&t), 4);
        // A move changes the entry in place.
        t.set_owner(port(TCP, 80, 2), OWNER_MAX)?;
        assert_eq!(owner_of(&t, &pkt(TCP, 80, false)), Some(2));
        assert_eq!(t.entries(), 3);
        assert_eq!(count(&t), 4);
        t.del_owner(port(TCP, 80, 0).key)?;
        assert_eq!(owner_of(&t, &pkt(TCP, 80, false)), None);
        assert_eq!(t.del_owner(port(TCP, 80, 0).key), Err(Refusal::NoEntry));
        // Ranges too.
        t.del_owner(range(TCP, 40000, 49999, 0).key)?;
        assert_eq!(owner_of(&t, &pkt(TCP, 45000, false)), None);
        assert_eq!(
            t.del_owner(range(TCP, 40000, 49999, 0).key),
            Err(Refusal::NoEntry)
        );
        assert_eq!(
            t.set_owner(port(1, 80, 2), OWNER_MAX),
            Err(Refusal::BadProto)
        );
        assert_eq!(
            t.set_owner(range(TCP, 90, 80, 2), OWNER_MAX),
            Err(Refusal::BadRange)
        );
        let mut conn = range(TCP, 80, 81, 2);
        conn.key.remote = CLIENT;
        conn.key.remote_port = 1;
        assert_eq!(t.set_owner(conn, OWNER_MAX), Err(Refusal::BadRemote));
        // The remote address is of the distributed address's family, and not 0.0.0.0.
        let mut conn = port(TCP, 80, 2);
        conn.key.remote = CLIENT6;
        conn.key.remote_port = 1;
        assert_eq!(t.set_owner(conn, OWNER_MAX), Err(Refusal::BadRemote));
        conn.key.remote = Ipv4Addr::UNSPECIFIED.to_ipv6_mapped();
        assert_eq!(t.set_owner(conn, OWNER_MAX), Err(Refusal::BadRemote));
        conn.key.remote = CLIENT;
        assert!(t.set_owner(conn, OWNER_MAX).is_ok());
        let mut other = port(TCP, 80, 2);
        other.key.addr.addr = CLIENT;
        assert_eq!(t.set_owner(other, OWNER_MAX), Err(Refusal::NotDistributed));
        {
            let guard = rcu::read_lock();
            assert!(t.view(&guard).table().on_interface(2));
            assert!(!t.view(&guard).table().on_interface(3));
        }
        // Another address's entries stay when D goes.
        let mut a6 = addr(1, 1);
        a6.key.addr = D6;
        t.set_addr(&rtnl::lock(), a6)?;
        let mut p6 = port(TCP, 80, 2);
        p6.key.addr.addr = D6;
        t.set_owner(p6, OWNER_MAX)?;
        assert_eq!(
            t.del_addr(rtnl::lock(), AddrKey { vr: 1, addr: D }),
            Err(Refusal::NotDistributed)
        );
        t.del_addr(rtnl::lock(), AddrKey { vr: 0, addr: D })?;
        assert_eq!(count(&t), 1);
        assert_eq!(t.entries(), 1);
        let mut p = pkt(TCP, 80, false);
        p.local = D6;
        assert_eq!(owner_of(&t, &p), Some(2));
        t.del_addr(rtnl::lock(), AddrKey { vr: 0, addr: D6 })?;
        assert_eq!(count(&t), 0);
        let guard = rcu::read_lock();
        assert!(t.view(&guard).table().addrs().is_empty());
        assert!(!t.view(&guard).table().on_interface(2));
        Ok(())
    }

    #[test]
    fn the_cap_counts_single_entries_and_lowering_it_keeps_them() -> Result {
        let t = table(1, 1)?;
        assert_eq!(t.entries(), 3);
        // At the cap: no new entry, but moves and ranges.
        assert_eq!(t.set_owner(port(TCP, 81, 1), 3), Err(Refusal::Full));
        t.set_owner(port(TCP, 80, 2), 3)?;
        t.set_owner(range(UDP, 100, 199, 2), 3)?;
        assert_eq!(
            t.apply(&[port_entry(81, 1)], false, 3),
            Err((None, Refusal::Full))
        );
        // A batch may reach the cap exactly.
        t.apply(&[port_entry(81, 1)], false, 4)
            .map_err(|(_, r)| Error::from(r))?;
        assert_eq!(t.entries(), 4);
        // A cap lowered below the entries keeps them; a batch that does not grow the map
        // passes, one that does is refused whole.
        assert_eq!(t.set_owner(port(TCP, 82, 1), 2), Err(Refusal::Full));
        t.apply(
            &[port_entry(82, 1), Change::Del(port(TCP, 81, 0).key)],
            false,
            2,
        )
        .map_err(|(_, r)| Error::from(r))?;
        assert_eq!(
            t.apply(
                &[
                    port_entry(83, 1),
                    port_entry(84, 1),
                    Change::Del(port(TCP, 82, 0).key)
                ],
                false,
                4,
            ),
            Err((None, Refusal::Full))
        );
        assert_eq!(t.entries(), 4);
        assert_eq!(owner_of(&t, &pkt(TCP, 82, false)), Some(1));
        assert_eq!(owner_of(&t, &pkt(TCP, 83, false)), None);
        Ok(())
    }

    #[test]
    fn batches_are_all_or_nothing() -> Result {
        let t = table(1, 1)?;
        let before = all(&t)?;
        let p = |port: u16, m: u32| port_entry(port, m);
        // A bad key, an address that is not distributed, a key twice, a del of nothing: the
        // index of the change at fault, nothing changed.
        let mut other = port(TCP, 81, 2);
        other.key.addr.addr = CLIENT;
        let cases: [(&[Change], Option<usize>, Refusal); 4] = [
            (
                &[p(81, 2), Change::Set(port(1, 82, 2))],
                Some(1),
                Refusal::BadProto,
            ),
            (
                &[p(81, 2), Change::Set(other)],
                Some(1),
                Refusal::NotDistributed,
            ),
            (
                &[p(81, 2), p(82, 2), Change::Del(port(TCP, 81, 0).key)],
                Some(2),
                Refusal::Repeated,
            ),
            (
                &[p(81, 2), Change::Del(port(TCP, 83, 0).key)],
                Some(1),
                Refusal::NoEntry,
            ),
        ];
        for (changes, at, why) in cases {
            assert_eq!(t.apply(changes, false, OWNER_MAX), Err((at, why)));
            assert_eq!(all(&t)?, before);
        }
        // With missing-ok, a del of an address that is not distributed is one of no entry.
        assert_eq!(
            t.apply(&[Change::Del(other.key)], false, OWNER_MAX),
            Err((Some(0), Refusal::NotDistributed))
        );
        assert_eq!(t.apply(&[Change::Del(other.key)], true, OWNER_MAX), Ok(()));
        assert_eq!(all(&t)?, before);
        // A set, a move, a range and a del together; missing-ok skips the absent key.
        t.apply(
            &[
                p(81, 2),
                p(80, 3),
                Change::Set(range(UDP, 100, 199, 2)),
                Change::Del(port(TCP, 22, 0).key),
                Change::Del(port(TCP, 83, 0).key),
                Change::Del(range(TCP, 40000, 49999, 0).key),
            ],
            true,
            OWNER_MAX,
        )
        .map_err(|(_, r)| Error::from(r))?;
        assert_eq!(owner_of(&t, &pkt(TCP, 81, false)), Some(2));
        assert_eq!(owner_of(&t, &pkt(TCP, 80, false)), Some(3));
        assert_eq!(owner_of(&t, &pkt(UDP, 150, false)), Some(2));
        assert_eq!(owner_of(&t, &pkt(TCP, 22, false)), None);
        assert_eq!(owner_of(&t, &pkt(TCP, 45000, false)), None);
        assert_eq!(count(&t), 4);
        // A refused range: the sets before it in the batch are not made either. The writers'
        // copy of the table is filled up to the cap directly (no copy per range).
        {
            let mut w = t.writer.lock();
            for i in 0..(RANGE_MAX - w.ranges.len()) as u16 {
                w.ranges
                    .push(range(UDP, 1000 + i * 4, 1001 + i * 4, 2), GFP_KERNEL)?;
            }
        }
        assert_eq!(
            t.apply(
                &[p(80, 1), p(90, 1), Change::Set(range(UDP, 200, 299, 2))],
                false,
                OWNER_MAX
            ),
            Err((Some(2), Refusal::TooManyRanges))
        );
        assert_eq!(owner_of(&t, &pkt(TCP, 80, false)), Some(3));
        assert_eq!(owner_of(&t, &pkt(TCP, 90, false)), None);
        // An existing range changes owner within the cap.
        t.apply(&[Change::Set(range(UDP, 100, 199, 3))], false, OWNER_MAX)
            .map_err(|(_, r)| Error::from(r))?;
        assert_eq!(owner_of(&t, &pkt(UDP, 150, false)), Some(3));
        Ok(())
    }

    #[test]
    fn a_dump_goes_on_where_its_message_was_full() -> Result {
        let t = table(1, 1)?;
        let first = all(&t)?;
        assert_eq!(first.len(), 4);
        // Ranges first.
        assert_eq!(first[0], range(TCP, 40000, 49999, 3));
        let mut got = KVec::with_capacity(4, GFP_KERNEL)?;
        for o in t.view(&rcu::read_lock()).table().ranges() {
            got.push_within_capacity(*o).map_err(|_| ENOMEM)?;
        }
        let mut walk = t.owners_walk()?;
        // A full message at the second port: the next call starts with it.
        let mut n = 0;
        let full = walk.walk(|o| {
            n += 1;
            if n == 2 {
                return Err(EMSGSIZE);
            }
            got.push_within_capacity(*o).map_err(|_| ENOMEM)
        });
        assert_eq!(full, Err(EMSGSIZE));
        walk.walk(|o| got.push_within_capacity(*o).map_err(|_| ENOMEM))?;
        assert_eq!(&got[..], &first[..]);
        Ok(())
    }

    #[test]
    fn range_cap() -> Result {
        // A full table, built without a copy per range.
        let mut t = Table::default();
        t.addrs.push(addr(1, 1), GFP_KERNEL)?;
        for i in 0..RANGE_MAX as u16 {
            t.ranges.push(range(UDP, i * 2, i * 2 + 1, 2), GFP_KERNEL)?;
        }
        assert_eq!(
            t.with_range(range(UDP, 1, 1000, 2)).err(),
            Some(Refusal::TooManyRanges)
        );
        // Changing the owner of an existing range is no new range.
        assert!(t.with_range(range(UDP, 2, 3, 3)).is_ok());
        Ok(())
    }
}
