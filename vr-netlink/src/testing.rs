// SPDX-License-Identifier: GPL-2.0-only
//! Helpers of the tests of vr-netlink, vrctl and vr-dhostd (not an API):
//! hand-built attributes, the bytes a message emits, the words of a man
//! page and whether groff renders it without a warning.

use std::process::Command;

use netlink_packet_core::Emitable;

/// The bytes `e` emits (into a buffer filled with 0xff first, so that
/// bytes it leaves alone show).
pub fn emitted<E: Emitable>(e: &E) -> Vec<u8> {
    let mut buf = vec![0xffu8; e.buffer_len()];
    e.emit(&mut buf);
    buf
}

/// Hand-built attribute: len (u16), type (u16), value, padding.
pub fn tlv(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
    v.extend_from_slice(&kind.to_ne_bytes());
    v.extend_from_slice(value);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

/// The words of a man page, its roff markup left out: macro names,
/// comments, font changes, quotes, and punctuation around words.
pub fn man_page_words(page: &str) -> Vec<String> {
    let mut words = Vec::new();
    for line in page.lines() {
        if line.starts_with(".\\\"") {
            continue;
        }
        let text = match line.strip_prefix('.') {
            Some(request) => request.split_once(' ').map_or("", |(_, args)| args),
            None => line,
        };
        let mut text = text.replace("\\-", "-").replace('"', " ");
        for font in ["\\fB", "\\fI", "\\fR", "\\fP"] {
            text = text.replace(font, "");
        }
        words.extend(
            text.split_whitespace()
                .map(|w| w.trim_matches(|c| ",.;:()".contains(c)).to_owned()),
        );
    }
    words
}

/// Whether `phrase` occurs in `words`, word after word.
pub fn mentions(words: &[String], phrase: &[&str]) -> bool {
    words.windows(phrase.len()).any(|w| w == phrase)
}

/// What `groff -man -Tutf8 -ww` says on stderr about the man page `path`
/// (empty: no warning); None, saying so, where groff cannot run.
/// Panics if groff fails.
pub fn groff_warnings(path: &str) -> Option<String> {
    let out = match Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z", path])
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipping: cannot run groff: {e}");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "groff: {stderr}");
    Some(stderr)
}
