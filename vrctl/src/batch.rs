// SPDX-License-Identifier: GPL-2.0-only
//! Batch mode, as iproute2's `ip -batch FILE [-force]`: FILE (`-` for
//! stdin) holds one vrctl command line per line, without the program name.
//!
//! Lines are split into words as a shell would, and as iproute2's
//! `makeargs` does for the cases it knows: words are separated by blanks
//! (space, tab, carriage return); single quotes keep everything up to the
//! next single quote; double quotes keep everything up to the next
//! unescaped double quote, a backslash escaping `"` and `\` inside them; a
//! backslash outside quotes keeps the next character; a `#` that starts a
//! word (outside quotes) starts a comment that runs to the end of the
//! line; a backslash at the end of a line joins the next line to it.
//! Empty lines and comment lines are skipped. An unterminated quote is an
//! error of its line.
//!
//! On a failure the command's own message is printed, then
//! `Command failed FILE:LINE` (LINE is the line the command starts on); the
//! batch stops there unless `force` is set. The exit status is that of the
//! first failure (2 for a usage error, 1 for a kernel or runtime error);
//! with `force`, every line is run and the status is 2 if a line had a
//! usage error, else 1 if a line failed, else 0.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::error::{Error, Result};

/// The FILE that names standard input.
pub const STDIN: &str = "-";

/// The exit status of a usage error.
pub const USAGE: u8 = 2;

/// iproute2 spells its long options with one dash: `-batch`, `-force`.
/// Rewrites those among vrctl's own options (before the command, whose
/// arguments are left alone) to the `--batch` and `--force` clap knows.
/// `args` starts with the program name.
pub fn iproute2_options(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut it = args.into_iter();
    out.extend(it.next());
    while let Some(arg) = it.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" || !bytes.starts_with(b"-") || bytes == b"-" {
            out.push(arg);
            break;
        }
        let arg = match bytes {
            b"-batch" => OsString::from("--batch"),
            b"-force" => OsString::from("--force"),
            _ => arg,
        };
        // The FILE of -b/--batch is a value, whatever it looks like.
        let takes_value = matches!(arg.as_bytes(), b"-b" | b"--batch");
        out.push(arg);
        if takes_value {
            out.extend(it.next());
        }
    }
    out.extend(it);
    out
}

/// One line split into words, or the news that it goes on on the next
/// line (it ends with a backslash).
#[derive(Debug, PartialEq, Eq)]
pub enum Split {
    Words(Vec<OsString>),
    Continued,
}

/// Splits one line (without its newline) into words; see the module
/// documentation for the rules.
pub fn split_line(line: &[u8]) -> std::result::Result<Split, String> {
    // A command line cannot carry a NUL byte; in a name, the kernel would
    // stop at it and take only what comes before.
    if line.contains(&0) {
        return Err("NUL byte in the line".into());
    }
    let mut words = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut it = line.iter().copied();
    while let Some(c) = it.next() {
        match c {
            b' ' | b'\t' | b'\r' => words.extend(word.take()),
            b'#' if word.is_none() => break,
            b'\\' => match it.next() {
                Some(c) => word.get_or_insert_with(Vec::new).push(c),
                None => return Ok(Split::Continued),
            },
            b'\'' => {
                let w = word.get_or_insert_with(Vec::new);
                loop {
                    match it.next() {
                        Some(b'\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unterminated quoted string".into()),
                    }
                }
            }
            b'"' => {
                let w = word.get_or_insert_with(Vec::new);
                loop {
                    match it.next() {
                        Some(b'"') => break,
                        Some(b'\\') => match it.next() {
                            Some(c @ (b'"' | b'\\')) => w.push(c),
                            Some(c) => w.extend_from_slice(&[b'\\', c]),
                            None => return Ok(Split::Continued),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unterminated quoted string".into()),
                    }
                }
            }
            c => word.get_or_insert_with(Vec::new).push(c),
        }
    }
    words.extend(word);
    Ok(Split::Words(
        words.into_iter().map(OsString::from_vec).collect(),
    ))
}

/// What a batch file holds, command by command.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    /// A command: the line it starts on and its words.
    Command { line: usize, words: Vec<OsString> },
    /// A line that cannot be split: the line and why.
    Bad { line: usize, msg: String },
}

/// The commands of a batch file, read as they come (so that a pipe can
/// feed them one by one).
pub struct Commands<R> {
    input: R,
    lineno: usize,
}

impl<R: BufRead> Commands<R> {
    pub fn new(input: R) -> Self {
        Commands { input, lineno: 0 }
    }

    /// Reads one line, without its newline; None at the end.
    fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut buf = Vec::new();
        if self.input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        self.lineno += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
            // CRLF line ends, so that a backslash before them continues.
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        Ok(Some(buf))
    }

    /// The next command, skipping empty and comment lines; None at the
    /// end of the input.
    pub fn next_item(&mut self) -> io::Result<Option<Item>> {
        loop {
            let Some(mut text) = self.read_line()? else {
                return Ok(None);
            };
            let line = self.lineno;
            let words = loop {
                match split_line(&text) {
                    Ok(Split::Words(words)) => break words,
                    Err(msg) => return Ok(Some(Item::Bad { line, msg })),
                    Ok(Split::Continued) => {
                        // The line ends with the backslash: drop it, and
                        // split again with the next line joined.
                        text.pop();
                        match self.read_line()? {
                            Some(next) => text.extend(next),
                            None => {
                                return Ok(Some(Item::Bad {
                                    line,
                                    msg: "missing continuation line".into(),
                                }))
                            }
                        }
                    }
                }
            };
            if !words.is_empty() {
                return Ok(Some(Item::Command { line, words }));
            }
        }
    }
}

/// How one command of the batch went. The command has printed its own
/// output and error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// It failed, with this exit status.
    Failed(u8),
    /// Stop quietly (nobody reads the output any more).
    Stop,
}

/// Opens FILE, or standard input for `-`.
pub fn open(file: &OsStr) -> Result<Box<dyn BufRead>> {
    if file == STDIN {
        return Ok(Box::new(io::stdin().lock()));
    }
    File::open(file)
        .map(|f| Box::new(BufReader::new(f)) as Box<dyn BufRead>)
        .map_err(|err| Error::File {
            what: "cannot open batch file",
            path: file.to_string_lossy().into_owned(),
            err,
        })
}

/// Runs every command of `input` (read from `name`) with `exec`, as the
/// module documentation says; returns the exit status, or the error that
/// reading `input` met.
pub fn run<R: BufRead>(
    name: &str,
    input: R,
    force: bool,
    mut exec: impl FnMut(Vec<OsString>) -> Outcome,
) -> Result<u8> {
    let mut commands = Commands::new(input);
    let mut status = 0;
    loop {
        let item = commands.next_item().map_err(|err| Error::File {
            what: "cannot read batch file",
            path: name.to_owned(),
            err,
        })?;
        let (line, outcome) = match item {
            None => return Ok(status),
            Some(Item::Command { line, words }) => (line, exec(words)),
            Some(Item::Bad { line, msg }) => {
                eprintln!("error: {msg}");
                (line, Outcome::Failed(USAGE))
            }
        };
        match outcome {
            Outcome::Done => {}
            Outcome::Stop => return Ok(status),
            Outcome::Failed(code) => {
                eprintln!("Command failed {name}:{line}");
                status = status.max(code);
                if !force {
                    return Ok(code);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn words(line: &str) -> Vec<OsString> {
        match split_line(line.as_bytes()) {
            Ok(Split::Words(w)) => w,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    #[test]
    fn split_on_blanks() {
        assert_eq!(
            words("create 1 name red"),
            os(&["create", "1", "name", "red"])
        );
        assert_eq!(words("  show\t 3 \r"), os(&["show", "3"]));
        assert_eq!(words(""), os(&[]));
        assert_eq!(words(" \t "), os(&[]));
    }

    #[test]
    fn split_quotes() {
        assert_eq!(words("a 'b c' \"d e\""), os(&["a", "b c", "d e"]));
        // Quotes keep what the other quote and the comment sign mean.
        assert_eq!(words(r#"'say "hi" # no'"#), os(&[r#"say "hi" # no"#]));
        assert_eq!(words(r#""it's""#), os(&["it's"]));
        // Empty words, and parts of one word glued together.
        assert_eq!(words("'' \"\" x"), os(&["", "", "x"]));
        assert_eq!(words(r#"a'b c'"d"e"#), os(&["ab cde"]));
        // Single quotes keep backslashes.
        assert_eq!(words(r"'a\b'"), os(&[r"a\b"]));
    }

    #[test]
    fn split_refuses_nul() {
        assert_eq!(
            split_line(b"create 1 name \"a\0b\""),
            Err("NUL byte in the line".to_string())
        );
    }

    #[test]
    fn split_escapes() {
        assert_eq!(words(r"a\ b c"), os(&["a b", "c"]));
        assert_eq!(words(r"\'x \# \\"), os(&["'x", "#", "\\"]));
        assert_eq!(
            words(r#""a\"b" "c\\d" "e\nf""#),
            os(&["a\"b", "c\\d", r"e\nf"])
        );
    }

    #[test]
    fn split_comments() {
        assert_eq!(words("# a comment"), os(&[]));
        assert_eq!(words("   # indented"), os(&[]));
        assert_eq!(words("show 1 # the first"), os(&["show", "1"]));
        assert_eq!(words("show 1 #the first"), os(&["show", "1"]));
        // Inside a word, # is a character.
        assert_eq!(words("a#b"), os(&["a#b"]));
    }

    #[test]
    fn split_errors_and_continuation() {
        for line in ["'abc", "a \"b c", "x '", r#""a\""#] {
            assert_eq!(
                split_line(line.as_bytes()),
                Err("unterminated quoted string".to_owned()),
                "{line}"
            );
        }
        assert_eq!(split_line(b"show \\"), Ok(Split::Continued));
        assert_eq!(split_line(b"\"show \\"), Ok(Split::Continued));
        // Not UTF-8: the bytes are kept.
        assert_eq!(
            split_line(b"a \xff"),
            Ok(Split::Words(vec![
                OsString::from("a"),
                OsString::from_vec(vec![0xff])
            ]))
        );
    }

    fn items(text: &str) -> Vec<Item> {
        let mut c = Commands::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(item) = c.next_item().expect("reads") {
            out.push(item);
        }
        out
    }

    fn cmd(line: usize, w: &[&str]) -> Item {
        Item::Command { line, words: os(w) }
    }

    #[test]
    fn commands_skip_empty_and_comment_lines() {
        let text = "# set up\n\ncreate 1\n   \n  # two\ncreate 2 name 'b c'\nlist";
        assert_eq!(
            items(text),
            [
                cmd(3, &["create", "1"]),
                cmd(6, &["create", "2", "name", "b c"]),
                cmd(7, &["list"]),
            ]
        );
        assert_eq!(items(""), []);
        assert_eq!(items("\n\n# nothing\n"), []);
    }

    #[test]
    fn commands_report_bad_lines_with_their_number() {
        let text = "list\ncreate 1 name 'red\nshow";
        assert_eq!(
            items(text),
            [
                cmd(1, &["list"]),
                Item::Bad {
                    line: 2,
                    msg: "unterminated quoted string".into()
                },
                cmd(3, &["show"]),
            ]
        );
    }

    #[test]
    fn commands_join_continued_lines() {
        let text = "route add 10.0.0.0/8 \\\n  dev eth0 \\\nvr 1\nshow\nlist \\";
        assert_eq!(
            items(text),
            [
                cmd(1, &["route", "add", "10.0.0.0/8", "dev", "eth0", "vr", "1"]),
                cmd(4, &["show"]),
                Item::Bad {
                    line: 5,
                    msg: "missing continuation line".into()
                },
            ]
        );
        // A doubled backslash is a backslash, not a continuation.
        assert_eq!(items("a \\\\\nb"), [cmd(1, &["a", "\\"]), cmd(2, &["b"])]);
        // CRLF line ends.
        assert_eq!(items("a \\\r\nb\r\n"), [cmd(1, &["a", "b"])]);
    }

    fn run_lines(text: &str, force: bool, fail: &[&str]) -> (u8, Vec<Vec<OsString>>) {
        let mut seen = Vec::new();
        let status = run("f", text.as_bytes(), force, |w| {
            let first = w.first().map(|s| s.to_string_lossy().into_owned());
            seen.push(w);
            match first.as_deref() {
                Some("usage") => Outcome::Failed(USAGE),
                Some("stop") => Outcome::Stop,
                Some(f) if fail.contains(&f) => Outcome::Failed(1),
                _ => Outcome::Done,
            }
        })
        .expect("reads");
        (status, seen)
    }

    #[test]
    fn run_stops_at_the_first_failure() {
        let (status, seen) = run_lines("a\nbad\nc\n", false, &["bad"]);
        assert_eq!(status, 1);
        assert_eq!(seen, [os(&["a"]), os(&["bad"])]);
        let (status, seen) = run_lines("a\nusage\nc\n", false, &[]);
        assert_eq!((status, seen.len()), (2, 2));
        let (status, seen) = run_lines("a\n'b\nc\n", false, &[]);
        assert_eq!((status, seen.len()), (2, 1));
        let (status, seen) = run_lines("a\nstop\nc\n", false, &[]);
        assert_eq!((status, seen.len()), (0, 2));
        assert_eq!(run_lines("a\n# b\nc\n", false, &[]).0, 0);
    }

    #[test]
    fn run_with_force_goes_on() {
        let (status, seen) = run_lines("bad\nb\nbad\nd\n", true, &["bad"]);
        assert_eq!(status, 1);
        assert_eq!(seen.len(), 4);
        // A usage error anywhere makes the status 2.
        let (status, seen) = run_lines("usage\n'b\nbad\nd\n", true, &["bad"]);
        assert_eq!((status, seen.len()), (2, 3));
        let (status, _) = run_lines("bad\nusage\n", true, &["bad"]);
        assert_eq!(status, 2);
    }

    #[test]
    fn iproute2_spellings() {
        let norm = |a: &[&str]| iproute2_options(os(a));
        assert_eq!(
            norm(&["vrctl", "-batch", "f", "-force"]),
            os(&["vrctl", "--batch", "f", "--force"])
        );
        assert_eq!(
            norm(&["vrctl", "-j", "-force", "-b", "-force"]),
            os(&["vrctl", "-j", "--force", "-b", "-force"])
        );
        assert_eq!(
            norm(&["vrctl", "-batch", "-"]),
            os(&["vrctl", "--batch", "-"])
        );
        // The command's arguments are its own.
        assert_eq!(
            norm(&["vrctl", "exec", "1", "ip", "-batch", "x", "-force"]),
            os(&["vrctl", "exec", "1", "ip", "-batch", "x", "-force"])
        );
        assert_eq!(
            norm(&["vrctl", "--", "-batch"]),
            os(&["vrctl", "--", "-batch"])
        );
        assert_eq!(norm(&["vrctl"]), os(&["vrctl"]));
    }
}
