// SPDX-License-Identifier: GPL-2.0-only
//! The verbs of vrctl, on top of the netlink socket and the output code.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use crate::error::{Error, Result};
use netlink_packet_core::NLM_F_DUMP;
use vr_netlink::Error as NlError;

use crate::ctx::{Ctx, Format};
use crate::dhost_nl::{
    self, owner_request, DhostDel, DhostMessage, DhostSet, Owner, OwnerArgs, OwnerMessage, OwnerOp,
};
use crate::iface::{ifindex, ifname};
use crate::output::{self, json_error, write_out, Event};
use crate::route::{self, Route, RouteArgs, RouteOp};
use crate::sockets::{
    self, DiagMessage, DiagRequest, AF_INET, AF_INET6, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP,
};
use crate::task;
use crate::vr::{Vr, VrMessage};
use vr_netlink::{mcgrp, Cmd};

fn to_vrs(msgs: &[VrMessage]) -> Result<Vec<Vr>> {
    let mut vrs = msgs
        .iter()
        .map(|m| Vr::from_attrs(&m.attrs).map_err(Error::protocol))
        .collect::<Result<Vec<_>>>()?;
    vrs.sort_by_key(|vr| vr.id);
    Ok(vrs)
}

pub fn create(ctx: &mut Ctx, id: u32, name: Option<&str>) -> Result<()> {
    ctx.genl()?.request(VrMessage::create(id, name))?;
    Ok(())
}

pub fn delete(ctx: &mut Ctx, id: u32) -> Result<()> {
    ctx.genl()?.request(VrMessage::delete(id))?;
    Ok(())
}

pub fn assign(ctx: &mut Ctx, ifname: &OsStr, id: u32) -> Result<()> {
    let index = ifindex(ifname)?;
    ctx.genl()?.request(VrMessage::assign(index, id))?;
    Ok(())
}

fn fetch(ctx: &mut Ctx, id: Option<u32>) -> Result<Vec<Vr>> {
    let sock = ctx.genl()?;
    let replies = match id {
        Some(id) => sock.request(VrMessage::get(Some(id)))?,
        None => sock.dump(VrMessage::get(None))?,
    };
    to_vrs(&replies)
}

pub fn list(ctx: &mut Ctx, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(ctx, None)?;
    let text = if fmt.json {
        output::vrs_json(&vrs, fmt.pretty).map_err(json_error)?
    } else {
        output::list_text(&vrs)
    };
    write_out(out, &text)
}

/// `show`: the VRs with their counters, and what vrctl counts for each:
/// sockets by protocol and state, processes and routes.
pub fn show(ctx: &mut Ctx, id: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(ctx, id)?;
    let socks = diag_sockets(ctx)?;
    let processes = task::process_counts()?;
    let routes = dump_routes(ctx)?;
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
fn diag_sockets(ctx: &mut Ctx) -> Result<Vec<sockets::DiagSocket>> {
    let nl = ctx.diag()?;
    let mut socks = Vec::new();
    for (protocol, name) in [
        (IPPROTO_TCP, "tcp"),
        (IPPROTO_UDP, "udp"),
        (IPPROTO_RAW, "raw"),
    ] {
        for family in [AF_INET, AF_INET6] {
            let request = DiagMessage::Request(DiagRequest { family, protocol });
            let replies = match nl.transact(request, NLM_F_DUMP) {
                Err(NlError::Kernel { errno, .. }) if errno == libc::ENOENT => continue,
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
pub fn sockets(ctx: &mut Ctx, id: u32, fmt: Format, out: &mut dyn Write) -> Result<()> {
    fetch(ctx, Some(id))?;
    let socks: Vec<_> = diag_sockets(ctx)?
        .into_iter()
        .filter(|s| s.vr == id)
        .collect();
    let text = if fmt.json {
        output::to_json(&socks, fmt.pretty).map_err(json_error)?
    } else {
        sockets::text(&socks)
    };
    write_out(out, &text)
}

/// `show VR pids`: the processes of VR `id` in this network namespace.
pub fn pids(ctx: &mut Ctx, id: u32, fmt: Format, out: &mut dyn Write) -> Result<()> {
    fetch(ctx, Some(id))?;
    let pids = task::pids_in(id)?;
    let text = if fmt.json {
        output::pids_json(&pids, fmt.pretty).map_err(json_error)?
    } else {
        output::pids_text(&pids)
    };
    write_out(out, &text)
}

/// The FIB table of VR `id`, as the kernel reports it.
fn vr_table(ctx: &mut Ctx, id: u32) -> Result<u32> {
    fetch(ctx, Some(id))?
        .first()
        .map(|vr| vr.table)
        .ok_or_else(|| Error::protocol(format!("no reply for VR {id}")))
}

/// `route add` and `route del` in the table of `args.vr`. The interface
/// name is resolved first, the table next, then the kernel has its say.
pub fn route_modify(ctx: &mut Ctx, op: RouteOp, args: &RouteArgs) -> Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(ctx, args.vr)?;
    modify_table(ctx, op, args, table, oif)
}

fn modify_table(
    ctx: &mut Ctx,
    op: RouteOp,
    args: &RouteArgs,
    table: u32,
    oif: Option<u32>,
) -> Result<()> {
    let msg = route::modify_request(op, args, table, oif);
    ctx.rtnl()?.transact(msg, route::request_flags(op))?;
    Ok(())
}

/// Every IPv4 route of the namespace, from one rtnetlink dump.
pub(crate) fn dump_routes(ctx: &mut Ctx) -> Result<Vec<Route>> {
    Ok(ctx
        .rtnl()?
        .transact(route::dump_request(), route::request_flags(RouteOp::Show))?
        .iter()
        .filter_map(Route::from_message)
        .collect())
}

/// The IPv4 routes of table `table` matching the selectors of `args`, in
/// the kernel's order, with their interface names.
fn table_routes(
    ctx: &mut Ctx,
    table: u32,
    args: &RouteArgs,
    oif: Option<u32>,
) -> Result<Vec<Route>> {
    let mut routes: Vec<Route> = dump_routes(ctx)?
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
pub fn route_show(ctx: &mut Ctx, args: &RouteArgs, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(ctx, args.vr)?;
    let routes = table_routes(ctx, table, args, oif)?;
    let text = if fmt.json {
        output::routes_json(&routes, fmt.pretty).map_err(json_error)?
    } else {
        output::routes_text(&routes)
    };
    write_out(out, &text)
}

/// `dhost set`: the interface name is resolved first, then the kernel has
/// its say (the address must be configured on the interface).
pub fn dhost_set(ctx: &mut Ctx, args: &DhostSet) -> Result<()> {
    let index = ifindex(&args.dev)?;
    ctx.genl()?
        .request(DhostMessage::set(args.addr, index, args.member, args.lead))?;
    Ok(())
}

pub fn dhost_del(ctx: &mut Ctx, args: &DhostDel) -> Result<()> {
    ctx.genl()?.request(DhostMessage::del(args.addr, args.vr))?;
    Ok(())
}

/// `dhost show`: the distributed addresses by VR and address, with their
/// interface names.
pub fn dhost_show(ctx: &mut Ctx, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let mut dhosts = dhost_nl::dhosts(ctx.genl()?)?;
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

/// `dhost owner add|del`.
pub fn owner_modify(ctx: &mut Ctx, op: OwnerOp, args: &OwnerArgs) -> Result<()> {
    ctx.genl()?.request(owner_request(op, args))?;
    Ok(())
}

/// `dhost owner show`: the kernel's copy of the ownership database, by
/// VR, address, protocol and ports.
pub fn owner_show(ctx: &mut Ctx, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let replies = ctx.genl()?.dump(OwnerMessage::dump())?;
    let mut owners = replies
        .iter()
        .map(|m| Owner::from_attrs(&m.attrs).map_err(Error::protocol))
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
fn vr_name(ctx: &mut Ctx, id: u32) -> Result<Option<String>> {
    match fetch(ctx, Some(id)) {
        Ok(vrs) => Ok(vrs.into_iter().next().and_then(|vr| vr.name)),
        Err(e) if e.kernel_errno() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Prints the VR of process `pid` (default: vrctl itself, i.e. the VR
/// its caller runs in) and the VR's name. The name is looked up in
/// vrctl's network namespace, so it is left out for a process that is
/// known to be in another one.
pub fn identify(ctx: &mut Ctx, pid: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let pid = pid.unwrap_or_else(std::process::id);
    let vr = task::read_vr(pid)?;
    let name = if task::same_netns(pid) == Some(false) {
        None
    } else {
        vr_name(ctx, vr)?
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
pub fn monitor(ctx: &mut Ctx, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let sock = ctx.genl()?;
    sock.subscribe(mcgrp::MONITOR)?;
    loop {
        let msgs = match sock.recv_notifications::<VrMessage>() {
            Ok(msgs) => msgs,
            Err(NlError::Io { err, .. }) if err.raw_os_error() == Some(libc::ENOBUFS) => {
                eprintln!("Warning: notifications were lost (receive buffer overrun)");
                continue;
            }
            Err(e @ NlError::Protocol(_)) => {
                eprintln!("Warning: {e}");
                continue;
            }
            Err(e) => return Err(e.into()),
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
    use crate::ctx::Opened;

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
            output::routes_text(&table_routes(&mut Ctx::new(), table, &all, None).expect("dump"))
        };
        let lo = ifindex(OsStr::new("lo")).expect("lo");
        let table = 65537;
        // One rtnetlink socket for the changes and the dumps below.
        let mut ctx = Ctx::new();

        let a = args(&["10.99.0.0/24", "dev", "lo", "vr", "1"]);
        modify_table(&mut ctx, RouteOp::Add, &a, table, Some(lo)).expect("route add");
        assert_eq!(show(table), "10.99.0.0/24 dev lo scope link\n");
        assert_eq!(show(65538), "");
        assert!(!show(254).contains("10.99.0.0"), "{}", show(254));
        match modify_table(&mut ctx, RouteOp::Add, &a, table, Some(lo)) {
            Err(Error::Netlink(NlError::Kernel { errno, .. })) => assert_eq!(errno, libc::EEXIST),
            other => panic!("second add: {other:?}"),
        }

        // A gateway that is not on a link: the kernel explains in extack.
        let g = args(&["10.98.0.0/24", "via", "192.0.2.1", "vr", "1"]);
        match modify_table(&mut ctx, RouteOp::Add, &g, table, None) {
            Err(Error::Netlink(NlError::Kernel { errno, msg })) => {
                eprintln!(
                    "kernel said: {}",
                    NlError::Kernel {
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
            table_routes(&mut Ctx::new(), table, &f, None)
                .expect("dump")
                .len()
        };
        assert_eq!(only("10.99.0.0/24"), 1);
        assert_eq!(only("10.99.0.0/16"), 0);
        let json = output::routes_json(
            &table_routes(&mut ctx, table, &a, Some(lo)).expect("dump"),
            false,
        )
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
        modify_table(&mut ctx, RouteOp::Del, &d, table, None).expect("route del");
        assert_eq!(show(table), "");
        match modify_table(&mut ctx, RouteOp::Del, &d, table, None) {
            Err(Error::Netlink(NlError::Kernel { errno, .. })) => assert_eq!(errno, libc::ESRCH),
            other => panic!("second del: {other:?}"),
        }
        assert_eq!(
            ctx.opened(),
            Opened {
                rtnl: 1,
                ..Opened::default()
            }
        );
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
