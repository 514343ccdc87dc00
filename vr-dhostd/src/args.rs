// SPDX-License-Identifier: GPL-2.0-only
//! The arguments of vr-dhostd, in the words vrctl's commands use:
//! `members N,N,... [lead-addr ADDR[:PORT]] [listen ADDR[:PORT]] [vr K]
//! [name NAME]`.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use vr_netlink::args::{parse_member, parse_vr_id, set_once, split, unexpected, utf8};

/// The port daemons listen on and connect to when `listen` or `lead-addr`
/// gives none.
pub const DAEMON_PORT: u16 = 7400;

/// `vr-dhostd members N,N,... [lead-addr ADDR[:PORT]]
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

/// The keywords of the command line.
pub const KEYWORDS: &[&str] = &["members", "lead-addr", "listen", "vr", "name"];

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
    let max = crate::proto::NAME_MAX;
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
    let split = split(args, KEYWORDS)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
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
}
