// SPDX-License-Identifier: GPL-2.0-only
//! The arguments of `vrctl dhost`: distributed addresses and the kernel's
//! copy of the ownership database. Their messages and decoded entries are
//! the library's ([`vr_netlink::dhost_nl`]), under the same names here.

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddrV4};

use vr_netlink::args::{
    parse_member, parse_number, parse_vr_id, set_once, split, unexpected, utf8,
};
pub use vr_netlink::dhost_nl::*;

use crate::route::parse_dev;

/// `vrctl dhost set ADDR dev IFNAME member N lead M`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhostSet {
    pub addr: Ipv4Addr,
    pub dev: OsString,
    pub member: u32,
    pub lead: u32,
}

/// `vrctl dhost del ADDR [vr K]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhostDel {
    pub addr: Ipv4Addr,
    pub vr: Option<u32>,
}

fn parse_addr(arg: &OsString) -> Result<Ipv4Addr, String> {
    let s = utf8(arg, "address")?;
    s.parse()
        .map_err(|_| format!("invalid address {s:?} (expected an IPv4 address A.B.C.D)"))
}

fn parse_port(s: &str, what: &str) -> Result<u16, String> {
    let n = parse_number(&OsString::from(s), what, u32::from(u16::MAX))?;
    Ok(n as u16)
}

/// `PORT` or `FIRST-LAST`; a range of one port is that port.
fn parse_ports(arg: &OsString) -> Result<(u16, Option<u16>), String> {
    let s = utf8(arg, "port")?;
    let Some((first, last)) = s.split_once('-') else {
        return Ok((parse_port(s, "port")?, None));
    };
    let first = parse_port(first, "port")
        .map_err(|_| format!("invalid port range {s:?} (expected FIRST-LAST, 1-65535)"))?;
    let last = parse_port(last, "port")
        .map_err(|_| format!("invalid port range {s:?} (expected FIRST-LAST, 1-65535)"))?;
    if last < first {
        return Err(format!(
            "invalid port range {s:?} (the last port is below the first)"
        ));
    }
    Ok((first, (last != first).then_some(last)))
}

fn parse_proto(arg: &OsString) -> Result<u8, String> {
    match arg.to_str() {
        Some("tcp") => Ok(IPPROTO_TCP),
        Some("udp") => Ok(IPPROTO_UDP),
        _ => Err(format!(
            "invalid protocol {:?} (expected tcp or udp)",
            arg.to_string_lossy()
        )),
    }
}

/// `RADDR:RPORT`, neither of them zero.
fn parse_remote(arg: &OsString) -> Result<SocketAddrV4, String> {
    let s = utf8(arg, "remote")?;
    s.parse::<SocketAddrV4>()
        .ok()
        .filter(|r| !r.ip().is_unspecified() && r.port() != 0)
        .ok_or_else(|| format!("invalid remote {s:?} (expected A.B.C.D:PORT, port 1-65535)"))
}

/// Parses `ADDR`, `dev IFNAME`, `member N` and `lead M` in any order, each
/// exactly once. An error is a usage error's message.
pub fn parse_dhost_set(args: &[OsString]) -> Result<DhostSet, String> {
    let split = split(args, &["dev", "member", "lead"])?;
    let mut addr = None;
    for arg in split.positional {
        if addr.is_some() {
            return Err(unexpected(arg));
        }
        addr = Some(parse_addr(arg)?);
    }
    let (mut dev, mut member, mut lead) = (None, None, None);
    for (keyword, value) in split.keywords {
        match keyword {
            "dev" => set_once(&mut dev, parse_dev(value)?, "\"dev\"")?,
            "member" => set_once(&mut member, parse_member(value, "member id")?, "\"member\"")?,
            _ => set_once(
                &mut lead,
                parse_member(value, "lead member id")?,
                "\"lead\"",
            )?,
        }
    }
    Ok(DhostSet {
        addr: addr.ok_or("an address is required")?,
        dev: dev.ok_or("\"dev <IFNAME>\" is required")?,
        member: member.ok_or("\"member <N>\" is required")?,
        lead: lead.ok_or("\"lead <M>\" is required")?,
    })
}

/// Parses `ADDR` and the optional `vr K`, in any order.
pub fn parse_dhost_del(args: &[OsString]) -> Result<DhostDel, String> {
    let split = split(args, &["vr"])?;
    let mut addr = None;
    for arg in split.positional {
        if addr.is_some() {
            return Err(unexpected(arg));
        }
        addr = Some(parse_addr(arg)?);
    }
    let mut vr = None;
    for (_, value) in split.keywords {
        set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?;
    }
    Ok(DhostDel {
        addr: addr.ok_or("an address is required")?,
        vr,
    })
}

/// Parses `ADDR tcp|udp PORT[-LAST]` (in this order, the keywords may come
/// between them), `remote RADDR:RPORT`, `vr K` and, for add, `member N`.
/// add needs the member; a connection is of one port, not of a range.
pub fn parse_owner(op: OwnerOp, args: &[OsString]) -> Result<OwnerArgs, String> {
    let keywords: &[&'static str] = match op {
        OwnerOp::Add => &["member", "remote", "vr"],
        OwnerOp::Del => &["remote", "vr"],
    };
    let split = split(args, keywords)?;
    let mut positional = split.positional.into_iter();
    let mut next = |missing: &str| positional.next().ok_or_else(|| missing.to_string());
    let addr = parse_addr(next("an address is required")?)?;
    let proto = parse_proto(next("a protocol is required (tcp or udp)")?)?;
    let (port, port_last) = parse_ports(next("a port or a port range is required")?)?;
    if let Some(arg) = positional.next() {
        if op == OwnerOp::Del && arg.to_str() == Some("member") {
            return Err(
                "unexpected argument \"member\" (del takes the key of the entry only)".into(),
            );
        }
        return Err(unexpected(arg));
    }
    let (mut member, mut remote, mut vr) = (None, None, None);
    for (keyword, value) in split.keywords {
        match keyword {
            "member" => set_once(&mut member, parse_member(value, "member id")?, "\"member\"")?,
            "remote" => set_once(&mut remote, parse_remote(value)?, "\"remote\"")?,
            _ => set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?,
        }
    }
    if op == OwnerOp::Add && member.is_none() {
        return Err("\"member <N>\" is required".into());
    }
    if remote.is_some() && port_last.is_some() {
        return Err("a connection (remote) is of one port, not of a port range".into());
    }
    Ok(OwnerArgs {
        addr,
        vr,
        proto,
        port,
        port_last,
        remote,
        member,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_generic::GenlFamily;
    use vr_netlink::testing::{emitted, tlv};
    use vr_netlink::Cmd;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn u32_attr(kind: u16, v: u32) -> Vec<u8> {
        tlv(kind, &v.to_ne_bytes())
    }

    const ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);

    #[test]
    fn dhost_set_arguments() {
        let want = DhostSet {
            addr: ADDR,
            dev: "eth0".into(),
            member: 2,
            lead: 1,
        };
        let a = parse_dhost_set(&os(&[
            "10.0.0.100",
            "dev",
            "eth0",
            "member",
            "2",
            "lead",
            "1",
        ]));
        assert_eq!(a.as_ref(), Ok(&want));
        // Keywords in any order, the address among them.
        let a = parse_dhost_set(&os(&[
            "lead",
            "1",
            "member",
            "2",
            "10.0.0.100",
            "dev",
            "eth0",
        ]));
        assert_eq!(a, Ok(want));
        let a = parse_dhost_set(&os(&[
            "10.0.0.1", "dev", "d", "member", "65535", "lead", "65535",
        ]))
        .expect("valid");
        assert_eq!((a.member, a.lead), (65535, 65535));
    }

    #[test]
    fn dhost_set_argument_errors() {
        for (args, msg) in [
            (
                &["dev", "eth0", "member", "2", "lead", "1"][..],
                "an address is required",
            ),
            (
                &["10.0.0.100", "member", "2", "lead", "1"],
                "\"dev <IFNAME>\" is required",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "lead", "1"],
                "\"member <N>\" is required",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "2"],
                "\"lead <M>\" is required",
            ),
            (
                &["10.0.0.256", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"10.0.0.256\" (expected an IPv4 address A.B.C.D)",
            ),
            (
                &["fe80::1", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"fe80::1\"",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "0", "lead", "1"],
                "invalid member id \"0\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "2", "lead", "65536"],
                "invalid lead member id \"65536\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "+2", "lead", "1"],
                "invalid member id \"+2\"",
            ),
            (
                &[
                    "10.0.0.100",
                    "dev",
                    "eth0",
                    "member",
                    "2",
                    "lead",
                    "1",
                    "10.0.0.1",
                ],
                "unexpected argument \"10.0.0.1\"",
            ),
            (
                &[
                    "10.0.0.100",
                    "dev",
                    "eth0",
                    "member",
                    "2",
                    "lead",
                    "1",
                    "vr",
                    "1",
                ],
                "unexpected argument \"vr\"",
            ),
            (
                &[
                    "10.0.0.100",
                    "dev",
                    "a",
                    "dev",
                    "b",
                    "member",
                    "2",
                    "lead",
                    "1",
                ],
                "\"dev\" given twice",
            ),
            (
                &["10.0.0.100", "dev", "", "member", "2", "lead", "1"],
                "empty interface name",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "2", "lead"],
                "\"lead\" needs a value",
            ),
        ] {
            match parse_dhost_set(&os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn dhost_del_arguments() {
        assert_eq!(
            parse_dhost_del(&os(&["10.0.0.100"])),
            Ok(DhostDel {
                addr: ADDR,
                vr: None
            })
        );
        assert_eq!(
            parse_dhost_del(&os(&["vr", "3", "10.0.0.100"])),
            Ok(DhostDel {
                addr: ADDR,
                vr: Some(3)
            })
        );
        // VR ids above 65535 are the kernel's to refuse, as elsewhere.
        assert_eq!(
            parse_dhost_del(&os(&["10.0.0.100", "vr", "70000"])).map(|a| a.vr),
            Ok(Some(70000))
        );
        for (args, msg) in [
            (&[][..], "an address is required"),
            (&["vr", "1"], "an address is required"),
            (&["10.0.0.100", "vr", "red"], "invalid VR id \"red\""),
            (&["10.0.0.100", "vr"], "\"vr\" needs a value"),
            (
                &["10.0.0.100", "10.0.0.101"],
                "unexpected argument \"10.0.0.101\"",
            ),
            (
                &["10.0.0.100", "dev", "eth0"],
                "unexpected argument \"dev\"",
            ),
        ] {
            match parse_dhost_del(&os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn owner_arguments() {
        let port = OwnerArgs {
            addr: ADDR,
            vr: None,
            proto: IPPROTO_TCP,
            port: 80,
            port_last: None,
            remote: None,
            member: Some(2),
        };
        let p = |op, args: &[&str]| parse_owner(op, &os(args));
        assert_eq!(
            p(OwnerOp::Add, &["10.0.0.100", "tcp", "80", "member", "2"]),
            Ok(port.clone())
        );
        // Keywords before and between the positional arguments.
        assert_eq!(
            p(OwnerOp::Add, &["member", "2", "10.0.0.100", "tcp", "80"]),
            Ok(port.clone())
        );
        assert_eq!(
            p(
                OwnerOp::Add,
                &["10.0.0.100", "udp", "40000-49999", "member", "3", "vr", "1"]
            ),
            Ok(OwnerArgs {
                proto: IPPROTO_UDP,
                port: 40000,
                port_last: Some(49999),
                member: Some(3),
                vr: Some(1),
                ..port.clone()
            })
        );
        // A range of one port is that port.
        assert_eq!(
            p(OwnerOp::Add, &["10.0.0.100", "tcp", "80-80", "member", "2"]),
            Ok(port.clone())
        );
        let conn = p(
            OwnerOp::Add,
            &[
                "10.0.0.100",
                "tcp",
                "80",
                "remote",
                "10.0.0.2:40000",
                "member",
                "2",
            ],
        );
        assert_eq!(
            conn,
            Ok(OwnerArgs {
                remote: Some(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 40000)),
                ..port.clone()
            })
        );
        assert_eq!(
            p(OwnerOp::Del, &["10.0.0.100", "tcp", "1-65535", "vr", "2"]),
            Ok(OwnerArgs {
                port: 1,
                port_last: Some(65535),
                vr: Some(2),
                member: None,
                ..port
            })
        );
    }

    #[test]
    fn owner_argument_errors() {
        for (op, args, msg) in [
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80"][..],
                "\"member <N>\" is required",
            ),
            (OwnerOp::Add, &[], "an address is required"),
            (OwnerOp::Add, &["member", "1"], "an address is required"),
            (
                OwnerOp::Add,
                &["10.0.0.100", "member", "1"],
                "a protocol is required (tcp or udp)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "member", "1"],
                "a port or a port range is required",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "sctp", "80", "member", "1"],
                "invalid protocol \"sctp\" (expected tcp or udp)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "TCP", "80", "member", "1"],
                "invalid protocol \"TCP\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.1000", "tcp", "80", "member", "1"],
                "invalid address \"10.0.0.1000\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "0", "member", "1"],
                "invalid port \"0\" (expected 1-65535)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "65536", "member", "1"],
                "invalid port \"65536\" (expected 1-65535)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "http", "member", "1"],
                "invalid port \"http\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "50000-40000", "member", "1"],
                "invalid port range \"50000-40000\" (the last port is below the first)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "40000-", "member", "1"],
                "invalid port range \"40000-\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "1-2-3", "member", "1"],
                "invalid port range \"1-2-3\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "65536"],
                "invalid member id \"65536\" (expected 1-65535)",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "member",
                    "1",
                    "remote",
                    "10.0.0.2",
                ],
                "invalid remote \"10.0.0.2\" (expected A.B.C.D:PORT, port 1-65535)",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "member",
                    "1",
                    "remote",
                    "10.0.0.2:0",
                ],
                "invalid remote \"10.0.0.2:0\"",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "member",
                    "1",
                    "remote",
                    "0.0.0.0:5",
                ],
                "invalid remote \"0.0.0.0:5\"",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80-90",
                    "member",
                    "1",
                    "remote",
                    "10.0.0.2:5",
                ],
                "a connection (remote) is of one port, not of a port range",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "1", "member", "2"],
                "\"member\" given twice",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "1", "dev", "eth0"],
                "unexpected argument \"dev\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "1", "vr", "x"],
                "invalid VR id \"x\"",
            ),
            (
                OwnerOp::Del,
                &["10.0.0.100", "tcp", "80", "member", "1"],
                "unexpected argument \"member\" (del takes the key of the entry only)",
            ),
            (
                OwnerOp::Del,
                &["10.0.0.100", "udp"],
                "a port or a port range is required",
            ),
        ] {
            match parse_owner(op, &os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn encode_dhost_set() {
        let args = parse_dhost_set(&os(&[
            "10.0.0.100",
            "dev",
            "eth0",
            "member",
            "2",
            "lead",
            "1",
        ]))
        .expect("valid");
        let msg = DhostMessage::set(args.addr, 7, args.member, args.lead);
        assert_eq!(msg.cmd, Cmd::DhostSet);
        assert_eq!(msg.version(), 1);
        let mut want = tlv(vr_netlink::dhost::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::dhost::IFINDEX, 7));
        want.extend(u32_attr(vr_netlink::dhost::MEMBER, 2));
        want.extend(u32_attr(vr_netlink::dhost::LEAD, 1));
        assert_eq!(emitted(&msg), want);
        // The address bytes are the octets in network order, whatever the
        // host's byte order.
        assert_eq!(&emitted(&msg)[4..8], &[10, 0, 0, 100]);
    }

    fn owner(op: OwnerOp, args: &[&str]) -> OwnerMessage {
        owner_request(op, &parse_owner(op, &os(args)).expect("valid"))
    }

    #[test]
    fn encode_owner_of_a_port() {
        let msg = owner(OwnerOp::Add, &["10.0.0.100", "tcp", "80", "member", "2"]);
        assert_eq!(msg.cmd, Cmd::OwnerSet);
        let mut want = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::owner::PROTO, 6));
        want.extend(u32_attr(vr_netlink::owner::PORT, 80));
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        assert_eq!(emitted(&msg), want);
    }

    #[test]
    fn encode_owner_of_a_range_in_a_vr() {
        let msg = owner(
            OwnerOp::Add,
            &["10.0.0.100", "udp", "40000-49999", "member", "3", "vr", "1"],
        );
        let mut want = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::owner::VR, 1));
        want.extend(u32_attr(vr_netlink::owner::PROTO, 17));
        want.extend(u32_attr(vr_netlink::owner::PORT, 40000));
        want.extend(u32_attr(vr_netlink::owner::PORT_LAST, 49999));
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 3));
        assert_eq!(emitted(&msg), want);
    }

    #[test]
    fn encode_owner_of_a_connection() {
        let args = [
            "10.0.0.100",
            "tcp",
            "80",
            "remote",
            "192.168.1.2:40000",
            "member",
            "2",
        ];
        let mut key = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        key.extend(u32_attr(vr_netlink::owner::PROTO, 6));
        key.extend(u32_attr(vr_netlink::owner::PORT, 80));
        key.extend(tlv(vr_netlink::owner::REMOTE, &[192, 168, 1, 2]));
        key.extend(u32_attr(vr_netlink::owner::REMOTE_PORT, 40000));
        let mut want = key.clone();
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        assert_eq!(emitted(&owner(OwnerOp::Add, &args)), want);
        // del sends the key only.
        let del = owner(OwnerOp::Del, &args[..5]);
        assert_eq!(del.cmd, Cmd::OwnerDel);
        assert_eq!(emitted(&del), key);
        let dump = OwnerMessage::dump();
        assert_eq!(dump.cmd, Cmd::OwnerGet);
        assert!(emitted(&dump).is_empty());
    }

    #[test]
    fn owner_order() {
        let o = |vr, addr: [u8; 4], proto, port, port_last, remote: Option<[u8; 4]>| Owner {
            addr: addr.into(),
            vr,
            proto,
            port,
            port_last,
            remote: remote.map(|r| (r.into(), 1)),
            member: 1,
        };
        let mut v = vec![
            o(1, [10, 0, 0, 1], 6, 80, 80, None),
            o(0, [10, 0, 0, 2], 6, 80, 80, None),
            o(0, [10, 0, 0, 1], 17, 53, 53, None),
            o(0, [10, 0, 0, 1], 6, 80, 80, Some([10, 0, 0, 9])),
            o(0, [10, 0, 0, 1], 6, 80, 90, None),
            o(0, [10, 0, 0, 1], 6, 80, 80, None),
            o(0, [9, 255, 0, 1], 6, 80, 80, None),
        ];
        v.sort_by_key(Owner::sort_key);
        let text = crate::output::owners_text(&v);
        assert_eq!(
            text,
            "9.255.0.1 tcp 80 member 1\n\
             10.0.0.1 tcp 80 member 1\n\
             10.0.0.1 tcp 80 remote 10.0.0.9:1 member 1\n\
             10.0.0.1 tcp 80-90 member 1\n\
             10.0.0.1 udp 53 member 1\n\
             10.0.0.2 tcp 80 member 1\n\
             10.0.0.1 tcp 80 member 1 vr 1\n"
        );
    }
}
