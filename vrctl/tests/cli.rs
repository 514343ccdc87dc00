// SPDX-License-Identifier: GPL-2.0-only
//! Command-line behaviour of the built binary that needs no "vr" kernel:
//! usage errors exit with 2, --help with 0, an unknown interface with 1;
//! batch files (-batch) and their errors.

use std::process::{Command, Output};

fn vrctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vrctl"))
        .args(args)
        .output()
        .expect("vrctl runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs vrctl, expects a usage error: status 2, nothing on stdout, a
/// message on stderr.
fn usage_error(args: &[&str]) -> String {
    let out = vrctl(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: stderr {}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "{args:?}: stdout {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error:") || err.contains("Usage: vrctl"),
        "{args:?}: stderr {err}"
    );
    err
}

#[test]
fn no_command() {
    usage_error(&[]);
}

#[test]
fn unknown_verb() {
    let err = usage_error(&["frobnicate"]);
    assert!(err.contains("frobnicate"), "{err}");
}

#[test]
fn missing_arguments() {
    usage_error(&["create"]);
    usage_error(&["delete"]);
    usage_error(&["assign"]);
    usage_error(&["assign", "eth0"]);
    usage_error(&["create", "1", "name"]);
}

#[test]
fn non_numeric_vr() {
    for args in [
        &["create", "red"][..],
        &["delete", "red"],
        &["show", "red"],
        &["assign", "eth0", "red"],
        &["delete", "-1"],
        &["delete", "1.5"],
        &["delete", "4294967296"],
    ] {
        usage_error(args);
    }
}

#[test]
fn name_needs_keyword_and_no_extra_arguments() {
    usage_error(&["create", "1", "red"]);
    usage_error(&["create", "1", "label", "red"]);
    usage_error(&["create", "1", "name", "red", "extra"]);
    usage_error(&["list", "extra"]);
    usage_error(&["monitor", "extra"]);
}

#[test]
fn exec_usage() {
    // No command, or nothing after "--".
    usage_error(&["exec"]);
    usage_error(&["exec", "1"]);
    usage_error(&["exec", "1", "--"]);
    // The VR is a number.
    usage_error(&["exec", "red", "--", "true"]);
    usage_error(&["exec", "-1", "--", "true"]);
    // An option before the command is vrctl's: unknown ones are errors.
    let err = usage_error(&["exec", "1", "-x", "true"]);
    assert!(err.contains("-x"), "{err}");
}

#[test]
fn identify_usage() {
    usage_error(&["identify", "self"]);
    usage_error(&["identify", "-5"]);
    usage_error(&["identify", "1", "2"]);
}

#[test]
fn identify_unknown_pid_exits_one() {
    // Above the largest pid_max (2^22): no such process anywhere.
    let out = vrctl(&["identify", "4194305"]);
    assert_eq!(out.status.code(), Some(1), "stderr {}", stderr(&out));
    assert_eq!(stderr(&out), "Error: no process with pid 4194305\n");
    assert!(out.stdout.is_empty());
}

#[test]
fn route_usage() {
    usage_error(&["route"]);
    usage_error(&["route", "replace", "10.0.0.0/8", "vr", "1"]);
    usage_error(&["route", "add"]);
    usage_error(&["route", "del"]);
    for (args, msg, usage) in [
        (
            &["route", "add", "10.0.0.0/24", "dev", "eth0"][..],
            "\"vr <VR>\" is required",
            "vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>",
        ),
        (
            &["route", "show"],
            "\"vr <VR>\" is required",
            "vrctl route show [<PREFIX>] [via <GW>] [dev <IFNAME>] vr <VR>",
        ),
        (
            &["route", "del", "vr", "1"],
            "a prefix is required",
            "vrctl route del <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>",
        ),
        (
            &["route", "add", "10.0.0.0/33", "vr", "1"],
            "invalid prefix \"10.0.0.0/33\"",
            "vrctl route add",
        ),
        (
            &["route", "add", "10.0.0.0/8", "via", "fe80::1", "vr", "1"],
            "invalid gateway \"fe80::1\"",
            "vrctl route add",
        ),
        (
            &["route", "add", "10.0.0.0/8", "vr", "red"],
            "invalid VR id \"red\"",
            "vrctl route add",
        ),
        (
            &["route", "add", "10.0.0.0/8", "vr"],
            "\"vr\" needs a value",
            "vrctl route add",
        ),
        (
            &["route", "show", "vr", "1", "vr", "2"],
            "\"vr\" given twice",
            "vrctl route show",
        ),
        (
            &["route", "delete", "10.0.0.0/8", "table", "vr", "1"],
            "unexpected argument \"table\"",
            "vrctl route del",
        ),
    ] {
        let err = usage_error(args);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.contains(usage), "{args:?}: {err}");
    }
}

#[test]
fn route_unknown_interface_exits_one() {
    // The name is resolved before the kernel is asked anything.
    for verb in ["add", "del", "show"] {
        let out = vrctl(&["route", verb, "10.0.0.0/8", "dev", "nosuchdev0", "vr", "1"]);
        assert_eq!(out.status.code(), Some(1), "{verb}");
        assert_eq!(stderr(&out), "Error: cannot find device \"nosuchdev0\"\n");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn route6_usage() {
    for (args, msg, usage) in [
        (
            &[
                "route",
                "add",
                "2001:db8::/64",
                "via",
                "10.0.0.1",
                "vr",
                "1",
            ][..],
            "invalid gateway \"10.0.0.1\" (an IPv4 address, but the prefix is IPv6: \
             one family per route)",
            "vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR> [-4|-6]",
        ),
        (
            &["route", "del", "-4", "2001:db8::/64", "vr", "1"],
            "invalid prefix \"2001:db8::/64\" (an IPv6 prefix, and -4 is given)",
            "vrctl route del",
        ),
        (
            &["route", "show", "10.0.0.0/8", "vr", "1", "-6"],
            "invalid prefix \"10.0.0.0/8\" (an IPv4 prefix, and -6 is given)",
            "vrctl route show",
        ),
        (
            &["route", "add", "2001:db8::/129", "vr", "1"],
            "invalid prefix \"2001:db8::/129\" (expected default, X:X::X/LEN or X:X::X)",
            "vrctl route add",
        ),
        (
            &["route", "add", "-6", "default", "via", "fe80::1", "vr", "1"],
            "gateway \"fe80::1\" is link-local: \"dev <IFNAME>\" is required",
            "vrctl route add",
        ),
        (
            &["route", "show", "-4", "-6", "vr", "1"],
            "cannot be used with",
            "vrctl route show",
        ),
        (&["route", "-6", "show", "vr", "1"], "-6", "vrctl route"),
    ] {
        let err = usage_error(args);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.contains(usage), "{args:?}: {err}");
    }
    let show = stdout(&vrctl(&["route", "show", "--help"]));
    for text in ["-4", "-6", "X:X::X/LEN", "both families are shown"] {
        assert!(
            show.contains(text),
            "route show --help lacks {text}: {show}"
        );
    }
}

#[test]
fn route6_unknown_interface_exits_one() {
    for args in [
        &[
            "route",
            "add",
            "2001:db8::/64",
            "dev",
            "nosuchdev0",
            "vr",
            "1",
        ][..],
        &[
            "route",
            "del",
            "-6",
            "default",
            "dev",
            "nosuchdev0",
            "vr",
            "1",
        ],
        &["route", "show", "dev", "nosuchdev0", "vr", "1"],
        &["route", "show", "-6", "dev", "nosuchdev0", "vr", "1"],
    ] {
        let out = vrctl(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), "Error: cannot find device \"nosuchdev0\"\n");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn dhost_usage() {
    usage_error(&["dhost"]);
    usage_error(&["dhost", "owner"]);
    usage_error(&["dhost", "frob"]);
    usage_error(&["dhost", "set"]);
    usage_error(&["dhost", "show", "extra"]);
    usage_error(&["dhost", "owner", "show", "extra"]);
    let set = "vrctl dhost set <ADDR> dev <IFNAME> member <N> lead <M>";
    let owner_add = "vrctl dhost owner add <ADDR> tcp|udp <PORT>[-<LAST>] member <N>";
    let owner_del = "vrctl dhost owner del <ADDR> tcp|udp <PORT>[-<LAST>]";
    for (args, msg, usage) in [
        (
            &[
                "dhost",
                "set",
                "10.0.0.300",
                "dev",
                "eth0",
                "member",
                "2",
                "lead",
                "1",
            ][..],
            "invalid address \"10.0.0.300\"",
            set,
        ),
        (
            &["dhost", "set", "10.0.0.100", "dev", "eth0", "lead", "1"],
            "\"member <N>\" is required",
            set,
        ),
        (
            &[
                "dhost",
                "set",
                "10.0.0.100",
                "dev",
                "eth0",
                "member",
                "0",
                "lead",
                "1",
            ],
            "invalid member id \"0\" (expected 1-65535)",
            set,
        ),
        (
            &[
                "dhost",
                "set",
                "10.0.0.100",
                "dev",
                "eth0",
                "member",
                "2",
                "lead",
                "1",
                "x",
            ],
            "unexpected argument \"x\"",
            set,
        ),
        (
            &["dhost", "del", "vr", "1"],
            "an address is required",
            "vrctl dhost del <ADDR> [vr <VR>]",
        ),
        (
            &["dhost", "owner", "add", "10.0.0.100", "tcp", "80"],
            "\"member <N>\" is required",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "10.0.0.100",
                "tcp",
                "65536",
                "member",
                "2",
            ],
            "invalid port \"65536\" (expected 1-65535)",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "10.0.0.100",
                "udp",
                "50000-40000",
                "member",
                "2",
            ],
            "invalid port range \"50000-40000\" (the last port is below the first)",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "10.0.0.100",
                "icmp",
                "80",
                "member",
                "2",
            ],
            "invalid protocol \"icmp\" (expected tcp or udp)",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "10.0.0.100",
                "tcp",
                "80",
                "member",
                "2",
                "peer",
                "x",
            ],
            "unexpected argument \"peer\"",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "10.0.0.100",
                "tcp",
                "80",
                "remote",
                "10.0.0.2",
                "member",
                "2",
            ],
            "invalid remote \"10.0.0.2\" (expected A.B.C.D:PORT",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "10.0.0.100",
                "tcp",
                "1-9",
                "remote",
                "10.0.0.2:5",
                "member",
                "2",
            ],
            "a connection (remote) is of one port, not of a port range",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "add",
                "fd00:9::100",
                "tcp",
                "80",
                "remote",
                "10.0.0.2:40000",
                "member",
                "2",
            ],
            "remote 10.0.0.2:40000 is IPv4 but the address fd00:9::100 is IPv6",
            owner_add,
        ),
        (
            &[
                "dhost",
                "owner",
                "del",
                "fd00:9::100",
                "tcp",
                "80",
                "remote",
                "fd00:9::13:40000",
            ],
            "invalid remote \"fd00:9::13:40000\" (expected A.B.C.D:PORT or [X:X::X]:PORT",
            owner_del,
        ),
        (
            &[
                "dhost",
                "set",
                "fd00:9::100/128",
                "dev",
                "eth0",
                "member",
                "2",
                "lead",
                "1",
            ],
            "invalid address \"fd00:9::100/128\" (expected an IPv4 or IPv6 address)",
            set,
        ),
        (
            &[
                "dhost",
                "owner",
                "del",
                "10.0.0.100",
                "tcp",
                "80",
                "member",
                "2",
            ],
            "unexpected argument \"member\"",
            owner_del,
        ),
    ] {
        let err = usage_error(args);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.contains(usage), "{args:?}: {err}");
    }
}

#[test]
fn dhost_drain_usage() {
    let drain = "vrctl dhost drain <ADDR> tcp|udp <PORT> to <MEMBER> [wait <MS>]";
    usage_error(&["dhost", "drain"]);
    for (args, msg) in [
        (
            &["10.0.0.100", "tcp", "80"][..],
            "\"to <MEMBER>\" is required",
        ),
        (
            &["10.0.0.100", "tcp", "80", "3"],
            "unexpected argument \"3\"",
        ),
        (&["10.0.0.100", "tcp", "80", "to"], "\"to\" needs a value"),
        (&["10.0.0.100", "tcp", "to", "3"], "a port is required"),
        (
            &["10.0.0.100", "tcp", "0", "to", "3"],
            "invalid port \"0\" (expected 1-65535)",
        ),
        (
            &["10.0.0.100", "tcp", "65536", "to", "3"],
            "invalid port \"65536\" (expected 1-65535)",
        ),
        (
            &["10.0.0.100", "tcp", "80-90", "to", "3"],
            "a drain moves one port, not a port range",
        ),
        (
            &["10.0.0.100", "sctp", "80", "to", "3"],
            "invalid protocol \"sctp\" (expected tcp or udp)",
        ),
        (
            &["10.0.0.300", "tcp", "80", "to", "3"],
            "invalid address \"10.0.0.300\"",
        ),
        (
            &["fd00:9::100", "tcp", "80", "to", "0"],
            "invalid member id \"0\" (expected 1-65535)",
        ),
        (
            &["fd00:9::100", "tcp", "80", "to", "65536"],
            "invalid member id \"65536\" (expected 1-65535)",
        ),
        (
            &["10.0.0.100", "udp", "53", "to", "3", "wait", "0"],
            "invalid wait \"0\" (expected 1-600000)",
        ),
        (
            &["10.0.0.100", "udp", "53", "to", "3", "wait", "600001"],
            "invalid wait \"600001\" (expected 1-600000)",
        ),
        (
            &["10.0.0.100", "udp", "53", "to", "3", "wait", "1s"],
            "invalid wait \"1s\"",
        ),
        (
            &["10.0.0.100", "udp", "53", "to", "3", "vr", "1"],
            "unexpected argument \"vr\"",
        ),
    ] {
        let args: Vec<&str> = ["dhost", "drain"].iter().chain(args).copied().collect();
        let err = usage_error(&args);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.contains(drain), "{args:?}: {err}");
        // The same in a batch file: status 2, before anything is asked.
        let out = vrctl_stdin(&["-batch", "-"], &format!("{}\n", args.join(" ")));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.ends_with("Command failed -:1\n"), "{args:?}: {err}");
    }
    let help = stdout(&vrctl(&["dhost", "drain", "--help"]));
    assert!(help.contains(drain), "{help}");
    for words in [
        "vr-dhostd(8)",
        "standby",
        "new connections go to MEMBER",
        "default 10000",
        "ETIMEDOUT",
        "user of the daemon",
    ] {
        assert!(
            help.contains(words),
            "dhost drain --help lacks {words}: {help}"
        );
    }
    let dhost = stdout(&vrctl(&["dhost", "--help"]));
    assert!(
        dhost.lines().any(|l| l.trim_start().starts_with("drain")),
        "{dhost}"
    );
}

#[test]
fn dhost_leave_usage() {
    let leave = "vrctl dhost leave <ADDR> to <MEMBER> [wait <MS>]";
    usage_error(&["dhost", "leave"]);
    for (args, msg) in [
        (&["10.0.0.100"][..], "\"to <MEMBER>\" is required"),
        (&["to", "3"], "an address is required"),
        (
            &["10.0.0.100", "tcp", "80", "to", "3"],
            "unexpected argument \"tcp\"",
        ),
        (
            &["10.0.0.100", "to", "65536"],
            "invalid member id \"65536\" (expected 1-65535)",
        ),
        (
            &["10.0.0.100", "to", "3", "wait", "600001"],
            "invalid wait \"600001\" (expected 1-600000)",
        ),
    ] {
        let args: Vec<&str> = ["dhost", "leave"].iter().chain(args).copied().collect();
        let err = usage_error(&args);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(err.contains(leave), "{args:?}: {err}");
        let out = vrctl_stdin(&["-batch", "-"], &format!("{}\n", args.join(" ")));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let help = stdout(&vrctl(&["dhost", "leave", "--help"]));
    assert!(help.contains(leave), "{help}");
    for words in [
        "vr-dhostd(8)",
        "every port this member owns",
        "services first",
        "lists none of them",
        "MS (1-600000, default",
        "ETIMEDOUT for no socket in time",
    ] {
        assert!(
            help.contains(words),
            "dhost leave --help lacks {words}: {help}"
        );
    }
}

#[test]
fn dhost_daemon_is_vr_dhostd_now() {
    let err = usage_error(&[
        "dhost",
        "daemon",
        "members",
        "1,2,3",
        "lead-addr",
        "10.9.0.10",
    ]);
    assert!(
        err.contains(
            "the ownership daemon is vr-dhostd(8) now: vr-dhostd members 1,2,3 lead-addr 10.9.0.10"
        ),
        "{err}"
    );
    let err = usage_error(&["dhost", "daemon"]);
    assert!(
        err.contains("now: vr-dhostd members <N=ADDR[:PORT],...>"),
        "{err}"
    );
    let dhost = stdout(&vrctl(&["dhost", "--help"]));
    // Hidden: dhost --help lists no daemon command.
    assert!(
        !dhost.lines().any(|l| l.trim_start().starts_with("daemon")),
        "{dhost}"
    );
}

#[test]
fn dhost_set_unknown_interface_exits_one() {
    // The name is resolved before the kernel is asked anything, for
    // either family.
    for addr in ["10.0.0.100", "fd00:9::100"] {
        let out = vrctl(&[
            "dhost",
            "set",
            addr,
            "dev",
            "nosuchdev0",
            "member",
            "2",
            "lead",
            "1",
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{addr}: stderr {}",
            stderr(&out)
        );
        assert_eq!(stderr(&out), "Error: cannot find device \"nosuchdev0\"\n");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn unknown_option() {
    usage_error(&["--frob", "list"]);
}

#[test]
fn help_exits_zero() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["create", "--help"],
        &["help", "assign"],
        &["route", "--help"],
        &["help", "route", "show"],
        &["dhost", "--help"],
        &["dhost", "owner", "--help"],
        &["help", "dhost", "owner", "add"],
        &["dhost", "drain", "--help"],
        &["help", "dhost", "drain"],
    ] {
        let out = vrctl(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: stderr {}",
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("Usage: vrctl"),
            "{args:?}: {}",
            stdout(&out)
        );
    }
    let top = stdout(&vrctl(&["--help"]));
    for verb in [
        "create", "delete", "list", "show", "assign", "monitor", "exec", "identify", "route",
        "dhost",
    ] {
        assert!(top.contains(verb), "--help lacks {verb}: {top}");
    }
    let route = stdout(&vrctl(&["route", "--help"]));
    for verb in ["add", "del", "show"] {
        assert!(route.contains(verb), "route --help lacks {verb}: {route}");
    }
    let add = stdout(&vrctl(&["route", "add", "--help"]));
    assert!(
        add.contains("PREFIX is default, A.B.C.D/LEN or A.B.C.D"),
        "{add}"
    );
    let dhost = stdout(&vrctl(&["dhost", "--help"]));
    for verb in ["set", "del", "show", "owner", "drain", "leave"] {
        assert!(dhost.contains(verb), "dhost --help lacks {verb}: {dhost}");
    }
    for words in [
        "IPv4 or IPv6 address",
        "neighbour solicitations",
        "ICMP/ICMPv6",
        "ip -6 addr add ADDR/128 dev IF nodad",
    ] {
        assert!(dhost.contains(words), "dhost --help lacks {words}: {dhost}");
    }
    let owner = stdout(&vrctl(&["dhost", "owner", "--help"]));
    for verb in ["add", "del", "show"] {
        assert!(owner.contains(verb), "owner --help lacks {verb}: {owner}");
    }
    for (args, usage) in [
        (
            &["dhost", "set", "--help"][..],
            "vrctl dhost set <ADDR> dev <IFNAME> member <N> lead <M>",
        ),
        (&["dhost", "del", "--help"], "vrctl dhost del <ADDR> [vr <VR>]"),
        (
            &["dhost", "owner", "add", "--help"],
            "vrctl dhost owner add <ADDR> tcp|udp <PORT>[-<LAST>] member <N> [remote <RADDR>:<RPORT>|[<RADDR6>]:<RPORT>] [vr <VR>]",
        ),
        (
            &["dhost", "owner", "del", "--help"],
            "vrctl dhost owner del <ADDR> tcp|udp <PORT>[-<LAST>] [remote <RADDR>:<RPORT>|[<RADDR6>]:<RPORT>] [vr <VR>]",
        ),
    ] {
        let text = stdout(&vrctl(args));
        assert!(text.contains(usage), "{args:?}: {text}");
    }
    let exec = stdout(&vrctl(&["exec", "--help"]));
    assert!(
        exec.contains("vrctl exec <VR> [--] <CMD> [ARGS]..."),
        "{exec}"
    );
    let create = stdout(&vrctl(&["create", "--help"]));
    assert!(
        create.contains("vrctl create <VR> [name <NAME>]"),
        "{create}"
    );
}

#[test]
fn unknown_interface_exits_one() {
    // The name is resolved before the kernel is asked anything.
    let out = vrctl(&["assign", "nosuchdev0", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "Error: cannot find device \"nosuchdev0\"\n");
    assert!(out.stdout.is_empty());
}

/// A batch file of this test run, removed when dropped.
struct BatchFile(String);

impl std::ops::Deref for BatchFile {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BatchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Drop for BatchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A batch file holding `text`.
fn batch_file(name: &str, text: &str) -> BatchFile {
    let path = std::env::temp_dir().join(format!("vrctl-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("batch file written");
    BatchFile(path.to_string_lossy().into_owned())
}

/// Runs vrctl with `args`, `input` on its standard input.
fn vrctl_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vrctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vrctl runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("input written");
    child.wait_with_output().expect("vrctl ends")
}

// The batch tests use lines that fail before vrctl asks the kernel
// anything (an unknown interface or process, usage errors), or succeed
// without it (help), so they hold with or without the vr family.
const NO_DEV: &str = "Error: cannot find device \"nosuchdev0\"\n";
const NO_PID: &str = "Error: no process with pid 4194305\n";

#[test]
fn batch_missing_file_exits_one() {
    let path = std::env::temp_dir().join("vrctl-cli-no-such-batch-file");
    let path = path.to_string_lossy();
    for opt in ["-batch", "--batch", "-b"] {
        let out = vrctl(&[opt, &path]);
        assert_eq!(out.status.code(), Some(1), "{opt}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("Error: cannot open batch file \"{path}\": No such file or directory\n")
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn batch_usage_error_on_line_two_exits_two() {
    let path = batch_file(
        "usage",
        "# a comment, then help\nhelp\ncreate 1 name\nassign nosuchdev0 1\n",
    );
    let out = vrctl(&["-batch", &path]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error:"), "{err}");
    assert!(err.contains("Usage: vrctl create"), "{err}");
    assert!(
        err.ends_with(&format!("Command failed {path}:3\n")),
        "{err}"
    );
    // Line 2 ran (help, on stdout), line 4 did not.
    assert!(stdout(&out).contains("Usage: vrctl"), "{}", stdout(&out));
    assert!(!err.contains("nosuchdev0"), "{err}");

    let path = batch_file(
        "usage2",
        "assign 'nosuchdev0' 1 # comment\n\n  \ncreate 1 red\n",
    );
    let out = vrctl(&["-force", "-batch", &path]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with(NO_DEV), "{err}");
    assert!(err.contains(&format!("Command failed {path}:1\n")), "{err}");
    assert!(
        err.ends_with(&format!("Command failed {path}:4\n")),
        "{err}"
    );
}

#[test]
fn batch_stops_at_the_first_failure() {
    let path = batch_file("stop", "assign nosuchdev0 1\nidentify 4194305\n");
    let out = vrctl(&["-b", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), format!("{NO_DEV}Command failed {path}:1\n"));
}

#[test]
fn batch_force_goes_on() {
    let path = batch_file("force", "assign nosuchdev0 1\n\nidentify 4194305\nhelp\n");
    for opt in ["-force", "--force"] {
        let out = vrctl(&[opt, "-batch", &path]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("{NO_DEV}Command failed {path}:1\n{NO_PID}Command failed {path}:3\n")
        );
        assert!(stdout(&out).contains("Usage: vrctl"), "{}", stdout(&out));
    }
}

#[test]
fn batch_reads_stdin() {
    let out = vrctl_stdin(&["-batch", "-"], "help\nidentify 4194305\nhelp\n");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), format!("{NO_PID}Command failed -:2\n"));
    let out = vrctl_stdin(&["-j", "-b", "-"], "# nothing to do\n\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

/// The lines that "Command failed" names, in order.
fn failed_lines(err: &str, path: &str) -> Vec<String> {
    err.lines()
        .filter_map(|l| l.strip_prefix(&format!("Command failed {path}:")))
        .map(str::to_owned)
        .collect()
}

/// Consecutive `dhost owner add|del` lines go to the kernel together
/// (owner-batch); a failure still names its line, and with -force every
/// other line runs. 192.0.2.1 is distributed nowhere: each line fails,
/// with or without the vr family (ENOENT, or no family).
#[test]
fn batch_owner_lines_fail_by_line() {
    let text = "dhost owner del 192.0.2.1 tcp 80\n\
                dhost owner add 192.0.2.1 tcp 81 member 2\n\
                dhost owner add 192.0.2.1 tcp 82\n\
                -j dhost owner delete 192.0.2.1 udp 83 vr 0\n\
                dhost owner del 192.0.2.1 tcp 80\n\
                help\n";
    let path = batch_file("owner", text);
    let out = vrctl(&["-batch", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(failed_lines(&err, &path), ["1"], "{err}");
    assert!(err.starts_with("Error: "), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(out.stdout.is_empty());
    // -force: every line, in order (3 is a usage error); help ran.
    for out in [
        vrctl(&["-force", "-batch", &path]),
        vrctl_stdin(&["-force", "-batch", "-"], text),
    ] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        let name = if failed_lines(&err, &path).is_empty() {
            "-"
        } else {
            &path
        };
        assert_eq!(failed_lines(&err, name), ["1", "2", "3", "4", "5"], "{err}");
        assert_eq!(err.matches("Error: ").count(), 4, "{err}");
        assert!(stdout(&out).contains("Usage: vrctl"), "{}", stdout(&out));
    }
}

#[test]
fn batch_refusals_exit_two() {
    for (line, msg) in [
        ("monitor", "\"monitor\" cannot be used in a batch file"),
        ("exec 1 true", "\"exec\" cannot be used in a batch file"),
        (
            "dhost daemon members 1,2",
            "the ownership daemon is vr-dhostd(8) now: vr-dhostd members 1,2",
        ),
        ("-batch other", "-batch cannot be used in a batch file"),
        ("create 1 name \"red", "unterminated quoted string"),
    ] {
        let out = vrctl_stdin(&["-force", "-batch", "-"], &format!("{line}\nhelp\n"));
        assert_eq!(out.status.code(), Some(2), "{line}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(msg), "{line}: {err}");
        assert!(err.ends_with("Command failed -:1\n"), "{line}: {err}");
        // -force: the next line ran.
        assert!(stdout(&out).contains("Usage: vrctl"), "{line}");
    }
}

#[test]
fn batch_usage() {
    // A command besides -batch, -force without -batch, no FILE.
    usage_error(&["-batch", "x", "list"]);
    usage_error(&["-force", "list"]);
    usage_error(&["-batch"]);
    let help = stdout(&vrctl(&["--help"]));
    assert!(help.contains("-b, --batch <FILE>"), "{help}");
    assert!(help.contains("--force"), "{help}");
    assert!(
        help.contains("vrctl [OPTIONS] -batch <FILE> [-force]"),
        "{help}"
    );
}

/// vrctl(8) renders without a warning (`groff -man -Tutf8 -ww`); returns
/// early, saying so, where groff is not installed.
#[test]
fn man_page_renders_without_warnings() {
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/man/vrctl.8");
    if let Some(warnings) = vr_netlink::testing::groff_warnings(page) {
        assert_eq!(warnings, "", "groff warns");
    }
}

/// `vrctl completion SHELL` prints a script that SHELL parses (`-n`); a
/// shell that is not installed is skipped, saying so.
#[test]
fn completion_scripts_parse() {
    for (shell, file) in [
        ("bash", "vrctl.bash"),
        ("zsh", "_vrctl"),
        ("fish", "vrctl.fish"),
    ] {
        let out = vrctl(&["completion", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for word in ["create", "route", "dhost", "daemon", "batch"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        let path = std::env::temp_dir().join(format!("vrctl-cli-{}-{file}", std::process::id()));
        std::fs::write(&path, &script).expect("script written");
        let check = Command::new(shell).arg("-n").arg(&path).output();
        let _ = std::fs::remove_file(&path);
        match check {
            Ok(check) => assert!(check.status.success(), "{shell} -n: {}", stderr(&check)),
            Err(e) => eprintln!("skipping {shell} -n: {e}"),
        }
    }
    usage_error(&["completion", "powershell"]);
    usage_error(&["completion"]);
    assert!(!stdout(&vrctl(&["--help"])).contains("completion"));
}
