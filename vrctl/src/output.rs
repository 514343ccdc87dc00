// SPDX-License-Identifier: GPL-2.0-only
//! Text and JSON rendering of VRs and notifications. The text formats are
//! relied upon by shell tests: change them with care.

use serde::Serialize;

use std::collections::BTreeMap;
use std::io::Write;

use crate::error::{Error, Result};
use crate::sockets::DiagSocket;
use crate::vr::Vr;

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

/// Writes `s` to `out` and flushes it.
pub fn write_out(out: &mut dyn Write, s: &str) -> Result<()> {
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write output", e))
}

/// The error of a value serde_json cannot render.
pub fn json_error(e: serde_json::Error) -> Error {
    Error::protocol(format!("cannot render JSON: {e}"))
}

/// JSON of `v`, pretty or compact, newline-terminated.
pub fn to_json<T: Serialize + ?Sized>(v: &T, pretty: bool) -> serde_json::Result<String> {
    let mut s = if pretty {
        serde_json::to_string_pretty(v)?
    } else {
        serde_json::to_string(v)?
    };
    s.push('\n');
    Ok(s)
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

/// The name iproute2 gives an interface it cannot name.
pub fn dev_name(oif: u32, dev: &Option<String>) -> String {
    dev.clone().unwrap_or_else(|| format!("if{oif}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vr::Iface;
    use std::net::Ipv4Addr;

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
                stats: Some(crate::vr::Stats {
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
            local: Ipv4Addr::UNSPECIFIED.into(),
            lport: 0,
            remote: Ipv4Addr::UNSPECIFIED.into(),
            rport: 0,
            ifindex: 0,
            uid: 0,
            inode: 0,
            vr: 1,
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
}
