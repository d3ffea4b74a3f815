//! `docker` command lines parsed into typed requests.
//!
//! The teacher writes Docker command lines in a scenario file and the learner types them in the
//! app's console; both go through [`parse_command`] (or [`parse_daemon_args`] for `dockerd`
//! options and `daemon.json`). The parser follows the Docker CLI's own rules (cobra/pflag):
//!
//! * a shell-like tokenizer: single quotes, double quotes, backslash escapes, `\`-newline
//!   continuations and `#` comments; a quoted empty string is a token;
//! * `--flag value` and `--flag=value`, combined short booleans (`-dit`), attached short values
//!   (`-p8080:80`, `-p=8080:80`), `--` ends the flags;
//! * for `docker run` everything after the image is the container's command; the other
//!   commands accept flags after their positional arguments, as Docker does;
//! * a leading `docker` (or `sudo docker`) is optional.
//!
//! It never panics. Every error carries the offending token (quotes removed), its 1-based
//! column (counted in characters) in the line, Docker's own wording where Docker has one, and
//! a hint on what to do.

mod builders;
mod daemon;
mod flagparse;
mod flags;
mod images;
mod lexer;
mod tables;
#[cfg(test)]
mod tests;
mod types;
mod values;

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use builders::*;
pub use daemon::parse_daemon_args;
use flagparse::*;
use flags::*;
pub use images::image_ports;
use lexer::*;
use tables::*;
pub use types::*;
use values::*;

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

const SUPPORTED: &str = "supported commands: docker run, docker stop, docker start, \
                         docker restart, docker kill, docker rm, docker network create, \
                         docker network connect, docker network disconnect";

/// Parses one `docker` command line (`docker ` and `sudo docker ` are optional).
///
/// # Errors
/// A [`CliError`] naming the offending token and its column for anything Docker would reject,
/// and for valid Docker that the simulator does not model yet.
pub fn parse_command(line: &str) -> Result<DockerCommand, CliError> {
    let toks = tokenize(line)?;
    let end = line.chars().count() + 1;
    reject_shell_operators(&toks)?;
    let mut i = 0;
    if toks.get(i).is_some_and(|t| t.text == "sudo") {
        i += 1;
    }
    if toks.get(i).is_some_and(|t| t.text == "docker") {
        i += 1;
    }
    let Some(sub) = toks.get(i) else {
        return Err(CliError {
            column: end,
            token: String::new(),
            message: "empty command: expected a docker command".into(),
            help: format!("e.g. docker run -d --name web nginx; {SUPPORTED}"),
        });
    };
    let rest = toks.get(i + 1..).unwrap_or_default();
    match sub.text.as_str() {
        "run" => build_run(rest, end).map(DockerCommand::Run),
        "container" => match rest.first() {
            Some(t) if t.text == "run" => {
                build_run(rest.get(1..).unwrap_or_default(), end).map(DockerCommand::Run)
            }
            // `docker container remove` is `docker rm` (there is no top-level `remove`).
            Some(t) if t.text == "remove" => {
                build_lifecycle("rm", rest.get(1..).unwrap_or_default(), end)
            }
            Some(t) if lifecycle_spec(&t.text).is_some() => {
                build_lifecycle(&t.text, rest.get(1..).unwrap_or_default(), end)
            }
            Some(t) => Err(err(
                t,
                format!(
                    "`docker container {}` is not supported by the simulator",
                    t.text
                ),
                SUPPORTED,
            )),
            None => Err(missing(
                end,
                "`docker container` needs a subcommand",
                SUPPORTED,
            )),
        },
        "network" => parse_network(rest, end),
        verb if lifecycle_spec(verb).is_some() => build_lifecycle(verb, rest, end),
        other => {
            let help = match suggest(
                other,
                &["run", "network", "stop", "start", "restart", "kill", "rm"],
            ) {
                Some(s) => format!("did you mean `docker {s}`? {SUPPORTED}"),
                None => SUPPORTED.to_string(),
            };
            if KNOWN_DOCKER_COMMANDS.contains(&other) {
                Err(err(
                    sub,
                    format!("`docker {other}` is not supported by the simulator"),
                    SUPPORTED,
                ))
            } else if other.starts_with('-') {
                Err(err(
                    sub,
                    format!("unknown flag: {other}"),
                    format!("global docker flags are not supported; {SUPPORTED}"),
                ))
            } else {
                Err(err(
                    sub,
                    format!("unknown command: \"docker {other}\""),
                    help,
                ))
            }
        }
    }
}

const KNOWN_DOCKER_COMMANDS: &[&str] = &[
    "attach", "build", "commit", "compose", "cp", "create", "diff", "events", "exec", "export",
    "history", "image", "images", "import", "info", "inspect", "load", "login", "logout", "logs",
    "pause", "port", "ps", "pull", "push", "rename", "rmi", "save", "search", "stats", "swarm",
    "system", "tag", "top", "unpause", "update", "version", "volume", "wait",
];

fn parse_network(rest: &[Tok], end: usize) -> Result<DockerCommand, CliError> {
    const NET_SUBS: &str = "supported: docker network create, docker network connect, \
                            docker network disconnect";
    let Some(verb) = rest.first() else {
        return Err(CliError {
            column: end,
            token: String::new(),
            message: "\"docker network\" requires a subcommand".into(),
            help: NET_SUBS.into(),
        });
    };
    let args = rest.get(1..).unwrap_or_default();
    match verb.text.as_str() {
        "create" => build_network_create(args, end).map(DockerCommand::NetworkCreate),
        "connect" => build_connect(args, end).map(DockerCommand::NetworkConnect),
        "disconnect" => build_disconnect(args, end),
        "ls" | "list" | "rm" | "remove" | "inspect" | "prune" => Err(err(
            verb,
            format!(
                "`docker network {}` is not supported by the simulator",
                verb.text
            ),
            NET_SUBS,
        )),
        other => {
            let help = match suggest(other, &["create", "connect", "disconnect"]) {
                Some(s) => format!("did you mean `docker network {s}`? {NET_SUBS}"),
                None => NET_SUBS.to_string(),
            };
            Err(err(
                verb,
                format!("unknown command: \"docker network {other}\""),
                help,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Single values, parsed by the same rules a flag's value follows (Compose passes its strings
// through the same parsers as the Docker CLI). Error columns count from 1 in the value.
// ---------------------------------------------------------------------------------------------

fn value_tok(text: &str) -> Tok {
    let mut t = Tok::new(1);
    for (i, c) in text.chars().enumerate() {
        t.push(c, i + 1);
    }
    t
}

/// A `-p` value: `8080:80`, `127.0.0.1:8080:80/udp`, `8000-8001:80-81`, `80`.
pub fn publish_value(text: &str) -> Result<Vec<PortBinding>, CliError> {
    parse_publish(&value_tok(text))
}

/// An `--expose` value: `80`, `53/udp`, `8000-8010`.
pub fn expose_value(text: &str) -> Result<Vec<(u16, PortProto)>, CliError> {
    parse_expose(&value_tok(text))
}

/// An `--add-host` value: `NAME:IP`, `NAME=IP` or `NAME:host-gateway`.
pub fn add_host_value(text: &str) -> Result<(String, HostAddr), CliError> {
    add_host(&value_tok(text))
}

/// An IPv4 address (`--ip`, `--dns`, `--gateway`); `what` names it in the error.
pub fn ipv4_value(text: &str, what: &str) -> Result<Ipv4Addr, CliError> {
    parse_ipv4(&value_tok(text), what)
}

/// An IPv4 prefix (`--subnet`, `--ip-range`); `what` names it in the error.
pub fn cidr4_value(text: &str, what: &str) -> Result<Ipv4Net, CliError> {
    parse_cidr4(&value_tok(text), what, true)
}

/// A `--hostname` or alias value.
pub fn host_name_value(text: &str, what: &str) -> Result<String, CliError> {
    host_name(&value_tok(text), what)
}

/// A `--name` value.
pub fn container_name_value(text: &str) -> Result<String, CliError> {
    container_name(&value_tok(text))
}

/// A network name.
pub fn network_name_value(text: &str) -> Result<String, CliError> {
    network_name(&value_tok(text))
}

/// An image reference as `docker run` accepts it.
pub fn image_value(text: &str) -> Result<(), CliError> {
    check_image(&value_tok(text))
}

/// One `-o KEY=VALUE` driver option applied to `nc`.
pub fn driver_opt_value(nc: &mut NetworkCreate, key: &str, value: &str) -> Result<(), CliError> {
    apply_opt(nc, &value_tok(&format!("{key}={value}")))
}

/// A `--sysctl KEY=VALUE` value (only the sysctls the model honours).
pub fn sysctl_value(text: &str) -> Result<(String, i64), CliError> {
    sysctl_setting(&value_tok(text))
}

/// The closest of `candidates` to a mistyped `word`, as the CLI suggests flags.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    suggest(word, candidates)
}

/// Every flag the parser applies (rather than ignores or refuses), with its command
/// (`("docker run", "publish")`), and the `-o` options `docker network create` knows: what
/// the compiler's flag audit (`docker/flag_audit.rs`) expects to change the model.
#[cfg(test)]
pub(crate) fn applied_flags() -> Vec<(&'static str, &'static str)> {
    let tables: [(&'static str, &'static [FlagSpec]); 5] = [
        ("docker run", RUN_FLAGS),
        ("docker network create", CREATE_FLAGS),
        ("docker network connect", CONNECT_FLAGS),
        ("docker rm", RM_FLAGS),
        ("dockerd", DAEMON_FLAGS),
    ];
    let applied = tables.into_iter().flat_map(|(command, flags)| {
        flags
            .iter()
            .filter(|f| f.handling == Handling::Apply)
            .map(move |f| (command, f.long))
    });
    let opts = KNOWN_OPTS.iter().map(|k| ("docker network create", *k));
    applied.chain(opts).collect()
}
