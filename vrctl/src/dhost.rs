// SPDX-License-Identifier: GPL-2.0-only
//! `vrctl dhost`: distributed addresses and the kernel's copy of the
//! ownership database. Its CLI and arguments, its requests and their
//! output. The messages and decoded entries are the library's
//! ([`vr_netlink::dhost_nl`]), under the same names here. `dhost drain`
//! asks vr-dhostd instead, one line each way on its control socket.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr as UnixSocketAddr, UnixStream};
use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;
use vr_netlink::args::{
    parse_member, parse_number, parse_vr_id, set_once, split, unexpected, utf8,
};
pub use vr_netlink::dhost_nl::*;
use vr_netlink::MEMBER_MAX;

use crate::ctx::{Ctx, Format};
use crate::error::{self, Error};
use crate::iface::{ifindex, ifname};
use crate::output::{dev_name, json_error, to_json, write_out};
use crate::route::parse_dev;

/// The command of vrctl this module owns.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Distributed addresses and the ownership of their ports (distributed IP host)
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        after_help = DHOST_HELP
    )]
    Dhost {
        #[command(subcommand)]
        command: DhostCommand,
    },
}

const DHOST_HELP: &str = "\
A distributed address is an IPv4 or IPv6 address that several kernels
(members) serve together. Each member's kernel knows its own member id and
the lead's: only the lead answers ARP or neighbour solicitations and
ICMP/ICMPv6 for the address, and each member delivers the TCP and UDP
packets of the ports and connections it owns (vrctl dhost owner, kept in
sync by vr-dhostd(8)). Add an IPv6 distributed address with nodad on every
member (ip -6 addr add ADDR/128 dev IF nodad). An IPv4-mapped IPv6 address
(::ffff:A.B.C.D) given to these commands is that IPv4 address.";

#[derive(Debug, Subcommand)]
pub enum DhostCommand {
    /// Make an address of an interface distributed, or change its ids
    #[command(
        override_usage = "vrctl dhost set <ADDR> dev <IFNAME> member <N> lead <M>",
        after_help = "\
ADDR, an IPv4 or IPv6 address, must be configured on IFNAME; the address
is in the VR of IFNAME. An IPv6 ADDR must be added with nodad on every
member (ip -6 addr add ADDR/128 dev IF nodad): a tentative address is
refused. N is this kernel's member id and M the lead's (1-65535); this
kernel is the lead when N = M, and M = 0 says that no lead is known (this
kernel is then a member that is not the lead). With vr-dhostd(8) running,
the daemon sets M: the Raft leader's member id, or 0 when it stood down.
The keywords may come in any order."
    )]
    Set {
        /// ADDR, dev IFNAME, member N, lead M
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Make a distributed address an ordinary one again (drops its ownership entries)
    #[command(
        visible_alias = "delete",
        override_usage = "vrctl dhost del <ADDR> [vr <VR>]",
        after_help = "VR is the VR of the address (default 0)."
    )]
    Del {
        /// ADDR, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Show the distributed addresses, one line each
    #[command(
        visible_alias = "list",
        after_help = "\
Prints \"ADDR dev IFNAME vr VR member N lead M role lead|member\" per
address; role is lead when this kernel is the lead (N = M). With -j an
array of {addr, vr, ifindex, ifname, member, lead, role}."
    )]
    Show,
    /// Add, delete or show the owners of ports and connections of distributed addresses
    #[command(subcommand_required = true, arg_required_else_help = true)]
    Owner {
        #[command(subcommand)]
        command: OwnerCommand,
    },
    /// Move a port of a distributed address to another member (asks vr-dhostd)
    #[command(
        override_usage = "vrctl dhost drain <ADDR> tcp|udp <PORT> to <MEMBER> [wait <MS>]",
        after_help = DRAIN_HELP
    )]
    Drain {
        /// ADDR tcp|udp PORT, to MEMBER, wait MS
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Move every port this member owns to another member (asks vr-dhostd)
    #[command(
        override_usage = "vrctl dhost leave <ADDR> to <MEMBER> [wait <MS>]",
        after_help = LEAVE_HELP
    )]
    Leave {
        /// ADDR, to MEMBER, wait MS
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Moved: the ownership-sync daemon is vr-dhostd(8) now (a usage
    /// error that says so)
    #[command(hide = true)]
    Daemon {
        #[arg(value_name = "ARGS", allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

const DRAIN_HELP: &str = "\
The vr-dhostd(8) of the VR of ADDR (an IPv4 or IPv6 distributed address,
see dhost show) moves port PORT (1-65535) of ADDR to member MEMBER
(1-65535) once MEMBER's kernel has a socket bound to the port: while the
drain waits, MEMBER's bind is granted as a standby. The connections
established by then stay with the old owner, through an entry each, until
they close; new connections go to MEMBER. MS (1-600000, default 10000) is
how long to wait for MEMBER's socket; the drain is cancelled then
(ETIMEDOUT). Any member can run it, as the user of the daemon or root.
Prints \"tcp ADDR:PORT moved to member MEMBER; N connections stay with
member FROM\"; with -j an object {addr, proto, port, to, from, pins}.";

const LEAVE_HELP: &str = "\
This member leaves the distributed host: the vr-dhostd(8) of the VR of
ADDR (one of the host's distributed addresses, see dhost show) drains
every port this member owns, on every distributed address it serves, to
member MEMBER (1-65535), as dhost drain does for one, up to 32 proposals
at a time: each moves once MEMBER's kernel has a socket bound to it, so
start MEMBER's services first. The connections established by then stay
here, through an entry each, until they close; stop this member's daemon
only once dhost owner show lists none of them, or they are reset.
MS (1-600000, default 10000) bounds the whole leave: each port waits for
MEMBER's socket for what is left of it; ports not moved by then stay this
member's, and it fails naming them (the first 16; the errno of the first:
ETIMEDOUT for no socket in time). A port released meanwhile is skipped; a
port of this member's ephemeral slice bound explicitly counts too. Refused
with EINVAL to this member itself or a non-member, EBUSY while a port is
being drained to this member, EHOSTUNREACH while this member is not in
sync with the group. Run it on the member that leaves, as the user of the
daemon or root. Prints \"member left to member MEMBER: N ports moved; P
connections stay here\"; with -j an object
{addr, to, ports, pins}.";

const OWNER_ARGS_HELP: &str = "\
ADDR is an IPv4 or IPv6 address. PORT is one port or a range FIRST-LAST
(1-65535). With remote RADDR:RPORT (IPv4) or [RADDR6]:RPORT (IPv6), of the
family of ADDR, the entry is one connection, of one port. VR is the VR of
ADDR (default 0). Packets of a connection go to its owner, else to the
owner of the port, else of a range holding the port. The entries are this
kernel's copy of the ownership database.";

#[derive(Debug, Subcommand)]
pub enum OwnerCommand {
    /// Record the owner of a port, a port range or a connection (replaces the one of the same key)
    #[command(
        override_usage = "vrctl dhost owner add <ADDR> tcp|udp <PORT>[-<LAST>] member <N> [remote <RADDR>:<RPORT>|[<RADDR6>]:<RPORT>] [vr <VR>]",
        after_help = OWNER_ARGS_HELP
    )]
    Add {
        /// ADDR tcp|udp PORT[-LAST], member N, remote RADDR:RPORT|[RADDR6]:RPORT, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Remove the entry of a port, a port range or a connection
    #[command(
        visible_alias = "delete",
        override_usage = "vrctl dhost owner del <ADDR> tcp|udp <PORT>[-<LAST>] [remote <RADDR>:<RPORT>|[<RADDR6>]:<RPORT>] [vr <VR>]",
        after_help = OWNER_ARGS_HELP
    )]
    Del {
        /// ADDR tcp|udp PORT[-LAST], remote RADDR:RPORT|[RADDR6]:RPORT, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Show the ownership entries, one line each
    #[command(
        visible_alias = "list",
        after_help = "\
Prints each entry in the words of owner add, e.g. \"10.0.0.100 tcp 80
member 2\", \"10.0.0.100 udp 40000-49999 member 3\", \"10.0.0.100 tcp
80 remote 10.0.0.2:40000 member 2 vr 1\" (vr unless 0) or \"fd00:9::100
tcp 80 remote [fd00:9::13]:40000 member 2\". With -j an array of {addr, vr,
proto, port, port_last, remote, remote_port, member}."
    )]
    Show,
}

/// A `vrctl dhost` command with its parsed arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DhostRequest {
    Set(DhostSet),
    Del(DhostDel),
    Show,
    Owner(OwnerOp, OwnerArgs),
    OwnerShow,
    Drain(DhostDrain),
    Leave(DhostLeave),
}

/// Parses the arguments of a `vrctl dhost` command; a bad argument is a
/// usage error of that command, found before anything is sent.
fn dhost_request(command: &DhostCommand) -> error::Result<DhostRequest> {
    let usage = |cmd: &'static [&'static str]| move |msg| Error::Usage { cmd, msg };
    Ok(match command {
        DhostCommand::Set { args } => {
            DhostRequest::Set(parse_dhost_set(args).map_err(usage(&["dhost", "set"]))?)
        }
        DhostCommand::Del { args } => {
            DhostRequest::Del(parse_dhost_del(args).map_err(usage(&["dhost", "del"]))?)
        }
        DhostCommand::Show => DhostRequest::Show,
        DhostCommand::Drain { args } => {
            DhostRequest::Drain(parse_dhost_drain(args).map_err(usage(&["dhost", "drain"]))?)
        }
        DhostCommand::Leave { args } => {
            DhostRequest::Leave(parse_dhost_leave(args).map_err(usage(&["dhost", "leave"]))?)
        }
        DhostCommand::Owner { command } => match command {
            OwnerCommand::Add { args } => DhostRequest::Owner(
                OwnerOp::Add,
                parse_owner(OwnerOp::Add, args).map_err(usage(&["dhost", "owner", "add"]))?,
            ),
            OwnerCommand::Del { args } => DhostRequest::Owner(
                OwnerOp::Del,
                parse_owner(OwnerOp::Del, args).map_err(usage(&["dhost", "owner", "del"]))?,
            ),
            OwnerCommand::Show => DhostRequest::OwnerShow,
        },
        DhostCommand::Daemon { args } => return Err(daemon_moved(args)),
    })
}

/// `vrctl dhost daemon ARGS`, gone: a usage error naming vr-dhostd(8)
/// with the same arguments.
fn daemon_moved(args: &[OsString]) -> Error {
    let args = if args.is_empty() {
        "members <N=ADDR[:PORT],...> [listen <ADDR[:PORT]>] [vr <VR>] [name <NAME>] ...".to_owned()
    } else {
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    };
    Error::Usage {
        cmd: &["dhost"],
        msg: format!("the ownership daemon is vr-dhostd(8) now: vr-dhostd {args}"),
    }
}

/// Runs a `vrctl dhost` command with the sockets of `ctx`.
pub fn run(ctx: &mut Ctx, command: Command, fmt: Format, out: &mut dyn Write) -> error::Result<()> {
    let Command::Dhost { command } = command;
    match dhost_request(&command)? {
        DhostRequest::Set(args) => set(ctx, &args),
        DhostRequest::Del(args) => del(ctx, &args),
        DhostRequest::Show => show(ctx, fmt, out),
        DhostRequest::Owner(op, args) => owner_modify(ctx, op, &args),
        DhostRequest::OwnerShow => owner_show(ctx, fmt, out),
        DhostRequest::Drain(args) => drain(ctx, &args, fmt, out),
        DhostRequest::Leave(args) => leave(ctx, &args, fmt, out),
    }
}

/// `dhost set`: the interface name is resolved first, then the kernel has
/// its say (the address must be configured on the interface).
pub fn set(ctx: &mut Ctx, args: &DhostSet) -> error::Result<()> {
    let index = ifindex(&args.dev)?;
    ctx.genl()?
        .request(DhostMessage::set(args.addr, index, args.member, args.lead))?;
    Ok(())
}

pub fn del(ctx: &mut Ctx, args: &DhostDel) -> error::Result<()> {
    ctx.genl()?.request(DhostMessage::del(args.addr, args.vr))?;
    Ok(())
}

/// `dhost show`: the distributed addresses by VR and address, with their
/// interface names.
pub fn show(ctx: &mut Ctx, fmt: Format, out: &mut dyn Write) -> error::Result<()> {
    let mut dhosts = dhosts(ctx.genl()?)?;
    dhosts.sort_by_key(|d| (d.vr, d.addr, d.ifindex));
    for d in &mut dhosts {
        d.dev = ifname(d.ifindex);
    }
    let text = if fmt.json {
        dhosts_json(&dhosts, fmt.pretty).map_err(json_error)?
    } else {
        dhosts_text(&dhosts)
    };
    write_out(out, &text)
}

/// `dhost owner add|del`.
pub fn owner_modify(ctx: &mut Ctx, op: OwnerOp, args: &OwnerArgs) -> error::Result<()> {
    ctx.genl()?.request(owner_request(op, args))?;
    Ok(())
}

/// The change of a `vrctl dhost owner add|del` command with valid
/// arguments; None for any other command (or bad arguments: run alone,
/// it says what is wrong).
pub fn owner_change(command: &Command) -> Option<(OwnerOp, OwnerArgs)> {
    let Command::Dhost { command } = command;
    match dhost_request(command).ok()? {
        DhostRequest::Owner(op, args) => Some((op, args)),
        _ => None,
    }
}

/// How [`owner_batch`] went.
#[derive(Debug)]
pub enum Batched {
    /// Every change is done.
    Done,
    /// The changes before `index` are done, change `index` was refused
    /// with `error`, the others are not done.
    Failed { index: usize, error: Error },
    /// The changes before `from` are done; the others are to be done one
    /// by one (the kernel has no owner-batch, or refused one of them and
    /// `force` asks for every other one to be done all the same, or did
    /// not say which one it refused).
    OneByOne { from: usize },
}

/// Consecutive `dhost owner add|del` of a batch file (`changes`), as
/// owner-batch requests without missing-ok: each all or nothing, with
/// what the commands one after the other would do (a del of an entry that
/// is not there fails). A refused request leaves its changes to be done
/// one by one with `force`; without it, those before the change the
/// kernel's extended ACK points at are done, and that one is the failure.
pub fn owner_batch(ctx: &mut Ctx, changes: &[(OwnerOp, OwnerArgs)], force: bool) -> Batched {
    if !ctx.owner_batch() {
        return Batched::OneByOne { from: 0 };
    }
    let changes: Vec<(OwnerOp, &OwnerArgs)> = changes.iter().map(|(op, a)| (*op, a)).collect();
    for batch in owner_batches(changes.iter().copied(), false) {
        let from = batch.entries.start;
        // The commands one by one say why there is no socket.
        let Ok(sock) = ctx.genl() else {
            return Batched::OneByOne { from };
        };
        let Err(e) = send_owner_batch(sock, &batch) else {
            continue;
        };
        if e.unsupported() {
            ctx.no_owner_batch();
            return Batched::OneByOne { from };
        }
        if !e.refused() {
            // The socket failed: the first command of the request fails.
            return Batched::Failed {
                index: from,
                error: e.error.into(),
            };
        }
        let Some(index) = e.entry.filter(|i| !force && batch.entries.contains(i)) else {
            return Batched::OneByOne { from };
        };
        // The changes before the refused one, as their commands would.
        for before in owner_batches(changes[from..index].iter().copied(), false) {
            if send_owner_batch(sock, &before).is_err() {
                return Batched::OneByOne {
                    from: from + before.entries.start,
                };
            }
        }
        return Batched::Failed {
            index,
            error: e.error.into(),
        };
    }
    Batched::Done
}

/// `dhost owner show`: the kernel's copy of the ownership database, by
/// VR, address, protocol and ports.
pub fn owner_show(ctx: &mut Ctx, fmt: Format, out: &mut dyn Write) -> error::Result<()> {
    let replies = ctx.genl()?.dump(OwnerMessage::dump())?;
    let mut owners = replies
        .iter()
        .map(|m| Owner::from_attrs(&m.attrs).map_err(Error::protocol))
        .collect::<error::Result<Vec<_>>>()?;
    owners.sort_by_key(Owner::sort_key);
    let text = if fmt.json {
        owners_json(&owners, fmt.pretty).map_err(json_error)?
    } else {
        owners_text(&owners)
    };
    write_out(out, &text)
}

/// `dhost drain`: the VR of the address from the kernel, then the request
/// to the vr-dhostd of that VR, which answers once the port moved (or
/// the drain failed).
pub fn drain(
    ctx: &mut Ctx,
    args: &DhostDrain,
    fmt: Format,
    out: &mut dyn Write,
) -> error::Result<()> {
    let vr = drain_vr(&dhosts(ctx.genl()?)?, args.addr)?;
    match ask_daemon(vr, &drain_request_line(args), args.wait_ms)? {
        DrainAnswer::Moved { from, pins } => {
            let text = if fmt.json {
                drain_json(args, from, pins, fmt.pretty).map_err(json_error)?
            } else {
                drain_text(args, from, pins)
            };
            write_out(out, &text)
        }
        answer => Err(daemon_refusal(answer)),
    }
}

/// `dhost leave`: as `dhost drain`, for every port of this member.
pub fn leave(
    ctx: &mut Ctx,
    args: &DhostLeave,
    fmt: Format,
    out: &mut dyn Write,
) -> error::Result<()> {
    let vr = drain_vr(&dhosts(ctx.genl()?)?, args.addr)?;
    match ask_daemon(vr, &leave_request_line(args), args.wait_ms)? {
        DrainAnswer::Left { ports, pins } => {
            let text = if fmt.json {
                to_json(
                    &LeaveJson {
                        addr: args.addr,
                        to: args.to,
                        ports,
                        pins,
                    },
                    fmt.pretty,
                )
                .map_err(json_error)?
            } else {
                leave_text(args, ports, pins)
            };
            write_out(out, &text)
        }
        answer => Err(daemon_refusal(answer)),
    }
}

/// The daemon's refusal, printed as the kernel's are; an answer of the
/// other request's form is an unexpected answer.
fn daemon_refusal(answer: DrainAnswer) -> Error {
    match answer {
        DrainAnswer::Refused { errno, text } => Error::Netlink(vr_netlink::Error::Kernel {
            errno,
            msg: (!text.is_empty()).then_some(text),
        }),
        other => Error::io(
            "unexpected answer from vr-dhostd",
            io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
        ),
    }
}

/// An error of `dhost drain` printed as a refusal of the kernel is:
/// `MSG (strerror)`.
fn drain_error(errno: i32, msg: String) -> Error {
    Error::Netlink(vr_netlink::Error::Kernel {
        errno,
        msg: Some(msg),
    })
}

/// The VR of the distributed address `addr` among `dhosts` (a dump of
/// the kernel's): ENOENT if it is not distributed, EINVAL if it is in
/// several VRs (`dhost drain` cannot choose).
fn drain_vr(dhosts: &[Dhost], addr: IpAddr) -> error::Result<u32> {
    let mut vrs: Vec<u32> = dhosts
        .iter()
        .filter(|d| d.addr.to_canonical() == addr)
        .map(|d| d.vr)
        .collect();
    vrs.sort_unstable();
    vrs.dedup();
    match vrs[..] {
        [vr] => Ok(vr),
        [] => Err(drain_error(
            libc::ENOENT,
            format!("{addr} is not a distributed address"),
        )),
        _ => Err(drain_error(
            libc::EINVAL,
            format!(
                "{addr} is a distributed address of several VRs ({})",
                vrs.iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The abstract name (without its leading NUL) of the control socket of
/// the vr-dhostd of VR `vr`.
pub fn drain_socket_name(vr: u32) -> String {
    format!("vr-dhostd/vr{vr}")
}

/// How much longer than the drain's own wait vrctl waits for the answer.
const DRAIN_ANSWER_GRACE_MS: u64 = 5000;

/// The longest answer line of the daemon, newline included.
const DRAIN_ANSWER_MAX: usize = 4096;

/// Sends `request` (one line) to the vr-dhostd of VR `vr` and reads its
/// answer (one line), waiting `wait_ms` and a grace period for it.
fn ask_daemon(vr: u32, request: &str, wait_ms: u32) -> error::Result<DrainAnswer> {
    let name = UnixSocketAddr::from_abstract_name(drain_socket_name(vr))
        .map_err(|e| Error::io("cannot name the socket of vr-dhostd", e))?;
    let timeout = Duration::from_millis(u64::from(wait_ms) + DRAIN_ANSWER_GRACE_MS);
    exchange(&name, vr, request, timeout)
}

/// The exchange of [`ask_daemon`] on the socket `name`, the answer awaited
/// for `timeout`.
fn exchange(
    name: &UnixSocketAddr,
    vr: u32,
    request: &str,
    timeout: Duration,
) -> error::Result<DrainAnswer> {
    let stream = UnixStream::connect_addr(name).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        match errno {
            libc::ECONNREFUSED | libc::ENOENT => {
                drain_error(errno, format!("no vr-dhostd runs for VR {vr}"))
            }
            _ => drain_error(errno, format!("cannot connect to the vr-dhostd of VR {vr}")),
        }
    })?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| Error::io("cannot set the timeout of the vr-dhostd socket", e))?;
    (&stream)
        .write_all(request.as_bytes())
        .map_err(|e| Error::io("cannot send the request to vr-dhostd", e))?;
    let line = match read_answer(&stream) {
        Ok(Some(line)) => line,
        Ok(None) => {
            return Err(Error::io(
                "vr-dhostd gave no answer",
                io::Error::new(io::ErrorKind::UnexpectedEof, "it closed the connection"),
            ))
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            return Err(Error::io(
                "vr-dhostd gave no answer",
                io::Error::from_raw_os_error(libc::ETIMEDOUT),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(Error::io("unexpected answer from vr-dhostd", e))
        }
        Err(e) => return Err(Error::io("cannot read the answer of vr-dhostd", e)),
    };
    let line = String::from_utf8_lossy(&line);
    parse_drain_answer(&line).ok_or_else(|| {
        Error::io(
            "unexpected answer from vr-dhostd",
            io::Error::new(io::ErrorKind::InvalidData, format!("{line:?}")),
        )
    })
}

/// Reads one line, up to its newline (dropped) and at most
/// [`DRAIN_ANSWER_MAX`] bytes with it: None at the end of the input before
/// a newline, an InvalidData error for a longer line.
fn read_answer(r: impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    BufReader::new(r.take(DRAIN_ANSWER_MAX as u64)).read_until(b'\n', &mut line)?;
    if line.pop() == Some(b'\n') {
        return Ok(Some(line));
    }
    if line.len() + 1 >= DRAIN_ANSWER_MAX {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {DRAIN_ANSWER_MAX} bytes"),
        ));
    }
    Ok(None)
}

/// The request line of `dhost drain` to vr-dhostd, newline included:
/// `drain ADDR tcp|udp PORT to MEMBER wait MS`, ADDR as `IpAddr` prints
/// it (an IPv6 address without brackets).
pub fn drain_request_line(d: &DhostDrain) -> String {
    format!(
        "drain {} {} {} to {} wait {}\n",
        d.addr,
        proto_name(u32::from(d.proto)),
        d.port,
        d.to,
        d.wait_ms
    )
}

/// The request line of `dhost leave` to vr-dhostd, newline included:
/// `leave to MEMBER wait MS`.
pub fn leave_request_line(l: &DhostLeave) -> String {
    format!("leave to {} wait {}\n", l.to, l.wait_ms)
}

/// The answer of vr-dhostd to a drain or a leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainAnswer {
    /// `ok from FROM pins N`: the port moved from member FROM, which keeps
    /// N connections.
    Moved { from: u32, pins: u32 },
    /// `ok ports N pins P` (a leave): N ports moved, P connections stay.
    Left { ports: u32, pins: u32 },
    /// `error ERRNO TEXT`: the drain failed; ERRNO is a positive errno,
    /// TEXT (maybe empty) says why.
    Refused { errno: i32, text: String },
}

/// Parses an answer line of vr-dhostd (without its newline); None for
/// anything else than the two forms of [`DrainAnswer`].
pub fn parse_drain_answer(line: &str) -> Option<DrainAnswer> {
    /// Decimal digits only (no sign, no blank).
    fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }
    if let Some(rest) = line.strip_prefix("ok ") {
        let words: Vec<&str> = rest.split(' ').collect();
        if let ["ports", ports, "pins", pins] = words[..] {
            return Some(DrainAnswer::Left {
                ports: number(ports)?,
                pins: number(pins)?,
            });
        }
        let ["from", from, "pins", pins] = words[..] else {
            return None;
        };
        let from = number(from).filter(|f| (1..=MEMBER_MAX).contains(f))?;
        return Some(DrainAnswer::Moved {
            from,
            pins: number(pins)?,
        });
    }
    let rest = line.strip_prefix("error ")?;
    let (errno, text) = rest.split_once(' ').unwrap_or((rest, ""));
    Some(DrainAnswer::Refused {
        errno: number(errno).filter(|&e: &i32| e > 0)?,
        text: text.to_owned(),
    })
}

/// `vrctl dhost drain`'s line, e.g. `tcp 10.9.0.100:8060 moved to member
/// 3; 20 connections stay with member 2`.
pub fn drain_text(d: &DhostDrain, from: u32, pins: u32) -> String {
    format!(
        "{} {} moved to member {}; {pins} connections stay with member {from}\n",
        proto_name(u32::from(d.proto)),
        SocketAddr::new(d.addr, d.port),
        d.to
    )
}

/// `vrctl dhost leave`'s line, e.g. `member left to member 3: 4 ports
/// moved; 20 connections stay here`.
pub fn leave_text(l: &DhostLeave, ports: u32, pins: u32) -> String {
    format!(
        "member left to member {}: {ports} ports moved; {pins} connections stay here\n",
        l.to
    )
}

#[derive(Serialize)]
struct LeaveJson {
    addr: IpAddr,
    to: u32,
    ports: u32,
    pins: u32,
}

#[derive(Serialize)]
struct DrainJson {
    addr: IpAddr,
    proto: String,
    port: u16,
    to: u32,
    from: u32,
    pins: u32,
}

/// `vrctl -j dhost drain`: one JSON object.
pub fn drain_json(
    d: &DhostDrain,
    from: u32,
    pins: u32,
    pretty: bool,
) -> serde_json::Result<String> {
    to_json(
        &DrainJson {
            addr: d.addr,
            proto: proto_name(u32::from(d.proto)),
            port: d.port,
            to: d.to,
            from,
            pins,
        },
        pretty,
    )
}

/// `vrctl dhost set ADDR dev IFNAME member N lead M`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhostSet {
    /// IPv4 or IPv6; never an IPv4-mapped IPv6 address.
    pub addr: IpAddr,
    pub dev: OsString,
    pub member: u32,
    pub lead: u32,
}

/// `vrctl dhost del ADDR [vr K]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhostDel {
    /// IPv4 or IPv6; never an IPv4-mapped IPv6 address.
    pub addr: IpAddr,
    pub vr: Option<u32>,
}

/// The default wait of `dhost drain`, in ms.
pub const DRAIN_WAIT_MS: u32 = 10_000;

/// The longest wait of `dhost drain`, in ms.
pub const DRAIN_WAIT_MAX_MS: u32 = 600_000;

/// `vrctl dhost drain ADDR tcp|udp PORT to MEMBER [wait MS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhostDrain {
    /// IPv4 or IPv6; never an IPv4-mapped IPv6 address.
    pub addr: IpAddr,
    pub proto: u8,
    pub port: u16,
    /// The member the port goes to.
    pub to: u32,
    /// How long the daemon waits for the socket of `to`.
    pub wait_ms: u32,
}

/// `vrctl dhost leave ADDR to MEMBER [wait MS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhostLeave {
    /// A distributed address of the host (its VR names the daemon).
    pub addr: IpAddr,
    /// The member the ports go to.
    pub to: u32,
    /// How long the daemon waits for each socket of `to`.
    pub wait_ms: u32,
}

/// An IPv4 (`A.B.C.D`) or IPv6 address; an IPv4-mapped IPv6 one
/// (`::ffff:A.B.C.D`) is that IPv4 address, as the kernel and vr-dhostd
/// key it. The rest (link-local, multicast, ...) is the kernel's to refuse.
fn parse_addr(arg: &OsString) -> Result<IpAddr, String> {
    let s = utf8(arg, "address")?;
    s.parse::<IpAddr>()
        .map(|a| a.to_canonical())
        .map_err(|_| format!("invalid address {s:?} (expected an IPv4 or IPv6 address)"))
}

fn parse_port(s: &str, what: &str) -> Result<u16, String> {
    let n = parse_number(&OsString::from(s), what, u32::from(u16::MAX))?;
    Ok(n as u16)
}

/// `PORT` or `FIRST-LAST`; a range of one port is that port.
fn parse_ports(arg: &OsString) -> Result<(u16, Option<u16>), String> {
    let s = utf8(arg, "port")?;
    let Some((first, last)) = s.split_once('-') else {
        return Ok((parse_port(s, "port")?, None));
    };
    let first = parse_port(first, "port")
        .map_err(|_| format!("invalid port range {s:?} (expected FIRST-LAST, 1-65535)"))?;
    let last = parse_port(last, "port")
        .map_err(|_| format!("invalid port range {s:?} (expected FIRST-LAST, 1-65535)"))?;
    if last < first {
        return Err(format!(
            "invalid port range {s:?} (the last port is below the first)"
        ));
    }
    Ok((first, (last != first).then_some(last)))
}

fn parse_proto(arg: &OsString) -> Result<u8, String> {
    match arg.to_str() {
        Some("tcp") => Ok(IPPROTO_TCP),
        Some("udp") => Ok(IPPROTO_UDP),
        _ => Err(format!(
            "invalid protocol {:?} (expected tcp or udp)",
            arg.to_string_lossy()
        )),
    }
}

/// `A.B.C.D:RPORT` or `[RADDR6]:RPORT`, neither the address unspecified nor
/// the port 0, without a scope id (the kernel keys a connection by address and port
/// only). An IPv4-mapped RADDR6 is that IPv4 address, as in [`parse_addr`].
fn parse_remote(arg: &OsString) -> Result<SocketAddr, String> {
    let s = utf8(arg, "remote")?;
    s.parse::<SocketAddr>()
        .ok()
        .filter(|r| match r {
            SocketAddr::V4(_) => true,
            SocketAddr::V6(r) => r.scope_id() == 0,
        })
        .map(|r| SocketAddr::new(r.ip().to_canonical(), r.port()))
        .filter(|r| !r.ip().is_unspecified() && r.port() != 0)
        .ok_or_else(|| {
            format!("invalid remote {s:?} (expected A.B.C.D:PORT or [X:X::X]:PORT, port 1-65535)")
        })
}

/// The family of `addr` in words, for the errors.
fn family(addr: &IpAddr) -> &'static str {
    if addr.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// Parses `ADDR`, `dev IFNAME`, `member N` and `lead M` in any order, each
/// exactly once. An error is a usage error's message.
pub fn parse_dhost_set(args: &[OsString]) -> Result<DhostSet, String> {
    let split = split(args, &["dev", "member", "lead"])?;
    let mut addr = None;
    for arg in split.positional {
        if addr.is_some() {
            return Err(unexpected(arg));
        }
        addr = Some(parse_addr(arg)?);
    }
    let (mut dev, mut member, mut lead) = (None, None, None);
    for (keyword, value) in split.keywords {
        match keyword {
            "dev" => set_once(&mut dev, parse_dev(value)?, "\"dev\"")?,
            "member" => set_once(&mut member, parse_member(value, "member id")?, "\"member\"")?,
            // 0: no lead known (what a daemon that stood down sets).
            "lead" if value == "0" => set_once(&mut lead, 0, "\"lead\"")?,
            _ => set_once(
                &mut lead,
                parse_member(value, "lead member id")?,
                "\"lead\"",
            )?,
        }
    }
    Ok(DhostSet {
        addr: addr.ok_or("an address is required")?,
        dev: dev.ok_or("\"dev <IFNAME>\" is required")?,
        member: member.ok_or("\"member <N>\" is required")?,
        lead: lead.ok_or("\"lead <M>\" is required")?,
    })
}

/// Parses `ADDR` and the optional `vr K`, in any order.
pub fn parse_dhost_del(args: &[OsString]) -> Result<DhostDel, String> {
    let split = split(args, &["vr"])?;
    let mut addr = None;
    for arg in split.positional {
        if addr.is_some() {
            return Err(unexpected(arg));
        }
        addr = Some(parse_addr(arg)?);
    }
    let mut vr = None;
    for (_, value) in split.keywords {
        set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?;
    }
    Ok(DhostDel {
        addr: addr.ok_or("an address is required")?,
        vr,
    })
}

/// Parses `ADDR tcp|udp PORT[-LAST]` (in this order, the keywords may come
/// between them), `remote RADDR:RPORT` or `remote [RADDR6]:RPORT`, `vr K`
/// and, for add, `member N`. add needs the member; a connection is of one
/// port, not of a range, and its remote of the family of ADDR.
pub fn parse_owner(op: OwnerOp, args: &[OsString]) -> Result<OwnerArgs, String> {
    let keywords: &[&'static str] = match op {
        OwnerOp::Add => &["member", "remote", "vr"],
        OwnerOp::Del => &["remote", "vr"],
    };
    let split = split(args, keywords)?;
    let mut positional = split.positional.into_iter();
    let mut next = |missing: &str| positional.next().ok_or_else(|| missing.to_string());
    let addr = parse_addr(next("an address is required")?)?;
    let proto = parse_proto(next("a protocol is required (tcp or udp)")?)?;
    let (port, port_last) = parse_ports(next("a port or a port range is required")?)?;
    if let Some(arg) = positional.next() {
        if op == OwnerOp::Del && arg.to_str() == Some("member") {
            return Err(
                "unexpected argument \"member\" (del takes the key of the entry only)".into(),
            );
        }
        return Err(unexpected(arg));
    }
    let (mut member, mut remote, mut vr) = (None, None, None);
    for (keyword, value) in split.keywords {
        match keyword {
            "member" => set_once(&mut member, parse_member(value, "member id")?, "\"member\"")?,
            "remote" => set_once(&mut remote, parse_remote(value)?, "\"remote\"")?,
            _ => set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?,
        }
    }
    if op == OwnerOp::Add && member.is_none() {
        return Err("\"member <N>\" is required".into());
    }
    if remote.is_some() && port_last.is_some() {
        return Err("a connection (remote) is of one port, not of a port range".into());
    }
    if let Some(r) = remote.filter(|r| r.is_ipv4() != addr.is_ipv4()) {
        return Err(format!(
            "remote {r} is {} but the address {addr} is {} (a connection is of one family)",
            family(&r.ip()),
            family(&addr),
        ));
    }
    Ok(OwnerArgs {
        addr,
        vr,
        proto,
        port,
        port_last,
        remote,
        member,
    })
}

/// Parses `ADDR tcp|udp PORT` (in this order, the keywords may come
/// between them), `to MEMBER` and the optional `wait MS`. A drain moves
/// one port, not a range.
pub fn parse_dhost_drain(args: &[OsString]) -> Result<DhostDrain, String> {
    let split = split(args, &["to", "wait"])?;
    let mut positional = split.positional.into_iter();
    let mut next = |missing: &str| positional.next().ok_or_else(|| missing.to_string());
    let addr = parse_addr(next("an address is required")?)?;
    let proto = parse_proto(next("a protocol is required (tcp or udp)")?)?;
    let (port, last) = parse_ports(next("a port is required")?)?;
    if last.is_some() {
        return Err("a drain moves one port, not a port range".into());
    }
    if let Some(arg) = positional.next() {
        return Err(unexpected(arg));
    }
    let (to, wait_ms) = parse_to_wait(&split.keywords)?;
    Ok(DhostDrain {
        addr,
        proto,
        port,
        to,
        wait_ms,
    })
}

/// The `to MEMBER` (required) and `wait MS` (default [`DRAIN_WAIT_MS`])
/// of `dhost drain` and `dhost leave`, from the keywords of [`split`].
fn parse_to_wait(keywords: &[(&'static str, &OsString)]) -> Result<(u32, u32), String> {
    let (mut to, mut wait_ms) = (None, None);
    for &(keyword, value) in keywords {
        match keyword {
            "to" => set_once(&mut to, parse_member(value, "member id")?, "\"to\"")?,
            _ => set_once(
                &mut wait_ms,
                parse_number(value, "wait", DRAIN_WAIT_MAX_MS)?,
                "\"wait\"",
            )?,
        }
    }
    Ok((
        to.ok_or("\"to <MEMBER>\" is required")?,
        wait_ms.unwrap_or(DRAIN_WAIT_MS),
    ))
}

/// Parses `ADDR`, `to MEMBER` and the optional `wait MS`.
pub fn parse_dhost_leave(args: &[OsString]) -> Result<DhostLeave, String> {
    let split = split(args, &["to", "wait"])?;
    let mut positional = split.positional.into_iter();
    let addr = parse_addr(positional.next().ok_or("an address is required")?)?;
    if let Some(arg) = positional.next() {
        return Err(unexpected(arg));
    }
    let (to, wait_ms) = parse_to_wait(&split.keywords)?;
    Ok(DhostLeave { addr, to, wait_ms })
}

/// `vrctl dhost show`: one line per distributed address, e.g.
/// `10.0.0.100 dev eth0 vr 0 member 2 lead 1 role member`.
pub fn dhosts_text(dhosts: &[Dhost]) -> String {
    dhosts
        .iter()
        .map(|d| {
            format!(
                "{} dev {} vr {} member {} lead {} role {}\n",
                d.addr,
                dev_name(d.ifindex, &d.dev),
                d.vr,
                d.member,
                match d.lead {
                    0 => "-".to_owned(),
                    l => l.to_string(),
                },
                d.role()
            )
        })
        .collect()
}

#[derive(Serialize)]
struct DhostJson<'a> {
    addr: IpAddr,
    vr: u32,
    ifindex: u32,
    ifname: Option<&'a str>,
    member: u32,
    lead: u32,
    role: &'static str,
}

/// `vrctl -j dhost show`: one JSON array; `ifname` is null for an
/// interface vrctl cannot name.
pub fn dhosts_json(dhosts: &[Dhost], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<DhostJson> = dhosts
        .iter()
        .map(|d| DhostJson {
            addr: d.addr,
            vr: d.vr,
            ifindex: d.ifindex,
            ifname: d.dev.as_deref(),
            member: d.member,
            lead: d.lead,
            role: d.role(),
        })
        .collect();
    to_json(&v, pretty)
}

/// `vrctl dhost owner show`: one line per entry, in the words of
/// `owner add`, e.g. `10.0.0.100 tcp 40000-49999 member 3` or
/// `10.0.0.100 tcp 80 remote 10.0.0.2:40000 member 2 vr 1` (`vr` unless 0);
/// the remote of an IPv6 entry is `[ADDR]:PORT`.
pub fn owners_text(owners: &[Owner]) -> String {
    owners
        .iter()
        .map(|o| {
            let mut s = format!("{} {} {}", o.addr, proto_name(o.proto), o.ports());
            match o.remote {
                Some((IpAddr::V4(addr), port)) => s += &format!(" remote {addr}:{port}"),
                Some((IpAddr::V6(addr), port)) => s += &format!(" remote [{addr}]:{port}"),
                None => {}
            }
            s += &format!(" member {}", o.member);
            if o.vr != 0 {
                s += &format!(" vr {}", o.vr);
            }
            s.push('\n');
            s
        })
        .collect()
}

#[derive(Serialize)]
struct OwnerJson {
    addr: IpAddr,
    vr: u32,
    proto: String,
    port: u32,
    port_last: u32,
    remote: Option<IpAddr>,
    remote_port: Option<u32>,
    member: u32,
}

/// `vrctl -j dhost owner show`: one JSON array. Every key is always there:
/// `port_last` equals `port` but for a range, `remote` and `remote_port`
/// are null but for a connection.
pub fn owners_json(owners: &[Owner], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<OwnerJson> = owners
        .iter()
        .map(|o| OwnerJson {
            addr: o.addr,
            vr: o.vr,
            proto: proto_name(o.proto),
            port: o.port,
            port_last: o.port_last,
            remote: o.remote.map(|(a, _)| a),
            remote_port: o.remote.map(|(_, p)| p),
            member: o.member,
        })
        .collect();
    to_json(&v, pretty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use netlink_packet_generic::GenlFamily;
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    use vr_netlink::testing::{emitted, tlv};
    use vr_netlink::Cmd;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn u32_attr(kind: u16, v: u32) -> Vec<u8> {
        tlv(kind, &v.to_ne_bytes())
    }

    const ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);

    #[test]
    fn dhost_set_arguments() {
        let want = DhostSet {
            addr: ADDR.into(),
            dev: "eth0".into(),
            member: 2,
            lead: 1,
        };
        let a = parse_dhost_set(&os(&[
            "10.0.0.100",
            "dev",
            "eth0",
            "member",
            "2",
            "lead",
            "1",
        ]));
        assert_eq!(a.as_ref(), Ok(&want));
        // Keywords in any order, the address among them.
        let a = parse_dhost_set(&os(&[
            "lead",
            "1",
            "member",
            "2",
            "10.0.0.100",
            "dev",
            "eth0",
        ]));
        assert_eq!(a, Ok(want));
        let a = parse_dhost_set(&os(&[
            "10.0.0.1", "dev", "d", "member", "65535", "lead", "65535",
        ]))
        .expect("valid");
        assert_eq!((a.member, a.lead), (65535, 65535));
        // Lead 0: no lead known.
        let a = parse_dhost_set(&os(&["10.0.0.1", "dev", "d", "member", "2", "lead", "0"]))
            .expect("valid");
        assert_eq!((a.member, a.lead), (2, 0));
    }

    #[test]
    fn dhost_set_argument_errors() {
        for (args, msg) in [
            (
                &["dev", "eth0", "member", "2", "lead", "1"][..],
                "an address is required",
            ),
            (
                &["10.0.0.100", "member", "2", "lead", "1"],
                "\"dev <IFNAME>\" is required",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "lead", "1"],
                "\"member <N>\" is required",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "2"],
                "\"lead <M>\" is required",
            ),
            (
                &["10.0.0.256", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"10.0.0.256\" (expected an IPv4 or IPv6 address)",
            ),
            (
                &["fd00::1::2", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"fd00::1::2\" (expected an IPv4 or IPv6 address)",
            ),
            (
                &["fe80::1%eth0", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"fe80::1%eth0\"",
            ),
            (
                &["[fd00::1]", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"[fd00::1]\"",
            ),
            (
                &["fd00::1/128", "dev", "eth0", "member", "2", "lead", "1"],
                "invalid address \"fd00::1/128\"",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "0", "lead", "1"],
                "invalid member id \"0\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "2", "lead", "65536"],
                "invalid lead member id \"65536\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "+2", "lead", "1"],
                "invalid member id \"+2\"",
            ),
            (
                &[
                    "10.0.0.100",
                    "dev",
                    "eth0",
                    "member",
                    "2",
                    "lead",
                    "1",
                    "10.0.0.1",
                ],
                "unexpected argument \"10.0.0.1\"",
            ),
            (
                &[
                    "10.0.0.100",
                    "dev",
                    "eth0",
                    "member",
                    "2",
                    "lead",
                    "1",
                    "vr",
                    "1",
                ],
                "unexpected argument \"vr\"",
            ),
            (
                &[
                    "10.0.0.100",
                    "dev",
                    "a",
                    "dev",
                    "b",
                    "member",
                    "2",
                    "lead",
                    "1",
                ],
                "\"dev\" given twice",
            ),
            (
                &["10.0.0.100", "dev", "", "member", "2", "lead", "1"],
                "empty interface name",
            ),
            (
                &["10.0.0.100", "dev", "eth0", "member", "2", "lead"],
                "\"lead\" needs a value",
            ),
        ] {
            match parse_dhost_set(&os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn dhost_del_arguments() {
        assert_eq!(
            parse_dhost_del(&os(&["10.0.0.100"])),
            Ok(DhostDel {
                addr: ADDR.into(),
                vr: None
            })
        );
        assert_eq!(
            parse_dhost_del(&os(&["vr", "3", "10.0.0.100"])),
            Ok(DhostDel {
                addr: ADDR.into(),
                vr: Some(3)
            })
        );
        // VR ids above 65535 are the kernel's to refuse, as elsewhere.
        assert_eq!(
            parse_dhost_del(&os(&["10.0.0.100", "vr", "70000"])).map(|a| a.vr),
            Ok(Some(70000))
        );
        for (args, msg) in [
            (&[][..], "an address is required"),
            (&["vr", "1"], "an address is required"),
            (&["10.0.0.100", "vr", "red"], "invalid VR id \"red\""),
            (&["10.0.0.100", "vr"], "\"vr\" needs a value"),
            (
                &["10.0.0.100", "10.0.0.101"],
                "unexpected argument \"10.0.0.101\"",
            ),
            (
                &["10.0.0.100", "dev", "eth0"],
                "unexpected argument \"dev\"",
            ),
        ] {
            match parse_dhost_del(&os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn owner_arguments() {
        let port = OwnerArgs {
            addr: ADDR.into(),
            vr: None,
            proto: IPPROTO_TCP,
            port: 80,
            port_last: None,
            remote: None,
            member: Some(2),
        };
        let p = |op, args: &[&str]| parse_owner(op, &os(args));
        assert_eq!(
            p(OwnerOp::Add, &["10.0.0.100", "tcp", "80", "member", "2"]),
            Ok(port.clone())
        );
        // Keywords before and between the positional arguments.
        assert_eq!(
            p(OwnerOp::Add, &["member", "2", "10.0.0.100", "tcp", "80"]),
            Ok(port.clone())
        );
        assert_eq!(
            p(
                OwnerOp::Add,
                &["10.0.0.100", "udp", "40000-49999", "member", "3", "vr", "1"]
            ),
            Ok(OwnerArgs {
                proto: IPPROTO_UDP,
                port: 40000,
                port_last: Some(49999),
                member: Some(3),
                vr: Some(1),
                ..port.clone()
            })
        );
        // A range of one port is that port.
        assert_eq!(
            p(OwnerOp::Add, &["10.0.0.100", "tcp", "80-80", "member", "2"]),
            Ok(port.clone())
        );
        let conn = p(
            OwnerOp::Add,
            &[
                "10.0.0.100",
                "tcp",
                "80",
                "remote",
                "10.0.0.2:40000",
                "member",
                "2",
            ],
        );
        assert_eq!(
            conn,
            Ok(OwnerArgs {
                remote: Some(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::new(10, 0, 0, 2),
                    40000
                ))),
                ..port.clone()
            })
        );
        assert_eq!(
            p(OwnerOp::Del, &["10.0.0.100", "tcp", "1-65535", "vr", "2"]),
            Ok(OwnerArgs {
                port: 1,
                port_last: Some(65535),
                vr: Some(2),
                member: None,
                ..port
            })
        );
    }

    #[test]
    fn owner_argument_errors() {
        for (op, args, msg) in [
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80"][..],
                "\"member <N>\" is required",
            ),
            (OwnerOp::Add, &[], "an address is required"),
            (OwnerOp::Add, &["member", "1"], "an address is required"),
            (
                OwnerOp::Add,
                &["10.0.0.100", "member", "1"],
                "a protocol is required (tcp or udp)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "member", "1"],
                "a port or a port range is required",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "sctp", "80", "member", "1"],
                "invalid protocol \"sctp\" (expected tcp or udp)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "TCP", "80", "member", "1"],
                "invalid protocol \"TCP\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.1000", "tcp", "80", "member", "1"],
                "invalid address \"10.0.0.1000\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "0", "member", "1"],
                "invalid port \"0\" (expected 1-65535)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "65536", "member", "1"],
                "invalid port \"65536\" (expected 1-65535)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "http", "member", "1"],
                "invalid port \"http\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "50000-40000", "member", "1"],
                "invalid port range \"50000-40000\" (the last port is below the first)",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "40000-", "member", "1"],
                "invalid port range \"40000-\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "1-2-3", "member", "1"],
                "invalid port range \"1-2-3\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "65536"],
                "invalid member id \"65536\" (expected 1-65535)",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "member",
                    "1",
                    "remote",
                    "10.0.0.2",
                ],
                "invalid remote \"10.0.0.2\" (expected A.B.C.D:PORT or [X:X::X]:PORT, \
                 port 1-65535)",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "member",
                    "1",
                    "remote",
                    "10.0.0.2:0",
                ],
                "invalid remote \"10.0.0.2:0\"",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "member",
                    "1",
                    "remote",
                    "0.0.0.0:5",
                ],
                "invalid remote \"0.0.0.0:5\"",
            ),
            (
                OwnerOp::Add,
                &[
                    "10.0.0.100",
                    "tcp",
                    "80-90",
                    "member",
                    "1",
                    "remote",
                    "10.0.0.2:5",
                ],
                "a connection (remote) is of one port, not of a port range",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "1", "member", "2"],
                "\"member\" given twice",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "1", "dev", "eth0"],
                "unexpected argument \"dev\"",
            ),
            (
                OwnerOp::Add,
                &["10.0.0.100", "tcp", "80", "member", "1", "vr", "x"],
                "invalid VR id \"x\"",
            ),
            (
                OwnerOp::Del,
                &["10.0.0.100", "tcp", "80", "member", "1"],
                "unexpected argument \"member\" (del takes the key of the entry only)",
            ),
            (
                OwnerOp::Del,
                &["10.0.0.100", "udp"],
                "a port or a port range is required",
            ),
        ] {
            match parse_owner(op, &os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    const ADDR6: Ipv6Addr = Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x100);
    const REMOTE6: Ipv6Addr = Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x13);

    #[test]
    fn ipv6_dhost_set_and_del_arguments() {
        let want = DhostSet {
            addr: ADDR6.into(),
            dev: "eth0".into(),
            member: 2,
            lead: 1,
        };
        for addr in ["fd00:9::100", "FD00:9:0:0:0:0:0:100", "fd00:9::0.0.1.0"] {
            assert_eq!(
                parse_dhost_set(&os(&[addr, "dev", "eth0", "member", "2", "lead", "1"])),
                Ok(want.clone()),
                "{addr}"
            );
        }
        assert_eq!(
            parse_dhost_del(&os(&["vr", "1", "fd00:9::100"])),
            Ok(DhostDel {
                addr: ADDR6.into(),
                vr: Some(1)
            })
        );
        // Link-local, multicast and the like are the kernel's to refuse
        // (EINVAL, with its message).
        assert_eq!(
            parse_dhost_del(&os(&["fe80::1"])).map(|a| a.addr),
            Ok("fe80::1".parse::<IpAddr>().expect("addr"))
        );
        let msg = DhostMessage::set(want.addr, 7, want.member, want.lead);
        let mut bytes = tlv(vr_netlink::dhost::ADDR6, &ADDR6.octets());
        bytes.extend(u32_attr(vr_netlink::dhost::IFINDEX, 7));
        bytes.extend(u32_attr(vr_netlink::dhost::MEMBER, 2));
        bytes.extend(u32_attr(vr_netlink::dhost::LEAD, 1));
        assert_eq!(emitted(&msg), bytes);
    }

    /// An IPv4-mapped IPv6 address is that IPv4 address: ADDR and RADDR
    /// alike, as the kernel (which refuses a mapped addr6) and vr-dhostd
    /// key them.
    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        let set = parse_dhost_set(&os(&[
            "::ffff:10.0.0.100",
            "dev",
            "eth0",
            "member",
            "2",
            "lead",
            "1",
        ]))
        .expect("valid");
        assert_eq!(set.addr, IpAddr::V4(ADDR));
        let mut want = tlv(vr_netlink::dhost::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::dhost::IFINDEX, 7));
        want.extend(u32_attr(vr_netlink::dhost::MEMBER, 2));
        want.extend(u32_attr(vr_netlink::dhost::LEAD, 1));
        assert_eq!(
            emitted(&DhostMessage::set(set.addr, 7, set.member, set.lead)),
            want
        );
        assert_eq!(
            parse_dhost_del(&os(&["::FFFF:a00:64"])).map(|a| a.addr),
            Ok(IpAddr::V4(ADDR))
        );
        let ipv4 = parse_owner(
            OwnerOp::Add,
            &os(&[
                "10.0.0.100",
                "tcp",
                "80",
                "remote",
                "10.0.0.2:40000",
                "member",
                "2",
            ]),
        )
        .expect("valid");
        for (addr, remote) in [
            ("::ffff:10.0.0.100", "[::ffff:10.0.0.2]:40000"),
            ("10.0.0.100", "[::ffff:10.0.0.2]:40000"),
            ("::ffff:10.0.0.100", "10.0.0.2:40000"),
        ] {
            let args = os(&[addr, "tcp", "80", "remote", remote, "member", "2"]);
            assert_eq!(
                parse_owner(OwnerOp::Add, &args),
                Ok(ipv4.clone()),
                "{args:?}"
            );
        }
        // The IPv4 address of a mapped remote is not of an IPv6 address's
        // family, and an unspecified one is refused as 0.0.0.0 is.
        for (args, msg) in [
            (
                &["fd00:9::100", "tcp", "80", "remote", "[::ffff:10.0.0.2]:5"][..],
                "remote 10.0.0.2:5 is IPv4 but the address fd00:9::100 is IPv6",
            ),
            (
                &["10.0.0.100", "tcp", "80", "remote", "[::ffff:0.0.0.0]:5"],
                "invalid remote \"[::ffff:0.0.0.0]:5\"",
            ),
        ] {
            match parse_owner(OwnerOp::Del, &os(args)) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn ipv6_owner_arguments() {
        let port = OwnerArgs {
            addr: ADDR6.into(),
            vr: None,
            proto: IPPROTO_TCP,
            port: 80,
            port_last: None,
            remote: None,
            member: Some(2),
        };
        let p = |op, args: &[&str]| parse_owner(op, &os(args));
        assert_eq!(
            p(OwnerOp::Add, &["fd00:9::100", "tcp", "80", "member", "2"]),
            Ok(port.clone())
        );
        assert_eq!(
            p(
                OwnerOp::Add,
                &[
                    "vr",
                    "1",
                    "fd00:9::100",
                    "udp",
                    "40000-49999",
                    "member",
                    "3"
                ]
            ),
            Ok(OwnerArgs {
                proto: IPPROTO_UDP,
                port: 40000,
                port_last: Some(49999),
                member: Some(3),
                vr: Some(1),
                ..port.clone()
            })
        );
        let conn = OwnerArgs {
            remote: Some(SocketAddr::V6(SocketAddrV6::new(REMOTE6, 40000, 0, 0))),
            ..port.clone()
        };
        let args = [
            "fd00:9::100",
            "tcp",
            "80",
            "remote",
            "[fd00:9::13]:40000",
            "member",
            "2",
        ];
        assert_eq!(p(OwnerOp::Add, &args), Ok(conn.clone()));
        let del = p(OwnerOp::Del, &args[..5]);
        assert_eq!(
            del,
            Ok(OwnerArgs {
                member: None,
                ..conn.clone()
            })
        );
        // addr6 and remote6 in the places of addr and remote.
        let mut key = tlv(vr_netlink::owner::ADDR6, &ADDR6.octets());
        key.extend(u32_attr(vr_netlink::owner::PROTO, 6));
        key.extend(u32_attr(vr_netlink::owner::PORT, 80));
        key.extend(tlv(vr_netlink::owner::REMOTE6, &REMOTE6.octets()));
        key.extend(u32_attr(vr_netlink::owner::REMOTE_PORT, 40000));
        let mut want = key.clone();
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        assert_eq!(emitted(&owner(OwnerOp::Add, &args)), want);
        assert_eq!(emitted(&owner(OwnerOp::Del, &args[..5])), key);
    }

    #[test]
    fn ipv6_owner_argument_errors() {
        let remote_msg = "(expected A.B.C.D:PORT or [X:X::X]:PORT, port 1-65535)";
        for (args, msg) in [
            (
                &["fd00:9::100", "tcp", "80", "remote", "10.0.0.2:40000"][..],
                "remote 10.0.0.2:40000 is IPv4 but the address fd00:9::100 is IPv6 \
                 (a connection is of one family)",
            ),
            (
                &["10.0.0.100", "tcp", "80", "remote", "[fd00:9::13]:40000"],
                "remote [fd00:9::13]:40000 is IPv6 but the address 10.0.0.100 is IPv4 \
                 (a connection is of one family)",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "fd00:9::13:40000"],
                "invalid remote \"fd00:9::13:40000\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "fd00:9::13"],
                "invalid remote \"fd00:9::13\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[fd00:9::13]"],
                "invalid remote \"[fd00:9::13]\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[fd00:9::13]:0"],
                "invalid remote \"[fd00:9::13]:0\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[fd00:9::13]:65536"],
                "invalid remote \"[fd00:9::13]:65536\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[::]:5"],
                "invalid remote \"[::]:5\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[fe80::1%2]:5"],
                "invalid remote \"[fe80::1%2]:5\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[10.0.0.2]:5"],
                "invalid remote \"[10.0.0.2]:5\"",
            ),
            (
                &["fd00:9::100", "tcp", "80", "remote", "[fd00:9::13]:5x"],
                "invalid remote \"[fd00:9::13]:5x\"",
            ),
            (
                &["[fd00:9::100]", "tcp", "80"],
                "invalid address \"[fd00:9::100]\" (expected an IPv4 or IPv6 address)",
            ),
            (
                &["fd00:9::100:80", "tcp"],
                "a port or a port range is required",
            ),
            (
                &["fd00:9:::100", "tcp", "80"],
                "invalid address \"fd00:9:::100\"",
            ),
            (
                &["fd00:9::100", "tcp", "80-90", "remote", "[fd00:9::13]:5"],
                "a connection (remote) is of one port, not of a port range",
            ),
        ] {
            for op in [OwnerOp::Add, OwnerOp::Del] {
                let mut args = os(args);
                if op == OwnerOp::Add {
                    args.extend(os(&["member", "2"]));
                }
                match parse_owner(op, &args) {
                    Err(e) => {
                        assert!(e.contains(msg), "{args:?}: {e}");
                        if msg.starts_with("invalid remote") {
                            assert!(e.ends_with(remote_msg), "{args:?}: {e}");
                        }
                    }
                    Ok(a) => panic!("{args:?} parsed as {a:?}"),
                }
            }
        }
    }

    #[test]
    fn encode_dhost_set() {
        let args = parse_dhost_set(&os(&[
            "10.0.0.100",
            "dev",
            "eth0",
            "member",
            "2",
            "lead",
            "1",
        ]))
        .expect("valid");
        let msg = DhostMessage::set(args.addr, 7, args.member, args.lead);
        assert_eq!(msg.cmd, Cmd::DhostSet);
        assert_eq!(msg.version(), 1);
        let mut want = tlv(vr_netlink::dhost::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::dhost::IFINDEX, 7));
        want.extend(u32_attr(vr_netlink::dhost::MEMBER, 2));
        want.extend(u32_attr(vr_netlink::dhost::LEAD, 1));
        assert_eq!(emitted(&msg), want);
        // The address bytes are the octets in network order, whatever the
        // host's byte order.
        assert_eq!(&emitted(&msg)[4..8], &[10, 0, 0, 100]);
    }

    fn owner(op: OwnerOp, args: &[&str]) -> OwnerMessage {
        owner_request(op, &parse_owner(op, &os(args)).expect("valid"))
    }

    #[test]
    fn encode_owner_of_a_port() {
        let msg = owner(OwnerOp::Add, &["10.0.0.100", "tcp", "80", "member", "2"]);
        assert_eq!(msg.cmd, Cmd::OwnerSet);
        let mut want = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::owner::PROTO, 6));
        want.extend(u32_attr(vr_netlink::owner::PORT, 80));
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        assert_eq!(emitted(&msg), want);
    }

    #[test]
    fn encode_owner_of_a_range_in_a_vr() {
        let msg = owner(
            OwnerOp::Add,
            &["10.0.0.100", "udp", "40000-49999", "member", "3", "vr", "1"],
        );
        let mut want = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        want.extend(u32_attr(vr_netlink::owner::VR, 1));
        want.extend(u32_attr(vr_netlink::owner::PROTO, 17));
        want.extend(u32_attr(vr_netlink::owner::PORT, 40000));
        want.extend(u32_attr(vr_netlink::owner::PORT_LAST, 49999));
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 3));
        assert_eq!(emitted(&msg), want);
    }

    #[test]
    fn encode_owner_of_a_connection() {
        let args = [
            "10.0.0.100",
            "tcp",
            "80",
            "remote",
            "192.168.1.2:40000",
            "member",
            "2",
        ];
        let mut key = tlv(vr_netlink::owner::ADDR, &[10, 0, 0, 100]);
        key.extend(u32_attr(vr_netlink::owner::PROTO, 6));
        key.extend(u32_attr(vr_netlink::owner::PORT, 80));
        key.extend(tlv(vr_netlink::owner::REMOTE, &[192, 168, 1, 2]));
        key.extend(u32_attr(vr_netlink::owner::REMOTE_PORT, 40000));
        let mut want = key.clone();
        want.extend(u32_attr(vr_netlink::owner::MEMBER, 2));
        assert_eq!(emitted(&owner(OwnerOp::Add, &args)), want);
        // del sends the key only.
        let del = owner(OwnerOp::Del, &args[..5]);
        assert_eq!(del.cmd, Cmd::OwnerDel);
        assert_eq!(emitted(&del), key);
        let dump = OwnerMessage::dump();
        assert_eq!(dump.cmd, Cmd::OwnerGet);
        assert!(emitted(&dump).is_empty());
    }

    #[test]
    fn owner_order() {
        let o = |vr, addr: [u8; 4], proto, port, port_last, remote: Option<[u8; 4]>| Owner {
            addr: addr.into(),
            vr,
            proto,
            port,
            port_last,
            remote: remote.map(|r| (r.into(), 1)),
            member: 1,
        };
        let mut v = vec![
            o(1, [10, 0, 0, 1], 6, 80, 80, None),
            o(0, [10, 0, 0, 2], 6, 80, 80, None),
            o(0, [10, 0, 0, 1], 17, 53, 53, None),
            o(0, [10, 0, 0, 1], 6, 80, 80, Some([10, 0, 0, 9])),
            o(0, [10, 0, 0, 1], 6, 80, 90, None),
            o(0, [10, 0, 0, 1], 6, 80, 80, None),
            o(0, [9, 255, 0, 1], 6, 80, 80, None),
        ];
        v.sort_by_key(Owner::sort_key);
        let text = owners_text(&v);
        assert_eq!(
            text,
            "9.255.0.1 tcp 80 member 1\n\
             10.0.0.1 tcp 80 member 1\n\
             10.0.0.1 tcp 80 remote 10.0.0.9:1 member 1\n\
             10.0.0.1 tcp 80-90 member 1\n\
             10.0.0.1 udp 53 member 1\n\
             10.0.0.2 tcp 80 member 1\n\
             10.0.0.1 tcp 80 member 1 vr 1\n"
        );
    }

    fn dhosts() -> Vec<Dhost> {
        let d = Dhost {
            addr: Ipv4Addr::new(10, 0, 0, 100).into(),
            vr: 0,
            ifindex: 2,
            dev: Some("eth0".into()),
            member: 2,
            lead: 1,
        };
        vec![
            d.clone(),
            Dhost {
                addr: Ipv4Addr::new(10, 1, 0, 100).into(),
                vr: 1,
                ifindex: 9,
                dev: None,
                member: 1,
                ..d
            },
        ]
    }

    #[test]
    fn dhost_text() {
        assert_eq!(
            dhosts_text(&dhosts()),
            "10.0.0.100 dev eth0 vr 0 member 2 lead 1 role member\n\
             10.1.0.100 dev if9 vr 1 member 1 lead 1 role lead\n"
        );
        assert_eq!(dhosts_text(&[]), "");
        // No lead known: "-".
        let mut d = dhosts()[0].clone();
        d.lead = 0;
        assert!(
            dhosts_text(&[d]).contains(" lead - role member\n"),
            "no lead"
        );
    }

    #[test]
    fn dhost_json() {
        assert_eq!(
            dhosts_json(&dhosts(), false).expect("serializes"),
            "[{\"addr\":\"10.0.0.100\",\"vr\":0,\"ifindex\":2,\"ifname\":\"eth0\",\
             \"member\":2,\"lead\":1,\"role\":\"member\"},\
             {\"addr\":\"10.1.0.100\",\"vr\":1,\"ifindex\":9,\"ifname\":null,\
             \"member\":1,\"lead\":1,\"role\":\"lead\"}]\n"
        );
        let pretty = dhosts_json(&dhosts(), true).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&pretty).expect("valid JSON");
        assert_eq!(v[1]["role"], "lead");
        assert_eq!(dhosts_json(&[], false).expect("serializes"), "[]\n");
    }

    fn owners() -> Vec<Owner> {
        let port = Owner {
            addr: Ipv4Addr::new(10, 0, 0, 100).into(),
            vr: 0,
            proto: 6,
            port: 80,
            port_last: 80,
            remote: None,
            member: 2,
        };
        vec![
            port.clone(),
            Owner {
                proto: 17,
                port: 40000,
                port_last: 49999,
                member: 3,
                ..port.clone()
            },
            Owner {
                remote: Some((Ipv4Addr::new(10, 0, 0, 2).into(), 40000)),
                vr: 1,
                ..port
            },
        ]
    }

    #[test]
    fn owner_text() {
        assert_eq!(
            owners_text(&owners()),
            "10.0.0.100 tcp 80 member 2\n\
             10.0.0.100 udp 40000-49999 member 3\n\
             10.0.0.100 tcp 80 remote 10.0.0.2:40000 member 2 vr 1\n"
        );
        assert_eq!(owners_text(&[]), "");
    }

    #[test]
    fn owner_text_is_what_owner_add_takes() {
        let mut entries = owners();
        // The same entries of an IPv6 address, with an IPv6 remote.
        entries.extend(owners().into_iter().map(|o| Owner {
            addr: ADDR6.into(),
            remote: o.remote.map(|(_, port)| (REMOTE6.into(), port)),
            ..o
        }));
        entries.push(Owner {
            addr: "2001:db8::1".parse().expect("addr"),
            remote: Some(("2001:db8:0:1::2".parse().expect("addr"), 65535)),
            port: 65535,
            port_last: 65535,
            member: 65535,
            vr: 65535,
            ..owners().remove(0)
        });
        let text = owners_text(&entries);
        assert!(
            text.contains("fd00:9::100 tcp 80 remote [fd00:9::13]:40000 member 2 vr 1\n"),
            "{text}"
        );
        assert_eq!(text.lines().count(), entries.len());
        for (line, o) in text.lines().zip(&entries) {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            let a = parse_owner(OwnerOp::Add, &args).expect("parses");
            // Back to the entry it was printed from.
            let want = OwnerArgs {
                addr: o.addr,
                vr: (o.vr != 0).then_some(o.vr),
                proto: o.proto as u8,
                port: o.port as u16,
                port_last: (o.port_last != o.port).then_some(o.port_last as u16),
                remote: o.remote.map(|(ip, port)| SocketAddr::new(ip, port as u16)),
                member: Some(o.member),
            };
            assert_eq!(a, want, "{line}");
        }
    }

    #[test]
    fn owner_json() {
        assert_eq!(
            owners_json(&owners(), false).expect("serializes"),
            "[{\"addr\":\"10.0.0.100\",\"vr\":0,\"proto\":\"tcp\",\"port\":80,\"port_last\":80,\
             \"remote\":null,\"remote_port\":null,\"member\":2},\
             {\"addr\":\"10.0.0.100\",\"vr\":0,\"proto\":\"udp\",\"port\":40000,\"port_last\":49999,\
             \"remote\":null,\"remote_port\":null,\"member\":3},\
             {\"addr\":\"10.0.0.100\",\"vr\":1,\"proto\":\"tcp\",\"port\":80,\"port_last\":80,\
             \"remote\":\"10.0.0.2\",\"remote_port\":40000,\"member\":2}]\n"
        );
        let pretty = owners_json(&owners(), true).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&pretty).expect("valid JSON");
        assert_eq!(v[2]["remote_port"], 40000);
        assert_eq!(owners_json(&[], false).expect("serializes"), "[]\n");
    }

    /// IPv6 entries print their addresses as `IpAddr` does, the remote of
    /// a connection as `[ADDR]:PORT`, as owner add takes them.
    #[test]
    fn ipv6_entries() {
        let addr: IpAddr = "fd00:9::100".parse().expect("addr");
        let d = Dhost {
            addr,
            vr: 0,
            ifindex: 2,
            dev: Some("eth0".into()),
            member: 2,
            lead: 1,
        };
        assert_eq!(
            dhosts_text(std::slice::from_ref(&d)),
            "fd00:9::100 dev eth0 vr 0 member 2 lead 1 role member\n"
        );
        assert_eq!(
            dhosts_json(&[d], false).expect("serializes"),
            "[{\"addr\":\"fd00:9::100\",\"vr\":0,\"ifindex\":2,\"ifname\":\"eth0\",\
             \"member\":2,\"lead\":1,\"role\":\"member\"}]\n"
        );
        let port = Owner {
            addr,
            vr: 0,
            proto: 6,
            port: 80,
            port_last: 80,
            remote: None,
            member: 2,
        };
        let conn = Owner {
            remote: Some(("fd00:9::13".parse().expect("addr"), 40000)),
            vr: 1,
            ..port.clone()
        };
        // IPv4 entries first.
        let mut v = vec![conn, port, owners().remove(0)];
        v.sort_by_key(Owner::sort_key);
        assert_eq!(
            owners_text(&v),
            "10.0.0.100 tcp 80 member 2\n\
             fd00:9::100 tcp 80 member 2\n\
             fd00:9::100 tcp 80 remote [fd00:9::13]:40000 member 2 vr 1\n"
        );
        assert_eq!(
            owners_json(&v[1..], false).expect("serializes"),
            "[{\"addr\":\"fd00:9::100\",\"vr\":0,\"proto\":\"tcp\",\"port\":80,\"port_last\":80,\
             \"remote\":null,\"remote_port\":null,\"member\":2},\
             {\"addr\":\"fd00:9::100\",\"vr\":1,\"proto\":\"tcp\",\"port\":80,\"port_last\":80,\
             \"remote\":\"fd00:9::13\",\"remote_port\":40000,\"member\":2}]\n"
        );
    }

    fn dhost(args: &[&str]) -> error::Result<DhostRequest> {
        let mut argv = vec!["vrctl", "dhost"];
        argv.extend_from_slice(args);
        match crate::Cli::try_parse_from(argv)
            .expect("parses")
            .command
            .expect("a command")
        {
            crate::Command::Dhost(Command::Dhost { command }) => dhost_request(&command),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn dhost_usage_error(args: &[&str]) -> (&'static [&'static str], String) {
        match dhost(args) {
            Err(Error::Usage { cmd, msg }) => (cmd, msg),
            other => panic!("{args:?}: unexpected {other:?}"),
        }
    }

    #[test]
    fn dhost_commands() {
        match dhost(&[
            "set",
            "10.0.0.100",
            "dev",
            "eth0",
            "member",
            "2",
            "lead",
            "1",
        ]) {
            Ok(DhostRequest::Set(a)) => {
                assert_eq!(a.addr, std::net::Ipv4Addr::new(10, 0, 0, 100));
                assert_eq!(a.dev, "eth0");
                assert_eq!((a.member, a.lead), (2, 1));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            dhost(&["delete", "10.0.0.100", "vr", "1"]),
            Ok(DhostRequest::Del(DhostDel { vr: Some(1), .. }))
        ));
        assert!(matches!(dhost(&["show"]), Ok(DhostRequest::Show)));
        assert!(matches!(dhost(&["list"]), Ok(DhostRequest::Show)));
        assert!(matches!(
            dhost(&["owner", "add", "10.0.0.100", "tcp", "80", "member", "2"]),
            Ok(DhostRequest::Owner(
                OwnerOp::Add,
                OwnerArgs { port: 80, .. }
            ))
        ));
        assert!(matches!(
            dhost(&["owner", "del", "10.0.0.100", "udp", "1-9"]),
            Ok(DhostRequest::Owner(
                OwnerOp::Del,
                OwnerArgs {
                    port_last: Some(9),
                    member: None,
                    ..
                }
            ))
        ));
        assert!(matches!(
            dhost(&["owner", "show"]),
            Ok(DhostRequest::OwnerShow)
        ));
        assert!(matches!(
            dhost(&["drain", "10.0.0.100", "tcp", "80", "to", "3"]),
            Ok(DhostRequest::Drain(DhostDrain {
                port: 80,
                to: 3,
                wait_ms: DRAIN_WAIT_MS,
                ..
            }))
        ));
        // Global options anywhere, also among the keywords.
        let cli = crate::Cli::try_parse_from(["vrctl", "dhost", "owner", "show", "-j", "-p"])
            .expect("parses");
        assert!(cli.json && cli.pretty);
        let cli =
            crate::Cli::try_parse_from(["vrctl", "dhost", "del", "10.0.0.1", "-j", "vr", "1"])
                .expect("parses");
        assert!(cli.json);
    }

    #[test]
    fn dhost_usage_errors_name_their_command() {
        let (cmd, msg) = dhost_usage_error(&["set", "10.0.0.100", "dev", "eth0", "lead", "1"]);
        assert_eq!(cmd, ["dhost", "set"]);
        assert_eq!(msg, "\"member <N>\" is required");
        let (cmd, _) = dhost_usage_error(&["del", "10.0.0.1000"]);
        assert_eq!(cmd, ["dhost", "del"]);
        let (cmd, msg) = dhost_usage_error(&["drain", "10.0.0.100", "tcp", "80"]);
        assert_eq!(cmd, ["dhost", "drain"]);
        assert_eq!(msg, "\"to <MEMBER>\" is required");
        let (cmd, msg) = dhost_usage_error(&["owner", "add", "10.0.0.100", "tcp", "9-8"]);
        assert_eq!(cmd, ["dhost", "owner", "add"]);
        assert!(msg.contains("the last port is below the first"), "{msg}");
        let (cmd, _) = dhost_usage_error(&["owner", "delete", "10.0.0.100", "tcp"]);
        assert_eq!(cmd, ["dhost", "owner", "del"]);
        // A remote of another family than the address: a usage error of
        // the command (exit 2), before anything is sent.
        let args = [
            "owner",
            "add",
            "fd00:9::100",
            "tcp",
            "80",
            "remote",
            "10.0.0.2:40000",
            "member",
            "2",
        ];
        match dhost(&args) {
            Err(e @ Error::Usage { cmd, .. }) => {
                assert_eq!(cmd, ["dhost", "owner", "add"]);
                assert_eq!(e.exit_code(), 2);
            }
            other => panic!("unexpected {other:?}"),
        }
        let (cmd, msg) = dhost_usage_error(&["del", "fd00:9::100::1"]);
        assert_eq!(cmd, ["dhost", "del"]);
        assert!(msg.contains("expected an IPv4 or IPv6 address"), "{msg}");
        // The daemon is vr-dhostd now: a usage error says so, with the
        // arguments given.
        let (cmd, msg) = dhost_usage_error(&["daemon", "members", "1,2", "lead-addr", "10.0.0.1"]);
        assert_eq!(cmd, ["dhost"]);
        assert_eq!(
            msg,
            "the ownership daemon is vr-dhostd(8) now: vr-dhostd members 1,2 lead-addr 10.0.0.1"
        );
        let (_, msg) = dhost_usage_error(&["daemon"]);
        assert!(
            msg.ends_with(
                "now: vr-dhostd members <N=ADDR[:PORT],...> [listen <ADDR[:PORT]>] \
                 [vr <VR>] [name <NAME>] ..."
            ),
            "{msg}"
        );
        for (path, usage) in [
            (
                &["dhost", "set"][..],
                "vrctl dhost set <ADDR> dev <IFNAME> member <N> lead <M>",
            ),
            (&["dhost", "del"], "vrctl dhost del <ADDR> [vr <VR>]"),
            (
                &["dhost", "drain"],
                "vrctl dhost drain <ADDR> tcp|udp <PORT> to <MEMBER> [wait <MS>]",
            ),
            (
                &["dhost", "owner", "add"],
                "vrctl dhost owner add <ADDR> tcp|udp <PORT>[-<LAST>] member <N> \
                 [remote <RADDR>:<RPORT>|[<RADDR6>]:<RPORT>] [vr <VR>]",
            ),
            (
                &["dhost", "owner", "del"],
                "vrctl dhost owner del <ADDR> tcp|udp <PORT>[-<LAST>] \
                 [remote <RADDR>:<RPORT>|[<RADDR6>]:<RPORT>] [vr <VR>]",
            ),
        ] {
            let e = crate::usage_error(path, "bad thing");
            assert_eq!(e.exit_code(), 2);
            let text = e.render().to_string();
            assert!(text.contains(usage), "{text}");
        }
    }

    fn drain_args(args: &[&str]) -> Result<DhostDrain, String> {
        parse_dhost_drain(&os(args))
    }

    #[test]
    fn drain_arguments() {
        let want = DhostDrain {
            addr: ADDR.into(),
            proto: IPPROTO_TCP,
            port: 8060,
            to: 3,
            wait_ms: DRAIN_WAIT_MS,
        };
        assert_eq!(
            drain_args(&["10.0.0.100", "tcp", "8060", "to", "3"]),
            Ok(want.clone())
        );
        // Keywords in any order, between the positional arguments too.
        assert_eq!(
            drain_args(&["to", "3", "10.0.0.100", "tcp", "wait", "20000", "8060"]),
            Ok(DhostDrain {
                wait_ms: 20000,
                ..want.clone()
            })
        );
        // An IPv4-mapped address is that IPv4 address; a range of one
        // port is that port.
        assert_eq!(
            drain_args(&["::ffff:10.0.0.100", "tcp", "8060-8060", "to", "3"]),
            Ok(want.clone())
        );
        assert_eq!(
            drain_args(&[
                "fd00:9::100",
                "udp",
                "65535",
                "to",
                "65535",
                "wait",
                "600000"
            ]),
            Ok(DhostDrain {
                addr: ADDR6.into(),
                proto: IPPROTO_UDP,
                port: 65535,
                to: 65535,
                wait_ms: DRAIN_WAIT_MAX_MS,
            })
        );
        assert_eq!(
            drain_args(&["10.0.0.100", "tcp", "1", "to", "1", "wait", "1"])
                .map(|d| (d.port, d.to, d.wait_ms)),
            Ok((1, 1, 1))
        );
    }

    #[test]
    fn drain_argument_errors() {
        for (args, msg) in [
            (&["to", "3"][..], "an address is required"),
            (
                &["10.0.0.100", "to", "3"],
                "a protocol is required (tcp or udp)",
            ),
            (&["10.0.0.100", "tcp", "to", "3"], "a port is required"),
            (&["10.0.0.100", "tcp", "80"], "\"to <MEMBER>\" is required"),
            (
                &["10.0.0.100", "tcp", "80", "3"],
                "unexpected argument \"3\"",
            ),
            (
                &["10.0.0.100", "tcp", "80", "member", "3"],
                "unexpected argument \"member\"",
            ),
            (&["10.0.0.100", "tcp", "80", "to"], "\"to\" needs a value"),
            (
                &["10.0.0.100", "tcp", "80", "to", "3", "to", "4"],
                "\"to\" given twice",
            ),
            (
                &[
                    "10.0.0.100",
                    "tcp",
                    "80",
                    "to",
                    "3",
                    "wait",
                    "1",
                    "wait",
                    "2",
                ],
                "\"wait\" given twice",
            ),
            (
                &["10.0.0.1000", "tcp", "80", "to", "3"],
                "invalid address \"10.0.0.1000\" (expected an IPv4 or IPv6 address)",
            ),
            (
                &["[fd00:9::100]", "tcp", "80", "to", "3"],
                "invalid address \"[fd00:9::100]\"",
            ),
            (
                &["10.0.0.100", "sctp", "80", "to", "3"],
                "invalid protocol \"sctp\" (expected tcp or udp)",
            ),
            (
                &["10.0.0.100", "tcp", "0", "to", "3"],
                "invalid port \"0\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "tcp", "65536", "to", "3"],
                "invalid port \"65536\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "tcp", "http", "to", "3"],
                "invalid port \"http\"",
            ),
            (
                &["10.0.0.100", "tcp", "80-90", "to", "3"],
                "a drain moves one port, not a port range",
            ),
            (
                &["10.0.0.100", "tcp", "90-80", "to", "3"],
                "invalid port range \"90-80\"",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "0"],
                "invalid member id \"0\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "65536"],
                "invalid member id \"65536\" (expected 1-65535)",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "+3"],
                "invalid member id \"+3\"",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "3", "wait", "0"],
                "invalid wait \"0\" (expected 1-600000)",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "3", "wait", "600001"],
                "invalid wait \"600001\" (expected 1-600000)",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "3", "wait", "5s"],
                "invalid wait \"5s\"",
            ),
            (
                &["10.0.0.100", "tcp", "80", "to", "3", "vr", "1"],
                "unexpected argument \"vr\"",
            ),
        ] {
            match drain_args(args) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn drain_request_lines() {
        let line = |args: &[&str]| drain_request_line(&drain_args(args).expect("valid"));
        assert_eq!(
            line(&["10.0.0.100", "tcp", "8060", "to", "3"]),
            "drain 10.0.0.100 tcp 8060 to 3 wait 10000\n"
        );
        assert_eq!(
            line(&["::ffff:10.0.0.100", "udp", "53", "to", "2", "wait", "1"]),
            "drain 10.0.0.100 udp 53 to 2 wait 1\n"
        );
        // IPv6 as IpAddr prints it: compressed, lowercase, no brackets.
        assert_eq!(
            line(&[
                "FD00:9:0:0:0:0:0:100",
                "tcp",
                "80",
                "to",
                "65535",
                "wait",
                "600000"
            ]),
            "drain fd00:9::100 tcp 80 to 65535 wait 600000\n"
        );
        assert_eq!(drain_socket_name(0), "vr-dhostd/vr0");
        assert_eq!(drain_socket_name(65535), "vr-dhostd/vr65535");
    }

    #[test]
    fn drain_answers() {
        use DrainAnswer::{Left, Moved, Refused};
        for (line, want) in [
            ("ok from 2 pins 20", Moved { from: 2, pins: 20 }),
            ("ok ports 4 pins 20", Left { ports: 4, pins: 20 }),
            ("ok ports 0 pins 0", Left { ports: 0, pins: 0 }),
            (
                "ok from 65535 pins 0",
                Moved {
                    from: 65535,
                    pins: 0,
                },
            ),
            (
                "error 110 member 3 bound no socket to the port in 10000 ms",
                Refused {
                    errno: libc::ETIMEDOUT,
                    text: "member 3 bound no socket to the port in 10000 ms".into(),
                },
            ),
            (
                "error 16 port  already draining",
                Refused {
                    errno: libc::EBUSY,
                    text: "port  already draining".into(),
                },
            ),
            (
                "error 2",
                Refused {
                    errno: libc::ENOENT,
                    text: String::new(),
                },
            ),
        ] {
            assert_eq!(parse_drain_answer(line), Some(want), "{line}");
        }
        for line in [
            "",
            "ok",
            "ok ",
            "ok from 2",
            "ok from 2 pins",
            "ok from 2 pins 20 ",
            "ok from 2 pins 20 extra",
            "ok from 0 pins 20",
            "ok from 65536 pins 20",
            "ok from -2 pins 20",
            "ok from 2 pins -1",
            "ok from 2 pins x",
            "ok pins 20 from 2",
            "ok ports 4",
            "ok ports 4 pins",
            "ok ports -4 pins 2",
            "ok ports 4 pins 2 extra",
            "ok pins 2 ports 4",
            "ok  from 2 pins 20",
            "OK from 2 pins 20",
            "ok from 2 pins 20\r",
            "error",
            "error ",
            "error 0 nothing",
            "error -1 negative",
            "error +5 signed",
            "error EBUSY busy",
            "error 99999999999 too big",
            "moved",
            "VRDHCTL1 ok",
        ] {
            assert_eq!(parse_drain_answer(line), None, "{line:?}");
        }
    }

    #[test]
    fn drain_refusals_print_as_the_kernels() {
        let e = Error::Netlink(vr_netlink::Error::Kernel {
            errno: libc::ETIMEDOUT,
            msg: Some("member 3 bound no socket".into()),
        });
        assert_eq!(
            e.to_string(),
            "member 3 bound no socket (Connection timed out)"
        );
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn drain_output() {
        let d = drain_args(&["10.9.0.100", "tcp", "8060", "to", "3"]).expect("valid");
        assert_eq!(
            drain_text(&d, 2, 20),
            "tcp 10.9.0.100:8060 moved to member 3; 20 connections stay with member 2\n"
        );
        assert_eq!(
            drain_json(&d, 2, 20, false).expect("serializes"),
            "{\"addr\":\"10.9.0.100\",\"proto\":\"tcp\",\"port\":8060,\"to\":3,\
             \"from\":2,\"pins\":20}\n"
        );
        let d6 = drain_args(&["fd00:9::100", "udp", "53", "to", "1"]).expect("valid");
        assert_eq!(
            drain_text(&d6, 4, 0),
            "udp [fd00:9::100]:53 moved to member 1; 0 connections stay with member 4\n"
        );
        let pretty = drain_json(&d6, 4, 0, true).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&pretty).expect("valid JSON");
        assert_eq!(v["addr"], "fd00:9::100");
        assert_eq!(v["proto"], "udp");
        assert_eq!((v["port"].as_u64(), v["to"].as_u64()), (Some(53), Some(1)));
        assert_eq!((v["from"].as_u64(), v["pins"].as_u64()), (Some(4), Some(0)));
    }

    fn leave_args(args: &[&str]) -> Result<DhostLeave, String> {
        parse_dhost_leave(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn leave_arguments_lines_and_output() {
        let l = leave_args(&["10.9.0.100", "to", "3"]).expect("valid");
        assert_eq!(
            l,
            DhostLeave {
                addr: Ipv4Addr::new(10, 9, 0, 100).into(),
                to: 3,
                wait_ms: DRAIN_WAIT_MS
            }
        );
        assert_eq!(leave_request_line(&l), "leave to 3 wait 10000\n");
        let l6 =
            leave_args(&["wait", "600000", "::ffff:10.9.0.100", "to", "65535"]).expect("valid");
        assert_eq!(l6.addr, IpAddr::from(Ipv4Addr::new(10, 9, 0, 100)));
        assert_eq!(leave_request_line(&l6), "leave to 65535 wait 600000\n");
        assert_eq!(
            leave_text(&l, 4, 20),
            "member left to member 3: 4 ports moved; 20 connections stay here\n"
        );
        for (args, msg) in [
            (&[][..], "an address is required"),
            (&["10.9.0.100"], "\"to <MEMBER>\" is required"),
            (
                &["10.9.0.100", "tcp", "to", "3"],
                "unexpected argument \"tcp\"",
            ),
            (&["10.9.0.100", "to", "0"], "invalid member id \"0\""),
            (&["10.9.0.100", "to", "3", "to", "2"], "\"to\""),
            (
                &["10.9.0.100", "to", "3", "wait", "0"],
                "invalid wait \"0\"",
            ),
            (&["10.9.0.300", "to", "3"], "invalid address \"10.9.0.300\""),
        ] {
            match leave_args(args) {
                Err(e) => assert!(e.contains(msg), "{args:?}: {e}"),
                Ok(a) => panic!("{args:?} parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn drain_finds_the_vr_of_the_address() {
        let mut ds = dhosts();
        assert_eq!(drain_vr(&ds, ADDR.into()).ok(), Some(0));
        assert_eq!(
            drain_vr(&ds, Ipv4Addr::new(10, 1, 0, 100).into()).ok(),
            Some(1)
        );
        let e = drain_vr(&ds, Ipv4Addr::new(10, 0, 0, 1).into()).expect_err("none");
        assert_eq!(
            e.to_string(),
            "10.0.0.1 is not a distributed address (No such file or directory)"
        );
        assert_eq!(e.exit_code(), 1);
        // An IPv6 address is not its IPv4-mapped twin's.
        assert!(drain_vr(&ds, "::a00:64".parse().expect("addr")).is_err());
        assert!(drain_vr(&[], ADDR.into()).is_err());
        // The same address in two VRs: vrctl cannot choose.
        ds.push(Dhost {
            vr: 7,
            ..ds[0].clone()
        });
        let e = drain_vr(&ds, ADDR.into()).expect_err("two VRs");
        assert_eq!(
            e.to_string(),
            "10.0.0.100 is a distributed address of several VRs (0, 7) (Invalid argument)"
        );
    }

    #[test]
    fn drain_answer_lines_are_read_up_to_the_newline() {
        let read = |bytes: &[u8]| read_answer(bytes).map_err(|e| e.kind());
        assert_eq!(
            read(b"ok from 2 pins 3\n"),
            Ok(Some(b"ok from 2 pins 3".to_vec()))
        );
        // One line: what follows is not read.
        assert_eq!(read(b"error 5 x\nok\n"), Ok(Some(b"error 5 x".to_vec())));
        assert_eq!(read(b"\n"), Ok(Some(Vec::new())));
        // The end before a newline: no answer.
        assert_eq!(read(b""), Ok(None));
        assert_eq!(read(b"ok from 2 pins 3"), Ok(None));
        // At most 4096 bytes, the newline included.
        let mut long = vec![b'x'; DRAIN_ANSWER_MAX - 1];
        long.push(b'\n');
        assert_eq!(read(&long).map(|l| l.map(|l| l.len())), Ok(Some(4095)));
        long.insert(0, b'x');
        assert_eq!(read(&long), Err(io::ErrorKind::InvalidData));
    }

    /// The error of a drain as vrctl prints it.
    fn drain_failure(r: error::Result<DrainAnswer>) -> String {
        match r {
            Err(e) => {
                assert_eq!(e.exit_code(), 1, "{e}");
                e.to_string()
            }
            Ok(a) => panic!("unexpected {a:?}"),
        }
    }

    #[test]
    fn no_daemon_no_drain() {
        // No vr-dhostd serves this VR id (the kernel's are 0-65535).
        let vr = u32::MAX;
        assert_eq!(
            drain_failure(ask_daemon(vr, "drain\n", 1)),
            format!("no vr-dhostd runs for VR {vr} (Connection refused)")
        );
    }

    /// The client's side of the exchange over a real socket, with a peer
    /// of the test's (not a vr-dhostd: what the daemon does is its own
    /// tests'): `answer` is what the peer writes after it read the request
    /// line, which the peer returns, before it closes the connection.
    fn exchange_with(
        answer: &'static [u8],
        timeout_ms: u64,
    ) -> (error::Result<DrainAnswer>, String) {
        use std::os::unix::net::UnixListener;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "vrctl-test/{}/{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let addr = UnixSocketAddr::from_abstract_name(&name).expect("name");
        let listener = UnixListener::bind_addr(&addr).expect("bound");
        let peer = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accepted");
            let mut request = Vec::new();
            BufReader::new(&stream)
                .read_until(b'\n', &mut request)
                .expect("read");
            (&stream).write_all(answer).expect("written");
            // Keep the connection open past the client's timeout when
            // the answer is no line.
            if !answer.ends_with(b"\n") && !answer.is_empty() {
                std::thread::sleep(Duration::from_millis(timeout_ms * 3));
            }
            String::from_utf8(request).expect("UTF-8")
        });
        let request = "drain 10.0.0.100 tcp 80 to 3 wait 1\n";
        let r = exchange(&addr, 7, request, Duration::from_millis(timeout_ms));
        let got = peer.join().expect("peer");
        (r, got)
    }

    #[test]
    fn drain_exchange() {
        let (r, request) = exchange_with(b"ok from 2 pins 20\n", 5000);
        assert_eq!(request, "drain 10.0.0.100 tcp 80 to 3 wait 1\n");
        assert_eq!(r.ok(), Some(DrainAnswer::Moved { from: 2, pins: 20 }));
        let (r, _) = exchange_with(b"error 110 member 3 bound no socket\n", 5000);
        assert_eq!(
            drain_failure(r.and_then(|a| match a {
                DrainAnswer::Refused { errno, text } => Err(drain_error(errno, text)),
                a => Ok(a),
            })),
            "member 3 bound no socket (Connection timed out)"
        );
        let (r, _) = exchange_with(b"", 5000);
        assert_eq!(
            drain_failure(r),
            "vr-dhostd gave no answer: it closed the connection"
        );
        let (r, _) = exchange_with(b"moved\n", 5000);
        assert_eq!(
            drain_failure(r),
            "unexpected answer from vr-dhostd: \"moved\""
        );
        let (r, _) = exchange_with(b"ok from 2", 100);
        assert_eq!(
            drain_failure(r),
            "vr-dhostd gave no answer: Connection timed out"
        );
    }
}
