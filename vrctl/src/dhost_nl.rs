// SPDX-License-Identifier: GPL-2.0-only
//! Distributed addresses and the kernel's copy of the ownership database,
//! through the dhost-* and owner-* commands of the "vr" family: the
//! arguments of `vrctl dhost`, the messages of the attribute sets "dhost"
//! and "owner", and the decoded entries used by the output code.
//!
//! Addresses travel as the raw `__be32` the kernel keeps: the four bytes of
//! the attribute are the address in network order (`Ipv4Addr::octets`).
//! Every other value is a u32 in host order.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use vr_netlink::{Cmd, MEMBER_MAX};

use crate::route::{parse_dev, parse_vr_id, set_once, utf8};

pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;

/// The name of an IP protocol as `vrctl dhost owner` takes and prints it:
/// tcp, udp, else the number.
pub fn proto_name(proto: u32) -> String {
    match u8::try_from(proto) {
        Ok(IPPROTO_TCP) => "tcp".into(),
        Ok(IPPROTO_UDP) => "udp".into(),
        _ => proto.to_string(),
    }
}

// ---------------------------------------------------------------------
// Arguments

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

/// The verbs of `vrctl dhost owner` that change an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerOp {
    Add,
    Del,
}

/// `vrctl dhost owner add|del`: the key of an entry (a port, a port range
/// or a connection of an address) and, for add, its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerArgs {
    pub addr: Ipv4Addr,
    pub vr: Option<u32>,
    pub proto: u8,
    pub port: u16,
    /// The last port of a range; None for one port.
    pub port_last: Option<u16>,
    /// The remote end of a connection.
    pub remote: Option<SocketAddrV4>,
    /// The owning member (add only).
    pub member: Option<u32>,
}

/// The arguments of a command: the positional ones in order, and the
/// values of the keywords in `keywords`, in order too.
struct Split<'a> {
    positional: Vec<&'a OsString>,
    keywords: Vec<(&'static str, &'a OsString)>,
}

fn split<'a>(args: &'a [OsString], keywords: &[&'static str]) -> Result<Split<'a>, String> {
    let mut out = Split {
        positional: Vec::new(),
        keywords: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let keyword = arg
            .to_str()
            .and_then(|a| keywords.iter().copied().find(|k| *k == a));
        match keyword {
            Some(keyword) => {
                let value = it
                    .next()
                    .ok_or_else(|| format!("\"{keyword}\" needs a value"))?;
                out.keywords.push((keyword, value));
            }
            None => out.positional.push(arg),
        }
    }
    Ok(out)
}

fn unexpected(arg: &OsString) -> String {
    format!("unexpected argument {:?}", arg.to_string_lossy())
}

fn parse_addr(arg: &OsString) -> Result<Ipv4Addr, String> {
    let s = utf8(arg, "address")?;
    s.parse()
        .map_err(|_| format!("invalid address {s:?} (expected an IPv4 address A.B.C.D)"))
}

/// A number of 1 to `max`, decimal digits only.
fn parse_number(arg: &OsString, what: &str, max: u32) -> Result<u32, String> {
    let s = utf8(arg, what)?;
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n) && s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("invalid {what} {s:?} (expected 1-{max})"))
}

fn parse_member(arg: &OsString, what: &str) -> Result<u32, String> {
    parse_number(arg, what, MEMBER_MAX)
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

/// The port daemons listen on and connect to when `listen` or `lead-addr`
/// gives none.
pub const DAEMON_PORT: u16 = 7400;

/// `vrctl dhost daemon members N,N,... [lead-addr ADDR[:PORT]]
/// [listen ADDR[:PORT]] [vr K] [name NAME]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonArgs {
    /// Every member of the distributed host, this one and the lead included.
    pub members: Vec<u32>,
    /// Where the lead's daemon listens (used by a member's daemon).
    pub lead_addr: Option<SocketAddr>,
    /// Where to listen if this kernel is the lead.
    pub listen: SocketAddr,
    /// The VR whose distributed addresses the daemon serves.
    pub vr: u32,
    /// The name sent to the other daemons (default: the host name).
    pub name: Option<String>,
}

/// `ADDR:PORT`, `[V6ADDR]:PORT`, or an address alone for [`DAEMON_PORT`];
/// port 1-65535.
fn parse_endpoint(arg: &OsString, what: &str) -> Result<SocketAddr, String> {
    let s = utf8(arg, what)?;
    let addr = match s.parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => s
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, DAEMON_PORT)),
    };
    addr.filter(|a| a.port() != 0).ok_or_else(|| {
        format!("invalid {what} {s:?} (expected ADDR[:PORT], port 1-65535, default {DAEMON_PORT})")
    })
}

/// `N,N,...`: member ids, each once.
fn parse_members(arg: &OsString) -> Result<Vec<u32>, String> {
    let s = utf8(arg, "member list")?;
    let mut members = Vec::new();
    for id in s.split(',') {
        let id = parse_member(&OsString::from(id), "member id")
            .map_err(|e| format!("{e} in the member list {s:?}"))?;
        if members.contains(&id) {
            return Err(format!("member {id} given twice in the member list {s:?}"));
        }
        members.push(id);
    }
    Ok(members)
}

fn parse_host_name(arg: &OsString) -> Result<String, String> {
    let s = utf8(arg, "name")?;
    let max = crate::dhost::proto::NAME_MAX;
    if s.is_empty() || s.len() > max {
        return Err(format!("invalid name {s:?} (expected 1 to {max} bytes)"));
    }
    Ok(s.to_owned())
}

/// Parses `members N,N,...`, `lead-addr ADDR[:PORT]`, `listen ADDR[:PORT]`,
/// `vr K` and `name NAME` in any order, each at most once; members is
/// required. listen defaults to lead-addr, else 0.0.0.0:[`DAEMON_PORT`]
/// (which the lead refuses if the VR's addresses are in its VR). Whether this
/// kernel is the lead (and lead-addr is needed) is the kernel's to say,
/// so both may be given: one command line for every member.
pub fn parse_dhost_daemon(args: &[OsString]) -> Result<DaemonArgs, String> {
    let split = split(args, &["members", "lead-addr", "listen", "vr", "name"])?;
    if let Some(arg) = split.positional.first() {
        return Err(unexpected(arg));
    }
    let (mut members, mut lead_addr, mut listen, mut vr, mut name) = (None, None, None, None, None);
    for (keyword, value) in split.keywords {
        match keyword {
            "members" => set_once(&mut members, parse_members(value)?, "\"members\"")?,
            "lead-addr" => set_once(
                &mut lead_addr,
                parse_endpoint(value, "lead address")?,
                "\"lead-addr\"",
            )?,
            "listen" => set_once(
                &mut listen,
                parse_endpoint(value, "listen address")?,
                "\"listen\"",
            )?,
            "vr" => set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?,
            _ => set_once(&mut name, parse_host_name(value)?, "\"name\"")?,
        }
    }
    Ok(DaemonArgs {
        members: members.ok_or("\"members <N,N,...>\" is required")?,
        lead_addr,
        listen: listen
            .or(lead_addr)
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, DAEMON_PORT))),
        vr: vr.unwrap_or(0),
        name,
    })
}

// ---------------------------------------------------------------------
// Messages

pub use vr_netlink::dhost::Attr as DhostAttr;
pub use vr_netlink::owner::Attr as OwnerAttr;
pub use vr_netlink::sock::Attr as SockAttr;
pub use vr_netlink::Message;

pub type DhostMessage = Message<DhostAttr>;
pub type OwnerMessage = Message<OwnerAttr>;
pub type SockMessage = Message<SockAttr>;

/// owner-set (add) or owner-del (del) in the order of the spec: addr,
/// then what was given of vr, proto, port, port-last, remote and
/// remote-port, and member (which del does not send).
pub fn owner_request(op: OwnerOp, args: &OwnerArgs) -> OwnerMessage {
    let mut attrs = vec![OwnerAttr::Addr(args.addr)];
    attrs.extend(args.vr.map(OwnerAttr::Vr));
    attrs.push(OwnerAttr::Proto(args.proto.into()));
    attrs.push(OwnerAttr::Port(args.port.into()));
    attrs.extend(args.port_last.map(|p| OwnerAttr::PortLast(p.into())));
    if let Some(remote) = args.remote {
        attrs.push(OwnerAttr::Remote(*remote.ip()));
        attrs.push(OwnerAttr::RemotePort(remote.port().into()));
    }
    let cmd = match op {
        OwnerOp::Add => {
            attrs.extend(args.member.map(OwnerAttr::Member));
            Cmd::OwnerSet
        }
        OwnerOp::Del => Cmd::OwnerDel,
    };
    Message::new(cmd, attrs)
}

// ---------------------------------------------------------------------
// Decoded entries

/// A distributed address, as VR_CMD_DHOST_GET reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dhost {
    pub addr: Ipv4Addr,
    pub vr: u32,
    pub ifindex: u32,
    /// The name of `ifindex`, filled in by the caller.
    pub dev: Option<String>,
    /// This kernel's member id.
    pub member: u32,
    /// The lead's member id.
    pub lead: u32,
}

impl Dhost {
    /// Builds an entry from the attributes of a dump reply: addr, ifindex,
    /// member and lead are required, vr is 0 if missing.
    pub fn from_attrs(attrs: &[DhostAttr]) -> Result<Dhost, String> {
        let (mut addr, mut vr, mut ifindex, mut member, mut lead) = (None, 0, None, None, None);
        for attr in attrs {
            match attr {
                DhostAttr::Addr(a) => addr = Some(*a),
                DhostAttr::Vr(v) => vr = *v,
                DhostAttr::Ifindex(v) => ifindex = Some(*v),
                DhostAttr::Member(v) => member = Some(*v),
                DhostAttr::Lead(v) => lead = Some(*v),
                DhostAttr::Other(_) => {}
            }
        }
        let missing = |what: &str| format!("distributed address without {what}");
        Ok(Dhost {
            addr: addr.ok_or_else(|| missing("VR_A_DHOST_ADDR"))?,
            vr,
            ifindex: ifindex.ok_or_else(|| missing("VR_A_DHOST_IFINDEX"))?,
            dev: None,
            member: member.ok_or_else(|| missing("VR_A_DHOST_MEMBER"))?,
            lead: lead.ok_or_else(|| missing("VR_A_DHOST_LEAD"))?,
        })
    }

    /// Whether this kernel is the lead for the address.
    pub fn is_lead(&self) -> bool {
        self.member == self.lead
    }

    /// "lead" or "member": the role of this kernel for the address.
    pub fn role(&self) -> &'static str {
        if self.is_lead() {
            "lead"
        } else {
            "member"
        }
    }
}

/// An entry of the kernel's copy of the ownership database, as
/// VR_CMD_OWNER_GET reports it. Values are kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub addr: Ipv4Addr,
    pub vr: u32,
    pub proto: u32,
    pub port: u32,
    /// Equal to `port` unless the entry is a range.
    pub port_last: u32,
    /// The remote address and port of a connection.
    pub remote: Option<(Ipv4Addr, u32)>,
    pub member: u32,
}

impl Owner {
    /// Builds an entry from the attributes of a dump reply: addr, proto,
    /// port and member are required; vr is 0 and port-last is port if
    /// missing; remote counts only with remote-port.
    pub fn from_attrs(attrs: &[OwnerAttr]) -> Result<Owner, String> {
        let (mut addr, mut vr, mut proto, mut port, mut port_last) = (None, 0, None, None, None);
        let (mut remote, mut remote_port, mut member) = (None, None, None);
        for attr in attrs {
            match attr {
                OwnerAttr::Addr(a) => addr = Some(*a),
                OwnerAttr::Vr(v) => vr = *v,
                OwnerAttr::Proto(v) => proto = Some(*v),
                OwnerAttr::Port(v) => port = Some(*v),
                OwnerAttr::PortLast(v) => port_last = Some(*v),
                OwnerAttr::Remote(a) => remote = Some(*a),
                OwnerAttr::RemotePort(v) => remote_port = Some(*v),
                OwnerAttr::Member(v) => member = Some(*v),
                OwnerAttr::Other(_) => {}
            }
        }
        let missing = |what: &str| format!("ownership entry without {what}");
        let port = port.ok_or_else(|| missing("VR_A_OWNER_PORT"))?;
        Ok(Owner {
            addr: addr.ok_or_else(|| missing("VR_A_OWNER_ADDR"))?,
            vr,
            proto: proto.ok_or_else(|| missing("VR_A_OWNER_PROTO"))?,
            port,
            port_last: port_last.unwrap_or(port),
            remote: remote.zip(remote_port),
            member: member.ok_or_else(|| missing("VR_A_OWNER_MEMBER"))?,
        })
    }

    /// `PORT` or `FIRST-LAST`, as the arguments of `owner add` take it.
    pub fn ports(&self) -> String {
        if self.port_last == self.port {
            self.port.to_string()
        } else {
            format!("{}-{}", self.port, self.port_last)
        }
    }

    /// The order of `vrctl dhost owner show`.
    pub fn sort_key(&self) -> (u32, Ipv4Addr, u32, u32, u32, Option<(Ipv4Addr, u32)>) {
        (
            self.vr,
            self.addr,
            self.proto,
            self.port,
            self.port_last,
            self.remote,
        )
    }
}

/// A socket event (VR_CMD_SOCK_NTF), as the kernel sends it to the dhost
/// group. Values are kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SockNtf {
    /// VR_SOCK_EVENT_BIND or VR_SOCK_EVENT_CLOSE (others may come later).
    pub event: u32,
    /// The claim of a bind, to answer with VR_CMD_CLAIM_ANSWER.
    pub cookie: Option<u32>,
    /// The socket's local address; 0.0.0.0 for every distributed address
    /// of its VR.
    pub addr: Ipv4Addr,
    pub vr: u32,
    pub proto: u32,
    pub port: u32,
    /// The event is about a connection (accepted or connected; it has
    /// VR_A_SOCK_REMOTE_PORT), not about a port.
    pub connection: bool,
}

impl SockNtf {
    /// Builds an event from the attributes of a notification: event, addr,
    /// proto and port are required, vr is 0 if missing.
    pub fn from_attrs(attrs: &[SockAttr]) -> Result<SockNtf, String> {
        let (mut event, mut cookie, mut addr, mut vr) = (None, None, None, 0);
        let (mut proto, mut port, mut connection) = (None, None, false);
        for attr in attrs {
            match attr {
                SockAttr::Event(v) => event = Some(*v),
                SockAttr::Cookie(v) => cookie = Some(*v),
                SockAttr::Addr(a) => addr = Some(*a),
                SockAttr::Vr(v) => vr = *v,
                SockAttr::Proto(v) => proto = Some(*v),
                SockAttr::Port(v) => port = Some(*v),
                SockAttr::RemotePort(_) => connection = true,
                SockAttr::Remote(_) | SockAttr::Errno(_) | SockAttr::Other(_) => {}
            }
        }
        let missing = |what: &str| format!("socket event without {what}");
        Ok(SockNtf {
            event: event.ok_or_else(|| missing("VR_A_SOCK_EVENT"))?,
            cookie,
            addr: addr.ok_or_else(|| missing("VR_A_SOCK_ADDR"))?,
            vr,
            proto: proto.ok_or_else(|| missing("VR_A_SOCK_PROTO"))?,
            port: port.ok_or_else(|| missing("VR_A_SOCK_PORT"))?,
            connection,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::encode_request;
    use crate::netlink::tests::{emitted, tlv};
    use netlink_packet_core::ParseableParametrized;
    use netlink_packet_core::{NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
    use netlink_packet_generic::GenlMessage;
    use netlink_packet_generic::{GenlFamily, GenlHeader};

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

    #[test]
    fn whole_dhost_set_request() {
        let args = DhostSet {
            addr: Ipv4Addr::new(192, 0, 2, 1),
            dev: "d".into(),
            member: 3,
            lead: 3,
        };
        let mut genl =
            GenlMessage::from_payload(DhostMessage::set(args.addr, 2, args.member, args.lead));
        genl.set_resolved_family_id(0x20);
        genl.finalize();
        let bytes = encode_request(genl, 0, 5);
        // nlmsghdr: length, the family, request with ACK, seq 5.
        assert_eq!(bytes.len(), 16 + 4 + 4 * 8);
        assert_eq!(&bytes[0..4], &(bytes.len() as u32).to_ne_bytes());
        assert_eq!(&bytes[4..6], &0x20u16.to_ne_bytes());
        assert_eq!(&bytes[6..8], &(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        assert_eq!(&bytes[8..12], &5u32.to_ne_bytes());
        // genlmsghdr: cmd, version, reserved.
        assert_eq!(&bytes[16..20], &[Cmd::DhostSet.value(), 1, 0, 0]);
        assert_eq!(
            &bytes[20..28],
            &tlv(vr_netlink::dhost::ADDR, &[192, 0, 2, 1])[..]
        );
    }

    #[test]
    fn encode_dhost_del_and_dump() {
        let del = DhostMessage::del(ADDR, None);
        assert_eq!(del.cmd, Cmd::DhostDel);
        assert_eq!(
            emitted(&del),
            tlv(vr_netlink::dhost::ADDR, &[10, 0, 0, 100])
        );
        let del = DhostMessage::del(ADDR, Some(70000));
        let mut want = tlv(vr_netlink::dhost::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::dhost::VR, 70000));
        assert_eq!(emitted(&del), want);
        let dump = DhostMessage::dump();
        assert_eq!(dump.cmd, Cmd::DhostGet);
        assert!(emitted(&dump).is_empty());
        let mut genl = GenlMessage::from_payload(dump);
        genl.set_resolved_family_id(0x20);
        genl.finalize();
        let bytes = encode_request(genl, NLM_F_DUMP, 1);
        assert_eq!(&bytes[6..8], &(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        assert_eq!(&bytes[16..], &[Cmd::DhostGet.value(), 1, 0, 0]);
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

    fn header(cmd: Cmd) -> GenlHeader {
        GenlHeader {
            cmd: cmd.value(),
            version: 1,
        }
    }

    /// A VR_CMD_DHOST_GET reply as the kernel fills it.
    fn dhost_reply(addr: [u8; 4], vr: u32, ifindex: u32, member: u32, lead: u32) -> Vec<u8> {
        let mut b = tlv(vr_netlink::dhost::ADDR, &addr);
        b.extend(u32_attr(vr_netlink::dhost::VR, vr));
        b.extend(u32_attr(vr_netlink::dhost::IFINDEX, ifindex));
        b.extend(u32_attr(vr_netlink::dhost::MEMBER, member));
        b.extend(u32_attr(vr_netlink::dhost::LEAD, lead));
        b
    }

    #[test]
    fn decode_dhost_reply() {
        let b = dhost_reply([10, 0, 0, 100], 0, 2, 2, 1);
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        assert_eq!(msg.cmd, Cmd::DhostGet);
        let d = Dhost::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            d,
            Dhost {
                addr: ADDR,
                vr: 0,
                ifindex: 2,
                dev: None,
                member: 2,
                lead: 1,
            }
        );
        assert!(!d.is_lead());
        assert_eq!(d.role(), "member");
        // Re-encoding gives the kernel's bytes back.
        assert_eq!(emitted(&msg), b);
        let lead = dhost_reply([192, 0, 2, 1], 4, 3, 1, 1);
        let msg =
            DhostMessage::parse_with_param(&lead[..], header(Cmd::DhostGet)).expect("decodes");
        let d = Dhost::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            (d.addr, d.vr, d.role()),
            (Ipv4Addr::new(192, 0, 2, 1), 4, "lead")
        );
    }

    #[test]
    fn decode_dhost_errors() {
        // An address is 4 bytes.
        let b = tlv(vr_netlink::dhost::ADDR, &[10, 0, 0]);
        assert!(DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).is_err());
        let b = u32_attr(vr_netlink::dhost::MEMBER, 1);
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        assert_eq!(
            Dhost::from_attrs(&msg.attrs),
            Err("distributed address without VR_A_DHOST_ADDR".into())
        );
        // Unknown attributes are skipped; a missing VR is VR 0.
        let mut b = tlv(vr_netlink::dhost::ADDR, &[10, 0, 0, 100]);
        b.extend(tlv(42, &[1, 2, 3]));
        b.extend(u32_attr(vr_netlink::dhost::IFINDEX, 2));
        b.extend(u32_attr(vr_netlink::dhost::MEMBER, 1));
        b.extend(u32_attr(vr_netlink::dhost::LEAD, 1));
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        let d = Dhost::from_attrs(&msg.attrs).expect("valid");
        assert_eq!((d.vr, d.role()), (0, "lead"));
    }

    #[test]
    fn decode_owner_replies() {
        // A port: the kernel sends port-last = port and no remote.
        let mut b = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        b.extend(u32_attr(vr_netlink::owner::VR, 0));
        b.extend(u32_attr(vr_netlink::owner::PROTO, 6));
        b.extend(u32_attr(vr_netlink::owner::PORT, 80));
        b.extend(u32_attr(vr_netlink::owner::PORT_LAST, 80));
        let mut port = b.clone();
        port.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        let msg =
            OwnerMessage::parse_with_param(&port[..], header(Cmd::OwnerGet)).expect("decodes");
        let o = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            o,
            Owner {
                addr: ADDR,
                vr: 0,
                proto: 6,
                port: 80,
                port_last: 80,
                remote: None,
                member: 2,
            }
        );
        assert_eq!(o.ports(), "80");
        assert_eq!(emitted(&msg), port);
        // A connection.
        let mut conn = b;
        conn.extend(tlv(vr_netlink::owner::REMOTE, &[10, 0, 0, 2]));
        conn.extend(u32_attr(vr_netlink::owner::REMOTE_PORT, 40000));
        conn.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        let msg =
            OwnerMessage::parse_with_param(&conn[..], header(Cmd::OwnerGet)).expect("decodes");
        let o = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(o.remote, Some((Ipv4Addr::new(10, 0, 0, 2), 40000)));
        // A range, without the optional attributes.
        let mut range = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        range.extend(u32_attr(vr_netlink::owner::PROTO, 17));
        range.extend(u32_attr(vr_netlink::owner::PORT, 40000));
        range.extend(u32_attr(vr_netlink::owner::PORT_LAST, 49999));
        range.extend(u32_attr(vr_netlink::owner::MEMBER, 3));
        let msg =
            OwnerMessage::parse_with_param(&range[..], header(Cmd::OwnerGet)).expect("decodes");
        let o = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            (o.vr, o.proto, o.ports()),
            (0, 17, "40000-49999".to_string())
        );
        // Without a port, or with a short remote.
        let b = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        let msg = OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).expect("decodes");
        assert_eq!(
            Owner::from_attrs(&msg.attrs),
            Err("ownership entry without VR_A_OWNER_PORT".into())
        );
        let b = tlv(vr_netlink::owner::REMOTE, &[10, 0]);
        assert!(OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).is_err());
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

    #[test]
    fn dhost_daemon_arguments() {
        let a = parse_dhost_daemon(&os(&[
            "members",
            "3,1,2",
            "lead-addr",
            "10.9.0.11:7401",
            "vr",
            "2",
            "name",
            "m2",
            "listen",
            "127.0.0.1",
        ]))
        .expect("valid");
        assert_eq!(
            a,
            DaemonArgs {
                members: vec![3, 1, 2],
                lead_addr: Some("10.9.0.11:7401".parse().expect("addr")),
                listen: "127.0.0.1:7400".parse().expect("addr"),
                vr: 2,
                name: Some("m2".into()),
            }
        );
        // Defaults (listen: lead-addr); an address alone is on the default
        // port, IPv6 too.
        let a = parse_dhost_daemon(&os(&["lead-addr", "fe80::1", "members", "1"])).expect("valid");
        assert_eq!(
            (a.lead_addr, a.listen, a.vr, a.name),
            (
                Some("[fe80::1]:7400".parse().expect("addr")),
                "[fe80::1]:7400".parse().expect("addr"),
                0,
                None
            )
        );
        let a = parse_dhost_daemon(&os(&["members", "1"])).expect("valid");
        assert_eq!(a.listen, "0.0.0.0:7400".parse().expect("addr"));
        let a = parse_dhost_daemon(&os(&["members", "65535", "listen", "[::]:9"])).expect("valid");
        assert_eq!((a.members, a.listen.port()), (vec![65535], 9));
    }

    #[test]
    fn dhost_daemon_argument_errors() {
        for (args, msg) in [
            (&[][..], "\"members <N,N,...>\" is required"),
            (
                &["lead-addr", "10.0.0.1:7400"],
                "\"members <N,N,...>\" is required",
            ),
            (&["members"], "\"members\" needs a value"),
            (
                &["members", "1,0"],
                "invalid member id \"0\" (expected 1-65535) in the member list \"1,0\"",
            ),
            (&["members", "1,,2"], "invalid member id \"\""),
            (&["members", "1, 2"], "invalid member id \" 2\""),
            (&["members", "65536"], "invalid member id \"65536\""),
            (
                &["members", "1,2,1"],
                "member 1 given twice in the member list \"1,2,1\"",
            ),
            (&["members", "1", "members", "2"], "\"members\" given twice"),
            (
                &["members", "1", "lead-addr", "10.0.0.1:0"],
                "invalid lead address \"10.0.0.1:0\" (expected ADDR[:PORT], port 1-65535, default 7400)",
            ),
            (
                &["members", "1", "lead-addr", "lead:7400"],
                "invalid lead address \"lead:7400\"",
            ),
            (
                &["members", "1", "listen", "10.0.0.1:70000"],
                "invalid listen address \"10.0.0.1:70000\"",
            ),
            (&["members", "1", "vr", "x"], "invalid VR id \"x\""),
            (&["members", "1", "name", ""], "invalid name \"\" (expected 1 to 255 bytes)"),
            (&["members", "1", "10.0.0.1"], "unexpected argument \"10.0.0.1\""),
            (&["members", "1", "dev", "eth0"], "unexpected argument \"dev\""),
        ] {
            match parse_dhost_daemon(&os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
        let long = "x".repeat(256);
        assert!(parse_dhost_daemon(&os(&["members", "1", "name", &long])).is_err());
    }

    #[test]
    fn encode_claim_answer() {
        let msg = SockMessage::claim_answer(7, 98);
        assert_eq!(msg.cmd, Cmd::ClaimAnswer);
        let mut want = u32_attr(vr_netlink::sock::COOKIE, 7);
        want.extend(u32_attr(vr_netlink::sock::ERRNO, 98));
        assert_eq!(emitted(&msg), want);
    }

    #[test]
    fn decode_sock_events() {
        // A bind as the kernel sends it (in the order of the spec).
        let mut b = u32_attr(vr_netlink::sock::EVENT, vr_netlink::sock_event::BIND);
        b.extend(u32_attr(vr_netlink::sock::COOKIE, 42));
        b.extend(tlv(vr_netlink::sock::ADDR, &[10, 0, 0, 100]));
        b.extend(u32_attr(vr_netlink::sock::VR, 1));
        b.extend(u32_attr(vr_netlink::sock::PROTO, 6));
        b.extend(u32_attr(vr_netlink::sock::PORT, 8080));
        let ntf_cmd = Cmd::SockNtf;
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert_eq!(msg.cmd, ntf_cmd);
        assert_eq!(emitted(&msg), b);
        assert_eq!(
            SockNtf::from_attrs(&msg.attrs),
            Ok(SockNtf {
                event: vr_netlink::sock_event::BIND,
                cookie: Some(42),
                addr: ADDR,
                vr: 1,
                proto: 6,
                port: 8080,
                connection: false,
            })
        );
        // A close of a wildcard socket: no cookie; unknown attributes
        // are skipped, a missing VR is VR 0.
        let mut b = u32_attr(vr_netlink::sock::EVENT, vr_netlink::sock_event::CLOSE);
        b.extend(tlv(vr_netlink::sock::ADDR, &[0, 0, 0, 0]));
        b.extend(tlv(99, &[1, 2, 3, 4]));
        b.extend(u32_attr(vr_netlink::sock::PROTO, 17));
        b.extend(u32_attr(vr_netlink::sock::PORT, 53));
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        let ntf = SockNtf::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            (ntf.cookie, ntf.addr, ntf.vr, ntf.proto, ntf.connection),
            (None, Ipv4Addr::UNSPECIFIED, 0, 17, false)
        );
        // The close of a connection: it has the remote attributes.
        let mut b = u32_attr(vr_netlink::sock::EVENT, vr_netlink::sock_event::CLOSE);
        b.extend(tlv(vr_netlink::sock::ADDR, &[10, 0, 0, 100]));
        b.extend(u32_attr(vr_netlink::sock::PROTO, 6));
        b.extend(u32_attr(vr_netlink::sock::PORT, 80));
        b.extend(tlv(8, &[10, 0, 0, 2]));
        b.extend(u32_attr(vr_netlink::sock::REMOTE_PORT, 40000));
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert!(SockNtf::from_attrs(&msg.attrs).expect("valid").connection);
        let b = u32_attr(vr_netlink::sock::EVENT, 1);
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert_eq!(
            SockNtf::from_attrs(&msg.attrs),
            Err("socket event without VR_A_SOCK_ADDR".into())
        );
        let b = tlv(vr_netlink::sock::ADDR, &[10, 0]);
        assert!(SockMessage::parse_with_param(&b[..], header(ntf_cmd)).is_err());
    }

    #[test]
    fn protocol_names() {
        assert_eq!(proto_name(6), "tcp");
        assert_eq!(proto_name(17), "udp");
        assert_eq!(proto_name(132), "132");
        assert_eq!(proto_name(262), "262");
    }
}
