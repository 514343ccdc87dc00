// SPDX-License-Identifier: GPL-2.0-only
//! The sockets of a VR: the TCP, UDP and raw sockets of the network
//! namespace, IPv4 and IPv6, that sock_diag reports with their VR
//! (`vr_netlink::diag`), and the lines of `vrctl show VR sockets`;
//! `vrctl show` counts them per VR (see `vr`).

use std::net::IpAddr;

pub use vr_netlink::diag::DiagSocket;
use vr_netlink::diag::{IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP};

use crate::ctx::Ctx;
use crate::error;

fn endpoint(a: IpAddr, port: u16) -> String {
    let p = if port == 0 {
        "*".to_string()
    } else {
        port.to_string()
    };
    match a {
        IpAddr::V4(a) => format!("{a}:{p}"),
        IpAddr::V6(a) => format!("[{a}]:{p}"),
    }
}

/// The TCP, UDP and raw sockets of the network namespace, IPv4 and IPv6,
/// from sock_diag, with their VR (`INET_DIAG_VR`, absent for VR 0 while no
/// other VR exists). A protocol whose diag module the kernel lacks (ENOENT)
/// is skipped.
pub fn dump(ctx: &mut Ctx) -> error::Result<Vec<DiagSocket>> {
    let protocols = [
        (IPPROTO_TCP, "tcp"),
        (IPPROTO_UDP, "udp"),
        (IPPROTO_RAW, "raw"),
    ];
    Ok(vr_netlink::diag::dump(ctx.diag()?, &protocols)?)
}

/// One line per socket, as `ss` prints them: protocol, state, local and
/// remote address.
pub fn text(socks: &[DiagSocket]) -> String {
    socks
        .iter()
        .map(|s| {
            let proto = match s.raw_protocol {
                Some(p) => format!("raw/{p}"),
                None => s.proto.to_string(),
            };
            format!(
                "{proto:<7} {:<12} {:<24} {}\n",
                s.state,
                endpoint(s.local, s.lport),
                endpoint(s.remote, s.rport)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn text_lines() {
        let s = DiagSocket {
            proto: "tcp",
            raw_protocol: None,
            state: "LISTEN",
            tcp_state: 10,
            local: Ipv4Addr::new(10, 7, 0, 1).into(),
            lport: 80,
            remote: Ipv4Addr::UNSPECIFIED.into(),
            rport: 0,
            ifindex: 3,
            uid: 0,
            inode: 0,
            vr: 0,
            v6only: None,
        };
        assert_eq!(
            text(&[s]),
            format!(
                "{:<7} {:<12} {:<24} {}\n",
                "tcp", "LISTEN", "10.7.0.1:80", "0.0.0.0:*"
            )
        );
    }
}
