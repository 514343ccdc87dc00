// SPDX-License-Identifier: GPL-2.0-only
//! The verbs of vrctl, on top of the netlink socket and the output code.

use std::ffi::{CString, OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use crate::error::{Error, Result};
use crate::netlink::GenlSocket;
use crate::output::{self, Event};
use crate::task;
use crate::vr::{
    Vr, VrMessage, VR_CMD_CHANGE_NTF, VR_CMD_CREATE_NTF, VR_CMD_DELETE_NTF, VR_MCGRP_MONITOR,
};

/// Output options shared by all verbs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Format {
    pub json: bool,
    pub pretty: bool,
}

fn write_out(out: &mut dyn Write, s: &str) -> Result<()> {
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write output", e))
}

fn to_vrs(msgs: &[VrMessage]) -> Result<Vec<Vr>> {
    let mut vrs = msgs
        .iter()
        .map(|m| Vr::from_attrs(&m.attrs).map_err(Error::Protocol))
        .collect::<Result<Vec<_>>>()?;
    vrs.sort_by_key(|vr| vr.id);
    Ok(vrs)
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Protocol(format!("cannot render JSON: {e}"))
}

pub fn create(id: u32, name: Option<&str>) -> Result<()> {
    GenlSocket::open_vr()?.request(VrMessage::create(id, name))?;
    Ok(())
}

pub fn delete(id: u32) -> Result<()> {
    GenlSocket::open_vr()?.request(VrMessage::delete(id))?;
    Ok(())
}

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

pub fn assign(ifname: &OsStr, id: u32) -> Result<()> {
    let index = ifindex(ifname)?;
    GenlSocket::open_vr()?.request(VrMessage::assign(index, id))?;
    Ok(())
}

fn fetch(id: Option<u32>) -> Result<Vec<Vr>> {
    let mut sock = GenlSocket::open_vr()?;
    let replies = match id {
        Some(id) => sock.request(VrMessage::get(Some(id)))?,
        None => sock.dump(VrMessage::get(None))?,
    };
    to_vrs(&replies)
}

pub fn list(fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(None)?;
    let text = if fmt.json {
        output::vrs_json(&vrs, fmt.pretty).map_err(json_error)?
    } else {
        output::list_text(&vrs)
    };
    write_out(out, &text)
}

pub fn show(id: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let vrs = fetch(id)?;
    let text = if fmt.json {
        output::vrs_json(&vrs, fmt.pretty).map_err(json_error)?
    } else {
        output::show_text(&vrs)
    };
    write_out(out, &text)
}

/// Runs `argv` in VR `vr`: never returns but on failure.
pub fn exec(vr: u32, argv: &[OsString]) -> Result<()> {
    Err(task::exec(vr, argv))
}

/// The name of VR `id`, None if it has none or no longer exists (a task
/// can outlive the deletion of its VR).
fn vr_name(id: u32) -> Result<Option<String>> {
    match fetch(Some(id)) {
        Ok(vrs) => Ok(vrs.into_iter().next().and_then(|vr| vr.name)),
        Err(Error::Kernel { errno, .. }) if errno == libc::ENOENT => Ok(None),
        Err(e) => Err(e),
    }
}

/// Prints the VR of process `pid` (default: vrctl itself, i.e. the VR
/// its caller runs in) and the VR's name. The name is looked up in
/// vrctl's network namespace, so it is left out for a process that is
/// known to be in another one.
pub fn identify(pid: Option<u32>, fmt: Format, out: &mut dyn Write) -> Result<()> {
    let pid = pid.unwrap_or_else(std::process::id);
    let vr = task::read_vr(pid)?;
    let name = if task::same_netns(pid) == Some(false) {
        None
    } else {
        vr_name(vr)?
    };
    let text = if fmt.json {
        output::identify_json(pid, vr, name.as_deref(), fmt.pretty).map_err(json_error)?
    } else {
        output::identify_text(vr, name.as_deref())
    };
    write_out(out, &text)
}

fn event_of(cmd: u8) -> Option<Event> {
    match cmd {
        VR_CMD_CREATE_NTF => Some(Event::Create),
        VR_CMD_DELETE_NTF => Some(Event::Delete),
        VR_CMD_CHANGE_NTF => Some(Event::Change),
        _ => None,
    }
}

/// Prints notifications until killed (or until output fails). Lost or
/// undecodable notifications are reported on stderr and skipped.
/// JSON output is one object per line, whatever `pretty` says.
pub fn monitor(fmt: Format, out: &mut dyn Write) -> Result<()> {
    let mut sock = GenlSocket::open_vr()?;
    sock.subscribe(VR_MCGRP_MONITOR)?;
    loop {
        let msgs = match sock.recv_notifications() {
            Ok(msgs) => msgs,
            Err(Error::Io { err, .. }) if err.raw_os_error() == Some(libc::ENOBUFS) => {
                eprintln!("Warning: notifications were lost (receive buffer overrun)");
                continue;
            }
            Err(e @ Error::Protocol(_)) => {
                eprintln!("Warning: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        for msg in msgs {
            let Some(event) = event_of(msg.cmd) else {
                continue;
            };
            let vr = match Vr::from_attrs(&msg.attrs) {
                Ok(vr) => vr,
                Err(e) => {
                    eprintln!("Warning: unexpected netlink message: {e}");
                    continue;
                }
            };
            let line = if fmt.json {
                output::event_json(event, &vr).map_err(json_error)?
            } else {
                output::event_text(event, &vr)
            };
            write_out(out, &line)?;
        }
    }
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

    #[test]
    fn notification_kinds() {
        assert_eq!(event_of(5), Some(Event::Create));
        assert_eq!(event_of(6), Some(Event::Delete));
        assert_eq!(event_of(7), Some(Event::Change));
        assert_eq!(event_of(3), None);
    }
}
