// SPDX-License-Identifier: GPL-2.0-only
//! `vrctl exec` and `vrctl identify`: tasks and their VR. Their CLI, the
//! requests and the output of identify, and the VR of tasks that they and
//! `vrctl show` read.
//!
//! The VR of tasks is read and written through /proc/<pid>/vr (and
//! /proc/<pid>/task/<tid>/vr): a decimal id and a newline, readable by
//! anyone, writable with CAP_NET_ADMIN over the task's network namespace
//! (ENONET for a VR that does not exist there, ERANGE above 65535, EINVAL
//! for a non-number). The VR is inherited across fork and clone and kept
//! across exec, and the sockets a task creates start in its VR.
//!
//! A socket's own VR is the int socket option SO_VR (85) at SOL_SOCKET:
//! getsockopt reads it; setsockopt changes it before the socket is bound
//! or connected (EISCONN after), with the same checks as above. vrctl does
//! not use it: `vrctl exec` sets the task's VR so that every socket the
//! command opens is in the VR.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::process;

use clap::Subcommand;
use serde::Serialize;

use crate::ctx::{Ctx, Format};
use crate::error::{Error, Result};
use crate::output::{json_error, to_json, write_out};
use crate::vr;

/// The commands of vrctl this module owns.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command in a VR (needs CAP_NET_ADMIN); its children inherit the VR
    #[command(
        override_usage = "vrctl exec <VR> [--] <CMD> [ARGS]...",
        after_help = "\
vrctl writes VR to /proc/self/vr and becomes CMD: the sockets CMD and its
descendants open are in VR (their SO_VR socket option says so). Exit
status: CMD's; 1 if the VR cannot be entered, 127 if CMD is not found,
126 if it cannot be run."
    )]
    Exec {
        /// VR id
        vr: u32,
        /// The command, searched in PATH, and its arguments
        #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
        argv: Vec<OsString>,
    },
    /// Print the VR of a process, and the VR's name if it has one
    #[command(after_help = "\
Reads /proc/<PID>/vr. Prints \"<VR>\" or \"<VR> name <NAME>\"; with -j
{\"pid\":PID,\"vr\":VR,\"name\":NAME or null}. The name is looked up in
vrctl's network namespace and left out for a process in another one.")]
    Identify {
        /// Process id (default: vrctl itself, i.e. the VR it was started in)
        pid: Option<u32>,
    },
}

/// Runs a `vrctl exec` or `vrctl identify` command (with the sockets of
/// `ctx`: identify looks up the name of the VR).
pub fn run(ctx: &mut Ctx, command: Command, fmt: Format, out: &mut dyn Write) -> Result<()> {
    match command {
        Command::Exec { vr, argv } => Err(exec(vr, &argv)),
        Command::Identify { pid } => identify(ctx, pid, fmt, out),
    }
}

/// The name of VR `id`, None if it has none or no longer exists (a task
/// can outlive the deletion of its VR).
fn vr_name(ctx: &mut Ctx, id: u32) -> Result<Option<String>> {
    match vr::fetch(ctx, Some(id)) {
        Ok(vrs) => Ok(vrs.into_iter().next().and_then(|vr| vr.name)),
        Err(e) if e.kernel_errno() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Prints the VR of process `pid` (default: vrctl itself, i.e. the VR
/// its caller runs in) and the VR's name. The name is looked up in
/// vrctl's network namespace, so it is left out for a process that is
/// known to be in another one.
pub fn identify(ctx: &mut Ctx, pid: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let pid = pid.unwrap_or_else(std::process::id);
    let vr = read_vr(pid)?;
    let name = if same_netns(pid) == Some(false) {
        None
    } else {
        vr_name(ctx, vr)?
    };
    let text = if fmt.json {
        identify_json(pid, vr, name.as_deref(), fmt.pretty).map_err(json_error)?
    } else {
        identify_text(vr, name.as_deref())
    };
    write_out(out, &text)
}

/// `vrctl identify`: the VR, then its name if it has one, as
/// `ip netns identify` prints a name.
pub fn identify_text(vr: u32, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{vr} name {name}\n"),
        None => format!("{vr}\n"),
    }
}

#[derive(Serialize)]
struct IdentifyJson<'a> {
    pid: u32,
    vr: u32,
    name: Option<&'a str>,
}

/// `vrctl -j identify`: one object.
pub fn identify_json(
    pid: u32,
    vr: u32,
    name: Option<&str>,
    pretty: bool,
) -> serde_json::Result<String> {
    to_json(&IdentifyJson { pid, vr, name }, pretty)
}

/// Where the VR of process `pid` is shown.
pub fn proc_vr_path(pid: u32) -> String {
    format!("/proc/{pid}/vr")
}

/// What /proc/<pid>/vr holds: a decimal id, then a newline.
pub fn parse_proc_vr(content: &str) -> Option<u32> {
    let s = content.strip_suffix('\n').unwrap_or(content);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The VR of process `pid`.
pub fn read_vr(pid: u32) -> Result<u32> {
    let path = proc_vr_path(pid);
    let content = match fs::read_to_string(&path) {
        Ok(c) => c,
        // ESRCH: the process exited after the open.
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Err(Error::NoProcess(pid)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(if fs::metadata(format!("/proc/{pid}")).is_ok() {
                Error::NoProcVr(path)
            } else {
                Error::NoProcess(pid)
            });
        }
        Err(e) => return Err(Error::io("cannot read the VR of the process", e)),
    };
    parse_proc_vr(&content).ok_or(Error::BadProcVr { path, content })
}

/// Whether process `pid` is in the network namespace of vrctl (VR ids and
/// names are per network namespace); None if that cannot be told (e.g.
/// /proc/<pid>/ns/net of another user's process).
pub fn same_netns(pid: u32) -> Option<bool> {
    let ours = fs::metadata("/proc/self/ns/net").ok()?;
    let theirs = fs::metadata(format!("/proc/{pid}/ns/net")).ok()?;
    Some(ours.dev() == theirs.dev() && ours.ino() == theirs.ino())
}

/// The processes of vrctl's network namespace in VR `vr`, by pid, with
/// their command names (/proc/<pid>/comm), as `ip vrf pids` lists a VRF's.
/// Processes that exit while they are read are left out.
pub fn pids_in(vr: u32) -> Result<Vec<(u32, String)>> {
    let mut pids: Vec<(u32, String)> = netns_pids()?
        .filter(|&pid| read_vr(pid).ok() == Some(vr))
        .filter_map(|pid| {
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some((pid, comm.trim_end_matches('\n').to_string()))
        })
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// The processes of vrctl's network namespace.
fn netns_pids() -> Result<impl Iterator<Item = u32>> {
    let dir = fs::read_dir("/proc").map_err(|e| Error::io("cannot read /proc", e))?;
    Ok(dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| same_netns(pid) == Some(true)))
}

/// How many processes of vrctl's network namespace each VR has (VRs
/// without any are absent).
pub fn process_counts() -> Result<BTreeMap<u32, usize>> {
    let mut counts = BTreeMap::new();
    for vr in netns_pids()?.filter_map(|pid| read_vr(pid).ok()) {
        *counts.entry(vr).or_insert(0) += 1;
    }
    Ok(counts)
}

/// The text written to /proc/self/vr.
pub fn vr_text(vr: u32) -> String {
    format!("{vr}\n")
}

/// Moves vrctl (the calling task) into VR `vr`. The kernel checks the id
/// (ERANGE above 65535), the privilege (EPERM) and the VR (ENONET).
pub fn enter(vr: u32) -> Result<()> {
    const PATH: &str = "/proc/self/vr";
    let mut file = match OpenOptions::new().write(true).open(PATH) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::NoProcVr(PATH.to_owned()))
        }
        Err(e) => return Err(Error::io("cannot open /proc/self/vr", e)),
    };
    file.write_all(vr_text(vr).as_bytes())
        .map_err(|e| match e.raw_os_error() {
            Some(errno) => Error::EnterVr { vr, errno },
            None => Error::io("cannot write /proc/self/vr", e),
        })
}

/// The command line of `exec`: the program and its arguments. clap
/// guarantees at least one word; the empty case is kept as an error.
pub fn command_of(argv: &[OsString]) -> Option<process::Command> {
    let (prog, args) = argv.split_first()?;
    let mut cmd = process::Command::new(prog);
    cmd.args(args);
    Some(cmd)
}

/// Enters VR `vr`, then replaces vrctl with `argv` (searched in PATH).
/// Returns only on failure.
pub fn exec(vr: u32, argv: &[OsString]) -> Error {
    if let Err(e) = enter(vr) {
        return e;
    }
    let Some(mut cmd) = command_of(argv) else {
        return Error::Usage {
            cmd: &["exec"],
            msg: "a command to run is required".into(),
        };
    };
    // std resets SIGPIPE (ignored by the Rust runtime) to its default
    // before exec, so the command starts with the usual dispositions.
    let err = cmd.exec();
    Error::Exec {
        cmd: argv[0].to_string_lossy().into_owned(),
        err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn proc_vr_contents() {
        assert_eq!(parse_proc_vr("0\n"), Some(0));
        assert_eq!(parse_proc_vr("65535\n"), Some(65535));
        assert_eq!(parse_proc_vr("12"), Some(12));
        for bad in [
            "",
            "\n",
            "-1\n",
            "1 \n",
            " 1\n",
            "+1\n",
            "x\n",
            "1\n\n",
            "99999999999\n",
        ] {
            assert_eq!(parse_proc_vr(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn written_text() {
        assert_eq!(vr_text(1), "1\n");
        assert_eq!(vr_text(70000), "70000\n");
        assert_eq!(proc_vr_path(42), "/proc/42/vr");
    }

    #[test]
    fn exec_command_line() {
        let argv: Vec<OsString> = ["sh", "-c", "echo $0", "x y"]
            .iter()
            .map(OsString::from)
            .collect();
        let cmd = command_of(&argv).expect("a command");
        assert_eq!(cmd.get_program(), "sh");
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(args, ["-c", "echo $0", "x y"]);
        assert!(command_of(&[]).is_none());
    }

    #[test]
    fn own_netns() {
        assert_eq!(same_netns(std::process::id()), Some(true));
    }

    #[test]
    fn unknown_process() {
        // pid_max is at most 2^22: this pid cannot exist.
        assert!(matches!(
            read_vr(4_194_305),
            Err(Error::NoProcess(4_194_305))
        ));
    }

    #[test]
    fn own_vr_where_the_kernel_has_vrs() {
        match read_vr(std::process::id()) {
            Ok(_) => {}
            Err(Error::NoProcVr(path)) => {
                eprintln!("skipping: {path} does not exist on this kernel")
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn identify_text_forms() {
        assert_eq!(identify_text(1, Some("red")), "1 name red\n");
        assert_eq!(identify_text(0, Some("default")), "0 name default\n");
        assert_eq!(identify_text(42, None), "42\n");
    }

    #[test]
    fn identify_json_forms() {
        assert_eq!(
            identify_json(123, 1, Some("red"), false).expect("serializes"),
            "{\"pid\":123,\"vr\":1,\"name\":\"red\"}\n"
        );
        assert_eq!(
            identify_json(7, 42, None, false).expect("serializes"),
            "{\"pid\":7,\"vr\":42,\"name\":null}\n"
        );
        let pretty = identify_json(7, 2, Some("blue"), true).expect("serializes");
        assert!(pretty.contains("\n  \"vr\": 2,\n"), "{pretty}");
    }

    fn exec_argv(args: &[&str]) -> (u32, Vec<String>, bool) {
        let cli = crate::Cli::try_parse_from(args).expect("parses");
        match cli.command.expect("a command") {
            crate::Command::Task(Command::Exec { vr, argv }) => (
                vr,
                argv.iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect(),
                cli.json,
            ),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn exec_arguments() {
        let (vr, argv, _) = exec_argv(&["vrctl", "exec", "1", "--", "cat", "/proc/self/vr"]);
        assert_eq!(vr, 1);
        assert_eq!(argv, ["cat", "/proc/self/vr"]);
        // "--" is optional; everything after the command is its own.
        let (_, argv, json) = exec_argv(&["vrctl", "exec", "2", "ls", "-l", "-j", "--", "x"]);
        assert_eq!(argv, ["ls", "-l", "-j", "--", "x"]);
        assert!(!json);
        // A command that starts with "-" needs "--".
        let (_, argv, _) = exec_argv(&["vrctl", "exec", "3", "--", "-weird", "-h"]);
        assert_eq!(argv, ["-weird", "-h"]);
        // vrctl's own options go before the command.
        let (_, argv, json) = exec_argv(&["vrctl", "-j", "exec", "3", "sh", "-c", "x"]);
        assert_eq!(argv, ["sh", "-c", "x"]);
        assert!(json);
        let (vr, _, _) = exec_argv(&["vrctl", "exec", "70000", "true"]);
        assert_eq!(vr, 70000);
    }

    #[test]
    fn identify_arguments() {
        let cli = crate::Cli::try_parse_from(["vrctl", "identify"]).expect("parses");
        assert!(matches!(
            cli.command.expect("a command"),
            crate::Command::Task(Command::Identify { pid: None })
        ));
        let cli = crate::Cli::try_parse_from(["vrctl", "identify", "123", "-j"]).expect("parses");
        assert!(cli.json);
        assert!(matches!(
            cli.command.expect("a command"),
            crate::Command::Task(Command::Identify { pid: Some(123) })
        ));
    }
}
