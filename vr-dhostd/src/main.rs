// SPDX-License-Identifier: GPL-2.0-only
//! vr-dhostd: the ownership-sync daemon of the distributed IP host.
//!
//! Distributed IP host: several members (kernels on separate machines on
//! one L2 segment) serve one IPv4 or IPv6 address together. Each bound
//! TCP/UDP port and each connection of such an address is owned by exactly
//! one member. The members' daemons form a Raft group (openraft) whose
//! replicated state machine is the table of these ownerships.
//!
//! The pure logic, without I/O or clocks:
//! - [`db`]: the ownership database, with the conflict and ephemeral-port
//!   rules.
//!
//! And its I/O:
//! - [`raft`]: the database as openraft's state machine, its log store
//!   (redb) and wire protocol 5 between the daemons;
//! - [`daemon`]: the ownership-sync daemon (tokio), a Raft node that turns
//!   its kernel's claims into proposals, talking to its kernel through
//!   channels;
//! - [`kernel`]: the other ends of those channels, generic netlink to the
//!   kernel, around its pure claim bookkeeping.
//!
//! Its command line ([`args`]) is the one `vrctl dhost daemon` had. Exit
//! status: 0 when stopped by SIGINT or SIGTERM, 1 if it cannot start or
//! its netlink socket fails, 2 on a usage error.

mod args;
mod daemon;
mod db;
mod error;
mod kernel;
mod raft;
#[cfg(test)]
mod testing;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use vr_netlink::dhost_nl;
use vr_netlink::socket::GenlSocket;

use crate::args::DaemonArgs;
use crate::error::{Error, Result};

/// The usage line of `--help` and of usage errors.
const USAGE: &str = "vr-dhostd members <N=ADDR[:PORT],...> [listen <ADDR[:PORT]>] [vr <VR>] [name <NAME>] [state-dir <DIR>] [heartbeat <MS>] [election <MIN-MAX>] [lease <MS>] [restart-grace <MS>]";

const DAEMON_HELP: &str = "\
Serves the distributed addresses of VR (default 0): this kernel's member
id and the addresses come from the kernel (vrctl dhost set; the ids must
be those of members). The kernel reports each bind on them to the daemon,
which claims the port and answers the bind (granted, EADDRINUSE when
another member owns the port, EHOSTUNREACH when no Raft leader is
reachable within 2 s); the daemon keeps the kernel's ownership entries
(vrctl dhost owner show) and the ephemeral port slices
(ip_local_port_range of the network namespace) in sync.

Every member runs the same command with the same members list: each
member id with the address its daemon listens on (port 7400 by default;
an IPv6 address in brackets before a port: 2=[fd00:9::2]:7401). The
daemons form a Raft group (openraft) that replicates the ownership
database: each listens on its own entry of members (or on listen), which
must not be a wildcard or a distributed address, and connects to every
other. A claim is a proposal to the Raft leader, committed once a
majority of the members' daemons has it.

Timers, in ms: heartbeat (default 50), election MIN-MAX (default
150-300), lease (default 1000: a member silent that long, as seen by the
Raft leader, loses its ports), restart-grace (default 10000: how long
the Raft leader keeps the ports of a member whose daemon stopped by
SIGINT or SIGTERM; 0: not at all); the daemon refuses timers that do not
fit together. A starting daemon learns from the kernel (sock_diag) which
ports its VR's sockets hold, and claims again those it lost. state-dir
(default /var/lib/vr-dhostd/vr<VR>) holds raft.redb: the log, the vote
and snapshots; a restarted daemon rejoins with it. name names this
daemon in its logs (default: the host name).

The kernel's lead (the member that answers ARP, neighbour solicitations
and echo requests and re-sends what the others own) is the Raft leader:
each daemon sets its kernel's lead to it (give lead 0 to vrctl dhost
set), and a leader without a majority's acknowledgement stands down.

Logs go to stderr; \"dhost daemon: ready\" is printed once the daemon knows
a Raft leader, has caught up with the replicated table and programmed its
kernel. Runs until SIGINT or SIGTERM (exit status 0); 1 if it cannot
start or its netlink socket fails, 2 on a usage error.";

#[derive(Debug, Parser)]
#[command(
    name = "vr-dhostd",
    version,
    about = "Run the ownership-sync daemon of a VR's distributed addresses, in the foreground",
    override_usage = USAGE,
    after_help = DAEMON_HELP
)]
struct Cli {
    /// members N=ADDR\[:PORT\],..., listen ADDR\[:PORT\], vr VR, name NAME, state-dir DIR,
    /// heartbeat MS, election MIN-MAX, lease MS, restart-grace MS
    #[arg(required = true, value_name = "ARGS")]
    args: Vec<OsString>,
}

/// This host's name (for the other daemons' logs); empty if unknown.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Reads this kernel's member and lead ids and the distributed addresses
/// of the VR, then runs the daemon in the foreground until SIGINT or
/// SIGTERM; it joins the dhost group once it knows the sockets of a
/// previous daemon (binds on a distributed address fail with ENOTCONN
/// until someone listens). Its two sockets are its own (a thread reads
/// one, a thread uses the other).
fn run(args: &DaemonArgs) -> Result<()> {
    let mut ntf = GenlSocket::open_vr()?;
    kernel::prepare_events(&mut ntf);
    let mut sock = GenlSocket::open_vr()?;
    let setup = kernel::config(args, &dhost_nl::dhosts(&mut sock)?, &host_name())?;
    kernel::run(setup, ntf, sock)
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
