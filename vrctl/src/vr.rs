// SPDX-License-Identifier: GPL-2.0-only
//! Messages of the "vr" generic netlink family as vrctl uses them: the
//! library's types (generated from the YNL spec) under vrctl's names, and
//! the decoded view of a VR used by the output code.

use serde::Serialize;

pub use vr_netlink::iface::Attr as IfaceAttr;
pub use vr_netlink::stats::Attr as StatsAttr;
pub use vr_netlink::vr::Attr as VrAttr;

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
    use netlink_packet_core::ParseableParametrized;
    use netlink_packet_generic::{GenlFamily, GenlHeader};
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
}
