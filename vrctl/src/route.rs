// SPDX-License-Identifier: GPL-2.0-only
//! `vrctl route`: the IPv4 routes of a VR's FIB table, through rtnetlink.
//! Its arguments, the RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE requests
//! (built as iproute2 builds them), the decoded view of dumped routes and
//! their output, as `ip route` prints them.

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::net::Ipv4Addr;

use clap::Subcommand;
use serde::Serialize;
use vr_netlink::args::{parse_vr_id, set_once, utf8};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteHeader, RouteMessage, RouteProtocol, RouteScope,
    RouteType,
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
    /// Add, delete or show the IPv4 routes of a VR's table
    #[command(subcommand_required = true, arg_required_else_help = true)]
    Route {
        #[command(subcommand)]
        command: RouteCommand,
    },
}

const ROUTE_ARGS_HELP: &str = "\
PREFIX is default, A.B.C.D/LEN or A.B.C.D (a /32), optionally after \"to\".
The keywords may come in any order. VR is a VR id; its table is the one
the kernel reports (vrctl show).";

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Add a route to the table of a VR
    #[command(
        override_usage = "vrctl route add <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>",
        after_help = ROUTE_ARGS_HELP
    )]
    Add {
        /// PREFIX, via GW, dev IFNAME, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Delete a route from the table of a VR
    #[command(
        visible_alias = "delete",
        override_usage = "vrctl route del <PREFIX> [via <GW>] [dev <IFNAME>] vr <VR>",
        after_help = ROUTE_ARGS_HELP
    )]
    Del {
        /// PREFIX, via GW, dev IFNAME, vr VR
        #[arg(required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Show the routes of the table of a VR (all, or those matching)
    #[command(
        visible_alias = "list",
        override_usage = "vrctl route show [<PREFIX>] [via <GW>] [dev <IFNAME>] vr <VR>",
        after_help = ROUTE_ARGS_HELP
    )]
    Show {
        /// [PREFIX], [via GW], [dev IFNAME], vr VR
        #[arg(value_name = "ARGS")]
        args: Vec<OsString>,
    },
}

/// The route verb and its parsed arguments; a bad argument is a usage
/// error of that verb.
fn route_args(command: &RouteCommand) -> error::Result<(RouteOp, RouteArgs)> {
    let (op, args, path): (_, _, &'static [&'static str]) = match command {
        RouteCommand::Add { args } => (RouteOp::Add, args, &["route", "add"]),
        RouteCommand::Del { args } => (RouteOp::Del, args, &["route", "del"]),
        RouteCommand::Show { args } => (RouteOp::Show, args, &["route", "show"]),
    };
    let parsed = parse_args(op, args).map_err(|msg| Error::Usage { cmd: path, msg })?;
    Ok((op, parsed))
}

/// Runs a `vrctl route` command with the sockets of `ctx`.
pub fn run(ctx: &mut Ctx, command: Command, fmt: Format, out: &mut dyn Write) -> error::Result<()> {
    let Command::Route { command } = command;
    match route_args(&command)? {
        (RouteOp::Show, args) => show(ctx, &args, fmt, out),
        (op, args) => modify(ctx, op, &args),
    }
}

/// The FIB table of VR `id`, as the kernel reports it.
fn vr_table(ctx: &mut Ctx, id: u32) -> error::Result<u32> {
    vr::fetch(ctx, Some(id))?
        .first()
        .map(|vr| vr.table)
        .ok_or_else(|| Error::protocol(format!("no reply for VR {id}")))
}

/// `route add` and `route del` in the table of `args.vr`. The interface
/// name is resolved first, the table next, then the kernel has its say.
pub fn modify(ctx: &mut Ctx, op: RouteOp, args: &RouteArgs) -> error::Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(ctx, args.vr)?;
    modify_table(ctx, op, args, table, oif)
}

fn modify_table(
    ctx: &mut Ctx,
    op: RouteOp,
    args: &RouteArgs,
    table: u32,
    oif: Option<u32>,
) -> error::Result<()> {
    let msg = modify_request(op, args, table, oif);
    ctx.rtnl()?.transact(msg, request_flags(op))?;
    Ok(())
}

/// Every IPv4 route of the namespace, from one rtnetlink dump.
pub(crate) fn dump(ctx: &mut Ctx) -> error::Result<Vec<Route>> {
    Ok(ctx
        .rtnl()?
        .transact(dump_request(), request_flags(RouteOp::Show))?
        .iter()
        .filter_map(Route::from_message)
        .collect())
}

/// The IPv4 routes of table `table` matching the selectors of `args`, in
/// the kernel's order, with their interface names.
fn table_routes(
    ctx: &mut Ctx,
    table: u32,
    args: &RouteArgs,
    oif: Option<u32>,
) -> error::Result<Vec<Route>> {
    let mut routes: Vec<Route> = dump(ctx)?
        .into_iter()
        .filter(|r| r.table == table && r.matches(args.prefix, args.via, oif))
        .collect();
    for r in &mut routes {
        r.dev = r.oif.and_then(ifname);
        for hop in &mut r.nexthops {
            hop.dev = ifname(hop.oif);
        }
    }
    Ok(routes)
}

/// `route show`: the routes of the table of `args.vr`, as text or JSON.
pub fn show(
    ctx: &mut Ctx,
    args: &RouteArgs,
    fmt: Format,
    out: &mut dyn Write,
) -> error::Result<()> {
    let oif = args.dev.as_deref().map(ifindex).transpose()?;
    let table = vr_table(ctx, args.vr)?;
    let routes = table_routes(ctx, table, args, oif)?;
    let text = if fmt.json {
        routes_json(&routes, fmt.pretty).map_err(json_error)?
    } else {
        routes_text(&routes)
    };
    write_out(out, &text)
}

/// rtm_table of a request whose table is in RTA_TABLE (iproute2 does this
/// for every table above 255).
pub const RT_TABLE_UNSPEC: u8 = 0;

/// An IPv4 destination prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub addr: Ipv4Addr,
    pub len: u8,
}

impl Prefix {
    pub const DEFAULT: Prefix = Prefix {
        addr: Ipv4Addr::UNSPECIFIED,
        len: 0,
    };

    /// `default`, `A.B.C.D/LEN` (LEN 0-32) or `A.B.C.D` (a /32). Host bits
    /// are kept: the kernel refuses them with its own message.
    pub fn parse(s: &str) -> Option<Prefix> {
        if s == "default" {
            return Some(Prefix::DEFAULT);
        }
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => {
                if l.is_empty() || l.len() > 2 || !l.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let len: u8 = l.parse().ok()?;
                (a, len)
            }
            None => (s, 32),
        };
        if len > 32 {
            return None;
        }
        Some(Prefix {
            addr: addr.parse().ok()?,
            len,
        })
    }
}

/// As iproute2 prints a destination: `default`, `A.B.C.D` for a /32,
/// else `A.B.C.D/LEN`.
impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.len {
            0 if self.addr.is_unspecified() => f.write_str("default"),
            32 => write!(f, "{}", self.addr),
            len => write!(f, "{}/{len}", self.addr),
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

/// The arguments of `vrctl route add|del|show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteArgs {
    pub prefix: Option<Prefix>,
    pub via: Option<Ipv4Addr>,
    pub dev: Option<OsString>,
    pub vr: u32,
}

fn parse_prefix_arg(arg: &OsString) -> Result<Prefix, String> {
    let s = utf8(arg, "prefix")?;
    Prefix::parse(s)
        .ok_or_else(|| format!("invalid prefix {s:?} (expected default, A.B.C.D/LEN or A.B.C.D)"))
}

/// The interface name of `dev`, resolved later.
pub(crate) fn parse_dev(arg: &OsString) -> Result<OsString, String> {
    if arg.is_empty() {
        return Err("empty interface name".into());
    }
    Ok(arg.clone())
}

/// Parses `[to] PREFIX`, `via GW`, `dev IFNAME` and `vr VR` in any order,
/// each at most once, as iproute2 does. `vr` is required, and so is the
/// prefix for add and del. An error is a usage error's message.
pub fn parse_args(op: RouteOp, args: &[OsString]) -> Result<RouteArgs, String> {
    let mut prefix = None;
    let mut via = None;
    let mut dev = None;
    let mut vr = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let keyword = arg
            .to_str()
            .filter(|k| matches!(*k, "to" | "via" | "dev" | "vr"));
        let Some(keyword) = keyword else {
            if prefix.is_some() {
                return Err(format!("unexpected argument {:?}", arg.to_string_lossy()));
            }
            prefix = Some(parse_prefix_arg(arg)?);
            continue;
        };
        let value = it
            .next()
            .ok_or_else(|| format!("\"{keyword}\" needs a value"))?;
        match keyword {
            "to" => set_once(&mut prefix, parse_prefix_arg(value)?, "the prefix")?,
            "via" => {
                let s = utf8(value, "gateway")?;
                let gw = s
                    .parse::<Ipv4Addr>()
                    .map_err(|_| format!("invalid gateway {s:?} (expected an IPv4 address)"))?;
                set_once(&mut via, gw, "\"via\"")?;
            }
            "dev" => set_once(&mut dev, parse_dev(value)?, "\"dev\"")?,
            _ => set_once(&mut vr, parse_vr_id(value)?, "\"vr\"")?,
        }
    }
    let vr = vr.ok_or_else(|| "\"vr <VR>\" is required".to_string())?;
    if prefix.is_none() && op != RouteOp::Show {
        return Err("a prefix is required (default, A.B.C.D/LEN or A.B.C.D)".into());
    }
    Ok(RouteArgs {
        prefix,
        via,
        dev,
        vr,
    })
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
/// As `ip route add|del`: protocol boot, scope universe with a gateway
/// and link without, type unicast for add; protocol, scope (nowhere) and
/// type left open for del so that they match any route. A table above 255
/// goes in RTA_TABLE with rtm_table RT_TABLE_UNSPEC.
pub fn modify_request(
    op: RouteOp,
    args: &RouteArgs,
    table: u32,
    oif: Option<u32>,
) -> RouteNetlinkMessage {
    let prefix = args.prefix.unwrap_or(Prefix::DEFAULT);
    let mut msg = RouteMessage::default();
    msg.header = RouteHeader {
        address_family: AddressFamily::Inet,
        destination_prefix_length: prefix.len,
        table: u8::try_from(table).unwrap_or(RT_TABLE_UNSPEC),
        ..RouteHeader::default()
    };
    if op == RouteOp::Add {
        msg.header.protocol = RouteProtocol::Boot;
        msg.header.scope = if args.via.is_some() {
            RouteScope::Universe
        } else {
            RouteScope::Link
        };
        msg.header.kind = RouteType::Unicast;
    } else {
        msg.header.protocol = RouteProtocol::Unspec;
        msg.header.scope = RouteScope::NoWhere;
        msg.header.kind = RouteType::Unspec;
    }
    if table > 255 {
        msg.attributes.push(RouteAttribute::Table(table));
    }
    if prefix.len > 0 {
        msg.attributes
            .push(RouteAttribute::Destination(RouteAddress::Inet(prefix.addr)));
    }
    if let Some(gw) = args.via {
        msg.attributes
            .push(RouteAttribute::Gateway(RouteAddress::Inet(gw)));
    }
    if let Some(oif) = oif {
        msg.attributes.push(RouteAttribute::Oif(oif));
    }
    match op {
        RouteOp::Del => RouteNetlinkMessage::DelRoute(msg),
        _ => RouteNetlinkMessage::NewRoute(msg),
    }
}

/// The RTM_GETROUTE dump request of every IPv4 route (of every table: the
/// kernel filters by table only with NETLINK_GET_STRICT_CHK, so vrctl
/// filters itself).
pub fn dump_request() -> RouteNetlinkMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = AddressFamily::Inet;
    RouteNetlinkMessage::GetRoute(msg)
}

/// A next hop of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    pub gateway: Option<Ipv4Addr>,
    pub oif: u32,
    pub dev: Option<String>,
    /// rtnh_hops + 1, as iproute2 shows it.
    pub weight: u16,
    pub flags: u32,
}

/// A dumped route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub table: u32,
    pub kind: u8,
    pub dst: Prefix,
    pub gateway: Option<Ipv4Addr>,
    pub oif: Option<u32>,
    /// The name of `oif`, filled in by the caller.
    pub dev: Option<String>,
    pub protocol: u8,
    pub scope: u8,
    pub prefsrc: Option<Ipv4Addr>,
    pub metric: Option<u32>,
    /// rtm_flags
    pub flags: u32,
    pub nexthops: Vec<NextHop>,
}

fn inet(addr: &RouteAddress) -> Option<Ipv4Addr> {
    match addr {
        RouteAddress::Inet(a) => Some(*a),
        _ => None,
    }
}

impl Route {
    /// The route of an RTM_NEWROUTE message; None for other messages,
    /// other families and the exceptions a dump also returns (path MTUs and
    /// redirects, RTM_F_CLONED, which `ip route show` leaves out too). The
    /// table is RTA_TABLE, else rtm_table.
    pub fn from_message(msg: &RouteNetlinkMessage) -> Option<Route> {
        let RouteNetlinkMessage::NewRoute(m) = msg else {
            return None;
        };
        if m.header.address_family != AddressFamily::Inet
            || m.header.flags.contains(RouteFlags::Cloned)
        {
            return None;
        }
        let mut r = Route {
            table: u32::from(m.header.table),
            kind: m.header.kind.into(),
            dst: Prefix {
                addr: Ipv4Addr::UNSPECIFIED,
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
                    if let Some(a) = inet(a) {
                        r.dst.addr = a;
                    }
                }
                RouteAttribute::Gateway(a) => r.gateway = inet(a),
                RouteAttribute::Oif(i) => r.oif = Some(*i),
                RouteAttribute::PrefSource(a) => r.prefsrc = inet(a),
                RouteAttribute::Priority(p) => r.metric = Some(*p),
                RouteAttribute::MultiPath(hops) => {
                    for hop in hops {
                        let gateway = hop.attributes.iter().find_map(|a| match a {
                            RouteAttribute::Gateway(a) => inet(a),
                            _ => None,
                        });
                        r.nexthops.push(NextHop {
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
    pub fn matches(&self, prefix: Option<Prefix>, via: Option<Ipv4Addr>, oif: Option<u32>) -> bool {
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

fn nexthop_text(hop: &NextHop) -> String {
    let mut s = String::from("\n\tnexthop");
    if let Some(gw) = hop.gateway {
        s += &format!(" via {gw}");
    }
    s += &format!(" dev {} weight {}", dev_name(hop.oif, &hop.dev), hop.weight);
    for flag in flag_names(hop.flags) {
        s += &format!(" {flag}");
    }
    s
}

/// One route as `ip route show table T` prints it: the type unless
/// unicast, the destination, `via`, `dev`, `proto` unless boot, `scope`
/// unless global, `src`, `metric`, the flags, then the next hops of a
/// multipath route on lines of their own.
pub fn route_text(r: &Route) -> String {
    let mut s = String::new();
    if r.kind != 1 {
        s += &type_name(r.kind);
        s.push(' ');
    }
    s += &r.dst.to_string();
    if let Some(gw) = r.gateway {
        s += &format!(" via {gw}");
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
        s += &format!(" src {src}");
    }
    if let Some(metric) = r.metric {
        s += &format!(" metric {metric}");
    }
    for flag in flag_names(r.flags) {
        s += &format!(" {flag}");
    }
    for hop in &r.nexthops {
        s += &nexthop_text(hop);
    }
    s.push('\n');
    s
}

/// `vrctl route show`: one line per route.
pub fn routes_text(routes: &[Route]) -> String {
    routes.iter().map(route_text).collect()
}

#[derive(Serialize)]
struct NextHopJson {
    gateway: Option<Ipv4Addr>,
    dev: String,
    weight: u16,
    flags: Vec<&'static str>,
}

#[derive(Serialize)]
struct RouteJson {
    #[serde(rename = "type")]
    kind: String,
    dst: String,
    gateway: Option<Ipv4Addr>,
    dev: Option<String>,
    protocol: String,
    scope: String,
    prefsrc: Option<Ipv4Addr>,
    metric: Option<u32>,
    flags: Vec<&'static str>,
    table: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    nexthops: Vec<NextHopJson>,
}

impl From<&Route> for RouteJson {
    fn from(r: &Route) -> Self {
        RouteJson {
            kind: type_name(r.kind),
            dst: r.dst.to_string(),
            gateway: r.gateway,
            dev: r.oif.map(|oif| dev_name(oif, &r.dev)),
            protocol: protocol_name(r.protocol),
            scope: scope_name(r.scope),
            prefsrc: r.prefsrc,
            metric: r.metric,
            flags: flag_names(r.flags),
            table: r.table,
            nexthops: r
                .nexthops
                .iter()
                .map(|h| NextHopJson {
                    gateway: h.gateway,
                    dev: dev_name(h.oif, &h.dev),
                    weight: h.weight,
                    flags: flag_names(h.flags),
                })
                .collect(),
        }
    }
}

/// `vrctl -j route show`: one JSON array, newline-terminated. Every key
/// is always there (null when the route has no such attribute), unlike
/// `ip -j route`; `nexthops` only for multipath routes.
pub fn routes_json(routes: &[Route], pretty: bool) -> serde_json::Result<String> {
    let v: Vec<RouteJson> = routes.iter().map(RouteJson::from).collect();
    to_json(&v, pretty)
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
}
