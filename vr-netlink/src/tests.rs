// SPDX-License-Identifier: GPL-2.0-only
use super::*;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The numbers and strings of include/uapi/linux/vr.h, which the kernel's
/// ynl_gen_c.py generates from the same spec: `#define NAME value` and
/// the members of every enum, implicit values counted as C does.
fn header() -> (BTreeMap<String, i64>, BTreeMap<String, String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/uapi/linux/vr.h");
    let text = std::fs::read_to_string(path).expect("include/uapi/linux/vr.h");
    let (mut nums, mut strs) = (BTreeMap::new(), BTreeMap::new());
    for line in text.lines() {
        let mut w = line.split_whitespace();
        if w.next() != Some("#define") {
            continue;
        }
        let (Some(name), Some(val)) = (w.next(), w.next()) else {
            continue;
        };
        if let Some(s) = val.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            strs.insert(name.to_string(), s.to_string());
        } else if let Ok(v) = val.parse::<i64>() {
            nums.insert(name.to_string(), v);
        }
    }
    let mut rest = text.as_str();
    while let Some(start) = rest.find("enum") {
        rest = &rest[start..];
        let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) else {
            break;
        };
        let mut next = 0;
        for item in rest[open + 1..close].split(',') {
            let item: String = item
                .lines()
                .filter(|l| !l.trim_start().starts_with("/*") && !l.trim_start().starts_with('*'))
                .collect::<Vec<_>>()
                .join(" ");
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (name, val) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (item, None),
            };
            if let Some(v) = val {
                next = match v.parse::<i64>() {
                    Ok(v) => v,
                    // X_MAX = (__X_MAX - 1)
                    Err(_) => {
                        let inner = v.trim_matches(|c| c == '(' || c == ')');
                        let base = inner.split_whitespace().next().unwrap_or("");
                        nums.get(base)
                            .copied()
                            .expect("enum value refers to a known name")
                            - 1
                    }
                };
            }
            nums.insert(name.to_string(), next);
            next += 1;
        }
        rest = &rest[close..];
    }
    (nums, strs)
}

#[test]
fn generated_numbers_are_the_headers() {
    let (nums, strs) = header();
    let ours: BTreeMap<String, i64> = C_VALUES.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    // Everything generated here is in the header, with the same value...
    for (name, v) in &ours {
        assert_eq!(nums.get(name), Some(v), "{name}");
    }
    // ... and every number of the header is generated here (the enums'
    // __*_MAX counters aside).
    for (name, v) in nums.iter().filter(|(n, _)| !n.starts_with("__")) {
        assert_eq!(ours.get(name), Some(v), "{name} of vr.h is missing here");
    }
    let ours: BTreeMap<String, String> = C_STRINGS
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(ours, strs);
    assert!(ours.len() >= 3 && C_VALUES.len() >= 60, "header not parsed");
}

#[test]
fn commands_round_trip() {
    for (i, cmd) in Cmd::ALL.iter().enumerate() {
        assert_eq!(Cmd::from_value(cmd.value()), *cmd);
        assert_eq!(usize::from(cmd.value()), i + 1, "{}", cmd.name());
    }
    assert_eq!(Cmd::from_value(0), Cmd::Other(0));
    assert_eq!(Cmd::from_value(200), Cmd::Other(200));
    assert_eq!(Cmd::Other(200).value(), 200);
    assert_eq!(Cmd::ClaimAnswer.name(), "claim-answer");
}

#[test]
fn tables() {
    assert_eq!(vr_table(0), Some(254));
    assert_eq!(vr_table(1), Some(0x10001));
    assert_eq!(vr_table(ID_MAX), Some(0x1ffff));
    assert_eq!(vr_table(ID_MAX + 1), None);
}

fn emitted<T: Emitable + ?Sized>(x: &T) -> Vec<u8> {
    let mut buf = vec![0; x.buffer_len()];
    x.emit(&mut buf);
    buf
}

fn parsed(cmd: u8, bytes: &[u8]) -> Result<Message<vr::Attr>, String> {
    let header = GenlHeader { cmd, version: 1 };
    Message::parse_with_param(bytes, header).map_err(|e| e.to_string())
}

#[test]
fn attribute_encodings() {
    // u32 in host order, string with its NUL, padded to 4.
    let msg = Message::new(
        Cmd::Create,
        vec![vr::Attr::Id(7), vr::Attr::Name("ab".into())],
    );
    let mut want = vec![8, 0, 1, 0];
    want.extend(7u32.to_ne_bytes());
    want.extend([7, 0, 2, 0, b'a', b'b', 0, 0]);
    assert_eq!(emitted(&msg), want);
    assert_eq!(parsed(1, &want), Ok(msg));

    // Addresses are the __be32 of the kernel: the octets in order.
    let a = dhost::Attr::Addr(Ipv4Addr::new(10, 0, 0, 100));
    assert_eq!(emitted(&&[a][..]), vec![8, 0, 1, 0, 10, 0, 0, 100]);
    // An IPv6 address is 16 bytes of binary, in order; another length is refused.
    let a6 = dhost::Attr::Addr6("fd00::100".parse().unwrap_or(Ipv6Addr::UNSPECIFIED));
    let mut want = vec![20, 0, 6, 0, 0xfd];
    want.extend([0; 13]);
    want.extend([1, 0]);
    assert_eq!(emitted(&&[a6.clone()][..]), want);
    let buf = NlaBuffer::new_checked(&want[..]).map_err(|e| e.to_string());
    let back = buf.and_then(|b| dhost::Attr::parse(&b).map_err(|e| e.to_string()));
    assert_eq!(back, Ok(a6));
    let short = [8, 0, 6, 0, 0xfd, 0, 0, 0];
    let buf = NlaBuffer::new_checked(&short[..]).map_err(|e| e.to_string());
    let e = buf.and_then(|b| dhost::Attr::parse(&b).map_err(|e| e.to_string()));
    assert!(e.err().unwrap_or_default().contains("VR_A_DHOST_ADDR6"));

    // A nest carries NLA_F_NESTED; an NLA_UINT is 4 bytes, or 8 when needed.
    let nest = vr::Attr::Stats(vec![
        stats::Attr::RxPackets(1),
        stats::Attr::TxPackets(1 << 32),
    ]);
    let bytes = emitted(&&[nest.clone()][..]);
    assert_eq!(&bytes[..4], &[24, 0, 6, 0x80]);
    assert_eq!(&bytes[4..8], &[8, 0, 1, 0]);
    assert_eq!(&bytes[12..16], &[12, 0, 2, 0]);
    let msg = parsed(3, &bytes).map(|m| m.attrs);
    assert_eq!(msg, Ok(vec![nest]));
}

#[test]
fn decoding_errors_name_the_attribute() {
    // VR_A_IFACE holding an ifindex of 2 bytes.
    let bytes = [12, 0, 5, 0x80, 6, 0, 1, 0, 1, 0, 0, 0];
    let e = parsed(3, &bytes).err().unwrap_or_default();
    assert!(e.contains("VR_A_IFACE_IFINDEX"), "{e}");
    assert!(e.contains("VR_A_IFACE:"), "{e}");
    // An unknown command (a newer kernel's) is kept, not an error.
    let m = parsed(99, &[]).map(|m| m.cmd);
    assert_eq!(m, Ok(Cmd::Other(99)));
    // An unknown attribute is kept.
    let m = parsed(3, &[8, 0, 60, 0, 1, 2, 3, 4]).map(|m| m.attrs.len());
    assert_eq!(m, Ok(1));
}
