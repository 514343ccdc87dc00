// SPDX-License-Identifier: GPL-2.0-only
//! Text and JSON rendering of VRs and notifications. The text formats are
//! relied upon by shell tests: change them with care.

use serde::Serialize;

use crate::vr::Vr;

/// Kinds of notifications of the "monitor" group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Create,
    Delete,
    Change,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Create => "create",
            Event::Delete => "delete",
            Event::Change => "change",
        }
    }
}

fn name_or_dash(vr: &Vr) -> &str {
    vr.name.as_deref().unwrap_or("-")
}

/// The interface names separated by spaces, or `empty` without interfaces.
fn ifnames(vr: &Vr, empty: &str) -> String {
    if vr.interfaces.is_empty() {
        return empty.to_owned();
    }
    vr.interfaces
        .iter()
        .map(|i| i.display_name())
        .collect::<Vec<_>>()
        .join(" ")
}

fn list_row(id: &str, name: &str, table: &str, ifaces: &str) -> String {
    format!("{id:<6} {name:<16} {table:<6} {ifaces}\n")
}

/// `vrctl list`: a header, then one line per VR.
pub fn list_text(vrs: &[Vr]) -> String {
    let mut out = list_row("VR", "NAME", "TABLE", "INTERFACES");
    for vr in vrs {
        out += &list_row(
            &vr.id.to_string(),
            name_or_dash(vr),
            &vr.table.to_string(),
            &ifnames(vr, "-"),
        );
    }
    out
}

/// `vrctl show`: two lines per VR, a blank line between VRs.
pub fn show_text(vrs: &[Vr]) -> String {
    vrs.iter()
        .map(|vr| {
            format!(
                "vr {} name {} table {}\n\tinterfaces: {}\n",
                vr.id,
                name_or_dash(vr),
                vr.table,
                ifnames(vr, "none")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `-j list` and `-j show`: one JSON array, newline-terminated.
pub fn vrs_json(vrs: &[Vr], pretty: bool) -> serde_json::Result<String> {
    let mut s = if pretty {
        serde_json::to_string_pretty(vrs)?
    } else {
        serde_json::to_string(vrs)?
    };
    s.push('\n');
    Ok(s)
}

/// `vrctl monitor`: one line per notification.
pub fn event_text(event: Event, vr: &Vr) -> String {
    format!(
        "{} vr {} name {} table {} interfaces: {}\n",
        event.as_str(),
        vr.id,
        name_or_dash(vr),
        vr.table,
        ifnames(vr, "-")
    )
}

#[derive(Serialize)]
struct EventJson<'a> {
    event: Event,
    vr: &'a Vr,
}

/// `vrctl -j monitor`: one JSON object per line.
pub fn event_json(event: Event, vr: &Vr) -> serde_json::Result<String> {
    let mut s = serde_json::to_string(&EventJson { event, vr })?;
    s.push('\n');
    Ok(s)
}

/// `vrctl identify`: the VR, then its name if it has one, as
/// `ip netns identify` prints a name.
pub fn identify_text(vr: u32, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{vr} name {name}\n"),
        None => format!("{vr}\n"),
    }
}

#[derive(Serialize)]
struct IdentifyJson<'a> {
    pid: u32,
    vr: u32,
    name: Option<&'a str>,
}

/// `vrctl -j identify`: one object.
pub fn identify_json(
    pid: u32,
    vr: u32,
    name: Option<&str>,
    pretty: bool,
) -> serde_json::Result<String> {
    let v = IdentifyJson { pid, vr, name };
    let mut s = if pretty {
        serde_json::to_string_pretty(&v)?
    } else {
        serde_json::to_string(&v)?
    };
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vr::Iface;

    fn vrs() -> Vec<Vr> {
        vec![
            Vr {
                id: 0,
                name: Some("default".into()),
                table: 254,
                interfaces: vec![
                    Iface {
                        ifindex: 1,
                        name: Some("lo".into()),
                    },
                    Iface {
                        ifindex: 2,
                        name: Some("eth0".into()),
                    },
                ],
            },
            Vr {
                id: 1,
                name: Some("red".into()),
                table: 65537,
                interfaces: vec![Iface {
                    ifindex: 3,
                    name: Some("veth1".into()),
                }],
            },
            Vr {
                id: 42,
                name: None,
                table: 65578,
                interfaces: vec![],
            },
        ]
    }

    #[test]
    fn list_header_is_exact() {
        assert_eq!(
            list_text(&[]),
            "VR     NAME             TABLE  INTERFACES\n"
        );
    }

    #[test]
    fn list_rows() {
        let expected = "\
VR     NAME             TABLE  INTERFACES
0      default          254    lo eth0
1      red              65537  veth1
42     -                65578  -
";
        assert_eq!(list_text(&vrs()), expected);
    }

    #[test]
    fn show_all() {
        let expected = "\
vr 0 name default table 254
\tinterfaces: lo eth0

vr 1 name red table 65537
\tinterfaces: veth1

vr 42 name - table 65578
\tinterfaces: none
";
        assert_eq!(show_text(&vrs()), expected);
    }

    #[test]
    fn show_one() {
        assert_eq!(
            show_text(&vrs()[2..]),
            "vr 42 name - table 65578\n\tinterfaces: none\n"
        );
    }

    #[test]
    fn interface_without_name_prints_ifindex() {
        let vr = Vr {
            id: 3,
            name: None,
            table: 65539,
            interfaces: vec![Iface {
                ifindex: 7,
                name: None,
            }],
        };
        assert_eq!(
            show_text(&[vr]),
            "vr 3 name - table 65539\n\tinterfaces: 7\n"
        );
    }

    #[test]
    fn json_compact() {
        let s = vrs_json(&vrs()[1..], false).expect("serializes");
        assert_eq!(
            s,
            "[{\"id\":1,\"name\":\"red\",\"table\":65537,\"interfaces\":[{\"ifindex\":3,\"name\":\"veth1\"}]},\
             {\"id\":42,\"name\":null,\"table\":65578,\"interfaces\":[]}]\n"
        );
    }

    #[test]
    fn json_pretty_parses_back() {
        let s = vrs_json(&vrs(), true).expect("serializes");
        assert!(s.contains("\n  {\n"));
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v[0]["name"], "default");
        assert_eq!(v[0]["interfaces"][1]["name"], "eth0");
        assert_eq!(v[2]["name"], serde_json::Value::Null);
    }

    #[test]
    fn json_empty() {
        assert_eq!(vrs_json(&[], false).expect("serializes"), "[]\n");
    }

    #[test]
    fn monitor_text() {
        let v = vrs();
        assert_eq!(
            event_text(
                Event::Create,
                &Vr {
                    interfaces: vec![],
                    ..v[1].clone()
                }
            ),
            "create vr 1 name red table 65537 interfaces: -\n"
        );
        assert_eq!(
            event_text(Event::Change, &v[1]),
            "change vr 1 name red table 65537 interfaces: veth1\n"
        );
        assert_eq!(
            event_text(Event::Delete, &v[2]),
            "delete vr 42 name - table 65578 interfaces: -\n"
        );
    }

    #[test]
    fn monitor_json() {
        assert_eq!(
            event_json(Event::Delete, &vrs()[2]).expect("serializes"),
            "{\"event\":\"delete\",\"vr\":{\"id\":42,\"name\":null,\"table\":65578,\"interfaces\":[]}}\n"
        );
    }

    #[test]
    fn identify_text_forms() {
        assert_eq!(identify_text(1, Some("red")), "1 name red\n");
        assert_eq!(identify_text(0, Some("default")), "0 name default\n");
        assert_eq!(identify_text(42, None), "42\n");
    }

    #[test]
    fn identify_json_forms() {
        assert_eq!(
            identify_json(123, 1, Some("red"), false).expect("serializes"),
            "{\"pid\":123,\"vr\":1,\"name\":\"red\"}\n"
        );
        assert_eq!(
            identify_json(7, 42, None, false).expect("serializes"),
            "{\"pid\":7,\"vr\":42,\"name\":null}\n"
        );
        let pretty = identify_json(7, 2, Some("blue"), true).expect("serializes");
        assert!(pretty.contains("\n  \"vr\": 2,\n"), "{pretty}");
    }
}
