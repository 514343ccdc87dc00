// SPDX-License-Identifier: GPL-2.0-only
//! Command-line behaviour of the built vr-dhostd that needs no "vr"
//! kernel: usage errors exit with 2, --help and --version with 0; its man
//! page renders.

use std::process::{Command, Output};

const USAGE: &str = "vr-dhostd members <N=ADDR[:PORT],...> [listen <ADDR[:PORT]>] [vr <VR>] \
                     [name <NAME>] [state-dir <DIR>] [heartbeat <MS>] [election <MIN-MAX>] \
                     [lease <MS>]";

fn dhostd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vr-dhostd"))
        .args(args)
        .output()
        .expect("vr-dhostd runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs vr-dhostd, expects a usage error: status 2, nothing on stdout,
/// clap's message with the usage on stderr.
fn usage_error(args: &[&str]) -> String {
    let out = dhostd(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: stderr {}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "{args:?}: stdout {}", stdout(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error:"), "{args:?}: stderr {err}");
    assert!(err.contains(USAGE), "{args:?}: stderr {err}");
    err
}

#[test]
fn usage_errors() {
    usage_error(&[]);
    usage_error(&["--frobnicate"]);
    let m = "1=10.9.0.10,2=10.9.0.11";
    for (args, msg) in [
        (
            &["vr", "1"][..],
            "\"members <N=ADDR[:PORT],...>\" is required",
        ),
        (&["members"], "\"members\" needs a value"),
        // The form of protocol 2 is refused, saying what to give instead.
        (
            &["members", "1,2,3"],
            "entry \"1\" has no address; \"members\" takes N=ADDR[:PORT],...",
        ),
        (
            &["members", m, "lead-addr", "10.9.0.10:7400"],
            "\"lead-addr\" is gone",
        ),
        (
            &["members", "1=10.9.0.10,0=10.9.0.11"],
            "invalid member id \"0\" (expected 1-65535)",
        ),
        (
            &["members", "2=10.9.0.10,2=10.9.0.11"],
            "member 2 given twice",
        ),
        (
            &["members", "1=10.9.0.10,2=10.9.0.10"],
            "address 10.9.0.10:7400 given to members 1 and 2",
        ),
        (
            &["members", m, "listen", "any"],
            "invalid listen address \"any\"",
        ),
        (&["members", m, "vr", "red"], "invalid VR id \"red\""),
        (&["members", m, "name", ""], "invalid name \"\""),
        (&["members", m, "vr", "1", "vr", "2"], "\"vr\" given twice"),
        (&["members", m, "heartbeat", "0"], "invalid heartbeat \"0\""),
        (
            &["members", m, "election", "300-150"],
            "MIN 300 is not below MAX 150",
        ),
        (
            &["members", m, "state-dir", "var/lib"],
            "is not an absolute path",
        ),
        (
            &["members", m, "10.9.0.100"],
            "unexpected argument \"10.9.0.100\"",
        ),
    ] {
        let err = usage_error(args);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}

#[test]
fn help_and_version_exit_zero() {
    for args in [&["--help"][..], &["-h"]] {
        let out = dhostd(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains(&format!("Usage: {USAGE}")),
            "{args:?}: {text}"
        );
    }
    let help = stdout(&dhostd(&["--help"]));
    for words in [
        "Serves the distributed addresses of VR (default 0)",
        "\"dhost daemon: ready\"",
        "--version",
    ] {
        assert!(help.contains(words), "--help lacks {words}: {help}");
    }
    for args in [&["--version"][..], &["-V"]] {
        let out = dhostd(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("vr-dhostd {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// vr-dhostd(8) renders without a warning (`groff -man -Tutf8 -ww`);
/// returns early, saying so, where groff is not installed.
#[test]
fn man_page_renders_without_warnings() {
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/man/vr-dhostd.8");
    if let Some(warnings) = vr_netlink::testing::groff_warnings(page) {
        assert_eq!(warnings, "", "groff warns");
    }
}
