// SPDX-License-Identifier: GPL-2.0-only
//! vr-dhostd: the ownership-sync daemon of the distributed IP host.
//!
//! Distributed IP host: several members (kernels on separate machines on
//! one L2 segment) serve one IPv4 or IPv6 address together. Each bound
//! TCP/UDP port and each connection of such an address is owned by exactly
//! one member. For each address one member is the lead: the single
//! authority that grants or refuses the claims of the members and
//! publishes every change with a sequence number. There is no consensus
//! protocol.
//!
//! The pure logic, without I/O or clocks:
//! - [`db`]: the ownership database (the lead's authority and the members'
//!   replicas), with the conflict, lease and ephemeral-port rules;
//! - [`proto`]: the framed wire format between the members' daemons and
//!   the lead.
//!
//! And its I/O:
//! - [`daemon`]: the ownership-sync daemon (tokio), which talks to the
//!   other members' daemons over TCP and to its kernel through channels;
//! - [`kernel`]: the other ends of those channels, generic netlink to the
//!   kernel, around its pure claim bookkeeping.
//!
//! Its command line ([`args`]) is the one `vrctl dhost daemon` had. Exit
//! status: 0 when stopped by SIGINT or SIGTERM, 1 if it cannot start or
//! its netlink socket fails, 2 on a usage error.

mod args;
mod daemon;
// The whole of the pure database is tested; the daemon uses a part of it
// (e.g. per-packet lookups are the kernel's, liveness is per link).
#[cfg_attr(not(test), allow(dead_code))]
mod db;
mod error;
mod kernel;
mod proto;
// The Raft storage of the ownership database, tested on its own: the
// daemon runs on it from the next step of design/dhost-raft.md.
#[cfg_attr(not(test), allow(dead_code))]
mod raft;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use vr_netlink::dhost_nl;
use vr_netlink::mcgrp;
use vr_netlink::socket::GenlSocket;

use crate::args::DaemonArgs;
use crate::error::{Error, Result};

/// The usage line of `--help` and of usage errors.
const USAGE: &str = "vr-dhostd members <N,N,...> [lead-addr <ADDR[:PORT]>] [listen <ADDR[:PORT]>] [vr <VR>] [name <NAME>]";

const DAEMON_HELP: &str = "\
Serves the distributed addresses of VR (default 0): this kernel's member
id, the lead's and the addresses come from the kernel (vrctl dhost set;
they must agree on the ids). The kernel reports each bind on them to the
daemon, which claims the port from the lead and answers the bind (granted,
or e.g. EADDRINUSE when another member owns the port); the daemon keeps
the kernel's ownership entries (vrctl dhost owner show) and the ephemeral
port slices (ip_local_port_range of the network namespace) in sync.

members lists every member, the same list on every member. The lead
listens on listen (default: lead-addr; port 7400 by default), which must
not be the wildcard address or a distributed address; the others connect
to lead-addr (required for them; default port 7400; not a distributed
address; an IPv6 one in brackets before a port). Both may be given
everywhere: each uses what its role needs. name is sent to the other daemons (default:
the host name).

Logs go to stderr; \"dhost daemon: ready\" is printed once the daemon is in
sync with the lead (the lead: listening) and has programmed the kernel.
Runs until SIGINT or SIGTERM (exit status 0); 1 if it cannot start or its
netlink socket fails, 2 on a usage error.";

#[derive(Debug, Parser)]
#[command(
    name = "vr-dhostd",
    version,
    about = "Run the ownership-sync daemon of a VR's distributed addresses, in the foreground",
    override_usage = USAGE,
    after_help = DAEMON_HELP
)]
struct Cli {
    /// members N,N,..., lead-addr ADDR[:PORT], listen ADDR[:PORT], vr VR, name NAME
    #[arg(required = true, value_name = "ARGS")]
    args: Vec<OsString>,
}

/// This host's name (for the other daemons' logs); empty if unknown.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Joins the dhost group first (binds on a distributed address fail with
/// ENOTCONN until someone listens), reads this kernel's member and lead
/// ids and the distributed addresses of the VR, then runs the daemon in
/// the foreground until SIGINT or SIGTERM. Its two sockets are its own (a
/// thread reads one, a thread uses the other).
fn run(args: &DaemonArgs) -> Result<()> {
    let mut ntf = GenlSocket::open_vr()?;
    kernel::prepare_events(&mut ntf);
    ntf.subscribe(mcgrp::DHOST)?;
    let mut sock = GenlSocket::open_vr()?;
    let cfg = kernel::config(args, &dhost_nl::dhosts(&mut sock)?, &host_name())?;
    kernel::run(cfg, args.vr, ntf, sock)
}

/// Prints the message of `e` (clap's format for a usage error) and
/// returns the exit status it calls for.
fn report(e: &Error) -> u8 {
    match e {
        Error::Usage(msg) => {
            let e = Cli::command().error(ErrorKind::InvalidValue, msg);
            let _ = e.print();
            e.exit_code().try_into().unwrap_or(2)
        }
        e => {
            eprintln!("Error: {e}");
            e.exit_code()
        }
    }
}

fn main() -> ExitCode {
    // Exits with status 2 on usage errors, 0 for --help and --version.
    let cli = Cli::parse();
    let result = args::parse_dhost_daemon(&cli.args)
        .map_err(Error::Usage)
        .and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(report(&e)),
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
    fn usage_errors_exit_two() {
        for args in [&["vr-dhostd"][..], &["vr-dhostd", "--frob"]] {
            let err = Cli::try_parse_from(args).err();
            assert_eq!(err.map(|e| e.exit_code()), Some(2), "{args:?}");
        }
        assert_eq!(Error::Usage("x".into()).exit_code(), 2);
        assert_eq!(Error::Daemon("x".into()).exit_code(), 1);
    }

    /// vr-dhostd(8) names every keyword of the command line (as a bold
    /// `.B KEYWORD` of its ARGUMENTS) and every long option of the CLI.
    #[test]
    fn man_page_names_every_argument() {
        use vr_netlink::testing::{man_page_words, mentions};
        let page = include_str!("../man/vr-dhostd.8");
        let words = man_page_words(page);
        let mut missing = Vec::new();
        for keyword in args::KEYWORDS {
            let bold = format!("\n.B {} ", keyword.replace('-', "\\-"));
            if !mentions(&words, &[keyword]) || !page.contains(&bold) {
                missing.push((*keyword).to_owned());
            }
        }
        let mut cli = Cli::command();
        cli.build();
        for long in cli.get_arguments().filter_map(|a| a.get_long()) {
            if !mentions(&words, &[&format!("--{long}")]) {
                missing.push(format!("--{long}"));
            }
        }
        assert!(
            missing.is_empty(),
            "vr-dhostd/man/vr-dhostd.8 does not mention {missing:?}"
        );
        // The checks saw the arguments and clap's options.
        assert!(mentions(&words, &["vr-dhostd", "members"]));
        assert!(mentions(&words, &["--version"]));
        assert!(!mentions(&words, &["--frobnicate"]));
    }
}
