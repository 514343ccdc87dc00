// SPDX-License-Identifier: GPL-2.0-only
//! The VRs: `vrctl create`, `delete`, `list`, `show`, `assign` and
//! `monitor`. Their CLI, their requests of the "vr" family (and, for show,
//! what vrctl counts for each VR through sock_diag, rtnetlink and /proc),
//! their text and JSON output, and the family's messages as vrctl uses
//! them: the library's types (generated from the YNL spec) under vrctl's
//! names, and the decoded view of a VR.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;

use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use vr_netlink::Error as NlError;
use vr_netlink::{mcgrp, Cmd};

pub use vr_netlink::iface::Attr as IfaceAttr;
pub use vr_netlink::stats::Attr as StatsAttr;
pub use vr_netlink::vr::Attr as VrAttr;

use crate::ctx::{Ctx, Format};
use crate::error::{Error, Result};
use crate::iface::ifindex;
use crate::output::{json_error, to_json, write_out};
use crate::route::dump as dump_routes;
use crate::sockets::{self, DiagSocket};
use crate::task;

/// The `name` keyword of `create`, as in iproute2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NameKeyword {
    Name,
}

/// What `show VR` can show besides the VR itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowWhat {
    Sockets,
    Pids,
}

fn parse_name(s: &str) -> std::result::Result<String, String> {
    if s.len() > NAME_ENCODE_MAX {
        return Err(format!("longer than {} bytes", NAME_ENCODE_MAX));
    }
    Ok(s.to_owned())
}

/// The commands of vrctl this module owns.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a VR, optionally with a name
    #[command(override_usage = "vrctl create <VR> [name <NAME>]")]
    Create {
        /// VR id (0-65535)
        vr: u32,
        /// The keyword "name"
        #[arg(
            value_enum,
            requires = "name",
            value_name = "name",
            hide_possible_values = true
        )]
        keyword: Option<NameKeyword>,
        /// Name of the VR
        #[arg(requires = "keyword", value_parser = parse_name)]
        name: Option<String>,
    },
    /// Delete a VR
    Delete {
        /// VR id
        vr: u32,
    },
    /// List all VRs, one line each
    List,
    /// Show details of one or all VRs, or the sockets of one
    #[command(
        override_usage = "vrctl show [<VR>]\n       vrctl show <VR> sockets|pids",
        after_help = "\
\"vrctl show VR sockets\" lists the TCP, UDP and raw sockets of VR, IPv4 and
IPv6, from sock_diag: one line each, protocol, state, local and remote
address, as ss(8) prints them. With -j an array of {proto, raw_protocol,
state, local, lport, remote, rport, ifindex, uid, inode, vr}.

\"vrctl show VR pids\" lists the processes of VR in this network namespace,
\"PID COMM\" each, as ip vrf pids does; with -j an array of {pid, comm}."
    )]
    Show {
        /// VR id (all VRs if omitted)
        vr: Option<u32>,
        /// "sockets" or "pids": the sockets or processes of the VR
        #[arg(value_enum, requires = "vr", hide_possible_values = true)]
        what: Option<ShowWhat>,
    },
    /// Assign an interface to a VR (VR 0 to take it back)
    Assign {
        /// Interface name
        ifname: OsString,
        /// VR id
        vr: u32,
    },
    /// Print VR notifications as they arrive, until killed
    Monitor,
}

/// Runs a VR command with the sockets of `ctx`.
pub fn run(ctx: &mut Ctx, command: Command, fmt: Format, out: &mut dyn Write) -> Result<()> {
    match command {
        Command::Create { vr, name, .. } => create(ctx, vr, name.as_deref()),
        Command::Delete { vr } => delete(ctx, vr),
        Command::List => list(ctx, fmt, out),
        Command::Show {
            vr: Some(vr),
            what: Some(ShowWhat::Sockets),
        } => sockets(ctx, vr, fmt, out),
        Command::Show {
            vr: Some(vr),
            what: Some(ShowWhat::Pids),
        } => pids(ctx, vr, fmt, out),
        Command::Show { vr, what: None } => show(ctx, vr, fmt, out),
        Command::Show { vr: None, .. } => show(ctx, None, fmt, out),
        Command::Assign { ifname, vr } => assign(ctx, &ifname, vr),
        Command::Monitor => monitor(ctx, fmt, out),
    }
}

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
        vrs_json(&vrs, fmt.pretty).map_err(json_error)?
    } else {
        list_text(&vrs)
    };
    write_out(out, &text)
}

/// `show`: the VRs with their counters, and what vrctl counts for each:
/// sockets by protocol and state, processes and routes.
pub fn show(ctx: &mut Ctx, id: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(ctx, id)?;
    let socks = sockets::dump(ctx)?;
    let processes = task::process_counts()?;
    let routes = dump_routes(ctx)?;
    let shown: Vec<Shown<'_>> = vrs
        .iter()
        .map(|vr| Shown {
            vr,
            summary: Summary {
                sockets: SocketCounts::of(socks.iter().filter(|s| s.vr == vr.id)),
                processes: processes.get(&vr.id).copied().unwrap_or(0),
                routes: routes.iter().filter(|r| r.table == vr.table).count(),
            },
        })
        .collect();
    let text = if fmt.json {
        to_json(&shown, fmt.pretty).map_err(json_error)?
    } else {
        show_text(&shown)
    };
    write_out(out, &text)
}

/// `show VR sockets`: the TCP, UDP and raw sockets of VR `id`.
pub fn sockets(ctx: &mut Ctx, id: u32, fmt: Format, out: &mut dyn Write) -> Result<()> {
    fetch(ctx, Some(id))?;
    let socks: Vec<_> = sockets::dump(ctx)?
        .into_iter()
        .filter(|s| s.vr == id)
        .collect();
    let text = if fmt.json {
        to_json(&socks, fmt.pretty).map_err(json_error)?
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
        pids_json(&pids, fmt.pretty).map_err(json_error)?
    } else {
        pids_text(&pids)
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
                event_json(event, &vr).map_err(json_error)?
            } else {
                event_text(event, &vr)
            };
            write_out(out, &line)?;
        }
    }
}

/// Kinds of notifications of the "monitor" group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Create,
    Delete,
    Change,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Create => "create",
            Event::Delete => "delete",
            Event::Change => "change",
        }
    }
}

fn name_or_dash(vr: &Vr) -> &str {
    vr.name.as_deref().unwrap_or("-")
}

/// The interface names separated by spaces, or `empty` without interfaces.
fn ifnames(vr: &Vr, empty: &str) -> String {
    if vr.interfaces.is_empty() {
        return empty.to_owned();
    }
    vr.interfaces
        .iter()
        .map(|i| i.display_name())
        .collect::<Vec<_>>()
        .join(" ")
}

fn list_row(id: &str, name: &str, table: &str, ifaces: &str) -> String {
    format!("{id:<6} {name:<16} {table:<6} {ifaces}\n")
}

/// `vrctl list`: a header, then one line per VR.
pub fn list_text(vrs: &[Vr]) -> String {
    let mut out = list_row("VR", "NAME", "TABLE", "INTERFACES");
    for vr in vrs {
        out += &list_row(
            &vr.id.to_string(),
            name_or_dash(vr),
            &vr.table.to_string(),
            &ifnames(vr, "-"),
        );
    }
    out
}

/// Sockets of one protocol of a VR: how many, and how many in each state
/// (by the names `ss` gives them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProtoCount {
    pub total: usize,
    pub states: BTreeMap<&'static str, usize>,
}

/// The TCP, UDP and raw sockets of a VR, counted by protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SocketCounts {
    pub tcp: ProtoCount,
    pub udp: ProtoCount,
    pub raw: ProtoCount,
}

impl SocketCounts {
    pub fn of<'a>(socks: impl Iterator<Item = &'a DiagSocket>) -> SocketCounts {
        let mut c = SocketCounts {
            tcp: ProtoCount::default(),
            udp: ProtoCount::default(),
            raw: ProtoCount::default(),
        };
        for s in socks {
            let p = match s.proto {
                "tcp" => &mut c.tcp,
                "udp" => &mut c.udp,
                _ => &mut c.raw,
            };
            p.total += 1;
            *p.states.entry(s.state).or_insert(0) += 1;
        }
        c
    }
}

/// What `vrctl show` counts for a VR besides the kernel's attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sockets: SocketCounts,
    pub processes: usize,
    /// IPv4 routes in the VR's table.
    pub routes: usize,
}

/// A VR as `vrctl show` prints it (in JSON, the attributes of both side by side).
#[derive(Debug, Serialize)]
pub struct Shown<'a> {
    #[serde(flatten)]
    pub vr: &'a Vr,
    #[serde(flatten)]
    pub summary: Summary,
}

fn proto_text(name: &str, p: &ProtoCount) -> String {
    if p.states.is_empty() {
        return format!("{name} {}", p.total);
    }
    let states = p
        .states
        .iter()
        .map(|(state, n)| format!("{state} {n}"))
        .collect::<Vec<_>>()
        .join(" ");
    format!("{name} {} ({states})", p.total)
}

/// `vrctl show`: a few lines per VR, a blank line between VRs.
pub fn show_text(vrs: &[Shown<'_>]) -> String {
    vrs.iter()
        .map(|Shown { vr, summary }| {
            let mut s = format!(
                "vr {} name {} table {}\n\tinterfaces: {}\n",
                vr.id,
                name_or_dash(vr),
                vr.table,
                ifnames(vr, "none")
            );
            if let Some(st) = &vr.stats {
                s += &format!(
                    "\tpackets: rx {} tx {} forwarded {} dropped {}\n",
                    st.rx_packets, st.tx_packets, st.fwd_packets, st.drop_packets
                );
            }
            let socks = &summary.sockets;
            s += &format!(
                "\tsockets: {}, {}, {}\n\tprocesses: {}\n\troutes: {}\n",
                proto_text("tcp", &socks.tcp),
                proto_text("udp", &socks.udp),
                proto_text("raw", &socks.raw),
                summary.processes,
                summary.routes
            );
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `show VR pids`: "PID COMM" lines, as `ip vrf pids` prints them.
pub fn pids_text(pids: &[(u32, String)]) -> String {
    pids.iter()
        .map(|(pid, comm)| format!("{pid:>5}  {comm}\n"))
        .collect()
}

#[derive(Serialize)]
struct PidJson<'a> {
    pid: u32,
    comm: &'a str,
}

pub fn pids_json(pids: &[(u32, String)], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<PidJson<'_>> = pids
        .iter()
        .map(|(pid, comm)| PidJson { pid: *pid, comm })
        .collect();
    to_json(&v, pretty)
}

/// `-j list` and `-j show`: one JSON array, newline-terminated.
pub fn vrs_json(vrs: &[Vr], pretty: bool) -> serde_json::Result<String> {
    to_json(vrs, pretty)
}

/// `vrctl monitor`: one line per notification.
pub fn event_text(event: Event, vr: &Vr) -> String {
    format!(
        "{} vr {} name {} table {} interfaces: {}\n",
        event.as_str(),
        vr.id,
        name_or_dash(vr),
        vr.table,
        ifnames(vr, "-")
    )
}

#[derive(Serialize)]
struct EventJson<'a> {
    event: Event,
    vr: &'a Vr,
}

/// `vrctl -j monitor`: one JSON object per line.
pub fn event_json(event: Event, vr: &Vr) -> serde_json::Result<String> {
    let mut s = serde_json::to_string(&EventJson { event, vr })?;
    s.push('\n');
    Ok(s)
}

/// A message of the attribute set "vr".
pub type VrMessage = vr_netlink::Message<VrAttr>;

/// Longest name the encoder accepts. The kernel's limit (31 bytes) is
/// enforced by the kernel so that its extack message reaches the user; this
/// only keeps the attribute length within its u16 field.
pub const NAME_ENCODE_MAX: usize = 1024;

/// An interface of a VR, as reported by the kernel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Iface {
    pub ifindex: u32,
    pub name: Option<String>,
}

impl Iface {
    /// The name to print: the interface name, or its index if the kernel
    /// did not give a name.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => self.ifindex.to_string(),
        }
    }
}

/// The packet counters of a VR (the "stats" attribute set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub fwd_packets: u64,
    pub drop_packets: u64,
}

impl Stats {
    fn from_attrs(attrs: &[StatsAttr]) -> Stats {
        let mut s = Stats::default();
        for attr in attrs {
            match attr {
                StatsAttr::RxPackets(v) => s.rx_packets = *v,
                StatsAttr::TxPackets(v) => s.tx_packets = *v,
                StatsAttr::FwdPackets(v) => s.fwd_packets = *v,
                StatsAttr::DropPackets(v) => s.drop_packets = *v,
                StatsAttr::Other(_) => {}
            }
        }
        s
    }
}

/// A VR as reported by VR_CMD_GET replies and notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vr {
    pub id: u32,
    pub name: Option<String>,
    pub table: u32,
    pub interfaces: Vec<Iface>,
    /// Absent from a delete notification, and from kernels without counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
}

impl Vr {
    /// Builds a VR from the attributes of a GET reply or notification.
    /// VR_A_ID is required; a missing table is derived from the id as the
    /// uapi defines it (`vr_netlink::vr_table`).
    pub fn from_attrs(attrs: &[VrAttr]) -> std::result::Result<Vr, String> {
        let mut id = None;
        let mut name = None;
        let mut table = None;
        let mut interfaces = Vec::new();
        let mut stats = None;
        for attr in attrs {
            match attr {
                VrAttr::Id(v) => id = Some(*v),
                VrAttr::Name(s) => name = Some(s.clone()),
                VrAttr::Table(v) => table = Some(*v),
                VrAttr::Iface(nested) => {
                    let mut ifindex = None;
                    let mut ifname = None;
                    for a in nested {
                        match a {
                            IfaceAttr::Ifindex(v) => ifindex = Some(*v),
                            IfaceAttr::Name(s) => ifname = Some(s.clone()),
                            IfaceAttr::Other(_) => {}
                        }
                    }
                    let ifindex = ifindex
                        .ok_or_else(|| "interface without VR_A_IFACE_IFINDEX".to_string())?;
                    interfaces.push(Iface {
                        ifindex,
                        name: ifname,
                    });
                }
                VrAttr::Stats(nested) => stats = Some(Stats::from_attrs(nested)),
                VrAttr::Ifindex(_) | VrAttr::Other(_) => {}
            }
        }
        let id = id.ok_or_else(|| "VR without VR_A_ID".to_string())?;
        // Ids above the range are refused by the kernel, never reported.
        let table = table.unwrap_or(vr_netlink::vr_table(id).unwrap_or(0));
        Ok(Vr {
            id,
            name,
            table,
            interfaces,
            stats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use netlink_packet_core::ParseableParametrized;
    use netlink_packet_generic::{GenlFamily, GenlHeader};
    use std::net::Ipv4Addr;
    use vr_netlink::testing::{emitted, tlv};
    use vr_netlink::Cmd;

    #[test]
    fn encode_create_without_name() {
        let msg = VrMessage::create(7, None);
        assert_eq!(msg.command(), 1);
        assert_eq!(msg.version(), 1);
        assert_eq!(emitted(&msg), vec![8, 0, 1, 0, 7, 0, 0, 0]);
    }

    #[test]
    fn encode_create_with_name() {
        let msg = VrMessage::create(1, Some("red"));
        // "red\0" is exactly 4 bytes: no padding.
        let expected: Vec<u8> = vec![
            8, 0, 1, 0, 1, 0, 0, 0, // VR_A_ID = 1
            8, 0, 2, 0, b'r', b'e', b'd', 0, // VR_A_NAME = "red"
        ];
        assert_eq!(emitted(&msg), expected);
    }

    #[test]
    fn encode_create_name_is_padded() {
        let msg = VrMessage::create(2, Some("green"));
        let expected: Vec<u8> = vec![
            8, 0, 1, 0, 2, 0, 0, 0, // VR_A_ID = 2
            10, 0, 2, 0, b'g', b'r', b'e', b'e', b'n', 0, 0, 0, // len 10, padded to 12
        ];
        assert_eq!(emitted(&msg), expected);
    }

    #[test]
    fn encode_id_above_range_is_sent_unchanged() {
        let msg = VrMessage::delete(70000);
        assert_eq!(msg.command(), 2);
        assert_eq!(emitted(&msg), vec![8, 0, 1, 0, 0x70, 0x11, 0x01, 0x00]);
    }

    #[test]
    fn encode_get_do_and_dump() {
        let msg = VrMessage::get(Some(65535));
        assert_eq!(msg.command(), 3);
        assert_eq!(emitted(&msg), vec![8, 0, 1, 0, 0xff, 0xff, 0, 0]);
        let dump = VrMessage::get(None);
        assert_eq!(dump.command(), 3);
        assert!(emitted(&dump).is_empty());
    }

    #[test]
    fn encode_assign() {
        let msg = VrMessage::assign(3, 1);
        assert_eq!(msg.command(), 4);
        let expected: Vec<u8> = vec![
            8, 0, 4, 0, 3, 0, 0, 0, // VR_A_IFINDEX = 3
            8, 0, 1, 0, 1, 0, 0, 0, // VR_A_ID = 1
        ];
        assert_eq!(emitted(&msg), expected);
    }

    #[test]
    fn encode_nested_iface_sets_nested_flag() {
        let msg = VrMessage {
            cmd: vr_netlink::Cmd::ChangeNtf,
            attrs: vec![VrAttr::Iface(vec![
                IfaceAttr::Ifindex(3),
                IfaceAttr::Name("veth1".into()),
            ])],
        };
        let mut inner = tlv(vr_netlink::iface::IFINDEX, &3u32.to_ne_bytes());
        inner.extend(tlv(vr_netlink::iface::NAME, b"veth1\0"));
        let expected = tlv(vr_netlink::vr::IFACE | 0x8000, &inner);
        assert_eq!(emitted(&msg), expected);
    }

    fn reply_bytes() -> Vec<u8> {
        let mut b = tlv(vr_netlink::vr::ID, &1u32.to_ne_bytes());
        b.extend(tlv(vr_netlink::vr::NAME, b"red\0"));
        b.extend(tlv(vr_netlink::vr::TABLE, &65537u32.to_ne_bytes()));
        for (idx, name) in [(3u32, &b"veth1\0"[..]), (4, &b"veth2\0"[..])] {
            let mut inner = tlv(vr_netlink::iface::IFINDEX, &idx.to_ne_bytes());
            inner.extend(tlv(vr_netlink::iface::NAME, name));
            b.extend(tlv(vr_netlink::vr::IFACE | 0x8000, &inner));
        }
        // NLA_UINT: 4 bytes while the value fits, else 8.
        let mut stats = tlv(vr_netlink::stats::RX_PACKETS, &10u32.to_ne_bytes());
        stats.extend(tlv(
            vr_netlink::stats::TX_PACKETS,
            &(1u64 << 33).to_ne_bytes(),
        ));
        stats.extend(tlv(vr_netlink::stats::FWD_PACKETS, &0u32.to_ne_bytes()));
        stats.extend(tlv(vr_netlink::stats::DROP_PACKETS, &3u32.to_ne_bytes()));
        b.extend(tlv(vr_netlink::vr::STATS | 0x8000, &stats));
        b
    }

    #[test]
    fn decode_get_reply() {
        let header = GenlHeader {
            cmd: Cmd::Get.value(),
            version: 1,
        };
        let msg = VrMessage::parse_with_param(&reply_bytes()[..], header).expect("decodes");
        assert_eq!(msg.cmd, vr_netlink::Cmd::Get);
        let vr = Vr::from_attrs(&msg.attrs).expect("valid VR");
        assert_eq!(
            vr,
            Vr {
                id: 1,
                name: Some("red".into()),
                table: 65537,
                interfaces: vec![
                    Iface {
                        ifindex: 3,
                        name: Some("veth1".into())
                    },
                    Iface {
                        ifindex: 4,
                        name: Some("veth2".into())
                    },
                ],
                stats: Some(Stats {
                    rx_packets: 10,
                    tx_packets: 1 << 33,
                    fwd_packets: 0,
                    drop_packets: 3
                }),
            }
        );
    }

    #[test]
    fn decode_stats_of_bad_length_is_an_error() {
        let mut b = tlv(vr_netlink::vr::ID, &1u32.to_ne_bytes());
        b.extend(tlv(
            vr_netlink::vr::STATS | 0x8000,
            &tlv(vr_netlink::stats::RX_PACKETS, &[1, 2]),
        ));
        let header = GenlHeader {
            cmd: Cmd::Get.value(),
            version: 1,
        };
        assert!(VrMessage::parse_with_param(&b[..], header).is_err());
    }

    #[test]
    fn decode_ignores_unknown_attributes() {
        let mut b = tlv(vr_netlink::vr::ID, &0u32.to_ne_bytes());
        b.extend(tlv(42, &[1, 2, 3]));
        b.extend(tlv(vr_netlink::vr::TABLE, &254u32.to_ne_bytes()));
        let header = GenlHeader {
            cmd: Cmd::CreateNtf.value(),
            version: 1,
        };
        let msg = VrMessage::parse_with_param(&b[..], header).expect("decodes");
        let vr = Vr::from_attrs(&msg.attrs).expect("valid VR");
        assert_eq!(
            vr,
            Vr {
                id: 0,
                name: None,
                table: 254,
                interfaces: vec![],
                stats: None,
            }
        );
    }

    #[test]
    fn decode_truncated_attribute_is_an_error() {
        let mut b = tlv(vr_netlink::vr::ID, &1u32.to_ne_bytes());
        b.truncate(6);
        let header = GenlHeader {
            cmd: Cmd::Get.value(),
            version: 1,
        };
        assert!(VrMessage::parse_with_param(&b[..], header).is_err());
    }

    #[test]
    fn decode_short_u32_is_an_error() {
        let b = tlv(vr_netlink::vr::ID, &[1, 0]);
        let header = GenlHeader {
            cmd: Cmd::Get.value(),
            version: 1,
        };
        assert!(VrMessage::parse_with_param(&b[..], header).is_err());
    }

    #[test]
    fn vr_without_id_is_an_error() {
        assert!(Vr::from_attrs(&[VrAttr::Table(254)]).is_err());
    }

    #[test]
    fn roundtrip_reply() {
        let header = GenlHeader {
            cmd: Cmd::Get.value(),
            version: 1,
        };
        let msg = VrMessage::parse_with_param(&reply_bytes()[..], header).expect("decodes");
        assert_eq!(emitted(&msg), reply_bytes());
    }

    fn vrs() -> Vec<Vr> {
        vec![
            Vr {
                id: 0,
                name: Some("default".into()),
                table: 254,
                interfaces: vec![
                    Iface {
                        ifindex: 1,
                        name: Some("lo".into()),
                    },
                    Iface {
                        ifindex: 2,
                        name: Some("eth0".into()),
                    },
                ],
                stats: None,
            },
            Vr {
                id: 1,
                name: Some("red".into()),
                table: 65537,
                interfaces: vec![Iface {
                    ifindex: 3,
                    name: Some("veth1".into()),
                }],
                stats: Some(Stats {
                    rx_packets: 5,
                    tx_packets: 6,
                    fwd_packets: 0,
                    drop_packets: 2,
                }),
            },
            Vr {
                id: 42,
                name: None,
                table: 65578,
                interfaces: vec![],
                stats: None,
            },
        ]
    }

    fn no_sockets() -> SocketCounts {
        SocketCounts::of(std::iter::empty())
    }

    fn shown(vrs: &[Vr]) -> Vec<Shown<'_>> {
        vrs.iter()
            .map(|vr| Shown {
                vr,
                summary: Summary {
                    sockets: no_sockets(),
                    processes: 0,
                    routes: 0,
                },
            })
            .collect()
    }

    fn sock(proto: &'static str, state: &'static str) -> DiagSocket {
        DiagSocket {
            proto,
            raw_protocol: None,
            state,
            tcp_state: 0,
            local: Ipv4Addr::UNSPECIFIED.into(),
            lport: 0,
            remote: Ipv4Addr::UNSPECIFIED.into(),
            rport: 0,
            ifindex: 0,
            uid: 0,
            inode: 0,
            vr: 1,
            v6only: None,
        }
    }

    #[test]
    fn list_header_is_exact() {
        assert_eq!(
            list_text(&[]),
            "VR     NAME             TABLE  INTERFACES\n"
        );
    }

    #[test]
    fn list_rows() {
        let expected = "\
VR     NAME             TABLE  INTERFACES
0      default          254    lo eth0
1      red              65537  veth1
42     -                65578  -
";
        assert_eq!(list_text(&vrs()), expected);
    }

    #[test]
    fn show_all() {
        let expected = "\
vr 0 name default table 254
\tinterfaces: lo eth0
\tsockets: tcp 0, udp 0, raw 0
\tprocesses: 0
\troutes: 0

vr 1 name red table 65537
\tinterfaces: veth1
\tpackets: rx 5 tx 6 forwarded 0 dropped 2
\tsockets: tcp 0, udp 0, raw 0
\tprocesses: 0
\troutes: 0

vr 42 name - table 65578
\tinterfaces: none
\tsockets: tcp 0, udp 0, raw 0
\tprocesses: 0
\troutes: 0
";
        assert_eq!(show_text(&shown(&vrs())), expected);
    }

    #[test]
    fn show_counts() {
        let socks = [
            sock("tcp", "LISTEN"),
            sock("tcp", "ESTAB"),
            sock("tcp", "ESTAB"),
            sock("udp", "UNCONN"),
        ];
        let v = vrs();
        let one = [Shown {
            vr: &v[1],
            summary: Summary {
                sockets: SocketCounts::of(socks.iter()),
                processes: 3,
                routes: 4,
            },
        }];
        assert_eq!(
            show_text(&one),
            "vr 1 name red table 65537\n\tinterfaces: veth1\n\
             \tpackets: rx 5 tx 6 forwarded 0 dropped 2\n\
             \tsockets: tcp 3 (ESTAB 2 LISTEN 1), udp 1 (UNCONN 1), raw 0\n\
             \tprocesses: 3\n\troutes: 4\n"
        );
        let j: serde_json::Value =
            serde_json::from_str(&to_json(&one, false).expect("serializes")).expect("valid");
        assert_eq!(j[0]["id"], 1);
        assert_eq!(j[0]["stats"]["drop_packets"], 2);
        assert_eq!(j[0]["sockets"]["tcp"]["total"], 3);
        assert_eq!(j[0]["sockets"]["tcp"]["states"]["ESTAB"], 2);
        assert_eq!(j[0]["sockets"]["raw"]["total"], 0);
        assert_eq!(j[0]["processes"], 3);
        assert_eq!(j[0]["routes"], 4);
    }

    #[test]
    fn interface_without_name_prints_ifindex() {
        let vr = Vr {
            id: 3,
            name: None,
            table: 65539,
            interfaces: vec![Iface {
                ifindex: 7,
                name: None,
            }],
            stats: None,
        };
        assert!(show_text(&shown(&[vr])).starts_with("vr 3 name - table 65539\n\tinterfaces: 7\n"));
    }

    #[test]
    fn json_compact() {
        let s = vrs_json(&vrs()[1..], false).expect("serializes");
        assert_eq!(
            s,
            "[{\"id\":1,\"name\":\"red\",\"table\":65537,\"interfaces\":[{\"ifindex\":3,\"name\":\"veth1\"}],\
             \"stats\":{\"rx_packets\":5,\"tx_packets\":6,\"fwd_packets\":0,\"drop_packets\":2}},\
             {\"id\":42,\"name\":null,\"table\":65578,\"interfaces\":[]}]\n"
        );
    }

    #[test]
    fn json_pretty_parses_back() {
        let s = vrs_json(&vrs(), true).expect("serializes");
        assert!(s.contains("\n  {\n"));
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v[0]["name"], "default");
        assert_eq!(v[0]["interfaces"][1]["name"], "eth0");
        assert_eq!(v[2]["name"], serde_json::Value::Null);
    }

    #[test]
    fn json_empty() {
        assert_eq!(vrs_json(&[], false).expect("serializes"), "[]\n");
    }

    #[test]
    fn monitor_text() {
        let v = vrs();
        assert_eq!(
            event_text(
                Event::Create,
                &Vr {
                    interfaces: vec![],
                    ..v[1].clone()
                }
            ),
            "create vr 1 name red table 65537 interfaces: -\n"
        );
        assert_eq!(
            event_text(Event::Change, &v[1]),
            "change vr 1 name red table 65537 interfaces: veth1\n"
        );
        assert_eq!(
            event_text(Event::Delete, &v[2]),
            "delete vr 42 name - table 65578 interfaces: -\n"
        );
    }

    #[test]
    fn monitor_json() {
        assert_eq!(
            event_json(Event::Delete, &vrs()[2]).expect("serializes"),
            "{\"event\":\"delete\",\"vr\":{\"id\":42,\"name\":null,\"table\":65578,\"interfaces\":[]}}\n"
        );
    }

    #[test]
    fn notification_kinds() {
        assert_eq!(event_of(Cmd::CreateNtf), Some(Event::Create));
        assert_eq!(event_of(Cmd::DeleteNtf), Some(Event::Delete));
        assert_eq!(event_of(Cmd::ChangeNtf), Some(Event::Change));
        assert_eq!(event_of(Cmd::Get), None);
    }

    #[test]
    fn create_with_name() {
        let cli =
            crate::Cli::try_parse_from(["vrctl", "create", "1", "name", "red"]).expect("parses");
        match cli.command.expect("a command") {
            crate::Command::Vr(Command::Create { vr, keyword, name }) => {
                assert_eq!(vr, 1);
                assert_eq!(keyword, Some(NameKeyword::Name));
                assert_eq!(name.as_deref(), Some("red"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn large_vr_is_kept_for_the_kernel() {
        let cli = crate::Cli::try_parse_from(["vrctl", "delete", "70000"]).expect("parses");
        assert!(matches!(
            cli.command.expect("a command"),
            crate::Command::Vr(Command::Delete { vr: 70000 })
        ));
    }

    #[test]
    fn show_sockets_needs_a_vr() {
        let cli = crate::Cli::try_parse_from(["vrctl", "show", "3", "sockets"]).expect("parses");
        assert!(matches!(
            cli.command.expect("a command"),
            crate::Command::Vr(Command::Show {
                vr: Some(3),
                what: Some(ShowWhat::Sockets)
            })
        ));
        assert!(crate::Cli::try_parse_from(["vrctl", "show", "sockets"]).is_err());
        let cli = crate::Cli::try_parse_from(["vrctl", "show", "3", "pids"]).expect("parses");
        assert!(matches!(
            cli.command.expect("a command"),
            crate::Command::Vr(Command::Show {
                vr: Some(3),
                what: Some(ShowWhat::Pids)
            })
        ));
        assert!(crate::Cli::try_parse_from(["vrctl", "show", "3", "routes"]).is_err());
    }
}
