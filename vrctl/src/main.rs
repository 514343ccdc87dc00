// SPDX-License-Identifier: GPL-2.0-only
//! vrctl: configure virtual routers (VR) through the "vr" generic netlink
//! family.
//!
//! Exit status: 0 on success, 1 on a kernel or runtime error, 2 on a usage
//! error.

mod commands;
mod error;
mod netlink;
mod output;
mod vr;

use std::ffi::OsString;
use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands::Format;
use crate::error::Error;

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
    }
}

fn main() -> ExitCode {
    // Exits with status 2 on usage errors, 0 for --help and --version.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (e.g. `vrctl monitor | head`): nothing to say.
        Err(Error::Io { err, .. }) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

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
        ] {
            let err = Cli::try_parse_from(args).err();
            assert!(err.is_some(), "{args:?} should not parse");
            assert_eq!(err.map(|e| e.exit_code()), Some(2), "{args:?}");
        }
    }
}
