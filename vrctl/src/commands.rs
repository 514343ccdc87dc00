// SPDX-License-Identifier: GPL-2.0-only
//! The verbs of vrctl, on top of the netlink socket and the output code.

use std::ffi::OsStr;
use std::io::Write;

use crate::error::{Error, Result};
use netlink_packet_core::NLM_F_DUMP;
use vr_netlink::Error as NlError;

use crate::ctx::{Ctx, Format};
use crate::iface::ifindex;
use crate::output::{self, json_error, write_out, Event};
use crate::route::dump as dump_routes;
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

pub(crate) fn fetch(ctx: &mut Ctx, id: Option<u32>) -> Result<Vec<Vr>> {
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

    #[test]
    fn notification_kinds() {
        assert_eq!(event_of(Cmd::CreateNtf), Some(Event::Create));
        assert_eq!(event_of(Cmd::DeleteNtf), Some(Event::Delete));
        assert_eq!(event_of(Cmd::ChangeNtf), Some(Event::Change));
        assert_eq!(event_of(Cmd::Get), None);
    }
}
