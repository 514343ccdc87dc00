// SPDX-License-Identifier: GPL-2.0-only
//! What can go wrong in an exchange with the kernel: its refusals with
//! their extended ACK, a missing family or group, a failed system call, a
//! message that cannot be made sense of. vrctl and vr-dhostd print these
//! as `Error: <Display>` and exit with status 1.

use std::ffi::CStr;
use std::fmt;
use std::io;

#[derive(Debug)]
pub enum Error {
    /// The kernel refused a request: positive errno, optional extack message.
    Kernel { errno: i32, msg: Option<String> },
    /// The generic netlink family is not registered.
    FamilyNotFound(String),
    /// The family does not have the multicast group.
    GroupNotFound { family: String, group: String },
    /// A system call failed.
    Io { what: &'static str, err: io::Error },
    /// The kernel sent something that cannot be made sense of.
    Protocol(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(what: &'static str, err: io::Error) -> Self {
        Error::Io { what, err }
    }
}

/// The C library's text for an errno value, without Rust's " (os error N)".
pub fn strerror(errno: i32) -> String {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: buf is writable for buf.len() bytes; the XSI strerror_r (which
    // the libc crate binds on Linux) NUL-terminates what it writes on success.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {errno}");
    }
    // SAFETY: NUL-terminated inside buf (see above).
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) };
    s.to_string_lossy().into_owned()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel { errno, msg: Some(msg) } => write!(f, "{msg} ({})", strerror(*errno)),
            Error::Kernel { errno, msg: None } => f.write_str(&strerror(*errno)),
            Error::FamilyNotFound(family) => write!(
                f,
                "generic netlink family \"{family}\" not found (is the kernel built with CONFIG_VR?)"
            ),
            Error::GroupNotFound { family, group } => write!(
                f,
                "generic netlink family \"{family}\" has no multicast group \"{group}\""
            ),
            Error::Io { what, err } => match err.raw_os_error() {
                Some(errno) => write!(f, "{what}: {}", strerror(errno)),
                None => write!(f, "{what}: {err}"),
            },
            Error::Protocol(msg) => write!(f, "unexpected netlink message: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_error_with_extack() {
        let e = Error::Kernel {
            errno: libc::ERANGE,
            msg: Some("VR id out of range".into()),
        };
        assert_eq!(
            e.to_string(),
            "VR id out of range (Numerical result out of range)"
        );
    }

    #[test]
    fn kernel_error_without_extack() {
        let e = Error::Kernel {
            errno: libc::EPERM,
            msg: None,
        };
        assert_eq!(e.to_string(), "Operation not permitted");
    }

    #[test]
    fn family_not_found() {
        assert_eq!(
            Error::FamilyNotFound("vr".into()).to_string(),
            "generic netlink family \"vr\" not found (is the kernel built with CONFIG_VR?)"
        );
    }

    #[test]
    fn io_error_uses_strerror() {
        let e = Error::io("socket", io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(e.to_string(), "socket: Permission denied");
    }
}
