// SPDX-License-Identifier: GPL-2.0-only
//! The interfaces of vrctl's network namespace, by name and by index.

use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;

use crate::error::{Error, Result};

/// Resolves an interface name in the current network namespace.
pub fn ifindex(ifname: &OsStr) -> Result<u32> {
    let not_found = || Error::NoDevice(ifname.to_string_lossy().into_owned());
    let c = CString::new(ifname.as_bytes()).map_err(|_| not_found())?;
    // SAFETY: c is a valid NUL-terminated string for the whole call.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(not_found());
    }
    Ok(index)
}

/// The name of an interface of the current network namespace.
pub fn ifname(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has the IF_NAMESIZE bytes if_indextoname may write, and
    // it NUL-terminates what it writes on success.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: NUL-terminated inside buf (see above).
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_interface() {
        let e = ifindex(OsStr::new("no-such-if0"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("cannot find device \"no-such-if0\""));
    }

    #[test]
    fn interface_name_with_nul() {
        assert!(matches!(
            ifindex(OsStr::new("a\0b")),
            Err(Error::NoDevice(_))
        ));
    }
}
