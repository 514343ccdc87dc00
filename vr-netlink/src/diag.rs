// SPDX-License-Identifier: GPL-2.0-only
//! sock_diag: every TCP, UDP and raw socket of the network namespace, IPv4
//! and IPv6, with the VR the kernel reports for it (`INET_DIAG_VR`,
//! include/uapi/linux/inet_diag.h). The requests, the messages of the
//! replies and the dump; vrctl lists and counts the sockets per VR,
//! vr-dhostd looks at its own.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader, NetlinkSerializable, NLM_F_DUMP};
use serde::Serialize;

use crate::socket::NlSocket;
use crate::Error;

/// `SOCK_DIAG_BY_FAMILY` (include/uapi/linux/sock_diag.h).
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `INET_DIAG_PROTOCOL` (include/uapi/linux/inet_diag.h): a raw socket's protocol.
pub const INET_DIAG_PROTOCOL: u16 = 10;
/// `INET_DIAG_SKV6ONLY` (include/uapi/linux/inet_diag.h): an IPv6 socket's
/// `IPV6_V6ONLY`, u8.
pub const INET_DIAG_SKV6ONLY: u16 = 11;
/// `INET_DIAG_VR` (include/uapi/linux/inet_diag.h): the socket's VR, u32.
pub const INET_DIAG_VR: u16 = 23;

/// Size of `struct inet_diag_req_v2`.
const REQ_LEN: usize = 56;
/// Size of `struct inet_diag_msg`.
const MSG_LEN: usize = 72;

pub const AF_INET: u8 = libc::AF_INET as u8;
pub const AF_INET6: u8 = libc::AF_INET6 as u8;
pub const IPPROTO_TCP: u8 = libc::IPPROTO_TCP as u8;
pub const IPPROTO_UDP: u8 = libc::IPPROTO_UDP as u8;
pub const IPPROTO_RAW: u8 = libc::IPPROTO_RAW as u8;

/// A dump request for the sockets of one family and protocol, in every state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagRequest {
    pub family: u8,
    pub protocol: u8,
}

/// What goes over a sock_diag socket: requests out, sockets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiagMessage {
    Request(DiagRequest),
    Socket(DiagSocket),
}

impl NetlinkSerializable for DiagMessage {
    fn message_type(&self) -> u16 {
        SOCK_DIAG_BY_FAMILY
    }

    /// Only requests are sent; a socket serializes to nothing.
    fn buffer_len(&self) -> usize {
        match self {
            DiagMessage::Request(_) => REQ_LEN,
            DiagMessage::Socket(_) => 0,
        }
    }

    fn serialize(&self, buf: &mut [u8]) {
        if let DiagMessage::Request(r) = self {
            r.serialize(buf);
        }
    }
}

impl NetlinkDeserializable for DiagMessage {
    type Error = DiagError;

    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, DiagError> {
        DiagSocket::deserialize(header, payload).map(DiagMessage::Socket)
    }
}

impl DiagRequest {
    fn serialize(&self, buf: &mut [u8]) {
        buf[..REQ_LEN].fill(0);
        buf[0] = self.family;
        buf[1] = self.protocol;
        // raw_diag takes the raw protocol in the pad byte; 0 matches none.
        if self.protocol == IPPROTO_RAW {
            buf[3] = IPPROTO_RAW;
        }
        // idiag_states: every state
        buf[4..8].copy_from_slice(&u32::MAX.to_ne_bytes());
    }
}

/// One socket of a dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagSocket {
    /// "tcp", "udp" or "raw" (set by the caller, which knows what it asked for).
    pub proto: &'static str,
    /// The protocol of a raw socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_protocol: Option<u8>,
    pub state: &'static str,
    /// The state as the kernel sends it: `idiag_state`, a `TCP_*` value of
    /// include/net/tcp_states.h, which [`state`](Self::state) names.
    #[serde(skip)]
    pub tcp_state: u8,
    pub local: IpAddr,
    pub lport: u16,
    pub remote: IpAddr,
    pub rport: u16,
    pub ifindex: u32,
    pub uid: u32,
    pub inode: u32,
    /// The socket's VR: `INET_DIAG_VR`, which the kernel sends once a VR
    /// other than VR 0 exists; without it, the socket is in VR 0.
    pub vr: u32,
    /// Whether an IPv6 socket is `IPV6_V6ONLY`: `INET_DIAG_SKV6ONLY`,
    /// which the kernel sends only for IPv6 sockets in LISTEN or CLOSE
    /// state; `None` without it.
    #[serde(skip)]
    pub v6only: Option<bool>,
}

/// Why a reply could not be read.
#[derive(Debug)]
pub struct DiagError(String);

impl fmt::Display for DiagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiagError {}

/// `TCP_CLOSE` (include/net/tcp_states.h): a socket that is not
/// connected (bound, or after a connection's end), every unconnected UDP
/// socket.
pub const TCP_CLOSE: u8 = 7;
/// `TCP_LISTEN` (include/net/tcp_states.h).
pub const TCP_LISTEN: u8 = 10;

/// The name `ss` gives a socket state (include/net/tcp_states.h).
pub fn state_name(state: u8) -> &'static str {
    match state {
        1 => "ESTAB",
        2 => "SYN-SENT",
        3 => "SYN-RECV",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        TCP_CLOSE => "UNCONN",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        TCP_LISTEN => "LISTEN",
        11 => "CLOSING",
        12 => "NEW-SYN-RECV",
        _ => "UNKNOWN",
    }
}

fn addr(family: u8, words: &[u8]) -> IpAddr {
    if family == AF_INET6 {
        let mut b = [0u8; 16];
        b.copy_from_slice(&words[..16]);
        IpAddr::V6(Ipv6Addr::from(b))
    } else {
        IpAddr::V4(Ipv4Addr::new(words[0], words[1], words[2], words[3]))
    }
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl DiagSocket {
    fn deserialize(_header: &NetlinkHeader, payload: &[u8]) -> Result<Self, DiagError> {
        if payload.len() < MSG_LEN {
            return Err(DiagError(format!(
                "inet_diag_msg of {} bytes, want {MSG_LEN}",
                payload.len()
            )));
        }
        let family = payload[0];
        let mut s = DiagSocket {
            proto: "",
            raw_protocol: None,
            state: state_name(payload[1]),
            tcp_state: payload[1],
            lport: u16::from_be_bytes([payload[4], payload[5]]),
            rport: u16::from_be_bytes([payload[6], payload[7]]),
            local: addr(family, &payload[8..24]),
            remote: addr(family, &payload[24..40]),
            ifindex: u32_at(payload, 40),
            uid: u32_at(payload, 64),
            inode: u32_at(payload, 68),
            vr: 0,
            v6only: None,
        };
        let mut off = MSG_LEN;
        while off + 4 <= payload.len() {
            let len = usize::from(u16::from_ne_bytes([payload[off], payload[off + 1]]));
            let kind = u16::from_ne_bytes([payload[off + 2], payload[off + 3]]) & 0x3fff;
            if len < 4 || off + len > payload.len() {
                return Err(DiagError(format!("bad attribute length {len} at {off}")));
            }
            let value = &payload[off + 4..off + len];
            match kind {
                INET_DIAG_VR if value.len() == 4 => s.vr = u32_at(value, 0),
                INET_DIAG_PROTOCOL if value.len() == 1 => s.raw_protocol = Some(value[0]),
                INET_DIAG_SKV6ONLY if value.len() == 1 => s.v6only = Some(value[0] != 0),
                _ => {}
            }
            off += (len + 3) & !3;
        }
        Ok(s)
    }
}

/// A `NETLINK_SOCK_DIAG` socket, for [`dump`].
pub fn socket() -> Result<NlSocket, Error> {
    NlSocket::open(netlink_sys::protocols::NETLINK_SOCK_DIAG)
}

/// The sockets of each of `protocols` (its number and the name that goes in
/// [`DiagSocket::proto`]), IPv4 then IPv6, from sock_diag over `nl` (a
/// `NETLINK_SOCK_DIAG` socket), with their VR (`INET_DIAG_VR`, absent for
/// VR 0 while no other VR exists). A protocol whose diag module the kernel
/// lacks (ENOENT) is skipped.
pub fn dump(nl: &mut NlSocket, protocols: &[(u8, &'static str)]) -> Result<Vec<DiagSocket>, Error> {
    let mut socks = Vec::new();
    for &(protocol, name) in protocols {
        for family in [AF_INET, AF_INET6] {
            let request = DiagMessage::Request(DiagRequest { family, protocol });
            let replies = match nl.transact(request, NLM_F_DUMP) {
                Err(Error::Kernel { errno, .. }) if errno == libc::ENOENT => continue,
                r => r?,
            };
            for reply in replies {
                let DiagMessage::Socket(mut s) = reply else {
                    continue;
                };
                s.proto = name;
                socks.push(s);
            }
        }
    }
    Ok(socks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut v = ((4 + value.len()) as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(value);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn msg(family: u8, state: u8, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut m = vec![0u8; MSG_LEN];
        m[0] = family;
        m[1] = state;
        m[4..6].copy_from_slice(&80u16.to_be_bytes());
        m[8..12].copy_from_slice(&[10, 7, 0, 1]);
        m[40..44].copy_from_slice(&3u32.to_ne_bytes());
        for a in attrs {
            m.extend_from_slice(a);
        }
        m
    }

    #[test]
    fn request_bytes() {
        let mut buf = [0xffu8; REQ_LEN];
        let r = DiagRequest {
            family: AF_INET,
            protocol: IPPROTO_TCP,
        };
        let m = DiagMessage::Request(r);
        assert_eq!(m.buffer_len(), REQ_LEN);
        m.serialize(&mut buf);
        assert_eq!(m.message_type(), SOCK_DIAG_BY_FAMILY);
        assert_eq!(&buf[..4], &[AF_INET, IPPROTO_TCP, 0, 0]);
        assert_eq!(&buf[4..8], &[0xff; 4]);
        assert!(buf[8..].iter().all(|&b| b == 0));
        let raw = DiagRequest {
            family: AF_INET6,
            protocol: IPPROTO_RAW,
        };
        raw.serialize(&mut buf);
        assert_eq!(buf[3], IPPROTO_RAW);
    }

    #[test]
    fn reply_with_vr() {
        let m = msg(
            AF_INET,
            10,
            &[attr(8, &[0]), attr(INET_DIAG_VR, &7u32.to_ne_bytes())],
        );
        let s = DiagSocket::deserialize(&NetlinkHeader::default(), &m).expect("parses");
        assert_eq!(s.vr, 7);
        assert_eq!(s.state, "LISTEN");
        assert_eq!(s.tcp_state, 10);
        assert_eq!(s.lport, 80);
        assert_eq!(s.local, IpAddr::V4(Ipv4Addr::new(10, 7, 0, 1)));
        assert_eq!(s.ifindex, 3);
        assert_eq!(s.v6only, None);
    }

    #[test]
    fn reply_without_vr_and_raw_protocol() {
        let m = msg(AF_INET6, 7, &[attr(INET_DIAG_PROTOCOL, &[1])]);
        let s = DiagSocket::deserialize(&NetlinkHeader::default(), &m).expect("parses");
        assert_eq!(s.vr, 0);
        assert_eq!(s.raw_protocol, Some(1));
        assert!(matches!(s.local, IpAddr::V6(_)));
    }

    #[test]
    fn reply_v6only() {
        for (value, want) in [(1u8, true), (0, false)] {
            let m = msg(AF_INET6, 10, &[attr(INET_DIAG_SKV6ONLY, &[value])]);
            let s = DiagSocket::deserialize(&NetlinkHeader::default(), &m).expect("parses");
            assert_eq!(s.v6only, Some(want));
        }
        let m = msg(AF_INET6, 1, &[]);
        let s = DiagSocket::deserialize(&NetlinkHeader::default(), &m).expect("parses");
        assert_eq!(s.v6only, None);
    }

    #[test]
    fn bad_replies() {
        assert!(DiagSocket::deserialize(&NetlinkHeader::default(), &[0u8; 10]).is_err());
        let mut m = msg(AF_INET, 1, &[]);
        m.extend_from_slice(&[200, 0, 1, 0]);
        assert!(DiagSocket::deserialize(&NetlinkHeader::default(), &m).is_err());
    }
}
