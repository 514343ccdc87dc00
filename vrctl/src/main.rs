// SPDX-License-Identifier: GPL-2.0-only
//! vrctl: configure virtual routers (VR) through the "vr" generic netlink
//! family.
//!
//! Exit status: 0 on success, 1 on a kernel or runtime error, 2 on a usage
//! error; `exec` exits with 127 if the command is not found and 126 if it
//! cannot be run, else it becomes the command.

mod commands;
// The distributed IP host's pure logic; the daemon that uses it comes next.
#[cfg_attr(not(test), allow(dead_code))]
mod dhost;
mod error;
mod netlink;
mod output;
mod route;
mod task;
mod vr;

use std::ffi::OsString;
use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::commands::Format;
use crate::error::Error;
use crate::route::{RouteArgs, RouteOp};

#[derive(Debug, Parser)]
#[command(
    name = "vrctl",
    version,
    about = "Configure virtual routers (VR)",
    subcommand_required = true,
    arg_required_else_help = true
)]
struct Cli {
    /// Print JSON instead of text
    #[arg(short = 'j', long = "json", global = true)]
    json: bool,

    /// Pretty-print JSON output (with -j; monitor always prints one object per line)
    #[arg(short = 'p', long = "pretty", global = true)]
    pretty: bool,

    #[command(subcommand)]
    command: Command,
}

/// The `name` keyword of `create`, as in iproute2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum NameKeyword {
    Name,
}

fn parse_name(s: &str) -> Result<String, String> {
    if s.len() > vr::NAME_ENCODE_MAX {
        return Err(format!("longer than {} bytes", vr::NAME_ENCODE_MAX));
    }
    Ok(s.to_owned())
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a VR, optionally with a name
    #[command(override_usage = "vrctl create <VR> [name <NAME>]")]
    Create {
        /// VR id (0-65535)
        vr: u32,
        /// The keyword "name"
        #[arg(
            value_enum,
            requires = "name",
            value_name = "name",
            hide_possible_values = true
        )]
        keyword: Option<NameKeyword>,
        /// Name of the VR
        #[arg(requires = "keyword", value_parser = parse_name)]
        name: Option<String>,
    },
    /// Delete a VR
    Delete {
        /// VR id
        vr: u32,
    },
    /// List all VRs, one line each
    List,
    /// Show details of one or all VRs
    Show {
        /// VR id (all VRs if omitted)
        vr: Option<u32>,
    },
    /// Assign an interface to a VR (VR 0 to take it back)
    Assign {
        /// Interface name
        ifname: OsString,
        /// VR id
        vr: u32,
    },
    /// Print VR notifications as they arrive, until killed
    Monitor,
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
    /// Add, delete or show the IPv4 routes of a VR's table
    #[command(subcommand_required = true, arg_required_else_help = true)]
    Route {
        #[command(subcommand)]
        command: RouteCommand,
    },
}

const ROUTE_ARGS_HELP: &str = "\
PREFIX is default, A.B.C.D/LEN or A.B.C.D (a /32), optionally after \"to\".
The keywords may come in any order. VR is a VR id; its table is the one
the kernel reports (vrctl show).";

#[derive(Debug, Subcommand)]
enum RouteCommand {
    /// Add a route to the table of a VR
    #[command(
        override_usage = "vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>",
        after_help = ROUTE_ARGS_HELP
    )]
    Add {
        /// PREFIX, via GW, dev IFNAME, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Delete a route from the table of a VR
    #[command(
        visible_alias = "delete",
        override_usage = "vrctl route del <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>",
        after_help = ROUTE_ARGS_HELP
    )]
    Del {
        /// PREFIX, via GW, dev IFNAME, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Show the routes of the table of a VR (all, or those matching)
    #[command(
        visible_alias = "list",
        override_usage = "vrctl route show [<PREFIX>] [via <GW>] [dev <IFNAME>] vr <VR>",
        after_help = ROUTE_ARGS_HELP
    )]
    Show {
        /// [PREFIX], [via GW], [dev IFNAME], vr VR
        #[arg(value_name = "ARGS")]
        args: Vec<OsString>,
    },
}

/// The route verb and its parsed arguments; a bad argument is a usage
/// error of that verb.
fn route_args(command: &RouteCommand) -> Result<(RouteOp, RouteArgs), Error> {
    let (op, args, path): (_, _, &'static [&'static str]) = match command {
        RouteCommand::Add { args } => (RouteOp::Add, args, &["route", "add"]),
        RouteCommand::Del { args } => (RouteOp::Del, args, &["route", "del"]),
        RouteCommand::Show { args } => (RouteOp::Show, args, &["route", "show"]),
    };
    let parsed = route::parse_args(op, args).map_err(|msg| Error::Usage { cmd: path, msg })?;
    Ok((op, parsed))
}

fn run(cli: Cli) -> Result<(), Error> {
    let fmt = Format {
        json: cli.json,
        pretty: cli.pretty,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Create { vr, name, .. } => commands::create(vr, name.as_deref()),
        Command::Delete { vr } => commands::delete(vr),
        Command::List => commands::list(fmt, &mut out),
        Command::Show { vr } => commands::show(vr, fmt, &mut out),
        Command::Assign { ifname, vr } => commands::assign(&ifname, vr),
        Command::Monitor => commands::monitor(fmt, &mut out),
        Command::Exec { vr, argv } => commands::exec(vr, &argv),
        Command::Identify { pid } => commands::identify(pid, fmt, &mut out),
        Command::Route { command } => match route_args(&command)? {
            (RouteOp::Show, args) => commands::route_show(&args, fmt, &mut out),
            (op, args) => commands::route_modify(op, &args),
        },
    }
}

/// A usage error found after parsing, printed by clap as its own are,
/// with the usage of the subcommand `path` (e.g. ["route", "add"]).
fn usage_error(path: &[&str], msg: &str) -> clap::Error {
    let mut cmd = Cli::command();
    cmd.build();
    let mut sub = &mut cmd;
    for name in path {
        if sub.find_subcommand(name).is_none() {
            break;
        }
        sub = sub.find_subcommand_mut(name).expect("found just above");
    }
    sub.error(clap::error::ErrorKind::InvalidValue, msg)
}

fn main() -> ExitCode {
    // Exits with status 2 on usage errors, 0 for --help and --version.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (e.g. `vrctl monitor | head`): nothing to say.
        Err(Error::Io { err, .. }) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Error::Usage { cmd, msg }) => usage_error(cmd, &msg).exit(),
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_with_name() {
        let cli = Cli::try_parse_from(["vrctl", "create", "1", "name", "red"]).expect("parses");
        match cli.command {
            Command::Create { vr, keyword, name } => {
                assert_eq!(vr, 1);
                assert_eq!(keyword, Some(NameKeyword::Name));
                assert_eq!(name.as_deref(), Some("red"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn large_vr_is_kept_for_the_kernel() {
        let cli = Cli::try_parse_from(["vrctl", "delete", "70000"]).expect("parses");
        assert!(matches!(cli.command, Command::Delete { vr: 70000 }));
    }

    #[test]
    fn global_flags_anywhere() {
        let cli = Cli::try_parse_from(["vrctl", "show", "-j", "-p"]).expect("parses");
        assert!(cli.json && cli.pretty);
        assert!(matches!(cli.command, Command::Show { vr: None }));
    }

    fn exec_argv(args: &[&str]) -> (u32, Vec<String>, bool) {
        let cli = Cli::try_parse_from(args).expect("parses");
        match cli.command {
            Command::Exec { vr, argv } => (
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
        let cli = Cli::try_parse_from(["vrctl", "identify"]).expect("parses");
        assert!(matches!(cli.command, Command::Identify { pid: None }));
        let cli = Cli::try_parse_from(["vrctl", "identify", "123", "-j"]).expect("parses");
        assert!(cli.json);
        assert!(matches!(cli.command, Command::Identify { pid: Some(123) }));
    }

    fn route(args: &[&str]) -> Result<(RouteOp, RouteArgs), Error> {
        match Cli::try_parse_from(args).expect("parses").command {
            Command::Route { command } => route_args(&command),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn route_commands() {
        let (op, a) = route(&[
            "vrctl",
            "route",
            "add",
            "10.99.0.0/24",
            "dev",
            "d1",
            "vr",
            "1",
        ])
        .expect("valid");
        assert_eq!(op, RouteOp::Add);
        assert_eq!(
            a.prefix.map(|p| p.to_string()).as_deref(),
            Some("10.99.0.0/24")
        );
        assert_eq!(a.dev.as_deref(), Some(std::ffi::OsStr::new("d1")));
        assert_eq!(a.vr, 1);
        let (op, _) = route(&["vrctl", "route", "delete", "default", "vr", "0"]).expect("valid");
        assert_eq!(op, RouteOp::Del);
        let (op, a) = route(&["vrctl", "route", "list", "vr", "2"]).expect("valid");
        assert_eq!((op, a.prefix, a.vr), (RouteOp::Show, None, 2));
        // Global options anywhere, also among the route arguments.
        let cli =
            Cli::try_parse_from(["vrctl", "route", "show", "vr", "-j", "1", "-p"]).expect("parses");
        assert!(cli.json && cli.pretty);
        match route(&["vrctl", "route", "show", "dev", "d1"]) {
            Err(Error::Usage { cmd, msg }) => {
                assert_eq!(cmd, ["route", "show"]);
                assert_eq!(msg, "\"vr <VR>\" is required");
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = usage_error(&["route", "add"], "\"vr <VR>\" is required");
        let text = e.render().to_string();
        assert!(
            text.contains("vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>"),
            "{text}"
        );
    }

    #[test]
    fn late_usage_error_has_the_subcommand_usage() {
        let e = usage_error(&["exec"], "bad thing");
        assert_eq!(e.exit_code(), 2);
        let text = e.render().to_string();
        assert!(text.contains("bad thing"), "{text}");
        assert!(
            text.contains("vrctl exec <VR> [--] <CMD> [ARGS]..."),
            "{text}"
        );
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["vrctl", "create"][..],
            &["vrctl", "create", "1", "name"],
            &["vrctl", "create", "1", "red"],
            &["vrctl", "create", "1", "name", "red", "extra"],
            &["vrctl", "delete", "red"],
            &["vrctl", "delete", "-1"],
            &["vrctl", "delete", "4294967296"],
            &["vrctl", "assign", "eth0"],
            &["vrctl", "frobnicate"],
            &["vrctl", "exec"],
            &["vrctl", "exec", "1"],
            &["vrctl", "exec", "1", "--"],
            &["vrctl", "exec", "red", "true"],
            &["vrctl", "exec", "-1", "true"],
            &["vrctl", "exec", "1", "-x"],
            &["vrctl", "identify", "self"],
            &["vrctl", "identify", "-5"],
            &["vrctl", "identify", "1", "2"],
            &["vrctl", "route"],
            &["vrctl", "route", "replace", "10.0.0.0/8", "vr", "1"],
            &["vrctl", "route", "add"],
            &["vrctl", "route", "del"],
        ] {
            let err = Cli::try_parse_from(args).err();
            assert!(err.is_some(), "{args:?} should not parse");
            assert_eq!(err.map(|e| e.exit_code()), Some(2), "{args:?}");
        }
    }
}
