// SPDX-License-Identifier: GPL-2.0-only
//! Messages of the "vr" generic netlink family: the uapi numbers
//! (include/uapi/linux/vr.h), attribute encoding/decoding, and the decoded
//! view of a VR used by the output code.

use netlink_packet_core::{
    parse_u32, DecodeError, DefaultNla, Emitable, Nla, NlaBuffer, NlasIterator, Parseable,
    ParseableParametrized, NLA_F_NESTED,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};
use serde::Serialize;

pub const VR_FAMILY_NAME: &str = "vr";
pub const VR_FAMILY_VERSION: u8 = 1;
pub const VR_MCGRP_MONITOR: &str = "monitor";
pub const VR_MCGRP_DHOST: &str = "dhost";

pub const VR_A_ID: u16 = 1;
pub const VR_A_NAME: u16 = 2;
pub const VR_A_TABLE: u16 = 3;
pub const VR_A_IFINDEX: u16 = 4;
pub const VR_A_IFACE: u16 = 5;
pub const VR_A_STATS: u16 = 6;

pub const VR_A_IFACE_IFINDEX: u16 = 1;
pub const VR_A_IFACE_NAME: u16 = 2;

pub const VR_A_STATS_RX_PACKETS: u16 = 1;
pub const VR_A_STATS_TX_PACKETS: u16 = 2;
pub const VR_A_STATS_FWD_PACKETS: u16 = 3;
pub const VR_A_STATS_DROP_PACKETS: u16 = 4;

pub const VR_CMD_CREATE: u8 = 1;
pub const VR_CMD_DELETE: u8 = 2;
pub const VR_CMD_GET: u8 = 3;
pub const VR_CMD_ASSIGN: u8 = 4;
pub const VR_CMD_CREATE_NTF: u8 = 5;
pub const VR_CMD_DELETE_NTF: u8 = 6;
pub const VR_CMD_CHANGE_NTF: u8 = 7;
pub const VR_CMD_DHOST_SET: u8 = 8;
pub const VR_CMD_DHOST_DEL: u8 = 9;
pub const VR_CMD_DHOST_GET: u8 = 10;
pub const VR_CMD_OWNER_SET: u8 = 11;
pub const VR_CMD_OWNER_DEL: u8 = 12;
pub const VR_CMD_OWNER_GET: u8 = 13;
pub const VR_CMD_SOCK_NTF: u8 = 14;
pub const VR_CMD_CLAIM_ANSWER: u8 = 15;

pub const VR_MEMBER_MAX: u32 = 65535;

pub const VR_A_DHOST_ADDR: u16 = 1;
pub const VR_A_DHOST_VR: u16 = 2;
pub const VR_A_DHOST_IFINDEX: u16 = 3;
pub const VR_A_DHOST_MEMBER: u16 = 4;
pub const VR_A_DHOST_LEAD: u16 = 5;

pub const VR_A_OWNER_ADDR: u16 = 1;
pub const VR_A_OWNER_VR: u16 = 2;
pub const VR_A_OWNER_PROTO: u16 = 3;
pub const VR_A_OWNER_PORT: u16 = 4;
pub const VR_A_OWNER_PORT_LAST: u16 = 5;
pub const VR_A_OWNER_REMOTE: u16 = 6;
pub const VR_A_OWNER_REMOTE_PORT: u16 = 7;
pub const VR_A_OWNER_MEMBER: u16 = 8;

pub const VR_A_SOCK_EVENT: u16 = 1;
pub const VR_A_SOCK_COOKIE: u16 = 2;
pub const VR_A_SOCK_ADDR: u16 = 3;
pub const VR_A_SOCK_VR: u16 = 4;
pub const VR_A_SOCK_PROTO: u16 = 5;
pub const VR_A_SOCK_PORT: u16 = 6;
pub const VR_A_SOCK_ERRNO: u16 = 7;
pub const VR_A_SOCK_REMOTE_PORT: u16 = 9;

/// enum vr_sock_event (listen, accept and connect, 3 to 5, are not claims)
pub const VR_SOCK_EVENT_BIND: u32 = 1;
pub const VR_SOCK_EVENT_CLOSE: u32 = 2;

/// Longest name the encoder accepts. The kernel's limit (31 bytes) is
/// enforced by the kernel so that its extack message reaches the user; this
/// only keeps the attribute length within its u16 field.
pub const NAME_ENCODE_MAX: usize = 1024;

/// Byte payload of a NUL-terminated string attribute.
fn string_value_len(s: &str) -> usize {
    s.len() + 1
}

fn emit_string(buffer: &mut [u8], s: &str) {
    let bytes = s.as_bytes();
    buffer[..bytes.len()].copy_from_slice(bytes);
    buffer[bytes.len()] = 0;
}

/// Decodes a string attribute: stops at the first NUL (NLA_NUL_STRING and
/// NLA_STRING both occur in the wild), replaces invalid UTF-8.
fn parse_string(payload: &[u8]) -> String {
    let end = payload
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(payload.len());
    String::from_utf8_lossy(&payload[..end]).into_owned()
}

pub(crate) fn parse_u32_attr(payload: &[u8], what: &str) -> Result<u32, DecodeError> {
    parse_u32(payload).map_err(|e| DecodeError::from(format!("invalid {what}: {e}")))
}

/// Attributes of the nested set "iface".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfaceAttr {
    Ifindex(u32),
    Name(String),
    Other(DefaultNla),
}

impl Nla for IfaceAttr {
    fn value_len(&self) -> usize {
        match self {
            IfaceAttr::Ifindex(_) => 4,
            IfaceAttr::Name(s) => string_value_len(s),
            IfaceAttr::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            IfaceAttr::Ifindex(_) => VR_A_IFACE_IFINDEX,
            IfaceAttr::Name(_) => VR_A_IFACE_NAME,
            IfaceAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            // The buffer is exactly value_len() (4) bytes long: cannot fail.
            IfaceAttr::Ifindex(v) => buffer.copy_from_slice(&v.to_ne_bytes()),
            IfaceAttr::Name(s) => emit_string(buffer, s),
            IfaceAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&T>> for IfaceAttr {
    fn parse(buf: &NlaBuffer<&T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            VR_A_IFACE_IFINDEX => {
                IfaceAttr::Ifindex(parse_u32_attr(payload, "VR_A_IFACE_IFINDEX")?)
            }
            VR_A_IFACE_NAME => IfaceAttr::Name(parse_string(payload)),
            _ => IfaceAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}

/// Attributes of the set "vr".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VrAttr {
    Id(u32),
    Name(String),
    Table(u32),
    Ifindex(u32),
    Iface(Vec<IfaceAttr>),
    Stats(Vec<StatsAttr>),
    Other(DefaultNla),
}

impl Nla for VrAttr {
    fn value_len(&self) -> usize {
        match self {
            VrAttr::Id(_) | VrAttr::Table(_) | VrAttr::Ifindex(_) => 4,
            VrAttr::Name(s) => string_value_len(s),
            VrAttr::Iface(attrs) => attrs.as_slice().buffer_len(),
            VrAttr::Stats(attrs) => attrs.as_slice().buffer_len(),
            VrAttr::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            VrAttr::Id(_) => VR_A_ID,
            VrAttr::Name(_) => VR_A_NAME,
            VrAttr::Table(_) => VR_A_TABLE,
            VrAttr::Ifindex(_) => VR_A_IFINDEX,
            VrAttr::Iface(_) => VR_A_IFACE | NLA_F_NESTED,
            VrAttr::Stats(_) => VR_A_STATS | NLA_F_NESTED,
            VrAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            // The buffer is exactly value_len() (4) bytes long.
            VrAttr::Id(v) | VrAttr::Table(v) | VrAttr::Ifindex(v) => {
                buffer.copy_from_slice(&v.to_ne_bytes())
            }
            VrAttr::Name(s) => emit_string(buffer, s),
            VrAttr::Iface(attrs) => attrs.as_slice().emit(buffer),
            VrAttr::Stats(attrs) => attrs.as_slice().emit(buffer),
            VrAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&T>> for VrAttr {
    fn parse(buf: &NlaBuffer<&T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            VR_A_ID => VrAttr::Id(parse_u32_attr(payload, "VR_A_ID")?),
            VR_A_NAME => VrAttr::Name(parse_string(payload)),
            VR_A_TABLE => VrAttr::Table(parse_u32_attr(payload, "VR_A_TABLE")?),
            VR_A_IFINDEX => VrAttr::Ifindex(parse_u32_attr(payload, "VR_A_IFINDEX")?),
            VR_A_IFACE => {
                let attrs = NlasIterator::new(payload)
                    .map(|nla| nla.and_then(|nla| IfaceAttr::parse(&nla)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| DecodeError::from(format!("invalid VR_A_IFACE: {e}")))?;
                VrAttr::Iface(attrs)
            }
            VR_A_STATS => {
                let attrs = NlasIterator::new(payload)
                    .map(|nla| nla.and_then(|nla| StatsAttr::parse(&nla)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| DecodeError::from(format!("invalid VR_A_STATS: {e}")))?;
                VrAttr::Stats(attrs)
            }
            _ => VrAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}

/// The length of an `NLA_UINT` value, as the kernel's nla_put_uint() makes it.
fn uint_len(v: u64) -> usize {
    if u32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Decodes an `NLA_UINT` attribute: 4 or 8 bytes, native byte order.
fn parse_uint_attr(payload: &[u8], what: &str) -> Result<u64, DecodeError> {
    match payload.len() {
        4 => Ok(parse_u32_attr(payload, what)?.into()),
        8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(payload);
            Ok(u64::from_ne_bytes(b))
        }
        n => Err(DecodeError::from(format!("invalid {what}: {n} bytes"))),
    }
}

/// Attributes of the nested set "stats" (all `NLA_UINT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsAttr {
    RxPackets(u64),
    TxPackets(u64),
    FwdPackets(u64),
    DropPackets(u64),
    Other(DefaultNla),
}

impl Nla for StatsAttr {
    fn value_len(&self) -> usize {
        match self {
            StatsAttr::RxPackets(v)
            | StatsAttr::TxPackets(v)
            | StatsAttr::FwdPackets(v)
            | StatsAttr::DropPackets(v) => uint_len(*v),
            StatsAttr::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            StatsAttr::RxPackets(_) => VR_A_STATS_RX_PACKETS,
            StatsAttr::TxPackets(_) => VR_A_STATS_TX_PACKETS,
            StatsAttr::FwdPackets(_) => VR_A_STATS_FWD_PACKETS,
            StatsAttr::DropPackets(_) => VR_A_STATS_DROP_PACKETS,
            StatsAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            // The buffer is exactly value_len() (4 or 8) bytes long.
            StatsAttr::RxPackets(v)
            | StatsAttr::TxPackets(v)
            | StatsAttr::FwdPackets(v)
            | StatsAttr::DropPackets(v) => match u32::try_from(*v) {
                Ok(v32) => buffer.copy_from_slice(&v32.to_ne_bytes()),
                Err(_) => buffer.copy_from_slice(&v.to_ne_bytes()),
            },
            StatsAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&T>> for StatsAttr {
    fn parse(buf: &NlaBuffer<&T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            VR_A_STATS_RX_PACKETS => StatsAttr::RxPackets(parse_uint_attr(payload, "rx-packets")?),
            VR_A_STATS_TX_PACKETS => StatsAttr::TxPackets(parse_uint_attr(payload, "tx-packets")?),
            VR_A_STATS_FWD_PACKETS => {
                StatsAttr::FwdPackets(parse_uint_attr(payload, "fwd-packets")?)
            }
            VR_A_STATS_DROP_PACKETS => {
                StatsAttr::DropPackets(parse_uint_attr(payload, "drop-packets")?)
            }
            _ => StatsAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}

/// One message of the "vr" family (the part after the genetlink header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrMessage {
    pub cmd: u8,
    pub attrs: Vec<VrAttr>,
}

impl VrMessage {
    /// VR_CMD_CREATE: id, then the optional name.
    pub fn create(id: u32, name: Option<&str>) -> Self {
        let mut attrs = vec![VrAttr::Id(id)];
        if let Some(name) = name {
            attrs.push(VrAttr::Name(name.to_owned()));
        }
        VrMessage {
            cmd: VR_CMD_CREATE,
            attrs,
        }
    }

    /// VR_CMD_DELETE: id.
    pub fn delete(id: u32) -> Self {
        VrMessage {
            cmd: VR_CMD_DELETE,
            attrs: vec![VrAttr::Id(id)],
        }
    }

    /// VR_CMD_GET: with an id for a "do", without for a dump.
    pub fn get(id: Option<u32>) -> Self {
        VrMessage {
            cmd: VR_CMD_GET,
            attrs: id.map(VrAttr::Id).into_iter().collect(),
        }
    }

    /// VR_CMD_ASSIGN: ifindex, id (the order of the spec).
    pub fn assign(ifindex: u32, id: u32) -> Self {
        VrMessage {
            cmd: VR_CMD_ASSIGN,
            attrs: vec![VrAttr::Ifindex(ifindex), VrAttr::Id(id)],
        }
    }
}

impl GenlFamily for VrMessage {
    fn family_name() -> &'static str {
        VR_FAMILY_NAME
    }

    fn command(&self) -> u8 {
        self.cmd
    }

    fn version(&self) -> u8 {
        VR_FAMILY_VERSION
    }
}

impl Emitable for VrMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for VrMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let attrs = NlasIterator::new(buf)
            .map(|nla| nla.and_then(|nla| VrAttr::parse(&nla)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DecodeError::from(format!("invalid vr message attributes: {e}")))?;
        Ok(VrMessage {
            cmd: header.cmd,
            attrs,
        })
    }
}

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
    /// uapi defines it (254 for VR 0, VR_TABLE_BASE + id otherwise).
    pub fn from_attrs(attrs: &[VrAttr]) -> Result<Vr, String> {
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
        let table = table.unwrap_or(if id == 0 {
            254
        } else {
            65536u32.wrapping_add(id)
        });
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
    use crate::netlink::tests::{emitted, tlv};

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
            cmd: VR_CMD_CHANGE_NTF,
            attrs: vec![VrAttr::Iface(vec![
                IfaceAttr::Ifindex(3),
                IfaceAttr::Name("veth1".into()),
            ])],
        };
        let mut inner = tlv(VR_A_IFACE_IFINDEX, &3u32.to_ne_bytes());
        inner.extend(tlv(VR_A_IFACE_NAME, b"veth1\0"));
        let expected = tlv(VR_A_IFACE | 0x8000, &inner);
        assert_eq!(emitted(&msg), expected);
    }

    fn reply_bytes() -> Vec<u8> {
        let mut b = tlv(VR_A_ID, &1u32.to_ne_bytes());
        b.extend(tlv(VR_A_NAME, b"red\0"));
        b.extend(tlv(VR_A_TABLE, &65537u32.to_ne_bytes()));
        for (idx, name) in [(3u32, &b"veth1\0"[..]), (4, &b"veth2\0"[..])] {
            let mut inner = tlv(VR_A_IFACE_IFINDEX, &idx.to_ne_bytes());
            inner.extend(tlv(VR_A_IFACE_NAME, name));
            b.extend(tlv(VR_A_IFACE | 0x8000, &inner));
        }
        // NLA_UINT: 4 bytes while the value fits, else 8.
        let mut stats = tlv(VR_A_STATS_RX_PACKETS, &10u32.to_ne_bytes());
        stats.extend(tlv(VR_A_STATS_TX_PACKETS, &(1u64 << 33).to_ne_bytes()));
        stats.extend(tlv(VR_A_STATS_FWD_PACKETS, &0u32.to_ne_bytes()));
        stats.extend(tlv(VR_A_STATS_DROP_PACKETS, &3u32.to_ne_bytes()));
        b.extend(tlv(VR_A_STATS | 0x8000, &stats));
        b
    }

    #[test]
    fn decode_get_reply() {
        let header = GenlHeader {
            cmd: VR_CMD_GET,
            version: 1,
        };
        let msg = VrMessage::parse_with_param(&reply_bytes()[..], header).expect("decodes");
        assert_eq!(msg.cmd, VR_CMD_GET);
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
        let mut b = tlv(VR_A_ID, &1u32.to_ne_bytes());
        b.extend(tlv(
            VR_A_STATS | 0x8000,
            &tlv(VR_A_STATS_RX_PACKETS, &[1, 2]),
        ));
        let header = GenlHeader {
            cmd: VR_CMD_GET,
            version: 1,
        };
        assert!(VrMessage::parse_with_param(&b[..], header).is_err());
    }

    #[test]
    fn decode_ignores_unknown_attributes() {
        let mut b = tlv(VR_A_ID, &0u32.to_ne_bytes());
        b.extend(tlv(42, &[1, 2, 3]));
        b.extend(tlv(VR_A_TABLE, &254u32.to_ne_bytes()));
        let header = GenlHeader {
            cmd: VR_CMD_CREATE_NTF,
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
        let mut b = tlv(VR_A_ID, &1u32.to_ne_bytes());
        b.truncate(6);
        let header = GenlHeader {
            cmd: VR_CMD_GET,
            version: 1,
        };
        assert!(VrMessage::parse_with_param(&b[..], header).is_err());
    }

    #[test]
    fn decode_short_u32_is_an_error() {
        let b = tlv(VR_A_ID, &[1, 0]);
        let header = GenlHeader {
            cmd: VR_CMD_GET,
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
            cmd: VR_CMD_GET,
            version: 1,
        };
        let msg = VrMessage::parse_with_param(&reply_bytes()[..], header).expect("decodes");
        assert_eq!(emitted(&msg), reply_bytes());
    }
}
