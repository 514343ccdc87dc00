// SPDX-License-Identifier: GPL-2.0-only
//! The arguments of vr-dhostd, in the words vrctl's commands use:
//! `members N=ADDR[:PORT],... [listen ADDR[:PORT]] [vr K] [name NAME]
//! [state-dir DIR] [heartbeat MS] [election MIN-MAX] [lease MS]
//! [restart-grace MS]`.
//!
//! Only the syntax and the ranges are checked here: how the timers relate
//! (heartbeat below the election timeout, ...) and whether an address may
//! be listened on are the daemon's to check.

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use vr_netlink::args::{parse_member, parse_vr_id, set_once, split, unexpected, utf8};

/// The port of a daemon's address in `members` or `listen` that gives
/// none.
pub const DAEMON_PORT: u16 = 7400;

/// The longest `name`, in bytes.
pub const NAME_MAX: usize = 255;

/// The largest `heartbeat` and each end of `election`, in ms.
const TIMER_MAX: u64 = 60_000;
/// The largest `lease`, in ms.
const LEASE_MAX: u64 = 600_000;

/// `vr-dhostd members N=ADDR[:PORT],... [listen ADDR[:PORT]] [vr K]
/// [name NAME] [state-dir DIR] [heartbeat MS] [election MIN-MAX]
/// [lease MS] [restart-grace MS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonArgs {
    /// Every member with the address its daemon listens on, in the order
    /// given (each id once, each address once).
    pub members: Vec<(u32, SocketAddr)>,
    /// Where this daemon listens; None: this member's entry of `members`
    /// (the caller knows the member id from the kernel).
    pub listen: Option<SocketAddr>,
    /// The VR whose distributed addresses the daemon serves.
    pub vr: u32,
    /// This daemon's name (default: the host name).
    pub name: Option<String>,
    /// Where the Raft log and snapshots are kept; None: the caller's
    /// default (`/var/lib/vr-dhostd/vr<K>`).
    pub state_dir: Option<PathBuf>,
    /// Raft heartbeat interval in ms (1-60000).
    pub heartbeat_ms: Option<u64>,
    /// Election timeout range in ms, `MIN-MAX` with MIN < MAX, each
    /// 1-60000.
    pub election_ms: Option<(u64, u64)>,
    /// The member lease in ms (1-600000).
    pub lease_ms: Option<u64>,
    /// How long a daemon that stopped to restart keeps its ports, in ms
    /// (0-600000; 0: it does not keep them).
    pub restart_grace_ms: Option<u64>,
}

/// The keywords of the command line.
pub const KEYWORDS: &[&str] = &[
    "members",
    "listen",
    "vr",
    "name",
    "state-dir",
    "heartbeat",
    "election",
    "lease",
    "restart-grace",
];

/// The form of `members`, for the messages.
const MEMBERS_FORM: &str = "N=ADDR[:PORT],...";

/// The message of the keyword of protocol 2's members, which connected to
/// the lead's daemon.
const LEAD_ADDR_GONE: &str = "\"lead-addr\" is gone: every member's daemon listens; \
     give each member's address in \"members N=ADDR[:PORT],...\"";

/// `ADDR:PORT`, `[V6ADDR]:PORT`, or an address alone for [`DAEMON_PORT`];
/// port 1-65535.
fn parse_endpoint_str(s: &str, what: &str) -> Result<SocketAddr, String> {
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

fn parse_endpoint(arg: &OsString, what: &str) -> Result<SocketAddr, String> {
    parse_endpoint_str(utf8(arg, what)?, what)
}

/// Whether `a` and `b` are one address (an IPv4-mapped IPv6 address is
/// its IPv4 one).
fn same_endpoint(a: &SocketAddr, b: &SocketAddr) -> bool {
    a.ip().to_canonical() == b.ip().to_canonical() && a.port() == b.port()
}

/// `N=ADDR[:PORT],...`: every member id with its daemon's address, each
/// id once and each address once, in the order given.
fn parse_members(arg: &OsString) -> Result<Vec<(u32, SocketAddr)>, String> {
    let s = utf8(arg, "member list")?;
    if s.is_empty() {
        return Err(format!(
            "empty member list (expected {MEMBERS_FORM}: every member with its daemon's address)"
        ));
    }
    let mut members: Vec<(u32, SocketAddr)> = Vec::new();
    for entry in s.split(',') {
        if entry.is_empty() {
            return Err(format!("empty entry in the member list {s:?}"));
        }
        let Some((id, addr)) = entry.split_once('=') else {
            return Err(format!(
                "invalid member list {s:?}: entry {entry:?} has no address; \"members\" takes \
                 {MEMBERS_FORM} (every member with its daemon's address); the list of ids \
                 alone and \"lead-addr\" are no longer accepted"
            ));
        };
        let id = parse_member(&OsString::from(id), "member id")
            .map_err(|e| format!("{e} in the member list {s:?}"))?;
        let addr = parse_endpoint_str(addr, &format!("address of member {id}"))
            .map_err(|e| format!("{e} in the member list {s:?}"))?;
        if members.iter().any(|&(m, _)| m == id) {
            return Err(format!("member {id} given twice in the member list {s:?}"));
        }
        if let Some((other, _)) = members.iter().find(|(_, a)| same_endpoint(a, &addr)) {
            return Err(format!(
                "address {addr} given to members {other} and {id} in the member list {s:?}"
            ));
        }
        members.push((id, addr));
    }
    Ok(members)
}

fn parse_host_name(arg: &OsString) -> Result<String, String> {
    let s = utf8(arg, "name")?;
    if s.is_empty() || s.len() > NAME_MAX {
        return Err(format!(
            "invalid name {s:?} (expected 1 to {NAME_MAX} bytes)"
        ));
    }
    Ok(s.to_owned())
}

/// A non-empty absolute path (not necessarily UTF-8).
fn parse_state_dir(arg: &OsString) -> Result<PathBuf, String> {
    let path = PathBuf::from(arg);
    if arg.is_empty() {
        return Err("empty state directory (expected an absolute path)".into());
    }
    if !path.is_absolute() {
        return Err(format!(
            "state directory {:?} is not an absolute path",
            arg.to_string_lossy()
        ));
    }
    Ok(path)
}

/// A number of milliseconds of 1 to `max`, decimal digits only.
fn parse_ms(s: &str, max: u64) -> Option<u64> {
    s.parse::<u64>()
        .ok()
        .filter(|n| (1..=max).contains(n) && s.bytes().all(|b| b.is_ascii_digit()))
}

/// `heartbeat` or `lease`: milliseconds, 1 to `max`.
fn parse_timer(arg: &OsString, what: &str, max: u64) -> Result<u64, String> {
    let s = utf8(arg, what)?;
    parse_ms(s, max).ok_or_else(|| format!("invalid {what} {s:?} (expected 1-{max} ms)"))
}

/// `restart-grace`: milliseconds, 0 to [`LEASE_MAX`].
fn parse_grace(arg: &OsString) -> Result<u64, String> {
    let s = utf8(arg, "restart grace")?;
    if s == "0" {
        return Ok(0);
    }
    parse_ms(s, LEASE_MAX)
        .ok_or_else(|| format!("invalid restart grace {s:?} (expected 0-{LEASE_MAX} ms)"))
}

/// `MIN-MAX`: milliseconds, each 1 to [`TIMER_MAX`], MIN below MAX.
fn parse_election(arg: &OsString) -> Result<(u64, u64), String> {
    let s = utf8(arg, "election timeout")?;
    let range = s
        .split_once('-')
        .and_then(|(min, max)| Some((parse_ms(min, TIMER_MAX)?, parse_ms(max, TIMER_MAX)?)));
    match range {
        Some((min, max)) if min < max => Ok((min, max)),
        Some((min, max)) => Err(format!(
            "invalid election timeout {s:?}: MIN {min} is not below MAX {max}"
        )),
        None => Err(format!(
            "invalid election timeout {s:?} (expected MIN-MAX, each 1-{TIMER_MAX} ms)"
        )),
    }
}

/// Parses `members N=ADDR[:PORT],...`, `listen ADDR[:PORT]`, `vr K`,
/// `name NAME`, `state-dir DIR`, `heartbeat MS`, `election MIN-MAX`,
/// `lease MS` and `restart-grace MS` in any order, each at most once; members is required. The
/// same command line serves every member: which entry of `members` is this
/// daemon's (and `listen`'s default) is the kernel's to say.
pub fn parse_dhost_daemon(args: &[OsString]) -> Result<DaemonArgs, String> {
    let split = split(args, KEYWORDS)?;
    // Protocol 2's keyword: a value of another keyword (`name lead-addr`)
    // is not it.
    if split.positional.iter().any(|arg| *arg == "lead-addr") {
        return Err(LEAD_ADDR_GONE.into());
    }
    if let Some(arg) = split.positional.first() {
        return Err(unexpected(arg));
    }
    let mut members = None;
    let mut listen = None;
    let mut vr = None;
    let mut name = None;
    let mut state_dir = None;
    let mut heartbeat_ms = None;
    let mut election_ms = None;
    let mut lease_ms = None;
    let mut restart_grace_ms = None;
    for (keyword, value) in split.keywords {
        match keyword {
            "members" => set_once(&mut members, parse_members(value)?, "\"members\"")?,
            "listen" => set_once(
                &mut listen,
                parse_endpoint(value, "listen address")?,
                "\"listen\"",
            )?,
            "vr" => set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?,
            "name" => set_once(&mut name, parse_host_name(value)?, "\"name\"")?,
            "state-dir" => set_once(&mut state_dir, parse_state_dir(value)?, "\"state-dir\"")?,
            "heartbeat" => set_once(
                &mut heartbeat_ms,
                parse_timer(value, "heartbeat", TIMER_MAX)?,
                "\"heartbeat\"",
            )?,
            "election" => set_once(&mut election_ms, parse_election(value)?, "\"election\"")?,
            "restart-grace" => set_once(
                &mut restart_grace_ms,
                parse_grace(value)?,
                "\"restart-grace\"",
            )?,
            _ => set_once(
                &mut lease_ms,
                parse_timer(value, "lease", LEASE_MAX)?,
                "\"lease\"",
            )?,
        }
    }
    Ok(DaemonArgs {
        members: members.ok_or_else(|| format!("\"members <{MEMBERS_FORM}>\" is required"))?,
        listen,
        vr: vr.unwrap_or(0),
        name,
        state_dir,
        heartbeat_ms,
        election_ms,
        lease_ms,
        restart_grace_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("addr")
    }

    #[test]
    fn dhost_daemon_arguments() {
        let a = parse_dhost_daemon(&os(&[
            "members",
            "3=10.9.0.13,1=10.9.0.11:7401,2=[fd00:9::12]:7402",
            "listen",
            "127.0.0.1",
            "vr",
            "2",
            "name",
            "m2",
            "state-dir",
            "/tmp/dhost",
            "heartbeat",
            "100",
            "election",
            "300-600",
            "lease",
            "2000",
            "restart-grace",
            "0",
        ]))
        .expect("valid");
        assert_eq!(
            a,
            DaemonArgs {
                members: vec![
                    (3, addr("10.9.0.13:7400")),
                    (1, addr("10.9.0.11:7401")),
                    (2, addr("[fd00:9::12]:7402")),
                ],
                listen: Some(addr("127.0.0.1:7400")),
                vr: 2,
                name: Some("m2".into()),
                state_dir: Some(PathBuf::from("/tmp/dhost")),
                heartbeat_ms: Some(100),
                election_ms: Some((300, 600)),
                lease_ms: Some(2000),
                restart_grace_ms: Some(0),
            }
        );
        // Defaults: everything but members is the caller's to fill in.
        let a = parse_dhost_daemon(&os(&["members", "1=10.9.0.11"])).expect("valid");
        assert_eq!(
            a,
            DaemonArgs {
                members: vec![(1, addr("10.9.0.11:7400"))],
                listen: None,
                vr: 0,
                name: None,
                state_dir: None,
                heartbeat_ms: None,
                election_ms: None,
                lease_ms: None,
                restart_grace_ms: None,
            }
        );
        // An IPv6 address alone is on the default port; one address on
        // two ports is two daemons (one host); the bounds of the ranges.
        let a = parse_dhost_daemon(&os(&[
            "members",
            "65535=fe80::1,1=127.0.0.1:7401,2=127.0.0.1:7402",
            "listen",
            "[::1]:9",
            "heartbeat",
            "60000",
            "election",
            "1-60000",
            "lease",
            "600000",
            "restart-grace",
            "600000",
        ]))
        .expect("valid");
        assert_eq!(
            a.members,
            [
                (65535, addr("[fe80::1]:7400")),
                (1, addr("127.0.0.1:7401")),
                (2, addr("127.0.0.1:7402")),
            ]
        );
        assert_eq!(a.listen, Some(addr("[::1]:9")));
        assert_eq!(
            (a.heartbeat_ms, a.election_ms, a.lease_ms),
            (Some(60000), Some((1, 60000)), Some(600000))
        );
        assert_eq!(a.restart_grace_ms, Some(600000));
        let a = parse_dhost_daemon(&os(&["lease", "1", "heartbeat", "1", "members", "1=::1"]))
            .expect("valid");
        assert_eq!((a.heartbeat_ms, a.lease_ms), (Some(1), Some(1)));
        // "lead-addr" as the value of another keyword is that value.
        let a = parse_dhost_daemon(&os(&["members", "1=10.0.0.1", "name", "lead-addr"]))
            .expect("valid");
        assert_eq!(a.name.as_deref(), Some("lead-addr"));
        // A state directory need not be UTF-8.
        {
            use std::os::unix::ffi::OsStringExt;
            let dir = OsString::from_vec(b"/var/lib/\xff".to_vec());
            let args = [
                OsString::from("members"),
                OsString::from("1=10.0.0.1"),
                OsString::from("state-dir"),
                dir.clone(),
            ];
            let a = parse_dhost_daemon(&args).expect("valid");
            assert_eq!(a.state_dir, Some(PathBuf::from(dir)));
        }
    }

    #[test]
    fn dhost_daemon_argument_errors() {
        let old_form = "\"members\" takes N=ADDR[:PORT],... (every member with its daemon's \
                        address); the list of ids alone and \"lead-addr\" are no longer accepted";
        let lead_addr = "\"lead-addr\" is gone: every member's daemon listens; give each \
                         member's address in \"members N=ADDR[:PORT],...\"";
        let ok = "1=10.0.0.1";
        for (args, msg) in [
            (&[][..], "\"members <N=ADDR[:PORT],...>\" is required"),
            (
                &["listen", "10.0.0.1:7400"],
                "\"members <N=ADDR[:PORT],...>\" is required",
            ),
            (&["members"], "\"members\" needs a value"),
            // Protocol 2's command line.
            (
                &["members", "1,2,3"],
                "invalid member list \"1,2,3\": entry \"1\" has no address; ",
            ),
            (&["members", "1,2,3"], old_form),
            (&["members", "1=10.0.0.1,2"], "entry \"2\" has no address"),
            (&["members", "1"], old_form),
            (&["members", "1,2,3", "lead-addr", "10.0.0.1"], lead_addr),
            (&["lead-addr", "10.0.0.1", "members", ok], lead_addr),
            (
                &["members", ok, "10.0.0.2", "lead-addr", "10.0.0.1"],
                lead_addr,
            ),
            (&["members", ok, "lead-addr"], lead_addr),
            // The member list.
            (
                &["members", ""],
                "empty member list (expected N=ADDR[:PORT],...: every member with its \
                 daemon's address)",
            ),
            (
                &["members", "1=10.0.0.1,,2=10.0.0.2"],
                "empty entry in the member list \"1=10.0.0.1,,2=10.0.0.2\"",
            ),
            (
                &["members", "1=10.0.0.1,"],
                "empty entry in the member list \"1=10.0.0.1,\"",
            ),
            (
                &["members", "0=10.0.0.1"],
                "invalid member id \"0\" (expected 1-65535) in the member list \"0=10.0.0.1\"",
            ),
            (
                &["members", "65536=10.0.0.1"],
                "invalid member id \"65536\" (expected 1-65535)",
            ),
            (&["members", "=10.0.0.1"], "invalid member id \"\""),
            (&["members", " 1=10.0.0.1"], "invalid member id \" 1\""),
            (&["members", "+1=10.0.0.1"], "invalid member id \"+1\""),
            (
                &["members", "1=10.0.0.1:0"],
                "invalid address of member 1 \"10.0.0.1:0\" (expected ADDR[:PORT], port \
                 1-65535, default 7400) in the member list \"1=10.0.0.1:0\"",
            ),
            (&["members", "1="], "invalid address of member 1 \"\""),
            (
                &["members", "1=lead:7400"],
                "invalid address of member 1 \"lead:7400\"",
            ),
            (
                &["members", "2=fd00::1:7401:x"],
                "invalid address of member 2 \"fd00::1:7401:x\"",
            ),
            (
                &["members", "2=1=10.0.0.1"],
                "invalid address of member 2 \"1=10.0.0.1\"",
            ),
            (
                &["members", "1=10.0.0.1,2=10.0.0.2,1=10.0.0.3"],
                "member 1 given twice in the member list \"1=10.0.0.1,2=10.0.0.2,1=10.0.0.3\"",
            ),
            (
                &["members", "1=10.0.0.1,2=10.0.0.1:7400"],
                "address 10.0.0.1:7400 given to members 1 and 2 in the member list \
                 \"1=10.0.0.1,2=10.0.0.1:7400\"",
            ),
            (
                &["members", "1=10.0.0.1,2=[::ffff:10.0.0.1]:7400"],
                "given to members 1 and 2",
            ),
            (
                &["members", ok, "members", "2=10.0.0.2"],
                "\"members\" given twice",
            ),
            // The others.
            (
                &["members", ok, "listen", "10.0.0.1:70000"],
                "invalid listen address \"10.0.0.1:70000\" (expected ADDR[:PORT], port \
                 1-65535, default 7400)",
            ),
            (
                &["members", ok, "listen", "10.0.0.1:0"],
                "invalid listen address",
            ),
            (
                &["members", ok, "listen", "::1", "listen", "::2"],
                "\"listen\" given twice",
            ),
            (&["members", ok, "vr", "x"], "invalid VR id \"x\""),
            (
                &["members", ok, "name", ""],
                "invalid name \"\" (expected 1 to 255 bytes)",
            ),
            (
                &["members", ok, "state-dir", ""],
                "empty state directory (expected an absolute path)",
            ),
            (
                &["members", ok, "state-dir", "var/lib/vr-dhostd"],
                "state directory \"var/lib/vr-dhostd\" is not an absolute path",
            ),
            (
                &["members", ok, "state-dir", "/a", "state-dir", "/b"],
                "\"state-dir\" given twice",
            ),
            (
                &["members", ok, "heartbeat", "0"],
                "invalid heartbeat \"0\" (expected 1-60000 ms)",
            ),
            (
                &["members", ok, "heartbeat", "60001"],
                "invalid heartbeat \"60001\"",
            ),
            (
                &["members", ok, "heartbeat", "50ms"],
                "invalid heartbeat \"50ms\"",
            ),
            (
                &["members", ok, "heartbeat", "+50"],
                "invalid heartbeat \"+50\"",
            ),
            (
                &["members", ok, "election", "300"],
                "invalid election timeout \"300\" (expected MIN-MAX, each 1-60000 ms)",
            ),
            (
                &["members", ok, "election", "0-300"],
                "invalid election timeout \"0-300\"",
            ),
            (
                &["members", ok, "election", "150-60001"],
                "invalid election timeout \"150-60001\"",
            ),
            (
                &["members", ok, "election", "150-"],
                "invalid election timeout \"150-\"",
            ),
            (
                &["members", ok, "election", "150-300-450"],
                "invalid election timeout \"150-300-450\"",
            ),
            (
                &["members", ok, "election", "300-150"],
                "invalid election timeout \"300-150\": MIN 300 is not below MAX 150",
            ),
            (
                &["members", ok, "election", "300-300"],
                "MIN 300 is not below MAX 300",
            ),
            (
                &["members", ok, "lease", "0"],
                "invalid lease \"0\" (expected 1-600000 ms)",
            ),
            (
                &["members", ok, "lease", "600001"],
                "invalid lease \"600001\"",
            ),
            (
                &["members", ok, "lease", "1", "lease", "2"],
                "\"lease\" given twice",
            ),
            (&["members", ok, "lease"], "\"lease\" needs a value"),
            (
                &["members", ok, "restart-grace", "600001"],
                "invalid restart grace \"600001\" (expected 0-600000 ms)",
            ),
            (
                &["members", ok, "restart-grace", "-1"],
                "invalid restart grace \"-1\"",
            ),
            (
                &["members", ok, "10.0.0.1"],
                "unexpected argument \"10.0.0.1\"",
            ),
            (
                &["members", ok, "dev", "eth0"],
                "unexpected argument \"dev\"",
            ),
            (
                &["members", ok, "hold", "30"],
                "unexpected argument \"hold\"",
            ),
        ] {
            match parse_dhost_daemon(&os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
        let long = "x".repeat(NAME_MAX + 1);
        assert!(parse_dhost_daemon(&os(&["members", ok, "name", &long]))
            .is_err_and(|e| e.contains("(expected 1 to 255 bytes)")));
        assert!(parse_dhost_daemon(&os(&["members", ok, "name", &long[1..]])).is_ok());
    }
}
