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
//!
//! Consecutive commands that the [`Runner`] can run together (vrctl:
//! `dhost owner add|del`, as owner-batch requests) are given to it as a
//! group, up to [`GROUP_MAX`] of them, as far as they can be read without
//! waiting (see [`open`]): a writer that waits for the effect of a line
//! before it writes the next one still gets it. A group does what its
//! commands one after the other would, and a failure names its line.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::error::{Error, Result};

/// The FILE that names standard input.
pub const STDIN: &str = "-";

/// The exit status of a usage error.
pub const USAGE: u8 = 2;

/// Most commands of one group (one owner-batch request's worth).
pub const GROUP_MAX: usize = vr_netlink::BATCH_MAX as usize;

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

/// How a group of commands went (see [`Runner::group`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Every command is done.
    Done,
    /// The commands before `index` are done, command `index` failed with
    /// this exit status (its message printed), the others are not run.
    Failed { index: usize, code: u8 },
    /// The commands before `from` are done; run the others one by one.
    OneByOne { from: usize },
}

/// What runs the commands of a batch.
pub trait Runner {
    /// What a command that can run in a group is, parsed.
    type Part;

    /// The part of `words` if it is a command that can run in a group.
    fn part(&mut self, words: &[OsString]) -> Option<Self::Part>;

    /// Runs one command.
    fn one(&mut self, words: Vec<OsString>) -> Outcome;

    /// Runs consecutive commands (at least two) together, as they would
    /// run one after the other; with `force`, a failure must leave the
    /// other commands to run (`OneByOne`).
    fn group(&mut self, parts: &[Self::Part], force: bool) -> Group;
}

/// A batch file, and whether its next line can be read without waiting.
pub struct Input {
    pub reader: Box<dyn BufRead>,
    pub ready: Box<dyn FnMut() -> bool>,
}

/// Opens FILE, or standard input for `-`. A regular file's lines can be
/// read ahead; those of a pipe or a terminal are not: a line run only once
/// the next is there could keep a co-process waiting for its effect for
/// ever (each such line runs as it comes).
pub fn open(file: &OsStr) -> Result<Input> {
    if file == STDIN {
        let regular = std::fs::metadata("/dev/stdin")
            .map(|m| m.file_type().is_file())
            .unwrap_or(false);
        return Ok(Input {
            reader: Box::new(io::stdin().lock()),
            ready: Box::new(move || regular),
        });
    }
    File::open(file)
        .map(|f| Input {
            reader: Box::new(BufReader::new(f)),
            ready: Box::new(|| true),
        })
        .map_err(|err| Error::File {
            what: "cannot open batch file",
            path: file.to_string_lossy().into_owned(),
            err,
        })
}

/// Takes the outcome of the command on `line`: prints the failure and
/// updates `status`; Some(exit status) if the batch stops there.
fn settle(name: &str, line: usize, outcome: Outcome, force: bool, status: &mut u8) -> Option<u8> {
    match outcome {
        Outcome::Done => None,
        Outcome::Stop => Some(*status),
        Outcome::Failed(code) => {
            eprintln!("Command failed {name}:{line}");
            *status = (*status).max(code);
            (!force).then_some(code)
        }
    }
}

/// Runs every command of `input` (read from `name`) with `runner`, as the
/// module documentation says; `ready` tells whether the next line can be
/// read without waiting. Returns the exit status, or the error that
/// reading `input` met.
pub fn run<R: BufRead, N: Runner>(
    name: &str,
    input: R,
    force: bool,
    mut ready: impl FnMut() -> bool,
    runner: &mut N,
) -> Result<u8> {
    let mut commands = Commands::new(input);
    let mut read = move || {
        commands.next_item().map_err(|err| Error::File {
            what: "cannot read batch file",
            path: name.to_owned(),
            err,
        })
    };
    let mut status = 0;
    // An item read ahead; Some(None) is the end of the input.
    let mut ahead: Option<Option<Item>> = None;
    // A read error met while collecting a group: reported once the
    // commands collected before it have run.
    let mut read_error = None;
    loop {
        if let Some(err) = read_error.take() {
            return Err(err);
        }
        let item = match ahead.take() {
            Some(item) => item,
            None => read()?,
        };
        let (line, words) = match item {
            None => return Ok(status),
            Some(Item::Command { line, words }) => (line, words),
            Some(Item::Bad { line, msg }) => {
                eprintln!("error: {msg}");
                match settle(name, line, Outcome::Failed(USAGE), force, &mut status) {
                    Some(code) => return Ok(code),
                    None => continue,
                }
            }
        };
        let Some(part) = runner.part(&words) else {
            let outcome = runner.one(words);
            match settle(name, line, outcome, force, &mut status) {
                Some(code) => return Ok(code),
                None => continue,
            }
        };
        let mut lines = vec![(line, words)];
        let mut parts = vec![part];
        while lines.len() < GROUP_MAX && ready() {
            let next = match read() {
                Ok(next) => next,
                Err(err) => {
                    read_error = Some(err);
                    break;
                }
            };
            match next {
                Some(Item::Command { line, words }) => match runner.part(&words) {
                    Some(part) => {
                        lines.push((line, words));
                        parts.push(part);
                    }
                    None => {
                        ahead = Some(Some(Item::Command { line, words }));
                        break;
                    }
                },
                other => {
                    ahead = Some(other);
                    break;
                }
            }
        }
        let from = if lines.len() == 1 {
            0
        } else {
            match runner.group(&parts, force) {
                Group::Done => continue,
                Group::Failed { index, code } => {
                    let line = lines.get(index).map_or(line, |l| l.0);
                    let failed = Outcome::Failed(code);
                    if let Some(code) = settle(name, line, failed, force, &mut status) {
                        return Ok(code);
                    }
                    index + 1
                }
                Group::OneByOne { from } => from,
            }
        };
        for (line, words) in lines.into_iter().skip(from) {
            let outcome = runner.one(words);
            if let Some(code) = settle(name, line, outcome, force, &mut status) {
                return Ok(code);
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

    /// A [`Runner`] that runs every command alone, with a closure.
    pub struct OneByOne<F>(pub F);

    impl<F: FnMut(Vec<OsString>) -> Outcome> Runner for OneByOne<F> {
        type Part = ();

        fn part(&mut self, _: &[OsString]) -> Option<()> {
            None
        }

        fn one(&mut self, words: Vec<OsString>) -> Outcome {
            (self.0)(words)
        }

        fn group(&mut self, _: &[()], _: bool) -> Group {
            Group::OneByOne { from: 0 }
        }
    }

    fn run_lines(text: &str, force: bool, fail: &[&str]) -> (u8, Vec<Vec<OsString>>) {
        let mut seen = Vec::new();
        let mut runner = OneByOne(|w: Vec<OsString>| {
            let first = w.first().map(|s| s.to_string_lossy().into_owned());
            seen.push(w);
            match first.as_deref() {
                Some("usage") => Outcome::Failed(USAGE),
                Some("stop") => Outcome::Stop,
                Some(f) if fail.contains(&f) => Outcome::Failed(1),
                _ => Outcome::Done,
            }
        });
        let status = run("f", text.as_bytes(), force, || true, &mut runner).expect("reads");
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

    /// A runner whose commands starting with "g" run in groups, which
    /// `group` answers; it logs what it is asked.
    struct Grouping<G: FnMut(&[String]) -> Group> {
        log: Vec<String>,
        group: G,
    }

    impl<G: FnMut(&[String]) -> Group> Runner for Grouping<G> {
        type Part = String;

        fn part(&mut self, words: &[OsString]) -> Option<String> {
            let w: Vec<String> = words
                .iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect();
            let w = w.join(" ");
            w.starts_with('g').then_some(w)
        }

        fn one(&mut self, words: Vec<OsString>) -> Outcome {
            let w: Vec<String> = words
                .iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect();
            let w = w.join(" ");
            let failed = w.contains("bad");
            self.log.push(w);
            if failed {
                Outcome::Failed(1)
            } else {
                Outcome::Done
            }
        }

        fn group(&mut self, parts: &[String], _force: bool) -> Group {
            self.log.push(format!("[{}]", parts.join(", ")));
            (self.group)(parts)
        }
    }

    fn grouped(
        text: &str,
        force: bool,
        ready: bool,
        group: impl FnMut(&[String]) -> Group,
    ) -> (u8, Vec<String>) {
        let mut runner = Grouping {
            log: Vec::new(),
            group,
        };
        let status = run("f", text.as_bytes(), force, || ready, &mut runner).expect("reads");
        (status, runner.log)
    }

    #[test]
    fn consecutive_groupable_commands_run_together_in_order() {
        let text = "a\ng1\ng2\n# c\n\ng3\nb\ng4\nc\ng5\ng6\n";
        let (status, log) = grouped(text, false, true, |_| Group::Done);
        assert_eq!(status, 0);
        assert_eq!(log, ["a", "[g1, g2, g3]", "b", "g4", "c", "[g5, g6]"]);
        // A bad line ends a group, and is a usage error of its own.
        let (status, log) = grouped("g1\ng2\n'x\ng3\n", true, true, |_| Group::Done);
        assert_eq!((status, log), (USAGE, vec!["[g1, g2]".into(), "g3".into()]));
        // Nothing to read without waiting: each command alone.
        let (status, log) = grouped("g1\ng2\n", false, false, |_| Group::Done);
        assert_eq!((status, log), (0, vec!["g1".into(), "g2".into()]));
    }

    #[test]
    fn a_read_error_comes_after_the_commands_read_before_it() {
        struct Broken;
        impl io::Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::from_raw_os_error(libc::EIO))
            }
        }
        let input = BufReader::new(io::Read::chain(&b"g1\ng2\n"[..], Broken));
        let mut runner = Grouping {
            log: Vec::new(),
            group: |_: &[String]| Group::Done,
        };
        let r = run("f", input, false, || true, &mut runner);
        assert!(matches!(r, Err(Error::File { .. })), "{r:?}");
        assert_eq!(runner.log, ["[g1, g2]"]);
    }

    #[test]
    fn a_group_is_at_most_group_max_commands() {
        let text: String = (0..GROUP_MAX + 6).map(|i| format!("g{i}\n")).collect();
        let mut sizes = Vec::new();
        let (status, _) = grouped(&text, false, true, |parts| {
            sizes.push(parts.len());
            Group::Done
        });
        assert_eq!((status, sizes), (0, vec![GROUP_MAX, 6]));
    }

    #[test]
    fn a_failure_in_a_group_stops_at_its_command() {
        let text = "g1\ng2\ng3\ng4\nb\n";
        let failed = |_: &[String]| Group::Failed { index: 1, code: 1 };
        let (status, log) = grouped(text, false, true, failed);
        assert_eq!((status, log), (1, vec!["[g1, g2, g3, g4]".into()]));
        // With force, the commands after it run one by one, then the rest.
        let (status, log) = grouped(text, true, true, failed);
        assert_eq!(status, 1);
        assert_eq!(log, ["[g1, g2, g3, g4]", "g3", "g4", "b"]);
        // One by one from a command: a failure there is that command's.
        let text = "g1\ng2 bad\ng3\nb\n";
        let again = |_: &[String]| Group::OneByOne { from: 1 };
        let (status, log) = grouped(text, false, true, again);
        assert_eq!(
            (status, log),
            (1, vec!["[g1, g2 bad, g3]".into(), "g2 bad".into()])
        );
        let (status, log) = grouped(text, true, true, again);
        assert_eq!(status, 1);
        assert_eq!(log, ["[g1, g2 bad, g3]", "g2 bad", "g3", "b"]);
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
