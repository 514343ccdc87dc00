// SPDX-License-Identifier: GPL-2.0-only
//! Errors of vr-dhostd: a usage error (exit status 2), else an error of its
//! netlink sockets or of the daemon (status 1), printed as `Error: <Display>`.

use std::fmt;
use std::io;

#[derive(Debug)]
pub enum Error {
    /// The kernel refused a request, a system call failed, the kernel sent
    /// something that cannot be made sense of (see [`vr_netlink::Error`]).
    Netlink(vr_netlink::Error),
    /// The daemon cannot start or stopped.
    Daemon(String),
    /// A usage error found after parsing (e.g. a member without
    /// lead-addr): printed like clap's own, exit status 2.
    Usage(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(what: &'static str, err: io::Error) -> Self {
        Error::Netlink(vr_netlink::Error::io(what, err))
    }

    /// The exit status for this error: 2 for usage errors, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Netlink(e) => e.fmt(f),
            Error::Daemon(msg) | Error::Usage(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

impl From<vr_netlink::Error> for Error {
    fn from(e: vr_netlink::Error) -> Self {
        Error::Netlink(e)
    }
}
