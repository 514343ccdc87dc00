// SPDX-License-Identifier: GPL-2.0-only
//! Runtime errors of vrctl. Each is printed as `Error: <Display>` on stderr
//! and makes vrctl exit with status 1 (but usage errors and `exec`'s).

use std::fmt;
use std::io;

pub use vr_netlink::error::strerror;

#[derive(Debug)]
pub enum Error {
    /// The kernel refused a request, a system call failed, the kernel sent
    /// something vrctl cannot make sense of (see [`vr_netlink::Error`]).
    Netlink(vr_netlink::Error),
    /// `if_nametoindex` did not find the interface.
    NoDevice(String),
    /// A file (the batch file) cannot be opened or read.
    File {
        what: &'static str,
        path: String,
        err: io::Error,
    },
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
        Error::Netlink(vr_netlink::Error::io(what, err))
    }

    /// The kernel sent something vrctl cannot make sense of.
    pub fn protocol(msg: String) -> Self {
        Error::Netlink(vr_netlink::Error::Protocol(msg))
    }

    /// The errno of a kernel's refusal.
    pub fn kernel_errno(&self) -> Option<i32> {
        match self {
            Error::Netlink(vr_netlink::Error::Kernel { errno, .. }) => Some(*errno),
            _ => None,
        }
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Netlink(e) => e.fmt(f),
            Error::NoDevice(name) => write!(f, "cannot find device \"{name}\""),
            Error::File { what, path, err } => match err.raw_os_error() {
                Some(errno) => write!(f, "{what} \"{path}\": {}", strerror(errno)),
                None => write!(f, "{what} \"{path}\": {err}"),
            },
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
            Error::Usage { msg, .. } => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

impl From<vr_netlink::Error> for Error {
    fn from(e: vr_netlink::Error) -> Self {
        Error::Netlink(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
