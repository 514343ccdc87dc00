// SPDX-License-Identifier: GPL-2.0-only
//! Messages of the "vr" generic netlink family, for userspace.
//!
//! Everything the family's ABI fixes (the family name and version, the
//! constants, the `sock-event` values, one module per attribute set with
//! its attribute numbers and a typed [`vr::Attr`]-style enum, the commands
//! as [`Cmd`], the multicast group names) is generated at build time from
//! `Documentation/netlink/specs/vr.yaml`, the file that also generates the
//! kernel's uapi header and netlink policies. Nothing here restates a
//! number of the ABI by hand.
//!
//! A message is a [`Message`] of one attribute set: `Message<vr::Attr>`,
//! `Message<owner::Attr>` and so on.
//!
//! Around them, what vrctl and vr-dhostd both use: [`socket`], netlink
//! sockets (generic netlink with family and group resolution, requests,
//! dumps, notifications, extended ACKs); [`error`], what an exchange with
//! the kernel can fail with; [`dhost_nl`], the decoded distributed
//! addresses, ownership entries and socket events; [`diag`], sock_diag
//! dumps of the TCP, UDP and raw sockets with their VR; [`args`], the
//! words of their command lines.

use netlink_packet_core::{
    DecodeError, Emitable, Nla, NlaBuffer, Parseable, ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};
use std::net::IpAddr;

include!(concat!(env!("OUT_DIR"), "/vr_uapi.rs"));

pub mod args;
pub mod dhost_nl;
pub mod diag;
pub mod error;
pub mod socket;
#[doc(hidden)]
pub mod testing;

pub use error::Error;

/// `RT_TABLE_MAIN`: the FIB table of VR 0.
pub const RT_TABLE_MAIN: u32 = 254;

/// The FIB table of VR `id`, as the kernel's `vr_table()` computes it: the
/// main table for VR 0, [`TABLE_BASE`]` + id` for the others. `None` for an
/// id above [`ID_MAX`].
pub const fn vr_table(id: u32) -> Option<u32> {
    if id == 0 {
        Some(RT_TABLE_MAIN)
    } else if id <= ID_MAX {
        Some(TABLE_BASE + id)
    } else {
        None
    }
}

/// Encoding and decoding of attribute values, used by the generated code.
pub mod codec {
    use netlink_packet_core::{DecodeError, NlaBuffer, NlasIterator, Parseable};
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// Byte payload of a NUL-terminated string attribute.
    pub fn string_len(s: &str) -> usize {
        s.len() + 1
    }

    /// Writes `s` and its NUL into a buffer of [`string_len`] bytes.
    pub fn emit_string(buffer: &mut [u8], s: &str) {
        let bytes = s.as_bytes();
        buffer[..bytes.len()].copy_from_slice(bytes);
        buffer[bytes.len()] = 0;
    }

    /// Decodes a string attribute: stops at the first NUL (NLA_NUL_STRING
    /// and NLA_STRING both occur in the wild), replaces invalid UTF-8.
    pub fn parse_string(payload: &[u8]) -> String {
        let end = payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(payload.len());
        String::from_utf8_lossy(&payload[..end]).into_owned()
    }

    /// Decodes a u32 in host order; `what` names it in the error.
    pub fn parse_u32(payload: &[u8], what: &str) -> Result<u32, DecodeError> {
        netlink_packet_core::parse_u32(payload)
            .map_err(|e| DecodeError::from(format!("invalid {what}: {e}")))
    }

    /// Decodes an IPv4 address kept as a `__be32`.
    pub fn parse_ipv4(payload: &[u8], what: &str) -> Result<Ipv4Addr, DecodeError> {
        let bytes: [u8; 4] = payload
            .try_into()
            .map_err(|_| DecodeError::from(format!("invalid {what}: {} bytes", payload.len())))?;
        Ok(Ipv4Addr::from(bytes))
    }

    /// An IPv6 address attribute (`binary`, exactly 16 bytes).
    pub fn parse_ipv6(payload: &[u8], what: &str) -> Result<Ipv6Addr, DecodeError> {
        let bytes: [u8; 16] = payload
            .try_into()
            .map_err(|_| DecodeError::from(format!("invalid {what}: {} bytes", payload.len())))?;
        Ok(Ipv6Addr::from(bytes))
    }

    /// The length of an `NLA_UINT` value, as the kernel's nla_put_uint()
    /// makes it: 4 bytes when the value fits, else 8.
    pub fn uint_len(v: u64) -> usize {
        if u32::try_from(v).is_ok() {
            4
        } else {
            8
        }
    }

    /// Writes an `NLA_UINT` value into a buffer of [`uint_len`] bytes.
    pub fn emit_uint(buffer: &mut [u8], v: u64) {
        match u32::try_from(v) {
            Ok(v32) => buffer.copy_from_slice(&v32.to_ne_bytes()),
            Err(_) => buffer.copy_from_slice(&v.to_ne_bytes()),
        }
    }

    /// Decodes an `NLA_UINT` attribute: 4 or 8 bytes, host order.
    pub fn parse_uint(payload: &[u8], what: &str) -> Result<u64, DecodeError> {
        match payload.len() {
            4 => Ok(parse_u32(payload, what)?.into()),
            8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(payload);
                Ok(u64::from_ne_bytes(b))
            }
            n => Err(DecodeError::from(format!("invalid {what}: {n} bytes"))),
        }
    }

    /// Decodes the attributes of a nest.
    pub fn parse_nest<A>(payload: &[u8], what: &str) -> Result<Vec<A>, DecodeError>
    where
        A: for<'a> Parseable<NlaBuffer<&'a [u8]>>,
    {
        NlasIterator::new(payload)
            .map(|nla| nla.and_then(|nla| A::parse(&nla)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DecodeError::from(format!("invalid {what}: {e}")))
    }
}

/// One message of the family (the part after the genetlink header) whose
/// attributes are of one set, `A`: [`vr::Attr`], [`dhost::Attr`],
/// [`owner::Attr`], [`sock::Attr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<A> {
    pub cmd: Cmd,
    pub attrs: Vec<A>,
}

impl<A> Message<A> {
    /// A message of `cmd` with `attrs`.
    pub fn new(cmd: Cmd, attrs: Vec<A>) -> Self {
        Message { cmd, attrs }
    }
}

impl<A> GenlFamily for Message<A> {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }

    fn command(&self) -> u8 {
        self.cmd.value()
    }

    fn version(&self) -> u8 {
        FAMILY_VERSION
    }
}

impl<A: Nla> Emitable for Message<A> {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl<A> ParseableParametrized<[u8], GenlHeader> for Message<A>
where
    A: for<'a> Parseable<NlaBuffer<&'a [u8]>>,
{
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        // A newer kernel's command is kept as Cmd::Other: a listener
        // skips a notification it does not know rather than fail on it.
        let cmd = Cmd::from_value(header.cmd);
        let attrs = codec::parse_nest(buf, "vr message attributes")?;
        Ok(Message { cmd, attrs })
    }
}

impl Message<vr::Attr> {
    /// create: id, then the optional name.
    pub fn create(id: u32, name: Option<&str>) -> Self {
        let mut attrs = vec![vr::Attr::Id(id)];
        attrs.extend(name.map(|n| vr::Attr::Name(n.to_owned())));
        Message::new(Cmd::Create, attrs)
    }

    /// delete: id.
    pub fn delete(id: u32) -> Self {
        Message::new(Cmd::Delete, vec![vr::Attr::Id(id)])
    }

    /// get: with an id for a "do", without for a dump.
    pub fn get(id: Option<u32>) -> Self {
        Message::new(Cmd::Get, id.map(vr::Attr::Id).into_iter().collect())
    }

    /// assign: ifindex, id (the order of the spec).
    pub fn assign(ifindex: u32, id: u32) -> Self {
        Message::new(
            Cmd::Assign,
            vec![vr::Attr::Ifindex(ifindex), vr::Attr::Id(id)],
        )
    }
}

impl Message<dhost::Attr> {
    /// The attribute of a distributed address: addr for an IPv4 address,
    /// addr6 for an IPv6 one.
    fn addr(addr: IpAddr) -> dhost::Attr {
        match addr {
            IpAddr::V4(a) => dhost::Attr::Addr(a),
            IpAddr::V6(a) => dhost::Attr::Addr6(a),
        }
    }

    /// dhost-set: addr (addr6, in its place, for an IPv6 address),
    /// ifindex, member, lead (the order of the spec).
    pub fn set(addr: IpAddr, ifindex: u32, member: u32, lead: u32) -> Self {
        let attrs = vec![
            Self::addr(addr),
            dhost::Attr::Ifindex(ifindex),
            dhost::Attr::Member(member),
            dhost::Attr::Lead(lead),
        ];
        Message::new(Cmd::DhostSet, attrs)
    }

    /// dhost-del: addr (or addr6), then the VR if one is given.
    pub fn del(addr: IpAddr, vr: Option<u32>) -> Self {
        let mut attrs = vec![Self::addr(addr)];
        attrs.extend(vr.map(dhost::Attr::Vr));
        Message::new(Cmd::DhostDel, attrs)
    }

    /// dhost-get, a dump.
    pub fn dump() -> Self {
        Message::new(Cmd::DhostGet, Vec::new())
    }
}

impl Message<owner::Attr> {
    /// owner-get, a dump.
    pub fn dump() -> Self {
        Message::new(Cmd::OwnerGet, Vec::new())
    }
}

impl Message<sock::Attr> {
    /// claim-answer: the cookie of the waiting bind and its errno (0
    /// grants the claim).
    pub fn claim_answer(cookie: u32, errno: u32) -> Self {
        Message::new(
            Cmd::ClaimAnswer,
            vec![sock::Attr::Cookie(cookie), sock::Attr::Errno(errno)],
        )
    }
}

#[cfg(test)]
mod tests;
