// SPDX-License-Identifier: GPL-2.0-only
//! Distributed addresses, the kernel's copy of the ownership database and
//! the socket events of the dhost group, through the dhost-*, owner-*,
//! sock-ntf and claim-answer commands of the "vr" family: the messages of
//! the attribute sets "dhost", "owner" and "sock", and the decoded entries.
//! vrctl (`dhost`) and vr-dhostd use them.
//!
//! Addresses travel as the raw `__be32` the kernel keeps: the four bytes of
//! the attribute are the address in network order (`Ipv4Addr::octets`).
//! An IPv6 address has attributes of its own (addr6, remote6 instead of
//! addr, remote), its 16 bytes in network order (`Ipv6Addr::octets`).
//! Every other value is a u32 in host order.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Range;

use netlink_packet_core::Emitable;

use crate::error::{self, Error};
use crate::socket::{ErrorAt, GenlSocket};
use crate::{Cmd, BATCH_MAX};

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
    /// An IPv4 or an IPv6 address.
    pub addr: IpAddr,
    pub vr: Option<u32>,
    pub proto: u8,
    pub port: u16,
    /// The last port of a range; None for one port.
    pub port_last: Option<u16>,
    /// The remote end of a connection, of the family of `addr` (the
    /// kernel refuses another with EINVAL).
    pub remote: Option<SocketAddr>,
    /// The owning member (add only).
    pub member: Option<u32>,
}

// ---------------------------------------------------------------------
// Messages

pub use crate::dhost::Attr as DhostAttr;
pub use crate::owner::Attr as OwnerAttr;
pub use crate::owner_batch::Attr as OwnerBatchAttr;
pub use crate::sock::Attr as SockAttr;
pub use crate::Message;

pub type DhostMessage = Message<DhostAttr>;
pub type OwnerMessage = Message<OwnerAttr>;
pub type OwnerBatchMessage = Message<OwnerBatchAttr>;
pub type SockMessage = Message<SockAttr>;

/// owner-set (add) or owner-del (del) in the order of the spec: addr,
/// then what was given of vr, proto, port, port-last, remote and
/// remote-port, and member (which del does not send). An IPv6 address and
/// remote go as addr6 and remote6, in the places of addr and remote.
pub fn owner_request(op: OwnerOp, args: &OwnerArgs) -> OwnerMessage {
    let mut attrs = vec![match args.addr {
        IpAddr::V4(a) => OwnerAttr::Addr(a),
        IpAddr::V6(a) => OwnerAttr::Addr6(a),
    }];
    attrs.extend(args.vr.map(OwnerAttr::Vr));
    attrs.push(OwnerAttr::Proto(args.proto.into()));
    attrs.push(OwnerAttr::Port(args.port.into()));
    attrs.extend(args.port_last.map(|p| OwnerAttr::PortLast(p.into())));
    if let Some(remote) = args.remote {
        attrs.push(match remote.ip() {
            IpAddr::V4(a) => OwnerAttr::Remote(a),
            IpAddr::V6(a) => OwnerAttr::Remote6(a),
        });
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
// owner-batch

/// Most bytes of one owner-batch request (netlink and genetlink headers
/// included). Well under the default socket buffers (212,992 bytes):
/// netlink refuses a request beyond the sender's `SO_SNDBUF` with
/// EMSGSIZE, and an error ACK without NETLINK_CAP_ACK quotes the whole
/// request. 1024 entries of one port or IPv4 connection fit; entries of
/// IPv6 connections (84 bytes each) make messages of 779.
pub const BATCH_BYTES_MAX: usize = 64 * 1024;

/// Length of the netlink and genetlink headers before the attributes: the
/// extended ACK's offset counts from the start of the netlink header.
const HEADERS_LEN: usize = 16 + 4;

/// The key of an entry as the kernel compares them (a repeated key in one
/// batch is refused with EINVAL): its address, VR (default 0), protocol,
/// ports (the last one defaulting to the first) and remote end.
type EntryKey = (IpAddr, u32, u8, u16, u16, Option<SocketAddr>);

fn entry_key(args: &OwnerArgs) -> EntryKey {
    (
        args.addr,
        args.vr.unwrap_or(0),
        args.proto,
        args.port,
        args.port_last.unwrap_or(args.port),
        args.remote,
    )
}

/// One owner-batch request: entries `entries` of the changes given to
/// [`owner_batches`], in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerBatch {
    pub msg: OwnerBatchMessage,
    /// The indices, among the changes, of the entries of `msg`.
    pub entries: Range<usize>,
    /// The offset of each entry's attribute (set or del) from the start
    /// of the request's netlink header, and its length.
    spans: Vec<(u32, u32)>,
}

impl OwnerBatch {
    /// The index, among the changes, of the entry whose attribute holds
    /// `offset` (an extended ACK's NLMSGERR_ATTR_OFFS for this request:
    /// the kernel points at the entry's attribute, or at an attribute of
    /// it when its policy refuses one; or NLMSGERR_ATTR_MISS_NEST, the
    /// entry missing an attribute); None if it is none of them (e.g.
    /// missing-ok, or an offset of another request).
    pub fn entry_at(&self, offset: u32) -> Option<usize> {
        let i = self
            .spans
            .partition_point(|&(start, _)| start <= offset)
            .checked_sub(1)?;
        let (start, len) = self.spans[i];
        (offset < start + len).then_some(self.entries.start + i)
    }
}

/// The owner-batch requests of `changes`, owner-set (add) and owner-del
/// (del) entries in their order, each request with missing-ok if
/// `missing_ok` (a del of a key that has no entry is skipped). A request
/// is cut at [`BATCH_MAX`] entries, at [`BATCH_BYTES_MAX`] bytes, and
/// before an entry whose key it has already (the kernel refuses a key
/// twice in one request; cut there, the requests do what the changes one
/// after the other would).
pub fn owner_batches<'a, I>(changes: I, missing_ok: bool) -> Vec<OwnerBatch>
where
    I: IntoIterator<Item = (OwnerOp, &'a OwnerArgs)>,
{
    let flag_len = if missing_ok {
        OwnerBatchAttr::MissingOk.buffer_len()
    } else {
        0
    };
    let mut out = Vec::new();
    let mut attrs: Vec<OwnerBatchAttr> = Vec::new();
    let mut spans = Vec::new();
    let mut keys = HashSet::new();
    let mut first = 0;
    // The bytes of the headers and the entries so far (the flag goes
    // after them).
    let mut len = HEADERS_LEN;
    let finish = |attrs: &mut Vec<OwnerBatchAttr>,
                  spans: &mut Vec<(u32, u32)>,
                  first: usize,
                  out: &mut Vec<OwnerBatch>| {
        let mut attrs = std::mem::take(attrs);
        if missing_ok {
            attrs.push(OwnerBatchAttr::MissingOk);
        }
        let n = spans.len();
        out.push(OwnerBatch {
            msg: Message::new(Cmd::OwnerBatch, attrs),
            entries: first..first + n,
            spans: std::mem::take(spans),
        });
    };
    for (i, (op, args)) in changes.into_iter().enumerate() {
        let entry = owner_request(op, args).attrs;
        let attr = match op {
            OwnerOp::Add => OwnerBatchAttr::Set(entry),
            OwnerOp::Del => OwnerBatchAttr::Del(entry),
        };
        let attr_len = attr.buffer_len();
        let key = entry_key(args);
        if !spans.is_empty()
            && (spans.len() >= BATCH_MAX as usize
                || len + attr_len + flag_len > BATCH_BYTES_MAX
                || keys.contains(&key))
        {
            finish(&mut attrs, &mut spans, first, &mut out);
            keys.clear();
            first = i;
            len = HEADERS_LEN;
        }
        // Lengths of one message fit in u32 (it is at most
        // BATCH_BYTES_MAX, or one entry of at most 64 KiB).
        spans.push((len as u32, attr_len as u32));
        len += attr_len;
        keys.insert(key);
        attrs.push(attr);
    }
    if !spans.is_empty() {
        finish(&mut attrs, &mut spans, first, &mut out);
    }
    out
}

/// A refused (or failed) owner-batch request: the error, and the index
/// among the changes of the entry the kernel's extended ACK points at.
#[derive(Debug)]
pub struct BatchError {
    pub error: Error,
    pub entry: Option<usize>,
}

impl BatchError {
    /// The kernel does not know owner-batch (a kernel older than the
    /// command: generic netlink refuses an unknown command with
    /// EOPNOTSUPP); owner-set and owner-del do the same one at a time.
    pub fn unsupported(&self) -> bool {
        matches!(self.error, Error::Kernel { errno, .. } if errno == libc::EOPNOTSUPP)
    }

    /// The kernel refused the request (and so changed nothing), as
    /// opposed to a failure of the socket.
    pub fn refused(&self) -> bool {
        matches!(self.error, Error::Kernel { .. })
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for BatchError {}

/// Sends one owner-batch request. All or nothing: a refusal changes no
/// entry.
pub fn send_owner_batch(sock: &mut GenlSocket, batch: &OwnerBatch) -> Result<(), BatchError> {
    match sock.request_at(batch.msg.clone()) {
        Ok(_) => Ok(()),
        Err(ErrorAt { error, offset }) => Err(BatchError {
            entry: offset.and_then(|o| batch.entry_at(o)),
            error,
        }),
    }
}

// ---------------------------------------------------------------------
// Decoded entries

/// The address an entry gives with the attribute `names[0]` (`v4`) or
/// `names[1]` (`v6`): None if neither, an error about `what` if both.
fn either(
    v4: Option<Ipv4Addr>,
    v6: Option<Ipv6Addr>,
    what: &str,
    names: [&str; 2],
) -> Result<Option<IpAddr>, String> {
    match (v4, v6) {
        (Some(_), Some(_)) => Err(format!("{what} with both {} and {}", names[0], names[1])),
        (Some(a), None) => Ok(Some(a.into())),
        (None, Some(a)) => Ok(Some(a.into())),
        (None, None) => Ok(None),
    }
}

/// A distributed address, as VR_CMD_DHOST_GET reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dhost {
    /// An IPv4 (VR_A_DHOST_ADDR) or IPv6 (VR_A_DHOST_ADDR6) address.
    pub addr: IpAddr,
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
    /// Builds an entry from the attributes of a dump reply: one of addr
    /// and addr6, ifindex, member and lead are required, vr is 0 if
    /// missing.
    pub fn from_attrs(attrs: &[DhostAttr]) -> Result<Dhost, String> {
        let (mut addr, mut addr6, mut vr) = (None, None, 0);
        let (mut ifindex, mut member, mut lead) = (None, None, None);
        for attr in attrs {
            match attr {
                DhostAttr::Addr(a) => addr = Some(*a),
                DhostAttr::Addr6(a) => addr6 = Some(*a),
                DhostAttr::Vr(v) => vr = *v,
                DhostAttr::Ifindex(v) => ifindex = Some(*v),
                DhostAttr::Member(v) => member = Some(*v),
                DhostAttr::Lead(v) => lead = Some(*v),
                DhostAttr::Other(_) => {}
            }
        }
        const WHAT: &str = "distributed address";
        let missing = |what: &str| format!("{WHAT} without {what}");
        let addr = either(addr, addr6, WHAT, ["VR_A_DHOST_ADDR", "VR_A_DHOST_ADDR6"])?;
        Ok(Dhost {
            addr: addr.ok_or_else(|| missing("VR_A_DHOST_ADDR or VR_A_DHOST_ADDR6"))?,
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
    /// An IPv4 (VR_A_OWNER_ADDR) or IPv6 (VR_A_OWNER_ADDR6) address.
    pub addr: IpAddr,
    pub vr: u32,
    pub proto: u32,
    pub port: u32,
    /// Equal to `port` unless the entry is a range.
    pub port_last: u32,
    /// The remote address (of the family of `addr`) and port of a
    /// connection.
    pub remote: Option<(IpAddr, u32)>,
    pub member: u32,
}

impl Owner {
    /// Builds an entry from the attributes of a dump reply: one of addr
    /// and addr6, proto, port and member are required; vr is 0 and
    /// port-last is port if missing; remote (or remote6, of the family of
    /// the address) counts only with remote-port.
    pub fn from_attrs(attrs: &[OwnerAttr]) -> Result<Owner, String> {
        let (mut addr, mut addr6, mut vr) = (None, None, 0);
        let (mut proto, mut port, mut port_last) = (None, None, None);
        let (mut remote, mut remote6, mut remote_port, mut member) = (None, None, None, None);
        for attr in attrs {
            match attr {
                OwnerAttr::Addr(a) => addr = Some(*a),
                OwnerAttr::Addr6(a) => addr6 = Some(*a),
                OwnerAttr::Vr(v) => vr = *v,
                OwnerAttr::Proto(v) => proto = Some(*v),
                OwnerAttr::Port(v) => port = Some(*v),
                OwnerAttr::PortLast(v) => port_last = Some(*v),
                OwnerAttr::Remote(a) => remote = Some(*a),
                OwnerAttr::Remote6(a) => remote6 = Some(*a),
                OwnerAttr::RemotePort(v) => remote_port = Some(*v),
                OwnerAttr::Member(v) => member = Some(*v),
                OwnerAttr::Other(_) => {}
            }
        }
        const WHAT: &str = "ownership entry";
        let missing = |what: &str| format!("{WHAT} without {what}");
        let port = port.ok_or_else(|| missing("VR_A_OWNER_PORT"))?;
        let addr = either(addr, addr6, WHAT, ["VR_A_OWNER_ADDR", "VR_A_OWNER_ADDR6"])?
            .ok_or_else(|| missing("VR_A_OWNER_ADDR or VR_A_OWNER_ADDR6"))?;
        let proto = proto.ok_or_else(|| missing("VR_A_OWNER_PROTO"))?;
        let member = member.ok_or_else(|| missing("VR_A_OWNER_MEMBER"))?;
        let remote = either(
            remote,
            remote6,
            WHAT,
            ["VR_A_OWNER_REMOTE", "VR_A_OWNER_REMOTE6"],
        )?
        .zip(remote_port);
        if let Some((r, _)) = remote.filter(|(r, _)| r.is_ipv4() != addr.is_ipv4()) {
            return Err(format!(
                "{WHAT} of {addr} with a remote of another family ({r})"
            ));
        }
        Ok(Owner {
            addr,
            vr,
            proto,
            port,
            port_last: port_last.unwrap_or(port),
            remote,
            member,
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

    /// The order of `vrctl dhost owner show` (IPv4 addresses before IPv6
    /// ones).
    pub fn sort_key(&self) -> (u32, IpAddr, u32, u32, u32, Option<(IpAddr, u32)>) {
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

/// The local address of a socket event (VR_A_SOCK_ADDR and
/// VR_A_SOCK_ADDR6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SockAddr {
    /// A socket on one address (never 0.0.0.0 or ::): addr for an IPv4
    /// socket (and an IPv6 one on an IPv4-mapped address), addr6 for an
    /// IPv6 socket on an IPv6 address.
    One(IpAddr),
    /// A socket on the wildcard address, for every distributed address of
    /// its VR of the families it receives: `v4` with addr 0.0.0.0 (an
    /// IPv4 socket on 0.0.0.0, or a dual-stack IPv6 socket on ::), `v6`
    /// with addr6 :: (an IPv6 socket on ::, with IPV6_V6ONLY or not).
    Wild { v4: bool, v6: bool },
}

impl SockAddr {
    /// The address of an event with addr `v4` and addr6 `v6`: 0.0.0.0
    /// and/or :: are the wildcard, another address alone is that address;
    /// addr and addr6 together are an error unless they are 0.0.0.0 and ::.
    fn from_attrs(v4: Option<Ipv4Addr>, v6: Option<Ipv6Addr>) -> Result<SockAddr, String> {
        Ok(match (v4, v6) {
            (None, None) => {
                return Err("socket event without VR_A_SOCK_ADDR or VR_A_SOCK_ADDR6".into())
            }
            (Some(a), None) if a.is_unspecified() => SockAddr::Wild {
                v4: true,
                v6: false,
            },
            (None, Some(a)) if a.is_unspecified() => SockAddr::Wild {
                v4: false,
                v6: true,
            },
            (Some(a), Some(a6)) if a.is_unspecified() && a6.is_unspecified() => {
                SockAddr::Wild { v4: true, v6: true }
            }
            (Some(a), None) => SockAddr::One(a.into()),
            (None, Some(a)) => SockAddr::One(a.into()),
            (Some(a), Some(a6)) => {
                return Err(format!(
                    "socket event with VR_A_SOCK_ADDR {a} and VR_A_SOCK_ADDR6 {a6} \
                     (only 0.0.0.0 and :: come together)"
                ))
            }
        })
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
    /// The socket's local address, or the wildcard for every distributed
    /// address of its VR (of one family or of both).
    pub addr: SockAddr,
    pub vr: u32,
    pub proto: u32,
    pub port: u32,
    /// The event is about a connection (accepted or connected; it has
    /// VR_A_SOCK_REMOTE_PORT), not about a port.
    pub connection: bool,
    /// The remote address and port of a connection, when the event has
    /// both (remote or remote6, and remote-port).
    pub remote: Option<(IpAddr, u16)>,
}

impl SockNtf {
    /// Builds an event from the attributes of a notification: event, addr
    /// and/or addr6 (see [`SockAddr`]), proto and port are required, vr is
    /// 0 if missing.
    pub fn from_attrs(attrs: &[SockAttr]) -> Result<SockNtf, String> {
        let (mut event, mut cookie, mut addr, mut addr6) = (None, None, None, None);
        let (mut vr, mut proto, mut port, mut connection) = (0, None, None, false);
        let (mut remote, mut remote_port) = (None, None);
        for attr in attrs {
            match attr {
                SockAttr::Event(v) => event = Some(*v),
                SockAttr::Cookie(v) => cookie = Some(*v),
                SockAttr::Addr(a) => addr = Some(*a),
                SockAttr::Addr6(a) => addr6 = Some(*a),
                SockAttr::Vr(v) => vr = *v,
                SockAttr::Proto(v) => proto = Some(*v),
                SockAttr::Port(v) => port = Some(*v),
                SockAttr::RemotePort(v) => {
                    connection = true;
                    remote_port = u16::try_from(*v).ok();
                }
                SockAttr::Remote(a) => remote = Some(IpAddr::V4(*a)),
                SockAttr::Remote6(a) => remote = Some(IpAddr::V6(*a)),
                SockAttr::Errno(_) | SockAttr::Other(_) => {}
            }
        }
        let missing = |what: &str| format!("socket event without {what}");
        Ok(SockNtf {
            event: event.ok_or_else(|| missing("VR_A_SOCK_EVENT"))?,
            cookie,
            addr: SockAddr::from_attrs(addr, addr6)?,
            vr,
            proto: proto.ok_or_else(|| missing("VR_A_SOCK_PROTO"))?,
            port: port.ok_or_else(|| missing("VR_A_SOCK_PORT"))?,
            connection,
            remote: remote.zip(remote_port),
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
        let mut genl = GenlMessage::from_payload(DhostMessage::set(addr.into(), 2, 3, 3));
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
        let del = DhostMessage::del(ADDR.into(), None);
        assert_eq!(del.cmd, Cmd::DhostDel);
        assert_eq!(emitted(&del), tlv(crate::dhost::ADDR, &[10, 0, 0, 100]));
        let del = DhostMessage::del(ADDR.into(), Some(70000));
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
                addr: ADDR.into(),
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
            (IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4, "lead")
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
            Err("distributed address without VR_A_DHOST_ADDR or VR_A_DHOST_ADDR6".into())
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
                addr: ADDR.into(),
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
        assert_eq!(o.remote, Some((Ipv4Addr::new(10, 0, 0, 2).into(), 40000)));
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
                addr: SockAddr::One(ADDR.into()),
                vr: 1,
                proto: 6,
                port: 8080,
                connection: false,
                remote: None,
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
            (
                None,
                SockAddr::Wild {
                    v4: true,
                    v6: false
                },
                0,
                17,
                false
            )
        );
        // The close of a connection: it has the remote attributes.
        let mut b = u32_attr(crate::sock::EVENT, crate::sock_event::CLOSE);
        b.extend(tlv(crate::sock::ADDR, &[10, 0, 0, 100]));
        b.extend(u32_attr(crate::sock::PROTO, 6));
        b.extend(u32_attr(crate::sock::PORT, 80));
        b.extend(tlv(8, &[10, 0, 0, 2]));
        b.extend(u32_attr(crate::sock::REMOTE_PORT, 40000));
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        let ntf = SockNtf::from_attrs(&msg.attrs).expect("valid");
        assert!(ntf.connection);
        assert_eq!(ntf.remote, Some((Ipv4Addr::new(10, 0, 0, 2).into(), 40000)));
        let b = u32_attr(crate::sock::EVENT, 1);
        let msg = SockMessage::parse_with_param(&b[..], header(ntf_cmd)).expect("decodes");
        assert_eq!(
            SockNtf::from_attrs(&msg.attrs),
            Err("socket event without VR_A_SOCK_ADDR or VR_A_SOCK_ADDR6".into())
        );
        let b = tlv(crate::sock::ADDR, &[10, 0]);
        assert!(SockMessage::parse_with_param(&b[..], header(ntf_cmd)).is_err());
    }

    const ADDR6: Ipv6Addr = Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x100);
    const REMOTE6: Ipv6Addr = Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x13);

    #[test]
    fn encode_dhost_set_and_del_ipv6() {
        let set = DhostMessage::set(ADDR6.into(), 7, 2, 1);
        assert_eq!(set.cmd, Cmd::DhostSet);
        let mut want = tlv(crate::dhost::ADDR6, &ADDR6.octets());
        want.extend(u32_attr(crate::dhost::IFINDEX, 7));
        want.extend(u32_attr(crate::dhost::MEMBER, 2));
        want.extend(u32_attr(crate::dhost::LEAD, 1));
        assert_eq!(emitted(&set), want);
        // The 16 bytes in network order, no addr.
        assert_eq!(&want[..4], &[20, 0, 6, 0]);
        assert_eq!(&want[4..6], &[0xfd, 0]);
        assert_eq!(&want[18..20], &[1, 0]);
        let del = DhostMessage::del(ADDR6.into(), Some(3));
        assert_eq!(del.cmd, Cmd::DhostDel);
        let mut want = tlv(crate::dhost::ADDR6, &ADDR6.octets());
        want.extend(u32_attr(crate::dhost::VR, 3));
        assert_eq!(emitted(&del), want);
    }

    #[test]
    fn decode_dhost_reply_ipv6() {
        // An IPv6 entry: addr6 instead of addr, after the others (the
        // order of the spec).
        let mut b = u32_attr(crate::dhost::VR, 2);
        b.extend(u32_attr(crate::dhost::IFINDEX, 3));
        b.extend(u32_attr(crate::dhost::MEMBER, 1));
        b.extend(u32_attr(crate::dhost::LEAD, 1));
        b.extend(tlv(crate::dhost::ADDR6, &ADDR6.octets()));
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        let d = Dhost::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            d,
            Dhost {
                addr: ADDR6.into(),
                vr: 2,
                ifindex: 3,
                dev: None,
                member: 1,
                lead: 1,
            }
        );
        assert_eq!(
            (d.addr.to_string(), d.role()),
            ("fd00:9::100".into(), "lead")
        );
        assert_eq!(emitted(&msg), b);
        // IPv4 addresses sort before IPv6 ones.
        let v4 = Dhost {
            addr: Ipv4Addr::new(255, 255, 255, 254).into(),
            ..d.clone()
        };
        assert!(v4.addr < d.addr);
    }

    #[test]
    fn decode_dhost_address_errors() {
        let rest = || {
            let mut b = u32_attr(crate::dhost::IFINDEX, 2);
            b.extend(u32_attr(crate::dhost::MEMBER, 1));
            b.extend(u32_attr(crate::dhost::LEAD, 1));
            b
        };
        // Both addr and addr6.
        let mut b = tlv(crate::dhost::ADDR, &[10, 0, 0, 100]);
        b.extend(rest());
        b.extend(tlv(crate::dhost::ADDR6, &ADDR6.octets()));
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        assert_eq!(
            Dhost::from_attrs(&msg.attrs),
            Err("distributed address with both VR_A_DHOST_ADDR and VR_A_DHOST_ADDR6".into())
        );
        // Neither.
        let b = rest();
        let msg = DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).expect("decodes");
        assert_eq!(
            Dhost::from_attrs(&msg.attrs),
            Err("distributed address without VR_A_DHOST_ADDR or VR_A_DHOST_ADDR6".into())
        );
        // An IPv6 address is 16 bytes.
        let b = tlv(crate::dhost::ADDR6, &[10, 0, 0, 100]);
        assert!(DhostMessage::parse_with_param(&b[..], header(Cmd::DhostGet)).is_err());
    }

    /// An IPv6 ownership entry as the kernel fills it: addr6, vr, proto,
    /// port, port-last, remote-port, member and remote6 if a connection.
    fn owner6_reply(remote: Option<(Ipv6Addr, u32)>) -> Vec<u8> {
        let mut b = u32_attr(crate::owner::VR, 1);
        b.extend(u32_attr(crate::owner::PROTO, 6));
        b.extend(u32_attr(crate::owner::PORT, 80));
        b.extend(u32_attr(crate::owner::PORT_LAST, 80));
        if let Some((_, port)) = remote {
            b.extend(u32_attr(crate::owner::REMOTE_PORT, port));
        }
        b.extend(u32_attr(crate::owner::MEMBER, 2));
        b.extend(tlv(crate::owner::ADDR6, &ADDR6.octets()));
        if let Some((addr, _)) = remote {
            b.extend(tlv(crate::owner::REMOTE6, &addr.octets()));
        }
        b
    }

    #[test]
    fn decode_owner_ipv6_replies() {
        // A port of an IPv6 address.
        let b = owner6_reply(None);
        let msg = OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).expect("decodes");
        let port = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            port,
            Owner {
                addr: ADDR6.into(),
                vr: 1,
                proto: 6,
                port: 80,
                port_last: 80,
                remote: None,
                member: 2,
            }
        );
        assert_eq!(emitted(&msg), b);
        // A connection, with remote6.
        let b = owner6_reply(Some((REMOTE6, 40000)));
        let msg = OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).expect("decodes");
        let conn = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(conn.remote, Some((REMOTE6.into(), 40000)));
        assert_eq!(emitted(&msg), b);
        // By VR, then IPv4 before IPv6, then as before (the port before
        // its connections).
        let v4 = Owner {
            addr: Ipv4Addr::new(255, 255, 255, 254).into(),
            ..conn.clone()
        };
        let mut v = vec![conn.clone(), port.clone(), v4.clone()];
        v.sort_by_key(Owner::sort_key);
        assert_eq!(v, [v4, port, conn]);
    }

    #[test]
    fn decode_owner_address_errors() {
        let parse = |b: &[u8]| {
            let msg = OwnerMessage::parse_with_param(b, header(Cmd::OwnerGet)).expect("decodes");
            Owner::from_attrs(&msg.attrs)
        };
        // Both addr and addr6.
        let mut b = owner6_reply(None);
        b.extend(tlv(crate::owner::ADDR, &[10, 0, 0, 100]));
        assert_eq!(
            parse(&b),
            Err("ownership entry with both VR_A_OWNER_ADDR and VR_A_OWNER_ADDR6".into())
        );
        // Neither.
        let mut b = u32_attr(crate::owner::PROTO, 6);
        b.extend(u32_attr(crate::owner::PORT, 80));
        b.extend(u32_attr(crate::owner::MEMBER, 2));
        assert_eq!(
            parse(&b),
            Err("ownership entry without VR_A_OWNER_ADDR or VR_A_OWNER_ADDR6".into())
        );
        // Both remote and remote6.
        let mut b = owner6_reply(Some((REMOTE6, 40000)));
        b.extend(tlv(crate::owner::REMOTE, &[10, 0, 0, 2]));
        assert_eq!(
            parse(&b),
            Err("ownership entry with both VR_A_OWNER_REMOTE and VR_A_OWNER_REMOTE6".into())
        );
        // A remote of the other family, either way.
        let mut b = tlv(crate::owner::ADDR, &[10, 0, 0, 100]);
        b.extend(u32_attr(crate::owner::PROTO, 6));
        b.extend(u32_attr(crate::owner::PORT, 80));
        b.extend(u32_attr(crate::owner::REMOTE_PORT, 40000));
        b.extend(u32_attr(crate::owner::MEMBER, 2));
        b.extend(tlv(crate::owner::REMOTE6, &REMOTE6.octets()));
        assert_eq!(
            parse(&b),
            Err(
                "ownership entry of 10.0.0.100 with a remote of another family (fd00:9::13)".into()
            )
        );
        let mut b = owner6_reply(None);
        b.extend(tlv(crate::owner::REMOTE, &[10, 0, 0, 2]));
        b.extend(u32_attr(crate::owner::REMOTE_PORT, 40000));
        assert_eq!(
            parse(&b),
            Err("ownership entry of fd00:9::100 with a remote of another family (10.0.0.2)".into())
        );
        // A short remote6.
        let b = tlv(crate::owner::REMOTE6, &[0xfd, 0, 0, 9]);
        assert!(OwnerMessage::parse_with_param(&b[..], header(Cmd::OwnerGet)).is_err());
    }

    #[test]
    fn encode_owner_requests_by_family() {
        let v4 = OwnerArgs {
            addr: ADDR.into(),
            vr: Some(1),
            proto: IPPROTO_TCP,
            port: 80,
            port_last: None,
            remote: Some("10.0.0.2:40000".parse().expect("addr")),
            member: Some(2),
        };
        let set = owner_request(OwnerOp::Add, &v4);
        assert_eq!(set.cmd, Cmd::OwnerSet);
        let mut key = tlv(crate::owner::ADDR, &[10, 0, 0, 100]);
        key.extend(u32_attr(crate::owner::VR, 1));
        key.extend(u32_attr(crate::owner::PROTO, 6));
        key.extend(u32_attr(crate::owner::PORT, 80));
        key.extend(tlv(crate::owner::REMOTE, &[10, 0, 0, 2]));
        key.extend(u32_attr(crate::owner::REMOTE_PORT, 40000));
        let mut want = key.clone();
        want.extend(u32_attr(crate::owner::MEMBER, 2));
        assert_eq!(emitted(&set), want);
        assert_eq!(emitted(&owner_request(OwnerOp::Del, &v4)), key);
        // IPv6: addr6 and remote6 where addr and remote were.
        let v6 = OwnerArgs {
            addr: ADDR6.into(),
            remote: Some("[fd00:9::13]:40000".parse().expect("addr")),
            ..v4.clone()
        };
        let mut key = tlv(crate::owner::ADDR6, &ADDR6.octets());
        key.extend(u32_attr(crate::owner::VR, 1));
        key.extend(u32_attr(crate::owner::PROTO, 6));
        key.extend(u32_attr(crate::owner::PORT, 80));
        key.extend(tlv(crate::owner::REMOTE6, &REMOTE6.octets()));
        key.extend(u32_attr(crate::owner::REMOTE_PORT, 40000));
        let mut want = key.clone();
        want.extend(u32_attr(crate::owner::MEMBER, 2));
        assert_eq!(emitted(&owner_request(OwnerOp::Add, &v6)), want);
        let del = owner_request(OwnerOp::Del, &v6);
        assert_eq!(del.cmd, Cmd::OwnerDel);
        assert_eq!(emitted(&del), key);
        // A range of an IPv6 address, no remote.
        let range = OwnerArgs {
            vr: None,
            port_last: Some(49999),
            remote: None,
            ..v6
        };
        let mut want = tlv(crate::owner::ADDR6, &ADDR6.octets());
        want.extend(u32_attr(crate::owner::PROTO, 6));
        want.extend(u32_attr(crate::owner::PORT, 80));
        want.extend(u32_attr(crate::owner::PORT_LAST, 49999));
        want.extend(u32_attr(crate::owner::MEMBER, 2));
        assert_eq!(emitted(&owner_request(OwnerOp::Add, &range)), want);
        // The request decodes back to the entry it makes.
        let msg =
            OwnerMessage::parse_with_param(&want[..], header(Cmd::OwnerGet)).expect("decodes");
        let o = Owner::from_attrs(&msg.attrs).expect("valid");
        assert_eq!((o.addr, o.ports()), (IpAddr::V6(ADDR6), "80-49999".into()));
    }

    /// The socket event of a bind of TCP port 80 in VR 0 with `addrs`
    /// (attributes addr and addr6 as the kernel puts them).
    fn sock_event(addrs: &[Vec<u8>]) -> Result<SockNtf, String> {
        let mut b = u32_attr(crate::sock::EVENT, crate::sock_event::BIND);
        b.extend(u32_attr(crate::sock::COOKIE, 9));
        for a in addrs.iter().filter(|a| a.len() == 8) {
            b.extend(a);
        }
        b.extend(u32_attr(crate::sock::PROTO, 6));
        b.extend(u32_attr(crate::sock::PORT, 80));
        for a in addrs.iter().filter(|a| a.len() != 8) {
            b.extend(a);
        }
        let msg = SockMessage::parse_with_param(&b[..], header(Cmd::SockNtf)).expect("decodes");
        assert_eq!(emitted(&msg), b);
        SockNtf::from_attrs(&msg.attrs)
    }

    fn addr(a: Ipv4Addr) -> Vec<u8> {
        tlv(crate::sock::ADDR, &a.octets())
    }

    fn addr6(a: Ipv6Addr) -> Vec<u8> {
        tlv(crate::sock::ADDR6, &a.octets())
    }

    #[test]
    fn decode_sock_event_addr_only() {
        let ntf = sock_event(&[addr(ADDR)]).expect("valid");
        assert_eq!(
            ntf,
            SockNtf {
                event: crate::sock_event::BIND,
                cookie: Some(9),
                addr: SockAddr::One(ADDR.into()),
                vr: 0,
                proto: 6,
                port: 80,
                connection: false,
                remote: None,
            }
        );
        let ntf = sock_event(&[addr(Ipv4Addr::UNSPECIFIED)]).expect("valid");
        assert_eq!(
            ntf.addr,
            SockAddr::Wild {
                v4: true,
                v6: false
            }
        );
    }

    #[test]
    fn decode_sock_event_addr6_only() {
        let ntf = sock_event(&[addr6(ADDR6)]).expect("valid");
        assert_eq!(ntf.addr, SockAddr::One(ADDR6.into()));
        assert_eq!((ntf.cookie, ntf.proto, ntf.port), (Some(9), 6, 80));
        // The connection of an IPv6 socket: remote6 and remote-port.
        let mut b = u32_attr(crate::sock::EVENT, crate::sock_event::CLOSE);
        b.extend(u32_attr(crate::sock::PROTO, 6));
        b.extend(u32_attr(crate::sock::PORT, 80));
        b.extend(u32_attr(crate::sock::REMOTE_PORT, 40000));
        b.extend(tlv(crate::sock::ADDR6, &ADDR6.octets()));
        b.extend(tlv(crate::sock::REMOTE6, &REMOTE6.octets()));
        let msg = SockMessage::parse_with_param(&b[..], header(Cmd::SockNtf)).expect("decodes");
        let ntf = SockNtf::from_attrs(&msg.attrs).expect("valid");
        assert_eq!(
            (ntf.addr, ntf.cookie, ntf.connection),
            (SockAddr::One(ADDR6.into()), None, true)
        );
        assert_eq!(ntf.remote, Some((REMOTE6.into(), 40000)));
    }

    #[test]
    fn decode_sock_event_dual_stack_wildcard() {
        // An IPv6 socket on :: without IPV6_V6ONLY: addr 0 and addr6 ::.
        let ntf = sock_event(&[addr(Ipv4Addr::UNSPECIFIED), addr6(Ipv6Addr::UNSPECIFIED)])
            .expect("valid");
        assert_eq!(ntf.addr, SockAddr::Wild { v4: true, v6: true });
    }

    #[test]
    fn decode_sock_event_v6only_wildcard() {
        // An IPv6 socket on :: with IPV6_V6ONLY: addr6 :: only.
        let ntf = sock_event(&[addr6(Ipv6Addr::UNSPECIFIED)]).expect("valid");
        assert_eq!(
            ntf.addr,
            SockAddr::Wild {
                v4: false,
                v6: true
            }
        );
    }

    #[test]
    fn decode_sock_event_address_errors() {
        let both = "(only 0.0.0.0 and :: come together)";
        for (addrs, want) in [
            (
                vec![addr(ADDR), addr6(Ipv6Addr::UNSPECIFIED)],
                format!("socket event with VR_A_SOCK_ADDR 10.0.0.100 and VR_A_SOCK_ADDR6 :: {both}"),
            ),
            (
                vec![addr(Ipv4Addr::UNSPECIFIED), addr6(ADDR6)],
                format!(
                    "socket event with VR_A_SOCK_ADDR 0.0.0.0 and VR_A_SOCK_ADDR6 fd00:9::100 {both}"
                ),
            ),
            (
                vec![addr(ADDR), addr6(ADDR6)],
                format!(
                    "socket event with VR_A_SOCK_ADDR 10.0.0.100 and VR_A_SOCK_ADDR6 fd00:9::100 {both}"
                ),
            ),
            (
                Vec::new(),
                "socket event without VR_A_SOCK_ADDR or VR_A_SOCK_ADDR6".into(),
            ),
        ] {
            assert_eq!(sock_event(&addrs), Err(want));
        }
        // An IPv6 address is 16 bytes.
        let b = tlv(crate::sock::ADDR6, &[0; 4]);
        assert!(SockMessage::parse_with_param(&b[..], header(Cmd::SockNtf)).is_err());
    }

    fn port_args(port: u16, member: Option<u32>) -> OwnerArgs {
        OwnerArgs {
            addr: ADDR.into(),
            vr: None,
            proto: IPPROTO_TCP,
            port,
            port_last: None,
            remote: None,
            member,
        }
    }

    /// A nested attribute as the kernel expects it: NLA_F_NESTED set.
    fn nest(kind: u16, inner: &[u8]) -> Vec<u8> {
        tlv(kind | netlink_packet_core::NLA_F_NESTED, inner)
    }

    #[test]
    fn encode_owner_batch() {
        let set = OwnerArgs {
            vr: Some(1),
            ..port_args(80, Some(2))
        };
        let del = OwnerArgs {
            port_last: Some(90),
            ..port_args(81, Some(9))
        };
        let changes = [(OwnerOp::Add, &set), (OwnerOp::Del, &del)];
        let batches = owner_batches(changes, true);
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!((b.msg.cmd, b.entries.clone()), (Cmd::OwnerBatch, 0..2));
        // set: the attributes of owner-set; del: those of owner-del (no
        // member); then the flag, without a value.
        let mut set_entry = tlv(crate::owner_entry::ADDR, &[10, 0, 0, 100]);
        set_entry.extend(u32_attr(crate::owner_entry::VR, 1));
        set_entry.extend(u32_attr(crate::owner_entry::PROTO, 6));
        set_entry.extend(u32_attr(crate::owner_entry::PORT, 80));
        set_entry.extend(u32_attr(crate::owner_entry::MEMBER, 2));
        let mut del_entry = tlv(crate::owner_entry::ADDR, &[10, 0, 0, 100]);
        del_entry.extend(u32_attr(crate::owner_entry::PROTO, 6));
        del_entry.extend(u32_attr(crate::owner_entry::PORT, 81));
        del_entry.extend(u32_attr(crate::owner_entry::PORT_LAST, 90));
        let mut want = nest(crate::owner_batch::SET, &set_entry);
        want.extend(nest(crate::owner_batch::DEL, &del_entry));
        want.extend(tlv(crate::owner_batch::MISSING_OK, &[]));
        assert_eq!(emitted(&b.msg), want);
        assert_eq!(&want[want.len() - 4..], &[4, 0, 3, 0]);
        // The whole request: the command after the netlink header.
        let mut genl = GenlMessage::from_payload(b.msg.clone());
        genl.set_resolved_family_id(0x20);
        genl.finalize();
        let bytes = encode_request(genl, 0, 7);
        assert_eq!(bytes.len(), 16 + 4 + want.len());
        assert_eq!(&bytes[16..20], &[Cmd::OwnerBatch.value(), 1, 0, 0]);
        assert_eq!(&bytes[20..], &want[..]);
        // It decodes back to the same message.
        let back = OwnerBatchMessage::parse_with_param(&want[..], header(Cmd::OwnerBatch))
            .expect("decodes");
        assert_eq!(back, b.msg);
        // Without missing-ok, no flag.
        let b = &owner_batches(changes, false)[0];
        assert_eq!(emitted(&b.msg), want[..want.len() - 4]);
        // No change, no request.
        assert!(owner_batches([], true).is_empty());
    }

    #[test]
    fn owner_batches_are_cut_at_batch_max() {
        let args: Vec<OwnerArgs> = (1..=2500).map(|p| port_args(p, Some(2))).collect();
        let batches = owner_batches(args.iter().map(|a| (OwnerOp::Add, a)), true);
        let ranges: Vec<Range<usize>> = batches.iter().map(|b| b.entries.clone()).collect();
        assert_eq!(ranges, [0..1024, 1024..2048, 2048..2500]);
        for b in &batches {
            // The entries and the flag.
            assert_eq!(b.msg.attrs.len(), b.entries.len() + 1);
            assert_eq!(b.msg.attrs.last(), Some(&OwnerBatchAttr::MissingOk));
            assert!(HEADERS_LEN + b.msg.buffer_len() <= BATCH_BYTES_MAX);
        }
        // Entries of IPv6 connections (84 bytes) are cut at the bytes.
        let conns: Vec<OwnerArgs> = (1..=1024)
            .map(|p| OwnerArgs {
                addr: ADDR6.into(),
                vr: Some(1),
                remote: Some(SocketAddr::new(REMOTE6.into(), p)),
                ..port_args(80, Some(2))
            })
            .collect();
        let batches = owner_batches(conns.iter().map(|a| (OwnerOp::Add, a)), false);
        assert_eq!(batches.len(), 2);
        let entry = OwnerBatchAttr::Set(owner_request(OwnerOp::Add, &conns[0]).attrs);
        assert_eq!(entry.buffer_len(), 84);
        let per = (BATCH_BYTES_MAX - HEADERS_LEN) / 84;
        assert_eq!(per, 779);
        assert_eq!(batches[0].entries, 0..per);
        assert_eq!(batches[1].entries, per..1024);
        for b in &batches {
            assert!(HEADERS_LEN + b.msg.buffer_len() <= BATCH_BYTES_MAX);
        }
    }

    #[test]
    fn owner_batches_are_cut_before_a_repeated_key() {
        let a80 = port_args(80, Some(2));
        let a81 = port_args(81, None);
        // The same key as a80: vr 0 is the default, port-last the port.
        let a80_again = OwnerArgs {
            vr: Some(0),
            port_last: Some(80),
            ..port_args(80, Some(3))
        };
        // Another key: a range from 80, a connection on 80, another VR.
        let range = OwnerArgs {
            port_last: Some(89),
            ..a80.clone()
        };
        let conn = OwnerArgs {
            remote: Some("10.0.0.2:4000".parse().expect("addr")),
            ..a80.clone()
        };
        let vr1 = OwnerArgs {
            vr: Some(1),
            ..a80.clone()
        };
        let changes = [
            (OwnerOp::Add, &a80),
            (OwnerOp::Del, &a81),
            (OwnerOp::Add, &range),
            (OwnerOp::Add, &conn),
            (OwnerOp::Add, &vr1),
            (OwnerOp::Add, &a80_again),
            (OwnerOp::Del, &a80),
            (OwnerOp::Add, &a81),
        ];
        let ranges: Vec<Range<usize>> = owner_batches(changes, true)
            .iter()
            .map(|b| b.entries.clone())
            .collect();
        assert_eq!(ranges, [0..5, 5..6, 6..8]);
    }

    #[test]
    fn extack_offset_to_entry() {
        let args: Vec<OwnerArgs> = (1..=1030).map(|p| port_args(p, Some(2))).collect();
        let changes = args.iter().map(|a| (OwnerOp::Add, a));
        let batches = owner_batches(changes, true);
        assert_eq!(batches.len(), 2);
        // Entries of one port without VR: 4 + 4 * 8 = 36 bytes each,
        // after the headers.
        let b = &batches[1];
        assert_eq!(b.entry_at(20), Some(1024));
        assert_eq!(b.entry_at(20 + 35), Some(1024));
        assert_eq!(b.entry_at(20 + 36), Some(1025));
        // An attribute inside the entry (its port, refused by the policy).
        assert_eq!(b.entry_at(20 + 5 * 36 + 4 + 16), Some(1029));
        // The flag, the headers, past the end: no entry.
        assert_eq!(b.entry_at(20 + 6 * 36), None);
        assert_eq!(b.entry_at(16), None);
        assert_eq!(b.entry_at(0), None);
        assert_eq!(b.entry_at(u32::MAX), None);
        assert_eq!(batches[0].entry_at(20 + 1023 * 36), Some(1023));

        // The offset as the kernel sends it: in a capped error ACK of the
        // request, with the extended ACK's message.
        let mut tlvs = tlv(1, b"duplicate key\0");
        tlvs.extend(tlv(2, &(20u32 + 2 * 36).to_ne_bytes()));
        let mut payload = (-libc::EINVAL).to_ne_bytes().to_vec();
        payload.extend_from_slice(&[0; 16]);
        payload.extend(tlvs);
        let flags = netlink_packet_core::NLM_F_CAPPED | netlink_packet_core::NLM_F_ACK_TLVS;
        let (code, ext) = crate::socket::parse_error_payload(flags, &payload).expect("parses");
        assert_eq!(code, -libc::EINVAL);
        assert_eq!(ext.msg.as_deref(), Some("duplicate key"));
        assert_eq!(ext.offset.and_then(|o| b.entry_at(o)), Some(1026));
    }

    #[test]
    fn batch_errors() {
        let e = |errno| BatchError {
            error: Error::Kernel {
                errno,
                msg: Some("no".into()),
            },
            entry: Some(3),
        };
        assert!(e(libc::EOPNOTSUPP).unsupported());
        assert!(!e(libc::EINVAL).unsupported());
        assert!(e(libc::EINVAL).refused());
        assert_eq!(
            e(libc::ENOENT).to_string(),
            "no (No such file or directory)"
        );
        let io = BatchError {
            error: Error::io("send", std::io::Error::from_raw_os_error(libc::EBADF)),
            entry: None,
        };
        assert!(!io.refused() && !io.unsupported());
    }

    #[test]
    fn protocol_names() {
        assert_eq!(proto_name(6), "tcp");
        assert_eq!(proto_name(17), "udp");
        assert_eq!(proto_name(132), "132");
        assert_eq!(proto_name(262), "262");
    }
}
