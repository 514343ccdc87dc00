// SPDX-License-Identifier: GPL-2.0-only
//! The verbs of vrctl, on top of the netlink socket and the output code.

use std::ffi::{CString, OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use crate::error::{Error, Result};
use netlink_packet_core::NLM_F_DUMP;
use netlink_sys::protocols::{NETLINK_ROUTE, NETLINK_SOCK_DIAG};
use vr_netlink::Error as NlError;

use crate::dhost_nl::{
    self, owner_request, DhostDel, DhostMessage, DhostSet, Owner, OwnerArgs, OwnerMessage, OwnerOp,
};
use crate::output::{self, Event};
use crate::route::{self, Route, RouteArgs, RouteOp};
use crate::sockets::{
    self, DiagMessage, DiagRequest, AF_INET, AF_INET6, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP,
};
use crate::task;
use crate::vr::{Vr, VrMessage};
use vr_netlink::socket::{GenlSocket, NlSocket};
use vr_netlink::{mcgrp, Cmd};

/// The netlink sockets of one run of vrctl, one command or every line of
/// a batch: each is opened on first use (a command that needs none opens
/// none) and reused after, the generic netlink one resolving the "vr"
/// family once. A socket whose family is not found stays open and tries
/// again on its next use.
pub struct Ctx {
    family: &'static str,
    genl: Option<GenlSocket>,
    rtnl: Option<NlSocket>,
    diag: Option<NlSocket>,
    opened: Opened,
}

/// How many sockets a `Ctx` opened (or tried to) and how often it
/// resolved the family.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub genl: usize,
    pub resolved: usize,
    pub rtnl: usize,
    pub diag: usize,
}

/// The socket kept in `slot`, opened with `open` (and counted in `count`)
/// if there is none yet.
fn kept<'a, T>(
    slot: &'a mut Option<T>,
    count: &mut usize,
    open: impl FnOnce() -> vr_netlink::error::Result<T>,
) -> Result<&'a mut T> {
    let sock = match slot.take() {
        Some(sock) => sock,
        None => {
            *count += 1;
            open()?
        }
    };
    Ok(slot.insert(sock))
}

impl Ctx {
    pub fn new() -> Self {
        Ctx::of_family(vr_netlink::FAMILY_NAME)
    }

    /// A context whose generic netlink socket is of family `family` (the
    /// tests use nlctrl, which every kernel has).
    fn of_family(family: &'static str) -> Self {
        Ctx {
            family,
            genl: None,
            rtnl: None,
            diag: None,
            opened: Opened::default(),
        }
    }

    /// The generic netlink socket of the "vr" family.
    pub fn genl(&mut self) -> Result<&mut GenlSocket> {
        let sock = kept(&mut self.genl, &mut self.opened.genl, GenlSocket::open)?;
        if !sock.is_resolved() {
            self.opened.resolved += 1;
            sock.resolve(self.family)?;
        }
        Ok(sock)
    }

    /// The rtnetlink socket (routes).
    pub fn rtnl(&mut self) -> Result<&mut NlSocket> {
        kept(&mut self.rtnl, &mut self.opened.rtnl, || {
            NlSocket::open(NETLINK_ROUTE)
        })
    }

    /// The sock_diag socket (`show`, `show VR sockets`).
    pub fn diag(&mut self) -> Result<&mut NlSocket> {
        kept(&mut self.diag, &mut self.opened.diag, || {
            NlSocket::open(NETLINK_SOCK_DIAG)
        })
    }

    /// After `err`, whether the next command may use the same sockets: a
    /// refusal of the kernel, or an error found before any request, ends
    /// an exchange cleanly; after a reply vrctl could not read (or a failed
    /// read) the rest of that exchange may still be queued, and a dump may
    /// still be running, which would make the kernel refuse the next dump
    /// on the socket with EBUSY.
    pub fn usable_after(err: &Error) -> bool {
        !matches!(
            err,
            Error::Netlink(NlError::Protocol(_) | NlError::Io { .. })
        )
    }

    /// Closes the sockets; the next command opens new ones.
    pub fn forget_sockets(&mut self) {
        self.genl = None;
        self.rtnl = None;
        self.diag = None;
    }

    #[cfg(test)]
    pub fn opened(&self) -> Opened {
        self.opened
    }
}

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
        .map(|m| Vr::from_attrs(&m.attrs).map_err(Error::protocol))
        .collect::<Result<Vec<_>>>()?;
    vrs.sort_by_key(|vr| vr.id);
    Ok(vrs)
}

fn json_error(e: serde_json::Error) -> Error {
    Error::protocol(format!("cannot render JSON: {e}"))
}

pub fn create(ctx: &mut Ctx, id: u32, name: Option<&str>) -> Result<()> {
    ctx.genl()?.request(VrMessage::create(id, name))?;
    Ok(())
}

pub fn delete(ctx: &mut Ctx, id: u32) -> Result<()> {
    ctx.genl()?.request(VrMessage::delete(id))?;
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
fn dump_routes(ctx: &mut Ctx) -> Result<Vec<Route>> {
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
    use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};

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
    fn ctx_opens_nothing_a_command_does_not_need() {
        let mut ctx = Ctx::new();
        assert!(matches!(
            assign(&mut ctx, OsStr::new("nosuchdev0"), 1),
            Err(Error::NoDevice(_))
        ));
        let mut out = Vec::new();
        assert!(matches!(
            identify(&mut ctx, Some(4_194_305), Format::default(), &mut out),
            Err(Error::NoProcess(_))
        ));
        let route = route::parse_args(
            RouteOp::Show,
            &["dev", "nosuchdev0", "vr", "1"].map(OsString::from),
        )
        .expect("valid");
        assert!(matches!(
            route_show(&mut ctx, &route, Format::default(), &mut out),
            Err(Error::NoDevice(_))
        ));
        assert_eq!(ctx.opened(), Opened::default());
    }

    /// Returns early, saying so, where netlink sockets cannot be opened.
    fn netlink_available() -> bool {
        match GenlSocket::open() {
            Ok(_) => true,
            Err(e) => {
                eprintln!("skipping: no generic netlink socket here: {e}");
                false
            }
        }
    }

    /// What a batch of many lines does to the sockets: one generic netlink
    /// socket, whose family is resolved once, and one rtnetlink socket,
    /// however many requests go through them (nlctrl stands for the vr
    /// family, which this host may lack).
    #[test]
    fn host_ctx_opens_each_socket_once() {
        if !netlink_available() {
            return;
        }
        let mut ctx = Ctx::of_family("nlctrl");
        for _ in 0..200 {
            let families = ctx
                .genl()
                .expect("nlctrl resolves")
                .dump(GenlCtrl {
                    cmd: GenlCtrlCmd::GetFamily,
                    nlas: vec![],
                })
                .expect("dump of families");
            assert!(!families.is_empty());
            dump_routes(&mut ctx).expect("route dump");
        }
        assert_eq!(
            ctx.opened(),
            Opened {
                genl: 1,
                resolved: 1,
                rtnl: 1,
                diag: 0
            }
        );
    }

    /// After a reply it could not read, a batch starts again with new
    /// sockets; after a refusal of the kernel it keeps them.
    #[test]
    fn host_ctx_forgets_sockets_after_a_protocol_error() {
        assert!(!Ctx::usable_after(&Error::protocol("bad reply".into())));
        assert!(Ctx::usable_after(&Error::Netlink(NlError::Kernel {
            errno: libc::EBUSY,
            msg: None
        })));
        assert!(Ctx::usable_after(&Error::NoDevice("x".into())));
        if !netlink_available() {
            return;
        }
        let mut ctx = Ctx::of_family("nlctrl");
        ctx.genl().expect("nlctrl resolves");
        dump_routes(&mut ctx).expect("route dump");
        ctx.forget_sockets();
        ctx.genl().expect("nlctrl resolves");
        dump_routes(&mut ctx).expect("route dump");
        assert_eq!(
            ctx.opened(),
            Opened {
                genl: 2,
                resolved: 2,
                rtnl: 2,
                diag: 0
            }
        );
    }

    /// Without the family, the socket stays and each use asks again.
    #[test]
    fn host_ctx_keeps_the_socket_of_a_missing_family() {
        if !netlink_available() {
            return;
        }
        let mut ctx = Ctx::of_family("no-such-family");
        for _ in 0..5 {
            assert!(matches!(
                ctx.genl(),
                Err(Error::Netlink(NlError::FamilyNotFound(_)))
            ));
        }
        assert_eq!(
            ctx.opened(),
            Opened {
                genl: 1,
                resolved: 5,
                ..Opened::default()
            }
        );
    }

    #[test]
    fn notification_kinds() {
        assert_eq!(event_of(Cmd::CreateNtf), Some(Event::Create));
        assert_eq!(event_of(Cmd::DeleteNtf), Some(Event::Delete));
        assert_eq!(event_of(Cmd::ChangeNtf), Some(Event::Change));
        assert_eq!(event_of(Cmd::Get), None);
    }
}
