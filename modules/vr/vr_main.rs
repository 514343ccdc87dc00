// SPDX-License-Identifier: GPL-2.0-only

//! Virtual router (VR) contexts.
//!
//! A VR is an isolated IP routing context inside a network namespace, with its own FIB table;
//! every interface belongs to one VR. This module keeps the VRs of each namespace and serves
//! the "vr" generic netlink family (`Documentation/netlink/specs/vr.yaml`), whose policies and
//! ops table are generated C (`vr_nl_gen.c`) naming the `vr_nl_*` handlers below. The stack
//! asks it what it alone knows (does a VR exist? what of a packet for a distributed address?)
//! through the operations it registers (`stack::Ops`).
//!
//! From user space:
//!
//! ```text
//! # vrctl create 1 name red
//! # vrctl assign eth1 1
//! # vrctl show 1
//! vr 1 name red table 65537
//!         interfaces: eth1
//! ```

use core::net::Ipv6Addr;
use kernel::{
    net::{
        device::{self, Device},
        fib,
        genetlink::{self, Dump, Family, Info, Message, Writer},
        namespace::{self, Net, NetRef, PernetData},
        rtnl::{self, RtnlLocked},
        vr as stack,
    },
    prelude::*,
    sync::{new_condvar, new_mutex, rcu, CondVar, Mutex},
};

#[cfg(CONFIG_IPV6_MULTIPLE_TABLES)]
use kernel::net::fib6;

mod dhost;
mod dhost_table;
mod registry;

use kernel::uapi::{
    VR_A_ID, VR_A_IFACE, VR_A_IFACE_IFINDEX, VR_A_IFACE_NAME, VR_A_IFINDEX, VR_A_NAME, VR_A_STATS,
    VR_A_STATS_DROP_PACKETS, VR_A_STATS_FWD_PACKETS, VR_A_STATS_RX_PACKETS, VR_A_STATS_TX_PACKETS,
    VR_A_TABLE, VR_CMD_CHANGE_NTF, VR_CMD_CREATE_NTF, VR_CMD_DELETE_NTF, VR_CMD_GET,
};
use registry::{Refusal, Registry, Vr};

/// Index of the "monitor" multicast group in the family's groups (`VR_NLGRP_MONITOR` of the
/// generated `vr_nl_gen.h`, in the order of the spec's `mcast-groups`).
const VR_NLGRP_MONITOR: u32 = 0;
/// Index of the "dhost" group (`VR_NLGRP_DHOST`).
const VR_NLGRP_DHOST: u32 = 1;

// The genetlink abstraction refuses at run time (EINVAL) a command that does not fit a `u8`
// and an attribute type wider than the netlink header's 14 bits; the family's own numbers
// are checked here, when the module is built.
const _: () = assert!(kernel::uapi::VR_CMD_MAX <= 0xff);
const _: () = assert!(
    kernel::uapi::VR_A_MAX <= 0x3fff
        && kernel::uapi::VR_A_IFACE_MAX <= 0x3fff
        && kernel::uapi::VR_A_STATS_MAX <= 0x3fff
        && kernel::uapi::VR_A_DHOST_MAX <= 0x3fff
        && kernel::uapi::VR_A_OWNER_MAX <= 0x3fff
        && kernel::uapi::VR_A_SOCK_MAX <= 0x3fff
);

module! {
    type: VrModule,
    name: "vr",
    authors: ["The vr-linux authors"],
    description: "Virtual router contexts",
    license: "GPL",
}

/// The VRs of one network namespace, and its distributed addresses.
#[pin_data]
struct VrNet {
    registry: RtnlLocked<Registry>,
    /// The distributed addresses and this kernel's copy of their ownership database.
    #[pin]
    dhost: dhost_table::Dhost,
    /// The binds waiting for the ownership daemon's answer to their claim.
    #[pin]
    claims: Mutex<dhost_table::Claims>,
    /// Notified when a claim gets its answer.
    #[pin]
    answered: CondVar,
}

static VR_NET: namespace::Subsys<VrNet> = namespace::Subsys::new();

impl PernetData for VrNet {
    fn subsys() -> &'static namespace::Subsys<Self> {
        &VR_NET
    }

    fn init(_net: &Net) -> impl PinInit<Self, Error> {
        let registry = Registry::new();
        try_pin_init!(VrNet {
            registry: RtnlLocked::new(registry?),
            dhost <- dhost_table::Dhost::new(),
            claims <- new_mutex!(dhost_table::Claims::default()),
            answered <- new_condvar!(),
        }? Error)
    }
}

/// The family, defined in the generated `vr_nl_gen.c`.
fn family() -> &'static Family {
    kernel::genl_family!(vr_nl_family)
}

/// Tells the monitor group when an interface leaves its VR by going away or by moving to
/// another network namespace (assignments are notified by `assign`).
struct VrNetdevEvents;

static VR_NETDEV: device::Notifier<VrNetdevEvents> = device::Notifier::new();

impl device::Events for VrNetdevEvents {
    fn event(event: device::Event, dev: &Device, rtnl: &rtnl::Guard) {
        if event != device::Event::Unregister {
            return;
        }
        let id = match dev.in_device(rtnl).map(|in_dev| in_dev.vr()) {
            Some(id) if id != 0 => id,
            _ => return,
        };
        // The device is off its namespace's list already, so the VR is reported without it.
        // In a namespace being dismantled, nobody is left to tell.
        let Some(net) = dev.net(rtnl).try_get() else {
            return;
        };
        if let Some(vr) = VR_NET
            .get_held(&net)
            .and_then(|data| data.registry.get(rtnl).find(id))
        {
            notify(&net, rtnl, VR_CMD_CHANGE_NTF, vr);
        }
    }
}

struct VrModule {
    // Dropped in order: the stack's operations, the family and the notifier first, so that
    // nothing runs once the data is gone.
    _ops: stack::Registration<VrOps>,
    _family: genetlink::Registration,
    _netdev: device::NotifierRegistration<VrNetdevEvents>,
    _pernet: namespace::Registration<VrNet>,
}

impl kernel::Module for VrModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let pernet = VR_NET.register()?;
        // Priority 1: before IPv4 drops the device's `in_device`, which holds its VR.
        // SAFETY: `VrNetdevEvents` only reads the registry, which is held exclusively
        // (`get_mut`) only in `create` and `delete`, around no call that raises netdevice events.
        let netdev = unsafe { VR_NETDEV.register(1) }?;
        let family = family().register()?;
        let ops = stack::Registration::register()?;
        Ok(VrModule {
            _ops: ops,
            _family: family,
            _netdev: netdev,
            _pernet: pernet,
        })
    }
}

/// What the stack asks of this module.
struct VrOps;

#[vtable]
impl stack::Ops for VrOps {
    /// Asked before a socket or a task is moved to a VR (`SO_VR`, `/proc/<pid>/vr`). The caller
    /// holds the RTNL until it has moved the socket or the task, so that `delete` cannot run in
    /// between.
    fn exists(net: &Net, vr: u16) -> bool {
        let Some(net) = net.try_get() else {
            return false;
        };
        let Some(data) = VR_NET.get_held(&net) else {
            return false;
        };
        // SAFETY: the caller, a socket option or a procfs write, holds the RTNL and is not
        // inside a handler of this module, so no reference from `RtnlLocked::get_mut` is alive.
        let rtnl = unsafe { rtnl::Guard::assume_held() };
        data.registry.get(&rtnl).find(vr).is_some()
    }

    fn dhost_verdict(net: &Net, pkt: &stack::Packet) -> stack::Verdict {
        dhost::verdict(net, pkt)
    }

    fn dhost_follower(net: &Net, vr: u16, addr: &Ipv6Addr) -> bool {
        dhost::follower(net, vr, addr)
    }

    fn dhost_claim(net: &Net, key: &stack::SockKey, can_sleep: bool) -> Result<bool> {
        dhost::claim(net, key, can_sleep)
    }

    fn dhost_release(net: &Net, key: &stack::SockKey) {
        dhost::release(net, key)
    }

    fn dhost_notify(net: &Net, key: &stack::SockKey, event: stack::SockEvent) -> bool {
        dhost::notify(net, key, event)
    }
}

/// A counted reference on the namespace of a request, so that its data stays (`vr_net`).
fn hold(net: &Net) -> Result<NetRef> {
    net.try_get().ok_or(ENODEV)
}

fn vr_net(net: &NetRef) -> Result<&VrNet> {
    VR_NET.get_held(net).ok_or(ENODEV)
}

fn refuse(info: &Info<'_>, refusal: Refusal) -> Error {
    info.set_err_msg(refusal.message());
    refusal.error()
}

/// Reads the VR id of a request (range-checked by the policy).
fn vr_id(info: &Info<'_>) -> Result<u16> {
    let attr = info.required_attr(VR_A_ID, c"VR id missing")?;
    u16::try_from(attr.u32()?).map_err(|_| {
        info.set_err_msg_attr(attr, c"VR id out of range");
        ERANGE
    })
}

/// The interfaces of `net` that belong to VR `id` (interfaces without IPv4 state are in VR 0).
fn interfaces<'a>(
    net: &'a Net,
    rtnl: &'a rtnl::Guard,
    id: u16,
) -> impl Iterator<Item = &'a Device> {
    net.devices(rtnl)
        .filter(move |dev| dev.in_device(rtnl).map_or(0, |in_dev| in_dev.vr()) == id)
}

/// Writes the attributes of a VR: id, name, table, its interfaces and its packet counters.
fn fill(w: &mut Writer<'_>, vr: &Vr, net: &NetRef, rtnl: &rtnl::Guard) -> Result {
    w.put_u32(VR_A_ID, vr.id.into())?;
    if let Some(name) = vr.name() {
        w.put_str(VR_A_NAME, name)?;
    }
    w.put_u32(VR_A_TABLE, vr.table)?;
    for dev in interfaces(net, rtnl, vr.id) {
        w.put_nest(VR_A_IFACE, |w| {
            // Interface indexes are positive.
            w.put_u32(VR_A_IFACE_IFINDEX, dev.ifindex() as u32)?;
            w.put_str(VR_A_IFACE_NAME, dev.name(rtnl))
        })?;
    }
    // A deleted VR (delete notification) has no counters left.
    if let Some(stats) = stack::stats(net, vr.id) {
        w.put_nest(VR_A_STATS, |w| {
            w.put_uint(VR_A_STATS_RX_PACKETS, stats.rx_packets)?;
            w.put_uint(VR_A_STATS_TX_PACKETS, stats.tx_packets)?;
            w.put_uint(VR_A_STATS_FWD_PACKETS, stats.fwd_packets)?;
            w.put_uint(VR_A_STATS_DROP_PACKETS, stats.drop_packets)
        })?;
    }
    Ok(())
}

/// Tells the "monitor" group about a VR. A notification that cannot be built is lost, as in
/// rtnetlink: listeners resynchronise with a dump.
fn notify(net: &NetRef, rtnl: &rtnl::Guard, cmd: u32, vr: &Vr) {
    let send = || -> Result {
        let mut msg = Message::new(family(), 0, 0, 0, cmd)?;
        fill(&mut msg.writer(), vr, net, rtnl)?;
        msg.multicast(family(), net, VR_NLGRP_MONITOR)
    };
    if let Err(e) = send() {
        pr_warn!("vr: notification for VR {} lost: {:?}\n", vr.id, e);
    }
}

fn create(info: &Info<'_>) -> Result {
    let id = vr_id(info)?;
    let name = match info.attr(VR_A_NAME) {
        Some(attr) => Some(attr.str()?.to_bytes()),
        None => None,
    };
    let net = &hold(info.net())?;
    let data = vr_net(net)?;
    let mut rtnl = rtnl::lock();
    let registry = data.registry.get(&rtnl);
    if registry.find(id).is_none() && registry.count() >= stack::max_vrs(net) {
        info.set_err_msg(c"too many VRs in this network namespace (net.vr.max_vrs)");
        return Err(ENOSPC);
    }
    let slot = data
        .registry
        .get_mut(&mut rtnl)
        .prepare(id, name)
        .map_err(|r| refuse(info, r))?;
    fib::new_table(net, &rtnl, slot.table())?;
    #[cfg(CONFIG_IPV6_MULTIPLE_TABLES)]
    fib6::new_table(net, &rtnl, slot.table())?;
    stack::sockets_add(net, &rtnl, id).inspect_err(|_| {
        info.set_err_msg(c"cannot open the VR to sockets");
    })?;
    if let Err(r) = data.registry.get_mut(&mut rtnl).insert(slot) {
        // Not inserted: the VR has no socket yet.
        let _ = stack::sockets_del(net, &rtnl, id);
        return Err(refuse(info, r));
    }
    stack::set_in_use(&rtnl);
    if let Some(vr) = data.registry.get(&rtnl).find(id) {
        notify(net, &rtnl, VR_CMD_CREATE_NTF, vr);
    }
    Ok(())
}

fn delete(info: &Info<'_>) -> Result {
    let id = vr_id(info)?;
    let net = &hold(info.net())?;
    let data = vr_net(net)?;
    let mut rtnl = rtnl::lock();
    data.registry
        .get(&rtnl)
        .check_remove(id)
        .map_err(|r| refuse(info, r))?;
    if interfaces(net, &rtnl, id).next().is_some() {
        info.set_err_msg(c"VR still has interfaces");
        return Err(EBUSY);
    }
    // A VR created later with the same id would adopt the tasks and sockets left.
    if stack::has_tasks(net, &rtnl, id) {
        info.set_err_msg(c"VR still has tasks");
        return Err(EBUSY);
    }
    // Connection requests and TIME_WAIT sockets in the tables, then every full socket, bound or
    // not; the last check, as it closes the VR to new sockets.
    if stack::has_sockets(net, id) || stack::sockets_del(net, &rtnl, id).is_err() {
        info.set_err_msg(c"VR still has sockets");
        return Err(EBUSY);
    }
    let vr = match data.registry.get_mut(&mut rtnl).remove(id) {
        Ok(vr) => vr,
        Err(r) => {
            // Not removed (check_remove() passed, so this does not happen): open it again.
            let _ = stack::sockets_add(net, &rtnl, id);
            return Err(refuse(info, r));
        }
    };
    fib::flush_table(net, &rtnl, vr.table);
    #[cfg(CONFIG_IPV6_MULTIPLE_TABLES)]
    fib6::flush_table(net, &rtnl, vr.table);
    notify(net, &rtnl, VR_CMD_DELETE_NTF, &vr);
    Ok(())
}

fn get(info: &Info<'_>) -> Result {
    let id = vr_id(info)?;
    let net = &hold(info.net())?;
    let data = vr_net(net)?;
    let mut msg = info.new_reply(family(), VR_CMD_GET)?;
    {
        let rtnl = rtnl::lock();
        let vr = data
            .registry
            .get(&rtnl)
            .find(id)
            .ok_or_else(|| refuse(info, Refusal::NotFound))?;
        fill(&mut msg.writer(), vr, net, &rtnl)?;
    }
    info.reply(msg)
}

fn dump(dump: &mut Dump<'_>) -> Result {
    let net = &hold(dump.net())?;
    let data = vr_net(net)?;
    let rtnl = rtnl::lock();
    // The position: the lowest VR id not dumped yet.
    let from = u32::try_from(dump.position()).unwrap_or(u32::MAX);
    for vr in data.registry.get(&rtnl).iter_from(from) {
        dump.put_entry(family(), VR_CMD_GET, |w| fill(w, vr, net, &rtnl))?;
        dump.set_position(u64::from(vr.id) + 1);
    }
    Ok(())
}

fn assign(info: &Info<'_>) -> Result {
    let ifindex = info
        .required_attr(VR_A_IFINDEX, c"interface index missing")?
        .u32()?;
    let id = vr_id(info)?;
    let net = &hold(info.net())?;
    let data = vr_net(net)?;
    let rtnl = rtnl::lock();
    let registry = data.registry.get(&rtnl);
    let new_vr = registry
        .find(id)
        .ok_or_else(|| refuse(info, Refusal::NotFound))?;
    let dev = i32::try_from(ifindex)
        .ok()
        .and_then(|ifindex| net.device_by_index(&rtnl, ifindex))
        .ok_or_else(|| {
            info.set_err_msg(c"interface does not exist");
            ENODEV
        })?;
    let in_dev = dev.in_device(&rtnl).ok_or_else(|| {
        info.set_err_msg(c"interface has no IPv4 configuration");
        EINVAL
    })?;
    let old = in_dev.vr();
    if old == id {
        return Ok(());
    }
    // A distributed address is one of its VR: its entry and ownership would stay behind.
    // Addresses change only under the RTNL, which is held: this read is exact.
    if data
        .dhost
        .view(&rcu::read_lock())
        .table()
        .on_interface(dev.ifindex())
    {
        info.set_err_msg(c"interface has distributed addresses (dhost del them first)");
        return Err(EBUSY);
    }
    // Multicast routing is VR 0's: its vifs would forward between VRs.
    if in_dev.mc_forwarding(&rtnl) {
        info.set_err_msg(c"interface is a multicast routing vif (VR 0's)");
        return Err(EBUSY);
    }
    if dev.ipv6_mc_forwarding(&rtnl) {
        info.set_err_msg(c"interface is an IPv6 multicast routing mif (VR 0's)");
        return Err(EBUSY);
    }
    dev.move_to_vr(&rtnl, id);
    if let Some(old_vr) = registry.find(old) {
        notify(net, &rtnl, VR_CMD_CHANGE_NTF, old_vr);
    }
    notify(net, &rtnl, VR_CMD_CHANGE_NTF, new_vr);
    Ok(())
}

kernel::genl_handlers! {
    vr_nl;
    doit create => create;
    doit delete => delete;
    doit get => get;
    dumpit get => dump;
    doit assign => assign;
}
