// SPDX-License-Identifier: GPL-2.0-only
//! What the output of every object's commands shares: writing it, JSON,
//! and the names of interfaces. The text formats are each object's (and
//! relied upon by shell tests: change them with care).

use serde::Serialize;

use std::io::Write;

use crate::error::{Error, Result};

/// Writes `s` to `out` and flushes it.
pub fn write_out(out: &mut dyn Write, s: &str) -> Result<()> {
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write output", e))
}

/// The error of a value serde_json cannot render.
pub fn json_error(e: serde_json::Error) -> Error {
    Error::protocol(format!("cannot render JSON: {e}"))
}

/// JSON of `v`, pretty or compact, newline-terminated.
pub fn to_json<T: Serialize + ?Sized>(v: &T, pretty: bool) -> serde_json::Result<String> {
    let mut s = if pretty {
        serde_json::to_string_pretty(v)?
    } else {
        serde_json::to_string(v)?
    };
    s.push('\n');
    Ok(s)
}

/// The name iproute2 gives an interface it cannot name.
pub fn dev_name(oif: u32, dev: &Option<String>) -> String {
    dev.clone().unwrap_or_else(|| format!("if{oif}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_newline_terminated() {
        assert_eq!(to_json(&[1, 2], false).expect("serializes"), "[1,2]\n");
        assert_eq!(to_json(&[1], true).expect("serializes"), "[\n  1\n]\n");
        let empty: [u32; 0] = [];
        assert_eq!(to_json(&empty, false).expect("serializes"), "[]\n");
    }

    #[test]
    fn unnamed_interface_is_if_and_its_index() {
        assert_eq!(dev_name(9, &None), "if9");
        assert_eq!(dev_name(9, &Some("eth0".into())), "eth0");
    }

    #[test]
    fn written_output_is_flushed_whole() {
        let mut out = Vec::new();
        write_out(&mut out, "a\nb\n").expect("written");
        assert_eq!(out, b"a\nb\n");
    }
}
