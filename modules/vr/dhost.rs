// SPDX-License-Identifier: GPL-2.0-only

//! Distributed IP host: the netlink commands that set up distributed addresses and program
//! this kernel's copy of the ownership database, and the per-packet hooks of the IPv4 stack
//! (`include/net/vr.h`), which read the table under RCU.

use crate::{
    dhost_table::{
        is_v4, Addr, AddrKey, Change, Owner, OwnerKey, OwnersWalk, Packet, Refusal, Verdict,
    },
    family, hold, vr_net, VrNet, VR_NET, VR_NLGRP_DHOST,
};
use core::net::{Ipv4Addr, Ipv6Addr};
use kernel::uapi::{
    vr_sock_event_VR_SOCK_EVENT_ACCEPT as VR_SOCK_EVENT_ACCEPT,
    vr_sock_event_VR_SOCK_EVENT_BIND as VR_SOCK_EVENT_BIND,
    vr_sock_event_VR_SOCK_EVENT_CLOSE as VR_SOCK_EVENT_CLOSE,
    vr_sock_event_VR_SOCK_EVENT_CONNECT as VR_SOCK_EVENT_CONNECT,
    vr_sock_event_VR_SOCK_EVENT_LISTEN as VR_SOCK_EVENT_LISTEN, VR_A_DHOST_ADDR, VR_A_DHOST_ADDR6,
    VR_A_DHOST_IFINDEX, VR_A_DHOST_LEAD, VR_A_DHOST_MEMBER, VR_A_DHOST_VR, VR_A_OWNER_ADDR,
    VR_A_OWNER_ADDR6, VR_A_OWNER_BATCH_DEL, VR_A_OWNER_BATCH_MISSING_OK, VR_A_OWNER_BATCH_SET,
    VR_A_OWNER_MEMBER, VR_A_OWNER_PORT, VR_A_OWNER_PORT_LAST, VR_A_OWNER_PROTO, VR_A_OWNER_REMOTE,
    VR_A_OWNER_REMOTE6, VR_A_OWNER_REMOTE_PORT, VR_A_OWNER_VR, VR_A_SOCK_ADDR, VR_A_SOCK_ADDR6,
    VR_A_SOCK_COOKIE, VR_A_SOCK_ERRNO, VR_A_SOCK_EVENT, VR_A_SOCK_PORT, VR_A_SOCK_PROTO,
    VR_A_SOCK_REMOTE, VR_A_SOCK_REMOTE6, VR_A_SOCK_REMOTE_PORT, VR_A_SOCK_VR, VR_CMD_DHOST_GET,
    VR_CMD_OWNER_GET, VR_CMD_SOCK_NTF,
};
use kernel::{
    alloc::Flags,
    net::{
        genetlink::{Attr, Dump, Info, Message, Writer},
        namespace::{Net, NetRef},
        rtnl,
        vr::{self as stack, AddrState, SockEvent, SockKey, Wild},
    },
    prelude::*,
    sync::{rcu, CondVarTimeoutResult},
    time::msecs_to_jiffies,
};

/// The most entries of an `owner-batch` request (`batch-max` in `vr.yaml`).
const BATCH_MAX: usize = kernel::uapi::VR_BATCH_MAX as usize;

/// How long a bind waits for the ownership daemon's answer to its claim.
const CLAIM_WAIT_MS: u32 = 5000;

fn refuse(info: &Info<'_>, refusal: Refusal) -> Error {
    info.set_err_msg(refusal.message());
    refusal.error()
}

/// Where the attributes of a request's object are: the request itself, or one entry nest of an
/// `owner-batch` request, to which the extended ack then points.
#[derive(Clone, Copy)]
struct Src<'a, 'b> {
    info: &'b Info<'a>,
    nest: Option<Attr<'a>>,
}

impl<'a, 'b> Src<'a, 'b> {
    fn request(info: &'b Info<'a>) -> Self {
        Src { info, nest: None }
    }

    fn attr(&self, kind: u32) -> Option<Attr<'a>> {
        match self.nest {
            None => self.info.attr(kind),
            Some(n) => n.nested_attr(kind),
        }
    }

    fn required(&self, kind: u32, msg: &'static CStr) -> Result<Attr<'a>> {
        match self.nest {
            None => self.info.required_attr(kind, msg),
            Some(n) => self.info.required_nested(n, kind, msg),
        }
    }

    /// Reports `msg` about `attr`, else about the entry, else about the request.
    fn report(&self, attr: Option<Attr<'a>>, msg: &'static CStr) {
        match attr.or(self.nest) {
            Some(a) => self.info.set_err_msg_attr(a, msg),
            None => self.info.set_err_msg(msg),
        }
    }
}

fn opt_u32(s: &Src<'_, '_>, kind: u32) -> Result<Option<u32>> {
    s.attr(kind).map(|a| a.u32()).transpose()
}

fn required_u32(s: &Src<'_, '_>, kind: u32, msg: &'static CStr) -> Result<u32> {
    s.required(kind, msg)?.u32()
}

/// A 16-bit value of a request (the policy checked the range already).
fn to_u16(s: &Src<'_, '_>, kind: u32, value: u32) -> Result<u16> {
    u16::try_from(value).map_err(|_| {
        s.report(s.attr(kind), c"value out of range");
        ERANGE
    })
}

/// An IPv4 address attribute (the bits of its `__be32`), as the table keeps it: IPv4-mapped.
fn mapped(bits: u32) -> Ipv6Addr {
    Ipv4Addr::from(bits.to_ne_bytes()).to_ipv6_mapped()
}

/// The address of a request, from the IPv4 attribute `v4` (kept IPv4-mapped) or the IPv6
/// attribute `v6`, not both; `None` if neither came.
fn addr_attr(s: &Src<'_, '_>, v4: u32, v6: u32) -> Result<Option<Ipv6Addr>> {
    match (s.attr(v4), s.attr(v6)) {
        (Some(_), Some(a)) => {
            s.report(Some(a), c"give an IPv4 or an IPv6 address, not both");
            Err(EINVAL)
        }
        (Some(a), None) => Ok(Some(mapped(a.u32()?))),
        (None, Some(a)) => {
            let addr = Ipv6Addr::from(a.array::<16>()?);
            if is_v4(&addr) {
                s.report(
                    Some(a),
                    c"an IPv4-mapped address: give it as an IPv4 address",
                );
                return Err(EINVAL);
            }
            Ok(Some(addr))
        }
        (None, None) => Ok(None),
    }
}

fn required_addr(s: &Src<'_, '_>, v4: u32, v6: u32) -> Result<Ipv6Addr> {
    addr_attr(s, v4, v6)?.ok_or_else(|| {
        s.report(None, c"address missing");
        EINVAL
    })
}

/// Whether an IPv6 address can be distributed: a global or unique-local unicast one (not
/// multicast, unspecified, loopback or link-local, which belong to one interface).
fn distributable(addr: &Ipv6Addr) -> bool {
    is_v4(addr)
        || !(addr.is_multicast()
            || addr.is_unspecified()
            || addr.is_loopback()
            || addr.segments()[0] & 0xffc0 == 0xfe80)
}

/// Appends `addr` as the IPv4 attribute `v4` or, for an IPv6 address, as `v6`.
fn put_addr(w: &mut Writer<'_>, v4: u32, v6: u32, addr: &Ipv6Addr) -> Result {
    match addr.to_ipv4_mapped() {
        Some(a) => w.put_u32(v4, u32::from_ne_bytes(a.octets())),
        None => w.put_bytes(v6, &addr.octets()),
    }
}

fn set(info: &Info<'_>) -> Result {
    let s = &Src::request(info);
    let addr = required_addr(s, VR_A_DHOST_ADDR, VR_A_DHOST_ADDR6)?;
    if !distributable(&addr) {
        info.set_err_msg(c"not a global or unique-local unicast address");
        return Err(EINVAL);
    }
    let ifindex = required_u32(s, VR_A_DHOST_IFINDEX, c"interface index missing")?;
    let member = required_u32(s, VR_A_DHOST_MEMBER, c"member id missing")?;
    let lead = required_u32(s, VR_A_DHOST_LEAD, c"lead member id missing")?;
    let net = &hold(info.net())?;
    let rtnl = rtnl::lock();
    let ifindex = i32::try_from(ifindex).unwrap_or(0);
    let no_dev = || {
        info.set_err_msg(c"interface does not exist");
        ENODEV
    };
    let dev = net.device_by_index(&rtnl, ifindex).ok_or_else(no_dev)?;
    match dev.address_state(&rtnl, &addr) {
        AddrState::Usable => (),
        AddrState::Absent => {
            info.set_err_msg(c"address is not configured on the interface");
            return Err(EADDRNOTAVAIL);
        }
        AddrState::Tentative => {
            info.set_err_msg(c"address is tentative or failed DAD (add it with nodad)");
            return Err(EADDRNOTAVAIL);
        }
    }
    let entry = Addr {
        key: AddrKey {
            vr: dev.in_device(&rtnl).map_or(0, |d| d.vr()),
            addr,
        },
        ifindex: dev.ifindex(),
        member,
        lead,
    };
    stack::dhost_set_in_use(&rtnl);
    let was_lead = vr_net(net)?
        .dhost
        .set_addr(&rtnl, entry)
        .map_err(|r| refuse(info, r))?;
    // Now the lead (it was not, or the address was not distributed): tell the segment.
    if entry.is_lead() && !was_lead {
        if let Some(dev) = net.device_by_index(&rtnl, ifindex) {
            dev.announce(&rtnl, &addr);
        }
    }
    Ok(())
}

fn addr_key(s: &Src<'_, '_>, v4: u32, v6: u32, vr_kind: u32) -> Result<AddrKey> {
    let addr = required_addr(s, v4, v6)?;
    let vr = to_u16(s, vr_kind, opt_u32(s, vr_kind)?.unwrap_or(0))?;
    Ok(AddrKey { vr, addr })
}

fn del(info: &Info<'_>) -> Result {
    let key = addr_key(
        &Src::request(info),
        VR_A_DHOST_ADDR,
        VR_A_DHOST_ADDR6,
        VR_A_DHOST_VR,
    )?;
    let net = &hold(info.net())?;
    let rtnl = rtnl::lock();
    vr_net(net)?
        .dhost
        .del_addr(rtnl, key)
        .map_err(|r| refuse(info, r))
}

/// Reads an ownership key; the member attribute is read by the caller.
fn owner_key(s: &Src<'_, '_>) -> Result<OwnerKey> {
    let addr = addr_key(s, VR_A_OWNER_ADDR, VR_A_OWNER_ADDR6, VR_A_OWNER_VR)?;
    let proto = required_u32(s, VR_A_OWNER_PROTO, c"protocol missing")?;
    let port = required_u32(s, VR_A_OWNER_PORT, c"port missing")?;
    let port = to_u16(s, VR_A_OWNER_PORT, port)?;
    let port_last = match opt_u32(s, VR_A_OWNER_PORT_LAST)? {
        Some(p) => to_u16(s, VR_A_OWNER_PORT_LAST, p)?,
        None => port,
    };
    let remote_port = opt_u32(s, VR_A_OWNER_REMOTE_PORT)?.unwrap_or(0);
    Ok(OwnerKey {
        addr,
        proto: u8::try_from(proto).map_err(|_| ERANGE)?,
        port,
        port_last,
        // 0.0.0.0 (or ::), as no remote at all, is no connection.
        remote: match addr_attr(s, VR_A_OWNER_REMOTE, VR_A_OWNER_REMOTE6)? {
            Some(a) if a != mapped(0) => a,
            _ => Ipv6Addr::UNSPECIFIED,
        },
        remote_port: to_u16(s, VR_A_OWNER_REMOTE_PORT, remote_port)?,
    })
}

fn owner_set(info: &Info<'_>) -> Result {
    let s = &Src::request(info);
    let key = owner_key(s)?;
    let member = required_u32(s, VR_A_OWNER_MEMBER, c"owning member missing")?;
    let max = stack::dhost_max_entries(info.net());
    vr_net(&hold(info.net())?)?
        .dhost
        .set_owner(Owner { key, member }, max)
        .map_err(|r| refuse(info, r))
}

fn owner_del(info: &Info<'_>) -> Result {
    let key = owner_key(&Src::request(info))?;
    vr_net(&hold(info.net())?)?
        .dhost
        .del_owner(key)
        .map_err(|r| refuse(info, r))
}

/// `owner-batch`: the `set` and `del` entries, in their order, applied all or nothing.
fn owner_batch(info: &Info<'_>) -> Result {
    let missing_ok = info.attr(VR_A_OWNER_BATCH_MISSING_OK).is_some();
    let mut changes = KVVec::new();
    let mut nests = KVVec::new();
    for a in info.attrs() {
        let set = match u32::from(a.kind()) {
            VR_A_OWNER_BATCH_SET => true,
            VR_A_OWNER_BATCH_DEL => false,
            _ => continue,
        };
        if changes.len() >= BATCH_MAX {
            info.set_err_msg_attr(a, c"more entries than batch-max");
            return Err(E2BIG);
        }
        let s = &Src {
            info,
            nest: Some(a),
        };
        let key = owner_key(s)?;
        let change = if set {
            let member = required_u32(s, VR_A_OWNER_MEMBER, c"owning member missing")?;
            Change::Set(Owner { key, member })
        } else {
            Change::Del(key)
        };
        changes.push(change, GFP_KERNEL)?;
        nests.push(a, GFP_KERNEL)?;
    }
    if changes.is_empty() {
        info.set_err_msg(c"no entry: give set or del attributes");
        return Err(EINVAL);
    }
    let max = stack::dhost_max_entries(info.net());
    vr_net(&hold(info.net())?)?
        .dhost
        .apply(&changes, missing_ok, max)
        .map_err(|(i, r)| {
            match i.and_then(|i| nests.get(i)) {
                Some(a) => info.set_err_msg_attr(*a, r.message()),
                None => info.set_err_msg(r.message()),
            }
            r.error()
        })
}

/// Dumps `items` from the dump's position on, one message each.
fn dump_all<T>(
    dump: &mut Dump<'_>,
    cmd: u32,
    items: impl Iterator<Item = T>,
    fill: impl Fn(&mut Writer<'_>, &T) -> Result,
) -> Result {
    // The position: how many entries were dumped already.
    let from = usize::try_from(dump.position()).unwrap_or(usize::MAX);
    for (i, item) in items.enumerate().skip(from) {
        dump.put_entry(family(), cmd, |w| fill(w, &item))?;
        dump.set_position(u64::try_from(i + 1).unwrap_or(u64::MAX));
    }
    Ok(())
}

fn get_dump(dump: &mut Dump<'_>) -> Result {
    let net = &hold(dump.net())?;
    let data = vr_net(net)?;
    let guard = rcu::read_lock();
    let table = data.dhost.view(&guard).table();
    dump_all(dump, VR_CMD_DHOST_GET, table.addrs().iter(), |w, a| {
        put_addr(w, VR_A_DHOST_ADDR, VR_A_DHOST_ADDR6, &a.key.addr)?;
        w.put_u32(VR_A_DHOST_VR, a.key.vr.into())?;
        // Interface indexes are positive.
        w.put_u32(VR_A_DHOST_IFINDEX, a.ifindex as u32)?;
        w.put_u32(VR_A_DHOST_MEMBER, a.member)?;
        w.put_u32(VR_A_DHOST_LEAD, a.lead)
    })
}

/// `owner-get`: the ranges, by position, then a walk of the ports and connections kept in
/// `walk` between the calls.
fn owner_dump(dump: &mut Dump<'_>, walk: &mut Option<KBox<OwnersWalk>>) -> Result {
    let net = &hold(dump.net())?;
    let dhost = &vr_net(net)?.dhost;
    if walk.is_none() {
        {
            let guard = rcu::read_lock();
            let ranges = dhost.view(&guard).table().ranges().iter();
            dump_all(dump, VR_CMD_OWNER_GET, ranges, |w, o| owner_fill(w, o))?;
        }
        *walk = Some(KBox::new(dhost.owners_walk()?, GFP_KERNEL)?);
    }
    match walk {
        Some(walk) => {
            walk.walk(|o| dump.put_entry(family(), VR_CMD_OWNER_GET, |w| owner_fill(w, o)))
        }
        None => Ok(()),
    }
}

fn owner_fill(w: &mut Writer<'_>, o: &Owner) -> Result {
    let k = &o.key;
    put_addr(w, VR_A_OWNER_ADDR, VR_A_OWNER_ADDR6, &k.addr.addr)?;
    w.put_u32(VR_A_OWNER_VR, k.addr.vr.into())?;
    w.put_u32(VR_A_OWNER_PROTO, k.proto.into())?;
    w.put_u32(VR_A_OWNER_PORT, k.port.into())?;
    w.put_u32(VR_A_OWNER_PORT_LAST, k.port_last.into())?;
    if k.remote_port != 0 {
        put_addr(w, VR_A_OWNER_REMOTE, VR_A_OWNER_REMOTE6, &k.remote)?;
        w.put_u32(VR_A_OWNER_REMOTE_PORT, k.remote_port.into())?;
    }
    w.put_u32(VR_A_OWNER_MEMBER, o.member)
}

/// The errnos a claim may be refused with (`claim-answer` in `vr.yaml`): what the ownership
/// daemon reports, never a kernel-internal code such as `ERESTARTSYS` that must not reach
/// `bind()`.
const CLAIM_ERRNOS: [Error; 10] = [
    EADDRINUSE,
    EADDRNOTAVAIL,
    EACCES,
    EPERM,
    EINVAL,
    ENOBUFS,
    ENOMEM,
    EHOSTUNREACH,
    ETIMEDOUT,
    ENOTCONN,
];

/// The error of a refused claim, from the errno the daemon answered with.
fn claim_errno(code: u32) -> Option<Error> {
    CLAIM_ERRNOS
        .into_iter()
        .find(|e| i64::from(e.to_errno()) == -i64::from(code))
}

fn claim_answer(info: &Info<'_>) -> Result {
    let s = &Src::request(info);
    let cookie = required_u32(s, VR_A_SOCK_COOKIE, c"cookie missing")?;
    let code = required_u32(s, VR_A_SOCK_ERRNO, c"errno missing")?;
    if code != 0 && claim_errno(code).is_none() {
        info.set_err_msg(c"errno is not one a claim may be refused with");
        return Err(EINVAL);
    }
    let net = &hold(info.net())?;
    let data = vr_net(net)?;
    if !data.claims.lock().answer(cookie, code) {
        info.set_err_msg(c"no bind waits for this claim");
        return Err(ENOENT);
    }
    data.answered.notify_all();
    Ok(())
}

/// Tells the "dhost" group about a socket event; `ESRCH` if no one listens.
fn sock_ntf(net: &NetRef, event: u32, cookie: Option<u32>, key: &SockKey, gfp: Flags) -> Result {
    let mut msg = Message::new_gfp(family(), 0, 0, 0, VR_CMD_SOCK_NTF, gfp)?;
    let mut w = msg.writer();
    w.put_u32(VR_A_SOCK_EVENT, event)?;
    if let Some(cookie) = cookie {
        w.put_u32(VR_A_SOCK_COOKIE, cookie)?;
    }
    // A wildcard bind is told as 0.0.0.0 and/or :: (both for a dual-stack ::).
    match key.wild {
        Wild::None => put_addr(&mut w, VR_A_SOCK_ADDR, VR_A_SOCK_ADDR6, &key.addr)?,
        Wild::V4 => w.put_u32(VR_A_SOCK_ADDR, 0)?,
        Wild::V6 => w.put_bytes(VR_A_SOCK_ADDR6, &Ipv6Addr::UNSPECIFIED.octets())?,
        Wild::Any => {
            w.put_u32(VR_A_SOCK_ADDR, 0)?;
            w.put_bytes(VR_A_SOCK_ADDR6, &Ipv6Addr::UNSPECIFIED.octets())?;
        }
    }
    w.put_u32(VR_A_SOCK_VR, key.vr.into())?;
    w.put_u32(VR_A_SOCK_PROTO, key.proto.into())?;
    w.put_u32(VR_A_SOCK_PORT, key.port.into())?;
    if key.conn {
        put_addr(&mut w, VR_A_SOCK_REMOTE, VR_A_SOCK_REMOTE6, &key.remote)?;
        w.put_u32(VR_A_SOCK_REMOTE_PORT, key.remote_port.into())?;
    }
    msg.multicast_to_listeners(family(), net, VR_NLGRP_DHOST)
}

/// Whether `key` is on a distributed address of `net`: its events are told.
fn distributed(data: &VrNet, key: &SockKey) -> bool {
    let guard = rcu::read_lock();
    data.dhost
        .view(&guard)
        .table()
        .claims(key.vr, &key.addr, key.wild)
}

/// Waits for the answer to claim `cookie`; the claim is over when this returns.
fn wait_answer(data: &VrNet, cookie: u32) -> Result<u32> {
    let mut claims = data.claims.lock();
    let mut left = msecs_to_jiffies(CLAIM_WAIT_MS);
    loop {
        if claims.answered(cookie) {
            return claims.take(cookie).ok_or(EINVAL);
        }
        let end = match data.answered.wait_interruptible_timeout(&mut claims, left) {
            CondVarTimeoutResult::Woken { jiffies } => {
                left = jiffies;
                continue;
            }
            CondVarTimeoutResult::Timeout => ETIMEDOUT,
            CondVarTimeoutResult::Signal { .. } => EINTR,
        };
        // The answer may have come with the signal or at the deadline.
        return claims.take(cookie).ok_or(end);
    }
}

/// Claims the port of a socket bound on a distributed address from the other members,
/// through the ownership daemon: notifies the "dhost" group and waits for the answer.
/// Granted (`Ok(true)`), not on a distributed address (`Ok(false)`), or refused.
pub(crate) fn claim(net: &Net, key: &SockKey, can_sleep: bool) -> Result<bool> {
    // A namespace being dismantled (a kernel socket's) has no distributed address any more.
    let Some(net) = net.try_get() else {
        return Ok(false);
    };
    let net = &net;
    let data = vr_net(net)?;
    if !distributed(data, key) {
        return Ok(false);
    }
    if !can_sleep {
        return Err(EOPNOTSUPP);
    }
    let cookie = data.claims.lock().add()?;
    if let Err(e) = sock_ntf(net, VR_SOCK_EVENT_BIND, Some(cookie), key, GFP_KERNEL) {
        data.claims.lock().take(cookie);
        // No ownership daemon: never bind locally only.
        return Err(if e == ESRCH { ENOTCONN } else { e });
    }
    match wait_answer(data, cookie) {
        Ok(0) => Ok(true),
        Ok(code) => Err(claim_errno(code).unwrap_or(EINVAL)),
        Err(e) => {
            // Give back what the daemon may still grant.
            let _ = sock_ntf(net, VR_SOCK_EVENT_CLOSE, None, key, GFP_KERNEL);
            Err(e)
        }
    }
}

kernel::genl_handlers! {
    vr_nl;
    doit dhost_set => set;
    doit dhost_del => del;
    dumpit dhost_get => get_dump;
    doit owner_set => owner_set;
    doit owner_del => owner_del;
    doit owner_batch => owner_batch;
    dumpit owner_get => owner_dump, state OwnersWalk;
    doit claim_answer => claim_answer;
}

/// Gives back the claim of a socket that gives up its port; may be called in atomic context.
pub(crate) fn release(net: &Net, key: &SockKey) {
    // A kernel socket of a namespace being dismantled: no one is left to tell.
    let Some(net) = net.try_get() else {
        return;
    };
    match sock_ntf(&net, VR_SOCK_EVENT_CLOSE, None, key, GFP_ATOMIC) {
        // No daemon: the lead released this member's ports when it went away.
        Ok(()) => (),
        Err(e) if e == ESRCH => (),
        Err(e) => pr_warn!(
            "vr: distributed host: port {} not given back ({:?})\n",
            key.port,
            e
        ),
    }
}

/// Tells the "dhost" group that a socket listened, was accepted or connected; false if it is
/// not on a distributed address. Process context.
pub(crate) fn notify(net: &Net, key: &SockKey, event: SockEvent) -> bool {
    let Some(net) = net.try_get() else {
        return false;
    };
    let net = &net;
    let Ok(data) = vr_net(net) else {
        return false;
    };
    if !distributed(data, key) {
        return false;
    }
    let event = match event {
        SockEvent::Listen => VR_SOCK_EVENT_LISTEN,
        SockEvent::Accept => VR_SOCK_EVENT_ACCEPT,
        SockEvent::Connect => VR_SOCK_EVENT_CONNECT,
    };
    // Nobody listening is fine: these events need no answer.
    let _ = sock_ntf(net, event, None, key, GFP_KERNEL);
    true
}

/// The fate of a packet for local delivery; called in softirq.
pub(crate) fn verdict(net: &Net, pkt: &stack::Packet) -> stack::Verdict {
    let guard = rcu::read_lock();
    let Some(data) = VR_NET.get(net, &guard) else {
        return stack::Verdict::Pass;
    };
    let packet = Packet {
        vr: pkt.vr,
        local: pkt.local,
        remote: pkt.remote,
        lport: pkt.lport,
        rport: pkt.rport,
        proto: pkt.proto,
        l2_bcast: pkt.l2_bcast,
    };
    match data.dhost.view(&guard).verdict(&packet) {
        Verdict::Pass => stack::Verdict::Pass,
        Verdict::Accept => stack::Verdict::Accept,
        Verdict::Drop => stack::Verdict::Drop,
        Verdict::Bridge => stack::Verdict::Bridge,
    }
}

/// Whether `addr` is distributed in VR `vr` of `net` with another member as its lead: then
/// this kernel neither answers ARP for it nor announces it.
pub(crate) fn follower(net: &Net, vr: u16, addr: &Ipv6Addr) -> bool {
    let guard = rcu::read_lock();
    VR_NET.get(net, &guard).is_some_and(|d| {
        d.dhost
            .view(&guard)
            .table()
            .follower(AddrKey { vr, addr: *addr })
    })
}
