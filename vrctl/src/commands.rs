// SPDX-License-Identifier: GPL-2.0-only
//! The verbs of vrctl, on top of the netlink socket and the output code.

use std::ffi::{CString, OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use crate::error::{Error, Result};
use netlink_packet_core::NLM_F_DUMP;
use netlink_sys::protocols::{NETLINK_ROUTE, NETLINK_SOCK_DIAG};

use crate::dhost::kernel;
use crate::dhost_nl::{
    owner_request, DaemonArgs, Dhost, DhostDel, DhostMessage, DhostSet, Owner, OwnerArgs,
    OwnerMessage, OwnerOp,
};
use crate::netlink::{GenlSocket, NlSocket};
use crate::output::{self, Event};
use crate::route::{self, Route, RouteArgs, RouteOp};
use crate::sockets::{
    self, DiagMessage, DiagRequest, AF_INET, AF_INET6, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP,
};
use crate::task;
use crate::vr::{Vr, VrMessage};
use vr_netlink::{mcgrp, Cmd};

/// Output options shared by all verbs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Format {
    pub json: bool,
    pub pretty: bool,
}

fn write_out(out: &mut dyn Write, s: &str) -> Result<()> {
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write output", e))
}

fn to_vrs(msgs: &[VrMessage]) -> Result<Vec<Vr>> {
    let mut vrs = msgs
        .iter()
        .map(|m| Vr::from_attrs(&m.attrs).map_err(Error::Protocol))
        .collect::<Result<Vec<_>>>()?;
    vrs.sort_by_key(|vr| vr.id);
    Ok(vrs)
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Protocol(format!("cannot render JSON: {e}"))
}

pub fn create(id: u32, name: Option<&str>) -> Result<()> {
    GenlSocket::open_vr()?.request(VrMessage::create(id, name))?;
    Ok(())
}

pub fn delete(id: u32) -> Result<()> {
    GenlSocket::open_vr()?.request(VrMessage::delete(id))?;
    Ok(())
}

/// Resolves an interface name in the current network namespace.
pub fn ifindex(ifname: &OsStr) -> Result<u32> {
    let not_found = || Error::NoDevice(ifname.to_string_lossy().into_owned());
    let c = CString::new(ifname.as_bytes()).map_err(|_| not_found())?;
    // SAFETY: c is a valid NUL-terminated string for the whole call.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(not_found());
    }
    Ok(index)
}

/// The name of an interface of the current network namespace.
pub fn ifname(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has the IF_NAMESIZE bytes if_indextoname may write, and
    // it NUL-terminates what it writes on success.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: NUL-terminated inside buf (see above).
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

pub fn assign(ifname: &OsStr, id: u32) -> Result<()> {
    let index = ifindex(ifname)?;
    GenlSocket::open_vr()?.request(VrMessage::assign(index, id))?;
    Ok(())
}

fn fetch(id: Option<u32>) -> Result<Vec<Vr>> {
    let mut sock = GenlSocket::open_vr()?;
    let replies = match id {
        Some(id) => sock.request(VrMessage::get(Some(id)))?,
        None => sock.dump(VrMessage::get(None))?,
    };
    to_vrs(&replies)
}

pub fn list(fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(None)?;
    let text = if fmt.json {
        output::vrs_json(&vrs, fmt.pretty).map_err(json_error)?
    } else {
        output::list_text(&vrs)
    };
    write_out(out, &text)
}

/// `show`: the VRs with their counters, and what vrctl counts for each:
/// sockets by protocol and state, processes and routes.
pub fn show(id: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(id)?;
    let socks = diag_sockets()?;
    let processes = task::process_counts()?;
    let routes = dump_routes()?;
    let shown: Vec<output::Shown<'_>> = vrs
        .iter()
        .map(|vr| output::Shown {
            vr,
            summary: output::Summary {
                sockets: output::SocketCounts::of(socks.iter().filter(|s| s.vr == vr.id)),
                processes: processes.get(&vr.id).copied().unwrap_or(0),
                routes: routes.iter().filter(|r| r.table == vr.table).count(),
            },
        })
        .collect();
    let text = if fmt.json {
        output::to_json(&shown, fmt.pretty).map_err(json_error)?
    } else {
        output::show_text(&shown)
    };
    write_out(out, &text)
}

/// The TCP, UDP and raw sockets of the network namespace, IPv4 and IPv6,
/// from sock_diag, with their VR (`INET_DIAG_VR`, absent for VR 0 while no
/// other VR exists). A protocol whose diag module the kernel lacks (ENOENT)
/// is skipped.
fn diag_sockets() -> Result<Vec<sockets::DiagSocket>> {
    let mut nl = NlSocket::open(NETLINK_SOCK_DIAG)?;
    let mut socks = Vec::new();
    for (protocol, name) in [
        (IPPROTO_TCP, "tcp"),
        (IPPROTO_UDP, "udp"),
        (IPPROTO_RAW, "raw"),
    ] {
        for family in [AF_INET, AF_INET6] {
            let request = DiagMessage::Request(DiagRequest { family, protocol });
            let replies = match nl.transact(request, NLM_F_DUMP) {
                Err(Error::Kernel { errno, .. }) if errno == libc::ENOENT => continue,
                r => r?,
            };
            for reply in replies {
                let DiagMessage::Socket(mut s) = reply else {
                    continue;
                };
                s.proto = name;
                socks.push(s);
            }
        }
    }
    Ok(socks)
}

/// `show VR sockets`: the TCP, UDP and raw sockets of VR `id`.
pub fn sockets(id: u32, fmt: Format, out: &mut dyn Write) -> Result<()> {
    fetch(Some(id))?;
    let socks: Vec<_> = diag_sockets()?.into_iter().filter(|s| s.vr == id).collect();
    let text = if fmt.json {
        output::to_json(&socks, fmt.pretty).map_err(json_error)?
    } else {
        sockets::text(&socks)
    };
    write_out(out, &text)
}

/// `show VR pids`: the processes of VR `id` in this network namespace.
pub fn pids(id: u32, fmt: Format, out: &mut dyn Write) -> Result<()> {
    fetch(Some(id))?;
    let pids = task::pids_in(id)?;
    let text = if fmt.json {
        output::pids_json(&pids, fmt.pretty).map_err(json_error)?
    } else {
        output::pids_text(&pids)
    };
    write_out(out, &text)
}

/// The FIB table of VR `id`, as the kernel reports it.
fn vr_table(id: u32) -> Result<u32> {
    fetch(Some(id))?
        .first()
        .map(|vr| vr.table)
        .ok_or_else(|| Error::Protocol(format!("no reply for VR {id}")))
}

/// `route add` and `route del` in the table of `args.vr`. The interface
/// name is resolved first, the table next, then the kernel has its say.
pub fn route_modify(op: RouteOp, args: &RouteArgs) -> Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(args.vr)?;
    modify_table(op, args, table, oif)
}

fn modify_table(op: RouteOp, args: &RouteArgs, table: u32, oif: Option<u32>) -> Result<()> {
    let msg = route::modify_request(op, args, table, oif);
    NlSocket::open(NETLINK_ROUTE)?.transact(msg, route::request_flags(op))?;
    Ok(())
}

/// The IPv4 routes of table `table` matching the selectors of `args`, in
/// the kernel's order, with their interface names.
/// Every IPv4 route of the namespace, from one rtnetlink dump.
fn dump_routes() -> Result<Vec<Route>> {
    Ok(NlSocket::open(NETLINK_ROUTE)?
        .transact(route::dump_request(), route::request_flags(RouteOp::Show))?
        .iter()
        .filter_map(Route::from_message)
        .collect())
}

fn table_routes(table: u32, args: &RouteArgs, oif: Option<u32>) -> Result<Vec<Route>> {
    let mut routes: Vec<Route> = dump_routes()?
        .into_iter()
        .filter(|r| r.table == table && r.matches(args.prefix, args.via, oif))
        .collect();
    for r in &mut routes {
        r.dev = r.oif.and_then(ifname);
        for hop in &mut r.nexthops {
            hop.dev = ifname(hop.oif);
        }
    }
    Ok(routes)
}

/// `route show`: the routes of the table of `args.vr`.
pub fn route_show(args: &RouteArgs, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(args.vr)?;
    let routes = table_routes(table, args, oif)?;
    let text = if fmt.json {
        output::routes_json(&routes, fmt.pretty).map_err(json_error)?
    } else {
        output::routes_text(&routes)
    };
    write_out(out, &text)
}

/// `dhost set`: the interface name is resolved first, then the kernel has
/// its say (the address must be configured on the interface).
pub fn dhost_set(args: &DhostSet) -> Result<()> {
    let index = ifindex(&args.dev)?;
    GenlSocket::open_vr()?.request(DhostMessage::set(args.addr, index, args.member, args.lead))?;
    Ok(())
}

pub fn dhost_del(args: &DhostDel) -> Result<()> {
    GenlSocket::open_vr()?.request(DhostMessage::del(args.addr, args.vr))?;
    Ok(())
}

/// The distributed addresses of the network namespace (a dhost-get dump).
fn dhosts(sock: &mut GenlSocket) -> Result<Vec<Dhost>> {
    sock.dump(DhostMessage::dump())?
        .iter()
        .map(|m| Dhost::from_attrs(&m.attrs).map_err(Error::Protocol))
        .collect()
}

/// `dhost show`: the distributed addresses by VR and address, with their
/// interface names.
pub fn dhost_show(fmt: Format, out: &mut dyn Write) -> Result<()> {
    let mut dhosts = dhosts(&mut GenlSocket::open_vr()?)?;
    dhosts.sort_by_key(|d| (d.vr, d.addr, d.ifindex));
    for d in &mut dhosts {
        d.dev = ifname(d.ifindex);
    }
    let text = if fmt.json {
        output::dhosts_json(&dhosts, fmt.pretty).map_err(json_error)?
    } else {
        output::dhosts_text(&dhosts)
    };
    write_out(out, &text)
}

/// This host's name (for the other daemons' logs); empty if unknown.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// `dhost daemon`: joins the dhost group first (binds on a distributed
/// address fail with ENOTCONN until someone listens), reads this kernel's
/// member and lead ids and the distributed addresses of the VR, then runs
/// the ownership-sync daemon in the foreground until SIGINT or SIGTERM.
pub fn dhost_daemon(args: &DaemonArgs) -> Result<()> {
    let mut ntf = GenlSocket::open_vr()?;
    kernel::prepare_events(&mut ntf);
    ntf.subscribe(mcgrp::DHOST)?;
    let mut sock = GenlSocket::open_vr()?;
    let cfg = kernel::config(args, &dhosts(&mut sock)?, &host_name())?;
    kernel::run(cfg, args.vr, ntf, sock)
}

/// `dhost owner add|del`.
pub fn owner_modify(op: OwnerOp, args: &OwnerArgs) -> Result<()> {
    GenlSocket::open_vr()?.request(owner_request(op, args))?;
    Ok(())
}

/// `dhost owner show`: the kernel's copy of the ownership database, by
/// VR, address, protocol and ports.
pub fn owner_show(fmt: Format, out: &mut dyn Write) -> Result<()> {
    let replies = GenlSocket::open_vr()?.dump(OwnerMessage::dump())?;
    let mut owners = replies
        .iter()
        .map(|m| Owner::from_attrs(&m.attrs).map_err(Error::Protocol))
        .collect::<Result<Vec<_>>>()?;
    owners.sort_by_key(Owner::sort_key);
    let text = if fmt.json {
        output::owners_json(&owners, fmt.pretty).map_err(json_error)?
    } else {
        output::owners_text(&owners)
    };
    write_out(out, &text)
}

/// Runs `argv` in VR `vr`: never returns but on failure.
pub fn exec(vr: u32, argv: &[OsString]) -> Result<()> {
    Err(task::exec(vr, argv))
}

/// The name of VR `id`, None if it has none or no longer exists (a task
/// can outlive the deletion of its VR).
fn vr_name(id: u32) -> Result<Option<String>> {
    match fetch(Some(id)) {
        Ok(vrs) => Ok(vrs.into_iter().next().and_then(|vr| vr.name)),
        Err(Error::Kernel { errno, .. }) if errno == libc::ENOENT => Ok(None),
        Err(e) => Err(e),
    }
}

/// Prints the VR of process `pid` (default: vrctl itself, i.e. the VR
/// its caller runs in) and the VR's name. The name is looked up in
/// vrctl's network namespace, so it is left out for a process that is
/// known to be in another one.
pub fn identify(pid: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let pid = pid.unwrap_or_else(std::process::id);
    let vr = task::read_vr(pid)?;
    let name = if task::same_netns(pid) == Some(false) {
        None
    } else {
        vr_name(vr)?
    };
    let text = if fmt.json {
        output::identify_json(pid, vr, name.as_deref(), fmt.pretty).map_err(json_error)?
    } else {
        output::identify_text(vr, name.as_deref())
    };
    write_out(out, &text)
}

fn event_of(cmd: Cmd) -> Option<Event> {
    match cmd {
        Cmd::CreateNtf => Some(Event::Create),
        Cmd::DeleteNtf => Some(Event::Delete),
        Cmd::ChangeNtf => Some(Event::Change),
        _ => None,
    }
}

/// Prints notifications until killed (or until output fails). Lost or
/// undecodable notifications are reported on stderr and skipped.
/// JSON output is one object per line, whatever `pretty` says.
pub fn monitor(fmt: Format, out: &mut dyn Write) -> Result<()> {
    let mut sock = GenlSocket::open_vr()?;
    sock.subscribe(mcgrp::MONITOR)?;
    loop {
        let msgs = match sock.recv_notifications::<VrMessage>() {
            Ok(msgs) => msgs,
            Err(Error::Io { err, .. }) if err.raw_os_error() == Some(libc::ENOBUFS) => {
                eprintln!("Warning: notifications were lost (receive buffer overrun)");
                continue;
            }
            Err(e @ Error::Protocol(_)) => {
                eprintln!("Warning: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        for msg in msgs {
            let Some(event) = event_of(msg.cmd) else {
                continue;
            };
            let vr = match Vr::from_attrs(&msg.attrs) {
                Ok(vr) => vr,
                Err(e) => {
                    eprintln!("Warning: unexpected netlink message: {e}");
                    continue;
                }
            };
            let line = if fmt.json {
                output::event_json(event, &vr).map_err(json_error)?
            } else {
                output::event_text(event, &vr)
            };
            write_out(out, &line)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_interface() {
        let e = ifindex(OsStr::new("no-such-if0"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("cannot find device \"no-such-if0\""));
    }

    #[test]
    fn interface_name_with_nul() {
        assert!(matches!(
            ifindex(OsStr::new("a\0b")),
            Err(Error::NoDevice(_))
        ));
    }

    /// Routes of a table in a throwaway network namespace: the requests
    /// vrctl builds, as a real kernel takes them. Run by
    /// host_route_roundtrip_in_netns under `unshare -rn`.
    #[test]
    #[ignore = "run by host_route_roundtrip_in_netns in a new netns"]
    fn netns_route_roundtrip() {
        assert_eq!(
            std::env::var("VRCTL_TEST_IN_NETNS").as_deref(),
            Ok("1"),
            "only inside a throwaway network namespace"
        );
        let args = |words: &[&str]| {
            let words: Vec<OsString> = words.iter().map(OsString::from).collect();
            route::parse_args(RouteOp::Add, &words).expect("valid arguments")
        };
        let show = |table| {
            let all = args(&["default", "vr", "1"]);
            let all = RouteArgs {
                prefix: None,
                ..all
            };
            output::routes_text(&table_routes(table, &all, None).expect("dump"))
        };
        let lo = ifindex(OsStr::new("lo")).expect("lo");
        let table = 65537;

        let a = args(&["10.99.0.0/24", "dev", "lo", "vr", "1"]);
        modify_table(RouteOp::Add, &a, table, Some(lo)).expect("route add");
        assert_eq!(show(table), "10.99.0.0/24 dev lo scope link\n");
        assert_eq!(show(65538), "");
        assert!(!show(254).contains("10.99.0.0"), "{}", show(254));
        match modify_table(RouteOp::Add, &a, table, Some(lo)) {
            Err(Error::Kernel { errno, .. }) => assert_eq!(errno, libc::EEXIST),
            other => panic!("second add: {other:?}"),
        }

        // A gateway that is not on a link: the kernel explains in extack.
        let g = args(&["10.98.0.0/24", "via", "192.0.2.1", "vr", "1"]);
        match modify_table(RouteOp::Add, &g, table, None) {
            Err(Error::Kernel { errno, msg }) => {
                eprintln!(
                    "kernel said: {}",
                    Error::Kernel {
                        errno,
                        msg: msg.clone()
                    }
                );
                assert_eq!(errno, libc::ENETUNREACH);
                assert!(msg.is_some_and(|m| !m.is_empty()));
            }
            other => panic!("add via an unreachable gateway: {other:?}"),
        }

        // Filters of route show.
        let only = |prefix: &str| {
            let f = args(&[prefix, "vr", "1"]);
            table_routes(table, &f, None).expect("dump").len()
        };
        assert_eq!(only("10.99.0.0/24"), 1);
        assert_eq!(only("10.99.0.0/16"), 0);
        let json = output::routes_json(&table_routes(table, &a, Some(lo)).expect("dump"), false)
            .expect("JSON");
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v[0]["dst"], "10.99.0.0/24");
        assert_eq!(v[0]["dev"], "lo");
        assert_eq!(v[0]["table"], 65537);
        assert_eq!(v[0]["protocol"], "boot");

        // The local table is read through rtm_table 255 (and RTA_TABLE).
        assert!(
            show(255).contains("local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1\n"),
            "{}",
            show(255)
        );

        // Delete: by prefix only, whatever the scope and protocol.
        let d = RouteArgs {
            dev: None,
            ..a.clone()
        };
        modify_table(RouteOp::Del, &d, table, None).expect("route del");
        assert_eq!(show(table), "");
        match modify_table(RouteOp::Del, &d, table, None) {
            Err(Error::Kernel { errno, .. }) => assert_eq!(errno, libc::ESRCH),
            other => panic!("second del: {other:?}"),
        }
    }

    /// Runs netns_route_roundtrip in a new user and network namespace
    /// (unshare -rn, lo up); returns early, saying so, where that is not
    /// possible.
    #[test]
    fn host_route_roundtrip_in_netns() {
        use std::process::Command;
        let exe = std::env::current_exe().expect("test binary");
        let script = r#"ip link set lo up && exec "$0" --ignored --exact commands::tests::netns_route_roundtrip --nocapture"#;
        let probe = Command::new("unshare")
            .args(["-rn", "sh", "-c", "ip link set lo up"])
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "skipping: unshare -rn ip link set lo up failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                return;
            }
            Err(e) => {
                eprintln!("skipping: cannot run unshare: {e}");
                return;
            }
        }
        let out = Command::new("unshare")
            .args(["-rn", "sh", "-c", script])
            .arg(exe)
            .env("VRCTL_TEST_IN_NETNS", "1")
            .output()
            .expect("unshare runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        eprintln!("{text}");
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }

    #[test]
    fn notification_kinds() {
        assert_eq!(event_of(Cmd::CreateNtf), Some(Event::Create));
        assert_eq!(event_of(Cmd::DeleteNtf), Some(Event::Delete));
        assert_eq!(event_of(Cmd::ChangeNtf), Some(Event::Change));
        assert_eq!(event_of(Cmd::Get), None);
    }
}
