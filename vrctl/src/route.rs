// SPDX-License-Identifier: GPL-2.0-only
//! `vrctl route`: the IPv4 and IPv6 routes of a VR's FIB tables, through
//! rtnetlink. VR k has one table id in both families (65536 + k, the main
//! table for VR 0). Its arguments (the family is the one `-4` or `-6`
//! names, else that of the prefix or gateway given), the
//! RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE requests (built as iproute2
//! builds them), the decoded view of dumped routes and their output, as
//! `ip route` and `ip -6 route` print them.
//!
//! The code is written once for both families, over [`Addr`]
//! (`Ipv4Addr` or `Ipv6Addr`): [`PrefixOf`], [`RouteArgsOf`], [`RouteOf`].
//! [`Prefix`], [`RouteArgs`] and [`Route`] are the IPv4 ones; an IPv6
//! route is a [`Route6`], which adds what only IPv6 dumps carry (the
//! router preference, the expiry and the metrics that `ip -6 route`
//! prints).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use clap::Subcommand;
use serde::Serialize;
use serde_json::{Map, Value};
use vr_netlink::args::{parse_vr_id, set_once, utf8};

use netlink_packet_core::{Nla, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteHeader, RouteMessage, RouteMetric,
    RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::ctx::{Ctx, Format};
use crate::error::{self, Error};
use crate::iface::{ifindex, ifname};
use crate::output::{dev_name, json_error, to_json, write_out};
use crate::vr;

/// The command of vrctl this module owns.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, delete or show the IPv4 and IPv6 routes of a VR's table
    #[command(subcommand_required = true, arg_required_else_help = true)]
    Route {
        #[command(subcommand)]
        command: RouteCommand,
    },
}

/// The help of the arguments of every route verb.
macro_rules! route_args_help {
    () => {
        "\
PREFIX is default, A.B.C.D/LEN or A.B.C.D (a /32), or for IPv6 X:X::X/LEN
or X:X::X (a /128), optionally after \"to\". GW is an address of the same
family; a link-local IPv6 gateway needs dev. The route's family is the one
-4 or -6 names, else that of PREFIX or GW: mixing them is an error, and
\"default\" alone is IPv4's 0.0.0.0/0 (::/0 with -6). The keywords may come
in any order. VR is a VR id; its table (one id for IPv4 and IPv6) is the
one the kernel reports (vrctl show)."
    };
}

const ROUTE_ARGS_HELP: &str = route_args_help!();

const ROUTE_SHOW_HELP: &str = concat!(
    route_args_help!(),
    "\n\nWithout -4, -6, PREFIX or GW, both families are shown: the IPv4 routes\n\
     first, as \"ip route show table T\" prints them, then the IPv6 routes, as\n\
     \"ip -6 route show table T\" does."
);

/// `-4` and `-6` of the route verbs.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct FamilyOpts {
    /// IPv4 only: PREFIX and GW are IPv4 (show: the IPv4 routes)
    #[arg(short = '4', conflicts_with = "inet6", display_order = 10)]
    inet: bool,
    /// IPv6 only: PREFIX and GW are IPv6, "default" is ::/0 (show: the IPv6
    /// routes)
    #[arg(short = '6', display_order = 11)]
    inet6: bool,
}

impl FamilyOpts {
    /// The family named, if one is.
    pub fn family(self) -> Option<Family> {
        match (self.inet, self.inet6) {
            (true, _) => Some(Family::Inet),
            (_, true) => Some(Family::Inet6),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Add a route to the table of a VR
    #[command(
        override_usage = "vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR> [-4|-6]",
        after_help = ROUTE_ARGS_HELP
    )]
    Add {
        #[command(flatten)]
        family: FamilyOpts,
        /// PREFIX, via GW, dev IFNAME, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Delete a route from the table of a VR
    #[command(
        visible_alias = "delete",
        override_usage = "vrctl route del <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR> [-4|-6]",
        after_help = ROUTE_ARGS_HELP
    )]
    Del {
        #[command(flatten)]
        family: FamilyOpts,
        /// PREFIX, via GW, dev IFNAME, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Show the routes of the table of a VR (all, or those matching)
    #[command(
        visible_alias = "list",
        override_usage = "vrctl route show [<PREFIX>] [via <GW>] [dev <IFNAME>] vr <VR> [-4|-6]",
        after_help = ROUTE_SHOW_HELP
    )]
    Show {
        #[command(flatten)]
        family: FamilyOpts,
        /// [PREFIX], [via GW], [dev IFNAME], vr VR
        #[arg(value_name = "ARGS")]
        args: Vec<OsString>,
    },
}

/// The route verb and what its arguments select; a bad argument is a
/// usage error of that verb.
fn route_selection(command: &RouteCommand) -> error::Result<(RouteOp, Selection)> {
    let (op, family, args, path): (_, _, _, &'static [&'static str]) = match command {
        RouteCommand::Add { family, args } => (RouteOp::Add, family, args, &["route", "add"]),
        RouteCommand::Del { family, args } => (RouteOp::Del, family, args, &["route", "del"]),
        RouteCommand::Show { family, args } => (RouteOp::Show, family, args, &["route", "show"]),
    };
    let parsed = parse_selection(op, family.family(), args)
        .map_err(|msg| Error::Usage { cmd: path, msg })?;
    Ok((op, parsed))
}

/// The IPv4 view of `route_selection` (the tests' shorthand).
#[cfg(test)]
fn route_args(command: &RouteCommand) -> error::Result<(RouteOp, RouteArgs)> {
    let (op, sel) = route_selection(command)?;
    let args = inet_only(sel).map_err(|msg| Error::Usage {
        cmd: &["route"],
        msg,
    })?;
    Ok((op, args))
}

/// Runs a `vrctl route` command with the sockets of `ctx`.
pub fn run(ctx: &mut Ctx, command: Command, fmt: Format, out: &mut dyn Write) -> error::Result<()> {
    let Command::Route { command } = command;
    match route_selection(&command)? {
        (RouteOp::Show, sel) => show(ctx, sel, fmt, out),
        (op, Selection::Inet(args)) => modify(ctx, op, &args),
        (op, Selection::Inet6(args)) => modify(ctx, op, &args),
        // parse_selection gives both families to show only: add and del
        // need a prefix, which has a family.
        (_, Selection::Both { .. }) => Err(Error::Usage {
            cmd: &["route"],
            msg: "a prefix is required".into(),
        }),
    }
}

/// The FIB table of VR `id`, as the kernel reports it (the same id in
/// both families).
fn vr_table(ctx: &mut Ctx, id: u32) -> error::Result<u32> {
    vr::fetch(ctx, Some(id))?
        .first()
        .map(|vr| vr.table)
        .ok_or_else(|| Error::protocol(format!("no reply for VR {id}")))
}

/// `route add` and `route del` in the table of `args.vr`. The interface
/// name is resolved first, the table next, then the kernel has its say.
pub fn modify<A: Addr>(ctx: &mut Ctx, op: RouteOp, args: &RouteArgsOf<A>) -> error::Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(ctx, args.vr)?;
    modify_table(ctx, op, args, table, oif)
}

fn modify_table<A: Addr>(
    ctx: &mut Ctx,
    op: RouteOp,
    args: &RouteArgsOf<A>,
    table: u32,
    oif: Option<u32>,
) -> error::Result<()> {
    let msg = modify_request(op, args, table, oif);
    ctx.rtnl()?.transact(msg, request_flags(op))?;
    Ok(())
}

/// Every route of family `A` of the namespace, from one rtnetlink dump.
fn dump_family<A: Addr>(ctx: &mut Ctx) -> error::Result<Vec<A::Route>> {
    Ok(ctx
        .rtnl()?
        .transact(dump_request_family(A::FAMILY), request_flags(RouteOp::Show))?
        .iter()
        .filter_map(A::Route::decode)
        .collect())
}

/// Every IPv4 route of the namespace, from one rtnetlink dump.
pub(crate) fn dump(ctx: &mut Ctx) -> error::Result<Vec<Route>> {
    dump_family::<Ipv4Addr>(ctx)
}

/// The routes of family `A` of table `table` matching the selectors of
/// `args`, in the kernel's order, with their interface names.
fn table_routes<A: Addr>(
    ctx: &mut Ctx,
    table: u32,
    args: &RouteArgsOf<A>,
    oif: Option<u32>,
) -> error::Result<Vec<A::Route>> {
    let mut routes: Vec<A::Route> = dump_family::<A>(ctx)?
        .into_iter()
        .filter(|r| {
            let r = r.route();
            r.table == table && r.matches(args.prefix, args.via, oif)
        })
        .collect();
    for r in &mut routes {
        let r = r.route_mut();
        r.dev = r.oif.and_then(ifname);
        for hop in &mut r.nexthops {
            hop.dev = ifname(hop.oif);
        }
    }
    Ok(routes)
}

/// `route show`: the routes of the table of the selected VR, IPv4 first,
/// as text or JSON. Takes a [`Selection`], or IPv4 [`RouteArgs`].
pub fn show(
    ctx: &mut Ctx,
    sel: impl Into<Selection>,
    fmt: Format,
    out: &mut dyn Write,
) -> error::Result<()> {
    let sel = sel.into();
    let (dev, vr) = sel.dev_vr();
    let oif = dev.map(ifindex).transpose()?;
    let table = vr_table(ctx, vr)?;
    let (v4, v6) = match &sel {
        Selection::Inet(args) => (table_routes(ctx, table, args, oif)?, Vec::new()),
        Selection::Inet6(args) => (Vec::new(), table_routes(ctx, table, args, oif)?),
        Selection::Both { dev, vr } => (
            table_routes(ctx, table, &RouteArgs::all(dev, *vr), oif)?,
            table_routes(ctx, table, &RouteArgs6::all(dev, *vr), oif)?,
        ),
    };
    let text = if fmt.json {
        show_json(&v4, &v6, fmt.pretty).map_err(json_error)?
    } else {
        show_text(&v4, &v6)
    };
    write_out(out, &text)
}

/// rtm_table of a request whose table is in RTA_TABLE (iproute2 does this
/// for every table above 255).
pub const RT_TABLE_UNSPEC: u8 = 0;

/// The address family of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Inet,
    Inet6,
}

impl Family {
    /// The family of an address or prefix as typed: an IPv6 one has a
    /// colon, an IPv4 one never.
    fn of(s: &str) -> Family {
        if s.contains(':') {
            Family::Inet6
        } else {
            Family::Inet
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Inet => "IPv4",
            Family::Inet6 => "IPv6",
        }
    }

    fn option(self) -> &'static str {
        match self {
            Family::Inet => "-4",
            Family::Inet6 => "-6",
        }
    }

    /// What a prefix of the family may be.
    fn prefix_forms(self) -> &'static str {
        match self {
            Family::Inet => "default, A.B.C.D/LEN or A.B.C.D",
            Family::Inet6 => "default, X:X::X/LEN or X:X::X",
        }
    }

    fn address_family(self) -> AddressFamily {
        match self {
            Family::Inet => AddressFamily::Inet,
            Family::Inet6 => AddressFamily::Inet6,
        }
    }
}

/// What a family's address type brings to the code both share: the
/// family, the host prefix length, its netlink encoding, its text (as
/// iproute2's, inet_ntop) and its routes.
pub trait Addr: Copy + Eq + fmt::Debug + FromStr + 'static {
    const FAMILY: Family;
    /// The length of a host prefix.
    const BITS: u8;
    /// At most so many digits in a prefix length.
    const LEN_DIGITS: usize;
    const UNSPECIFIED: Self;
    /// A dumped route of the family.
    type Route: Dumped<A = Self>;

    fn from_route(addr: &RouteAddress) -> Option<Self>;
    fn to_route(self) -> RouteAddress;
    fn from_ip(addr: IpAddr) -> Option<Self>;
    /// As iproute2 prints it.
    fn text(&self) -> String;
    /// A gateway that needs an output interface (IPv6 link-local).
    fn needs_dev(&self) -> bool;
}

impl Addr for Ipv4Addr {
    const FAMILY: Family = Family::Inet;
    const BITS: u8 = 32;
    const LEN_DIGITS: usize = 2;
    const UNSPECIFIED: Self = Ipv4Addr::UNSPECIFIED;
    type Route = Route;

    fn from_route(addr: &RouteAddress) -> Option<Self> {
        match addr {
            RouteAddress::Inet(a) => Some(*a),
            _ => None,
        }
    }

    fn to_route(self) -> RouteAddress {
        RouteAddress::Inet(self)
    }

    fn from_ip(addr: IpAddr) -> Option<Self> {
        match addr {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }

    fn text(&self) -> String {
        self.to_string()
    }

    fn needs_dev(&self) -> bool {
        false
    }
}

impl Addr for Ipv6Addr {
    const FAMILY: Family = Family::Inet6;
    const BITS: u8 = 128;
    const LEN_DIGITS: usize = 3;
    const UNSPECIFIED: Self = Ipv6Addr::UNSPECIFIED;
    type Route = Route6;

    fn from_route(addr: &RouteAddress) -> Option<Self> {
        match addr {
            RouteAddress::Inet6(a) => Some(*a),
            _ => None,
        }
    }

    fn to_route(self) -> RouteAddress {
        RouteAddress::Inet6(self)
    }

    fn from_ip(addr: IpAddr) -> Option<Self> {
        match addr {
            IpAddr::V6(a) => Some(a),
            IpAddr::V4(_) => None,
        }
    }

    /// As glibc's inet_ntop, which writes an IPv4-compatible address
    /// (`::a.b.c.d`, its six leading zeros being the longest run) in dotted
    /// form; Rust's Display does that for IPv4-mapped ones only, and
    /// agrees on the rest (RFC 5952).
    fn text(&self) -> String {
        let s = self.segments();
        if s[..6] == [0; 6] && s[6] != 0 {
            let [.., a, b, c, d] = self.octets();
            return format!("::{}", Ipv4Addr::new(a, b, c, d));
        }
        self.to_string()
    }

    fn needs_dev(&self) -> bool {
        self.is_unicast_link_local()
    }
}

/// A destination prefix of family `A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixOf<A> {
    pub addr: A,
    pub len: u8,
}

/// An IPv4 destination prefix.
pub type Prefix = PrefixOf<Ipv4Addr>;
/// An IPv6 destination prefix.
pub type Prefix6 = PrefixOf<Ipv6Addr>;

impl<A: Addr> PrefixOf<A> {
    pub const DEFAULT: Self = PrefixOf {
        addr: A::UNSPECIFIED,
        len: 0,
    };

    /// `default`, `ADDR/LEN` (LEN 0-32 or 0-128) or `ADDR` (a host
    /// prefix). Host bits are kept: the kernel refuses (IPv4) or clears
    /// (IPv6) them itself.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "default" {
            return Some(Self::DEFAULT);
        }
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => {
                if l.is_empty() || l.len() > A::LEN_DIGITS || !l.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                let len: u8 = l.parse().ok()?;
                (a, len)
            }
            None => (s, A::BITS),
        };
        if len > A::BITS {
            return None;
        }
        Some(PrefixOf {
            addr: addr.parse().ok()?,
            len,
        })
    }
}

/// As iproute2 prints a destination: `default`, the address alone for a
/// host prefix, else `ADDR/LEN`.
impl<A: Addr> fmt::Display for PrefixOf<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.len {
            0 if self.addr == A::UNSPECIFIED => f.write_str("default"),
            len if len == A::BITS => f.write_str(&self.addr.text()),
            len => write!(f, "{}/{len}", self.addr.text()),
        }
    }
}

/// The verbs of `vrctl route`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteOp {
    Add,
    Del,
    Show,
}

/// The arguments of `vrctl route add|del|show` for a route of family `A`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteArgsOf<A> {
    pub prefix: Option<PrefixOf<A>>,
    pub via: Option<A>,
    pub dev: Option<OsString>,
    pub vr: u32,
}

/// The arguments of an IPv4 route.
pub type RouteArgs = RouteArgsOf<Ipv4Addr>;
/// The arguments of an IPv6 route.
pub type RouteArgs6 = RouteArgsOf<Ipv6Addr>;

impl<A: Addr> RouteArgsOf<A> {
    /// Every route of the family through `dev`, if given, in VR `vr`.
    fn all(dev: &Option<OsString>, vr: u32) -> Self {
        RouteArgsOf {
            prefix: None,
            via: None,
            dev: dev.clone(),
            vr,
        }
    }
}

/// What a `vrctl route` command line selects: a route of one family (add,
/// del, show), or every route of both (show without -4, -6 and address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Inet(RouteArgs),
    Inet6(RouteArgs6),
    Both { dev: Option<OsString>, vr: u32 },
}

impl Selection {
    fn dev_vr(&self) -> (Option<&std::ffi::OsStr>, u32) {
        match self {
            Selection::Inet(a) => (a.dev.as_deref(), a.vr),
            Selection::Inet6(a) => (a.dev.as_deref(), a.vr),
            Selection::Both { dev, vr } => (dev.as_deref(), *vr),
        }
    }
}

impl From<&RouteArgs> for Selection {
    fn from(args: &RouteArgs) -> Self {
        Selection::Inet(args.clone())
    }
}

/// The IPv4 arguments of a selection (both families: those of IPv4).
#[cfg(test)]
fn inet_only(sel: Selection) -> Result<RouteArgs, String> {
    match sel {
        Selection::Inet(args) => Ok(args),
        Selection::Both { dev, vr } => Ok(RouteArgs::all(&dev, vr)),
        Selection::Inet6(_) => Err("an IPv6 route where an IPv4 one is expected".into()),
    }
}

/// A prefix as typed: `default` is of the route's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnyPrefix {
    Default,
    Inet(Prefix),
    Inet6(Prefix6),
}

/// What decided the family of a route command, for the message about a
/// word of the other family.
#[derive(Debug, Clone, Copy)]
enum Basis {
    Flag(Family),
    Prefix(Family),
    Gateway(Family),
}

impl Basis {
    fn family(self) -> Family {
        match self {
            Basis::Flag(f) | Basis::Prefix(f) | Basis::Gateway(f) => f,
        }
    }

    /// Why a word of the other family has no place.
    fn reason(self) -> String {
        match self {
            Basis::Flag(f) => format!("and {} is given", f.option()),
            Basis::Prefix(f) => format!("but the prefix is {}: one family per route", f.name()),
            Basis::Gateway(f) => format!("but the gateway is {}: one family per route", f.name()),
        }
    }
}

fn parse_prefix_arg(arg: &OsString, basis: Option<Basis>) -> Result<AnyPrefix, String> {
    let s = utf8(arg, "prefix")?;
    if s == "default" {
        return Ok(AnyPrefix::Default);
    }
    let own = Family::of(s);
    let parsed = match own {
        Family::Inet => Prefix::parse(s).map(AnyPrefix::Inet),
        Family::Inet6 => Prefix6::parse(s).map(AnyPrefix::Inet6),
    };
    let Some(prefix) = parsed else {
        let expected = basis.map_or(own, Basis::family).prefix_forms();
        return Err(format!("invalid prefix {s:?} (expected {expected})"));
    };
    match basis {
        Some(b) if b.family() != own => Err(format!(
            "invalid prefix {s:?} (an {} prefix, {})",
            own.name(),
            b.reason()
        )),
        _ => Ok(prefix),
    }
}

fn parse_gateway(arg: &OsString, basis: Option<Basis>) -> Result<IpAddr, String> {
    let s = utf8(arg, "gateway")?;
    let own = Family::of(s);
    let Ok(gw) = s.parse::<IpAddr>() else {
        let expected = basis.map_or(own, Basis::family).name();
        return Err(format!(
            "invalid gateway {s:?} (expected an {expected} address)"
        ));
    };
    match basis {
        Some(b) if b.family() != own => Err(format!(
            "invalid gateway {s:?} (an {} address, {})",
            own.name(),
            b.reason()
        )),
        _ => Ok(gw),
    }
}

/// The interface name of `dev`, resolved later.
pub(crate) fn parse_dev(arg: &OsString) -> Result<OsString, String> {
    if arg.is_empty() {
        return Err("empty interface name".into());
    }
    Ok(arg.clone())
}

/// The arguments of a route of family `A`, from words whose families
/// `parse_selection` has checked.
fn family_args<A: Addr>(
    op: RouteOp,
    prefix: Option<AnyPrefix>,
    via: Option<IpAddr>,
    dev: Option<OsString>,
    vr: u32,
) -> Result<RouteArgsOf<A>, String> {
    let mixed = || "one family per route: the prefix and gateway differ".to_string();
    let prefix = match prefix {
        None => None,
        Some(AnyPrefix::Default) => Some(PrefixOf::DEFAULT),
        Some(AnyPrefix::Inet(p)) => Some(PrefixOf {
            addr: A::from_ip(IpAddr::V4(p.addr)).ok_or_else(mixed)?,
            len: p.len,
        }),
        Some(AnyPrefix::Inet6(p)) => Some(PrefixOf {
            addr: A::from_ip(IpAddr::V6(p.addr)).ok_or_else(mixed)?,
            len: p.len,
        }),
    };
    let via = via.map(|gw| A::from_ip(gw).ok_or_else(mixed)).transpose()?;
    if let Some(gw) = via {
        if op == RouteOp::Add && dev.is_none() && gw.needs_dev() {
            return Err(format!(
                "gateway {:?} is link-local: \"dev <IFNAME>\" is required",
                gw.text()
            ));
        }
    }
    Ok(RouteArgsOf {
        prefix,
        via,
        dev,
        vr,
    })
}

/// Parses `[to] PREFIX`, `via GW`, `dev IFNAME` and `vr VR` in any order,
/// each at most once, as iproute2 does, for a route of family `family`
/// (`-4`, `-6`) or of the family of its prefix and gateway, which must
/// agree. `default` is IPv4's unless the family is IPv6. `vr` is
/// required, and so is the prefix for add and del; `route show` without
/// family, prefix or gateway selects both families. An error is a usage
/// error's message.
pub fn parse_selection(
    op: RouteOp,
    family: Option<Family>,
    args: &[OsString],
) -> Result<Selection, String> {
    let mut prefix = None;
    let mut via = None;
    let mut dev = None;
    let mut vr = None;
    let mut basis = family.map(Basis::Flag);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let keyword = arg
            .to_str()
            .filter(|k| matches!(*k, "to" | "via" | "dev" | "vr"));
        let Some(keyword) = keyword else {
            if prefix.is_some() {
                return Err(format!("unexpected argument {:?}", arg.to_string_lossy()));
            }
            let p = parse_prefix_arg(arg, basis)?;
            prefix = Some(p);
            basis = basis.or_else(|| prefix_basis(p));
            continue;
        };
        let value = it
            .next()
            .ok_or_else(|| format!("\"{keyword}\" needs a value"))?;
        match keyword {
            "to" => {
                let p = parse_prefix_arg(value, basis)?;
                set_once(&mut prefix, p, "the prefix")?;
                basis = basis.or_else(|| prefix_basis(p));
            }
            "via" => {
                let gw = parse_gateway(value, basis)?;
                set_once(&mut via, gw, "\"via\"")?;
                basis = basis.or(Some(Basis::Gateway(if gw.is_ipv6() {
                    Family::Inet6
                } else {
                    Family::Inet
                })));
            }
            "dev" => set_once(&mut dev, parse_dev(value)?, "\"dev\"")?,
            _ => set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?,
        }
    }
    let vr = vr.ok_or_else(|| "\"vr <VR>\" is required".to_string())?;
    if prefix.is_none() && op != RouteOp::Show {
        let forms = match basis {
            Some(b) => b.family().prefix_forms(),
            None => "default, A.B.C.D/LEN, A.B.C.D, X:X::X/LEN or X:X::X",
        };
        return Err(format!("a prefix is required ({forms})"));
    }
    let family = match basis {
        Some(b) => b.family(),
        None if prefix.is_some() => Family::Inet,
        None => return Ok(Selection::Both { dev, vr }),
    };
    Ok(match family {
        Family::Inet => Selection::Inet(family_args(op, prefix, via, dev, vr)?),
        Family::Inet6 => Selection::Inet6(family_args(op, prefix, via, dev, vr)?),
    })
}

/// The family a prefix gives the route (`default` gives none).
fn prefix_basis(p: AnyPrefix) -> Option<Basis> {
    match p {
        AnyPrefix::Default => None,
        AnyPrefix::Inet(_) => Some(Basis::Prefix(Family::Inet)),
        AnyPrefix::Inet6(_) => Some(Basis::Prefix(Family::Inet6)),
    }
}

/// The arguments of an IPv4 route command without -4 or -6 (the tests'
/// shorthand; both families select every IPv4 route).
#[cfg(test)]
pub fn parse_args(op: RouteOp, args: &[OsString]) -> Result<RouteArgs, String> {
    inet_only(parse_selection(op, None, args)?)
}

/// The netlink flags of a request, besides NLM_F_REQUEST and NLM_F_ACK.
pub fn request_flags(op: RouteOp) -> u16 {
    match op {
        RouteOp::Add => NLM_F_CREATE | NLM_F_EXCL,
        RouteOp::Del => 0,
        RouteOp::Show => NLM_F_DUMP,
    }
}

/// The RTM_NEWROUTE (add) or RTM_DELROUTE (del) request for `args` in
/// FIB table `table`, `oif` being the ifindex of `args.dev`.
///
/// As `ip route add|del` and `ip -6 route add|del`: protocol boot and type
/// unicast for add, left open for del so that they match any route; the
/// scope is universe for IPv6, and for IPv4 universe with a gateway and
/// link without on add, nowhere (any) on del. No metric: the kernel's
/// default (0 for IPv4, 1024 for IPv6). A table above 255 goes in
/// RTA_TABLE with rtm_table RT_TABLE_UNSPEC.
pub fn modify_request<A: Addr>(
    op: RouteOp,
    args: &RouteArgsOf<A>,
    table: u32,
    oif: Option<u32>,
) -> RouteNetlinkMessage {
    let prefix = args.prefix.unwrap_or(PrefixOf::DEFAULT);
    let ipv6 = A::FAMILY == Family::Inet6;
    let mut msg = RouteMessage::default();
    msg.header = RouteHeader {
        address_family: A::FAMILY.address_family(),
        destination_prefix_length: prefix.len,
        table: u8::try_from(table).unwrap_or(RT_TABLE_UNSPEC),
        ..RouteHeader::default()
    };
    if op == RouteOp::Add {
        msg.header.protocol = RouteProtocol::Boot;
        msg.header.scope = if ipv6 || args.via.is_some() {
            RouteScope::Universe
        } else {
            RouteScope::Link
        };
        msg.header.kind = RouteType::Unicast;
    } else {
        msg.header.protocol = RouteProtocol::Unspec;
        msg.header.scope = if ipv6 {
            RouteScope::Universe
        } else {
            RouteScope::NoWhere
        };
        msg.header.kind = RouteType::Unspec;
    }
    if table > 255 {
        msg.attributes.push(RouteAttribute::Table(table));
    }
    if prefix.len > 0 {
        msg.attributes
            .push(RouteAttribute::Destination(prefix.addr.to_route()));
    }
    if let Some(gw) = args.via {
        msg.attributes.push(RouteAttribute::Gateway(gw.to_route()));
    }
    if let Some(oif) = oif {
        msg.attributes.push(RouteAttribute::Oif(oif));
    }
    match op {
        RouteOp::Del => RouteNetlinkMessage::DelRoute(msg),
        _ => RouteNetlinkMessage::NewRoute(msg),
    }
}

/// The RTM_GETROUTE dump request of every route of `family` (of every
/// table: the kernel filters by table only with NETLINK_GET_STRICT_CHK, so
/// vrctl filters itself).
pub fn dump_request_family(family: Family) -> RouteNetlinkMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = family.address_family();
    RouteNetlinkMessage::GetRoute(msg)
}

/// The RTM_GETROUTE dump request of every IPv4 route (the tests'
/// shorthand).
#[cfg(test)]
pub fn dump_request() -> RouteNetlinkMessage {
    dump_request_family(Family::Inet)
}

/// A next hop of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHopOf<A> {
    pub gateway: Option<A>,
    pub oif: u32,
    pub dev: Option<String>,
    /// rtnh_hops + 1, as iproute2 shows it.
    pub weight: u16,
    pub flags: u32,
}

/// A next hop of a multipath IPv4 route (the tests' shorthand).
#[cfg(test)]
pub type NextHop = NextHopOf<Ipv4Addr>;

/// A dumped route of family `A`: what `ip route` prints of every family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOf<A> {
    pub table: u32,
    pub kind: u8,
    pub dst: PrefixOf<A>,
    pub gateway: Option<A>,
    pub oif: Option<u32>,
    /// The name of `oif`, filled in by the caller.
    pub dev: Option<String>,
    pub protocol: u8,
    pub scope: u8,
    pub prefsrc: Option<A>,
    pub metric: Option<u32>,
    /// rtm_flags
    pub flags: u32,
    pub nexthops: Vec<NextHopOf<A>>,
}

/// A dumped IPv4 route.
pub type Route = RouteOf<Ipv4Addr>;

/// A dumped IPv6 route: what every route has, and what iproute2 prints of
/// an IPv6 route besides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route6 {
    pub route: RouteOf<Ipv6Addr>,
    /// RTA_PREF: the router preference of RFC 4191 (0 medium, 1 high, 3
    /// low); the kernel sends it with every IPv6 route.
    pub pref: Option<u8>,
    /// Seconds until the route expires (rta_expires of RTA_CACHEINFO over
    /// USER_HZ, as iproute2 counts them), for a route that does.
    pub expires: Option<i32>,
    /// RTA_METRICS.
    pub metrics: Metrics,
}

/// A route of a dump, of family `A`.
pub trait Dumped: Sized {
    type A: Addr;
    /// The route of an RTM_NEWROUTE message of the family, if it is one.
    fn decode(msg: &RouteNetlinkMessage) -> Option<Self>;
    fn route(&self) -> &RouteOf<Self::A>;
    fn route_mut(&mut self) -> &mut RouteOf<Self::A>;
}

impl Dumped for Route {
    type A = Ipv4Addr;

    fn decode(msg: &RouteNetlinkMessage) -> Option<Self> {
        Route::from_message(msg)
    }

    fn route(&self) -> &Route {
        self
    }

    fn route_mut(&mut self) -> &mut Route {
        self
    }
}

impl Dumped for Route6 {
    type A = Ipv6Addr;

    fn decode(msg: &RouteNetlinkMessage) -> Option<Self> {
        Route6::from_message(msg)
    }

    fn route(&self) -> &RouteOf<Ipv6Addr> {
        &self.route
    }

    fn route_mut(&mut self) -> &mut RouteOf<Ipv6Addr> {
        &mut self.route
    }
}

impl<A: Addr> RouteOf<A> {
    /// The route of an RTM_NEWROUTE message of family `A`; None for other
    /// messages, other families and the exceptions a dump also returns
    /// (path MTUs and redirects, RTM_F_CLONED, which `ip route show` leaves
    /// out too). The table is RTA_TABLE, else rtm_table.
    pub fn from_message(msg: &RouteNetlinkMessage) -> Option<Self> {
        let RouteNetlinkMessage::NewRoute(m) = msg else {
            return None;
        };
        if m.header.address_family != A::FAMILY.address_family()
            || m.header.flags.contains(RouteFlags::Cloned)
        {
            return None;
        }
        let mut r = RouteOf {
            table: u32::from(m.header.table),
            kind: m.header.kind.into(),
            dst: PrefixOf {
                addr: A::UNSPECIFIED,
                len: m.header.destination_prefix_length,
            },
            gateway: None,
            oif: None,
            dev: None,
            protocol: m.header.protocol.into(),
            scope: m.header.scope.into(),
            prefsrc: None,
            metric: None,
            flags: m.header.flags.bits(),
            nexthops: Vec::new(),
        };
        for attr in &m.attributes {
            match attr {
                RouteAttribute::Table(t) => r.table = *t,
                RouteAttribute::Destination(a) => {
                    if let Some(a) = A::from_route(a) {
                        r.dst.addr = a;
                    }
                }
                RouteAttribute::Gateway(a) => r.gateway = A::from_route(a),
                RouteAttribute::Oif(i) => r.oif = Some(*i),
                RouteAttribute::PrefSource(a) => r.prefsrc = A::from_route(a),
                RouteAttribute::Priority(p) => r.metric = Some(*p),
                RouteAttribute::MultiPath(hops) => {
                    for hop in hops {
                        let gateway = hop.attributes.iter().find_map(|a| match a {
                            RouteAttribute::Gateway(a) => A::from_route(a),
                            _ => None,
                        });
                        r.nexthops.push(NextHopOf {
                            gateway,
                            oif: hop.interface_index,
                            dev: None,
                            weight: u16::from(hop.hops) + 1,
                            flags: u32::from(hop.flags.bits()),
                        });
                    }
                }
                _ => {}
            }
        }
        Some(r)
    }

    /// Whether the route matches the selectors of `vrctl route show`: the
    /// exact prefix, a gateway (of the route or of one of its next hops),
    /// an output interface (likewise).
    pub fn matches(&self, prefix: Option<PrefixOf<A>>, via: Option<A>, oif: Option<u32>) -> bool {
        if prefix.is_some_and(|p| p != self.dst) {
            return false;
        }
        if let Some(gw) = via {
            if self.gateway != Some(gw) && !self.nexthops.iter().any(|h| h.gateway == Some(gw)) {
                return false;
            }
        }
        if let Some(oif) = oif {
            if self.oif != Some(oif) && !self.nexthops.iter().any(|h| h.oif == oif) {
                return false;
            }
        }
        true
    }
}

/// USER_HZ, the unit of rta_expires (as iproute2's get_user_hz, without
/// its environment overrides).
pub fn user_hz() -> u32 {
    // SAFETY: sysconf has no memory effects; it returns -1 on error.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u32::try_from(hz).ok().filter(|hz| *hz > 0).unwrap_or(100)
}

impl Route6 {
    /// The IPv6 route of an RTM_NEWROUTE message (see
    /// [`RouteOf::from_message`]), with its preference, expiry and metrics.
    pub fn from_message(msg: &RouteNetlinkMessage) -> Option<Route6> {
        let route = RouteOf::<Ipv6Addr>::from_message(msg)?;
        let RouteNetlinkMessage::NewRoute(m) = msg else {
            return None;
        };
        let mut r = Route6 {
            route,
            pref: None,
            expires: None,
            metrics: Metrics::default(),
        };
        for attr in &m.attributes {
            match attr {
                RouteAttribute::Preference(p) => r.pref = Some(u8::from(*p)),
                RouteAttribute::CacheInfo(ci) if ci.expires != 0 => {
                    // iproute2 prints it with %d.
                    r.expires = Some((ci.expires / user_hz()) as i32);
                }
                RouteAttribute::Metrics(metrics) => r.metrics = Metrics::from_attrs(metrics),
                _ => {}
            }
        }
        Some(r)
    }
}

const RTAX_HOPLIMIT: u16 = 10;
const RTAX_FEATURES: u16 = 12;
const RTAX_RTT: u16 = 4;
const RTAX_RTTVAR: u16 = 5;
const RTAX_RTO_MIN: u16 = 13;
const RTAX_CC_ALGO: u16 = 16;
const RTAX_FEATURE_ECN: u32 = 1;

/// iproute2's names of the route metrics, by RTAX number, in its order.
const METRIC_NAMES: [(u16, &str); 16] = [
    (2, "mtu"),
    (3, "window"),
    (RTAX_RTT, "rtt"),
    (RTAX_RTTVAR, "rttvar"),
    (6, "ssthresh"),
    (7, "cwnd"),
    (8, "advmss"),
    (9, "reordering"),
    (RTAX_HOPLIMIT, "hoplimit"),
    (11, "initcwnd"),
    (RTAX_FEATURES, "features"),
    (RTAX_RTO_MIN, "rto_min"),
    (14, "initrwnd"),
    (15, "quickack"),
    (RTAX_CC_ALGO, "congctl"),
    (17, "fastopen_no_cookie"),
];

/// A value of RTA_METRICS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricValue {
    Number(u32),
    /// RTAX_CC_ALGO, the congestion control algorithm.
    Name(String),
}

/// The RTA_METRICS of a route: RTAX_LOCK and the values by RTAX number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metrics {
    pub lock: u32,
    pub values: BTreeMap<u16, MetricValue>,
}

impl Metrics {
    fn from_attrs(metrics: &[RouteMetric]) -> Metrics {
        let mut m = Metrics::default();
        for metric in metrics {
            let value = match metric {
                RouteMetric::Lock(lock) => {
                    m.lock = *lock;
                    continue;
                }
                RouteMetric::CcAlgo(name) => MetricValue::Name(name.clone()),
                RouteMetric::Mtu(v)
                | RouteMetric::Window(v)
                | RouteMetric::Rtt(v)
                | RouteMetric::RttVar(v)
                | RouteMetric::SsThresh(v)
                | RouteMetric::Cwnd(v)
                | RouteMetric::Advmss(v)
                | RouteMetric::Reordering(v)
                | RouteMetric::Hoplimit(v)
                | RouteMetric::InitCwnd(v)
                | RouteMetric::Features(v)
                | RouteMetric::RtoMin(v)
                | RouteMetric::InitRwnd(v)
                | RouteMetric::QuickAck(v)
                | RouteMetric::FastopenNoCookie(v) => MetricValue::Number(*v),
                _ => continue,
            };
            m.values.insert(metric.kind(), value);
        }
        m
    }

    /// The metrics iproute2 prints (print_rta_metrics): those given or
    /// locked, but a hop limit of -1, in RTAX order, as (RTAX, value).
    fn shown(&self) -> impl Iterator<Item = (u16, &'static str, bool, Option<&MetricValue>)> + '_ {
        METRIC_NAMES.iter().filter_map(move |&(i, name)| {
            let value = self.values.get(&i);
            let locked = self.lock & (1 << i) != 0;
            if value.is_none() && !locked {
                return None;
            }
            if i == RTAX_HOPLIMIT && value == Some(&MetricValue::Number(u32::MAX)) {
                return None;
            }
            Some((i, name, locked, value))
        })
    }

    /// As `ip route` prints them: `NAME [lock] VALUE` each.
    pub fn text(&self) -> Vec<String> {
        self.shown()
            .map(|(i, name, locked, value)| {
                let mut s = String::from(name);
                if locked {
                    s += " lock";
                }
                let n = match value {
                    Some(MetricValue::Number(n)) => *n,
                    _ => 0,
                };
                match i {
                    RTAX_FEATURES => {
                        if n & RTAX_FEATURE_ECN != 0 {
                            s += " ecn";
                        }
                        if n & !RTAX_FEATURE_ECN != 0 {
                            s += &format!(" {n:#x}");
                        }
                    }
                    RTAX_RTT | RTAX_RTTVAR | RTAX_RTO_MIN => {
                        let ms = metric_ms(i, n);
                        if ms >= 1000 {
                            s += &format!(" {}s", printf_g(f64::from(ms) / 1e3));
                        } else {
                            s += &format!(" {ms}ms");
                        }
                    }
                    RTAX_CC_ALGO => {
                        if let Some(MetricValue::Name(algo)) = value {
                            s += &format!(" {algo}");
                        }
                    }
                    _ => s += &format!(" {n}"),
                }
                s
            })
            .collect()
    }

    /// As `ip -j route` prints them, in the one object of its "metrics"
    /// array: by name, the times in ms, `congestion` for the algorithm,
    /// `ecn` (null) and `features` (hex) for the features.
    fn json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for (i, name, _, value) in self.shown() {
            let n = match value {
                Some(MetricValue::Number(n)) => *n,
                _ => 0,
            };
            match (i, value) {
                (RTAX_FEATURES, _) => {
                    if n & RTAX_FEATURE_ECN != 0 {
                        map.insert("ecn".into(), Value::Null);
                    }
                    if n & !RTAX_FEATURE_ECN != 0 {
                        map.insert("features".into(), Value::from(format!("{n:#x}")));
                    }
                }
                (RTAX_CC_ALGO, Some(MetricValue::Name(algo))) => {
                    map.insert("congestion".into(), Value::from(algo.clone()));
                }
                (RTAX_CC_ALGO, _) => {}
                (RTAX_RTT | RTAX_RTTVAR | RTAX_RTO_MIN, _) => {
                    map.insert(name.into(), Value::from(metric_ms(i, n)));
                }
                _ => {
                    map.insert(name.into(), Value::from(n));
                }
            }
        }
        map
    }
}

/// A time metric in ms: rtt is kept in 1/8 ms, rttvar in 1/4 ms.
fn metric_ms(i: u16, n: u32) -> u32 {
    match i {
        RTAX_RTT => n / 8,
        RTAX_RTTVAR => n / 4,
        _ => n,
    }
}

/// printf's `%g` of a non-negative number: 6 significant digits, no
/// trailing zeros, an exponent below 1e-4 and from 1e6.
pub fn printf_g(x: f64) -> String {
    fn trim(s: &str) -> &str {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            s
        }
    }
    if x == 0.0 {
        return "0".into();
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{x:.decimals$}")).to_owned()
    }
}

/// iproute2's name of a route type (rtnl_rtntype_n2a).
pub fn type_name(kind: u8) -> String {
    match kind {
        0 => "none".into(),
        1 => "unicast".into(),
        2 => "local".into(),
        3 => "broadcast".into(),
        4 => "anycast".into(),
        5 => "multicast".into(),
        6 => "blackhole".into(),
        7 => "unreachable".into(),
        8 => "prohibit".into(),
        9 => "throw".into(),
        10 => "nat".into(),
        11 => "xresolve".into(),
        n => n.to_string(),
    }
}

/// iproute2's name of a route protocol (rtnl_rtprot_n2a).
pub fn protocol_name(proto: u8) -> String {
    match proto {
        0 => "unspec".into(),
        1 => "redirect".into(),
        2 => "kernel".into(),
        3 => "boot".into(),
        4 => "static".into(),
        8 => "gated".into(),
        9 => "ra".into(),
        10 => "mrt".into(),
        11 => "zebra".into(),
        12 => "bird".into(),
        13 => "dnrouted".into(),
        14 => "xorp".into(),
        15 => "ntk".into(),
        16 => "dhcp".into(),
        18 => "keepalived".into(),
        42 => "babel".into(),
        99 => "openr".into(),
        186 => "bgp".into(),
        187 => "isis".into(),
        188 => "ospf".into(),
        189 => "rip".into(),
        192 => "eigrp".into(),
        n => n.to_string(),
    }
}

/// iproute2's name of a route scope (rtnl_rtscope_n2a).
pub fn scope_name(scope: u8) -> String {
    match scope {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        255 => "nowhere".into(),
        n => n.to_string(),
    }
}

/// iproute2's name of an IPv6 router preference (print_rt_pref).
pub fn pref_name(pref: u8) -> String {
    match pref {
        0 => "medium".into(),
        1 => "high".into(),
        3 => "low".into(),
        n => n.to_string(),
    }
}

/// The next-hop flags of rtm_flags/rtnh_flags that iproute2 prints, in
/// its order.
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    const NAMES: [(u32, &str); 7] = [
        (1, "dead"),
        (4, "onlink"),
        (2, "pervasive"),
        (8, "offload"),
        (64, "trap"),
        (16, "linkdown"),
        (32, "unresolved"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

fn nexthop_text<A: Addr>(hop: &NextHopOf<A>) -> String {
    let mut s = String::from("\n\tnexthop");
    if let Some(gw) = hop.gateway {
        s += &format!(" via {}", gw.text());
    }
    s += &format!(" dev {} weight {}", dev_name(hop.oif, &hop.dev), hop.weight);
    for flag in flag_names(hop.flags) {
        s += &format!(" {flag}");
    }
    s
}

/// One route as `ip route show table T` prints it: the type unless
/// unicast, the destination, `via`, `dev`, `proto` unless boot, `scope`
/// unless global, `src`, `metric`, the flags, `tail` (what only an IPv6
/// route has), then the next hops of a multipath route on lines of their
/// own.
fn route_line<A: Addr>(r: &RouteOf<A>, tail: &str) -> String {
    let mut s = String::new();
    if r.kind != 1 {
        s += &type_name(r.kind);
        s.push(' ');
    }
    s += &r.dst.to_string();
    if let Some(gw) = r.gateway {
        s += &format!(" via {}", gw.text());
    }
    if let Some(oif) = r.oif {
        s += &format!(" dev {}", dev_name(oif, &r.dev));
    }
    if r.protocol != 3 {
        s += &format!(" proto {}", protocol_name(r.protocol));
    }
    if r.scope != 0 {
        s += &format!(" scope {}", scope_name(r.scope));
    }
    if let Some(src) = r.prefsrc {
        s += &format!(" src {}", src.text());
    }
    if let Some(metric) = r.metric {
        s += &format!(" metric {metric}");
    }
    for flag in flag_names(r.flags) {
        s += &format!(" {flag}");
    }
    s += tail;
    for hop in &r.nexthops {
        s += &nexthop_text(hop);
    }
    s.push('\n');
    s
}

/// One IPv4 route as `ip route show table T` prints it (see `route_line`).
pub fn route_text<A: Addr>(r: &RouteOf<A>) -> String {
    route_line(r, "")
}

/// One IPv6 route as `ip -6 route show table T` prints it: as an IPv4
/// route (the kernel always gives its metric), then `expires`, the
/// metrics and `pref`.
pub fn route6_text(r: &Route6) -> String {
    let mut tail = String::new();
    if let Some(secs) = r.expires {
        tail += &format!(" expires {secs}sec");
    }
    for metric in r.metrics.text() {
        tail += " ";
        tail += &metric;
    }
    if let Some(pref) = r.pref {
        tail += &format!(" pref {}", pref_name(pref));
    }
    route_line(&r.route, &tail)
}

/// `vrctl route show -4`: one line per route.
pub fn routes_text(routes: &[Route]) -> String {
    routes.iter().map(route_text).collect()
}

/// `vrctl route show -6`: one line per route.
pub fn routes6_text(routes: &[Route6]) -> String {
    routes.iter().map(route6_text).collect()
}

/// `vrctl route show`: the IPv4 routes, then the IPv6 routes, one line
/// each, as `ip route show table T` then `ip -6 route show table T` print
/// them.
pub fn show_text(v4: &[Route], v6: &[Route6]) -> String {
    routes_text(v4) + &routes6_text(v6)
}

#[derive(Serialize)]
struct NextHopJson {
    gateway: Option<String>,
    dev: String,
    weight: u16,
    flags: Vec<&'static str>,
}

/// The keys only an IPv6 route has, as `ip -j -6 route` names them.
#[derive(Serialize)]
struct Ipv6Json {
    expires: Option<i32>,
    /// One object, as iproute2's; empty without RTA_METRICS.
    metrics: Vec<Map<String, Value>>,
    /// The name, or the number iproute2 has no name for.
    pref: Option<Value>,
}

#[derive(Serialize)]
struct RouteJson {
    #[serde(rename = "type")]
    kind: String,
    dst: String,
    gateway: Option<String>,
    dev: Option<String>,
    protocol: String,
    scope: String,
    prefsrc: Option<String>,
    metric: Option<u32>,
    flags: Vec<&'static str>,
    table: u32,
    #[serde(flatten)]
    ipv6: Option<Ipv6Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    nexthops: Vec<NextHopJson>,
}

impl RouteJson {
    fn of<A: Addr>(r: &RouteOf<A>, ipv6: Option<Ipv6Json>) -> Self {
        RouteJson {
            kind: type_name(r.kind),
            dst: r.dst.to_string(),
            gateway: r.gateway.map(|a| a.text()),
            dev: r.oif.map(|oif| dev_name(oif, &r.dev)),
            protocol: protocol_name(r.protocol),
            scope: scope_name(r.scope),
            prefsrc: r.prefsrc.map(|a| a.text()),
            metric: r.metric,
            flags: flag_names(r.flags),
            table: r.table,
            ipv6,
            nexthops: r
                .nexthops
                .iter()
                .map(|h| NextHopJson {
                    gateway: h.gateway.map(|a| a.text()),
                    dev: dev_name(h.oif, &h.dev),
                    weight: h.weight,
                    flags: flag_names(h.flags),
                })
                .collect(),
        }
    }
}

impl From<&Route6> for RouteJson {
    fn from(r: &Route6) -> Self {
        let metrics = r.metrics.json();
        let ipv6 = Ipv6Json {
            expires: r.expires,
            metrics: if metrics.is_empty() {
                Vec::new()
            } else {
                vec![metrics]
            },
            pref: r.pref.map(|p| match p {
                0 | 1 | 3 => Value::from(pref_name(p)),
                n => Value::from(n),
            }),
        };
        RouteJson::of(&r.route, Some(ipv6))
    }
}

/// `vrctl -j route show`: one JSON array, the IPv4 routes first,
/// newline-terminated. Every key is always there (null when the route has
/// no such attribute), unlike `ip -j route`; an IPv6 route has `expires`,
/// `metrics` and `pref` besides; `nexthops` only for multipath routes.
pub fn show_json(v4: &[Route], v6: &[Route6], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<RouteJson> = v4
        .iter()
        .map(|r| RouteJson::of(r, None))
        .chain(v6.iter().map(RouteJson::from))
        .collect();
    to_json(&v, pretty)
}

/// `vrctl -j route show -4` (the tests' shorthand).
#[cfg(test)]
pub fn routes_json(routes: &[Route], pretty: bool) -> serde_json::Result<String> {
    show_json(routes, &[], pretty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};
    use vr_netlink::Error as NlError;

    use std::ffi::OsStr;

    use crate::ctx::Opened;
    use vr_netlink::socket::encode_request;
    use vr_netlink::testing::tlv;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn p(addr: [u8; 4], len: u8) -> Prefix {
        Prefix {
            addr: Ipv4Addr::from(addr),
            len,
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(Prefix::parse("default"), Some(Prefix::DEFAULT));
        assert_eq!(Prefix::parse("10.99.0.0/24"), Some(p([10, 99, 0, 0], 24)));
        assert_eq!(Prefix::parse("10.1.0.1"), Some(p([10, 1, 0, 1], 32)));
        assert_eq!(Prefix::parse("0.0.0.0/0"), Some(Prefix::DEFAULT));
        assert_eq!(Prefix::parse("1.2.3.4/32"), Some(p([1, 2, 3, 4], 32)));
        // Host bits are the kernel's to refuse.
        assert_eq!(Prefix::parse("10.1.0.1/24"), Some(p([10, 1, 0, 1], 24)));
        for bad in [
            "",
            "/24",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/024",
            "10.0.0/24",
            "10.0.0.256",
            "10.0.0.0/24/1",
            "::1",
            "fe80::/64",
            "Default",
            "any",
            "10.0.0.0 /24",
        ] {
            assert_eq!(Prefix::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn prefix_display_is_iproute2s() {
        assert_eq!(Prefix::DEFAULT.to_string(), "default");
        assert_eq!(p([10, 1, 0, 0], 24).to_string(), "10.1.0.0/24");
        assert_eq!(p([10, 1, 0, 1], 32).to_string(), "10.1.0.1");
        assert_eq!(p([10, 0, 0, 0], 8).to_string(), "10.0.0.0/8");
    }

    #[test]
    fn route_arguments() {
        let a = parse_args(
            RouteOp::Add,
            &os(&[
                "10.99.0.0/24",
                "via",
                "10.1.0.254",
                "dev",
                "veth1",
                "vr",
                "1",
            ]),
        )
        .expect("parses");
        assert_eq!(
            a,
            RouteArgs {
                prefix: Some(p([10, 99, 0, 0], 24)),
                via: Some(Ipv4Addr::new(10, 1, 0, 254)),
                dev: Some("veth1".into()),
                vr: 1,
            }
        );
        // Any order; "to" before the prefix.
        let b = parse_args(
            RouteOp::Add,
            &os(&[
                "vr",
                "1",
                "dev",
                "veth1",
                "via",
                "10.1.0.254",
                "to",
                "10.99.0.0/24",
            ]),
        )
        .expect("parses");
        assert_eq!(a, b);
        let d = parse_args(RouteOp::Del, &os(&["default", "vr", "65535"])).expect("parses");
        assert_eq!(d.prefix, Some(Prefix::DEFAULT));
        assert_eq!(d.vr, 65535);
        // Show needs no prefix; ids above 65535 are the kernel's to refuse.
        let s = parse_args(RouteOp::Show, &os(&["vr", "70000"])).expect("parses");
        assert_eq!((s.prefix, s.via, s.dev, s.vr), (None, None, None, 70000));
        let s = parse_args(RouteOp::Show, &os(&["10.1.0.1", "vr", "0"])).expect("parses");
        assert_eq!(s.prefix, Some(p([10, 1, 0, 1], 32)));
    }

    #[test]
    fn route_argument_errors() {
        let err = |op, args: &[&str]| parse_args(op, &os(args)).err();
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24"]).as_deref(),
            Some("\"vr <VR>\" is required")
        );
        assert_eq!(
            err(RouteOp::Show, &[]).as_deref(),
            Some("\"vr <VR>\" is required")
        );
        assert!(
            err(RouteOp::Add, &["vr", "1"]).is_some_and(|e| e.starts_with("a prefix is required"))
        );
        assert!(err(RouteOp::Del, &["dev", "eth0", "vr", "1"]).is_some());
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "vr"]).as_deref(),
            Some("\"vr\" needs a value")
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "via"]).as_deref(),
            Some("\"via\" needs a value")
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "vr", "1", "vr", "2"]).as_deref(),
            Some("\"vr\" given twice")
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "10.1.0.0/24", "vr", "1"]).as_deref(),
            Some("unexpected argument \"10.1.0.0/24\"")
        );
        assert_eq!(
            err(
                RouteOp::Add,
                &["to", "10.0.0.0/24", "to", "10.1.0.0/24", "vr", "1"]
            )
            .as_deref(),
            Some("the prefix given twice")
        );
        assert!(err(RouteOp::Add, &["10.0.0.0/33", "vr", "1"])
            .is_some_and(|e| e.starts_with("invalid prefix \"10.0.0.0/33\"")));
        assert!(
            err(RouteOp::Add, &["10.0.0.0/24", "via", "fe80::1", "vr", "1"])
                .is_some_and(|e| e.starts_with("invalid gateway \"fe80::1\""))
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "vr", "red"]).as_deref(),
            Some("invalid VR id \"red\"")
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "vr", "+1"]).as_deref(),
            Some("invalid VR id \"+1\"")
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "vr", "4294967296"]).as_deref(),
            Some("invalid VR id \"4294967296\"")
        );
        assert_eq!(
            err(RouteOp::Add, &["10.0.0.0/24", "dev", "", "vr", "1"]).as_deref(),
            Some("empty interface name")
        );
        assert!(err(RouteOp::Add, &["table", "5", "vr", "1"]).is_some());
    }

    fn nlmsghdr(len: u32, ty: u16, flags: u16, seq: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&len.to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v
    }

    /// rtm_table the kernel reports for tables above 255 (the real id is
    /// in RTA_TABLE).
    const RT_TABLE_COMPAT: u8 = 252;
    const RTM_NEWROUTE: u16 = 24;
    const RTM_DELROUTE: u16 = 25;
    const RTM_GETROUTE: u16 = 26;
    const RTA_DST: u16 = 1;
    const RTA_OIF: u16 = 4;
    const RTA_GATEWAY: u16 = 5;
    const RTA_TABLE: u16 = 15;

    #[test]
    fn newroute_for_a_table_above_255() {
        let args = parse_args(
            RouteOp::Add,
            &os(&[
                "10.99.0.0/24",
                "via",
                "10.1.0.254",
                "dev",
                "veth1",
                "vr",
                "1",
            ]),
        )
        .expect("parses");
        let msg = modify_request(RouteOp::Add, &args, 65537, Some(7));
        let bytes = encode_request(msg, request_flags(RouteOp::Add), 42);

        let mut body = vec![
            2,  // rtm_family AF_INET
            24, // rtm_dst_len
            0,  // rtm_src_len
            0,  // rtm_tos
            0,  // rtm_table: RT_TABLE_UNSPEC, the table is in RTA_TABLE
            3,  // rtm_protocol RTPROT_BOOT
            0,  // rtm_scope RT_SCOPE_UNIVERSE (there is a gateway)
            1,  // rtm_type RTN_UNICAST
            0, 0, 0, 0, // rtm_flags
        ];
        body.extend(tlv(RTA_TABLE, &65537u32.to_ne_bytes()));
        body.extend(tlv(RTA_DST, &[10, 99, 0, 0]));
        body.extend(tlv(RTA_GATEWAY, &[10, 1, 0, 254]));
        body.extend(tlv(RTA_OIF, &7u32.to_ne_bytes()));
        // NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE
        let mut expected = nlmsghdr((16 + body.len()) as u32, RTM_NEWROUTE, 0x605, 42);
        expected.extend(body);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn newroute_without_gateway_is_scope_link() {
        let args = parse_args(RouteOp::Add, &os(&["10.99.0.0/24", "dev", "d1", "vr", "1"]))
            .expect("parses");
        let bytes = encode_request(
            modify_request(RouteOp::Add, &args, 65537, Some(3)),
            0x600,
            1,
        );
        assert_eq!(&bytes[16..28], &[2, 24, 0, 0, 0, 3, 253, 1, 0, 0, 0, 0]);
        let mut attrs = tlv(RTA_TABLE, &65537u32.to_ne_bytes());
        attrs.extend(tlv(RTA_DST, &[10, 99, 0, 0]));
        attrs.extend(tlv(RTA_OIF, &3u32.to_ne_bytes()));
        assert_eq!(&bytes[28..], &attrs[..]);
    }

    #[test]
    fn main_table_goes_in_rtm_table() {
        let args = parse_args(
            RouteOp::Add,
            &os(&["default", "via", "10.0.0.1", "vr", "0"]),
        )
        .expect("parses");
        let bytes = encode_request(modify_request(RouteOp::Add, &args, 254, None), 0x600, 1);
        // No RTA_DST for the default route, no RTA_TABLE for table 254.
        assert_eq!(&bytes[16..28], &[2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        assert_eq!(&bytes[28..], &tlv(RTA_GATEWAY, &[10, 0, 0, 1])[..]);
    }

    #[test]
    fn delroute_matches_any_protocol_scope_and_type() {
        let args = parse_args(RouteOp::Del, &os(&["10.99.0.0/24", "vr", "2"])).expect("parses");
        assert_eq!(request_flags(RouteOp::Del), 0);
        let bytes = encode_request(modify_request(RouteOp::Del, &args, 65538, None), 0, 9);
        let mut expected = nlmsghdr(44, RTM_DELROUTE, 0x5, 9);
        expected.extend([2, 24, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0]);
        expected.extend(tlv(RTA_TABLE, &65538u32.to_ne_bytes()));
        expected.extend(tlv(RTA_DST, &[10, 99, 0, 0]));
        assert_eq!(bytes, expected);
    }

    #[test]
    fn dump_request_bytes() {
        let bytes = encode_request(dump_request(), request_flags(RouteOp::Show), 3);
        // NLM_F_REQUEST | NLM_F_DUMP, no NLM_F_ACK; an AF_INET rtmsg.
        let mut expected = nlmsghdr(28, RTM_GETROUTE, 0x301, 3);
        expected.extend([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(bytes, expected);
    }

    /// An RTM_NEWROUTE as the kernel dumps it.
    fn dumped(rtm: [u8; 12], attrs: &[Vec<u8>]) -> RouteNetlinkMessage {
        let mut body = rtm.to_vec();
        for a in attrs {
            body.extend_from_slice(a);
        }
        let mut header = NetlinkHeader::default();
        header.message_type = RTM_NEWROUTE;
        header.length = (16 + body.len()) as u32;
        RouteNetlinkMessage::deserialize(&header, &body).expect("decodes")
    }

    #[test]
    fn decode_route_of_a_vr_table() {
        // 10.1.0.0/24 dev 3 proto kernel scope link src 10.1.0.1, table 65537
        let m = dumped(
            [2, 24, 0, 0, RT_TABLE_COMPAT, 2, 253, 1, 0, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &[10, 1, 0, 0]),
                tlv(7, &[10, 1, 0, 1]),
                tlv(RTA_OIF, &3u32.to_ne_bytes()),
            ],
        );
        let r = Route::from_message(&m).expect("a route");
        assert_eq!(
            r,
            Route {
                table: 65537,
                kind: 1,
                dst: p([10, 1, 0, 0], 24),
                gateway: None,
                oif: Some(3),
                dev: None,
                protocol: 2,
                scope: 253,
                prefsrc: Some(Ipv4Addr::new(10, 1, 0, 1)),
                metric: None,
                flags: 0,
                nexthops: vec![],
            }
        );
        assert!(r.matches(None, None, None));
        assert!(r.matches(Some(p([10, 1, 0, 0], 24)), None, Some(3)));
        assert!(!r.matches(Some(p([10, 1, 0, 0], 16)), None, None));
        assert!(!r.matches(None, Some(Ipv4Addr::new(10, 1, 0, 254)), None));
        assert!(!r.matches(None, None, Some(4)));
    }

    #[test]
    fn exceptions_are_not_routes() {
        // 10.7.0.2 dev 3, a path MTU exception: rtm_flags RTM_F_CLONED
        let m = dumped(
            [2, 32, 0, 0, RT_TABLE_COMPAT, 0, 0, 1, 0, 2, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &[10, 7, 0, 2]),
                tlv(RTA_OIF, &3u32.to_ne_bytes()),
            ],
        );
        assert_eq!(Route::from_message(&m), None);
    }

    #[test]
    fn decode_default_route_of_the_main_table() {
        let m = dumped(
            [2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &254u32.to_ne_bytes()),
                tlv(6, &100u32.to_ne_bytes()),
                tlv(RTA_GATEWAY, &[10, 1, 0, 254]),
                tlv(RTA_OIF, &2u32.to_ne_bytes()),
            ],
        );
        let r = Route::from_message(&m).expect("a route");
        assert_eq!((r.table, r.dst), (254, Prefix::DEFAULT));
        assert_eq!(r.gateway, Some(Ipv4Addr::new(10, 1, 0, 254)));
        assert_eq!(r.metric, Some(100));
        assert!(r.matches(
            Some(Prefix::DEFAULT),
            Some(Ipv4Addr::new(10, 1, 0, 254)),
            Some(2)
        ));
    }

    #[test]
    fn table_from_rtm_table_without_rta_table() {
        let m = dumped(
            [2, 32, 0, 0, 255, 2, 254, 2, 0, 0, 0, 0],
            &[tlv(RTA_DST, &[127, 0, 0, 1])],
        );
        let r = Route::from_message(&m).expect("a route");
        assert_eq!(
            (r.table, r.kind, r.dst.to_string()),
            (255, 2, "127.0.0.1".into())
        );
    }

    #[test]
    fn only_ipv4_newroute_messages_are_routes() {
        let m = dumped([10, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0], &[]);
        assert_eq!(Route::from_message(&m), None);
        assert_eq!(Route::from_message(&dump_request()), None);
    }

    #[test]
    fn names() {
        assert_eq!(type_name(1), "unicast");
        assert_eq!(type_name(2), "local");
        assert_eq!(type_name(3), "broadcast");
        assert_eq!(type_name(200), "200");
        assert_eq!(protocol_name(2), "kernel");
        assert_eq!(protocol_name(3), "boot");
        assert_eq!(protocol_name(4), "static");
        assert_eq!(protocol_name(77), "77");
        assert_eq!(scope_name(0), "global");
        assert_eq!(scope_name(253), "link");
        assert_eq!(scope_name(254), "host");
        assert_eq!(scope_name(7), "7");
        assert_eq!(flag_names(0), Vec::<&str>::new());
        assert_eq!(flag_names(16 | 4), vec!["onlink", "linkdown"]);
    }

    fn routes() -> Vec<Route> {
        let base = Route {
            table: 65537,
            kind: 1,
            dst: Prefix::parse("10.1.0.0/24").expect("prefix"),
            gateway: None,
            oif: Some(3),
            dev: Some("veth1".into()),
            protocol: 2,
            scope: 253,
            prefsrc: Some(Ipv4Addr::new(10, 1, 0, 1)),
            metric: None,
            flags: 0,
            nexthops: vec![],
        };
        vec![
            base.clone(),
            Route {
                kind: 2,
                dst: Prefix::parse("10.1.0.1").expect("prefix"),
                scope: 254,
                ..base.clone()
            },
            Route {
                dst: Prefix::DEFAULT,
                gateway: Some(Ipv4Addr::new(10, 1, 0, 254)),
                protocol: 3,
                scope: 0,
                prefsrc: None,
                ..base.clone()
            },
            Route {
                dst: Prefix::parse("10.99.0.0/24").expect("prefix"),
                oif: Some(9),
                dev: None,
                protocol: 4,
                prefsrc: None,
                metric: Some(20),
                flags: 16,
                ..base
            },
        ]
    }

    #[test]
    fn route_text_is_iproute2s() {
        let expected = "\
10.1.0.0/24 dev veth1 proto kernel scope link src 10.1.0.1
local 10.1.0.1 dev veth1 proto kernel scope host src 10.1.0.1
default via 10.1.0.254 dev veth1
10.99.0.0/24 dev if9 proto static scope link metric 20 linkdown
";
        assert_eq!(routes_text(&routes()), expected);
        assert_eq!(routes_text(&[]), "");
    }

    #[test]
    fn multipath_route_text() {
        let r = Route {
            table: 65537,
            kind: 1,
            dst: Prefix::parse("10.5.0.0/16").expect("prefix"),
            gateway: None,
            oif: None,
            dev: None,
            protocol: 3,
            scope: 0,
            prefsrc: None,
            metric: None,
            flags: 0,
            nexthops: vec![
                NextHop {
                    gateway: Some(Ipv4Addr::new(10, 1, 0, 2)),
                    oif: 3,
                    dev: Some("veth1".into()),
                    weight: 1,
                    flags: 0,
                },
                NextHop {
                    gateway: Some(Ipv4Addr::new(10, 2, 0, 2)),
                    oif: 4,
                    dev: None,
                    weight: 2,
                    flags: 1,
                },
            ],
        };
        assert_eq!(
            route_text(&r),
            "10.5.0.0/16\n\tnexthop via 10.1.0.2 dev veth1 weight 1\n\tnexthop via 10.2.0.2 dev if4 weight 2 dead\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&routes_json(&[r], false).expect("serializes")).expect("JSON");
        assert_eq!(v[0]["nexthops"][1]["dev"], "if4");
        assert_eq!(v[0]["nexthops"][1]["flags"][0], "dead");
        assert_eq!(v[0]["dev"], serde_json::Value::Null);
    }

    #[test]
    fn routes_json_keys() {
        let s = routes_json(&routes()[..3], false).expect("serializes");
        assert_eq!(
            s,
            "[{\"type\":\"unicast\",\"dst\":\"10.1.0.0/24\",\"gateway\":null,\"dev\":\"veth1\",\
             \"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"10.1.0.1\",\"metric\":null,\
             \"flags\":[],\"table\":65537},\
             {\"type\":\"local\",\"dst\":\"10.1.0.1\",\"gateway\":null,\"dev\":\"veth1\",\
             \"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"10.1.0.1\",\"metric\":null,\
             \"flags\":[],\"table\":65537},\
             {\"type\":\"unicast\",\"dst\":\"default\",\"gateway\":\"10.1.0.254\",\"dev\":\"veth1\",\
             \"protocol\":\"boot\",\"scope\":\"global\",\"prefsrc\":null,\"metric\":null,\
             \"flags\":[],\"table\":65537}]\n"
        );
        let pretty = routes_json(&routes(), true).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&pretty).expect("valid JSON");
        assert_eq!(v[3]["dev"], "if9");
        assert_eq!(v[3]["metric"], 20);
        assert_eq!(v[3]["flags"][0], "linkdown");
        assert_eq!(routes_json(&[], false).expect("serializes"), "[]\n");
    }

    fn route(args: &[&str]) -> error::Result<(RouteOp, RouteArgs)> {
        match crate::Cli::try_parse_from(args)
            .expect("parses")
            .command
            .expect("a command")
        {
            crate::Command::Route(Command::Route { command }) => route_args(&command),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn route_commands() {
        let (op, a) = route(&[
            "vrctl",
            "route",
            "add",
            "10.99.0.0/24",
            "dev",
            "d1",
            "vr",
            "1",
        ])
        .expect("valid");
        assert_eq!(op, RouteOp::Add);
        assert_eq!(
            a.prefix.map(|p| p.to_string()).as_deref(),
            Some("10.99.0.0/24")
        );
        assert_eq!(a.dev.as_deref(), Some(std::ffi::OsStr::new("d1")));
        assert_eq!(a.vr, 1);
        let (op, _) = route(&["vrctl", "route", "delete", "default", "vr", "0"]).expect("valid");
        assert_eq!(op, RouteOp::Del);
        let (op, a) = route(&["vrctl", "route", "list", "vr", "2"]).expect("valid");
        assert_eq!((op, a.prefix, a.vr), (RouteOp::Show, None, 2));
        // Global options anywhere, also among the route arguments.
        let cli = crate::Cli::try_parse_from(["vrctl", "route", "show", "vr", "-j", "1", "-p"])
            .expect("parses");
        assert!(cli.json && cli.pretty);
        match route(&["vrctl", "route", "show", "dev", "d1"]) {
            Err(Error::Usage { cmd, msg }) => {
                assert_eq!(cmd, ["route", "show"]);
                assert_eq!(msg, "\"vr <VR>\" is required");
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = crate::usage_error(&["route", "add"], "\"vr <VR>\" is required");
        let text = e.render().to_string();
        assert!(
            text.contains("vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>"),
            "{text}"
        );
    }

    /// Routes of a table in a throwaway network namespace: the requests
    /// vrctl builds, as a real kernel takes them. Run by
    /// host_route_roundtrip_in_netns under `unshare -rn`.
    #[test]
    #[ignore = "run by host_route_roundtrip_in_netns in a new netns"]
    fn netns_route_roundtrip() {
        assert_eq!(
            std::env::var("VRCTL_TEST_IN_NETNS").as_deref(),
            Ok("1"),
            "only inside a throwaway network namespace"
        );
        let args = |words: &[&str]| {
            let words: Vec<OsString> = words.iter().map(OsString::from).collect();
            parse_args(RouteOp::Add, &words).expect("valid arguments")
        };
        let show = |table| {
            let all = args(&["default", "vr", "1"]);
            let all = RouteArgs {
                prefix: None,
                ..all
            };
            routes_text(&table_routes(&mut Ctx::new(), table, &all, None).expect("dump"))
        };
        let lo = ifindex(OsStr::new("lo")).expect("lo");
        let table = 65537;
        // One rtnetlink socket for the changes and the dumps below.
        let mut ctx = Ctx::new();

        let a = args(&["10.99.0.0/24", "dev", "lo", "vr", "1"]);
        modify_table(&mut ctx, RouteOp::Add, &a, table, Some(lo)).expect("route add");
        assert_eq!(show(table), "10.99.0.0/24 dev lo scope link\n");
        assert_eq!(show(65538), "");
        assert!(!show(254).contains("10.99.0.0"), "{}", show(254));
        match modify_table(&mut ctx, RouteOp::Add, &a, table, Some(lo)) {
            Err(Error::Netlink(NlError::Kernel { errno, .. })) => assert_eq!(errno, libc::EEXIST),
            other => panic!("second add: {other:?}"),
        }

        // A gateway that is not on a link: the kernel explains in extack.
        let g = args(&["10.98.0.0/24", "via", "192.0.2.1", "vr", "1"]);
        match modify_table(&mut ctx, RouteOp::Add, &g, table, None) {
            Err(Error::Netlink(NlError::Kernel { errno, msg })) => {
                eprintln!(
                    "kernel said: {}",
                    NlError::Kernel {
                        errno,
                        msg: msg.clone()
                    }
                );
                assert_eq!(errno, libc::ENETUNREACH);
                assert!(msg.is_some_and(|m| !m.is_empty()));
            }
            other => panic!("add via an unreachable gateway: {other:?}"),
        }

        // Filters of route show.
        let only = |prefix: &str| {
            let f = args(&[prefix, "vr", "1"]);
            table_routes(&mut Ctx::new(), table, &f, None)
                .expect("dump")
                .len()
        };
        assert_eq!(only("10.99.0.0/24"), 1);
        assert_eq!(only("10.99.0.0/16"), 0);
        let json = routes_json(
            &table_routes(&mut ctx, table, &a, Some(lo)).expect("dump"),
            false,
        )
        .expect("JSON");
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v[0]["dst"], "10.99.0.0/24");
        assert_eq!(v[0]["dev"], "lo");
        assert_eq!(v[0]["table"], 65537);
        assert_eq!(v[0]["protocol"], "boot");

        // The local table is read through rtm_table 255 (and RTA_TABLE).
        assert!(
            show(255).contains("local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1\n"),
            "{}",
            show(255)
        );

        // Delete: by prefix only, whatever the scope and protocol.
        let d = RouteArgs {
            dev: None,
            ..a.clone()
        };
        modify_table(&mut ctx, RouteOp::Del, &d, table, None).expect("route del");
        assert_eq!(show(table), "");
        match modify_table(&mut ctx, RouteOp::Del, &d, table, None) {
            Err(Error::Netlink(NlError::Kernel { errno, .. })) => assert_eq!(errno, libc::ESRCH),
            other => panic!("second del: {other:?}"),
        }
        assert_eq!(
            ctx.opened(),
            Opened {
                rtnl: 1,
                ..Opened::default()
            }
        );
    }

    /// Runs netns_route_roundtrip in a new user and network namespace
    /// (unshare -rn, lo up); returns early, saying so, where that is not
    /// possible.
    #[test]
    fn host_route_roundtrip_in_netns() {
        use std::process::Command;
        let exe = std::env::current_exe().expect("test binary");
        let script = r#"ip link set lo up && exec "$0" --ignored --exact route::tests::netns_route_roundtrip --nocapture"#;
        let probe = Command::new("unshare")
            .args(["-rn", "sh", "-c", "ip link set lo up"])
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "skipping: unshare -rn ip link set lo up failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                return;
            }
            Err(e) => {
                eprintln!("skipping: cannot run unshare: {e}");
                return;
            }
        }
        let out = Command::new("unshare")
            .args(["-rn", "sh", "-c", script])
            .arg(exe)
            .env("VRCTL_TEST_IN_NETNS", "1")
            .output()
            .expect("unshare runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        eprintln!("{text}");
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }

    // --- IPv6 -----------------------------------------------------------

    fn p6(addr: &str, len: u8) -> Prefix6 {
        Prefix6 {
            addr: addr.parse().expect("an IPv6 address"),
            len,
        }
    }

    fn a6(addr: &str) -> Ipv6Addr {
        addr.parse().expect("an IPv6 address")
    }

    const RTA_PRIORITY: u16 = 6;
    const RTA_PREFSRC: u16 = 7;
    const RTA_METRICS: u16 = 8;
    const RTA_MULTIPATH: u16 = 9;
    const RTA_CACHEINFO: u16 = 12;
    const RTA_PREF: u16 = 20;

    /// The selection of a command line, through clap as vrctl parses it.
    fn selection(args: &[&str]) -> error::Result<(RouteOp, Selection)> {
        match crate::Cli::try_parse_from(args)
            .expect("parses")
            .command
            .expect("a command")
        {
            crate::Command::Route(Command::Route { command }) => route_selection(&command),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn sel(op: RouteOp, family: Option<Family>, args: &[&str]) -> Result<Selection, String> {
        parse_selection(op, family, &os(args))
    }

    /// The IPv6 arguments of a command line, which must be IPv6's.
    fn args6(op: RouteOp, family: Option<Family>, args: &[&str]) -> RouteArgs6 {
        match sel(op, family, args) {
            Ok(Selection::Inet6(a)) => a,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn prefixes6() {
        assert_eq!(Prefix6::parse("default"), Some(Prefix6::DEFAULT));
        assert_eq!(Prefix6::parse("::/0"), Some(Prefix6::DEFAULT));
        assert_eq!(Prefix6::parse("2001:db8::/64"), Some(p6("2001:db8::", 64)));
        assert_eq!(Prefix6::parse("2001:db8::1"), Some(p6("2001:db8::1", 128)));
        assert_eq!(Prefix6::parse("::/128"), Some(p6("::", 128)));
        assert_eq!(Prefix6::parse("fe80::/010"), Some(p6("fe80::", 10)));
        // Host bits are the kernel's to clear.
        assert_eq!(
            Prefix6::parse("2001:db8::1/64"),
            Some(p6("2001:db8::1", 64))
        );
        assert_eq!(
            Prefix6::parse("::ffff:10.0.0.0/104"),
            Some(p6("::ffff:10.0.0.0", 104))
        );
        for bad in [
            "",
            "/64",
            "2001:db8::/",
            "2001:db8::/129",
            "2001:db8::/0064",
            "2001:db8::/-1",
            "2001:db8::/+8",
            "2001:db8::/64/1",
            "fe80::1%eth0",
            "[::1]",
            "2001:db8:::/64",
            "10.0.0.0/8",
            "1.2.3.4",
            "Default",
        ] {
            assert_eq!(Prefix6::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn prefix6_display_is_iproute2s() {
        assert_eq!(Prefix6::DEFAULT.to_string(), "default");
        assert_eq!(p6("2001:db8::", 64).to_string(), "2001:db8::/64");
        assert_eq!(p6("2001:db8::1", 128).to_string(), "2001:db8::1");
        assert_eq!(p6("ff00::", 8).to_string(), "ff00::/8");
        assert_eq!(p6("::", 128).to_string(), "::");
        assert_eq!(p6("2001:db8::", 0).to_string(), "2001:db8::/0");
        // As glibc's inet_ntop (checked against it).
        for (addr, text) in [
            ("::1.2.3.4", "::1.2.3.4"),
            ("::0.1.0.0", "::0.1.0.0"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::1", "::1"),
            ("::1:0:0", "::1:0:0"),
            ("::2:3:4", "::2:3:4"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:DB8::A", "2001:db8::a"),
        ] {
            assert_eq!(a6(addr).text(), text, "{addr}");
        }
    }

    #[test]
    fn route6_arguments() {
        let a = args6(
            RouteOp::Add,
            None,
            &["2001:db8:99::/64", "via", "fe80::1", "dev", "x8", "vr", "1"],
        );
        assert_eq!(
            a,
            RouteArgs6 {
                prefix: Some(p6("2001:db8:99::", 64)),
                via: Some(a6("fe80::1")),
                dev: Some("x8".into()),
                vr: 1,
            }
        );
        // Any order, "to", -6 agreeing.
        let b = args6(
            RouteOp::Add,
            Some(Family::Inet6),
            &[
                "vr",
                "1",
                "dev",
                "x8",
                "via",
                "fe80::1",
                "to",
                "2001:db8:99::/64",
            ],
        );
        assert_eq!(a, b);
        // An address alone is a /128.
        let h = args6(RouteOp::Del, None, &["2001:db8::5", "vr", "2"]);
        assert_eq!(h.prefix, Some(p6("2001:db8::5", 128)));
        // default is ::/0 with -6 or an IPv6 gateway, whatever the order.
        for (family, words) in [
            (Some(Family::Inet6), &["default", "vr", "1"][..]),
            (None, &["default", "via", "fe80::1", "dev", "x8", "vr", "1"]),
            (None, &["via", "fe80::1", "default", "dev", "x8", "vr", "1"]),
        ] {
            let d = args6(RouteOp::Add, family, words);
            assert_eq!(d.prefix, Some(Prefix6::DEFAULT), "{words:?}");
        }
        // ... and IPv4's otherwise, as before.
        assert_eq!(
            sel(RouteOp::Del, None, &["default", "vr", "1"]),
            Ok(Selection::Inet(RouteArgs {
                prefix: Some(Prefix::DEFAULT),
                via: None,
                dev: None,
                vr: 1
            }))
        );
        // A global gateway needs no interface; a link-local one does, to
        // add (del and show match it by address).
        let g = args6(
            RouteOp::Add,
            None,
            &["2001:db8:5::/64", "via", "2001:db8:1::2", "vr", "1"],
        );
        assert_eq!((g.via, g.dev), (Some(a6("2001:db8:1::2")), None));
        let d = args6(
            RouteOp::Del,
            None,
            &["default", "via", "fe80::1", "vr", "1"],
        );
        assert_eq!(d.via, Some(a6("fe80::1")));
        let s = args6(RouteOp::Show, None, &["via", "fe80::1", "vr", "1"]);
        assert_eq!((s.prefix, s.via), (None, Some(a6("fe80::1"))));
    }

    #[test]
    fn show_selects_families() {
        let both = |words: &[&str]| sel(RouteOp::Show, None, words);
        assert_eq!(both(&["vr", "1"]), Ok(Selection::Both { dev: None, vr: 1 }));
        assert_eq!(
            both(&["dev", "x8", "vr", "1"]),
            Ok(Selection::Both {
                dev: Some("x8".into()),
                vr: 1
            })
        );
        assert_eq!(
            sel(RouteOp::Show, Some(Family::Inet), &["vr", "1"]),
            Ok(Selection::Inet(RouteArgs::all(&None, 1)))
        );
        assert_eq!(
            sel(RouteOp::Show, Some(Family::Inet6), &["vr", "1"]),
            Ok(Selection::Inet6(RouteArgs6::all(&None, 1)))
        );
        // An address says which family.
        assert!(matches!(
            both(&["10.1.0.0/24", "vr", "1"]),
            Ok(Selection::Inet(_))
        ));
        assert!(matches!(
            both(&["2001:db8::/64", "vr", "1"]),
            Ok(Selection::Inet6(_))
        ));
        assert!(matches!(
            both(&["via", "10.1.0.254", "vr", "1"]),
            Ok(Selection::Inet(_))
        ));
        assert!(matches!(
            both(&["default", "vr", "1"]),
            Ok(Selection::Inet(_))
        ));
        // The IPv4 view the older tests use.
        assert_eq!(
            parse_args(RouteOp::Show, &os(&["dev", "x8", "vr", "1"])),
            Ok(RouteArgs::all(&Some("x8".into()), 1))
        );
        assert!(parse_args(RouteOp::Show, &os(&["::/0", "vr", "1"])).is_err());
    }

    #[test]
    fn route6_argument_errors() {
        let err = |op, family, args: &[&str]| sel(op, family, args).err();
        let add = RouteOp::Add;
        // Mixed families: the later word is refused, naming the earlier.
        assert_eq!(
            err(
                add,
                None,
                &["2001:db8::/64", "via", "10.1.0.254", "vr", "1"]
            )
            .as_deref(),
            Some(
                "invalid gateway \"10.1.0.254\" (an IPv4 address, but the prefix is IPv6: \
                 one family per route)"
            )
        );
        assert_eq!(
            err(add, None, &["10.0.0.0/24", "via", "fe80::1", "vr", "1"]).as_deref(),
            Some(
                "invalid gateway \"fe80::1\" (an IPv6 address, but the prefix is IPv4: \
                 one family per route)"
            )
        );
        assert_eq!(
            err(
                add,
                None,
                &["via", "fe80::1", "dev", "x8", "10.0.0.0/24", "vr", "1"]
            )
            .as_deref(),
            Some(
                "invalid prefix \"10.0.0.0/24\" (an IPv4 prefix, but the gateway is IPv6: \
                 one family per route)"
            )
        );
        assert_eq!(
            err(
                RouteOp::Show,
                None,
                &["via", "10.0.0.1", "to", "2001:db8::/64", "vr", "1"]
            )
            .as_deref(),
            Some(
                "invalid prefix \"2001:db8::/64\" (an IPv6 prefix, but the gateway is IPv4: \
                 one family per route)"
            )
        );
        // Against -4 or -6.
        assert_eq!(
            err(add, Some(Family::Inet), &["2001:db8::/64", "vr", "1"]).as_deref(),
            Some("invalid prefix \"2001:db8::/64\" (an IPv6 prefix, and -4 is given)")
        );
        assert_eq!(
            err(add, Some(Family::Inet6), &["10.0.0.0/8", "vr", "1"]).as_deref(),
            Some("invalid prefix \"10.0.0.0/8\" (an IPv4 prefix, and -6 is given)")
        );
        assert_eq!(
            err(
                RouteOp::Show,
                Some(Family::Inet6),
                &["via", "10.0.0.1", "vr", "1"]
            )
            .as_deref(),
            Some("invalid gateway \"10.0.0.1\" (an IPv4 address, and -6 is given)")
        );
        // Bad IPv6 words say what an IPv6 one is.
        for bad in [
            "2001:db8::/129",
            "2001:db8::/1000",
            "2001:db8:::/64",
            "fe80::1%x8",
        ] {
            assert_eq!(
                err(add, None, &[bad, "vr", "1"]),
                Some(format!(
                    "invalid prefix {bad:?} (expected default, X:X::X/LEN or X:X::X)"
                )),
                "{bad}"
            );
        }
        assert_eq!(
            err(add, Some(Family::Inet6), &["zz", "vr", "1"]).as_deref(),
            Some("invalid prefix \"zz\" (expected default, X:X::X/LEN or X:X::X)")
        );
        assert_eq!(
            err(add, None, &["2001:db8::/64", "via", "zz", "vr", "1"]).as_deref(),
            Some("invalid gateway \"zz\" (expected an IPv6 address)")
        );
        assert_eq!(
            err(
                add,
                None,
                &["2001:db8::/64", "via", "fe80::1::2", "vr", "1"]
            )
            .as_deref(),
            Some("invalid gateway \"fe80::1::2\" (expected an IPv6 address)")
        );
        // A link-local gateway without its interface.
        assert_eq!(
            err(add, None, &["default", "via", "fe80::1", "vr", "1"]).as_deref(),
            Some("gateway \"fe80::1\" is link-local: \"dev <IFNAME>\" is required")
        );
        // What a missing prefix may be.
        assert_eq!(
            err(RouteOp::Del, None, &["vr", "1"]).as_deref(),
            Some("a prefix is required (default, A.B.C.D/LEN, A.B.C.D, X:X::X/LEN or X:X::X)")
        );
        assert_eq!(
            err(RouteOp::Del, Some(Family::Inet6), &["vr", "1"]).as_deref(),
            Some("a prefix is required (default, X:X::X/LEN or X:X::X)")
        );
        assert_eq!(
            err(add, None, &["via", "fe80::1", "dev", "x8", "vr", "1"]).as_deref(),
            Some("a prefix is required (default, X:X::X/LEN or X:X::X)")
        );
        assert_eq!(
            err(add, Some(Family::Inet), &["vr", "1"]).as_deref(),
            Some("a prefix is required (default, A.B.C.D/LEN or A.B.C.D)")
        );
        // Twice, whatever the families.
        assert_eq!(
            err(add, None, &["2001:db8::/64", "to", "10.0.0.0/8", "vr", "1"]).as_deref(),
            Some("invalid prefix \"10.0.0.0/8\" (an IPv4 prefix, but the prefix is IPv6: one family per route)")
        );
        assert_eq!(
            err(
                add,
                None,
                &["to", "2001:db8::/64", "to", "2001:db8:1::/64", "vr", "1"]
            )
            .as_deref(),
            Some("the prefix given twice")
        );
    }

    #[test]
    fn route6_commands() {
        let (op, s) = selection(&["vrctl", "route", "show", "-6", "vr", "1"]).expect("valid");
        assert_eq!(
            (op, s),
            (RouteOp::Show, Selection::Inet6(RouteArgs6::all(&None, 1)))
        );
        // The option anywhere among the words, with the global ones.
        let (_, s) = selection(&["vrctl", "route", "list", "vr", "1", "-4", "-j"]).expect("valid");
        assert_eq!(s, Selection::Inet(RouteArgs::all(&None, 1)));
        let (_, s) = selection(&["vrctl", "route", "show", "vr", "1"]).expect("valid");
        assert_eq!(s, Selection::Both { dev: None, vr: 1 });
        let (op, s) = selection(&[
            "vrctl", "route", "add", "-6", "default", "dev", "x8", "vr", "1",
        ])
        .expect("valid");
        assert_eq!(op, RouteOp::Add);
        assert_eq!(
            s,
            Selection::Inet6(RouteArgs6 {
                prefix: Some(Prefix6::DEFAULT),
                via: None,
                dev: Some("x8".into()),
                vr: 1
            })
        );
        let (op, _) =
            selection(&["vrctl", "route", "delete", "-4", "default", "vr", "1"]).expect("valid");
        assert_eq!(op, RouteOp::Del);
        // A usage error of the verb.
        match selection(&[
            "vrctl",
            "route",
            "add",
            "-4",
            "2001:db8::/64",
            "dev",
            "x8",
            "vr",
            "1",
        ]) {
            Err(Error::Usage { cmd, msg }) => {
                assert_eq!(cmd, ["route", "add"]);
                assert!(msg.contains("and -4 is given"), "{msg}");
            }
            other => panic!("unexpected {other:?}"),
        }
        // -4 and -6 together: clap's usage error.
        for verb in ["add", "del", "show"] {
            let e = crate::Cli::try_parse_from([
                "vrctl", "route", verb, "-4", "-6", "default", "vr", "1",
            ])
            .err();
            assert_eq!(
                e.map(|e| (e.kind(), e.exit_code())),
                Some((clap::error::ErrorKind::ArgumentConflict, 2)),
                "{verb}"
            );
        }
        let e = crate::usage_error(&["route", "show"], "x");
        assert!(e
            .render()
            .to_string()
            .contains("vrctl route show [<PREFIX>] [via <GW>] [dev <IFNAME>] vr <VR> [-4|-6]"));
    }

    fn ip6(addr: &str) -> [u8; 16] {
        a6(addr).octets()
    }

    #[test]
    fn newroute6_with_gateway() {
        let args = args6(
            RouteOp::Add,
            None,
            &["2001:db8:99::/64", "via", "fe80::1", "dev", "x8", "vr", "1"],
        );
        let bytes = encode_request(
            modify_request(RouteOp::Add, &args, 65537, Some(8)),
            request_flags(RouteOp::Add),
            42,
        );
        // As ip -6 route add table 65537 2001:db8:99::/64 via fe80::1 dev x8
        // sends it (strace).
        let mut body = vec![
            10, // rtm_family AF_INET6
            64, // rtm_dst_len
            0,  // rtm_src_len
            0,  // rtm_tos
            0,  // rtm_table: RT_TABLE_UNSPEC, the table is in RTA_TABLE
            3,  // rtm_protocol RTPROT_BOOT
            0,  // rtm_scope RT_SCOPE_UNIVERSE
            1,  // rtm_type RTN_UNICAST
            0, 0, 0, 0, // rtm_flags
        ];
        body.extend(tlv(RTA_TABLE, &65537u32.to_ne_bytes()));
        body.extend(tlv(RTA_DST, &ip6("2001:db8:99::")));
        body.extend(tlv(RTA_GATEWAY, &ip6("fe80::1")));
        body.extend(tlv(RTA_OIF, &8u32.to_ne_bytes()));
        // NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE
        let mut expected = nlmsghdr(84, RTM_NEWROUTE, 0x605, 42);
        expected.extend(body);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn newroute6_without_gateway_is_scope_universe() {
        let args = args6(
            RouteOp::Add,
            None,
            &["2001:db8:99::/64", "dev", "x8", "vr", "1"],
        );
        let bytes = encode_request(
            modify_request(RouteOp::Add, &args, 65537, Some(8)),
            0x600,
            1,
        );
        // Unlike IPv4's, no scope link: iproute2 sends universe for IPv6.
        let mut expected = nlmsghdr(64, RTM_NEWROUTE, 0x605, 1);
        expected.extend([10, 64, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0]);
        expected.extend(tlv(RTA_TABLE, &65537u32.to_ne_bytes()));
        expected.extend(tlv(RTA_DST, &ip6("2001:db8:99::")));
        expected.extend(tlv(RTA_OIF, &8u32.to_ne_bytes()));
        assert_eq!(bytes, expected);
        // A host route; the default route of the main table (VR 0).
        let h = args6(RouteOp::Add, None, &["2001:db8::7", "dev", "x8", "vr", "1"]);
        let bytes = encode_request(modify_request(RouteOp::Add, &h, 65537, Some(8)), 0x600, 1);
        assert_eq!(&bytes[16..28], &[10, 128, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0]);
        let d = args6(
            RouteOp::Add,
            Some(Family::Inet6),
            &["default", "via", "fe80::1", "dev", "x0", "vr", "0"],
        );
        let bytes = encode_request(modify_request(RouteOp::Add, &d, 254, Some(2)), 0x600, 1);
        assert_eq!(&bytes[16..28], &[10, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        let mut attrs = tlv(RTA_GATEWAY, &ip6("fe80::1"));
        attrs.extend(tlv(RTA_OIF, &2u32.to_ne_bytes()));
        assert_eq!(&bytes[28..], &attrs[..]);
    }

    #[test]
    fn delroute6_matches_any_protocol_and_type() {
        let args = args6(RouteOp::Del, None, &["2001:db8:99::/64", "vr", "2"]);
        let bytes = encode_request(modify_request(RouteOp::Del, &args, 65538, None), 0, 9);
        // As ip -6 route del: scope universe (not IPv4's nowhere), protocol
        // and type unspec.
        let mut expected = nlmsghdr(56, RTM_DELROUTE, 0x5, 9);
        expected.extend([10, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend(tlv(RTA_TABLE, &65538u32.to_ne_bytes()));
        expected.extend(tlv(RTA_DST, &ip6("2001:db8:99::")));
        assert_eq!(bytes, expected);
        let g = args6(
            RouteOp::Del,
            None,
            &["2001:db8:99::/64", "via", "fe80::1", "vr", "2"],
        );
        let bytes = encode_request(modify_request(RouteOp::Del, &g, 65538, None), 0, 9);
        assert_eq!(&bytes[56..], &tlv(RTA_GATEWAY, &ip6("fe80::1"))[..]);
    }

    #[test]
    fn dump_requests() {
        let flags = request_flags(RouteOp::Show);
        // NLM_F_REQUEST | NLM_F_DUMP, no NLM_F_ACK; an rtmsg of the family.
        let mut expected = nlmsghdr(28, RTM_GETROUTE, 0x301, 3);
        expected.extend([10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            encode_request(dump_request_family(Family::Inet6), flags, 3),
            expected
        );
        assert_eq!(
            encode_request(dump_request_family(Family::Inet), flags, 3),
            encode_request(dump_request(), flags, 3)
        );
    }

    /// An RTA_CACHEINFO with rta_expires `expires` (in USER_HZ).
    fn cacheinfo(expires: u32) -> Vec<u8> {
        let mut v = Vec::new();
        for field in [0, 0, expires, 0, 0, 0, 0, 0u32] {
            v.extend_from_slice(&field.to_ne_bytes());
        }
        tlv(RTA_CACHEINFO, &v)
    }

    /// The local route of 2001:db8:1::1 in table 65537, as the kernel dumps
    /// it (rt6_fill_node: rtm_table RT_TABLE_COMPAT, then RTA_TABLE, RTA_DST,
    /// RTA_PRIORITY, RTA_OIF, RTA_CACHEINFO, RTA_PREF).
    fn dumped_local6() -> RouteNetlinkMessage {
        dumped(
            [10, 128, 0, 0, RT_TABLE_COMPAT, 2, 0, 2, 0, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &ip6("2001:db8:1::1")),
                tlv(RTA_PRIORITY, &0u32.to_ne_bytes()),
                tlv(RTA_OIF, &8u32.to_ne_bytes()),
                cacheinfo(0),
                tlv(RTA_PREF, &[0]),
            ],
        )
    }

    fn route6_base() -> RouteOf<Ipv6Addr> {
        RouteOf {
            table: 65537,
            kind: 1,
            dst: Prefix6::DEFAULT,
            gateway: None,
            oif: Some(8),
            dev: None,
            protocol: 2,
            scope: 0,
            prefsrc: None,
            metric: None,
            flags: 0,
            nexthops: vec![],
        }
    }

    #[test]
    fn decode_local6_of_a_vr_table() {
        let r = Route6::from_message(&dumped_local6()).expect("a route");
        assert_eq!(
            r,
            Route6 {
                route: RouteOf {
                    kind: 2,
                    dst: p6("2001:db8:1::1", 128),
                    metric: Some(0),
                    ..route6_base()
                },
                pref: Some(0),
                expires: None,
                metrics: Metrics::default(),
            }
        );
        assert_eq!(
            route6_text(&r),
            "local 2001:db8:1::1 dev if8 proto kernel metric 0 pref medium\n"
        );
        // Not an IPv4 route; nor is an IPv4 route an IPv6 one.
        assert_eq!(Route::from_message(&dumped_local6()), None);
        let v4 = dumped(
            [2, 24, 0, 0, RT_TABLE_COMPAT, 2, 253, 1, 0, 0, 0, 0],
            &[tlv(RTA_TABLE, &65537u32.to_ne_bytes())],
        );
        assert_eq!(Route6::from_message(&v4), None);
        assert_eq!(
            Route6::from_message(&dump_request_family(Family::Inet6)),
            None
        );
    }

    #[test]
    fn decode_unicast6_with_gateway() {
        // default via fe80::1 dev x8 proto ra metric 1024 expires 1800sec
        // hoplimit 64 pref high: a router learnt from an RA.
        let m = dumped(
            [10, 0, 0, 0, RT_TABLE_COMPAT, 9, 0, 1, 0, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_METRICS, &tlv(10, &64u32.to_ne_bytes())),
                tlv(RTA_PRIORITY, &1024u32.to_ne_bytes()),
                tlv(RTA_GATEWAY, &ip6("fe80::1")),
                tlv(RTA_OIF, &8u32.to_ne_bytes()),
                cacheinfo(1800 * user_hz()),
                tlv(RTA_PREF, &[1]),
            ],
        );
        let r = Route6::from_message(&m).expect("a route");
        assert_eq!(
            r,
            Route6 {
                route: RouteOf {
                    gateway: Some(a6("fe80::1")),
                    protocol: 9,
                    metric: Some(1024),
                    ..route6_base()
                },
                pref: Some(1),
                expires: Some(1800),
                metrics: Metrics {
                    lock: 0,
                    values: [(10, MetricValue::Number(64))].into(),
                },
            }
        );
        assert!(r
            .route
            .matches(Some(Prefix6::DEFAULT), Some(a6("fe80::1")), Some(8)));
        assert!(!r.route.matches(None, Some(a6("fe80::2")), None));
        assert_eq!(
            route6_text(&r),
            "default via fe80::1 dev if8 proto ra metric 1024 expires 1800sec hoplimit 64 pref high\n"
        );
    }

    #[test]
    fn decode_multicast6_and_multipath() {
        let m = dumped(
            [10, 8, 0, 0, RT_TABLE_COMPAT, 2, 0, 5, 0, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &ip6("ff00::")),
                tlv(RTA_PRIORITY, &256u32.to_ne_bytes()),
                tlv(RTA_OIF, &8u32.to_ne_bytes()),
                cacheinfo(0),
                tlv(RTA_PREF, &[0]),
            ],
        );
        let r = Route6::from_message(&m).expect("a route");
        assert_eq!(
            (r.route.kind, r.route.dst, r.route.metric, r.pref),
            (5, p6("ff00::", 8), Some(256), Some(0))
        );
        assert_eq!(
            route6_text(&r),
            "multicast ff00::/8 dev if8 proto kernel metric 256 pref medium\n"
        );
        // 2001:db8:10::/64 through two link-local routers of x8.
        let hop = |gw: &str| {
            let attrs = tlv(RTA_GATEWAY, &ip6(gw));
            let mut h = Vec::new();
            h.extend_from_slice(&(8 + attrs.len() as u16).to_ne_bytes());
            h.extend([0, 0]); // rtnh_flags, rtnh_hops
            h.extend_from_slice(&8i32.to_ne_bytes());
            h.extend(attrs);
            h
        };
        let mut hops = hop("fe80::1");
        hops.extend(hop("fe80::2"));
        let m = dumped(
            [10, 64, 0, 0, RT_TABLE_COMPAT, 3, 0, 1, 0, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &ip6("2001:db8:10::")),
                tlv(RTA_PRIORITY, &1024u32.to_ne_bytes()),
                tlv(RTA_MULTIPATH, &hops),
                cacheinfo(0),
                tlv(RTA_PREF, &[0]),
            ],
        );
        let mut r = Route6::from_message(&m).expect("a route");
        r.route.nexthops[0].dev = Some("x8".into());
        assert_eq!(r.route.nexthops.len(), 2);
        assert!(r.route.matches(None, Some(a6("fe80::2")), Some(8)));
        assert_eq!(
            route6_text(&r),
            "2001:db8:10::/64 metric 1024 pref medium\
             \n\tnexthop via fe80::1 dev x8 weight 1\
             \n\tnexthop via fe80::2 dev if8 weight 1\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&show_json(&[], &[r], false).expect("serializes")).expect("JSON");
        assert_eq!(v[0]["nexthops"][0]["gateway"], "fe80::1");
        assert_eq!(v[0]["nexthops"][1]["dev"], "if8");
    }

    #[test]
    fn decode_prefsrc6() {
        // 2001:db8:5::/64 via 2001:db8:1::2 dev x8 proto static src
        // 2001:db8:1::1 metric 1024 pref low, not yet resolved
        let m = dumped(
            [10, 64, 0, 0, RT_TABLE_COMPAT, 4, 0, 1, 32, 0, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &ip6("2001:db8:5::")),
                tlv(RTA_PREFSRC, &ip6("2001:db8:1::1")),
                tlv(RTA_PRIORITY, &1024u32.to_ne_bytes()),
                tlv(RTA_GATEWAY, &ip6("2001:db8:1::2")),
                tlv(RTA_OIF, &8u32.to_ne_bytes()),
                cacheinfo(0),
                tlv(RTA_PREF, &[3]),
            ],
        );
        let mut r = Route6::from_message(&m).expect("a route");
        r.route.dev = Some("x8".into());
        assert_eq!(r.route.prefsrc, Some(a6("2001:db8:1::1")));
        assert_eq!(
            route6_text(&r),
            "2001:db8:5::/64 via 2001:db8:1::2 dev x8 proto static src 2001:db8:1::1 \
             metric 1024 unresolved pref low\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&show_json(&[], &[r], false).expect("serializes")).expect("JSON");
        assert_eq!(v[0]["prefsrc"], "2001:db8:1::1");
        assert_eq!(v[0]["flags"][0], "unresolved");
        assert_eq!(v[0]["pref"], "low");
    }

    #[test]
    fn exceptions6_are_not_routes() {
        // A path MTU exception of 2001:db8:5::1: RTM_F_CLONED (0x200).
        let m = dumped(
            [10, 128, 0, 0, RT_TABLE_COMPAT, 2, 0, 1, 0, 2, 0, 0],
            &[
                tlv(RTA_TABLE, &65537u32.to_ne_bytes()),
                tlv(RTA_DST, &ip6("2001:db8:5::1")),
                tlv(RTA_OIF, &8u32.to_ne_bytes()),
            ],
        );
        assert_eq!(Route6::from_message(&m), None);
    }

    #[test]
    fn metrics_as_iproute2_prints_them() {
        let m = Metrics {
            lock: 1 << 2 | 1 << 7,
            values: [
                (2, MetricValue::Number(1400)),
                (4, MetricValue::Number(8 * 1500)),
                (5, MetricValue::Number(4 * 20)),
                (10, MetricValue::Number(u32::MAX)),
                (12, MetricValue::Number(3)),
                (16, MetricValue::Name("cubic".into())),
                (99, MetricValue::Number(7)),
            ]
            .into(),
        };
        assert_eq!(
            m.text(),
            [
                "mtu lock 1400",
                "rtt 1.5s",
                "rttvar 20ms",
                "cwnd lock 0",
                "features ecn 0x3",
                "congctl cubic"
            ]
        );
        let j = serde_json::Value::Object(m.json());
        assert_eq!(
            j,
            serde_json::json!({
                "mtu": 1400, "rtt": 1500, "rttvar": 20, "cwnd": 0, "ecn": null,
                "features": "0x3", "congestion": "cubic"
            })
        );
        // The attributes as the crate decodes them.
        let decoded = Metrics::from_attrs(&[
            RouteMetric::Lock(4),
            RouteMetric::Mtu(1400),
            RouteMetric::Hoplimit(64),
            RouteMetric::CcAlgo("bbr".into()),
        ]);
        assert_eq!(
            decoded.text(),
            ["mtu lock 1400", "hoplimit 64", "congctl bbr"]
        );
        assert_eq!(Metrics::default().text(), Vec::<String>::new());
    }

    #[test]
    fn printf_g_is_cs() {
        // Against printf("%g").
        for (x, g) in [
            (1.5, "1.5"),
            (1.0, "1"),
            (123.456, "123.456"),
            (4294967.295, "4.29497e+06"),
            (1000.0, "1000"),
            (999999.5, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (536870.911, "536871"),
            (12.3456789, "12.3457"),
            (0.0, "0"),
        ] {
            assert_eq!(printf_g(x), g, "{x}");
        }
    }

    #[test]
    fn pref_names() {
        assert_eq!(pref_name(0), "medium");
        assert_eq!(pref_name(1), "high");
        assert_eq!(pref_name(3), "low");
        assert_eq!(pref_name(2), "2");
    }

    /// VR 1 with x8 (10.98.1.1/24, 2001:db8:1::1/64 and its link-local
    /// address), a route added through a gateway in each family, and an
    /// IPv6 router learnt from an RA: its table, as the kernel dumps it.
    fn example_vr() -> (Vec<Route>, Vec<Route6>) {
        let v4 = Route {
            table: 65537,
            kind: 1,
            dst: Prefix::parse("10.98.1.0/24").expect("prefix"),
            gateway: None,
            oif: Some(8),
            dev: Some("x8".into()),
            protocol: 2,
            scope: 253,
            prefsrc: Some(Ipv4Addr::new(10, 98, 1, 1)),
            metric: None,
            flags: 0,
            nexthops: vec![],
        };
        let v4 = vec![
            Route {
                dst: Prefix::parse("10.99.0.0/24").expect("prefix"),
                gateway: Some(Ipv4Addr::new(10, 98, 1, 2)),
                protocol: 3,
                scope: 0,
                prefsrc: None,
                ..v4.clone()
            },
            v4.clone(),
            Route {
                kind: 2,
                dst: Prefix::parse("10.98.1.1").expect("prefix"),
                scope: 254,
                ..v4.clone()
            },
            Route {
                kind: 3,
                dst: Prefix::parse("10.98.1.255").expect("prefix"),
                ..v4
            },
        ];
        let base = RouteOf {
            dev: Some("x8".into()),
            metric: Some(256),
            ..route6_base()
        };
        let v6 = |route: RouteOf<Ipv6Addr>| Route6 {
            route,
            pref: Some(0),
            expires: None,
            metrics: Metrics::default(),
        };
        let v6 = vec![
            v6(RouteOf {
                dst: p6("2001:db8:1::", 64),
                ..base.clone()
            }),
            v6(RouteOf {
                dst: p6("2001:db8:99::", 64),
                gateway: Some(a6("fe80::2")),
                protocol: 3,
                metric: Some(1024),
                ..base.clone()
            }),
            v6(RouteOf {
                dst: p6("fe80::", 64),
                ..base.clone()
            }),
            Route6 {
                pref: Some(1),
                expires: Some(1795),
                metrics: Metrics {
                    lock: 0,
                    values: [(10, MetricValue::Number(64))].into(),
                },
                ..v6(RouteOf {
                    gateway: Some(a6("fe80::1")),
                    protocol: 9,
                    metric: Some(1024),
                    ..base.clone()
                })
            },
            v6(RouteOf {
                kind: 2,
                dst: p6("2001:db8:1::1", 128),
                metric: Some(0),
                ..base.clone()
            }),
            v6(RouteOf {
                kind: 4,
                dst: p6("2001:db8:1::", 128),
                metric: Some(0),
                ..base.clone()
            }),
            v6(RouteOf {
                kind: 2,
                dst: p6("fe80::1c8a:4fff:fe31:9a2b", 128),
                metric: Some(0),
                ..base.clone()
            }),
            v6(RouteOf {
                kind: 5,
                dst: p6("ff00::", 8),
                ..base
            }),
        ];
        (v4, v6)
    }

    #[test]
    fn show_text_is_ip_route_then_ip6_route() {
        let (v4, v6) = example_vr();
        let expected = "\
10.99.0.0/24 via 10.98.1.2 dev x8
10.98.1.0/24 dev x8 proto kernel scope link src 10.98.1.1
local 10.98.1.1 dev x8 proto kernel scope host src 10.98.1.1
broadcast 10.98.1.255 dev x8 proto kernel scope link src 10.98.1.1
2001:db8:1::/64 dev x8 proto kernel metric 256 pref medium
2001:db8:99::/64 via fe80::2 dev x8 metric 1024 pref medium
fe80::/64 dev x8 proto kernel metric 256 pref medium
default via fe80::1 dev x8 proto ra metric 1024 expires 1795sec hoplimit 64 pref high
local 2001:db8:1::1 dev x8 proto kernel metric 0 pref medium
anycast 2001:db8:1:: dev x8 proto kernel metric 0 pref medium
local fe80::1c8a:4fff:fe31:9a2b dev x8 proto kernel metric 0 pref medium
multicast ff00::/8 dev x8 proto kernel metric 256 pref medium
";
        assert_eq!(show_text(&v4, &v6), expected);
        // -4 and -6: each family alone, its lines unchanged.
        let (four, six) = expected.split_at(expected.find("2001:db8:1::/64").unwrap_or(0));
        assert_eq!(show_text(&v4, &[]), four);
        assert_eq!(routes_text(&v4), four);
        assert_eq!(show_text(&[], &v6), six);
        assert_eq!(routes6_text(&v6), six);
        assert_eq!(show_text(&[], &[]), "");
    }

    #[test]
    fn show_json_keys() {
        let (v4, v6) = example_vr();
        let s = show_json(&v4[..1], &v6[1..2], false).expect("serializes");
        assert_eq!(
            s,
            "[{\"type\":\"unicast\",\"dst\":\"10.99.0.0/24\",\"gateway\":\"10.98.1.2\",\
             \"dev\":\"x8\",\"protocol\":\"boot\",\"scope\":\"global\",\"prefsrc\":null,\
             \"metric\":null,\"flags\":[],\"table\":65537},\
             {\"type\":\"unicast\",\"dst\":\"2001:db8:99::/64\",\"gateway\":\"fe80::2\",\
             \"dev\":\"x8\",\"protocol\":\"boot\",\"scope\":\"global\",\"prefsrc\":null,\
             \"metric\":1024,\"flags\":[],\"table\":65537,\"expires\":null,\"metrics\":[],\
             \"pref\":\"medium\"}]\n"
        );
        // The IPv4 objects are those of an IPv4-only show.
        let all: serde_json::Value =
            serde_json::from_str(&show_json(&v4, &v6, true).expect("serializes")).expect("JSON");
        let four: serde_json::Value =
            serde_json::from_str(&routes_json(&v4, false).expect("serializes")).expect("JSON");
        assert_eq!(all.as_array().map(Vec::len), Some(v4.len() + v6.len()));
        assert_eq!(
            all.as_array().map(|a| a[..4].to_vec()),
            four.as_array().cloned()
        );
        assert_eq!(all[4]["dst"], "2001:db8:1::/64");
        let ra = &all[4 + 3];
        assert_eq!(
            (&ra["dst"], &ra["gateway"], &ra["protocol"], &ra["pref"]),
            (
                &serde_json::json!("default"),
                &serde_json::json!("fe80::1"),
                &serde_json::json!("ra"),
                &serde_json::json!("high")
            )
        );
        assert_eq!(ra["expires"], 1795);
        assert_eq!(ra["metrics"], serde_json::json!([{ "hoplimit": 64 }]));
        assert_eq!(all[4 + 5]["type"], "anycast");
        assert_eq!(all[4 + 7]["type"], "multicast");
        // A preference without a name is a number, as iproute2 prints it.
        let odd = Route6 {
            pref: Some(2),
            ..v6[0].clone()
        };
        let v: serde_json::Value =
            serde_json::from_str(&show_json(&[], &[odd], false).expect("serializes"))
                .expect("JSON");
        assert_eq!(v[0]["pref"], 2);
    }

    /// IPv6 routes of a table in a throwaway network namespace: the
    /// requests vrctl builds, as a real kernel takes them (and refuses
    /// them, with its extack message). Run by host_route6_roundtrip_in_netns
    /// under `unshare -rn`.
    #[test]
    #[ignore = "run by host_route6_roundtrip_in_netns in a new netns"]
    fn netns_route6_roundtrip() {
        assert_eq!(
            std::env::var("VRCTL_TEST_IN_NETNS").as_deref(),
            Ok("1"),
            "only inside a throwaway network namespace"
        );
        fn show(ctx: &mut Ctx, table: u32) -> String {
            let v4 = table_routes(ctx, table, &RouteArgs::all(&None, 1), None).expect("dump");
            let v6 = table_routes(ctx, table, &RouteArgs6::all(&None, 1), None).expect("dump");
            show_text(&v4, &v6)
        }
        let lo = ifindex(OsStr::new("lo")).expect("lo");
        let table = 65537;
        let mut ctx = Ctx::new();

        let a = args6(
            RouteOp::Add,
            None,
            &["2001:db8:99::/64", "dev", "lo", "vr", "1"],
        );
        modify_table(&mut ctx, RouteOp::Add, &a, table, Some(lo)).expect("route add");
        assert_eq!(
            show(&mut ctx, table),
            "2001:db8:99::/64 dev lo metric 1024 pref medium\n"
        );
        assert_eq!(show(&mut ctx, 65538), "");
        match modify_table(&mut ctx, RouteOp::Add, &a, table, Some(lo)) {
            Err(Error::Netlink(NlError::Kernel { errno, .. })) => assert_eq!(errno, libc::EEXIST),
            other => panic!("second add: {other:?}"),
        }

        // A gateway through lo: the kernel explains in extack.
        let g = args6(
            RouteOp::Add,
            None,
            &["2001:db8:98::/64", "via", "fe80::1", "dev", "lo", "vr", "1"],
        );
        match modify_table(&mut ctx, RouteOp::Add, &g, table, Some(lo)) {
            Err(Error::Netlink(NlError::Kernel { errno, msg })) => {
                eprintln!(
                    "kernel said: {}",
                    NlError::Kernel {
                        errno,
                        msg: msg.clone()
                    }
                );
                assert_eq!(errno, libc::EINVAL);
                assert!(msg.is_some_and(|m| !m.is_empty()));
            }
            other => panic!("add via lo: {other:?}"),
        }

        // Both families, IPv4 first.
        let a4 = parse_args(RouteOp::Add, &os(&["10.99.0.0/24", "dev", "lo", "vr", "1"]))
            .expect("valid");
        modify_table(&mut ctx, RouteOp::Add, &a4, table, Some(lo)).expect("route add");
        assert_eq!(
            show(&mut ctx, table),
            "10.99.0.0/24 dev lo scope link\n2001:db8:99::/64 dev lo metric 1024 pref medium\n"
        );
        let json = show_json(
            &table_routes(&mut ctx, table, &a4, None).expect("dump"),
            &table_routes(&mut ctx, table, &a, Some(lo)).expect("dump"),
            false,
        )
        .expect("JSON");
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v[0]["dst"], "10.99.0.0/24");
        assert_eq!(v[0].get("pref"), None);
        assert_eq!(v[1]["dst"], "2001:db8:99::/64");
        assert_eq!(v[1]["dev"], "lo");
        assert_eq!(v[1]["table"], 65537);
        assert_eq!(v[1]["protocol"], "boot");
        assert_eq!(v[1]["scope"], "global");
        assert_eq!(v[1]["metric"], 1024);
        assert_eq!(v[1]["pref"], "medium");
        assert_eq!(v[1]["expires"], serde_json::Value::Null);
        assert_eq!(v[1]["metrics"], serde_json::json!([]));

        // The local table, read through RTA_TABLE.
        let local = show(&mut ctx, 255);
        assert!(
            local.contains("local ::1 dev lo proto kernel metric 0 pref medium\n"),
            "{local}"
        );

        // Delete: by prefix only, whatever the protocol.
        let d = args6(RouteOp::Del, None, &["2001:db8:99::/64", "vr", "1"]);
        modify_table(&mut ctx, RouteOp::Del, &d, table, None).expect("route del");
        match modify_table(&mut ctx, RouteOp::Del, &d, table, None) {
            Err(Error::Netlink(NlError::Kernel { errno, .. })) => assert_eq!(errno, libc::ESRCH),
            other => panic!("second del: {other:?}"),
        }
        let d4 = RouteArgs {
            dev: None,
            ..a4.clone()
        };
        modify_table(&mut ctx, RouteOp::Del, &d4, table, None).expect("route del");
        assert_eq!(show(&mut ctx, table), "");
        assert_eq!(
            ctx.opened(),
            Opened {
                rtnl: 1,
                ..Opened::default()
            }
        );
    }

    /// Runs netns_route6_roundtrip in a new user and network namespace
    /// (unshare -rn, lo up); returns early, saying so, where that is not
    /// possible or the namespace has no IPv6.
    #[test]
    fn host_route6_roundtrip_in_netns() {
        use std::process::Command;
        let exe = std::env::current_exe().expect("test binary");
        let script = r#"ip link set lo up && exec "$0" --ignored --exact route::tests::netns_route6_roundtrip --nocapture"#;
        let probe = Command::new("unshare")
            .args([
                "-rn",
                "sh",
                "-c",
                "ip link set lo up && ip -6 route show table local | grep -q '::1'",
            ])
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "skipping: no IPv6 in a new netns (unshare -rn): {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                return;
            }
            Err(e) => {
                eprintln!("skipping: cannot run unshare: {e}");
                return;
            }
        }
        let out = Command::new("unshare")
            .args(["-rn", "sh", "-c", script])
            .arg(exe)
            .env("VRCTL_TEST_IN_NETNS", "1")
            .output()
            .expect("unshare runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        eprintln!("{text}");
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }
}
