// SPDX-License-Identifier: GPL-2.0-only
//! Netlink plumbing: a socket of any netlink protocol with
//! request/acknowledgement and dump exchanges and the decoding of error
//! messages with their extended ACK, and on top of it the generic netlink
//! socket (family and multicast group resolution through nlctrl).

use std::fmt::Debug;
use std::io;

use netlink_packet_core::{
    Emitable, NetlinkBuffer, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    NetlinkSerializable, NlasIterator, ParseableParametrized, NLM_F_ACK, NLM_F_ACK_TLVS,
    NLM_F_CAPPED, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

use crate::error::{Error, Result};

/// Length of struct nlmsghdr.
const NLMSG_HDRLEN: usize = 16;

/// Attributes of the extended ACK (enum nlmsgerr_attrs).
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSGERR_ATTR_OFFS: u16 = 2;
const NLMSGERR_ATTR_MISS_TYPE: u16 = 5;
const NLMSGERR_ATTR_MISS_NEST: u16 = 6;

/// Size of the first receive buffer; grown when the kernel has more.
const RECV_BUF: usize = 32 * 1024;

fn nlmsg_align(len: usize) -> usize {
    (len + 3) & !3
}

/// What the kernel said in the extended ACK of an error.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extack {
    /// NLMSGERR_ATTR_MSG
    pub msg: Option<String>,
    /// NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request.
    pub offset: Option<u32>,
    /// NLMSGERR_ATTR_MISS_TYPE: a missing attribute.
    pub miss_type: Option<u32>,
    /// NLMSGERR_ATTR_MISS_NEST: offset of the nest that misses it, if one
    /// does (else the request's top level misses it).
    pub miss_nest: Option<u32>,
}

/// Decodes the TLVs of an extended ACK.
pub fn parse_extack_tlvs(tlvs: &[u8]) -> Result<Extack> {
    let mut ext = Extack::default();
    for nla in NlasIterator::new(tlvs) {
        let nla = nla.map_err(|e| Error::Protocol(format!("extended ACK: {e}")))?;
        let value = nla.value();
        match nla.kind() {
            NLMSGERR_ATTR_MSG => {
                let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
                ext.msg = Some(String::from_utf8_lossy(&value[..end]).into_owned());
            }
            NLMSGERR_ATTR_OFFS => ext.offset = u32_value(value),
            NLMSGERR_ATTR_MISS_TYPE => ext.miss_type = u32_value(value),
            NLMSGERR_ATTR_MISS_NEST => ext.miss_nest = u32_value(value),
            _ => {}
        }
    }
    Ok(ext)
}

fn u32_value(value: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(value.try_into().ok()?))
}

/// Decodes the payload of an NLMSG_ERROR message (struct nlmsgerr, then
/// the TLVs when `flags`, the flags of the NLMSG_ERROR header, has
/// NLM_F_ACK_TLVS). Returns the error code (0 for an ACK, else a negative
/// errno) and the extended ACK.
///
/// The original request follows the error code: only its header when the
/// kernel capped it (NLM_F_CAPPED, always for ACKs or with NETLINK_CAP_ACK),
/// else the whole message, whose nlmsg_len says how long it is.
pub fn parse_error_payload(flags: u16, payload: &[u8]) -> Result<(i32, Extack)> {
    let code = payload
        .get(0..4)
        .and_then(u32_value)
        .ok_or_else(|| Error::Protocol("truncated NLMSG_ERROR".into()))? as i32;
    if flags & NLM_F_ACK_TLVS == 0 {
        return Ok((code, Extack::default()));
    }
    let orig_len = if flags & NLM_F_CAPPED != 0 {
        NLMSG_HDRLEN
    } else {
        payload
            .get(4..8)
            .and_then(u32_value)
            .map(|len| (len as usize).max(NLMSG_HDRLEN))
            .ok_or_else(|| Error::Protocol("truncated NLMSG_ERROR".into()))?
    };
    let tlv_start = nlmsg_align(4 + orig_len);
    let tlvs = payload
        .get(tlv_start..)
        .ok_or_else(|| Error::Protocol("NLMSG_ERROR shorter than the request it quotes".into()))?;
    Ok((code, parse_extack_tlvs(tlvs)?))
}

/// Decodes the payload of an NLMSG_DONE message: the int status of the dump
/// and, with NLM_F_ACK_TLVS, the TLVs right after it.
pub fn parse_done_payload(flags: u16, payload: &[u8]) -> Result<(i32, Extack)> {
    // The kernel may send a zero-length NLMSG_DONE.
    let code = match payload.get(0..4) {
        Some(b) => u32_value(b).unwrap_or(0) as i32,
        None => 0,
    };
    if flags & NLM_F_ACK_TLVS == 0 || payload.len() <= 4 {
        return Ok((code, Extack::default()));
    }
    Ok((code, parse_extack_tlvs(&payload[4..])?))
}

fn kernel_error(code: i32, ext: Extack) -> ErrorAt {
    ErrorAt {
        error: Error::Kernel {
            errno: code.saturating_neg(),
            msg: ext.msg,
        },
        // An attribute missing in a nest: the nest is at fault.
        offset: ext.offset.or(ext.miss_nest),
    }
}

/// A failed exchange, with where the kernel's extended ACK points when
/// it refused the request: NLMSGERR_ATTR_OFFS, the offset of the
/// offending attribute from the start of the request's netlink header, or
/// NLMSGERR_ATTR_MISS_NEST, that of a nest missing an attribute.
#[derive(Debug)]
pub struct ErrorAt {
    pub error: Error,
    pub offset: Option<u32>,
}

impl From<Error> for ErrorAt {
    fn from(error: Error) -> Self {
        ErrorAt {
            error,
            offset: None,
        }
    }
}

/// How a received message relates to the request being waited for.
enum Step<F> {
    /// A reply (or dump part) to keep.
    Reply(F),
    /// The exchange ended successfully (ACK or NLMSG_DONE).
    Done,
    /// Not ours (another sequence number): ignore.
    Skip,
}

/// Classifies one message of a datagram. `seq` is the sequence number of
/// the request. Errors in NLMSG_ERROR and NLMSG_DONE become `Err`.
#[cfg(test)]
fn classify<I>(msg_bytes: &[u8], seq: u32) -> Result<(NetlinkHeader, Step<I>)>
where
    I: NetlinkDeserializable + Debug,
{
    classify_at(msg_bytes, seq).map_err(|e| e.error)
}

/// [`classify`], the offset of an extended ACK kept with the error.
fn classify_at<I>(
    msg_bytes: &[u8],
    seq: u32,
) -> std::result::Result<(NetlinkHeader, Step<I>), ErrorAt>
where
    I: NetlinkDeserializable + Debug,
{
    let buf = NetlinkBuffer::new_checked(msg_bytes).map_err(|e| Error::Protocol(format!("{e}")))?;
    let flags = buf.flags();
    let mut header = NetlinkHeader::default();
    header.length = buf.length();
    header.message_type = buf.message_type();
    header.flags = flags;
    header.sequence_number = buf.sequence_number();
    header.port_number = buf.port_number();
    if header.sequence_number != seq {
        return Ok((header, Step::Skip));
    }
    let payload = buf.payload();
    match header.message_type {
        netlink_packet_core::NLMSG_ERROR => {
            let (code, ext) = parse_error_payload(flags, payload)?;
            if code == 0 {
                Ok((header, Step::Done))
            } else {
                Err(kernel_error(code, ext))
            }
        }
        netlink_packet_core::NLMSG_DONE => {
            let (code, ext) = parse_done_payload(flags, payload)?;
            if code < 0 {
                Err(kernel_error(code, ext))
            } else {
                Ok((header, Step::Done))
            }
        }
        netlink_packet_core::NLMSG_NOOP => Ok((header, Step::Skip)),
        netlink_packet_core::NLMSG_OVERRUN => Err(Error::Protocol("NLMSG_OVERRUN".into()).into()),
        _ => {
            let msg = NetlinkMessage::<I>::deserialize(msg_bytes)
                .map_err(|e| Error::Protocol(format!("{e}")))?;
            match msg.payload {
                NetlinkPayload::InnerMessage(m) => Ok((header, Step::Reply(m))),
                _ => Ok((header, Step::Skip)),
            }
        }
    }
}

/// Splits a datagram into its netlink messages.
pub fn split_messages(data: &[u8]) -> Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < data.len() {
        let rest = &data[off..];
        let buf = NetlinkBuffer::new_checked(rest).map_err(|e| Error::Protocol(format!("{e}")))?;
        let len = buf.length() as usize;
        out.push(&rest[..len]);
        off += nlmsg_align(len);
    }
    Ok(out)
}

/// A whole request: the netlink header (NLM_F_REQUEST, `flags`, and
/// NLM_F_ACK unless `flags` asks for a dump; sequence number `seq`), then
/// `payload`.
pub fn encode_request<I: NetlinkSerializable>(payload: I, flags: u16, seq: u32) -> Vec<u8> {
    let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
    let mut msg = NetlinkMessage::new(
        NetlinkHeader::default(),
        NetlinkPayload::InnerMessage(payload),
    );
    msg.header.flags = NLM_F_REQUEST | flags | if dump { 0 } else { NLM_F_ACK };
    msg.header.sequence_number = seq;
    msg.finalize();
    let mut tx = vec![0u8; msg.buffer_len()];
    msg.serialize(&mut tx);
    tx
}

/// A netlink socket of one protocol, with extended and capped ACKs.
pub struct NlSocket {
    sock: Socket,
    seq: u32,
}

impl NlSocket {
    /// Opens and binds a socket of `protocol` (e.g. NETLINK_ROUTE).
    pub fn open(protocol: isize) -> Result<Self> {
        let mut sock =
            Socket::new(protocol).map_err(|e| Error::io("cannot open netlink socket", e))?;
        // Best effort: kernels without these options still work, only
        // without extack messages.
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        sock.bind_auto()
            .map_err(|e| Error::io("cannot bind netlink socket", e))?;
        Ok(NlSocket { sock, seq: 0 })
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        if self.seq == 0 {
            // 0 is the sequence number of notifications.
            self.seq = 1;
        }
        self.seq
    }

    /// Receives one datagram, whatever its size.
    fn recv_datagram(&self) -> io::Result<Vec<u8>> {
        loop {
            let mut buf: Vec<u8> = Vec::with_capacity(RECV_BUF);
            let peeked = match self.sock.recv(&mut buf, libc::MSG_PEEK | libc::MSG_TRUNC) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if peeked > buf.capacity() {
                buf = Vec::with_capacity(peeked);
            } else {
                buf.clear();
            }
            match self.sock.recv(&mut buf, 0) {
                Ok(_) => return Ok(buf),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a request and collects its replies. A dump (NLM_F_DUMP in
    /// `flags`) ends with NLMSG_DONE; any other request is sent with
    /// NLM_F_ACK and ends with the ACK. `flags` may add e.g. NLM_F_CREATE.
    pub fn transact<I>(&mut self, payload: I, flags: u16) -> Result<Vec<I>>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Debug,
    {
        self.transact_at(payload, flags).map_err(|e| e.error)
    }

    /// [`NlSocket::transact`], the offset of an extended ACK kept with a
    /// refusal.
    pub fn transact_at<I>(&mut self, payload: I, flags: u16) -> std::result::Result<Vec<I>, ErrorAt>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Debug,
    {
        let seq = self.next_seq();
        let tx = encode_request(payload, flags, seq);
        self.sock
            .send_to(&tx, &SocketAddr::new(0, 0), 0)
            .map_err(|e| Error::io("cannot send netlink request", e))?;

        let mut replies = Vec::new();
        let mut interrupted = false;
        loop {
            let data = self
                .recv_datagram()
                .map_err(|e| Error::io("cannot receive netlink reply", e))?;
            for bytes in split_messages(&data)? {
                let (header, step) = classify_at::<I>(bytes, seq)?;
                match step {
                    Step::Reply(m) => {
                        interrupted |= header.flags & NLM_F_DUMP_INTR != 0;
                        replies.push(m);
                    }
                    Step::Skip => {}
                    Step::Done => {
                        if interrupted {
                            eprintln!("Warning: dump was interrupted and may be inconsistent");
                        }
                        return Ok(replies);
                    }
                }
            }
        }
    }
}

/// A generic netlink socket bound to one family.
pub struct GenlSocket {
    nl: NlSocket,
    family_id: u16,
    family: GenlCtrlInfo,
}

/// What nlctrl told about a family.
#[derive(Debug, Clone, Default)]
struct GenlCtrlInfo {
    name: String,
    groups: Vec<(String, u32)>,
}

impl GenlSocket {
    /// Opens a generic netlink socket with extended ACKs and capped ACKs,
    /// and resolves the "vr" family.
    pub fn open_vr() -> Result<Self> {
        let mut s = Self::open()?;
        s.resolve(crate::FAMILY_NAME)?;
        Ok(s)
    }

    /// Opens the socket, not yet bound to a family (see `resolve`).
    pub fn open() -> Result<Self> {
        Ok(GenlSocket {
            nl: NlSocket::open(NETLINK_GENERIC)?,
            family_id: 0,
            family: GenlCtrlInfo::default(),
        })
    }

    /// A request of a generic netlink family, see `NlSocket::transact`.
    fn transact<F>(&mut self, family_id: u16, payload: F, flags: u16) -> Result<Vec<GenlMessage<F>>>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        self.transact_at(family_id, payload, flags)
            .map_err(|e| e.error)
    }

    /// [`GenlSocket::transact`], the offset of an extended ACK kept.
    fn transact_at<F>(
        &mut self,
        family_id: u16,
        payload: F,
        flags: u16,
    ) -> std::result::Result<Vec<GenlMessage<F>>, ErrorAt>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        let mut genl = GenlMessage::from_payload(payload);
        genl.set_resolved_family_id(family_id);
        genl.finalize();
        self.nl.transact_at(genl, flags)
    }
    /// Whether `resolve` has bound the socket to a family.
    pub fn is_resolved(&self) -> bool {
        // 0 is NLMSG_NOOP, never a family id (nlctrl's is 0x10).
        self.family_id != 0
    }

    /// Resolves a family and its multicast groups through nlctrl.
    pub fn resolve(&mut self, name: &str) -> Result<()> {
        let req = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(name.to_owned())],
        };
        let replies = match self.transact(req.family_id(), req, 0) {
            Ok(r) => r,
            Err(Error::Kernel { errno, .. }) if errno == libc::ENOENT => {
                return Err(Error::FamilyNotFound(name.to_owned()))
            }
            Err(e) => return Err(e),
        };
        let mut id = None;
        let mut groups = Vec::new();
        for reply in replies {
            for nla in reply.payload.nlas {
                match nla {
                    GenlCtrlAttrs::FamilyId(v) => id = Some(v),
                    GenlCtrlAttrs::McastGroups(list) => {
                        for grp in list {
                            let mut gname = None;
                            let mut gid = None;
                            for a in grp {
                                match a {
                                    McastGrpAttrs::Name(n) => gname = Some(n),
                                    McastGrpAttrs::Id(i) => gid = Some(i),
                                }
                            }
                            if let (Some(n), Some(i)) = (gname, gid) {
                                groups.push((n, i));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        self.family_id = id.ok_or_else(|| Error::FamilyNotFound(name.to_owned()))?;
        self.family = GenlCtrlInfo {
            name: name.to_owned(),
            groups,
        };
        Ok(())
    }

    /// A "do" request of the vr family (a `VrMessage`, or a message of
    /// another attribute set of the family), acknowledged by the kernel.
    pub fn request<F>(&mut self, msg: F) -> Result<Vec<F>>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        let id = self.family_id;
        Ok(self
            .transact(id, msg, 0)?
            .into_iter()
            .map(|m| m.payload)
            .collect())
    }

    /// [`GenlSocket::request`], the offset of the extended ACK kept with a
    /// refusal (see [`ErrorAt`]): for a request of many entries, where
    /// the kernel says the one it refused is.
    pub fn request_at<F>(&mut self, msg: F) -> std::result::Result<Vec<F>, ErrorAt>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        let id = self.family_id;
        Ok(self
            .transact_at(id, msg, 0)?
            .into_iter()
            .map(|m| m.payload)
            .collect())
    }

    /// A dump request of the vr family.
    pub fn dump<F>(&mut self, msg: F) -> Result<Vec<F>>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        let id = self.family_id;
        Ok(self
            .transact(id, msg, NLM_F_DUMP)?
            .into_iter()
            .map(|m| m.payload)
            .collect())
    }

    /// Joins a multicast group of the family.
    pub fn subscribe(&mut self, group: &str) -> Result<()> {
        let id = self
            .family
            .groups
            .iter()
            .find(|(n, _)| n == group)
            .map(|(_, id)| *id)
            .ok_or_else(|| Error::GroupNotFound {
                family: self.family.name.clone(),
                group: group.to_owned(),
            })?;
        self.nl
            .sock
            .add_membership(id)
            .map_err(|e| Error::io("cannot join the multicast group", e))
    }

    /// Asks for a receive buffer of `bytes` (best effort: the kernel caps
    /// it at net.core.rmem_max), so that bursts of notifications fit.
    pub fn set_recv_buffer(&mut self, bytes: usize) {
        let _ = self.nl.sock.set_rx_buf_sz(bytes);
    }

    /// Waits for the next datagram and returns the notifications of the
    /// family in it, decoded as `F` (`VrMessage` for the monitor group, a
    /// `dhost_nl::Message` for the others). ENOBUFS (notifications were
    /// lost) is returned as an `Error::Io` whose errno is ENOBUFS; the
    /// socket stays usable.
    pub fn recv_notifications<F>(&mut self) -> Result<Vec<F>>
    where
        F: ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        let data = self
            .nl
            .recv_datagram()
            .map_err(|e| Error::io("cannot receive notification", e))?;
        let mut out = Vec::new();
        for bytes in split_messages(&data)? {
            let buf =
                NetlinkBuffer::new_checked(bytes).map_err(|e| Error::Protocol(format!("{e}")))?;
            if buf.message_type() != self.family_id || buf.sequence_number() != 0 {
                continue;
            }
            let msg = NetlinkMessage::<GenlMessage<F>>::deserialize(bytes)
                .map_err(|e| Error::Protocol(format!("{e}")))?;
            if let NetlinkPayload::InnerMessage(m) = msg.payload {
                out.push(m.payload);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tlv;
    use crate::vr::Attr as VrAttr;
    use crate::Cmd;

    type VrMessage = crate::Message<VrAttr>;

    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;

    fn nlmsghdr(len: u32, ty: u16, flags: u16, seq: u32, pid: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&len.to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&pid.to_ne_bytes());
        v
    }

    /// The request the errors below refer to: VR_CMD_DELETE of VR 70000
    /// (genl header + one u32 attribute = 28 bytes).
    fn request(family: u16, seq: u32) -> Vec<u8> {
        let mut v = nlmsghdr(28, family, NLM_F_REQUEST | NLM_F_ACK, seq, 0);
        v.extend_from_slice(&[Cmd::Delete.value(), 1, 0, 0]);
        v.extend(tlv(1, &70000u32.to_ne_bytes()));
        v
    }

    /// A whole NLMSG_ERROR message as the kernel builds it.
    fn error_message(errno: i32, capped: bool, tlvs: &[u8], seq: u32) -> Vec<u8> {
        let req = request(0x20, seq);
        let quoted: &[u8] = if capped { &req[..16] } else { &req };
        let mut flags = 0;
        if capped {
            flags |= NLM_F_CAPPED;
        }
        if !tlvs.is_empty() {
            flags |= NLM_F_ACK_TLVS;
        }
        let len = 16 + 4 + quoted.len() + tlvs.len();
        let mut v = nlmsghdr(len as u32, NLMSG_ERROR, flags, seq, 1234);
        v.extend_from_slice(&(-errno).to_ne_bytes());
        v.extend_from_slice(quoted);
        v.extend_from_slice(tlvs);
        v
    }

    fn extack_tlvs() -> Vec<u8> {
        let mut t = tlv(NLMSGERR_ATTR_MSG, b"VR id out of range\0");
        t.extend(tlv(NLMSGERR_ATTR_OFFS, &24u32.to_ne_bytes()));
        t
    }

    #[test]
    fn extack_with_capped_header() {
        let msg = error_message(libc::ERANGE, true, &extack_tlvs(), 5);
        let (code, ext) =
            parse_error_payload(NLM_F_CAPPED | NLM_F_ACK_TLVS, &msg[16..]).expect("parses");
        assert_eq!(code, -libc::ERANGE);
        assert_eq!(ext.msg.as_deref(), Some("VR id out of range"));
        assert_eq!(ext.offset, Some(24));
    }

    #[test]
    fn extack_with_full_request_quoted() {
        let msg = error_message(libc::ERANGE, false, &extack_tlvs(), 5);
        let (code, ext) = parse_error_payload(NLM_F_ACK_TLVS, &msg[16..]).expect("parses");
        assert_eq!(code, -libc::ERANGE);
        assert_eq!(ext.msg.as_deref(), Some("VR id out of range"));
        assert_eq!(ext.offset, Some(24));
    }

    #[test]
    fn error_without_extack() {
        let msg = error_message(libc::EPERM, true, &[], 5);
        let (code, ext) = parse_error_payload(NLM_F_CAPPED, &msg[16..]).expect("parses");
        assert_eq!(code, -libc::EPERM);
        assert_eq!(ext, Extack::default());
    }

    #[test]
    fn truncated_error_is_a_protocol_error() {
        assert!(matches!(
            parse_error_payload(0, &[1, 2]),
            Err(Error::Protocol(_))
        ));
        // Claims to quote a 28-byte request but holds only its header.
        let msg = error_message(libc::EINVAL, true, &[], 5);
        assert!(matches!(
            parse_error_payload(NLM_F_ACK_TLVS, &msg[16..]),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn classify_error_message_into_kernel_error() {
        let msg = error_message(libc::ERANGE, true, &extack_tlvs(), 9);
        match classify::<GenlMessage<VrMessage>>(&msg, 9) {
            Err(Error::Kernel { errno, msg }) => {
                assert_eq!(errno, libc::ERANGE);
                assert_eq!(msg.as_deref(), Some("VR id out of range"));
            }
            _ => panic!("expected a kernel error"),
        }
        let e = classify::<GenlMessage<VrMessage>>(&msg, 9)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("VR id out of range (Numerical result out of range)")
        );
    }

    #[test]
    fn classify_keeps_the_extack_offset() {
        for capped in [true, false] {
            let msg = error_message(libc::ERANGE, capped, &extack_tlvs(), 9);
            match classify_at::<GenlMessage<VrMessage>>(&msg, 9) {
                Err(ErrorAt {
                    error: Error::Kernel { errno, msg },
                    offset,
                }) => {
                    assert_eq!(errno, libc::ERANGE);
                    assert_eq!(msg.as_deref(), Some("VR id out of range"));
                    assert_eq!(offset, Some(24));
                }
                _ => panic!("expected a kernel error"),
            }
        }
        // An attribute missing in a nest: the nest's offset.
        let mut t = tlv(NLMSGERR_ATTR_MSG, b"owning member missing\0");
        t.extend(tlv(NLMSGERR_ATTR_MISS_TYPE, &8u32.to_ne_bytes()));
        t.extend(tlv(NLMSGERR_ATTR_MISS_NEST, &72u32.to_ne_bytes()));
        let msg = error_message(libc::EINVAL, true, &t, 9);
        match classify_at::<GenlMessage<VrMessage>>(&msg, 9) {
            Err(ErrorAt { offset, .. }) => assert_eq!(offset, Some(72)),
            _ => panic!("expected a kernel error"),
        }
        // Without an extended ACK, no offset.
        let msg = error_message(libc::EPERM, true, &[], 9);
        match classify_at::<GenlMessage<VrMessage>>(&msg, 9) {
            Err(ErrorAt { offset, .. }) => assert_eq!(offset, None),
            _ => panic!("expected a kernel error"),
        }
    }

    #[test]
    fn classify_ack_and_foreign_seq() {
        let mut ack = nlmsghdr(36, NLMSG_ERROR, NLM_F_CAPPED, 3, 1);
        ack.extend_from_slice(&0i32.to_ne_bytes());
        ack.extend_from_slice(&request(0x20, 3)[..16]);
        assert!(matches!(
            classify::<GenlMessage<VrMessage>>(&ack, 3),
            Ok((_, Step::Done))
        ));
        assert!(matches!(
            classify::<GenlMessage<VrMessage>>(&ack, 4),
            Ok((_, Step::Skip))
        ));
    }

    #[test]
    fn classify_error_inside_dump() {
        let tlvs = tlv(NLMSGERR_ATTR_MSG, b"dump failed\0");
        let len = 16 + 4 + tlvs.len();
        let mut done = nlmsghdr(len as u32, NLMSG_DONE, 0x2 | NLM_F_ACK_TLVS, 7, 1);
        done.extend_from_slice(&(-libc::EMSGSIZE).to_ne_bytes());
        done.extend(tlvs);
        match classify::<GenlMessage<VrMessage>>(&done, 7) {
            Err(Error::Kernel { errno, msg }) => {
                assert_eq!(errno, libc::EMSGSIZE);
                assert_eq!(msg.as_deref(), Some("dump failed"));
            }
            _ => panic!("expected a kernel error"),
        }
    }

    #[test]
    fn classify_done_ends_dump() {
        let mut done = nlmsghdr(20, NLMSG_DONE, 0x2, 7, 1);
        done.extend_from_slice(&0i32.to_ne_bytes());
        assert!(matches!(
            classify::<GenlMessage<VrMessage>>(&done, 7),
            Ok((_, Step::Done))
        ));
        // Zero-length NLMSG_DONE.
        let done = nlmsghdr(16, NLMSG_DONE, 0x2, 7, 1);
        assert!(matches!(
            classify::<GenlMessage<VrMessage>>(&done, 7),
            Ok((_, Step::Done))
        ));
    }

    #[test]
    fn split_multipart_datagram() {
        let mut data = Vec::new();
        for id in [0u32, 1] {
            let attr = tlv(1, &id.to_ne_bytes());
            let mut m = nlmsghdr((16 + 4 + attr.len()) as u32, 0x20, 0x2, 7, 1);
            m.extend_from_slice(&[Cmd::Get.value(), 1, 0, 0]);
            m.extend(attr);
            data.extend(m);
        }
        let mut done = nlmsghdr(20, NLMSG_DONE, 0x2, 7, 1);
        done.extend_from_slice(&0i32.to_ne_bytes());
        data.extend(done);

        let parts = split_messages(&data).expect("splits");
        assert_eq!(parts.len(), 3);
        let mut ids = Vec::new();
        for p in &parts[..2] {
            match classify::<GenlMessage<VrMessage>>(p, 7) {
                Ok((_, Step::Reply(m))) => {
                    assert_eq!(m.payload.cmd, Cmd::Get);
                    ids.push(m.payload.attrs.clone());
                }
                _ => panic!("expected a reply"),
            }
        }
        assert_eq!(ids, vec![vec![VrAttr::Id(0)], vec![VrAttr::Id(1)]]);
        assert!(matches!(
            classify::<GenlMessage<VrMessage>>(parts[2], 7),
            Ok((_, Step::Done))
        ));
    }

    /// Tests against the running kernel's nlctrl family (present in every
    /// Linux kernel with generic netlink). They return early, saying so,
    /// where netlink sockets cannot be opened (e.g. a seccomp sandbox).
    fn host_socket() -> Option<GenlSocket> {
        match GenlSocket::open() {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("skipping: no generic netlink socket here: {e}");
                None
            }
        }
    }

    #[test]
    fn host_resolve_nlctrl() {
        let Some(mut s) = host_socket() else { return };
        s.resolve("nlctrl").expect("nlctrl resolves");
        assert_eq!(s.family_id, netlink_packet_generic::constants::GENL_ID_CTRL);
        assert!(s.family.groups.iter().any(|(n, _)| n == "notify"));
        s.subscribe("notify").expect("joins nlctrl's notify group");
        assert!(matches!(
            s.subscribe("nope"),
            Err(Error::GroupNotFound { .. })
        ));
    }

    #[test]
    fn host_unknown_family() {
        let Some(mut s) = host_socket() else { return };
        match s.resolve("no-such-family") {
            Err(Error::FamilyNotFound(name)) => assert_eq!(name, "no-such-family"),
            other => panic!("unexpected {:?}", other.map(|()| s.family_id)),
        }
    }

    #[test]
    fn host_multipart_dump() {
        let Some(mut s) = host_socket() else { return };
        let req = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![],
        };
        let families = s.transact(16, req, NLM_F_DUMP).expect("dump of families");
        let names: Vec<String> = families
            .iter()
            .flat_map(|m| m.payload.nlas.iter())
            .filter_map(|a| match a {
                GenlCtrlAttrs::FamilyName(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        assert!(names.iter().any(|n| n == "nlctrl"), "{names:?}");
        // The socket is still in sync: a "do" on it works.
        s.resolve("nlctrl").expect("nlctrl resolves after a dump");
    }

    #[test]
    fn host_policy_error_has_extack() {
        let Some(mut s) = host_socket() else { return };
        // CTRL_ATTR_FAMILY_NAME is limited to GENL_NAMSIZ - 1 bytes.
        let req = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName("x".repeat(40))],
        };
        match s.transact(16, req, 0) {
            Err(Error::Kernel { errno, msg }) => {
                eprintln!(
                    "kernel said: {:?}",
                    Error::Kernel {
                        errno,
                        msg: msg.clone()
                    }
                    .to_string()
                );
                assert!(
                    errno == libc::ERANGE || errno == libc::EINVAL,
                    "errno {errno}"
                );
                assert!(msg.is_some_and(|m| !m.is_empty()));
            }
            other => panic!("expected a kernel error, got {:?}", other.map(|v| v.len())),
        }
    }

    #[test]
    fn split_rejects_bad_length() {
        let bad = nlmsghdr(200, NLMSG_DONE, 0, 1, 1);
        assert!(split_messages(&bad).is_err());
        let zero = nlmsghdr(0, NLMSG_DONE, 0, 1, 1);
        assert!(split_messages(&zero).is_err());
    }
}
