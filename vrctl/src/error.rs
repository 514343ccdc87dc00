// SPDX-License-Identifier: GPL-2.0-only
//! Runtime errors of vrctl. Each is printed as `Error: <Display>` on stderr
//! and makes vrctl exit with status 1.

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
    /// `if_nametoindex` did not find the interface.
    NoDevice(String),
    /// A system call failed.
    Io { what: &'static str, err: io::Error },
    /// A file (the batch file) cannot be opened or read.
    File {
        what: &'static str,
        path: String,
        err: io::Error,
    },
    /// The kernel sent something vrctl cannot make sense of.
    Protocol(String),
    /// Writing the VR to /proc/self/vr failed with this errno.
    EnterVr { vr: u32, errno: i32 },
    /// There is no /proc/<pid>.
    NoProcess(u32),
    /// The process exists but /proc/<pid>/vr does not (kernel without VRs).
    NoProcVr(String),
    /// /proc/<pid>/vr held something else than a VR id.
    BadProcVr { path: String, content: String },
    /// `exec` could not run the command (exit status 127 or 126).
    Exec { cmd: String, err: io::Error },
    /// The distributed host's daemon cannot start or stopped.
    Daemon(String),
    /// A usage error that clap could not see, e.g. in the arguments of
    /// `route`: printed like clap's own and exits with status 2.
    Usage {
        cmd: &'static [&'static str],
        msg: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(what: &'static str, err: io::Error) -> Self {
        Error::Io { what, err }
    }

    /// The exit status for this error: 127 if `exec` did not find the
    /// command, 126 if it could not run it (as env(1) and the shell do),
    /// 2 for usage errors, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Exec { err, .. } if err.kind() == io::ErrorKind::NotFound => 127,
            Error::Exec { .. } => 126,
            Error::Usage { .. } => 2,
            _ => 1,
        }
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
            Error::NoDevice(name) => write!(f, "cannot find device \"{name}\""),
            Error::Io { what, err } => match err.raw_os_error() {
                Some(errno) => write!(f, "{what}: {}", strerror(errno)),
                None => write!(f, "{what}: {err}"),
            },
            Error::File { what, path, err } => match err.raw_os_error() {
                Some(errno) => write!(f, "{what} \"{path}\": {}", strerror(errno)),
                None => write!(f, "{what} \"{path}\": {err}"),
            },
            Error::Protocol(msg) => write!(f, "unexpected netlink message: {msg}"),
            Error::EnterVr { vr, errno } => match *errno {
                libc::ENONET => write!(f, "VR {vr} does not exist"),
                libc::EPERM | libc::EACCES => write!(
                    f,
                    "cannot enter VR {vr}: {} (CAP_NET_ADMIN is needed)",
                    strerror(*errno)
                ),
                errno => write!(f, "cannot enter VR {vr}: {}", strerror(errno)),
            },
            Error::NoProcess(pid) => write!(f, "no process with pid {pid}"),
            Error::NoProcVr(path) => write!(
                f,
                "{path} does not exist (is the kernel built with CONFIG_VR?)"
            ),
            Error::BadProcVr { path, content } => {
                write!(f, "unexpected contents of {path}: {content:?}")
            }
            Error::Exec { cmd, err } => match err.raw_os_error() {
                Some(errno) => write!(f, "cannot run {cmd:?}: {}", strerror(errno)),
                None => write!(f, "cannot run {cmd:?}: {err}"),
            },
            Error::Daemon(msg) => f.write_str(msg),
            Error::Usage { msg, .. } => f.write_str(msg),
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
    fn no_device() {
        assert_eq!(
            Error::NoDevice("eth9".into()).to_string(),
            "cannot find device \"eth9\""
        );
    }

    #[test]
    fn enter_vr_errors() {
        let e = |errno| Error::EnterVr { vr: 5, errno }.to_string();
        assert_eq!(e(libc::ENONET), "VR 5 does not exist");
        assert_eq!(
            e(libc::EPERM),
            "cannot enter VR 5: Operation not permitted (CAP_NET_ADMIN is needed)"
        );
        assert_eq!(
            e(libc::ERANGE),
            "cannot enter VR 5: Numerical result out of range"
        );
    }

    #[test]
    fn exec_errors_and_exit_codes() {
        let e = Error::Exec {
            cmd: "nosuchcmd".into(),
            err: io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert_eq!(
            e.to_string(),
            "cannot run \"nosuchcmd\": No such file or directory"
        );
        assert_eq!(e.exit_code(), 127);
        let e = Error::Exec {
            cmd: "/etc/passwd".into(),
            err: io::Error::from_raw_os_error(libc::EACCES),
        };
        assert_eq!(e.exit_code(), 126);
        assert_eq!(Error::NoProcess(7).exit_code(), 1);
        assert_eq!(Error::NoProcess(7).to_string(), "no process with pid 7");
    }

    #[test]
    fn file_error_names_the_file() {
        let e = Error::File {
            what: "cannot open batch file",
            path: "cmds".into(),
            err: io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert_eq!(
            e.to_string(),
            "cannot open batch file \"cmds\": No such file or directory"
        );
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn io_error_uses_strerror() {
        let e = Error::io("socket", io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(e.to_string(), "socket: Permission denied");
    }
}
