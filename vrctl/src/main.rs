// SPDX-License-Identifier: GPL-2.0-only
//! vrctl: configure virtual routers (VR) through the "vr" generic netlink
//! family.
//!
//! Exit status: 0 on success, 1 on a kernel or runtime error, 2 on a usage
//! error; `exec` exits with 127 if the command is not found and 126 if it
//! cannot be run, else it becomes the command. `-batch FILE` runs the
//! commands of FILE, one per line (see `batch`).

mod batch;
mod ctx;
mod dhost;
mod error;
mod iface;
mod output;
mod route;
mod sockets;
mod task;
mod vr;

use std::ffi::{OsStr, OsString};
use std::io;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::ctx::{Ctx, Format};
use crate::error::Error;

#[derive(Debug, Parser)]
#[command(
    name = "vrctl",
    version,
    about = "Configure virtual routers (VR)",
    override_usage = "vrctl [OPTIONS] <COMMAND>\n       vrctl [OPTIONS] -batch <FILE> [-force]",
    subcommand_required = true,
    arg_required_else_help = true
)]
struct Cli {
    /// Print JSON instead of text
    #[arg(short = 'j', long = "json", global = true)]
    json: bool,

    /// Pretty-print JSON output (with -j; monitor always prints one object per line)
    #[arg(short = 'p', long = "pretty", global = true)]
    pretty: bool,

    /// Run the commands of FILE ("-" for stdin), one per line, without
    /// "vrctl" (also -batch)
    #[arg(
        short = 'b',
        long = "batch",
        value_name = "FILE",
        allow_hyphen_values = true
    )]
    batch: Option<OsString>,

    /// With -batch: do not stop at the first failing command (also -force)
    #[arg(long = "force", requires = "batch")]
    force: bool,

    /// None only with -batch (see `parse`).
    #[command(subcommand)]
    command: Option<Command>,
}

/// The shells `vrctl completion` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl From<Shell> for clap_complete::Shell {
    fn from(shell: Shell) -> Self {
        match shell {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// vrctl's commands: those of each object's module (flattened, so that
/// they are vrctl's own words, in this order), and completion.
#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Vr(vr::Command),
    #[command(flatten)]
    Task(task::Command),
    #[command(flatten)]
    Route(route::Command),
    #[command(flatten)]
    Dhost(dhost::Command),
    /// Print the completion script of a shell (for packagers; make install
    /// installs them)
    #[command(hide = true)]
    Completion {
        /// bash, zsh or fish
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// Runs one command with the sockets of `ctx`.
fn run(ctx: &mut Ctx, command: Command, fmt: Format, out: &mut dyn io::Write) -> Result<(), Error> {
    match command {
        Command::Vr(command) => vr::run(ctx, command, fmt, out),
        Command::Task(command) => task::run(ctx, command, fmt, out),
        Command::Route(command) => route::run(ctx, command, fmt, out),
        Command::Dhost(command) => dhost::run(ctx, command, fmt, out),
        Command::Completion { shell } => completion(shell, out),
    }
}

/// vrctl's CLI as the completion scripts offer it: without the hidden
/// commands (clap_complete offers them all).
fn completion_cli() -> clap::Command {
    let cli = Cli::command();
    clap::Command::new("vrctl")
        .version(env!("CARGO_PKG_VERSION"))
        .args(cli.get_arguments().cloned())
        .subcommands(cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned())
}

/// `vrctl completion SHELL`: the completion script of SHELL for vrctl's
/// commands and options, generated from the CLI by clap_complete.
fn completion(shell: Shell, out: &mut dyn io::Write) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::from(shell),
        &mut completion_cli(),
        "vrctl",
        &mut script,
    );
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write output", e))
}

/// Refuses, in a batch file, the commands that never return or replace
/// vrctl: the lines after them would never run.
fn batchable(command: &Command) -> Result<(), Error> {
    let (cmd, msg): (&'static [&'static str], _) = match command {
        Command::Vr(vr::Command::Monitor) => (
            &["monitor"],
            "\"monitor\" cannot be used in a batch file: it runs until killed",
        ),
        Command::Task(task::Command::Exec { .. }) => (
            &["exec"],
            "\"exec\" cannot be used in a batch file: vrctl would become the command",
        ),
        _ => return Ok(()),
    };
    Err(Error::Usage {
        cmd,
        msg: msg.to_owned(),
    })
}

/// A usage error found after parsing, printed by clap as its own are,
/// with the usage of the subcommand `path` (e.g. ["route", "add"]).
fn usage_error(path: &[&str], msg: &str) -> clap::Error {
    let mut sub = Cli::command();
    sub.build();
    for name in path {
        match sub.find_subcommand(name) {
            Some(next) => sub = next.clone(),
            None => break,
        }
    }
    sub.error(clap::error::ErrorKind::InvalidValue, msg)
}

/// Parses vrctl's arguments (`args` starts with the program name, and
/// has iproute2's -batch and -force rewritten). A command is required
/// unless -batch is given, and refused with it.
fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    let matches = Cli::command()
        .subcommand_required(false)
        .try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    match (&cli.batch, &cli.command) {
        (None, None) => {
            // clap's own error for a missing command, as without -batch.
            Cli::command().try_get_matches_from(args)?;
            Err(Cli::command().error(ErrorKind::MissingSubcommand, "a command is required"))
        }
        (Some(_), Some(_)) => Err(Cli::command().error(
            ErrorKind::ArgumentConflict,
            "a command cannot be given with -batch: the commands are read from FILE",
        )),
        _ => Ok(cli),
    }
}

/// Prints the message of `e` as vrctl does (clap's format for a usage
/// error) and returns the exit status it calls for.
fn report(e: &Error) -> u8 {
    match e {
        Error::Usage { cmd, msg } => {
            let e = usage_error(cmd, msg);
            let _ = e.print();
            e.exit_code().try_into().unwrap_or(batch::USAGE)
        }
        e => {
            eprintln!("Error: {e}");
            e.exit_code()
        }
    }
}

/// The reader went away (e.g. `vrctl monitor | head`): nothing to say.
fn broken_pipe(e: &Error) -> bool {
    matches!(
        e,
        Error::Netlink(vr_netlink::Error::Io { err, .. }) if err.kind() == io::ErrorKind::BrokenPipe
    )
}

/// One line of a batch file: parsed as a command line of its own, with the
/// output options of vrctl's command line added.
fn run_line(
    ctx: &mut Ctx,
    words: Vec<OsString>,
    outer: Format,
    out: &mut dyn io::Write,
) -> batch::Outcome {
    let argv = batch::iproute2_options(std::iter::once(OsString::from("vrctl")).chain(words));
    let cli = match parse(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version print and succeed.
            return if e.use_stderr() {
                batch::Outcome::Failed(batch::USAGE)
            } else {
                batch::Outcome::Done
            };
        }
    };
    let refuse = |msg: &str| {
        batch::Outcome::Failed(report(&Error::Usage {
            cmd: &[],
            msg: msg.to_owned(),
        }))
    };
    if cli.batch.is_some() {
        return refuse("-batch cannot be used in a batch file");
    }
    if cli.force {
        return refuse("-force cannot be used in a batch file: give it on the command line");
    }
    let Some(command) = cli.command else {
        return refuse("a command is required");
    };
    let fmt = Format {
        json: outer.json || cli.json,
        pretty: outer.pretty || cli.pretty,
    };
    match batchable(&command).and_then(|()| run(ctx, command, fmt, out)) {
        Ok(()) => batch::Outcome::Done,
        Err(e) if broken_pipe(&e) => batch::Outcome::Stop,
        Err(e) => {
            if !Ctx::usable_after(&e) {
                ctx.forget_sockets();
            }
            batch::Outcome::Failed(report(&e))
        }
    }
}

/// The change of a line of a batch file that is a `dhost owner add|del`
/// command with valid arguments (and no -batch or -force).
fn owner_line(words: &[OsString]) -> Option<(dhost::OwnerOp, dhost::OwnerArgs)> {
    let argv = batch::iproute2_options(
        std::iter::once(OsString::from("vrctl")).chain(words.iter().cloned()),
    );
    let cli = parse(&argv).ok()?;
    if cli.batch.is_some() || cli.force {
        return None;
    }
    match cli.command? {
        Command::Dhost(command) => dhost::owner_change(&command),
        _ => None,
    }
}

/// The lines of a batch file, run with the sockets of `ctx`: consecutive
/// `dhost owner add|del` lines together, as owner-batch requests.
struct Lines<'a> {
    ctx: &'a mut Ctx,
    fmt: Format,
    out: &'a mut dyn io::Write,
}

impl batch::Runner for Lines<'_> {
    type Part = (dhost::OwnerOp, dhost::OwnerArgs);

    fn part(&mut self, words: &[OsString]) -> Option<Self::Part> {
        owner_line(words)
    }

    fn one(&mut self, words: Vec<OsString>) -> batch::Outcome {
        run_line(self.ctx, words, self.fmt, self.out)
    }

    fn group(&mut self, parts: &[Self::Part], force: bool) -> batch::Group {
        match dhost::owner_batch(self.ctx, parts, force) {
            dhost::Batched::Done => batch::Group::Done,
            dhost::Batched::OneByOne { from } => batch::Group::OneByOne { from },
            dhost::Batched::Failed { index, error } => {
                if !Ctx::usable_after(&error) {
                    self.ctx.forget_sockets();
                }
                batch::Group::Failed {
                    index,
                    code: report(&error),
                }
            }
        }
    }
}

/// `vrctl -batch FILE`: every line with one set of sockets.
fn run_batch(file: &OsStr, force: bool, fmt: Format) -> ExitCode {
    let input = match batch::open(file) {
        Ok(input) => input,
        Err(e) => return ExitCode::from(report(&e)),
    };
    let mut ctx = Ctx::new();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let name = file.to_string_lossy();
    let mut lines = Lines {
        ctx: &mut ctx,
        fmt,
        out: &mut out,
    };
    match batch::run(&name, input.reader, force, input.ready, &mut lines) {
        Ok(status) => ExitCode::from(status),
        Err(e) => ExitCode::from(report(&e)),
    }
}

fn main() -> ExitCode {
    // Exits with status 2 on usage errors, 0 for --help and --version.
    let args = batch::iproute2_options(std::env::args_os());
    let cli = parse(&args).unwrap_or_else(|e| e.exit());
    let fmt = Format {
        json: cli.json,
        pretty: cli.pretty,
    };
    let command = match (cli.batch, cli.command) {
        (Some(file), _) => return run_batch(&file, cli.force, fmt),
        (None, Some(command)) => command,
        (None, None) => return ExitCode::from(batch::USAGE),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match run(&mut Ctx::new(), command, fmt, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(report(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_anywhere() {
        let cli = Cli::try_parse_from(["vrctl", "show", "-j", "-p"]).expect("parses");
        assert!(cli.json && cli.pretty);
        assert!(matches!(
            cli.command.expect("a command"),
            Command::Vr(vr::Command::Show {
                vr: None,
                what: None
            })
        ));
    }

    #[test]
    fn late_usage_error_has_the_subcommand_usage() {
        let e = usage_error(&["exec"], "bad thing");
        assert_eq!(e.exit_code(), 2);
        let text = e.render().to_string();
        assert!(text.contains("bad thing"), "{text}");
        assert!(
            text.contains("vrctl exec <VR> [--] <CMD> [ARGS]..."),
            "{text}"
        );
    }

    fn line(words: &[&str]) -> Command {
        let argv = batch::iproute2_options(
            std::iter::once("vrctl")
                .chain(words.iter().copied())
                .map(OsString::from),
        );
        match parse(&argv) {
            Ok(Cli {
                command: Some(command),
                ..
            }) => command,
            other => panic!("{words:?}: {other:?}"),
        }
    }

    #[test]
    fn batch_refuses_what_never_returns() {
        for (words, path) in [
            (&["monitor"][..], &["monitor"][..]),
            (&["-j", "monitor"], &["monitor"]),
            (&["exec", "1", "true"], &["exec"]),
            (&["exec", "1", "--", "sh", "-c", "x"], &["exec"]),
        ] {
            match batchable(&line(words)) {
                Err(Error::Usage { cmd, msg }) => {
                    assert_eq!(cmd, path, "{words:?}");
                    assert!(msg.contains("cannot be used in a batch file"), "{msg}");
                }
                other => panic!("{words:?}: {other:?}"),
            }
        }
        for words in [
            &["list"][..],
            &["show", "1", "sockets"],
            &["create", "1", "name", "red"],
            &["identify"],
            &["route", "show", "vr", "1"],
            &["dhost", "show"],
            &[
                "dhost", "owner", "add", "10.0.0.1", "tcp", "80", "member", "2",
            ],
        ] {
            assert!(batchable(&line(words)).is_ok(), "{words:?}");
        }
    }

    #[test]
    fn batch_options() {
        let parsed = |args: &[&str]| {
            parse(&batch::iproute2_options(
                args.iter().copied().map(OsString::from),
            ))
        };
        for args in [
            &["vrctl", "-batch", "f"][..],
            &["vrctl", "--batch", "f"],
            &["vrctl", "-b", "f"],
            &["vrctl", "-bf"],
            &["vrctl", "--batch=f"],
        ] {
            let cli = parsed(args).expect("parses");
            assert_eq!(cli.batch.as_deref(), Some(OsStr::new("f")), "{args:?}");
            assert!(cli.command.is_none() && !cli.force, "{args:?}");
        }
        let cli = parsed(&["vrctl", "-j", "-force", "-batch", "-", "-p"]).expect("parses");
        assert_eq!(cli.batch.as_deref(), Some(OsStr::new(batch::STDIN)));
        assert!(cli.force && cli.json && cli.pretty);
        let cli = parsed(&["vrctl", "--force", "-b", "-force"]).expect("parses");
        assert_eq!(cli.batch.as_deref(), Some(OsStr::new("-force")));
        for (args, kind) in [
            (
                &["vrctl", "-batch", "f", "list"][..],
                ErrorKind::ArgumentConflict,
            ),
            (
                &["vrctl", "-force", "list"],
                ErrorKind::MissingRequiredArgument,
            ),
            (&["vrctl", "-batch"], ErrorKind::InvalidValue),
            (&["vrctl", "-j"], ErrorKind::MissingSubcommand),
        ] {
            match parsed(args) {
                Err(e) => {
                    assert_eq!(e.kind(), kind, "{args:?}");
                    assert_eq!(e.exit_code(), 2, "{args:?}");
                }
                Ok(cli) => panic!("{args:?}: {cli:?}"),
            }
        }
    }

    /// Lines of a batch run with `run_line`, as `vrctl -force -batch`
    /// runs them: the status and the context's sockets.
    fn run_batch_lines(text: &str) -> (u8, ctx::Opened, String) {
        let mut ctx = Ctx::new();
        let mut out = Vec::new();
        let mut lines = Lines {
            ctx: &mut ctx,
            fmt: Format::default(),
            out: &mut out,
        };
        let status = batch::run("test", text.as_bytes(), true, || true, &mut lines).expect("reads");
        (
            status,
            ctx.opened(),
            String::from_utf8_lossy(&out).into_owned(),
        )
    }

    #[test]
    fn batch_lines_that_fail_before_any_socket() {
        let (status, opened, out) = run_batch_lines(
            "-batch x\nmonitor\nassign nosuchdev0 1\nidentify 4194305\nexec 1 true\n",
        );
        assert_eq!(status, 2);
        assert_eq!(opened, ctx::Opened::default());
        assert_eq!(out, "");
        let (status, opened, _) = run_batch_lines("assign nosuchdev0 1\n");
        assert_eq!((status, opened), (1, ctx::Opened::default()));
    }

    /// However many lines need the vr family, one generic netlink socket
    /// is opened (whether the family is there or not).
    #[test]
    fn host_batch_opens_one_generic_netlink_socket() {
        if vr_netlink::socket::GenlSocket::open().is_err() {
            eprintln!("skipping: no generic netlink socket here");
            return;
        }
        let lines = "list\nshow\ncreate 1\ndhost show\nroute show vr 1\n".repeat(20);
        let (_, opened, _) = run_batch_lines(&lines);
        assert_eq!(opened.genl, 1, "{opened:?}");
        // route show needs the VR's table first: no rtnetlink socket
        // while the family is missing; at most one otherwise.
        assert!(opened.rtnl <= 1 && opened.diag <= 1, "{opened:?}");
    }

    /// The words of vrctl(8).
    fn man_page_words() -> Vec<String> {
        vr_netlink::testing::man_page_words(include_str!("../man/vrctl.8"))
    }

    use vr_netlink::testing::mentions;

    /// Every subcommand of the CLI (hidden ones and help aside) is in
    /// vrctl(8) as "vrctl PATH ...", each visible alias as "PARENT ALIAS",
    /// and every long option of vrctl itself as "--OPTION".
    #[test]
    fn man_page_names_every_command() {
        fn walk(
            cmd: &clap::Command,
            path: &mut Vec<String>,
            words: &[String],
            missing: &mut Vec<String>,
        ) {
            for sub in cmd.get_subcommands() {
                if sub.is_hide_set() || sub.get_name() == "help" {
                    continue;
                }
                let parent = path.last().map_or("vrctl", String::as_str).to_owned();
                path.push(sub.get_name().to_owned());
                let phrase: Vec<&str> = std::iter::once("vrctl")
                    .chain(path.iter().map(String::as_str))
                    .collect();
                if !mentions(words, &phrase) {
                    missing.push(phrase.join(" "));
                }
                for alias in sub.get_visible_aliases() {
                    if !mentions(words, &[&parent, alias]) {
                        missing.push(format!("{parent} {alias} (alias of {})", phrase.join(" ")));
                    }
                }
                walk(sub, path, words, missing);
                path.pop();
            }
        }
        let words = man_page_words();
        let mut missing = Vec::new();
        let cli = Cli::command();
        walk(&cli, &mut Vec::new(), &words, &mut missing);
        for long in cli.get_arguments().filter_map(|a| a.get_long()) {
            if !mentions(&words, &[&format!("--{long}")]) {
                missing.push(format!("--{long}"));
            }
        }
        for iproute2 in ["-batch", "-force"] {
            if !mentions(&words, &[iproute2]) {
                missing.push(iproute2.to_owned());
            }
        }
        assert!(
            missing.is_empty(),
            "vrctl/man/vrctl.8 does not mention {missing:?}"
        );
        // The walk saw the commands.
        assert!(mentions(&words, &["vrctl", "dhost", "owner", "add"]));
    }

    #[test]
    fn man_page_words_check_finds_what_is_missing() {
        let words: Vec<String> = "see vrctl route add. Also spelt route delete"
            .split(' ')
            .map(|w| w.trim_matches('.').to_owned())
            .collect();
        assert!(mentions(&words, &["vrctl", "route", "add"]));
        assert!(mentions(&words, &["route", "delete"]));
        assert!(!mentions(&words, &["vrctl", "route", "del"]));
        assert!(!mentions(&words, &["vrctl", "route", "show"]));
    }

    fn completion_script(shell: Shell) -> String {
        let mut out = Vec::new();
        completion(shell, &mut out).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn completion_scripts() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = completion_script(shell);
            assert!(!script.is_empty(), "{shell:?}");
            for word in [
                "create", "assign", "identify", "route", "dhost", "owner", "json", "batch", "force",
            ] {
                assert!(script.contains(word), "{shell:?} lacks {word}");
            }
        }
        assert!(completion_script(Shell::Bash).contains("complete -F _vrctl"));
        assert!(completion_script(Shell::Zsh).starts_with("#compdef vrctl"));
        assert!(completion_script(Shell::Fish).contains("complete -c vrctl"));
        // Hidden commands are not offered.
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            assert!(
                !completion_script(shell).contains("completion"),
                "{shell:?}"
            );
        }
    }

    #[test]
    fn completion_is_hidden() {
        let cli = Cli::try_parse_from(["vrctl", "completion", "zsh"]).expect("parses");
        assert!(matches!(
            cli.command,
            Some(Command::Completion { shell: Shell::Zsh })
        ));
        for shell in ["powershell", "elvish", "tcsh"] {
            assert!(Cli::try_parse_from(["vrctl", "completion", shell]).is_err());
        }
        let help = Cli::command().render_help().to_string();
        assert!(!help.contains("completion"), "{help}");
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["vrctl", "create"][..],
            &["vrctl", "create", "1", "name"],
            &["vrctl", "create", "1", "red"],
            &["vrctl", "create", "1", "name", "red", "extra"],
            &["vrctl", "delete", "red"],
            &["vrctl", "delete", "-1"],
            &["vrctl", "delete", "4294967296"],
            &["vrctl", "assign", "eth0"],
            &["vrctl", "frobnicate"],
            &["vrctl", "exec"],
            &["vrctl", "exec", "1"],
            &["vrctl", "exec", "1", "--"],
            &["vrctl", "exec", "red", "true"],
            &["vrctl", "exec", "-1", "true"],
            &["vrctl", "exec", "1", "-x"],
            &["vrctl", "identify", "self"],
            &["vrctl", "identify", "-5"],
            &["vrctl", "identify", "1", "2"],
            &["vrctl", "route"],
            &["vrctl", "route", "replace", "10.0.0.0/8", "vr", "1"],
            &["vrctl", "route", "add"],
            &["vrctl", "route", "del"],
            &["vrctl", "dhost"],
            &["vrctl", "dhost", "add", "10.0.0.1"],
            &["vrctl", "dhost", "set"],
            &["vrctl", "dhost", "del"],
            &["vrctl", "dhost", "show", "10.0.0.1"],
            &["vrctl", "dhost", "owner"],
            &["vrctl", "dhost", "owner", "set", "10.0.0.1", "tcp", "80"],
            &["vrctl", "dhost", "owner", "add"],
            &["vrctl", "dhost", "owner", "del"],
            &["vrctl", "dhost", "owner", "show", "10.0.0.1"],
        ] {
            let err = Cli::try_parse_from(args).err();
            assert!(err.is_some(), "{args:?} should not parse");
            assert_eq!(err.map(|e| e.exit_code()), Some(2), "{args:?}");
        }
    }
}
