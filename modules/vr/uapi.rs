// SPDX-License-Identifier: GPL-2.0-only

//! Values of `include/uapi/linux/vr.h` (generated from
//! `Documentation/netlink/specs/vr.yaml`); a test compares the two. The whole header is
//! mirrored, including the values only user space sends.
#![allow(dead_code)]

pub(crate) const VR_ID_MAX: u32 = 65535;
pub(crate) const VR_NAME_MAX_LEN: usize = 31;
pub(crate) const VR_TABLE_BASE: u32 = 0x10000;
pub(crate) const VR_MEMBER_MAX: u32 = 65535;

pub(crate) const VR_SOCK_EVENT_BIND: u32 = 1;
pub(crate) const VR_SOCK_EVENT_CLOSE: u32 = 2;
pub(crate) const VR_SOCK_EVENT_LISTEN: u32 = 3;
pub(crate) const VR_SOCK_EVENT_ACCEPT: u32 = 4;
pub(crate) const VR_SOCK_EVENT_CONNECT: u32 = 5;

pub(crate) const VR_A_ID: u16 = 1;
pub(crate) const VR_A_NAME: u16 = 2;
pub(crate) const VR_A_TABLE: u16 = 3;
pub(crate) const VR_A_IFINDEX: u16 = 4;
pub(crate) const VR_A_IFACE: u16 = 5;
pub(crate) const VR_A_STATS: u16 = 6;

pub(crate) const VR_A_IFACE_IFINDEX: u16 = 1;
pub(crate) const VR_A_IFACE_NAME: u16 = 2;

pub(crate) const VR_A_STATS_RX_PACKETS: u16 = 1;
pub(crate) const VR_A_STATS_TX_PACKETS: u16 = 2;
pub(crate) const VR_A_STATS_FWD_PACKETS: u16 = 3;
pub(crate) const VR_A_STATS_DROP_PACKETS: u16 = 4;

pub(crate) const VR_A_DHOST_ADDR: u16 = 1;
pub(crate) const VR_A_DHOST_VR: u16 = 2;
pub(crate) const VR_A_DHOST_IFINDEX: u16 = 3;
pub(crate) const VR_A_DHOST_MEMBER: u16 = 4;
pub(crate) const VR_A_DHOST_LEAD: u16 = 5;

pub(crate) const VR_A_OWNER_ADDR: u16 = 1;
pub(crate) const VR_A_OWNER_VR: u16 = 2;
pub(crate) const VR_A_OWNER_PROTO: u16 = 3;
pub(crate) const VR_A_OWNER_PORT: u16 = 4;
pub(crate) const VR_A_OWNER_PORT_LAST: u16 = 5;
pub(crate) const VR_A_OWNER_REMOTE: u16 = 6;
pub(crate) const VR_A_OWNER_REMOTE_PORT: u16 = 7;
pub(crate) const VR_A_OWNER_MEMBER: u16 = 8;

pub(crate) const VR_A_SOCK_EVENT: u16 = 1;
pub(crate) const VR_A_SOCK_COOKIE: u16 = 2;
pub(crate) const VR_A_SOCK_ADDR: u16 = 3;
pub(crate) const VR_A_SOCK_VR: u16 = 4;
pub(crate) const VR_A_SOCK_PROTO: u16 = 5;
pub(crate) const VR_A_SOCK_PORT: u16 = 6;
pub(crate) const VR_A_SOCK_ERRNO: u16 = 7;
pub(crate) const VR_A_SOCK_REMOTE: u16 = 8;
pub(crate) const VR_A_SOCK_REMOTE_PORT: u16 = 9;

pub(crate) const VR_CMD_CREATE: u8 = 1;
pub(crate) const VR_CMD_DELETE: u8 = 2;
pub(crate) const VR_CMD_GET: u8 = 3;
pub(crate) const VR_CMD_ASSIGN: u8 = 4;
pub(crate) const VR_CMD_CREATE_NTF: u8 = 5;
pub(crate) const VR_CMD_DELETE_NTF: u8 = 6;
pub(crate) const VR_CMD_CHANGE_NTF: u8 = 7;
pub(crate) const VR_CMD_DHOST_SET: u8 = 8;
pub(crate) const VR_CMD_DHOST_DEL: u8 = 9;
pub(crate) const VR_CMD_DHOST_GET: u8 = 10;
pub(crate) const VR_CMD_OWNER_SET: u8 = 11;
pub(crate) const VR_CMD_OWNER_DEL: u8 = 12;
pub(crate) const VR_CMD_OWNER_GET: u8 = 13;
pub(crate) const VR_CMD_SOCK_NTF: u8 = 14;
pub(crate) const VR_CMD_CLAIM_ANSWER: u8 = 15;

/// Index of the "monitor" group in the family's multicast groups (`VR_NLGRP_MONITOR`).
pub(crate) const VR_NLGRP_MONITOR: u32 = 0;
/// Index of the "dhost" group (`VR_NLGRP_DHOST`).
pub(crate) const VR_NLGRP_DHOST: u32 = 1;

/// `RT_TABLE_MAIN` of `include/uapi/linux/rtnetlink.h`.
pub(crate) const RT_TABLE_MAIN: u32 = 254;
