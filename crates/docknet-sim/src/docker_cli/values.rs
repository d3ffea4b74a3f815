//! Parsers for flag values: addresses, subnets, ports, names, key=value pairs.

use super::*;

pub(super) fn is_ipv6(s: &str) -> bool {
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<Ipv6Addr>()
        .is_ok()
}

pub(super) fn parse_ipv4(t: &Tok, what: &str) -> Result<Ipv4Addr, CliError> {
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
pub(super) fn parse_cidr4(t: &Tok, what: &str, strict: bool) -> Result<Ipv4Net, CliError> {
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

pub(super) fn parse_port(t: &Tok, what: &str) -> Result<u16, CliError> {
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

pub(super) fn parse_port_range(t: &Tok, what: &str) -> Result<(u16, u16), CliError> {
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

pub(super) fn parse_proto(t: &Tok) -> Result<PortProto, CliError> {
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
pub(super) fn parse_publish(v: &Tok) -> Result<Vec<PortBinding>, CliError> {
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
pub(super) fn parse_expose(v: &Tok) -> Result<Vec<(u16, PortProto)>, CliError> {
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

pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

pub(super) fn container_name(v: &Tok) -> Result<String, CliError> {
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

pub(super) fn network_name(v: &Tok) -> Result<String, CliError> {
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

pub(super) fn host_name(v: &Tok, what: &str) -> Result<String, CliError> {
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

pub(super) fn network_mode(v: &Tok) -> Result<NetworkMode, CliError> {
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
pub(super) fn sysctl_setting(v: &Tok) -> Result<(String, i64), CliError> {
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

pub(super) fn add_host(v: &Tok) -> Result<(String, HostAddr), CliError> {
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

pub(super) fn check_image(v: &Tok) -> Result<(), CliError> {
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

pub(super) fn key_value(v: &Tok, what: &str, value_required: bool) -> Result<(Tok, Tok), CliError> {
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

pub(super) fn check_pool_size(at: &Tok, base: Ipv4Net, size: u8) -> Result<(), CliError> {
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
pub(super) fn parse_pool(v: &Tok) -> Result<(Ipv4Net, u8), CliError> {
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

/// `--gw-priority`: a signed integer (pflag's int); higher wins the default gateway.
pub(super) fn parse_gw_priority(t: &Tok) -> Result<i64, CliError> {
    t.text.parse::<i64>().map_err(|_| {
        err(
            t,
            format!(
                "invalid argument \"{}\" for \"--gw-priority\" flag: strconv.ParseInt: parsing \"{}\": invalid syntax",
                t.text, t.text
            ),
            "give an integer such as 10 (the network with the highest priority gives the default route)",
        )
    })
}
