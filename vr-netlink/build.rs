// SPDX-License-Identifier: GPL-2.0-only
//! Generates the numbers and the attribute types of the "vr" generic
//! netlink family from its YNL spec, Documentation/netlink/specs/vr.yaml,
//! the same file that generates the kernel's uapi header and policies. A
//! new attribute or command is an edit of the spec only.
//!
//! The mapping follows the kernel's ynl_gen_c.py where the two overlap:
//! attributes are numbered from 1 (or their `value`), commands from 1 (or
//! their `value`), enum entries from `value-start`; C names (used in
//! decoding errors) are `VR_A_<SET>_<ATTR>` with the set left out for the
//! set named as the family.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use yaml_rust2::{Yaml, YamlLoader};

type Result<T> = std::result::Result<T, String>;

fn main() {
    if let Err(e) = run() {
        eprintln!("vr-netlink build: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let spec_path = dir.join("../Documentation/netlink/specs/vr.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| format!("vr.yaml: {e}"))?;
    let spec = docs.first().ok_or("vr.yaml: empty")?;
    let code = generate(spec)?;
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?).join("vr_uapi.rs");
    fs::write(&out, code).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

fn str_of<'a>(y: &'a Yaml, key: &str, what: &str) -> Result<&'a str> {
    y[key]
        .as_str()
        .ok_or_else(|| format!("{what}: no string '{key}'"))
}

fn list<'a>(y: &'a Yaml, what: &str) -> Result<&'a Vec<Yaml>> {
    y.as_vec().ok_or_else(|| format!("{what}: not a list"))
}

fn int_of(y: &Yaml, what: &str) -> Result<i64> {
    y.as_i64().ok_or_else(|| format!("{what}: not an integer"))
}

/// "rx-packets" -> "RX_PACKETS"
fn upper(name: &str) -> String {
    name.replace('-', "_").to_uppercase()
}

/// "rx-packets" -> "rx_packets"
fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// "rx-packets" -> "RxPackets"
fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The spec's `doc` as Rust doc comment lines, indented by `ind`.
fn doc(y: &Yaml, ind: &str) -> String {
    let mut s = String::new();
    if let Some(d) = y["doc"].as_str() {
        for line in d.trim_end().lines() {
            let line = line.trim_end();
            if line.is_empty() {
                let _ = writeln!(s, "{ind}///");
            } else {
                let _ = writeln!(s, "{ind}/// {line}");
            }
        }
    }
    s
}

/// How an attribute type of the spec is held and coded in Rust.
enum Kind {
    U32,
    U32Be,
    Ipv4,
    Ipv6,
    Uint,
    Str,
    Nest(String),
    /// A `flag`: present or not, no value (a unit variant).
    Flag,
}

impl Kind {
    fn of(attr: &Yaml, what: &str) -> Result<Kind> {
        let be = attr["byte-order"].as_str() == Some("big-endian");
        Ok(match str_of(attr, "type", what)? {
            "u32" if be && attr["display-hint"].as_str() == Some("ipv4") => Kind::Ipv4,
            "u32" if be => Kind::U32Be,
            "u32" => Kind::U32,
            "binary"
                if attr["display-hint"].as_str() == Some("ipv6")
                    && attr["checks"]["exact-len"].as_i64() == Some(16) =>
            {
                Kind::Ipv6
            }
            "uint" => Kind::Uint,
            "string" => Kind::Str,
            "nest" => Kind::Nest(snake(str_of(attr, "nested-attributes", what)?)),
            "flag" => Kind::Flag,
            t => return Err(format!("{what}: type {t} is not supported by vr-netlink")),
        })
    }

    /// The type the variant holds; None for a unit variant (a flag).
    fn rust_type(&self) -> Option<String> {
        Some(match self {
            Kind::U32 | Kind::U32Be => "u32".into(),
            Kind::Ipv4 => "Ipv4Addr".into(),
            Kind::Ipv6 => "Ipv6Addr".into(),
            Kind::Uint => "u64".into(),
            Kind::Str => "String".into(),
            Kind::Nest(set) => format!("Vec<super::{set}::Attr>"),
            Kind::Flag => return None,
        })
    }

    /// The pattern of the variant `name`, binding its value as `v`.
    fn pattern(&self, name: &str) -> String {
        match self {
            Kind::Flag => format!("Attr::{name}"),
            _ => format!("Attr::{name}(v)"),
        }
    }

    fn value_len(&self) -> &'static str {
        match self {
            Kind::U32 | Kind::U32Be | Kind::Ipv4 => "4",
            Kind::Ipv6 => "16",
            Kind::Uint => "codec::uint_len(*v)",
            Kind::Str => "codec::string_len(v)",
            Kind::Nest(_) => "v.as_slice().buffer_len()",
            Kind::Flag => "0",
        }
    }

    fn emit(&self) -> &'static str {
        match self {
            Kind::U32 => "buffer.copy_from_slice(&v.to_ne_bytes())",
            Kind::U32Be => "buffer.copy_from_slice(&v.to_be_bytes())",
            Kind::Ipv4 | Kind::Ipv6 => "buffer.copy_from_slice(&v.octets())",
            Kind::Uint => "codec::emit_uint(buffer, *v)",
            Kind::Str => "codec::emit_string(buffer, v)",
            Kind::Nest(_) => "v.as_slice().emit(buffer)",
            Kind::Flag => "{}",
        }
    }

    fn parse(&self, cname: &str) -> String {
        match self {
            Kind::U32 => format!("codec::parse_u32(payload, \"{cname}\")?"),
            Kind::U32Be => format!("u32::from_be(codec::parse_u32(payload, \"{cname}\")?)"),
            Kind::Ipv4 => format!("codec::parse_ipv4(payload, \"{cname}\")?"),
            Kind::Ipv6 => format!("codec::parse_ipv6(payload, \"{cname}\")?"),
            Kind::Uint => format!("codec::parse_uint(payload, \"{cname}\")?"),
            Kind::Str => "codec::parse_string(payload)".into(),
            Kind::Nest(_) => format!("codec::parse_nest(payload, \"{cname}\")?"),
            Kind::Flag => String::new(),
        }
    }
}

/// The attributes of a set (not a subset) with their numbers: from 1, or
/// their `value`, each the one before plus one.
fn numbered<'a>(set: &'a Yaml, sname: &str) -> Result<Vec<(&'a str, i64, &'a Yaml)>> {
    let mut out = Vec::new();
    let mut next = 1;
    for a in list(&set["attributes"], sname)? {
        let aname = str_of(a, "name", sname)?;
        if !a["value"].is_badvalue() {
            next = int_of(&a["value"], aname)?;
        }
        out.push((aname, next, a));
        next += 1;
    }
    Ok(out)
}

fn generate(spec: &Yaml) -> Result<String> {
    let family = str_of(spec, "name", "spec")?;
    let fam_up = upper(family);
    let mut s = String::new();
    // (C name, value) of every number, for the test against the header.
    let mut cvals: Vec<(String, i64)> = Vec::new();
    let mut cstrs: Vec<(String, String)> = vec![(format!("{fam_up}_FAMILY_NAME"), family.into())];
    let _ = writeln!(
        s,
        "// Generated by vr-netlink/build.rs from Documentation/netlink/specs/vr.yaml; do not edit.\n"
    );
    let _ = writeln!(s, "/// Name of the generic netlink family.");
    let _ = writeln!(s, "pub const FAMILY_NAME: &str = {family:?};");
    let version = spec["version"].as_i64().unwrap_or(1);
    let _ = writeln!(s, "/// Version of the generic netlink family.");
    let _ = writeln!(s, "pub const FAMILY_VERSION: u8 = {version};\n");
    cvals.push((format!("{fam_up}_FAMILY_VERSION"), version));

    // definitions: constants and enums
    if let Some(defs) = spec["definitions"].as_vec() {
        for d in defs {
            let name = str_of(d, "name", "definition")?;
            match str_of(d, "type", name)? {
                "const" => {
                    s.push_str(&doc(d, ""));
                    let v = int_of(&d["value"], name)?;
                    let _ = writeln!(s, "pub const {}: u32 = {v};\n", upper(name));
                    cvals.push((format!("{fam_up}_{}", upper(name)), v));
                }
                "enum" => {
                    s.push_str(&doc(d, ""));
                    let _ = writeln!(s, "pub mod {} {{", snake(name));
                    let mut next = d["value-start"].as_i64().unwrap_or(0);
                    for e in list(&d["entries"], name)? {
                        let (ename, edoc) = match e.as_str() {
                            Some(n) => (n, String::new()),
                            None => (str_of(e, "name", name)?, doc(e, "    ")),
                        };
                        if !e["value"].is_badvalue() {
                            next = int_of(&e["value"], ename)?;
                        }
                        s.push_str(&edoc);
                        let _ = writeln!(s, "    pub const {}: u32 = {next};", upper(ename));
                        cvals.push((format!("{fam_up}_{}_{}", upper(name), upper(ename)), next));
                        next += 1;
                    }
                    let _ = writeln!(s, "}}\n");
                }
                t => return Err(format!("definition {name}: type {t} is not supported")),
            }
        }
    }

    // attribute sets: one module each
    let sets = list(&spec["attribute-sets"], "attribute-sets")?;
    for set in sets {
        let sname = str_of(set, "name", "attribute set")?;
        // A subset (subset-of) has some attributes of its parent, with the
        // parent's numbers, types and C names; the header has no enum of
        // its own for it.
        let parent = match set["subset-of"].as_str() {
            Some(pname) => Some(
                sets.iter()
                    .find(|p| p["name"].as_str() == Some(pname))
                    .ok_or_else(|| format!("{sname}: subset of unknown set {pname}"))?,
            ),
            None => None,
        };
        let own = parent.unwrap_or(set);
        let own_name = str_of(own, "name", "attribute set")?;
        let prefix = match own["name-prefix"].as_str() {
            Some(p) => upper(p),
            None if own_name == family => format!("{fam_up}_A_"),
            None => format!("{fam_up}_A_{}_", upper(own_name)),
        };
        let numbered = numbered(own, own_name)?;
        let mut attrs = Vec::new();
        for a in list(&set["attributes"], sname)? {
            let aname = str_of(a, "name", sname)?;
            let (v, def) = numbered
                .iter()
                .find(|(n, _, _)| *n == aname)
                .map(|(_, v, d)| (*v, *d))
                .ok_or_else(|| format!("{sname}.{aname}: not in {own_name}"))?;
            let kind = Kind::of(def, &format!("{sname}.{aname}"))?;
            // The subset's doc if it has one, else the parent's.
            let a = if a["doc"].is_badvalue() { def } else { a };
            attrs.push((aname, v, kind, a));
        }
        let subset = parent.is_some();
        s.push_str(&doc(set, ""));
        if set["doc"].is_badvalue() {
            let _ = writeln!(s, "/// The attribute set \"{sname}\".");
        }
        let m = snake(sname);
        let _ = writeln!(s, "pub mod {m} {{");
        let _ = writeln!(s, "    #[allow(unused_imports)]");
        let _ = writeln!(
            s,
            "    use netlink_packet_core::{{DecodeError, DefaultNla, Emitable, Nla, NlaBuffer, Parseable, NLA_F_NESTED}};"
        );
        let _ = writeln!(s, "    #[allow(unused_imports)]");
        let _ = writeln!(s, "    use std::net::{{Ipv4Addr, Ipv6Addr}};");
        let _ = writeln!(s, "    #[allow(unused_imports)]");
        let _ = writeln!(s, "    use crate::codec;\n");
        for (aname, v, _, a) in &attrs {
            s.push_str(&doc(a, "    "));
            let _ = writeln!(s, "    pub const {}: u16 = {v};", upper(aname));
            if !subset {
                cvals.push((format!("{prefix}{}", upper(aname)), *v));
            }
        }
        let max = attrs.iter().map(|a| a.1).max().unwrap_or(0);
        if !subset {
            cvals.push((format!("{prefix}MAX"), max));
        }
        let _ = writeln!(s, "    /// Highest attribute number of the set.");
        let _ = writeln!(s, "    pub const MAX: u16 = {max};\n");
        if subset {
            // Its messages are those of the parent's attributes: the same
            // type (the kernel's policy refuses the others).
            let _ = writeln!(
                s,
                "    /// An attribute of the set \"{sname}\": one of \"{own_name}\"."
            );
            let _ = writeln!(s, "    pub use super::{}::Attr;\n}}\n", snake(own_name));
            continue;
        }
        let _ = writeln!(s, "    /// An attribute of the set \"{sname}\".");
        let _ = writeln!(s, "    #[derive(Debug, Clone, PartialEq, Eq)]");
        let _ = writeln!(s, "    pub enum Attr {{");
        for (aname, _, kind, a) in &attrs {
            s.push_str(&doc(a, "        "));
            match kind.rust_type() {
                Some(t) => {
                    let _ = writeln!(s, "        {}({t}),", camel(aname));
                }
                None => {
                    let _ = writeln!(s, "        {},", camel(aname));
                }
            }
        }
        let _ = writeln!(s, "        /// An attribute this version does not know.");
        let _ = writeln!(s, "        Other(DefaultNla),");
        let _ = writeln!(s, "    }}\n");

        let _ = writeln!(s, "    impl Nla for Attr {{");
        let _ = writeln!(
            s,
            "        fn value_len(&self) -> usize {{\n            match self {{"
        );
        for (aname, _, kind, _) in &attrs {
            let _ = writeln!(
                s,
                "                #[allow(unused_variables)]\n                {} => {},",
                kind.pattern(&camel(aname)),
                kind.value_len()
            );
        }
        let _ = writeln!(s, "                Attr::Other(nla) => nla.value_len(),");
        let _ = writeln!(s, "            }}\n        }}\n");
        let _ = writeln!(
            s,
            "        fn kind(&self) -> u16 {{\n            match self {{"
        );
        for (aname, _, kind, _) in &attrs {
            let flag = if matches!(kind, Kind::Nest(_)) {
                " | NLA_F_NESTED"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "                #[allow(unused_variables)]\n                {} => {}{flag},",
                kind.pattern(&camel(aname)),
                upper(aname)
            );
        }
        let _ = writeln!(s, "                Attr::Other(nla) => nla.kind(),");
        let _ = writeln!(s, "            }}\n        }}\n");
        let _ = writeln!(s, "        fn emit_value(&self, buffer: &mut [u8]) {{");
        let _ = writeln!(
            s,
            "            // The buffer is exactly value_len() bytes long."
        );
        let _ = writeln!(s, "            match self {{");
        for (aname, _, kind, _) in &attrs {
            let _ = writeln!(
                s,
                "                #[allow(unused_variables)]\n                {} => {},",
                kind.pattern(&camel(aname)),
                kind.emit()
            );
        }
        let _ = writeln!(
            s,
            "                Attr::Other(nla) => nla.emit_value(buffer),"
        );
        let _ = writeln!(s, "            }}\n        }}\n    }}\n");

        let _ = writeln!(
            s,
            "    impl<T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&T>> for Attr {{"
        );
        let _ = writeln!(
            s,
            "        fn parse(buf: &NlaBuffer<&T>) -> Result<Self, DecodeError> {{"
        );
        let _ = writeln!(s, "            #[allow(unused_variables)]");
        let _ = writeln!(s, "            let payload = buf.value();");
        let _ = writeln!(s, "            Ok(match buf.kind() {{");
        for (aname, _, kind, _) in &attrs {
            let cname = format!("{prefix}{}", upper(aname));
            let parsed = match kind {
                Kind::Flag => format!("Attr::{}", camel(aname)),
                _ => format!("Attr::{}({})", camel(aname), kind.parse(&cname)),
            };
            let _ = writeln!(s, "                {} => {parsed},", upper(aname));
        }
        let _ = writeln!(
            s,
            "                _ => Attr::Other(DefaultNla::parse(buf)?),"
        );
        let _ = writeln!(s, "            }})\n        }}\n    }}\n}}\n");
    }

    // operations: the command enum
    let ops = list(&spec["operations"]["list"], "operations")?;
    let mut cmds = Vec::new();
    let mut next = 1;
    for op in ops {
        let name = str_of(op, "name", "operation")?;
        if !op["value"].is_badvalue() {
            next = int_of(&op["value"], name)?;
        }
        let v = u8::try_from(next).map_err(|_| format!("command {name}: value {next}"))?;
        cmds.push((name, v, op));
        cvals.push((format!("{fam_up}_CMD_{}", upper(name)), next));
        next += 1;
    }
    if let Some(max) = cmds.iter().map(|c| c.1).max() {
        cvals.push((format!("{fam_up}_CMD_MAX"), max.into()));
    }
    let _ = writeln!(s, "/// A command of the family.");
    let _ = writeln!(s, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
    let _ = writeln!(s, "pub enum Cmd {{");
    for (name, _, op) in &cmds {
        s.push_str(&doc(op, "    "));
        let _ = writeln!(s, "    {},", camel(name));
    }
    let _ = writeln!(
        s,
        "    /// A command this version does not know (a newer kernel's)."
    );
    let _ = writeln!(s, "    Other(u8),");
    let _ = writeln!(s, "}}\n");
    let _ = writeln!(s, "impl Cmd {{");
    let _ = writeln!(s, "    /// Every command of the spec, in its order.");
    let _ = writeln!(s, "    pub const ALL: [Cmd; {}] = [", cmds.len());
    for (name, _, _) in &cmds {
        let _ = writeln!(s, "        Cmd::{},", camel(name));
    }
    let _ = writeln!(s, "    ];\n");
    let _ = writeln!(s, "    /// The command's number (`{fam_up}_CMD_*`).");
    let _ = writeln!(s, "    pub const fn value(self) -> u8 {{");
    let _ = writeln!(s, "        match self {{");
    for (name, v, _) in &cmds {
        let _ = writeln!(s, "            Cmd::{} => {v},", camel(name));
    }
    let _ = writeln!(s, "            Cmd::Other(v) => v,");
    let _ = writeln!(s, "        }}\n    }}\n");
    let _ = writeln!(
        s,
        "    /// The command of a number ([`Cmd::Other`] for one this version does not know)."
    );
    let _ = writeln!(s, "    pub const fn from_value(v: u8) -> Cmd {{");
    let _ = writeln!(s, "        match v {{");
    for (name, v, _) in &cmds {
        let _ = writeln!(s, "            {v} => Cmd::{},", camel(name));
    }
    let _ = writeln!(s, "            v => Cmd::Other(v),\n        }}\n    }}\n");
    let _ = writeln!(
        s,
        "    /// The command's name in the spec (\"unknown\" for [`Cmd::Other`])."
    );
    let _ = writeln!(s, "    pub const fn name(self) -> &'static str {{");
    let _ = writeln!(s, "        match self {{");
    for (name, _, _) in &cmds {
        let _ = writeln!(s, "            Cmd::{} => {name:?},", camel(name));
    }
    let _ = writeln!(s, "            Cmd::Other(_) => \"unknown\",");
    let _ = writeln!(s, "        }}\n    }}\n}}\n");

    // multicast groups
    let _ = writeln!(s, "/// Names of the multicast groups.");
    let _ = writeln!(s, "pub mod mcgrp {{");
    for g in list(&spec["mcast-groups"]["list"], "mcast-groups")? {
        let name = str_of(g, "name", "mcast group")?;
        let _ = writeln!(s, "    pub const {}: &str = {name:?};", upper(name));
        cstrs.push((format!("{fam_up}_MCGRP_{}", upper(name)), name.into()));
    }
    let _ = writeln!(s, "}}\n");

    let _ = writeln!(
        s,
        "/// Every number above by its name in the uapi header (for tests)."
    );
    let _ = writeln!(s, "#[doc(hidden)]\npub const C_VALUES: &[(&str, i64)] = &[");
    for (n, v) in &cvals {
        let _ = writeln!(s, "    ({n:?}, {v}),");
    }
    let _ = writeln!(s, "];\n");
    let _ = writeln!(
        s,
        "/// Every string above by its name in the uapi header (for tests)."
    );
    let _ = writeln!(
        s,
        "#[doc(hidden)]\npub const C_STRINGS: &[(&str, &str)] = &["
    );
    for (n, v) in &cstrs {
        let _ = writeln!(s, "    ({n:?}, {v:?}),");
    }
    let _ = writeln!(s, "];");
    Ok(s)
}
