//! Typed requests built from the parsed flags of each command.

use super::*;

pub(super) fn build_run(toks: &[Tok], end: usize) -> Result<RunSpec, CliError> {
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

pub(super) const KNOWN_OPTS: &[&str] = &[
    "com.docker.network.bridge.name",
    "com.docker.network.bridge.enable_icc",
    "com.docker.network.bridge.enable_ip_masquerade",
    "com.docker.network.bridge.host_binding_ipv4",
    "com.docker.network.bridge.gateway_mode_ipv4",
    "com.docker.network.driver.mtu",
    "com.docker.network.host_ipv4",
];

pub(super) fn apply_opt(nc: &mut NetworkCreate, v: &Tok) -> Result<(), CliError> {
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

pub(super) fn build_network_create(toks: &[Tok], end: usize) -> Result<NetworkCreate, CliError> {
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

pub(super) fn non_empty(t: &Tok, what: &str) -> Result<String, CliError> {
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

pub(super) fn build_connect(toks: &[Tok], end: usize) -> Result<NetworkConnect, CliError> {
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
        gw_priority: 0,
    };
    for o in &occs {
        match o.long {
            "alias" => nc.aliases.push(host_name(&o.value, "alias")?),
            "ip" => nc.ip = Some(parse_ipv4(&o.value, "--ip")?),
            "gw-priority" => nc.gw_priority = parse_gw_priority(&o.value)?,
            _ => {}
        }
    }
    Ok(nc)
}

pub(super) fn build_disconnect(toks: &[Tok], end: usize) -> Result<DockerCommand, CliError> {
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
pub(super) fn signal_stops(signal: &str) -> bool {
    let s = signal.to_ascii_uppercase();
    let name = s.strip_prefix("SIG").unwrap_or(&s);
    matches!(
        name,
        "KILL" | "9" | "TERM" | "15" | "INT" | "2" | "QUIT" | "3"
    )
}

pub(super) fn build_lifecycle(
    verb: &str,
    toks: &[Tok],
    end: usize,
) -> Result<DockerCommand, CliError> {
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
