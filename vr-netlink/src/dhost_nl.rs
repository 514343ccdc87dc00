// SPDX-License-Identifier: GPL-2.0-only
//! Distributed addresses, the kernel's copy of the ownership database and
//! the socket events of the dhost group, through the dhost-*, owner-*,
//! sock-ntf and claim-answer commands of the "vr" family: the messages of
//! the attribute sets "dhost", "owner" and "sock", and the decoded entries.
//! vrctl (`dhost`) and vr-dhostd use them.
//!
//! Addresses travel as the raw `__be32` the kernel keeps: the four bytes of
//! the attribute are the address in network order (`Ipv4Addr::octets`).
//! Every other value is a u32 in host order.

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::error::{self, Error};
use crate::socket::GenlSocket;
use crate::Cmd;

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

// ---------------------------------------------------------------------
// Messages

pub use crate::dhost::Attr as DhostAttr;
pub use crate::owner::Attr as OwnerAttr;
pub use crate::sock::Attr as SockAttr;
pub use crate::Message;

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
                // IPv6 distributed addresses: not yet decoded.
                DhostAttr::Addr6(_) | DhostAttr::Other(_) => {}
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

/// The distributed addresses of the network namespace (a dhost-get dump).
pub fn dhosts(sock: &mut GenlSocket) -> error::Result<Vec<Dhost>> {
    sock.dump(DhostMessage::dump())?
        .iter()
        .map(|m| Dhost::from_attrs(&m.attrs).map_err(Error::Protocol))
        .collect()
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
                OwnerAttr::Addr6(_) | OwnerAttr::Remote6(_) | OwnerAttr::Other(_) => {}
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
                SockAttr::Remote(_)
                | SockAttr::Remote6(_)
                | SockAttr::Addr6(_)
                | SockAttr::Errno(_)
                | SockAttr::Other(_) => {}
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
    use crate::socket::encode_request;
    use crate::testing::{emitted, tlv};
    use netlink_packet_core::ParseableParametrized;
    use netlink_packet_core::{NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
    use netlink_packet_generic::GenlHeader;
    use netlink_packet_generic::GenlMessage;

    fn u32_attr(kind: u16, v: u32) -> Vec<u8> {
        tlv(kind, &v.to_ne_bytes())
    }

    const ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);

    #[test]
    fn whole_dhost_set_request() {
        let addr = Ipv4Addr::new(192, 0, 2, 1);
        let mut genl = GenlMessage::from_payload(DhostMessage::set(addr, 2, 3, 3));
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
            &tlv(crate::dhost::ADDR, &[192, 0, 2, 1])[..]
        );
    }

    #[test]
    fn encode_dhost_del_and_dump() {
        let del = DhostMessage::del(ADDR, None);
        assert_eq!(del.cmd, Cmd::DhostDel);
        assert_eq!(emitted(&del), tlv(crate::dhost::ADDR, &[10, 0, 0, 100]));
        let del = DhostMessage::del(ADDR, Some(70000));
        let mut want = tlv(crate::dhost::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(crate::dhost::VR, 70000));
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

    fn header(cmd: Cmd) -> GenlHeader {
        GenlHeader {
            cmd: cmd.value(),
            version: 1,
        }
    }

    /// A VR_CMD_DHOST_GET reply as the kernel fills it.
    fn dhost_reply(addr: [u8; 4], vr: u32, ifindex: u32, member: u32, lead: u32) -> Vec<u8> {
        let mut b = tlv(crate::dhost::ADDR, &addr);
        b.extend(u32_attr(crate::dhost::VR, vr));
        b.extend(u32_attr(crate::dhost::IFINDEX, ifindex));
        b.extend(u32_attr(crate::dhost::MEMBER, member));
        b.extend(u32_attr(crate::dhost::LEAD, lead));
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
        let b = tlv(crate::dhost::ADDR, &[10, 0, 0]);
        assert!(DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).is_err());
        let b = u32_attr(crate::dhost::MEMBER, 1);
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        assert_eq!(
            Dhost::from_attrs(&msg.attrs),
            Err("distributed address without VR_A_DHOST_ADDR".into())
        );
        // Unknown attributes are skipped; a missing VR is VR 0.
        let mut b = tlv(crate::dhost::ADDR, &[10, 0, 0, 100]);
        b.extend(tlv(42, &[1, 2, 3]));
        b.extend(u32_attr(crate::dhost::IFINDEX, 2));
        b.extend(u32_attr(crate::dhost::MEMBER, 1));
        b.extend(u32_attr(crate::dhost::LEAD, 1));
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        let d = Dhost::from_attrs(&msg.attrs).expect("valid");
        assert_eq!((d.vr, d.role()), (0, "lead"));
    }

    #[test]
    fn decode_owner_replies() {
        // A port: the kernel sends port-last = port and no remote.
        let mut b = tlv(crate::owner::ADDR, &[10, 0, 0, 100]);
        b.extend(u32_attr(crate::owner::VR, 0));
        b.extend(u32_attr(crate::owner::PROTO, 6));
        b.extend(u32_attr(crate::owner::PORT, 80));
        b.extend(u32_attr(crate::owner::PORT_LAST, 80));
        let mut port = b.clone();
        port.extend(u32_attr(crate::owner::MEMBER, 2));
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
        conn.extend(tlv(crate::owner::REMOTE, &[10, 0, 0, 2]));
        conn.extend(u32_attr(crate::owner::REMOTE_PORT, 40000));
        conn.extend(u32_attr(crate::owner::MEMBER, 2));
        let msg =
            OwnerMessage::parse_with_param(&conn[..], header(Cmd::OwnerGet)).expect("decodes");
        let o = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(o.remote, Some((Ipv4Addr::new(10, 0, 0, 2), 40000)));
        // A range, without the optional attributes.
        let mut range = tlv(crate::owner::ADDR, &[10, 0, 0, 100]);
        range.extend(u32_attr(crate::owner::PROTO, 17));
        range.extend(u32_attr(crate::owner::PORT, 40000));
        range.extend(u32_attr(crate::owner::PORT_LAST, 49999));
        range.extend(u32_attr(crate::owner::MEMBER, 3));
        let msg =
            OwnerMessage::parse_with_param(&range[..], header(Cmd::OwnerGet)).expect("decodes");
        let o = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            (o.vr, o.proto, o.ports()),
            (0, 17, "40000-49999".to_string())
        );
        // Without a port, or with a short remote.
        let b = tlv(crate::owner::ADDR, &[10, 0, 0, 100]);
        let msg = OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).expect("decodes");
        assert_eq!(
            Owner::from_attrs(&msg.attrs),
            Err("ownership entry without VR_A_OWNER_PORT".into())
        );
        let b = tlv(crate::owner::REMOTE, &[10, 0]);
        assert!(OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).is_err());
    }

    #[test]
    fn encode_claim_answer() {
        let msg = SockMessage::claim_answer(7, 98);
        assert_eq!(msg.cmd, Cmd::ClaimAnswer);
        let mut want = u32_attr(crate::sock::COOKIE, 7);
        want.extend(u32_attr(crate::sock::ERRNO, 98));
        assert_eq!(emitted(&msg), want);
    }

    #[test]
    fn decode_sock_events() {
        // A bind as the kernel sends it (in the order of the spec).
        let mut b = u32_attr(crate::sock::EVENT, crate::sock_event::BIND);
        b.extend(u32_attr(crate::sock::COOKIE, 42));
        b.extend(tlv(crate::sock::ADDR, &[10, 0, 0, 100]));
        b.extend(u32_attr(crate::sock::VR, 1));
        b.extend(u32_attr(crate::sock::PROTO, 6));
        b.extend(u32_attr(crate::sock::PORT, 8080));
        let ntf_cmd = Cmd::SockNtf;
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert_eq!(msg.cmd, ntf_cmd);
        assert_eq!(emitted(&msg), b);
        assert_eq!(
            SockNtf::from_attrs(&msg.attrs),
            Ok(SockNtf {
                event: crate::sock_event::BIND,
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
        let mut b = u32_attr(crate::sock::EVENT, crate::sock_event::CLOSE);
        b.extend(tlv(crate::sock::ADDR, &[0, 0, 0, 0]));
        b.extend(tlv(99, &[1, 2, 3, 4]));
        b.extend(u32_attr(crate::sock::PROTO, 17));
        b.extend(u32_attr(crate::sock::PORT, 53));
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        let ntf = SockNtf::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            (ntf.cookie, ntf.addr, ntf.vr, ntf.proto, ntf.connection),
            (None, Ipv4Addr::UNSPECIFIED, 0, 17, false)
        );
        // The close of a connection: it has the remote attributes.
        let mut b = u32_attr(crate::sock::EVENT, crate::sock_event::CLOSE);
        b.extend(tlv(crate::sock::ADDR, &[10, 0, 0, 100]));
        b.extend(u32_attr(crate::sock::PROTO, 6));
        b.extend(u32_attr(crate::sock::PORT, 80));
        b.extend(tlv(8, &[10, 0, 0, 2]));
        b.extend(u32_attr(crate::sock::REMOTE_PORT, 40000));
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert!(SockNtf::from_attrs(&msg.attrs).expect("valid").connection);
        let b = u32_attr(crate::sock::EVENT, 1);
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert_eq!(
            SockNtf::from_attrs(&msg.attrs),
            Err("socket event without VR_A_SOCK_ADDR".into())
        );
        let b = tlv(crate::sock::ADDR, &[10, 0]);
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
