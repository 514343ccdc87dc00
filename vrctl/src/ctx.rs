// SPDX-License-Identifier: GPL-2.0-only
//! The context every command runs in: the netlink sockets vrctl keeps for
//! one command or a whole batch, and the output options.

use netlink_sys::protocols::NETLINK_ROUTE;
use vr_netlink::socket::{GenlSocket, NlSocket};
use vr_netlink::Error as NlError;

use crate::error::{Error, Result};

/// The netlink sockets of one run of vrctl, one command or every line of
/// a batch: each is opened on first use (a command that needs none opens
/// none) and reused after, the generic netlink one resolving the "vr"
/// family once. A socket whose family is not found stays open and tries
/// again on its next use.
pub struct Ctx {
    family: &'static str,
    genl: Option<GenlSocket>,
    rtnl: Option<NlSocket>,
    diag: Option<NlSocket>,
    opened: Opened,
    /// Whether the kernel may take owner-batch requests (false once it
    /// refused one with EOPNOTSUPP).
    owner_batch: bool,
}

/// How many sockets a `Ctx` opened (or tried to) and how often it
/// resolved the family.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub genl: usize,
    pub resolved: usize,
    pub rtnl: usize,
    pub diag: usize,
}

/// The socket kept in `slot`, opened with `open` (and counted in `count`)
/// if there is none yet.
fn kept<'a, T>(
    slot: &'a mut Option<T>,
    count: &mut usize,
    open: impl FnOnce() -> vr_netlink::error::Result<T>,
) -> Result<&'a mut T> {
    let sock = match slot.take() {
        Some(sock) => sock,
        None => {
            *count += 1;
            open()?
        }
    };
    Ok(slot.insert(sock))
}

impl Ctx {
    pub fn new() -> Self {
        Ctx::of_family(vr_netlink::FAMILY_NAME)
    }

    /// A context whose generic netlink socket is of family `family` (the
    /// tests use nlctrl, which every kernel has).
    fn of_family(family: &'static str) -> Self {
        Ctx {
            family,
            genl: None,
            rtnl: None,
            diag: None,
            opened: Opened::default(),
            owner_batch: true,
        }
    }

    /// The generic netlink socket of the "vr" family.
    pub fn genl(&mut self) -> Result<&mut GenlSocket> {
        let sock = kept(&mut self.genl, &mut self.opened.genl, GenlSocket::open)?;
        if !sock.is_resolved() {
            self.opened.resolved += 1;
            sock.resolve(self.family)?;
        }
        Ok(sock)
    }

    /// The rtnetlink socket (routes).
    pub fn rtnl(&mut self) -> Result<&mut NlSocket> {
        kept(&mut self.rtnl, &mut self.opened.rtnl, || {
            NlSocket::open(NETLINK_ROUTE)
        })
    }

    /// The sock_diag socket (`show`, `show VR sockets`).
    pub fn diag(&mut self) -> Result<&mut NlSocket> {
        kept(
            &mut self.diag,
            &mut self.opened.diag,
            vr_netlink::diag::socket,
        )
    }

    /// After `err`, whether the next command may use the same sockets: a
    /// refusal of the kernel, or an error found before any request, ends
    /// an exchange cleanly; after a reply vrctl could not read (or a failed
    /// read) the rest of that exchange may still be queued, and a dump may
    /// still be running, which would make the kernel refuse the next dump
    /// on the socket with EBUSY.
    pub fn usable_after(err: &Error) -> bool {
        !matches!(
            err,
            Error::Netlink(NlError::Protocol(_) | NlError::Io { .. })
        )
    }

    /// Whether the kernel may take owner-batch requests.
    pub fn owner_batch(&self) -> bool {
        self.owner_batch
    }

    /// The kernel does not know owner-batch: the lines go one by one.
    pub fn no_owner_batch(&mut self) {
        self.owner_batch = false;
    }

    /// Closes the sockets; the next command opens new ones.
    pub fn forget_sockets(&mut self) {
        self.genl = None;
        self.rtnl = None;
        self.diag = None;
    }

    #[cfg(test)]
    pub fn opened(&self) -> Opened {
        self.opened
    }
}

/// Output options shared by all verbs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Format {
    pub json: bool,
    pub pretty: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{OsStr, OsString};

    use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};

    use crate::route::{self, dump as dump_routes, RouteOp};
    use crate::task::identify;
    use crate::vr::assign;

    #[test]
    fn ctx_opens_nothing_a_command_does_not_need() {
        let mut ctx = Ctx::new();
        assert!(matches!(
            assign(&mut ctx, OsStr::new("nosuchdev0"), 1),
            Err(Error::NoDevice(_))
        ));
        let mut out = Vec::new();
        assert!(matches!(
            identify(&mut ctx, Some(4_194_305), Format::default(), &mut out),
            Err(Error::NoProcess(_))
        ));
        let route = route::parse_args(
            RouteOp::Show,
            &["dev", "nosuchdev0", "vr", "1"].map(OsString::from),
        )
        .expect("valid");
        assert!(matches!(
            route::show(&mut ctx, &route, Format::default(), &mut out),
            Err(Error::NoDevice(_))
        ));
        assert_eq!(ctx.opened(), Opened::default());
    }

    /// Returns early, saying so, where netlink sockets cannot be opened.
    fn netlink_available() -> bool {
        match GenlSocket::open() {
            Ok(_) => true,
            Err(e) => {
                eprintln!("skipping: no generic netlink socket here: {e}");
                false
            }
        }
    }

    /// What a batch of many lines does to the sockets: one generic netlink
    /// socket, whose family is resolved once, and one rtnetlink socket,
    /// however many requests go through them (nlctrl stands for the vr
    /// family, which this host may lack).
    #[test]
    fn host_ctx_opens_each_socket_once() {
        if !netlink_available() {
            return;
        }
        let mut ctx = Ctx::of_family("nlctrl");
        for _ in 0..200 {
            let families = ctx
                .genl()
                .expect("nlctrl resolves")
                .dump(GenlCtrl {
                    cmd: GenlCtrlCmd::GetFamily,
                    nlas: vec![],
                })
                .expect("dump of families");
            assert!(!families.is_empty());
            dump_routes(&mut ctx).expect("route dump");
        }
        assert_eq!(
            ctx.opened(),
            Opened {
                genl: 1,
                resolved: 1,
                rtnl: 1,
                diag: 0
            }
        );
    }

    /// After a reply it could not read, a batch starts again with new
    /// sockets; after a refusal of the kernel it keeps them.
    #[test]
    fn host_ctx_forgets_sockets_after_a_protocol_error() {
        assert!(!Ctx::usable_after(&Error::protocol("bad reply".into())));
        assert!(Ctx::usable_after(&Error::Netlink(NlError::Kernel {
            errno: libc::EBUSY,
            msg: None
        })));
        assert!(Ctx::usable_after(&Error::NoDevice("x".into())));
        if !netlink_available() {
            return;
        }
        let mut ctx = Ctx::of_family("nlctrl");
        ctx.genl().expect("nlctrl resolves");
        dump_routes(&mut ctx).expect("route dump");
        ctx.forget_sockets();
        ctx.genl().expect("nlctrl resolves");
        dump_routes(&mut ctx).expect("route dump");
        assert_eq!(
            ctx.opened(),
            Opened {
                genl: 2,
                resolved: 2,
                rtnl: 2,
                diag: 0
            }
        );
    }

    /// Without the family, the socket stays and each use asks again.
    #[test]
    fn host_ctx_keeps_the_socket_of_a_missing_family() {
        if !netlink_available() {
            return;
        }
        let mut ctx = Ctx::of_family("no-such-family");
        for _ in 0..5 {
            assert!(matches!(
                ctx.genl(),
                Err(Error::Netlink(NlError::FamilyNotFound(_)))
            ));
        }
        assert_eq!(
            ctx.opened(),
            Opened {
                genl: 1,
                resolved: 5,
                ..Opened::default()
            }
        );
    }
}
