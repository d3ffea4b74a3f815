//! The Compose project as Docker Compose v2 sees it after loading: its name, the networks it
//! creates (with their engine names) and its services with their networking settings, each
//! value with its place in the file. Keys docknet does not simulate are accepted and listed;
//! networking keys it does not model are refused.

use super::yaml::{Key, Node, Pos, Value};
use super::{ComposeError, NotSimulated};
use crate::docker_cli::{self as cli, HostAddr, NetworkCreate, PortBinding, PortProto};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// A loaded project.
#[derive(Clone, Debug, PartialEq)]
pub struct Project {
    pub name: String,
    /// Every network declared or implied (`default`), by key.
    pub networks: BTreeMap<String, Network>,
    /// Services in the file's order (disabled profiles left out).
    pub services: Vec<Service>,
    pub not_simulated: Vec<NotSimulated>,
}

/// One entry of the top-level `networks:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub key: String,
    pub pos: Pos,
    /// `external: true`: an existing network, not created by Compose.
    pub external: bool,
    /// The request Compose sends (its `name` is the engine's name for the network).
    pub create: NetworkCreate,
}

/// `network_mode:`.
#[derive(Clone, Debug, PartialEq)]
pub enum NetworkModeSpec {
    Host,
    None,
    /// `bridge`: Docker's default bridge.
    Bridge,
    /// `service:NAME`: the namespace of that service's first container.
    Service(String),
    /// `container:NAME`: a container started outside the project.
    Container(String),
}

/// One of a service's networks.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceNetwork {
    pub key: String,
    pub pos: Pos,
    pub aliases: Vec<String>,
    pub ipv4_address: Option<(Ipv4Addr, Pos)>,
    pub priority: i64,
    /// `gw_priority` and where it is written (Engine 28+).
    pub gw_priority: Option<(i64, Pos)>,
}

/// One service.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    pub pos: Pos,
    pub image: String,
    /// Published ports, one binding per port, each with the entry it came from.
    pub ports: Vec<(PortBinding, Pos)>,
    pub expose: Vec<(u16, PortProto)>,
    /// Empty with `network_mode`; `default` when neither is given.
    pub networks: Vec<ServiceNetwork>,
    pub network_mode: Option<(NetworkModeSpec, Pos)>,
    pub extra_hosts: Vec<(String, HostAddr)>,
    pub dns: Vec<Ipv4Addr>,
    pub hostname: Option<String>,
    pub container_name: Option<(String, Pos)>,
    pub replicas: u32,
    pub depends_on: Vec<(String, Pos)>,
    pub sysctls: Vec<(String, i64)>,
}

impl Service {
    /// The names of its containers, replica 1 first: `<project>-<service>-<n>` (Compose v2),
    /// or `container_name`.
    pub fn container_names(&self, project: &str) -> Vec<String> {
        match &self.container_name {
            Some((n, _)) => vec![n.clone()],
            None => (1..=self.replicas)
                .map(|i| format!("{project}-{}-{i}", self.name))
                .collect(),
        }
    }

    /// Its networks as Compose connects them: highest `priority` first, then by name
    /// (compose-go's NetworksByPriority).
    pub fn networks_by_priority(&self) -> Vec<&ServiceNetwork> {
        let mut nets: Vec<&ServiceNetwork> = self.networks.iter().collect();
        nets.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.key.cmp(&b.key)));
        nets
    }
}

/// Service keys that change nothing on the network: accepted, listed as not simulated.
const SERVICE_NOT_SIMULATED: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "develop",
    "device_cgroup_rules",
    "devices",
    "entrypoint",
    "environment",
    "env_file",
    "group_add",
    "healthcheck",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "logging",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "post_start",
    "pre_stop",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// Networking keys of a service that docknet does not model yet: refused, never dropped.
const SERVICE_NETWORKING_UNMODELLED: &[(&str, &str)] = &[
    (
        "links",
        "use the service name: services on a shared network resolve each other by name",
    ),
    (
        "external_links",
        "connect the external container to one of the project's networks instead",
    ),
    (
        "dns_search",
        "leave it out (search domains are not simulated)",
    ),
    (
        "dns_opt",
        "leave it out (resolver options are not simulated)",
    ),
    ("mac_address", "leave it out: the engine picks the MAC"),
    ("domainname", "leave it out"),
    ("uts", "leave it out"),
    (
        "extends",
        "copy the settings into the service (extends is not supported)",
    ),
    (
        "provider",
        "leave it out: provider services are not simulated",
    ),
    ("models", "leave it out: model runners are not simulated"),
    ("use_api_socket", "leave it out"),
    ("gpus", "leave it out"),
];

const SERVICE_KEYS: &[&str] = &[
    "image",
    "ports",
    "expose",
    "networks",
    "network_mode",
    "extra_hosts",
    "dns",
    "hostname",
    "container_name",
    "deploy",
    "scale",
    "depends_on",
    "profiles",
    "sysctls",
];

/// Parser state: the variables' interpolation already happened on the tree.
pub(super) struct Loader<'a> {
    pub errors: Vec<ComposeError>,
    pub not_simulated: Vec<NotSimulated>,
    pub profiles: &'a [String],
    /// Services left out by their profiles.
    pub disabled: Vec<String>,
}

fn err(pos: Pos, message: impl Into<String>, help: impl Into<String>) -> ComposeError {
    ComposeError {
        pos,
        message: message.into(),
        help: help.into(),
    }
}

/// Compose's project name rule for a directory name: lower case, only `[a-z0-9_-]`, no
/// leading `_` or `-` (compose-go's NormalizeProjectName).
pub fn normalize_project_name(dir: &str) -> String {
    let lower: String = dir
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
        .collect();
    lower.trim_start_matches(['_', '-']).to_string()
}

/// Is `name` a valid explicit project name (`name:`)?
pub fn valid_project_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

impl Loader<'_> {
    fn note(&mut self, path: String, pos: Pos) {
        if !self.not_simulated.iter().any(|n| n.path == path) {
            self.not_simulated.push(NotSimulated { path, pos });
        }
    }

    fn text<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        match node.scalar() {
            Some(s) => Some(s),
            None => {
                self.errors.push(err(
                    node.pos,
                    format!("{what} must be a string, not {}", node.kind()),
                    "write a single value",
                ));
                None
            }
        }
    }

    /// A list of strings (a single string counts as a list of one, as Compose allows for
    /// `dns`).
    fn strings(&mut self, node: &Node, what: &str) -> Vec<(String, Pos)> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| self.text(i, what).map(|s| (s.to_string(), i.pos)))
                .collect(),
            Value::Scalar { text, .. } => vec![(text.clone(), node.pos)],
            Value::Null => Vec::new(),
            Value::Map(_) => {
                self.errors.push(err(
                    node.pos,
                    format!("{what} must be a list, not an object"),
                    "write one entry per line, each starting with `- `",
                ));
                Vec::new()
            }
        }
    }

    /// A `key: value` mapping or a `["key=value"]` list, as `sysctls`, `extra_hosts` and
    /// `labels` accept.
    fn pairs(&mut self, node: &Node, what: &str, sep: &str) -> Vec<(String, String, Pos)> {
        match &node.value {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| {
                    let value = match &v.value {
                        Value::Seq(items) => items
                            .iter()
                            .filter_map(Node::scalar)
                            .collect::<Vec<_>>()
                            .join(","),
                        _ => v.scalar().unwrap_or_default().to_string(),
                    };
                    (k.text.clone(), value, k.pos)
                })
                .collect(),
            _ => self
                .strings(node, what)
                .into_iter()
                .map(|(s, pos)| {
                    let (k, v) = s
                        .split_once(sep)
                        .or_else(|| s.split_once('='))
                        .unwrap_or((&s, ""));
                    (k.to_string(), v.to_string(), pos)
                })
                .collect(),
        }
    }

    fn cli<T>(&mut self, pos: Pos, r: Result<T, cli::CliError>, quoted: bool) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let at = if quoted {
                    pos.shifted(e.column)
                } else {
                    pos.shifted(e.column.saturating_sub(1))
                };
                self.errors.push(err(at, e.message, e.help));
                None
            }
        }
    }

    fn is_quoted(node: &Node) -> bool {
        matches!(node.value, Value::Scalar { quoted: true, .. })
    }

    /// The whole file.
    /// `name_given`: the name comes from COMPOSE_PROJECT_NAME, so `name:` does not change it.
    pub fn project(
        &mut self,
        root: &Node,
        default_name: &str,
        name_given: bool,
    ) -> Option<Project> {
        let Value::Map(top) = &root.value else {
            self.errors.push(err(
                root.pos,
                "Top-level object must be a mapping",
                "a compose file starts with `services:`",
            ));
            return None;
        };
        let mut name = default_name.to_string();
        let mut services_node = None;
        let mut networks_node = None;
        for (k, v) in top {
            match k.text.as_str() {
                "name" => {
                    if let Some(n) = self.text(v, "name") {
                        if name_given || n.is_empty() {
                            // COMPOSE_PROJECT_NAME wins; an empty name keeps the directory's.
                        } else if valid_project_name(n) {
                            name = n.to_string();
                        } else {
                            self.errors.push(err(v.pos, format!("invalid project name \"{n}\": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"), "e.g. name: shop"));
                        }
                    }
                }
                "services" => services_node = Some(v),
                "networks" => networks_node = Some(v),
                "version" => self.note("version (obsolete: Compose ignores it)".into(), k.pos),
                "volumes" | "secrets" | "configs" => self.note(k.text.clone(), k.pos),
                "include" => self.errors.push(err(
                    k.pos,
                    "include is not supported by docknet",
                    "paste the included services into this file",
                )),
                x if x.starts_with("x-") => {}
                other => self.errors.push(err(
                    k.pos,
                    format!("(root) Additional property {other} is not allowed"),
                    "a compose file has: name, services, networks, volumes, secrets, configs and x-* extensions",
                )),
            }
        }
        if name.is_empty() {
            self.errors.push(err(
                root.pos,
                "project name must not be empty",
                "add `name: myapp` at the top of the file",
            ));
        }
        let mut networks = BTreeMap::new();
        if let Some(nets) = networks_node {
            for (k, v) in nets.entries() {
                if !self.valid_key(k, "networks") {
                    continue;
                }
                if let Some(n) = self.network(&name, &k.text, k.pos, v) {
                    networks.insert(k.text.clone(), n);
                }
            }
        }
        let mut services = Vec::new();
        match services_node.map(|s| &s.value) {
            Some(Value::Map(m)) => {
                for (k, v) in m {
                    if !self.valid_key(k, "services") {
                        continue;
                    }
                    if let Some(s) = self.service(&name, &k.text, k.pos, v) {
                        services.push(s);
                    }
                }
            }
            Some(Value::Null) | None => {}
            Some(_) => self.errors.push(err(
                services_node.map_or(root.pos, |n| n.pos),
                "services must be a mapping",
                "write each service as `name:` with its settings indented below",
            )),
        }
        if services
            .iter()
            .any(|s| s.network_mode.is_none() && s.networks.iter().any(|n| n.key == "default"))
            && !networks.contains_key("default")
        {
            networks.insert(
                "default".into(),
                Network {
                    key: "default".into(),
                    pos: root.pos,
                    external: false,
                    create: NetworkCreate::new(format!("{name}_default")),
                },
            );
        }
        Some(Project {
            name,
            networks,
            services,
            not_simulated: std::mem::take(&mut self.not_simulated),
        })
    }

    fn network(&mut self, project: &str, key: &str, pos: Pos, node: &Node) -> Option<Network> {
        let mut create = NetworkCreate::new(format!("{project}_{key}"));
        let mut external = false;
        let mut explicit_name = None;
        for (k, v) in node.entries() {
            let path = format!("networks.{key}.{}", k.text);
            match k.text.as_str() {
                "name" => explicit_name = self.text(v, "name").map(str::to_string),
                "driver" => {
                    let d = self.text(v, "driver").unwrap_or("bridge");
                    if d != "bridge" {
                        self.errors.push(err(
                            v.pos,
                            format!("network driver \"{d}\" is not simulated (only bridge)"),
                            "use driver: bridge, or leave driver out",
                        ));
                    }
                }
                "driver_opts" => {
                    for (ok, ov, opos) in self.pairs(v, "driver_opts", "=") {
                        let r = cli::driver_opt_value(&mut create, &ok, &ov);
                        self.cli(opos, r.map_err(|mut e| {
                            e.column = 1;
                            e
                        }), false);
                    }
                }
                "internal" => create.internal = v.scalar() == Some("true"),
                "external" => external = v.scalar() == Some("true") || !v.entries().is_empty(),
                "enable_ipv6" if v.scalar() == Some("true") => self.errors.push(err(
                    v.pos,
                    "enable_ipv6 is not simulated yet: docknet models IPv4 only",
                    "remove enable_ipv6 (or set it to false)",
                )),
                "enable_ipv4" if v.scalar() == Some("false") => self.errors.push(err(
                    v.pos,
                    "an IPv6-only network (enable_ipv4: false) is not simulated",
                    "remove enable_ipv4",
                )),
                "enable_ipv6" | "enable_ipv4" => {}
                "ipam" => self.ipam(key, v, &mut create),
                "labels" => {
                    for (lk, lv, _) in self.pairs(v, "labels", "=") {
                        create.labels.push((lk, lv));
                    }
                }
                "attachable" => self.note(path, k.pos),
                x if x.starts_with("x-") => {}
                other => self.errors.push(err(
                    k.pos,
                    format!("networks.{key} Additional property {other} is not allowed"),
                    "a network has: name, driver, driver_opts, internal, external, ipam, enable_ipv6, attachable, labels",
                )),
            }
        }
        if let Some(n) = explicit_name {
            create.name = n;
        } else if external {
            create.name = key.to_string();
        }
        Some(Network {
            key: key.to_string(),
            pos,
            external,
            create,
        })
    }

    fn ipam(&mut self, key: &str, node: &Node, create: &mut NetworkCreate) {
        for (k, v) in node.entries() {
            match k.text.as_str() {
                "driver" => {
                    let d = v.scalar().unwrap_or("default");
                    if d != "default" {
                        self.errors.push(err(
                            v.pos,
                            format!("IPAM driver \"{d}\" is not simulated"),
                            "leave ipam.driver out",
                        ));
                    }
                }
                "options" => self.note(format!("networks.{key}.ipam.options"), k.pos),
                "config" => {
                    let Value::Seq(items) = &v.value else {
                        self.errors.push(err(
                            v.pos,
                            format!("networks.{key}.ipam.config must be a list"),
                            "write `- subnet: 172.28.0.0/16`",
                        ));
                        continue;
                    };
                    if items.len() > 1 {
                        self.errors.push(err(
                            items[1].pos,
                            "a second IPAM config (several subnets) is not simulated",
                            "give one subnet per network",
                        ));
                    }
                    for (ck, cv) in items.first().map(Node::entries).unwrap_or_default() {
                        let Some(text) = self.text(cv, &ck.text) else {
                            continue;
                        };
                        let q = Self::is_quoted(cv);
                        match ck.text.as_str() {
                            "subnet" => create.subnet = self.cli(cv.pos, cli::cidr4_value(text, "subnet"), q),
                            "ip_range" => create.ip_range = self.cli(cv.pos, cli::cidr4_value(text, "ip-range"), q),
                            "gateway" => create.gateway = self.cli(cv.pos, cli::ipv4_value(text, "gateway"), q),
                            "aux_addresses" => self.errors.push(err(ck.pos, "ipam aux_addresses are not simulated", "leave them out")),
                            other => self.errors.push(err(ck.pos, format!("networks.{key}.ipam.config Additional property {other} is not allowed"), "use subnet, ip_range and gateway")),
                        }
                    }
                }
                other => self.errors.push(err(
                    k.pos,
                    format!("networks.{key}.ipam Additional property {other} is not allowed"),
                    "ipam has driver, config and options",
                )),
            }
        }
    }

    fn service(&mut self, project: &str, name: &str, pos: Pos, node: &Node) -> Option<Service> {
        let mut s = Service {
            name: name.to_string(),
            pos,
            image: String::new(),
            ports: Vec::new(),
            expose: Vec::new(),
            networks: Vec::new(),
            network_mode: None,
            extra_hosts: Vec::new(),
            dns: Vec::new(),
            hostname: None,
            container_name: None,
            replicas: 1,
            depends_on: Vec::new(),
            sysctls: Vec::new(),
        };
        let mut has_build = false;
        let mut has_networks = false;
        let mut scale: Option<(u32, Pos)> = None;
        let mut replicas: Option<(u32, Pos)> = None;
        let mut enabled = true;
        if !matches!(node.value, Value::Map(_) | Value::Null) {
            self.errors.push(err(
                node.pos,
                format!("services.{name} must be a mapping"),
                "indent the service's settings below its name",
            ));
            return None;
        }
        for (k, v) in node.entries() {
            let path = format!("services.{name}.{}", k.text);
            let key = k.text.as_str();
            if SERVICE_NOT_SIMULATED.contains(&key) {
                has_build |= key == "build";
                self.note(path, k.pos);
                // Not simulated, but they order the services (compose-go adds them to
                // depends_on), and creation order decides the addresses.
                s.depends_on.extend(self.implied_dependencies(key, v));
                continue;
            }
            if let Some((_, help)) = SERVICE_NETWORKING_UNMODELLED
                .iter()
                .find(|(n, _)| *n == key)
            {
                self.errors.push(err(
                    k.pos,
                    format!("services.{name}.{key} is networking that docknet does not model yet"),
                    *help,
                ));
                continue;
            }
            if key.starts_with("x-") {
                continue;
            }
            if !SERVICE_KEYS.contains(&key) {
                let help = match cli::closest(key, SERVICE_KEYS) {
                    Some(s) => format!("did you mean {s}?"),
                    None => "check the spelling against the Compose Specification".into(),
                };
                self.errors.push(err(
                    k.pos,
                    format!("services.{name} Additional property {key} is not allowed"),
                    help,
                ));
                continue;
            }
            let q = Self::is_quoted(v);
            match key {
                "image" => {
                    if let Some(t) = self.text(v, "image")
                        && self.cli(v.pos, cli::image_value(t), q).is_some()
                    {
                        s.image = t.to_string();
                    }
                }
                "ports" => self.ports(name, v, &mut s.ports),
                "expose" => {
                    for (e, p) in self.strings(v, "expose") {
                        if let Some(list) = self.cli(p, cli::expose_value(&e), false) {
                            s.expose.extend(list);
                        }
                    }
                }
                "networks" => {
                    has_networks = true;
                    self.service_networks(name, v, &mut s.networks);
                }
                "network_mode" => {
                    if let Some(t) = self.text(v, "network_mode") {
                        let mode = match t {
                            "host" => Some(NetworkModeSpec::Host),
                            "none" => Some(NetworkModeSpec::None),
                            "bridge" | "default" => Some(NetworkModeSpec::Bridge),
                            _ => {
                                if let Some(x) = t.strip_prefix("service:") {
                                    Some(NetworkModeSpec::Service(x.to_string()))
                                } else if let Some(x) = t.strip_prefix("container:") {
                                    Some(NetworkModeSpec::Container(x.to_string()))
                                } else {
                                    self.errors.push(err(v.pos, format!("network_mode \"{t}\" is not simulated"), "use host, none, bridge, service:NAME or container:NAME; to join a network, list it under `networks:`"));
                                    None
                                }
                            }
                        };
                        s.network_mode = mode.map(|m| (m, v.pos));
                    }
                }
                "extra_hosts" => {
                    for (h, ip, p) in self.pairs(v, "extra_hosts", ":") {
                        // Compose accepts `name=ip`, `name:ip` and the map form; IPv6 is
                        // written in brackets.
                        let text = format!("{h}:{ip}");
                        if let Some(e) = self.cli(p, cli::add_host_value(&text), false) {
                            s.extra_hosts.push(e);
                        }
                    }
                }
                "dns" => {
                    for (d, p) in self.strings(v, "dns") {
                        if let Some(ip) = self.cli(p, cli::ipv4_value(&d, "dns"), false) {
                            s.dns.push(ip);
                        }
                    }
                }
                "hostname" => {
                    if let Some(t) = self.text(v, "hostname") {
                        s.hostname = self.cli(v.pos, cli::host_name_value(t, "hostname"), q);
                    }
                }
                "container_name" => {
                    if let Some(t) = self.text(v, "container_name") {
                        s.container_name = self
                            .cli(v.pos, cli::container_name_value(t), q)
                            .map(|n| (n, v.pos));
                    }
                }
                "scale" => scale = self.count(v, "scale").map(|n| (n, v.pos)),
                "deploy" => {
                    for (dk, dv) in v.entries() {
                        match dk.text.as_str() {
                            "replicas" => {
                                replicas = self.count(dv, "deploy.replicas").map(|n| (n, dv.pos))
                            }
                            "mode" if dv.scalar() == Some("global") => self.errors.push(err(
                                dv.pos,
                                "deploy.mode: global is a Swarm mode and is not simulated",
                                "use replicas",
                            )),
                            "endpoint_mode" => self.errors.push(err(
                                dk.pos,
                                "deploy.endpoint_mode is a Swarm setting and is not simulated",
                                "leave it out",
                            )),
                            other => self.note(format!("services.{name}.deploy.{other}"), dk.pos),
                        }
                    }
                }
                "depends_on" => match &v.value {
                    Value::Map(m) => s
                        .depends_on
                        .extend(m.iter().map(|(dk, _)| (dk.text.clone(), dk.pos))),
                    _ => s.depends_on.extend(self.strings(v, "depends_on")),
                },
                "profiles" => {
                    let wanted = self.strings(v, "profiles");
                    enabled = wanted
                        .iter()
                        .any(|(p, _)| self.profiles.iter().any(|a| a == p || a == "*"));
                }
                "sysctls" => {
                    for (sk, sv, p) in self.pairs(v, "sysctls", "=") {
                        match cli::sysctl_value(&format!("{sk}={sv}")) {
                            Ok(x) => s.sysctls.push(x),
                            Err(e) => self.errors.push(err(p, e.message, e.help)),
                        }
                    }
                }
                _ => {}
            }
        }
        match (scale, replicas) {
            (Some((a, _)), Some((b, p))) if a != b => self.errors.push(err(
                p,
                format!(
                    "services.{name}: can't set distinct values on 'scale' and 'deploy.replicas'"
                ),
                "keep one of them",
            )),
            (Some((n, _)), _) | (None, Some((n, _))) => s.replicas = n,
            (None, None) => {}
        }
        if let Some((cn, p)) = &s.container_name
            && s.replicas > 1
        {
            self.errors.push(err(*p, format!("services.{name}: can't set container_name ({cn}) and {} replicas as container name must be unique", s.replicas), "remove container_name, or use one replica"));
        }
        if s.image.is_empty() {
            if has_build {
                // Compose names the image it builds `<project>-<service>`.
                s.image = format!("{project}-{name}");
            } else {
                self.errors.push(err(pos, format!("service \"{name}\" has neither an image nor a build context specified: invalid compose project"), "add `image: nginx` (or the image you run)"));
            }
        }
        if has_networks && s.network_mode.is_some() {
            self.errors.push(err(pos, format!("service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"), "keep one of them"));
        }
        if !has_networks && s.network_mode.is_none() {
            s.networks.push(ServiceNetwork {
                key: "default".into(),
                pos,
                aliases: Vec::new(),
                ipv4_address: None,
                priority: 0,
                gw_priority: None,
            });
        }
        if !enabled {
            self.disabled.push(name.to_string());
        }
        enabled.then_some(s)
    }

    fn count(&mut self, v: &Node, what: &str) -> Option<u32> {
        match v.scalar().and_then(|t| t.parse::<u32>().ok()) {
            Some(n) if n <= 64 => Some(n),
            Some(_) => {
                self.errors.push(err(
                    v.pos,
                    format!("{what}: docknet simulates at most 64 replicas"),
                    "use fewer",
                ));
                None
            }
            None => {
                self.errors
                    .push(err(v.pos, format!("{what} must be a number"), "e.g. 2"));
                None
            }
        }
    }

    /// Whether a service or network key is a name the Compose schema allows
    /// (`^[a-zA-Z0-9._-]+$`); else an error at the key.
    fn valid_key(&mut self, k: &Key, section: &str) -> bool {
        let ok = !k.text.is_empty()
            && k.text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            self.errors.push(err(
                k.pos,
                format!(
                    "{section} Additional property {} is not allowed: a name may hold only letters, digits, '.', '_' and '-'",
                    k.text
                ),
                "rename it, e.g. web_api",
            ));
        }
        ok
    }

    /// The services a not-simulated key makes this one wait for: `volumes_from: [svc[:ro]]`
    /// and `ipc`/`pid`/`cgroup: service:svc` (compose-go's implicit dependencies).
    fn implied_dependencies(&mut self, key: &str, v: &Node) -> Vec<(String, Pos)> {
        match key {
            "volumes_from" => self
                .strings(v, key)
                .into_iter()
                .filter(|(f, _)| !f.starts_with("container:"))
                .map(|(f, p)| (f.split(':').next().unwrap_or_default().to_string(), p))
                .collect(),
            "ipc" | "pid" | "cgroup" => v
                .scalar()
                .and_then(|t| t.strip_prefix("service:"))
                .map(|svc| vec![(svc.to_string(), v.pos)])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn service_networks(&mut self, service: &str, node: &Node, out: &mut Vec<ServiceNetwork>) {
        let plain = |key: String, pos: Pos| ServiceNetwork {
            key,
            pos,
            aliases: Vec::new(),
            ipv4_address: None,
            priority: 0,
            gw_priority: None,
        };
        if let Value::Map(m) = &node.value {
            for (k, v) in m {
                let mut sn = plain(k.text.clone(), k.pos);
                for (nk, nv) in v.entries() {
                    match nk.text.as_str() {
                        "aliases" => {
                            for (a, p) in self.strings(nv, "aliases") {
                                if let Some(a) = self.cli(p, cli::host_name_value(&a, "alias"), false) {
                                    sn.aliases.push(a);
                                }
                            }
                        }
                        "ipv4_address" => {
                            if let Some(t) = self.text(nv, "ipv4_address") {
                                sn.ipv4_address = self.cli(nv.pos, cli::ipv4_value(t, "ipv4_address"), Self::is_quoted(nv)).map(|ip| (ip, nv.pos));
                            }
                        }
                        "priority" => match nv.scalar().and_then(|t| t.parse::<i64>().ok()) {
                            Some(p) => sn.priority = p,
                            None => self.errors.push(err(nv.pos, "priority must be a number", "e.g. priority: 100")),
                        },
                        "gw_priority" => match nv.scalar().and_then(|t| t.parse::<i64>().ok()) {
                            Some(p) => sn.gw_priority = Some((p, nv.pos)),
                            None => self.errors.push(err(nv.pos, "gw_priority must be a number", "e.g. gw_priority: 10")),
                        },
                        "ipv6_address" | "link_local_ips" | "mac_address" | "driver_opts" | "interface_name" => self.errors.push(err(nk.pos, format!("services.{service}.networks.{}.{} is not simulated yet", k.text, nk.text), "leave it out")),
                        other => self.errors.push(err(nk.pos, format!("services.{service}.networks.{} Additional property {other} is not allowed", k.text), "use aliases, ipv4_address, priority or gw_priority")),
                    }
                }
                out.push(sn);
            }
        } else {
            for (n, p) in self.strings(node, "networks") {
                out.push(plain(n, p));
            }
        }
    }

    fn ports(&mut self, service: &str, node: &Node, out: &mut Vec<(PortBinding, Pos)>) {
        let Value::Seq(items) = &node.value else {
            if !node.is_null() {
                self.errors.push(err(
                    node.pos,
                    format!("services.{service}.ports must be a list"),
                    "e.g. ports: [\"8080:80\"]",
                ));
            }
            return;
        };
        for item in items {
            match &item.value {
                Value::Scalar { text, quoted } => {
                    if let Some(list) = self.cli(item.pos, cli::publish_value(text), *quoted) {
                        out.extend(list.into_iter().map(|b| (b, item.pos)));
                    }
                }
                Value::Map(_) => self.long_port(service, item, out),
                _ => self.errors.push(err(
                    item.pos,
                    "a port is a string like \"8080:80\" or a mapping with target/published",
                    "e.g. - \"8080:80\"",
                )),
            }
        }
    }

    /// The long syntax: `target`, `published` (a port or a range), `host_ip`, `protocol`,
    /// `mode`, `name`, `app_protocol`.
    fn long_port(&mut self, service: &str, item: &Node, out: &mut Vec<(PortBinding, Pos)>) {
        let mut target = None;
        let mut published = None;
        let mut host_ip = None;
        let mut proto = "tcp".to_string();
        for (k, v) in item.entries() {
            let text = v.scalar().unwrap_or_default().to_string();
            match k.text.as_str() {
                "target" => target = Some((text, v.pos)),
                "published" => published = Some(text),
                "host_ip" => host_ip = Some(text),
                "protocol" => proto = text,
                "mode" if text == "host" || text == "ingress" => {}
                "mode" => self.errors.push(err(
                    v.pos,
                    format!("port mode \"{text}\" is unknown"),
                    "use host or ingress",
                )),
                "name" | "app_protocol" => {}
                other => self.errors.push(err(
                    k.pos,
                    format!("services.{service}.ports Additional property {other} is not allowed"),
                    "use target, published, host_ip, protocol, mode, name, app_protocol",
                )),
            }
        }
        let Some((target, tpos)) = target else {
            self.errors.push(err(
                item.pos,
                format!("services.{service}.ports: target is required"),
                "e.g. target: 80",
            ));
            return;
        };
        let mut short = String::new();
        if let Some(ip) = &host_ip {
            short += &format!("{ip}:");
        }
        match &published {
            Some(p) if !p.is_empty() => short += &format!("{p}:"),
            _ if host_ip.is_some() => short += ":",
            _ => {}
        }
        short += &format!("{target}/{proto}");
        if let Some(list) = self.cli(tpos, cli::publish_value(&short), false) {
            out.extend(list.into_iter().map(|b| (b, item.pos)));
        }
    }
}
