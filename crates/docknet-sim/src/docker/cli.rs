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

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// One parsed `docker` command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DockerCommand {
    /// `docker network create [OPTIONS] NETWORK`.
    NetworkCreate(NetworkCreate),
    /// `docker run [OPTIONS] IMAGE [COMMAND] [ARG...]` (also `docker container run`).
    Run(RunSpec),
    /// `docker network connect [OPTIONS] NETWORK CONTAINER`.
    NetworkConnect(NetworkConnect),
    /// `docker network disconnect [-f] NETWORK CONTAINER`.
    NetworkDisconnect {
        /// Network name or id.
        network: String,
        /// Container name or id.
        container: String,
    },
    /// `docker stop|kill|start|restart|rm CONTAINER...` (also under `docker container`).
    Lifecycle {
        action: ContainerAction,
        /// Container names, in the order given.
        containers: Vec<String>,
    },
}

/// What a lifecycle command does to each container it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerAction {
    /// `docker stop`: the endpoints leave their networks (addresses and published ports
    /// are released); the container keeps its name (unless it ran with `--rm`).
    Stop,
    /// `docker kill [-s SIGNAL]`: KILL (the default), TERM, INT and QUIT stop the container;
    /// other signals (HUP for an nginx reload, USR1, ...) leave it running.
    Kill { stops: bool },
    /// `docker start`: a stopped container rejoins its networks and republishes its ports.
    Start,
    /// `docker restart`: stop, then start.
    Restart,
    /// `docker rm`: remove a stopped container; `force` (`-f`) also stops a running one.
    Remove { force: bool },
}

/// `docker network create` for the bridge driver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkCreate {
    /// The network's name.
    pub name: String,
    /// `--subnet`; `None` means Docker picks one from the default address pools.
    pub subnet: Option<Ipv4Net>,
    /// `--gateway`; `None` means the first host address of the subnet.
    pub gateway: Option<Ipv4Addr>,
    /// `--ip-range`: the part of the subnet containers get addresses from.
    pub ip_range: Option<Ipv4Net>,
    /// `--internal`: no route to the outside world.
    pub internal: bool,
    /// `-o com.docker.network.bridge.name`; `None` means `br-<id>`.
    pub bridge_name: Option<String>,
    /// `-o com.docker.network.bridge.enable_icc` (default `true`).
    pub icc: bool,
    /// `-o com.docker.network.bridge.enable_ip_masquerade` (default `true`).
    pub ip_masquerade: bool,
    /// `-o com.docker.network.bridge.host_binding_ipv4`: default host IP for published ports.
    pub host_binding_ipv4: Option<Ipv4Addr>,
    /// `-o com.docker.network.host_ipv4`: source address for masqueraded traffic.
    pub host_ipv4: Option<Ipv4Addr>,
    /// `-o com.docker.network.bridge.gateway_mode_ipv4` (`nat`, `nat-unprotected`, `routed`,
    /// `isolated`).
    pub gateway_mode: Option<String>,
    /// `-o com.docker.network.driver.mtu`.
    pub mtu: Option<u32>,
    /// `--label k=v`, in order.
    pub labels: Vec<(String, String)>,
}

impl NetworkCreate {
    /// A request with Docker's defaults for every option.
    pub fn new(name: impl Into<String>) -> Self {
        NetworkCreate {
            name: name.into(),
            subnet: None,
            gateway: None,
            ip_range: None,
            internal: false,
            bridge_name: None,
            icc: true,
            ip_masquerade: true,
            host_binding_ipv4: None,
            host_ipv4: None,
            gateway_mode: None,
            mtu: None,
            labels: Vec::new(),
        }
    }
}

/// The address of an `--add-host NAME:ADDR` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostAddr {
    Ip(Ipv4Addr),
    /// `host-gateway`: the daemon's host-gateway IP (the default bridge's gateway on Linux).
    HostGateway,
}

/// `docker run --network` mode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NetworkMode {
    /// The default bridge network (`bridge`, `default`, or no `--network`).
    #[default]
    Bridge,
    /// `host`: share the host's network namespace.
    Host,
    /// `none`: loopback only.
    None,
    /// `container:NAME`: share another container's network namespace.
    Container(String),
    /// A user-defined network by name (or id).
    Named(String),
}

/// Transport protocol of a port.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum PortProto {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl std::fmt::Display for PortProto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PortProto::Tcp => "tcp",
            PortProto::Udp => "udp",
        })
    }
}

/// One published port (`-p`); a range on the command line expands into one binding per port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortBinding {
    /// Host address to bind; `None` means all addresses (or the network's
    /// `host_binding_ipv4`).
    pub host_ip: Option<Ipv4Addr>,
    /// Host port; `None` means an ephemeral port chosen by Docker.
    pub host_port: Option<u16>,
    /// Port inside the container.
    pub container_port: u16,
    /// Protocol.
    pub proto: PortProto,
}

/// `docker run`: the networking-relevant part of the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// `--name`.
    pub name: Option<String>,
    /// `-d`, `--detach`.
    pub detach: bool,
    /// `--rm`: the container is removed when it stops.
    #[serde(default)]
    pub remove_on_stop: bool,
    /// `--network`, `--net`.
    pub network: NetworkMode,
    /// `-p`, `--publish`, expanded per port.
    pub publish: Vec<PortBinding>,
    /// `-P`, `--publish-all`.
    pub publish_all: bool,
    /// `--expose`, expanded per port.
    pub expose: Vec<(u16, PortProto)>,
    /// `--network-alias`, `--net-alias`.
    pub aliases: Vec<String>,
    /// `--ip`.
    pub ip: Option<Ipv4Addr>,
    /// `--dns`.
    pub dns: Vec<Ipv4Addr>,
    /// `-h`, `--hostname`.
    pub hostname: Option<String>,
    /// `--add-host NAME:IP`.
    pub add_hosts: Vec<(String, HostAddr)>,
    /// `--sysctl KEY=VALUE`, for the container's own network namespace.
    pub sysctls: Vec<(String, i64)>,
    /// The image reference as written.
    pub image: String,
    /// Everything after the image.
    pub command: Vec<String>,
}

impl RunSpec {
    /// A request for `docker run IMAGE` with every option at its default.
    pub fn new(image: impl Into<String>) -> Self {
        RunSpec {
            name: None,
            detach: false,
            remove_on_stop: false,
            network: NetworkMode::Bridge,
            publish: Vec::new(),
            publish_all: false,
            expose: Vec::new(),
            aliases: Vec::new(),
            ip: None,
            dns: Vec::new(),
            hostname: None,
            add_hosts: Vec::new(),
            sysctls: Vec::new(),
            image: image.into(),
            command: Vec::new(),
        }
    }
}

/// `docker network connect`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConnect {
    /// Network name or id.
    pub network: String,
    /// Container name or id.
    pub container: String,
    /// `--alias`, in order.
    pub aliases: Vec<String>,
    /// `--ip`.
    pub ip: Option<Ipv4Addr>,
}

/// Networking options of the Docker daemon (`dockerd` flags or `daemon.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonOptions {
    /// `--userland-proxy` (default `true`).
    pub userland_proxy: bool,
    /// `--icc`: inter-container communication on the default bridge (default `true`).
    pub icc: bool,
    /// `--ip-forward` (default `true`).
    pub ip_forward: bool,
    /// `--iptables` (default `true`).
    pub iptables: bool,
    /// `--bip`: address and prefix of `docker0` (default: derived from the pools,
    /// `172.17.0.1/16`).
    pub bip: Option<Ipv4Net>,
    /// `--default-address-pool base=CIDR,size=N`: where network subnets come from. Giving any
    /// replaces Docker's defaults.
    pub default_pools: Vec<(Ipv4Net, u8)>,
}

impl Default for DaemonOptions {
    /// Docker's defaults, including its built-in local address pools.
    fn default() -> Self {
        DaemonOptions {
            userland_proxy: true,
            icc: true,
            ip_forward: true,
            iptables: true,
            bip: None,
            default_pools: vec![
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 17, 0, 0), 16), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 18, 0, 0), 16), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 19, 0, 0), 16), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 20, 0, 0), 14), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 24, 0, 0), 14), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 28, 0, 0), 14), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16), 20),
            ],
        }
    }
}

/// A parse error: what is wrong, where, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}{}", help_suffix(.help))]
pub struct CliError {
    /// 1-based column (in characters) of the offending token in the line; one past the end of
    /// the line when something is missing.
    pub column: usize,
    /// The offending token as the shell passes it (quotes removed); empty when something is
    /// missing.
    pub token: String,
    /// What is wrong, in Docker's own words where Docker has some.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

fn help_suffix(help: &str) -> String {
    if help.is_empty() {
        String::new()
    } else {
        format!("\nhelp: {help}")
    }
}

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

/// Parses Docker daemon networking options: `dockerd` flags (`--icc=false --bip 10.200.0.1/24
/// --default-address-pool base=10.10.0.0/16,size=24`), the same as bare words (`icc=false`,
/// `icc false`, `bip: 10.200.0.1/24`), or a `daemon.json` object (`{"icc": false}`). A leading
/// `dockerd` (or `sudo dockerd`) is optional. Options not given keep Docker's defaults.
///
/// # Errors
/// A [`CliError`] for unknown options, bad values, and networking options the simulator does
/// not model yet.
pub fn parse_daemon_args(line: &str) -> Result<DaemonOptions, CliError> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') {
        return parse_daemon_json(line);
    }
    let toks = tokenize(line)?;
    reject_shell_operators(&toks)?;
    let mut i = 0;
    if toks.get(i).is_some_and(|t| t.text == "sudo") {
        i += 1;
    }
    if toks.get(i).is_some_and(|t| t.text == "dockerd") {
        i += 1;
    }
    let rest = toks.get(i..).unwrap_or_default();
    let (occs, pos) = parse_flags(&DAEMON, rest)?;
    if let Some(p) = pos.first() {
        return Err(err(
            p,
            format!("unexpected argument \"{}\"", p.text),
            "dockerd takes only options, e.g. --icc=false --bip 10.200.0.1/24",
        ));
    }
    let mut opts = DaemonOptions::default();
    let mut pools_given = false;
    for o in &occs {
        match o.long {
            "userland-proxy" => opts.userland_proxy = o.on,
            "icc" => opts.icc = o.on,
            "ip-forward" => opts.ip_forward = o.on,
            "iptables" => opts.iptables = o.on,
            "bip" => opts.bip = Some(parse_cidr4(&o.value, "--bip", false)?),
            "default-address-pool" => {
                if !pools_given {
                    opts.default_pools.clear();
                    pools_given = true;
                }
                opts.default_pools.push(parse_pool(&o.value)?);
            }
            _ => {}
        }
    }
    Ok(opts)
}

fn parse_daemon_json(line: &str) -> Result<DaemonOptions, CliError> {
    let lead = line.chars().take_while(|c| c.is_whitespace()).count();
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        let column = if e.line() <= 1 {
            e.column().max(1)
        } else {
            lead + 1
        };
        CliError {
            column,
            token: String::new(),
            message: format!("invalid daemon.json: {e}"),
            help: "write a JSON object like {\"icc\": false, \"bip\": \"10.200.0.1/24\"}".into(),
        }
    })?;
    let whole = |message: String, help: &str| CliError {
        column: lead + 1,
        token: String::new(),
        message,
        help: help.into(),
    };
    let serde_json::Value::Object(map) = value else {
        return Err(whole(
            "daemon.json must be a JSON object".into(),
            "write {\"icc\": false, ...}",
        ));
    };
    let mut opts = DaemonOptions::default();
    for (key, v) in &map {
        let at = Tok::synthetic(key.clone(), json_key_col(line, key));
        let Some(spec) = lookup_long(&DAEMON, key) else {
            return Err(unknown_long(&DAEMON, &at, key));
        };
        check_unsimulated(spec, &at)?;
        if spec.handling == Handling::Ignore {
            continue;
        }
        let want_bool = || {
            v.as_bool().ok_or_else(|| {
                err(
                    &at,
                    format!("\"{key}\" must be true or false"),
                    format!("e.g. \"{key}\": false"),
                )
            })
        };
        let want_str = |example: &str| {
            v.as_str()
                .map(|s| Tok::synthetic(s.to_string(), at.col))
                .ok_or_else(|| {
                    err(
                        &at,
                        format!("\"{key}\" must be a string"),
                        format!("e.g. \"{key}\": \"{example}\""),
                    )
                })
        };
        match spec.long {
            "userland-proxy" => opts.userland_proxy = want_bool()?,
            "icc" => opts.icc = want_bool()?,
            "ip-forward" => opts.ip_forward = want_bool()?,
            "iptables" => opts.iptables = want_bool()?,
            "bip" => opts.bip = Some(parse_cidr4(&want_str("10.200.0.1/24")?, "bip", false)?),
            "default-address-pool" => {
                let pool_help =
                    "e.g. \"default-address-pools\": [{\"base\": \"10.10.0.0/16\", \"size\": 24}]";
                let Some(list) = v.as_array() else {
                    return Err(err(
                        &at,
                        format!("\"{key}\" must be a list of pools"),
                        pool_help,
                    ));
                };
                opts.default_pools.clear();
                for p in list {
                    let base = p.get("base").and_then(|b| b.as_str());
                    let size = p.get("size").and_then(serde_json::Value::as_u64);
                    let (Some(base), Some(size)) = (base, size) else {
                        return Err(err(
                            &at,
                            "each pool needs \"base\" (a CIDR) and \"size\" (a prefix length)",
                            pool_help,
                        ));
                    };
                    let base_tok = Tok::synthetic(base.to_string(), at.col);
                    let base = parse_cidr4(&base_tok, "pool base", false)?.trunc();
                    let size = u8::try_from(size).unwrap_or(u8::MAX);
                    check_pool_size(&at, base, size)?;
                    opts.default_pools.push((base, size));
                }
            }
            _ => {}
        }
    }
    Ok(opts)
}

fn json_key_col(line: &str, key: &str) -> usize {
    let needle = format!("\"{key}\"");
    match line.find(&needle) {
        Some(byte) => line.get(..byte).map_or(1, |s| s.chars().count() + 1),
        None => 1,
    }
}

/// Ports an image `EXPOSE`s (the port its main process listens on), for well-known images.
/// The tag, digest and registry/namespace prefix are ignored, so `library/nginx:1.27-alpine`
/// and `docker.io/library/redis@sha256:...` are recognised. Unknown images (and
/// `busybox`, `alpine`, `ubuntu`, `debian`) expose nothing.
pub fn image_ports(image: &str) -> Vec<(u16, PortProto)> {
    let s = image.trim();
    let s = s.split('@').next().unwrap_or(s);
    let last = s.rsplit('/').next().unwrap_or(s);
    let name = last.split(':').next().unwrap_or(last).to_ascii_lowercase();
    let tcp = |p: u16| vec![(p, PortProto::Tcp)];
    match name.as_str() {
        "nginx" | "httpd" | "caddy" | "traefik" => tcp(80),
        "postgres" => tcp(5432),
        "mysql" | "mariadb" => tcp(3306),
        "redis" => tcp(6379),
        "mongo" => tcp(27017),
        "memcached" => tcp(11211),
        "rabbitmq" => tcp(5672),
        "coredns" => vec![(53, PortProto::Udp), (53, PortProto::Tcp)],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

/// A shell word with the source column of each of its characters.
#[derive(Clone, Debug, Default)]
struct Tok {
    text: String,
    cols: Vec<usize>,
    /// Column where the word starts (its opening quote, if quoted).
    col: usize,
    /// Some part of the word was quoted or escaped.
    quoted: bool,
}

impl Tok {
    fn new(col: usize) -> Self {
        Tok {
            col,
            ..Tok::default()
        }
    }

    fn synthetic(text: String, col: usize) -> Self {
        let n = text.chars().count();
        Tok {
            text,
            cols: vec![col; n],
            col,
            quoted: false,
        }
    }

    fn push(&mut self, c: char, col: usize) {
        self.text.push(c);
        self.cols.push(col);
    }

    fn len(&self) -> usize {
        self.cols.len()
    }

    fn col_at(&self, i: usize) -> usize {
        match self.cols.get(i) {
            Some(&c) => c,
            None => self.cols.last().map_or(self.col, |&c| c + 1),
        }
    }

    /// Characters `start..end` (char indices), keeping their columns.
    fn slice(&self, start: usize, end: usize) -> Tok {
        let end = end.min(self.len());
        let start = start.min(end);
        Tok {
            text: self.text.chars().skip(start).take(end - start).collect(),
            cols: self
                .cols
                .get(start..end)
                .map(<[usize]>::to_vec)
                .unwrap_or_default(),
            col: if start == 0 {
                self.col
            } else {
                self.col_at(start)
            },
            quoted: self.quoted,
        }
    }

    fn tail(&self, start: usize) -> Tok {
        self.slice(start, self.len())
    }

    fn find(&self, c: char) -> Option<usize> {
        self.text.chars().position(|x| x == c)
    }

    fn rfind(&self, c: char) -> Option<usize> {
        let chars: Vec<char> = self.text.chars().collect();
        chars.iter().rposition(|&x| x == c)
    }

    fn split_once(&self, c: char) -> Option<(Tok, Tok)> {
        let k = self.find(c)?;
        Some((self.slice(0, k), self.tail(k + 1)))
    }

    fn split(&self, c: char) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut start = 0;
        for (k, x) in self.text.chars().enumerate() {
            if x == c {
                out.push(self.slice(start, k));
                start = k + 1;
            }
        }
        out.push(self.tail(start));
        out
    }
}

fn unterminated(col: usize, quote: char) -> CliError {
    let kind = if quote == '\'' { "single" } else { "double" };
    CliError {
        column: col,
        token: quote.to_string(),
        message: format!("unterminated {kind} quote"),
        help: format!("close the quote that opens here with a matching {quote}"),
    }
}

/// Splits a line into words the way a POSIX shell would (without expansions).
fn tokenize(line: &str) -> Result<Vec<Tok>, CliError> {
    let chars: Vec<char> = line.chars().collect();
    let mut toks = Vec::new();
    let mut cur: Option<Tok> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let col = i + 1;
        if c.is_whitespace() {
            if let Some(t) = cur.take() {
                toks.push(t);
            }
            i += 1;
        } else if c == '#' && cur.is_none() {
            while chars.get(i).is_some_and(|&d| d != '\n') {
                i += 1;
            }
        } else if c == '\'' {
            let t = cur.get_or_insert_with(|| Tok::new(col));
            t.quoted = true;
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(unterminated(col, '\'')),
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&d) => {
                        t.push(d, i + 1);
                        i += 1;
                    }
                }
            }
        } else if c == '"' {
            let t = cur.get_or_insert_with(|| Tok::new(col));
            t.quoted = true;
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(unterminated(col, '"')),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => match chars.get(i + 1) {
                        Some(&e @ ('"' | '\\' | '$' | '`')) => {
                            t.push(e, i + 2);
                            i += 2;
                        }
                        Some('\n') => i += 2,
                        _ => {
                            t.push('\\', i + 1);
                            i += 1;
                        }
                    },
                    Some(&d) => {
                        t.push(d, i + 1);
                        i += 1;
                    }
                }
            }
        } else if c == '\\' {
            match chars.get(i + 1) {
                None => i += 1,
                Some('\n') => i += 2,
                Some(&d) => {
                    let t = cur.get_or_insert_with(|| Tok::new(col));
                    t.quoted = true;
                    t.push(d, i + 2);
                    i += 2;
                }
            }
        } else {
            cur.get_or_insert_with(|| Tok::new(col)).push(c, col);
            i += 1;
        }
    }
    if let Some(t) = cur {
        toks.push(t);
    }
    Ok(toks)
}

fn reject_shell_operators(toks: &[Tok]) -> Result<(), CliError> {
    const OPS: &[&str] = &[
        "&&", "||", "|", ";", "&", ">", ">>", "<", "2>", "2>&1", "&>",
    ];
    match toks
        .iter()
        .find(|t| !t.quoted && OPS.contains(&t.text.as_str()))
    {
        Some(t) => Err(err(
            t,
            format!("shell operator `{}` is not supported", t.text),
            "enter one docker command per line (quote the character if it is part of an argument)",
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Flag tables and the generic flag parser
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arity {
    Bool,
    Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handling {
    /// Parsed into the request.
    Apply,
    /// Real Docker flag that does not affect networking: accepted and dropped.
    Ignore,
    /// Real Docker networking flag the simulator does not model; the text says what to do.
    Unsimulated(&'static str),
}

#[derive(Clone, Copy, Debug)]
struct FlagSpec {
    long: &'static str,
    alias: Option<&'static str>,
    short: Option<char>,
    arity: Arity,
    handling: Handling,
    /// Example value, for help texts.
    example: &'static str,
}

const fn value(long: &'static str, short: Option<char>, example: &'static str) -> FlagSpec {
    FlagSpec {
        long,
        alias: None,
        short,
        arity: Arity::Value,
        handling: Handling::Apply,
        example,
    }
}

const fn boolean(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        alias: None,
        short,
        arity: Arity::Bool,
        handling: Handling::Apply,
        example: "",
    }
}

impl FlagSpec {
    const fn alias(mut self, alias: &'static str) -> Self {
        self.alias = Some(alias);
        self
    }
    const fn ignored(mut self) -> Self {
        self.handling = Handling::Ignore;
        self
    }
    const fn unsimulated(mut self, why: &'static str) -> Self {
        self.handling = Handling::Unsimulated(why);
        self
    }
}

struct CmdSpec {
    /// `docker run`, for messages.
    name: &'static str,
    usage: &'static str,
    flags: &'static [FlagSpec],
    /// Flags may follow positional arguments (everything but `docker run`).
    interspersed: bool,
    /// `-h` means `--help` (not for `docker run`, where it is `--hostname`).
    h_is_help: bool,
    /// Daemon words: bare `icc=false` means `--icc=false`, and `--icc false` consumes the bool.
    words_as_flags: bool,
}

const IPV6: &str = "IPv6 is not simulated yet; use IPv4 addresses";

const RUN_FLAGS: &[FlagSpec] = &[
    boolean("detach", Some('d')),
    value("name", None, "web"),
    value("network", None, "mynet").alias("net"),
    value("publish", Some('p'), "8080:80"),
    boolean("publish-all", Some('P')),
    value("expose", None, "80"),
    value("network-alias", None, "db").alias("net-alias"),
    value("ip", None, "172.20.0.10"),
    value("dns", None, "8.8.8.8"),
    value("hostname", Some('h'), "web"),
    value("add-host", None, "db.local:10.0.0.5"),
    value("env", Some('e'), "KEY=value").ignored(),
    value("env-file", None, "app.env").ignored(),
    value("volume", Some('v'), "/data:/data").ignored(),
    value("mount", None, "type=volume,src=data,dst=/data").ignored(),
    boolean("rm", None),
    boolean("interactive", Some('i')).ignored(),
    boolean("tty", Some('t')).ignored(),
    boolean("init", None).ignored(),
    boolean("privileged", None).ignored(),
    boolean("read-only", None).ignored(),
    value("restart", None, "unless-stopped").ignored(),
    value("label", Some('l'), "team=web").ignored(),
    value("workdir", Some('w'), "/app").ignored(),
    value("user", Some('u'), "1000").ignored(),
    value("entrypoint", None, "sh").ignored(),
    value("cpus", None, "1.5").ignored(),
    value("memory", Some('m'), "512m").ignored(),
    value("platform", None, "linux/amd64").ignored(),
    value("pull", None, "missing").ignored(),
    value("cap-add", None, "NET_ADMIN").ignored(),
    value("cap-drop", None, "ALL").ignored(),
    value("log-driver", None, "json-file").ignored(),
    value("log-opt", None, "max-size=10m").ignored(),
    value("ip6", None, "").unsimulated(IPV6),
    value("mac-address", None, "")
        .unsimulated("the simulator generates MAC addresses itself; drop --mac-address"),
    value("link", None, "").unsimulated(
        "legacy links are not simulated; put both containers on a user-defined network and \
         use the container name",
    ),
    value("link-local-ip", None, "").unsimulated("link-local addresses are not simulated yet"),
    value("dns-search", None, "").unsimulated("resolver search domains are not simulated yet"),
    value("dns-option", None, "")
        .alias("dns-opt")
        .unsimulated("resolver options are not simulated yet"),
    value("domainname", None, "").unsimulated("domain names are not simulated yet"),
    value("sysctl", None, "net.ipv4.tcp_syn_retries=2"),
];

const RUN: CmdSpec = CmdSpec {
    name: "docker run",
    usage: "docker run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    flags: RUN_FLAGS,
    interspersed: false,
    h_is_help: false,
    words_as_flags: false,
};

const CREATE_FLAGS: &[FlagSpec] = &[
    value("driver", Some('d'), "bridge"),
    value("subnet", None, "172.20.0.0/16"),
    value("gateway", None, "172.20.0.1"),
    value("ip-range", None, "172.20.5.0/24"),
    boolean("internal", None),
    boolean("attachable", None),
    value("label", None, "team=net"),
    value("opt", Some('o'), "com.docker.network.bridge.name=br-lab"),
    boolean("ipv6", None).unsimulated(IPV6),
    boolean("ipv4", None).unsimulated("IPv4 is always enabled in the simulator; drop --ipv4"),
    value("aux-address", None, "").unsimulated("auxiliary addresses are not simulated yet"),
    value("ipam-driver", None, "").unsimulated("only the default IPAM driver is simulated"),
    value("ipam-opt", None, "").unsimulated("IPAM driver options are not simulated yet"),
    value("scope", None, "").unsimulated("only local-scope networks are simulated"),
    value("config-from", None, "").unsimulated("config-only networks are not simulated yet"),
    boolean("config-only", None).unsimulated("config-only networks are not simulated yet"),
    boolean("ingress", None).unsimulated("swarm ingress networks are not simulated"),
];

const NETWORK_CREATE: CmdSpec = CmdSpec {
    name: "docker network create",
    usage: "docker network create [OPTIONS] NETWORK",
    flags: CREATE_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: false,
};

const CONNECT_FLAGS: &[FlagSpec] = &[
    value("alias", None, "db"),
    value("ip", None, "172.20.0.10"),
    value("ip6", None, "").unsimulated(IPV6),
    value("link", None, "").unsimulated(
        "legacy links are not simulated; containers on a user-defined network reach each \
         other by name",
    ),
    value("link-local-ip", None, "").unsimulated("link-local addresses are not simulated yet"),
    value("driver-opt", None, "").unsimulated("endpoint driver options are not simulated yet"),
    value("gw-priority", None, "").unsimulated("gateway priorities are not simulated yet"),
];

const NETWORK_CONNECT: CmdSpec = CmdSpec {
    name: "docker network connect",
    usage: "docker network connect [OPTIONS] NETWORK CONTAINER",
    flags: CONNECT_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: false,
};

const DISCONNECT_FLAGS: &[FlagSpec] = &[boolean("force", Some('f')).ignored()];

const NETWORK_DISCONNECT: CmdSpec = CmdSpec {
    name: "docker network disconnect",
    usage: "docker network disconnect [OPTIONS] NETWORK CONTAINER",
    flags: DISCONNECT_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: false,
};

const STOP_FLAGS: &[FlagSpec] = &[
    value("time", Some('t'), "10").ignored(),
    value("timeout", None, "10").ignored(),
    value("signal", Some('s'), "SIGTERM").ignored(),
];
const KILL_FLAGS: &[FlagSpec] = &[value("signal", Some('s'), "SIGKILL").ignored()];
const START_FLAGS: &[FlagSpec] = &[
    boolean("attach", Some('a')).ignored(),
    boolean("interactive", Some('i')).ignored(),
    value("detach-keys", None, "ctrl-p,ctrl-q").ignored(),
];
const RM_FLAGS: &[FlagSpec] = &[
    boolean("force", Some('f')),
    boolean("volumes", Some('v')).ignored(),
    boolean("link", Some('l')).unsimulated("legacy links are not simulated"),
];

const fn lifecycle_cmd(
    name: &'static str,
    usage: &'static str,
    flags: &'static [FlagSpec],
) -> CmdSpec {
    CmdSpec {
        name,
        usage,
        flags,
        interspersed: true,
        h_is_help: true,
        words_as_flags: false,
    }
}

/// The container lifecycle commands, by verb.
fn lifecycle_spec(verb: &str) -> Option<(CmdSpec, Option<ContainerAction>)> {
    Some(match verb {
        "stop" => (
            lifecycle_cmd(
                "docker stop",
                "docker stop [OPTIONS] CONTAINER [CONTAINER...]",
                STOP_FLAGS,
            ),
            Some(ContainerAction::Stop),
        ),
        // `kill`'s action depends on `-s`, read after the flags.
        "kill" => (
            lifecycle_cmd(
                "docker kill",
                "docker kill [OPTIONS] CONTAINER [CONTAINER...]",
                KILL_FLAGS,
            ),
            None,
        ),
        "start" => (
            lifecycle_cmd(
                "docker start",
                "docker start [OPTIONS] CONTAINER [CONTAINER...]",
                START_FLAGS,
            ),
            Some(ContainerAction::Start),
        ),
        "restart" => (
            lifecycle_cmd(
                "docker restart",
                "docker restart [OPTIONS] CONTAINER [CONTAINER...]",
                STOP_FLAGS,
            ),
            Some(ContainerAction::Restart),
        ),
        // `rm`'s action depends on `-f`, read after the flags.
        "rm" => (
            lifecycle_cmd(
                "docker rm",
                "docker rm [OPTIONS] CONTAINER [CONTAINER...]",
                RM_FLAGS,
            ),
            None,
        ),
        _ => return None,
    })
}

const DAEMON_FLAGS: &[FlagSpec] = &[
    boolean("userland-proxy", None),
    boolean("icc", None),
    boolean("ip-forward", None),
    boolean("iptables", None),
    value("bip", None, "10.200.0.1/24"),
    value("default-address-pool", None, "base=10.10.0.0/16,size=24").alias("default-address-pools"),
    boolean("debug", Some('D')).ignored(),
    boolean("experimental", None).ignored(),
    boolean("live-restore", None).ignored(),
    value("log-level", Some('l'), "info").ignored(),
    value("log-driver", None, "json-file").ignored(),
    value("log-opt", None, "max-size=10m")
        .alias("log-opts")
        .ignored(),
    value("storage-driver", None, "overlay2").ignored(),
    value("data-root", None, "/var/lib/docker").ignored(),
    value("registry-mirror", None, "https://mirror.example")
        .alias("registry-mirrors")
        .ignored(),
    value("insecure-registry", None, "registry.local:5000")
        .alias("insecure-registries")
        .ignored(),
    value("host", Some('H'), "unix:///var/run/docker.sock")
        .alias("hosts")
        .ignored(),
    value("group", Some('G'), "docker").ignored(),
    value("exec-opt", None, "native.cgroupdriver=systemd")
        .alias("exec-opts")
        .ignored(),
    value("userland-proxy-path", None, "/usr/bin/docker-proxy").ignored(),
    boolean("ip-masq", None).unsimulated(
        "turning off masquerading daemon-wide is not simulated yet; use -o \
         com.docker.network.bridge.enable_ip_masquerade=false on a network",
    ),
    boolean("ipv6", None).unsimulated(IPV6),
    boolean("ip6tables", None).unsimulated(IPV6),
    value("fixed-cidr", None, "").unsimulated("--fixed-cidr is not simulated yet; use --bip"),
    value("fixed-cidr-v6", None, "").unsimulated(IPV6),
    value("default-gateway", None, "").unsimulated("--default-gateway is not simulated yet"),
    value("default-gateway-v6", None, "").unsimulated(IPV6),
    value("mtu", None, "").unsimulated("a daemon-wide MTU is not simulated yet"),
    value("ip", None, "").unsimulated(
        "a daemon-wide default binding IP is not simulated yet; use -p IP:HOST:CONTAINER or \
         -o com.docker.network.bridge.host_binding_ipv4 on a network",
    ),
    value("bridge", Some('b'), "")
        .unsimulated("attaching docker0 to another bridge is not simulated"),
    value("dns", None, "")
        .alias("dns-opt")
        .unsimulated("daemon-wide DNS options are not simulated yet"),
    value("dns-search", None, "").unsimulated("daemon-wide DNS options are not simulated yet"),
    boolean("ip-forward-no-drop", None).unsimulated("--ip-forward-no-drop is not simulated yet"),
    boolean("allow-direct-routing", None)
        .unsimulated("--allow-direct-routing is not simulated yet"),
    value("default-network-opt", None, "")
        .alias("default-network-opts")
        .unsimulated("default network driver options are not simulated yet"),
];

const DAEMON: CmdSpec = CmdSpec {
    name: "dockerd",
    usage: "dockerd [OPTIONS]",
    flags: DAEMON_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: true,
};

/// One flag occurrence.
struct Occ {
    /// Canonical long name.
    long: &'static str,
    /// The flag as typed (`--net`, `-p`), located.
    flag: Tok,
    /// The value (the flag itself for booleans given without `=value`).
    value: Tok,
    /// For booleans: the value.
    on: bool,
}

fn lookup_long(cmd: &CmdSpec, name: &str) -> Option<&'static FlagSpec> {
    cmd.flags
        .iter()
        .find(|f| f.long == name || f.alias == Some(name))
}

fn lookup_short(cmd: &CmdSpec, c: char) -> Option<&'static FlagSpec> {
    cmd.flags.iter().find(|f| f.short == Some(c))
}

fn looks_like_flag(cmd: &CmdSpec, s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("--") {
        let name = rest.split('=').next().unwrap_or(rest);
        name == "help" || lookup_long(cmd, name).is_some()
    } else if let Some(rest) = s.strip_prefix('-') {
        rest.chars()
            .next()
            .is_some_and(|c| lookup_short(cmd, c).is_some())
    } else {
        false
    }
}

fn check_unsimulated(spec: &FlagSpec, at: &Tok) -> Result<(), CliError> {
    match spec.handling {
        Handling::Unsimulated(why) => Err(err(
            at,
            format!("flag --{} is not simulated yet", spec.long),
            why,
        )),
        _ => Ok(()),
    }
}

fn help_error(cmd: &CmdSpec, at: &Tok) -> CliError {
    let describe = |f: &FlagSpec| {
        let mut s = format!("--{}", f.long);
        if let Some(c) = f.short {
            s = format!("-{c}, {s}");
        }
        if let Some(a) = f.alias {
            s.push_str(&format!(" (--{a})"));
        }
        if f.arity == Arity::Value {
            s.push_str(&format!(" {}", f.example));
        }
        s
    };
    let used: Vec<String> = cmd
        .flags
        .iter()
        .filter(|f| f.handling == Handling::Apply)
        .map(describe)
        .collect();
    let ignored: Vec<String> = cmd
        .flags
        .iter()
        .filter(|f| f.handling == Handling::Ignore)
        .map(|f| format!("--{}", f.long))
        .collect();
    let mut help = format!("flags: {}", used.join("; "));
    if !ignored.is_empty() {
        help.push_str(&format!("; accepted and ignored: {}", ignored.join(", ")));
    }
    err(at, format!("usage: {}", cmd.usage), help)
}

fn unknown_long(cmd: &CmdSpec, at: &Tok, name: &str) -> CliError {
    let names: Vec<&str> = cmd
        .flags
        .iter()
        .filter(|f| !matches!(f.handling, Handling::Unsimulated(_)))
        .flat_map(|f| std::iter::once(f.long).chain(f.alias))
        .collect();
    let help = match suggest(name, &names) {
        Some(s) => format!("did you mean --{s}?"),
        None => format!(
            "see `{} --help` for the flags the simulator understands",
            cmd.name
        ),
    };
    err(at, format!("unknown flag: --{name}"), help)
}

fn parse_bool_tok(v: &Tok, flag: &Tok) -> Result<bool, CliError> {
    go_bool(&v.text).ok_or_else(|| {
        err(
            v,
            format!(
                "invalid argument \"{}\" for \"{}\" flag: expected true or false",
                v.text, flag.text
            ),
            format!("write {}=true or {}=false", flag.text, flag.text),
        )
    })
}

/// Go's `strconv.ParseBool`.
fn go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Turns a daemon word (`icc=false`, `bip:`, `bip:10.0.0.1/24`, `icc`) into a long flag.
fn wordify(t: &Tok) -> Tok {
    let mut t = t.clone();
    if t.text.ends_with(',') {
        t = t.slice(0, t.len().saturating_sub(1));
    }
    let key_end = t.text.chars().position(|c| c == '=' || c == ':');
    let mut out = Tok::synthetic("--".into(), t.col);
    for (k, (c, &col)) in t.text.chars().zip(&t.cols).enumerate() {
        let c = if Some(k) == key_end && c == ':' {
            '='
        } else {
            c
        };
        out.push(c, col);
    }
    if out.text.ends_with('=')
        && key_end == Some(t.len().saturating_sub(1))
        && t.text.ends_with(':')
    {
        out = out.slice(0, out.len().saturating_sub(1));
    }
    out.quoted = t.quoted;
    out
}

/// pflag-style parsing: flags into occurrences, everything else into positionals.
fn parse_flags(cmd: &CmdSpec, toks: &[Tok]) -> Result<(Vec<Occ>, Vec<Tok>), CliError> {
    let mut occs = Vec::new();
    let mut pos = Vec::new();
    let mut only_pos = false;
    let mut i = 0;
    while let Some(orig) = toks.get(i) {
        i += 1;
        if only_pos {
            pos.push(orig.clone());
            continue;
        }
        if orig.text == "--" {
            only_pos = true;
            continue;
        }
        let word = if cmd.words_as_flags && !orig.text.starts_with('-') && !orig.text.is_empty() {
            Some(wordify(orig))
        } else {
            None
        };
        let t = word.as_ref().unwrap_or(orig);
        if t.text.starts_with("--") {
            let (name, inline) = match t.find('=') {
                Some(k) => (t.slice(2, k), Some(t.tail(k + 1))),
                None => (t.tail(2), None),
            };
            if name.text == "help" {
                return Err(help_error(cmd, orig));
            }
            let Some(spec) = lookup_long(cmd, &name.text) else {
                return Err(unknown_long(cmd, orig, &name.text));
            };
            let flag = t.slice(0, 2 + name.len());
            check_unsimulated(spec, orig)?;
            match spec.arity {
                Arity::Bool => {
                    let (on, value) = match inline {
                        Some(v) => (parse_bool_tok(&v, &flag)?, v),
                        None => match toks.get(i).and_then(|n| go_bool(&n.text).map(|b| (b, n))) {
                            Some((b, n)) if cmd.words_as_flags => {
                                i += 1;
                                (b, n.clone())
                            }
                            _ => (true, flag.clone()),
                        },
                    };
                    occs.push(Occ {
                        long: spec.long,
                        flag,
                        value,
                        on,
                    });
                }
                Arity::Value => {
                    let value = match inline {
                        Some(v) => v,
                        None => take_value(cmd, toks, &mut i, spec, &flag, None)?,
                    };
                    occs.push(Occ {
                        long: spec.long,
                        flag,
                        value,
                        on: true,
                    });
                }
            }
        } else if t.text.starts_with('-') && t.len() > 1 {
            let chars: Vec<char> = t.text.chars().collect();
            let mut k = 1;
            while let Some(&c) = chars.get(k) {
                // A lone short flag is located at its dash, a combined one at its letter.
                let fcol = if k == 1 { t.col } else { t.col_at(k) };
                let flag = Tok::synthetic(format!("-{c}"), fcol);
                if c == 'h' && cmd.h_is_help {
                    return Err(help_error(cmd, t));
                }
                let Some(spec) = lookup_short(cmd, c) else {
                    return Err(unknown_short(cmd, t, c));
                };
                check_unsimulated(spec, &flag)?;
                let eq = chars.get(k + 1) == Some(&'=');
                match spec.arity {
                    Arity::Bool if eq => {
                        let v = t.tail(k + 2);
                        let on = parse_bool_tok(&v, &flag)?;
                        occs.push(Occ {
                            long: spec.long,
                            flag,
                            value: v,
                            on,
                        });
                        break;
                    }
                    Arity::Bool => {
                        occs.push(Occ {
                            long: spec.long,
                            flag: flag.clone(),
                            value: flag,
                            on: true,
                        });
                        k += 1;
                    }
                    Arity::Value => {
                        let start = if eq { k + 2 } else { k + 1 };
                        let value = if eq || start < chars.len() {
                            t.tail(start)
                        } else {
                            take_value(cmd, toks, &mut i, spec, &flag, Some(c))?
                        };
                        occs.push(Occ {
                            long: spec.long,
                            flag,
                            value,
                            on: true,
                        });
                        break;
                    }
                }
            }
        } else {
            pos.push(orig.clone());
            if !cmd.interspersed {
                only_pos = true;
            }
        }
    }
    Ok((occs, pos))
}

fn take_value(
    cmd: &CmdSpec,
    toks: &[Tok],
    i: &mut usize,
    spec: &FlagSpec,
    flag: &Tok,
    short: Option<char>,
) -> Result<Tok, CliError> {
    let message = match short {
        Some(c) => format!("flag needs an argument: '{c}' in -{c}"),
        None => format!("flag needs an argument: {}", flag.text),
    };
    let example = format!("give it a value, e.g. {} {}", flag.text, spec.example);
    match toks.get(*i) {
        None => Err(err(flag, message, example)),
        Some(n) if !n.quoted && looks_like_flag(cmd, &n.text) => Err(err(
            flag,
            message,
            format!(
                "`{}` is a flag, not a value for {}; {example}",
                n.text, flag.text
            ),
        )),
        Some(n) => {
            *i += 1;
            Ok(n.clone())
        }
    }
}

fn unknown_short(cmd: &CmdSpec, t: &Tok, c: char) -> CliError {
    let rest = t.text.get(1..).unwrap_or_default();
    let name = rest.split('=').next().unwrap_or(rest);
    let help = if lookup_long(cmd, name).is_some() {
        format!("did you mean --{name}? long flags take two dashes")
    } else {
        format!(
            "see `{} --help` for the flags the simulator understands",
            cmd.name
        )
    };
    err(
        t,
        format!("unknown shorthand flag: '{c}' in {}", t.text),
        help,
    )
}

/// The closest candidate: a unique prefix match, else the smallest edit distance (at most 2,
/// and less than half the word).
fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if word.chars().count() >= 3 {
        let prefixed: Vec<&&str> = candidates.iter().filter(|c| c.starts_with(word)).collect();
        if let [only] = prefixed.as_slice() {
            return Some(only);
        }
    }
    let limit = (word.chars().count() / 2).clamp(1, 2);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal-string-alignment distance (edits and adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, slot) in d.iter_mut().take(w).enumerate() {
        *slot = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        for (j, &cb) in b.iter().enumerate() {
            let (r, c) = (i + 1, j + 1);
            let cost = usize::from(ca != cb);
            let mut best = (d[(r - 1) * w + c] + 1)
                .min(d[r * w + c - 1] + 1)
                .min(d[(r - 1) * w + c - 1] + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) {
                best = best.min(d[(r - 2) * w + c - 2] + 1);
            }
            d[r * w + c] = best;
        }
    }
    d.last().copied().unwrap_or(0)
}

fn err(at: &Tok, message: impl Into<String>, help: impl Into<String>) -> CliError {
    CliError {
        column: at.col,
        token: at.text.clone(),
        message: message.into(),
        help: help.into(),
    }
}

fn missing(end: usize, message: impl Into<String>, help: impl Into<String>) -> CliError {
    CliError {
        column: end,
        token: String::new(),
        message: message.into(),
        help: help.into(),
    }
}

/// Checks the number of positional arguments.
fn exact_args<'a>(
    cmd: &CmdSpec,
    pos: &'a [Tok],
    what: &[&str],
    end: usize,
) -> Result<&'a [Tok], CliError> {
    let n = what.len();
    let message = format!(
        "\"{}\" requires exactly {n} argument{}",
        cmd.name,
        if n == 1 { "" } else { "s" }
    );
    if let Some(extra) = pos.get(n) {
        return Err(err(
            extra,
            message,
            format!(
                "unexpected extra argument \"{}\"; usage: {}",
                extra.text, cmd.usage
            ),
        ));
    }
    if pos.len() < n {
        let missing_what = what.get(pos.len()).copied().unwrap_or("argument");
        return Err(missing(
            end,
            message,
            format!("missing {missing_what}; usage: {}", cmd.usage),
        ));
    }
    Ok(pos)
}

// ---------------------------------------------------------------------------------------------
// Value parsers
// ---------------------------------------------------------------------------------------------

fn is_ipv6(s: &str) -> bool {
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<Ipv6Addr>()
        .is_ok()
}

fn parse_ipv4(t: &Tok, what: &str) -> Result<Ipv4Addr, CliError> {
    if let Ok(a) = t.text.parse::<Ipv4Addr>() {
        return Ok(a);
    }
    if is_ipv6(&t.text) {
        return Err(err(
            t,
            format!(
                "IPv6 address \"{}\" for {what}: IPv6 is not simulated yet",
                t.text
            ),
            "use an IPv4 address",
        ));
    }
    Err(err(
        t,
        format!("invalid IP address \"{}\" for {what}", t.text),
        "write an IPv4 address like 172.20.0.10",
    ))
}

/// An IPv4 CIDR. `strict` rejects host bits, as Docker 25+ does for `--subnet`/`--ip-range`.
fn parse_cidr4(t: &Tok, what: &str, strict: bool) -> Result<Ipv4Net, CliError> {
    let (addr, _) = t.text.split_once('/').unwrap_or((&t.text, ""));
    if is_ipv6(addr) {
        return Err(err(
            t,
            format!("IPv6 {what} \"{}\": IPv6 is not simulated yet", t.text),
            "use an IPv4 CIDR like 172.20.0.0/16",
        ));
    }
    if !t.text.contains('/') {
        return Err(err(
            t,
            format!("invalid {what} \"{}\": missing the /prefix length", t.text),
            format!(
                "write a CIDR like {}/24",
                if addr.is_empty() { "172.20.0.0" } else { addr }
            ),
        ));
    }
    let net = t.text.parse::<Ipv4Net>().map_err(|_| {
        err(
            t,
            format!("invalid CIDR \"{}\" for {what}", t.text),
            "write a CIDR like 172.20.0.0/16 (prefix 0-32)",
        )
    })?;
    if strict && net.addr() != net.network() {
        return Err(err(
            t,
            format!("invalid {what} {net}: it should be {}", net.trunc()),
            format!("a {what} is a network address: use {}", net.trunc()),
        ));
    }
    Ok(net)
}

fn parse_port(t: &Tok, what: &str) -> Result<u16, CliError> {
    let ok = !t.text.is_empty() && t.text.len() <= 5 && t.text.bytes().all(|b| b.is_ascii_digit());
    match t.text.parse::<u16>() {
        Ok(p) if ok && p >= 1 => Ok(p),
        _ => Err(err(
            t,
            format!("invalid {what} \"{}\"", t.text),
            "ports are whole numbers from 1 to 65535",
        )),
    }
}

fn parse_port_range(t: &Tok, what: &str) -> Result<(u16, u16), CliError> {
    let Some((a, b)) = t.split_once('-') else {
        let p = parse_port(t, what)?;
        return Ok((p, p));
    };
    let start = parse_port(&a, what)?;
    let end = parse_port(&b, what)?;
    if end < start {
        return Err(err(
            t,
            format!(
                "invalid {what} range \"{}\": the end is before the start",
                t.text
            ),
            format!("write it as {end}-{start}"),
        ));
    }
    Ok((start, end))
}

fn parse_proto(t: &Tok) -> Result<PortProto, CliError> {
    match t.text.to_ascii_lowercase().as_str() {
        "tcp" => Ok(PortProto::Tcp),
        "udp" => Ok(PortProto::Udp),
        "sctp" => Err(err(
            t,
            "SCTP ports are not simulated yet",
            "use /tcp or /udp",
        )),
        _ => Err(err(
            t,
            format!("invalid proto \"{}\"", t.text),
            "use /tcp or /udp (tcp is the default)",
        )),
    }
}

/// `-p [ip:][hostPort[-end]]:containerPort[-end][/proto]` or `-p containerPort[-end][/proto]`.
fn parse_publish(v: &Tok) -> Result<Vec<PortBinding>, CliError> {
    const EXAMPLE: &str = "e.g. -p 8080:80, -p 127.0.0.1:8080:80/udp, -p 8000-8001:80-81, -p 80";
    if v.text.is_empty() {
        return Err(err(v, "invalid publish spec \"\"", EXAMPLE));
    }
    if v.text.contains('=') {
        return Err(err(
            v,
            format!(
                "the long --publish syntax \"{}\" is not simulated yet",
                v.text
            ),
            "use the short form, e.g. -p 8080:80",
        ));
    }
    if v.text.starts_with('[') || v.text.matches(':').count() > 2 {
        return Err(err(
            v,
            format!(
                "IPv6 host address in \"{}\": IPv6 is not simulated yet",
                v.text
            ),
            EXAMPLE,
        ));
    }
    let (spec, proto) = match v.rfind('/') {
        Some(k) => (v.slice(0, k), parse_proto(&v.tail(k + 1))?),
        None => (v.clone(), PortProto::Tcp),
    };
    let parts = spec.split(':');
    let (ip, host, cont) = match parts.as_slice() {
        [c] => (None, None, c),
        [h, c] => (None, Some(h), c),
        [ip, h, c] => (Some(ip), Some(h), c),
        _ => {
            return Err(err(
                v,
                format!("invalid publish spec \"{}\"", v.text),
                EXAMPLE,
            ));
        }
    };
    let host_ip = match ip {
        Some(t) if !t.text.is_empty() => Some(parse_ipv4(t, "the host address of -p")?),
        _ => None,
    };
    let (cs, ce) = parse_port_range(cont, "container port")?;
    let host = match host {
        Some(t) if !t.text.is_empty() => {
            if ip.is_none() && t.text.parse::<Ipv4Addr>().is_ok() {
                return Err(err(
                    t,
                    format!("invalid host port \"{}\"", t.text),
                    format!(
                        "to bind an address write IP:HOSTPORT:CONTAINERPORT, or {}::{} for an ephemeral host port",
                        t.text, cont.text
                    ),
                ));
            }
            Some((t, parse_port_range(t, "host port")?))
        }
        _ => None,
    };
    let binding = |host_port: Option<u16>, container_port: u16| PortBinding {
        host_ip,
        host_port,
        container_port,
        proto,
    };
    match host {
        None => Ok((cs..=ce).map(|p| binding(None, p)).collect()),
        Some((t, (hs, he))) => {
            if he - hs == ce - cs {
                Ok((hs..=he)
                    .zip(cs..=ce)
                    .map(|(h, c)| binding(Some(h), c))
                    .collect())
            } else if cs == ce {
                Err(err(
                    t,
                    format!(
                        "publishing container port {cs} on any free port of the host range {} is not simulated yet",
                        t.text
                    ),
                    format!("give a single host port, e.g. -p {hs}:{cs}"),
                ))
            } else {
                Err(err(
                    v,
                    format!(
                        "invalid ranges specified for container and host ports: {} and {}",
                        cont.text, t.text
                    ),
                    "the host range must be as long as the container range, e.g. -p 8000-8001:80-81",
                ))
            }
        }
    }
}

/// `--expose PORT[-END][/proto]`.
fn parse_expose(v: &Tok) -> Result<Vec<(u16, PortProto)>, CliError> {
    let (spec, proto) = match v.rfind('/') {
        Some(k) => (v.slice(0, k), parse_proto(&v.tail(k + 1))?),
        None => (v.clone(), PortProto::Tcp),
    };
    if spec.text.contains(':') {
        return Err(err(
            v,
            format!(
                "invalid --expose \"{}\": expose takes container ports only",
                v.text
            ),
            "e.g. --expose 80 or --expose 53/udp; use -p to publish",
        ));
    }
    let (s, e) = parse_port_range(&spec, "port")?;
    Ok((s..=e).map(|p| (p, proto)).collect())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn container_name(v: &Tok) -> Result<String, CliError> {
    let name = v.text.strip_prefix('/').unwrap_or(&v.text);
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().count() >= 2
        && chars.all(is_name_char);
    if ok {
        Ok(name.to_string())
    } else {
        Err(err(
            v,
            format!(
                "Invalid container name ({}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                v.text
            ),
            "use at least two letters, digits, '_', '.' or '-', starting with a letter or digit",
        ))
    }
}

fn network_name(v: &Tok) -> Result<String, CliError> {
    let mut chars = v.text.chars();
    if chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) && chars.all(is_name_char) {
        Ok(v.text.clone())
    } else {
        Err(err(
            v,
            format!(
                "invalid network name \"{}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                v.text
            ),
            "use letters, digits, '_', '.' or '-', starting with a letter or digit",
        ))
    }
}

fn host_name(v: &Tok, what: &str) -> Result<String, CliError> {
    let ok = !v.text.is_empty()
        && v.text.len() <= 253
        && !v.text.starts_with(['-', '.'])
        && v.text.chars().all(is_name_char);
    if ok {
        Ok(v.text.clone())
    } else {
        Err(err(
            v,
            format!("invalid {what} \"{}\"", v.text),
            "use letters, digits, '-', '.' or '_' (at most 253 characters)",
        ))
    }
}

fn network_mode(v: &Tok) -> Result<NetworkMode, CliError> {
    match v.text.as_str() {
        "" => Err(err(
            v,
            "invalid network mode \"\"",
            "use bridge, host, none, container:NAME or a network name",
        )),
        "bridge" | "default" => Ok(NetworkMode::Bridge),
        "host" => Ok(NetworkMode::Host),
        "none" => Ok(NetworkMode::None),
        s if s.contains('=') || s.contains(',') => Err(err(
            v,
            format!("the advanced --network syntax \"{s}\" is not simulated yet"),
            "write --network NAME and add aliases with --network-alias",
        )),
        s => match s.strip_prefix("container:") {
            Some("") => Err(err(
                v,
                "Invalid network mode: invalid container format container:<name|id>",
                "name the container whose network to share, e.g. --network container:web",
            )),
            Some(c) => Ok(NetworkMode::Container(c.to_string())),
            None => network_name(v).map(NetworkMode::Named),
        },
    }
}

/// Container sysctls the model honours (the namespaced `net.*` ones it knows).
pub const CONTAINER_SYSCTLS: &[&str] = &[
    "net.ipv4.tcp_syn_retries",
    "net.ipv4.tcp_syn_linear_timeouts",
    "net.ipv4.tcp_timestamps",
    "net.ipv4.tcp_sack",
    "net.ipv4.tcp_window_scaling",
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.route_localnet",
];

/// `--sysctl KEY=VALUE` with an integer value.
fn sysctl_setting(v: &Tok) -> Result<(String, i64), CliError> {
    let Some((key, value)) = v.text.split_once('=') else {
        return Err(err(
            v,
            format!("invalid sysctl \"{}\": expected KEY=VALUE", v.text),
            "e.g. --sysctl net.ipv4.tcp_syn_retries=2",
        ));
    };
    if !CONTAINER_SYSCTLS.contains(&key) {
        return Err(err(
            v,
            format!("sysctl {key} is not simulated"),
            format!("the model honours: {}", CONTAINER_SYSCTLS.join(", ")),
        ));
    }
    let value = value.trim().parse::<i64>().map_err(|_| {
        err(
            v,
            format!("sysctl {key} needs a number, not \"{value}\""),
            "e.g. --sysctl net.ipv4.tcp_syn_retries=2",
        )
    })?;
    if let Some(range) = crate::model::Sysctls::valid_range(key)
        && !range.contains(&value)
    {
        return Err(err(
            v,
            format!("sysctl {key}={value} is out of range"),
            format!("the kernel accepts {} to {}", range.start(), range.end()),
        ));
    }
    Ok((key.to_string(), value))
}

fn add_host(v: &Tok) -> Result<(String, HostAddr), CliError> {
    let help = "write NAME:IP, e.g. --add-host db.local:10.0.0.5";
    let Some((name, ip)) = v.split_once('=').or_else(|| v.split_once(':')) else {
        return Err(err(
            v,
            format!("bad format for add-host: \"{}\"", v.text),
            help,
        ));
    };
    let name = host_name(&name, "--add-host host name")?;
    if ip.text == "host-gateway" {
        return Ok((name, HostAddr::HostGateway));
    }
    Ok((name, HostAddr::Ip(parse_ipv4(&ip, "--add-host")?)))
}

fn check_image(v: &Tok) -> Result<(), CliError> {
    let help = "write an image reference like nginx, nginx:1.27-alpine or docker.io/library/redis";
    let valid_chars = v
        .text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@'));
    if v.text.is_empty() || !valid_chars || v.text.starts_with([':', '@', '/']) {
        return Err(err(
            v,
            format!("invalid reference format: \"{}\"", v.text),
            help,
        ));
    }
    let no_digest = v.text.split('@').next().unwrap_or(&v.text);
    let repo = match no_digest.rfind(':') {
        Some(k) if !no_digest.get(k..).unwrap_or_default().contains('/') => {
            no_digest.get(..k).unwrap_or(no_digest)
        }
        _ => no_digest,
    };
    // The first component may be a registry host (which may have upper case and a port).
    let path = match repo.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => repo,
    };
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(err(
            v,
            format!("invalid reference format: repository name ({path}) must be lowercase"),
            format!("write {}", v.text.to_ascii_lowercase()),
        ));
    }
    Ok(())
}

fn key_value(v: &Tok, what: &str, value_required: bool) -> Result<(Tok, Tok), CliError> {
    match v.split_once('=') {
        Some((k, val)) if !k.text.is_empty() => Ok((k, val)),
        None if !value_required && !v.text.is_empty() => {
            let empty = Tok::new(v.col_at(v.len()));
            Ok((v.clone(), empty))
        }
        _ => Err(err(
            v,
            format!("invalid {what} \"{}\": expected key=value", v.text),
            format!("e.g. {what} key=value"),
        )),
    }
}

fn check_pool_size(at: &Tok, base: Ipv4Net, size: u8) -> Result<(), CliError> {
    if size < base.prefix_len() || size > 32 {
        return Err(err(
            at,
            format!(
                "invalid pool size {size} for base {base}: it must be between {} and 32",
                base.prefix_len()
            ),
            "size is the prefix length of each network cut from the pool, e.g. base=10.10.0.0/16,size=24",
        ));
    }
    Ok(())
}

/// `base=CIDR,size=N`.
fn parse_pool(v: &Tok) -> Result<(Ipv4Net, u8), CliError> {
    let help = "write base=CIDR,size=PREFIXLEN, e.g. base=10.10.0.0/16,size=24";
    let mut base = None;
    let mut size: Option<(u8, Tok)> = None;
    for part in v.split(',') {
        let (k, val) = key_value(&part, "--default-address-pool", true)?;
        match k.text.as_str() {
            "base" => base = Some(parse_cidr4(&val, "pool base", false)?.trunc()),
            "size" => {
                let n = val.text.parse::<u8>().map_err(|_| {
                    err(
                        &val,
                        format!("invalid pool size \"{}\"", val.text),
                        "size is a prefix length from 1 to 32",
                    )
                })?;
                size = Some((n, val));
            }
            _ => return Err(err(&k, format!("unknown pool field \"{}\"", k.text), help)),
        }
    }
    match (base, size) {
        (Some(b), Some((s, at))) => {
            check_pool_size(&at, b, s)?;
            Ok((b, s))
        }
        _ => Err(err(
            v,
            format!(
                "incomplete address pool \"{}\": base and size are required",
                v.text
            ),
            help,
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Command builders
// ---------------------------------------------------------------------------------------------

fn build_run(toks: &[Tok], end: usize) -> Result<RunSpec, CliError> {
    let (occs, pos) = parse_flags(&RUN, toks)?;
    let Some(image) = pos.first() else {
        return Err(missing(
            end,
            "\"docker run\" requires at least 1 argument: the image",
            "usage: docker run [OPTIONS] IMAGE [COMMAND] [ARG...], e.g. docker run -d --name web nginx",
        ));
    };
    check_image(image)?;
    let mut spec = RunSpec::new(image.text.clone());
    spec.command = pos.iter().skip(1).map(|t| t.text.clone()).collect();
    let mut network_flag: Option<&Tok> = None;
    for o in &occs {
        let v = &o.value;
        match o.long {
            "detach" => spec.detach = o.on,
            "rm" => spec.remove_on_stop = o.on,
            "name" => spec.name = Some(container_name(v)?),
            "network" => {
                if network_flag.is_some() {
                    return Err(err(
                        &o.flag,
                        "only one --network per docker run is simulated",
                        "attach more networks afterwards with docker network connect NETWORK CONTAINER",
                    ));
                }
                network_flag = Some(&o.flag);
                spec.network = network_mode(v)?;
            }
            "publish" => spec.publish.extend(parse_publish(v)?),
            "publish-all" => spec.publish_all = o.on,
            "expose" => spec.expose.extend(parse_expose(v)?),
            "network-alias" => spec.aliases.push(host_name(v, "network alias")?),
            "ip" => spec.ip = Some(parse_ipv4(v, "--ip")?),
            "dns" => spec.dns.push(parse_ipv4(v, "--dns")?),
            "hostname" => spec.hostname = Some(host_name(v, "hostname")?),
            "add-host" => spec.add_hosts.push(add_host(v)?),
            "sysctl" => spec.sysctls.push(sysctl_setting(v)?),
            _ => {}
        }
    }
    let first_of = |names: &[&str]| {
        occs.iter()
            .find(|o| names.contains(&o.long))
            .map(|o| &o.flag)
    };
    if matches!(spec.network, NetworkMode::Container(_)) {
        let conflicts: [(&[&str], &str); 5] = [
            (
                &["publish", "publish-all"],
                "port publishing and the container type network mode",
            ),
            (
                &["expose"],
                "port exposing and the container type network mode",
            ),
            (&["hostname"], "hostname and the network mode"),
            (&["dns"], "dns and the network mode"),
            (
                &["add-host"],
                "custom host-to-IP mapping and the network mode",
            ),
        ];
        for (names, what) in conflicts {
            if let Some(f) = first_of(names) {
                return Err(err(
                    f,
                    format!("conflicting options: {what}"),
                    "a container that shares another container's network takes its ports, \
                     hostname and DNS from that container; drop this flag",
                ));
            }
        }
    }
    if let (Some(f), NetworkMode::Host | NetworkMode::Container(_)) =
        (first_of(&["sysctl"]), &spec.network)
    {
        return Err(err(
            f,
            "net.* sysctls are not allowed in a network namespace the container does not own",
            "with --network host or container:NAME the namespace belongs to the host or to that \
             container; set the sysctl there, or drop --network",
        ));
    }
    if !matches!(spec.network, NetworkMode::Named(_)) {
        if let Some(f) = first_of(&["ip"]) {
            return Err(err(
                f,
                "user specified IP address is supported on user defined networks only",
                "create a network with --subnet and run with --network NAME --ip ADDRESS",
            ));
        }
        if let Some(f) = first_of(&["network-alias"]) {
            return Err(err(
                f,
                "network-scoped alias is supported only for containers in user defined networks",
                "create a network with docker network create NAME and run with --network NAME",
            ));
        }
    }
    Ok(spec)
}

const KNOWN_OPTS: &[&str] = &[
    "com.docker.network.bridge.name",
    "com.docker.network.bridge.enable_icc",
    "com.docker.network.bridge.enable_ip_masquerade",
    "com.docker.network.bridge.host_binding_ipv4",
    "com.docker.network.bridge.gateway_mode_ipv4",
    "com.docker.network.driver.mtu",
    "com.docker.network.host_ipv4",
];

fn apply_opt(nc: &mut NetworkCreate, v: &Tok) -> Result<(), CliError> {
    let (k, val) = key_value(v, "-o", true)?;
    let bool_opt = |val: &Tok| {
        go_bool(&val.text).ok_or_else(|| {
            err(
                val,
                format!(
                    "invalid value \"{}\" for {}: expected true or false",
                    val.text, k.text
                ),
                format!("e.g. -o {}=false", k.text),
            )
        })
    };
    match k.text.as_str() {
        "com.docker.network.bridge.name" => {
            let ok = !val.text.is_empty()
                && val.text.len() <= 15
                && val.text != "."
                && val.text != ".."
                && val
                    .text
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '/' && c != ':');
            if !ok {
                return Err(err(
                    &val,
                    format!("invalid bridge name \"{}\"", val.text),
                    "a Linux interface name has 1-15 characters, no '/', ':' or spaces, e.g. br-lab",
                ));
            }
            nc.bridge_name = Some(val.text.clone());
        }
        "com.docker.network.bridge.enable_icc" => nc.icc = bool_opt(&val)?,
        "com.docker.network.bridge.enable_ip_masquerade" => nc.ip_masquerade = bool_opt(&val)?,
        "com.docker.network.bridge.host_binding_ipv4" => {
            nc.host_binding_ipv4 = Some(parse_ipv4(&val, "host_binding_ipv4")?);
        }
        "com.docker.network.host_ipv4" => nc.host_ipv4 = Some(parse_ipv4(&val, "host_ipv4")?),
        "com.docker.network.bridge.gateway_mode_ipv4" => {
            const MODES: &[&str] = &["nat", "nat-unprotected", "routed", "isolated"];
            if !MODES.contains(&val.text.as_str()) {
                return Err(err(
                    &val,
                    format!("invalid gateway mode \"{}\"", val.text),
                    format!("use one of: {}", MODES.join(", ")),
                ));
            }
            nc.gateway_mode = Some(val.text.clone());
        }
        "com.docker.network.driver.mtu" => {
            let mtu = val
                .text
                .parse::<u32>()
                .ok()
                .filter(|m| (68..=65535).contains(m));
            let Some(mtu) = mtu else {
                return Err(err(
                    &val,
                    format!("invalid MTU \"{}\"", val.text),
                    "the MTU is a number from 68 to 65535, e.g. 1450",
                ));
            };
            nc.mtu = Some(mtu);
        }
        other => {
            let help = match suggest(other, KNOWN_OPTS) {
                Some(s) => format!("did you mean {s}?"),
                None => format!("the simulator understands: {}", KNOWN_OPTS.join(", ")),
            };
            return Err(err(&k, format!("unknown driver option \"{other}\""), help));
        }
    }
    Ok(())
}

fn build_network_create(toks: &[Tok], end: usize) -> Result<NetworkCreate, CliError> {
    let (occs, pos) = parse_flags(&NETWORK_CREATE, toks)?;
    let args = exact_args(&NETWORK_CREATE, &pos, &["the network name"], end)?;
    let Some(name_tok) = args.first() else {
        return Err(missing(
            end,
            "\"docker network create\" requires exactly 1 argument",
            NETWORK_CREATE.usage,
        ));
    };
    let name = network_name(name_tok)?;
    if ["bridge", "host", "none", "default", "ingress"].contains(&name.as_str()) {
        return Err(err(
            name_tok,
            format!("{name} is a pre-defined network and cannot be created"),
            "choose another name, e.g. docker network create mynet",
        ));
    }
    let mut nc = NetworkCreate::new(name);
    let mut subnet_at: Option<&Occ> = None;
    let mut gateway_at: Option<&Occ> = None;
    let mut range_at: Option<&Occ> = None;
    let once = |seen: Option<&Occ>, o: &Occ| match seen {
        Some(_) => Err(err(
            &o.flag,
            format!("only one {} per network is simulated", o.flag.text),
            "a network has one IPv4 subnet in the simulator",
        )),
        None => Ok(()),
    };
    for o in &occs {
        let v = &o.value;
        match o.long {
            "driver" => match v.text.as_str() {
                "bridge" => {}
                d @ ("overlay" | "macvlan" | "ipvlan" | "host" | "null" | "none") => {
                    return Err(err(
                        v,
                        format!("network driver \"{d}\" is not simulated yet"),
                        "only the bridge driver is simulated; drop --driver or write --driver bridge",
                    ));
                }
                d => {
                    return Err(err(
                        v,
                        format!("unknown network driver \"{d}\""),
                        "the simulator supports the bridge driver",
                    ));
                }
            },
            "subnet" => {
                once(subnet_at, o)?;
                subnet_at = Some(o);
                nc.subnet = Some(parse_cidr4(v, "subnet", true)?);
            }
            "gateway" => {
                once(gateway_at, o)?;
                gateway_at = Some(o);
                nc.gateway = Some(parse_ipv4(v, "--gateway")?);
            }
            "ip-range" => {
                once(range_at, o)?;
                range_at = Some(o);
                nc.ip_range = Some(parse_cidr4(v, "ip-range", true)?);
            }
            "internal" => nc.internal = o.on,
            "label" => {
                let (k, val) = key_value(v, "--label", false)?;
                nc.labels.push((k.text, val.text));
            }
            "opt" => apply_opt(&mut nc, v)?,
            _ => {}
        }
    }
    let no_subnet = |o: &Occ| {
        err(
            &o.flag,
            "every ip-range or gateway must have a corresponding subnet",
            "add --subnet, e.g. --subnet 172.20.0.0/16",
        )
    };
    match nc.subnet {
        None => {
            if let Some(o) = gateway_at.or(range_at) {
                return Err(no_subnet(o));
            }
        }
        Some(subnet) => {
            if let (Some(gw), Some(o)) = (nc.gateway, gateway_at)
                && !subnet.contains(&gw)
            {
                return Err(err(
                    &o.value,
                    format!("no matching subnet for gateway {gw}"),
                    format!("the gateway must be inside {subnet}"),
                ));
            }
            if let (Some(range), Some(o)) = (nc.ip_range, range_at)
                && !subnet.contains(&range)
            {
                return Err(err(
                    &o.value,
                    format!("no matching subnet for range {range}"),
                    format!("the ip-range must be inside {subnet}"),
                ));
            }
        }
    }
    Ok(nc)
}

fn non_empty(t: &Tok, what: &str) -> Result<String, CliError> {
    if t.text.is_empty() {
        Err(err(
            t,
            format!("{what} must not be empty"),
            format!("give the {what}"),
        ))
    } else {
        Ok(t.text.clone())
    }
}

fn build_connect(toks: &[Tok], end: usize) -> Result<NetworkConnect, CliError> {
    let (occs, pos) = parse_flags(&NETWORK_CONNECT, toks)?;
    let args = exact_args(
        &NETWORK_CONNECT,
        &pos,
        &["the network", "the container"],
        end,
    )?;
    let (Some(n), Some(c)) = (args.first(), args.get(1)) else {
        return Err(missing(
            end,
            "\"docker network connect\" requires exactly 2 arguments",
            NETWORK_CONNECT.usage,
        ));
    };
    let mut nc = NetworkConnect {
        network: non_empty(n, "network name")?,
        container: non_empty(c, "container name")?,
        aliases: Vec::new(),
        ip: None,
    };
    for o in &occs {
        match o.long {
            "alias" => nc.aliases.push(host_name(&o.value, "alias")?),
            "ip" => nc.ip = Some(parse_ipv4(&o.value, "--ip")?),
            _ => {}
        }
    }
    Ok(nc)
}

fn build_disconnect(toks: &[Tok], end: usize) -> Result<DockerCommand, CliError> {
    let (_, pos) = parse_flags(&NETWORK_DISCONNECT, toks)?;
    let args = exact_args(
        &NETWORK_DISCONNECT,
        &pos,
        &["the network", "the container"],
        end,
    )?;
    let (Some(n), Some(c)) = (args.first(), args.get(1)) else {
        return Err(missing(
            end,
            "\"docker network disconnect\" requires exactly 2 arguments",
            NETWORK_DISCONNECT.usage,
        ));
    };
    Ok(DockerCommand::NetworkDisconnect {
        network: non_empty(n, "network name")?,
        container: non_empty(c, "container name")?,
    })
}

/// Whether a signal ends a container's main process: KILL always; TERM, INT and QUIT for the
/// servers the images run (PID 1 ignores signals it has no handler for).
fn signal_stops(signal: &str) -> bool {
    let s = signal.to_ascii_uppercase();
    let name = s.strip_prefix("SIG").unwrap_or(&s);
    matches!(
        name,
        "KILL" | "9" | "TERM" | "15" | "INT" | "2" | "QUIT" | "3"
    )
}

fn build_lifecycle(verb: &str, toks: &[Tok], end: usize) -> Result<DockerCommand, CliError> {
    let Some((spec, action)) = lifecycle_spec(verb) else {
        return Err(missing(
            end,
            format!("unknown command: docker {verb}"),
            SUPPORTED,
        ));
    };
    let (occs, pos) = parse_flags(&spec, toks)?;
    if pos.is_empty() {
        return Err(missing(
            end,
            format!("\"{}\" requires at least 1 argument", spec.name),
            format!("name the container; usage: {}", spec.usage),
        ));
    }
    let action = match (action, verb) {
        (Some(a), _) => a,
        (None, "kill") => ContainerAction::Kill {
            stops: occs
                .iter()
                .rfind(|o| o.long == "signal")
                .is_none_or(|o| signal_stops(&o.value.text)),
        },
        (None, _) => ContainerAction::Remove {
            force: occs.iter().any(|o| o.long == "force" && o.on),
        },
    };
    let containers = pos
        .iter()
        .map(|t| non_empty(t, "container name"))
        .collect::<Result<_, _>>()?;
    Ok(DockerCommand::Lifecycle { action, containers })
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod flag_audit;

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> RunSpec {
        match parse_command(line) {
            Ok(DockerCommand::Run(r)) => r,
            other => panic!("{line}: expected a run, got {other:?}"),
        }
    }

    fn create(line: &str) -> NetworkCreate {
        match parse_command(line) {
            Ok(DockerCommand::NetworkCreate(n)) => n,
            other => panic!("{line}: expected a network create, got {other:?}"),
        }
    }

    fn fail(line: &str) -> CliError {
        match parse_command(line) {
            Err(e) => e,
            Ok(c) => panic!("{line}: expected an error, got {c:?}"),
        }
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("test ip")
    }

    #[test]
    fn lifecycle_commands() {
        let lc = |line: &str| match parse_command(line) {
            Ok(DockerCommand::Lifecycle { action, containers }) => (action, containers),
            other => panic!("{line}: expected a lifecycle command, got {other:?}"),
        };
        assert_eq!(
            lc("docker container rm -f web db"),
            (
                ContainerAction::Remove { force: true },
                vec!["web".to_string(), "db".to_string()]
            )
        );
        assert_eq!(
            lc("docker rm web").0,
            ContainerAction::Remove { force: false }
        );
        assert_eq!(
            lc("docker kill web").0,
            ContainerAction::Kill { stops: true }
        );
        assert_eq!(
            lc("docker kill -s sighup web").0,
            ContainerAction::Kill { stops: false },
            "an nginx reload"
        );
        assert_eq!(
            lc("docker container remove web").0,
            ContainerAction::Remove { force: false }
        );
        assert!(parse_command("docker remove web").is_err());
        assert_eq!(lc("docker stop -t 0 web").0, ContainerAction::Stop);
        assert_eq!(lc("docker restart web").0, ContainerAction::Restart);
        assert_eq!(lc("sudo docker start -a web").0, ContainerAction::Start);
        let e = fail("docker rm --link web");
        assert!(e.help.contains("legacy links"), "{e}");
        let e = fail("docker stpo web");
        assert!(e.help.contains("docker stop"), "{e}");
    }

    fn net(s: &str) -> Ipv4Net {
        s.parse().expect("test net")
    }

    fn pb(
        host_ip: Option<&str>,
        host_port: Option<u16>,
        container_port: u16,
        proto: PortProto,
    ) -> PortBinding {
        PortBinding {
            host_ip: host_ip.map(ip),
            host_port,
            container_port,
            proto,
        }
    }

    use PortProto::{Tcp, Udp};

    #[test]
    fn minimal_run() {
        let r = run("docker run nginx");
        assert_eq!(r, RunSpec::new("nginx"));
        assert_eq!(run("run nginx"), r);
        assert_eq!(run("sudo docker run nginx"), r);
        assert_eq!(run("docker container run nginx"), r);
    }

    #[test]
    fn run_flag_forms() {
        let r = run("docker run -d --name web --network mynet -p 8080:80 nginx:1.27-alpine");
        assert!(r.detach);
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.network, NetworkMode::Named("mynet".into()));
        assert_eq!(r.publish, vec![pb(None, Some(8080), 80, Tcp)]);
        assert_eq!(r.image, "nginx:1.27-alpine");
        assert!(r.command.is_empty());

        let r2 =
            run("docker run --detach --name=web --net=mynet --publish=8080:80 nginx:1.27-alpine");
        assert_eq!(r, r2);
        let r3 = run("docker run -d --name web --network=mynet -p8080:80 nginx:1.27-alpine");
        assert_eq!(r, r3);
        let r4 = run("docker run -dp 8080:80 --name web --net mynet nginx:1.27-alpine");
        assert_eq!(r, r4);
        let r5 = run("docker run -dp8080:80 --name web --net mynet nginx:1.27-alpine");
        assert_eq!(r, r5);
        let r6 = run("docker run -d -p=8080:80 --name web --net mynet nginx:1.27-alpine");
        assert_eq!(r, r6);
    }

    #[test]
    fn combined_short_booleans_and_ignored_flags() {
        let r = run(
            "docker run -dit --rm -e A=1 --env=B=2 -v /a:/b --volume /c:/d --restart always \
             -l x=y --label z=w -w /app --user 1000 -u 0 --entrypoint sh --cpus 1 -m 512m --memory=1g \
             alpine sh -c 'echo hi'",
        );
        assert!(r.detach);
        assert_eq!(r.image, "alpine");
        assert_eq!(r.command, vec!["sh", "-c", "echo hi"]);
        let r = run("docker run -it busybox");
        assert!(!r.detach);
        let r = run("docker run --detach=false nginx");
        assert!(!r.detach);
        let r = run("docker run -d=false nginx");
        assert!(!r.detach);
    }

    #[test]
    fn command_after_image_is_not_parsed() {
        let r = run("docker run --name c1 busybox ping -c 3 --name x 10.0.0.1");
        assert_eq!(r.name.as_deref(), Some("c1"));
        assert_eq!(
            r.command,
            vec!["ping", "-c", "3", "--name", "x", "10.0.0.1"]
        );
        let r = run("docker run -- busybox -x");
        assert_eq!(r.image, "busybox");
        assert_eq!(r.command, vec!["-x"]);
    }

    #[test]
    fn publish_forms() {
        assert_eq!(
            run("docker run -p 127.0.0.1:8080:80/udp nginx").publish,
            vec![pb(Some("127.0.0.1"), Some(8080), 80, Udp)]
        );
        assert_eq!(
            run("docker run -p 8000-8001:80-81 nginx").publish,
            vec![pb(None, Some(8000), 80, Tcp), pb(None, Some(8001), 81, Tcp)]
        );
        assert_eq!(
            run("docker run -p 53:53/udp coredns/coredns").publish,
            vec![pb(None, Some(53), 53, Udp)]
        );
        assert_eq!(
            run("docker run -p 80 nginx").publish,
            vec![pb(None, None, 80, Tcp)]
        );
        assert_eq!(
            run("docker run -p 127.0.0.1::80 nginx").publish,
            vec![pb(Some("127.0.0.1"), None, 80, Tcp)]
        );
        assert_eq!(
            run("docker run -p 0.0.0.0:80:80/TCP nginx").publish,
            vec![pb(Some("0.0.0.0"), Some(80), 80, Tcp)]
        );
        assert_eq!(
            run("docker run -p 80-81/udp nginx").publish,
            vec![pb(None, None, 80, Udp), pb(None, None, 81, Udp)]
        );
        let r = run("docker run -p 80:80 -p 443:443 --publish 53:53/udp nginx");
        assert_eq!(r.publish.len(), 3);
        let r = run("docker run -P nginx");
        assert!(r.publish_all);
        let r =
            run("docker run --publish-all --expose 8080 --expose 53/udp --expose 7000-7001 nginx");
        assert!(r.publish_all);
        assert_eq!(
            r.expose,
            vec![(8080, Tcp), (53, Udp), (7000, Tcp), (7001, Tcp)]
        );
    }

    #[test]
    fn network_modes() {
        assert_eq!(run("docker run nginx").network, NetworkMode::Bridge);
        assert_eq!(
            run("docker run --network bridge nginx").network,
            NetworkMode::Bridge
        );
        assert_eq!(
            run("docker run --network=default nginx").network,
            NetworkMode::Bridge
        );
        assert_eq!(
            run("docker run --net host nginx").network,
            NetworkMode::Host
        );
        assert_eq!(
            run("docker run --network none nginx").network,
            NetworkMode::None
        );
        assert_eq!(
            run("docker run --network=container:web busybox").network,
            NetworkMode::Container("web".into())
        );
        assert_eq!(
            run("docker run --net=lab_net.1 nginx").network,
            NetworkMode::Named("lab_net.1".into())
        );
    }

    #[test]
    fn run_sysctls() {
        let r = run("docker run --sysctl net.ipv4.tcp_syn_retries=2 \
             --sysctl=net.ipv4.tcp_syn_linear_timeouts=0 redis");
        assert_eq!(
            r.sysctls,
            vec![
                ("net.ipv4.tcp_syn_retries".into(), 2),
                ("net.ipv4.tcp_syn_linear_timeouts".into(), 0)
            ]
        );
        let e = fail("docker run --sysctl kernel.shmmax=1 redis");
        assert!(
            e.message.contains("kernel.shmmax is not simulated"),
            "{e:?}"
        );
        assert_eq!(e.token, "kernel.shmmax=1");
        let e = fail("docker run --sysctl net.ipv4.tcp_syn_retries=0 redis");
        assert!(e.message.contains("out of range"), "{e:?}");
        let e = fail("docker run --sysctl net.ipv4.tcp_syn_retries=two redis");
        assert!(e.message.contains("needs a number"), "{e:?}");
        let e = fail("docker run --network host --sysctl net.ipv4.tcp_syn_retries=2 redis");
        assert!(e.message.contains("not allowed"), "{e:?}");
        assert_eq!(e.token, "--sysctl");
    }

    #[test]
    fn run_network_details() {
        let r = run(
            "docker run --network lab --network-alias db --net-alias database --ip 172.20.0.10 \
             --dns 8.8.8.8 --dns=1.1.1.1 -h dbhost --add-host api.local:10.0.0.5 \
             --add-host=cache=10.0.0.6 postgres",
        );
        assert_eq!(r.aliases, vec!["db", "database"]);
        assert_eq!(r.ip, Some(ip("172.20.0.10")));
        assert_eq!(r.dns, vec![ip("8.8.8.8"), ip("1.1.1.1")]);
        assert_eq!(r.hostname.as_deref(), Some("dbhost"));
        assert_eq!(
            r.add_hosts,
            vec![
                ("api.local".into(), HostAddr::Ip(ip("10.0.0.5"))),
                ("cache".into(), HostAddr::Ip(ip("10.0.0.6")))
            ]
        );
        assert_eq!(
            run("docker run --hostname web nginx").hostname.as_deref(),
            Some("web")
        );
    }

    #[test]
    fn quoting() {
        let r = run(r#"docker run --name "web" alpine sh -c "echo \"a b\"" '' it\'s"#);
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.command, vec!["sh", "-c", "echo \"a b\"", "", "it's"]);
        let r = run("docker run \\\n  --name web \\\n  nginx # the web server");
        assert_eq!(r.name.as_deref(), Some("web"));
        assert!(r.command.is_empty());
    }

    #[test]
    fn network_create() {
        let n = create("docker network create mynet");
        assert_eq!(n, NetworkCreate::new("mynet"));
        assert_eq!(create("network create mynet"), n);
        let n = create(
            "docker network create --driver bridge --subnet 172.20.0.0/16 --gateway=172.20.0.1 \
             --ip-range 172.20.5.0/24 --internal --attachable --label team=net --label solo \
             -o com.docker.network.bridge.name=br-lab \
             --opt com.docker.network.bridge.enable_icc=false \
             -o=com.docker.network.bridge.enable_ip_masquerade=false \
             -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 \
             -o com.docker.network.bridge.gateway_mode_ipv4=routed \
             -o com.docker.network.driver.mtu=1450 \
             -o com.docker.network.host_ipv4=192.168.1.10 lab",
        );
        assert_eq!(n.name, "lab");
        assert_eq!(n.subnet, Some(net("172.20.0.0/16")));
        assert_eq!(n.gateway, Some(ip("172.20.0.1")));
        assert_eq!(n.ip_range, Some(net("172.20.5.0/24")));
        assert!(n.internal);
        assert_eq!(n.bridge_name.as_deref(), Some("br-lab"));
        assert!(!n.icc);
        assert!(!n.ip_masquerade);
        assert_eq!(n.host_binding_ipv4, Some(ip("127.0.0.1")));
        assert_eq!(n.gateway_mode.as_deref(), Some("routed"));
        assert_eq!(n.mtu, Some(1450));
        assert_eq!(n.host_ipv4, Some(ip("192.168.1.10")));
        assert_eq!(
            n.labels,
            vec![
                ("team".into(), "net".into()),
                ("solo".into(), String::new())
            ]
        );
        // Flags after the name, and -d.
        let n = create("docker network create lab -d bridge --subnet=10.1.0.0/24");
        assert_eq!(n.subnet, Some(net("10.1.0.0/24")));
    }

    #[test]
    fn connect_and_disconnect() {
        assert_eq!(
            parse_command("docker network connect --alias db --alias pg --ip 172.20.0.9 lab web"),
            Ok(DockerCommand::NetworkConnect(NetworkConnect {
                network: "lab".into(),
                container: "web".into(),
                aliases: vec!["db".into(), "pg".into()],
                ip: Some(ip("172.20.0.9")),
            }))
        );
        assert_eq!(
            parse_command("network connect lab web --alias=db"),
            Ok(DockerCommand::NetworkConnect(NetworkConnect {
                network: "lab".into(),
                container: "web".into(),
                aliases: vec!["db".into()],
                ip: None,
            }))
        );
        assert_eq!(
            parse_command("docker network disconnect -f lab web"),
            Ok(DockerCommand::NetworkDisconnect {
                network: "lab".into(),
                container: "web".into()
            })
        );
    }

    #[test]
    fn daemon_args() {
        let o = parse_daemon_args(
            "--userland-proxy=false --icc=false --ip-forward=true --iptables=true --bip 10.200.0.1/24 \
             --default-address-pool base=10.10.0.0/16,size=24",
        )
        .expect("valid");
        assert!(!o.userland_proxy);
        assert!(!o.icc);
        assert!(o.ip_forward);
        assert!(o.iptables);
        assert_eq!(o.bip, Some(net("10.200.0.1/24")));
        assert_eq!(o.default_pools, vec![(net("10.10.0.0/16"), 24)]);

        assert_eq!(parse_daemon_args(""), Ok(DaemonOptions::default()));
        assert_eq!(DaemonOptions::default().default_pools.len(), 7);
        let o = parse_daemon_args("sudo dockerd --icc false --iptables").expect("valid");
        assert!(!o.icc && o.iptables);
        let o =
            parse_daemon_args("userland-proxy=false icc: false bip:10.1.0.1/16").expect("valid");
        assert!(!o.userland_proxy && !o.icc);
        assert_eq!(o.bip, Some(net("10.1.0.1/16")));
        let o = parse_daemon_args(
            r#"{"icc": false, "userland-proxy": false, "bip": "10.9.0.1/24", "log-driver": "json-file",
               "default-address-pools": [{"base": "10.20.0.0/16", "size": 26}]}"#,
        )
        .expect("valid");
        assert!(!o.icc && !o.userland_proxy);
        assert_eq!(o.bip, Some(net("10.9.0.1/24")));
        assert_eq!(o.default_pools, vec![(net("10.20.0.0/16"), 26)]);
    }

    #[test]
    fn daemon_errors() {
        let e = parse_daemon_args("--icc=false --ip-masq=false").expect_err("unsimulated");
        assert_eq!((e.column, e.token.as_str()), (13, "--ip-masq=false"));
        assert!(e.message.contains("not simulated"), "{e}");
        let e = parse_daemon_args("--icx=false").expect_err("typo");
        assert_eq!(e.message, "unknown flag: --icx");
        assert_eq!(e.help, "did you mean --icc?");
        let e =
            parse_daemon_args("--default-address-pool base=10.10.0.0/16,size=8").expect_err("size");
        assert_eq!(e.column, 47);
        let e = parse_daemon_args("--bip nonsense").expect_err("bip");
        assert_eq!((e.column, e.token.as_str()), (7, "nonsense"));
        let e = parse_daemon_args(r#"{"icc": "no"}"#).expect_err("json type");
        assert_eq!(e.column, 2);
        assert!(parse_daemon_args("{\"icc\": ").is_err());
    }

    #[test]
    fn error_unknown_flag_with_suggestion() {
        let e = fail("docker run --publsh 80:80 nginx");
        assert_eq!(e.message, "unknown flag: --publsh");
        assert_eq!(e.help, "did you mean --publish?");
        assert_eq!((e.column, e.token.as_str()), (12, "--publsh"));
        let e = fail("docker run -x nginx");
        assert_eq!(e.message, "unknown shorthand flag: 'x' in -x");
        let e = fail("docker run -name web nginx");
        assert_eq!(e.help, "did you mean --name? long flags take two dashes");
        let e = fail("docker network create --subnt 10.0.0.0/24 n");
        assert_eq!(e.help, "did you mean --subnet?");
    }

    #[test]
    fn error_missing_value_and_image() {
        let e = fail("docker run --name");
        assert_eq!(e.message, "flag needs an argument: --name");
        assert_eq!((e.column, e.token.as_str()), (12, "--name"));
        let e = fail("docker run --name -d nginx");
        assert_eq!(e.message, "flag needs an argument: --name");
        let e = fail("docker run -d -p");
        assert_eq!(e.message, "flag needs an argument: 'p' in -p");
        assert_eq!(e.column, 15);
        let e = fail("docker run -d --name web");
        assert_eq!(
            e.message,
            "\"docker run\" requires at least 1 argument: the image"
        );
        assert_eq!((e.column, e.token.as_str()), (25, ""));
        // A quoted value may start with a dash.
        assert!(parse_command("docker run --entrypoint '-x' busybox").is_ok());
    }

    #[test]
    fn error_columns_inside_values() {
        let e = fail("docker run -p 8080:99999 nginx");
        assert_eq!((e.column, e.token.as_str()), (20, "99999"));
        let e = fail("docker run -p 127.0.0.300:80:80 nginx");
        assert_eq!((e.column, e.token.as_str()), (15, "127.0.0.300"));
        let e = fail("docker run -p 8000-8002:80-81 nginx");
        assert!(e.message.starts_with("invalid ranges"), "{e}");
        let e = fail("docker run -p 80:80/sctp nginx");
        assert_eq!((e.column, e.token.as_str()), (21, "sctp"));
        let e = fail("docker run --publish=8080:0 nginx");
        assert_eq!((e.column, e.token.as_str()), (27, "0"));
        let e = fail("docker run -p 81-80 nginx");
        assert!(e.message.contains("end is before the start"), "{e}");
        let e = fail("docker run --dns 8.8.8 nginx");
        assert_eq!((e.column, e.token.as_str()), (18, "8.8.8"));
        let r = run("docker run --add-host host.docker.internal:host-gateway nginx");
        assert_eq!(
            r.add_hosts,
            [("host.docker.internal".to_string(), HostAddr::HostGateway)]
        );
    }

    #[test]
    fn error_quotes_and_commands() {
        let e = fail("docker run --name 'web nginx");
        assert_eq!((e.column, e.token.as_str()), (19, "'"));
        assert_eq!(e.message, "unterminated single quote");
        let e = fail("docker run \"nginx");
        assert_eq!(e.column, 12);
        let e = fail("docker rnu nginx");
        assert_eq!((e.column, e.token.as_str()), (8, "rnu"));
        assert!(e.message.contains("docker rnu"));
        assert!(e.help.contains("did you mean `docker run`?"), "{}", e.help);
        assert!(e.help.contains("docker network connect"));
        let e = fail("docker ps");
        assert!(e.message.contains("not supported"));
        let e = fail("docker network craete x");
        assert!(e.help.contains("docker network create"));
        let e = fail("");
        assert_eq!(e.column, 1);
        let e = fail("docker run nginx && docker ps");
        assert_eq!((e.column, e.token.as_str()), (18, "&&"));
        let e = fail("docker run --help");
        assert!(e.message.starts_with("usage: docker run"));
    }

    #[test]
    fn error_network_create() {
        let e = fail("docker network create -d overlay ov");
        assert_eq!(e.message, "network driver \"overlay\" is not simulated yet");
        assert_eq!((e.column, e.token.as_str()), (26, "overlay"));
        let e = fail("docker network create -o com.docker.network.bridge.nam=x n");
        assert_eq!(e.token, "com.docker.network.bridge.nam");
        assert_eq!(e.help, "did you mean com.docker.network.bridge.name?");
        let e = fail("docker network create --subnet 172.20.0.1/16 n");
        assert_eq!(
            e.message,
            "invalid subnet 172.20.0.1/16: it should be 172.20.0.0/16"
        );
        let e = fail("docker network create --gateway 172.20.0.1 n");
        assert_eq!(
            e.message,
            "every ip-range or gateway must have a corresponding subnet"
        );
        let e = fail("docker network create --subnet 10.0.0.0/24 --gateway 10.0.1.1 n");
        assert_eq!(e.message, "no matching subnet for gateway 10.0.1.1");
        let e = fail("docker network create --subnet 10.0.0.0/24 --ip-range 10.0.0.0/16 n");
        assert!(e.message.starts_with("no matching subnet for range"));
        let e = fail("docker network create");
        assert_eq!(
            e.message,
            "\"docker network create\" requires exactly 1 argument"
        );
        let e = fail("docker network create a b");
        assert_eq!((e.column, e.token.as_str()), (25, "b"));
        let e = fail("docker network create host");
        assert_eq!(
            e.message,
            "host is a pre-defined network and cannot be created"
        );
        let e = fail("docker network create --ipv6 n");
        assert!(e.message.contains("not simulated"));
        let e = fail("docker network create -o com.docker.network.driver.mtu=20 n");
        assert_eq!(e.token, "20");
        let e = fail("docker network create -o com.docker.network.bridge.enable_icc=nope n");
        assert_eq!(e.token, "nope");
    }

    #[test]
    fn error_run_semantics() {
        let e = fail("docker run --network container:web -p 80:80 nginx");
        assert_eq!(
            e.message,
            "conflicting options: port publishing and the container type network mode"
        );
        assert_eq!((e.column, e.token.as_str()), (36, "-p"));
        let e = fail("docker run --ip 172.17.0.5 nginx");
        assert_eq!(
            e.message,
            "user specified IP address is supported on user defined networks only"
        );
        let e = fail("docker run --network-alias x nginx");
        assert!(e.message.starts_with("network-scoped alias"));
        let e = fail("docker run --name a nginx");
        assert!(e.message.starts_with("Invalid container name (a)"));
        let e = fail("docker run Nginx");
        assert!(e.message.contains("must be lowercase"));
        let e = fail("docker run --network a --network b nginx");
        assert_eq!(e.column, 24);
        let e = fail("docker run --network=container: nginx");
        assert!(e.message.contains("container:<name|id>"));
        let e = fail("docker run --link db nginx");
        assert!(e.message.contains("not simulated"));
    }

    #[test]
    fn error_connect() {
        let e = fail("docker network connect lab");
        assert_eq!(
            e.message,
            "\"docker network connect\" requires exactly 2 arguments"
        );
        assert!(e.help.contains("missing the container"));
        let e = fail("docker network disconnect a b c");
        assert_eq!(e.token, "c");
        let e = fail("docker network connect --ip 1.2.3 lab web");
        assert_eq!(e.token, "1.2.3");
    }

    #[test]
    fn more_edge_cases() {
        let e = fail("docker run -p 8000-8010:80 nginx");
        assert!(e.message.contains("not simulated yet"), "{e}");
        assert_eq!(e.token, "8000-8010");
        let e = fail("docker run -p 127.0.0.1:80 nginx");
        assert!(e.help.contains("127.0.0.1::80"), "{}", e.help);
        let e = fail("docker run -p [::1]:80:80 nginx");
        assert!(e.message.contains("IPv6"), "{e}");
        let e = fail("docker network create --help");
        assert!(e.message.starts_with("usage: docker network create"));
        let e = fail("docker network create -h");
        assert!(e.message.starts_with("usage: docker network create"));
        let e = fail("docker run -h");
        assert_eq!(e.message, "flag needs an argument: 'h' in -h");
        let e = fail("docker run --name= nginx");
        assert_eq!((e.column, e.token.as_str()), (19, ""));
        let e = fail("docker run --network 'my net' nginx");
        assert_eq!((e.column, e.token.as_str()), (22, "my net"));
        let e = fail("docker run registry.example.com:5000/Team/app");
        assert!(e.message.contains("must be lowercase"), "{e}");
        assert!(
            parse_command("docker run registry.example.com:5000/team/app:V1@sha256:ab").is_ok()
        );
        let e = fail("docker run ünï --name");
        assert_eq!(e.column, 12);
        let e = fail("docker network create --subnet 2001:db8::/64 n");
        assert!(e.message.contains("IPv6"), "{e}");
        let o = parse_daemon_args(
            "--default-address-pool base=10.10.0.0/16,size=24 \
             --default-address-pool=base=10.20.0.0/16,size=28",
        )
        .expect("valid");
        assert_eq!(
            o.default_pools,
            vec![(net("10.10.0.0/16"), 24), (net("10.20.0.0/16"), 28)]
        );
    }

    #[test]
    fn display_has_message_and_help() {
        let e = fail("docker run --publsh 80 nginx");
        assert_eq!(
            e.to_string(),
            "unknown flag: --publsh\nhelp: did you mean --publish?"
        );
    }

    #[test]
    fn image_ports_cases() {
        assert_eq!(image_ports("nginx"), vec![(80, Tcp)]);
        assert_eq!(image_ports("library/nginx:1.27-alpine"), vec![(80, Tcp)]);
        assert_eq!(
            image_ports("docker.io/library/redis@sha256:abcdef"),
            vec![(6379, Tcp)]
        );
        assert_eq!(image_ports("localhost:5000/postgres:16"), vec![(5432, Tcp)]);
        assert_eq!(image_ports("mariadb"), vec![(3306, Tcp)]);
        assert_eq!(image_ports("mysql:8"), vec![(3306, Tcp)]);
        assert_eq!(image_ports("mongo"), vec![(27017, Tcp)]);
        assert_eq!(image_ports("memcached"), vec![(11211, Tcp)]);
        assert_eq!(image_ports("rabbitmq:3-management"), vec![(5672, Tcp)]);
        assert_eq!(image_ports("traefik:v3"), vec![(80, Tcp)]);
        assert_eq!(image_ports("httpd"), vec![(80, Tcp)]);
        assert_eq!(image_ports("caddy"), vec![(80, Tcp)]);
        assert_eq!(
            image_ports("coredns/coredns:1.11"),
            vec![(53, Udp), (53, Tcp)]
        );
        assert!(image_ports("busybox").is_empty());
        assert!(image_ports("alpine:3.20").is_empty());
        assert!(image_ports("ubuntu").is_empty());
        assert!(image_ports("debian").is_empty());
        assert!(image_ports("").is_empty());
    }

    #[test]
    fn serde_round_trip() {
        let c =
            parse_command("docker run -p 127.0.0.1:8080:80/udp --network container:x busybox").ok();
        let json = serde_json::to_string(&c).expect("serialize");
        let back: Option<DockerCommand> = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, c);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        const WORDS: &[&str] = &[
            "docker",
            "sudo",
            "run",
            "network",
            "create",
            "connect",
            "disconnect",
            "container",
            "-d",
            "-dit",
            "-p",
            "-P",
            "-p8080:80",
            "--publish",
            "--publish=",
            "--name",
            "--name=",
            "--network",
            "--net=host",
            "container:",
            "container:web",
            "--ip",
            "--dns",
            "-h",
            "--add-host",
            "--expose",
            "--alias",
            "-o",
            "--opt",
            "--subnet",
            "--gateway",
            "--ip-range",
            "--internal",
            "--driver",
            "bridge",
            "overlay",
            "80",
            "8080:80",
            "127.0.0.1::80",
            "1-65535:1-65535",
            "53/udp",
            "0",
            "65536",
            "10.0.0.0/8",
            "10.0.0.1",
            "::1",
            "[::1]:80:80",
            "nginx",
            "Nginx",
            "--",
            "-",
            "=",
            "'",
            "\"",
            "\\",
            "''",
            "#",
            "&&",
            "--icc",
            "false",
            "--bip",
            "--default-address-pool",
            "base=10.0.0.0/8,size=24",
            "size=99",
            "{",
            "}",
            "é",
            "--help",
            "-o=com.docker.network.driver.mtu=9000",
            "com.docker.network.bridge.name=",
        ];

        fn soup() -> impl Strategy<Value = String> {
            prop::collection::vec(prop::sample::select(WORDS), 0..12).prop_map(|w| w.join(" "))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn token_soup_never_panics(line in soup()) {
                let _ = parse_command(&line);
                let _ = parse_daemon_args(&line);
            }

            #[test]
            fn random_strings_never_panic(line in any::<String>()) {
                let _ = parse_command(&line);
                let _ = parse_daemon_args(&line);
                let _ = image_ports(&line);
            }

            #[test]
            fn error_columns_are_in_range(line in soup()) {
                if let Err(e) = parse_command(&line) {
                    prop_assert!(e.column >= 1 && e.column <= line.chars().count() + 1);
                }
            }
        }
    }
}
