// SPDX-License-Identifier: GPL-2.0-only
//! Text and JSON rendering of VRs and notifications. The text formats are
//! relied upon by shell tests: change them with care.

use serde::Serialize;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::Ipv4Addr;

use crate::dhost_nl::{self, Dhost, Owner};
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

/// `vrctl identify`: the VR, then its name if it has one, as
/// `ip netns identify` prints a name.
pub fn identify_text(vr: u32, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{vr} name {name}\n"),
        None => format!("{vr}\n"),
    }
}

#[derive(Serialize)]
struct IdentifyJson<'a> {
    pid: u32,
    vr: u32,
    name: Option<&'a str>,
}

/// `vrctl -j identify`: one object.
pub fn identify_json(
    pid: u32,
    vr: u32,
    name: Option<&str>,
    pretty: bool,
) -> serde_json::Result<String> {
    to_json(&IdentifyJson { pid, vr, name }, pretty)
}

/// The name iproute2 gives an interface it cannot name.
pub fn dev_name(oif: u32, dev: &Option<String>) -> String {
    dev.clone().unwrap_or_else(|| format!("if{oif}"))
}

/// `vrctl dhost show`: one line per distributed address, e.g.
/// `10.0.0.100 dev eth0 vr 0 member 2 lead 1 role member`.
pub fn dhosts_text(dhosts: &[Dhost]) -> String {
    dhosts
        .iter()
        .map(|d| {
            format!(
                "{} dev {} vr {} member {} lead {} role {}\n",
                d.addr,
                dev_name(d.ifindex, &d.dev),
                d.vr,
                d.member,
                d.lead,
                d.role()
            )
        })
        .collect()
}

#[derive(Serialize)]
struct DhostJson<'a> {
    addr: Ipv4Addr,
    vr: u32,
    ifindex: u32,
    ifname: Option<&'a str>,
    member: u32,
    lead: u32,
    role: &'static str,
}

/// `vrctl -j dhost show`: one JSON array; `ifname` is null for an
/// interface vrctl cannot name.
pub fn dhosts_json(dhosts: &[Dhost], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<DhostJson> = dhosts
        .iter()
        .map(|d| DhostJson {
            addr: d.addr,
            vr: d.vr,
            ifindex: d.ifindex,
            ifname: d.dev.as_deref(),
            member: d.member,
            lead: d.lead,
            role: d.role(),
        })
        .collect();
    to_json(&v, pretty)
}

/// `vrctl dhost owner show`: one line per entry, in the words of
/// `owner add`, e.g. `10.0.0.100 tcp 40000-49999 member 3` or
/// `10.0.0.100 tcp 80 remote 10.0.0.2:40000 member 2 vr 1` (`vr` unless 0).
pub fn owners_text(owners: &[Owner]) -> String {
    owners
        .iter()
        .map(|o| {
            let mut s = format!("{} {} {}", o.addr, dhost_nl::proto_name(o.proto), o.ports());
            if let Some((addr, port)) = o.remote {
                s += &format!(" remote {addr}:{port}");
            }
            s += &format!(" member {}", o.member);
            if o.vr != 0 {
                s += &format!(" vr {}", o.vr);
            }
            s.push('\n');
            s
        })
        .collect()
}

#[derive(Serialize)]
struct OwnerJson {
    addr: Ipv4Addr,
    vr: u32,
    proto: String,
    port: u32,
    port_last: u32,
    remote: Option<Ipv4Addr>,
    remote_port: Option<u32>,
    member: u32,
}

/// `vrctl -j dhost owner show`: one JSON array. Every key is always there:
/// `port_last` equals `port` but for a range, `remote` and `remote_port`
/// are null but for a connection.
pub fn owners_json(owners: &[Owner], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<OwnerJson> = owners
        .iter()
        .map(|o| OwnerJson {
            addr: o.addr,
            vr: o.vr,
            proto: dhost_nl::proto_name(o.proto),
            port: o.port,
            port_last: o.port_last,
            remote: o.remote.map(|(a, _)| a),
            remote_port: o.remote.map(|(_, p)| p),
            member: o.member,
        })
        .collect();
    to_json(&v, pretty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vr::Iface;

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

    #[test]
    fn identify_text_forms() {
        assert_eq!(identify_text(1, Some("red")), "1 name red\n");
        assert_eq!(identify_text(0, Some("default")), "0 name default\n");
        assert_eq!(identify_text(42, None), "42\n");
    }

    #[test]
    fn identify_json_forms() {
        assert_eq!(
            identify_json(123, 1, Some("red"), false).expect("serializes"),
            "{\"pid\":123,\"vr\":1,\"name\":\"red\"}\n"
        );
        assert_eq!(
            identify_json(7, 42, None, false).expect("serializes"),
            "{\"pid\":7,\"vr\":42,\"name\":null}\n"
        );
        let pretty = identify_json(7, 2, Some("blue"), true).expect("serializes");
        assert!(pretty.contains("\n  \"vr\": 2,\n"), "{pretty}");
    }

    fn dhosts() -> Vec<Dhost> {
        let d = Dhost {
            addr: Ipv4Addr::new(10, 0, 0, 100),
            vr: 0,
            ifindex: 2,
            dev: Some("eth0".into()),
            member: 2,
            lead: 1,
        };
        vec![
            d.clone(),
            Dhost {
                addr: Ipv4Addr::new(10, 1, 0, 100),
                vr: 1,
                ifindex: 9,
                dev: None,
                member: 1,
                ..d
            },
        ]
    }

    #[test]
    fn dhost_text() {
        assert_eq!(
            dhosts_text(&dhosts()),
            "10.0.0.100 dev eth0 vr 0 member 2 lead 1 role member\n\
             10.1.0.100 dev if9 vr 1 member 1 lead 1 role lead\n"
        );
        assert_eq!(dhosts_text(&[]), "");
    }

    #[test]
    fn dhost_json() {
        assert_eq!(
            dhosts_json(&dhosts(), false).expect("serializes"),
            "[{\"addr\":\"10.0.0.100\",\"vr\":0,\"ifindex\":2,\"ifname\":\"eth0\",\
             \"member\":2,\"lead\":1,\"role\":\"member\"},\
             {\"addr\":\"10.1.0.100\",\"vr\":1,\"ifindex\":9,\"ifname\":null,\
             \"member\":1,\"lead\":1,\"role\":\"lead\"}]\n"
        );
        let pretty = dhosts_json(&dhosts(), true).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&pretty).expect("valid JSON");
        assert_eq!(v[1]["role"], "lead");
        assert_eq!(dhosts_json(&[], false).expect("serializes"), "[]\n");
    }

    fn owners() -> Vec<Owner> {
        let port = Owner {
            addr: Ipv4Addr::new(10, 0, 0, 100),
            vr: 0,
            proto: 6,
            port: 80,
            port_last: 80,
            remote: None,
            member: 2,
        };
        vec![
            port.clone(),
            Owner {
                proto: 17,
                port: 40000,
                port_last: 49999,
                member: 3,
                ..port.clone()
            },
            Owner {
                remote: Some((Ipv4Addr::new(10, 0, 0, 2), 40000)),
                vr: 1,
                ..port
            },
        ]
    }

    #[test]
    fn owner_text() {
        assert_eq!(
            owners_text(&owners()),
            "10.0.0.100 tcp 80 member 2\n\
             10.0.0.100 udp 40000-49999 member 3\n\
             10.0.0.100 tcp 80 remote 10.0.0.2:40000 member 2 vr 1\n"
        );
        assert_eq!(owners_text(&[]), "");
    }

    #[test]
    fn owner_text_is_what_owner_add_takes() {
        use crate::dhost_nl::{parse_owner, OwnerOp};
        for line in owners_text(&owners()).lines() {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            let a = parse_owner(OwnerOp::Add, &args).expect("parses");
            assert_eq!(a.addr, Ipv4Addr::new(10, 0, 0, 100), "{line}");
        }
    }

    #[test]
    fn owner_json() {
        assert_eq!(
            owners_json(&owners(), false).expect("serializes"),
            "[{\"addr\":\"10.0.0.100\",\"vr\":0,\"proto\":\"tcp\",\"port\":80,\"port_last\":80,\
             \"remote\":null,\"remote_port\":null,\"member\":2},\
             {\"addr\":\"10.0.0.100\",\"vr\":0,\"proto\":\"udp\",\"port\":40000,\"port_last\":49999,\
             \"remote\":null,\"remote_port\":null,\"member\":3},\
             {\"addr\":\"10.0.0.100\",\"vr\":1,\"proto\":\"tcp\",\"port\":80,\"port_last\":80,\
             \"remote\":\"10.0.0.2\",\"remote_port\":40000,\"member\":2}]\n"
        );
        let pretty = owners_json(&owners(), true).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&pretty).expect("valid JSON");
        assert_eq!(v[2]["remote_port"], 40000);
        assert_eq!(owners_json(&[], false).expect("serializes"), "[]\n");
    }
}
