// SPDX-License-Identifier: GPL-2.0-only
//! The words of the family's objects on a command line, iproute2 style
//! (`KEYWORD VALUE` pairs in any order, each at most once), shared by the
//! parsers of vrctl's commands and of vr-dhostd's arguments. An error is
//! the message of a usage error.

use std::ffi::OsString;

use crate::MEMBER_MAX;

/// The arguments of a command: the positional ones in order, and the
/// values of the keywords in `keywords`, in order too.
pub struct Split<'a> {
    pub positional: Vec<&'a OsString>,
    pub keywords: Vec<(&'static str, &'a OsString)>,
}

/// Splits `args` into positional arguments and `KEYWORD VALUE` pairs of
/// `keywords`; a keyword without its value is an error.
pub fn split<'a>(args: &'a [OsString], keywords: &[&'static str]) -> Result<Split<'a>, String> {
    let mut out = Split {
        positional: Vec::new(),
        keywords: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let keyword = arg
            .to_str()
            .and_then(|a| keywords.iter().copied().find(|k| *k == a));
        match keyword {
            Some(keyword) => {
                let value = it
                    .next()
                    .ok_or_else(|| format!("\"{keyword}\" needs a value"))?;
                out.keywords.push((keyword, value));
            }
            None => out.positional.push(arg),
        }
    }
    Ok(out)
}

/// The message of an argument that has no place.
pub fn unexpected(arg: &OsString) -> String {
    format!("unexpected argument {:?}", arg.to_string_lossy())
}

/// Stores the value of a keyword given at most once.
pub fn set_once<T>(slot: &mut Option<T>, value: T, what: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{what} given twice"));
    }
    *slot = Some(value);
    Ok(())
}

/// An argument as UTF-8, else an "invalid {what}" usage error.
pub fn utf8<'a>(arg: &'a OsString, what: &str) -> Result<&'a str, String> {
    arg.to_str()
        .ok_or_else(|| format!("invalid {what} {:?}", arg.to_string_lossy()))
}

/// A VR id: decimal digits only. The range is the kernel's to check, so
/// that its extack message reaches the user.
pub fn parse_vr_id(arg: &OsString) -> Result<u32, String> {
    let s = utf8(arg, "VR id")?;
    s.parse::<u32>()
        .ok()
        .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("invalid VR id {s:?}"))
}

/// A number of 1 to `max`, decimal digits only.
pub fn parse_number(arg: &OsString, what: &str, max: u32) -> Result<u32, String> {
    let s = utf8(arg, what)?;
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n) && s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("invalid {what} {s:?} (expected 1-{max})"))
}

/// A member id of a distributed address, 1 to [`MEMBER_MAX`].
pub fn parse_member(arg: &OsString, what: &str) -> Result<u32, String> {
    parse_number(arg, what, MEMBER_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn split_keywords_and_positional() {
        let args = os(&["10.0.0.1", "vr", "2", "x", "vr", "3"]);
        let s = split(&args, &["vr"]).expect("splits");
        assert_eq!(s.positional, [&args[0], &args[3]]);
        assert_eq!(s.keywords, [("vr", &args[2]), ("vr", &args[5])]);
        assert_eq!(
            split(&os(&["vr"]), &["vr"]).err().as_deref(),
            Some("\"vr\" needs a value")
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_vr_id(&"70000".into()), Ok(70000));
        assert!(parse_vr_id(&"+1".into()).is_err());
        assert_eq!(parse_member(&"3".into(), "member id"), Ok(3));
        assert_eq!(
            parse_number(&"0".into(), "port", 65535),
            Err("invalid port \"0\" (expected 1-65535)".into())
        );
        let mut slot = None;
        assert_eq!(set_once(&mut slot, 1, "\"vr\""), Ok(()));
        assert_eq!(
            set_once(&mut slot, 2, "\"vr\""),
            Err("\"vr\" given twice".into())
        );
    }
}
