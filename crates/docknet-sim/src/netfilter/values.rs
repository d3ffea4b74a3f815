//! Parsers for option values (addresses, ports, state lists...). Each returns a message
//! saying what is expected when the value is malformed.

use super::rule::{AddrType, AddrTypes, CtState, CtStates, NatRange, PortRange, RejectWith};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Longest interface name the kernel accepts (IFNAMSIZ - 1).
pub(crate) const IFNAMSIZ_MAX: usize = 15;

/// `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d/m.m.m.m`; host bits are masked off.
pub(crate) fn parse_net(s: &str) -> Result<Ipv4Net, String> {
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let addr: Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("`{s}` is not an IPv4 address or network: write it like 172.17.0.0/16 (host names are not resolved)"))?;
    let len = match mask {
        None => 32,
        Some(m) => {
            if let Ok(len) = m.parse::<u8>() {
                if len > 32 {
                    return Err(format!("prefix length `{m}` is too big: use 0 to 32"));
                }
                len
            } else if let Ok(mask) = m.parse::<Ipv4Addr>() {
                let bits = u32::from(mask);
                if bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return Err(format!(
                        "netmask `{m}` is not contiguous: use a prefix length like /24"
                    ));
                }
                bits.leading_ones() as u8
            } else {
                return Err(format!(
                    "`{m}` is not a prefix length or netmask: use e.g. /24 or /255.255.255.0"
                ));
            }
        }
    };
    Ipv4Net::new(addr, len)
        .map(|n| n.trunc())
        .map_err(|_| format!("invalid network `{s}`"))
}

pub(crate) fn parse_iface(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err(
            "empty interface name: give a name like eth0, or eth+ for every eth interface".into(),
        );
    }
    if s.chars().count() > IFNAMSIZ_MAX {
        return Err(format!(
            "interface name `{s}` is longer than {IFNAMSIZ_MAX} characters"
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c == '/' || c == ':') {
        return Err(format!("`{s}` is not a valid interface name"));
    }
    if s.contains('"') {
        // The kernel would take it, but iptables-save prints it bare: it would not read back.
        return Err(format!(
            "interface name `{s}` has a double quote: iptables-save could not print it back"
        ));
    }
    Ok(s.to_string())
}

/// Parses an integer the way strtoul(.., 0) does: `0x` hex, leading `0` octal, else decimal.
pub(crate) fn parse_u32_any_base(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// `value[/mask]` (mask defaults to all ones).
pub(crate) fn parse_mark(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not a mark: write value[/mask], e.g. 0x1 or 0x1/0xff");
    match s.split_once('/') {
        Some((v, m)) => Ok((
            parse_u32_any_base(v).ok_or_else(bad)?,
            parse_u32_any_base(m).ok_or_else(bad)?,
        )),
        None => Ok((parse_u32_any_base(s).ok_or_else(bad)?, u32::MAX)),
    }
}

const SERVICES: &[(&str, u16)] = &[
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("http", 80),
    ("ntp", 123),
    ("https", 443),
];

pub(crate) fn parse_port(s: &str) -> Result<u16, String> {
    if let Ok(p) = s.parse::<u16>() {
        return Ok(p);
    }
    SERVICES
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, p)| *p)
        .ok_or_else(|| format!("`{s}` is not a port: use a number from 0 to 65535"))
}

/// `80`, `1000:2000`, `:1000` (from 0) or `1000:` (to 65535).
pub(crate) fn parse_port_range(s: &str) -> Result<PortRange, String> {
    let (lo, hi) = match s.split_once(':') {
        None => {
            let p = parse_port(s)?;
            (p, p)
        }
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { parse_port(a)? };
            let hi = if b.is_empty() {
                u16::MAX
            } else {
                parse_port(b)?
            };
            (lo, hi)
        }
    };
    if lo > hi {
        return Err(format!("port range `{s}` has min > max: write it low:high"));
    }
    Ok(PortRange { lo, hi })
}

/// `-m multiport` list: up to 15 ports, a range counting as two.
pub(crate) fn parse_port_list(s: &str) -> Result<Vec<PortRange>, String> {
    let mut out = Vec::new();
    let mut slots = 0;
    for part in s.split(',') {
        let r = parse_port_range(part)?;
        slots += if r.lo == r.hi { 1 } else { 2 };
        out.push(r);
    }
    if slots > 15 {
        return Err(format!(
            "too many ports in `{s}`: multiport takes at most 15 (a range counts as 2)"
        ));
    }
    Ok(out)
}

/// `a` or `a-b` for `--to-ports` and the port part of NAT ranges.
pub(crate) fn parse_port_span(s: &str) -> Result<(u16, u16), String> {
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (parse_port(a)?, parse_port(b)?),
        None => {
            let p = parse_port(s)?;
            (p, p)
        }
    };
    if lo > hi {
        return Err(format!("port range `{s}` has min > max: write it low-high"));
    }
    Ok((lo, hi))
}

/// `1.2.3.4`, `1.2.3.4:80`, `:53`, `1.2.3.4:1000-2000`.
pub(crate) fn parse_nat_range(s: &str) -> Result<NatRange, String> {
    let (addr, ports) = match s.split_once(':') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr =
        if addr.is_empty() {
            None
        } else if addr.contains('-') {
            return Err(format!(
                "address ranges like `{addr}` are not supported by docknet: give one address"
            ));
        } else {
            Some(addr.parse::<Ipv4Addr>().map_err(|_| {
                format!("`{addr}` is not an IPv4 address: write e.g. 172.17.0.2:80")
            })?)
        };
    let ports = ports.map(parse_port_span).transpose()?;
    if addr.is_none() && ports.is_none() {
        return Err(format!(
            "`{s}` gives neither an address nor a port: write e.g. 172.17.0.2:80 or :53"
        ));
    }
    Ok(NatRange { addr, ports })
}

pub(crate) fn parse_states(s: &str) -> Result<CtStates, String> {
    let mut set = CtStates::default();
    for part in s.split(',') {
        let st = CtState::PRINT_ORDER
            .into_iter()
            .find(|st| st.name().eq_ignore_ascii_case(part))
            .ok_or_else(|| format!("unknown conntrack state `{part}`: use INVALID, NEW, RELATED, ESTABLISHED or UNTRACKED"))?;
        set.insert(st);
    }
    Ok(set)
}

pub(crate) fn parse_addr_types(s: &str) -> Result<AddrTypes, String> {
    let mut set = AddrTypes::default();
    for part in s.split(',') {
        let t = AddrType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(part))
            .ok_or_else(|| {
                let names: Vec<&str> = AddrType::ALL.iter().map(|t| t.name()).collect();
                format!("unknown address type `{part}`: use {}", names.join(", "))
            })?;
        set.insert(t);
    }
    Ok(set)
}

/// `SYN,ACK`, `ALL` or `NONE`.
pub(crate) fn parse_tcp_flags(s: &str) -> Result<u8, String> {
    let mut v = 0u8;
    for part in s.split(',') {
        v |= match part.to_ascii_uppercase().as_str() {
            "FIN" => 0x01,
            "SYN" => 0x02,
            "RST" => 0x04,
            "PSH" => 0x08,
            "ACK" => 0x10,
            "URG" => 0x20,
            "ALL" => 0x3f,
            "NONE" => 0,
            _ => {
                return Err(format!(
                    "unknown TCP flag `{part}`: use FIN, SYN, RST, PSH, ACK, URG, ALL or NONE"
                ));
            }
        };
    }
    Ok(v)
}

/// ICMP type names iptables knows: (name, type, Some(code) or None for any code).
const ICMP_TYPES: &[(&str, u8, Option<u8>)] = &[
    ("any", 255, None),
    ("echo-reply", 0, None),
    ("pong", 0, None),
    ("destination-unreachable", 3, None),
    ("network-unreachable", 3, Some(0)),
    ("host-unreachable", 3, Some(1)),
    ("protocol-unreachable", 3, Some(2)),
    ("port-unreachable", 3, Some(3)),
    ("fragmentation-needed", 3, Some(4)),
    ("source-route-failed", 3, Some(5)),
    ("network-unknown", 3, Some(6)),
    ("host-unknown", 3, Some(7)),
    ("network-prohibited", 3, Some(9)),
    ("host-prohibited", 3, Some(10)),
    ("TOS-network-unreachable", 3, Some(11)),
    ("TOS-host-unreachable", 3, Some(12)),
    ("communication-prohibited", 3, Some(13)),
    ("host-precedence-violation", 3, Some(14)),
    ("precedence-cutoff", 3, Some(15)),
    ("source-quench", 4, None),
    ("redirect", 5, None),
    ("network-redirect", 5, Some(0)),
    ("host-redirect", 5, Some(1)),
    ("TOS-network-redirect", 5, Some(2)),
    ("TOS-host-redirect", 5, Some(3)),
    ("echo-request", 8, None),
    ("ping", 8, None),
    ("router-advertisement", 9, None),
    ("router-solicitation", 10, None),
    ("time-exceeded", 11, None),
    ("ttl-exceeded", 11, None),
    ("ttl-zero-during-transit", 11, Some(0)),
    ("ttl-zero-during-reassembly", 11, Some(1)),
    ("parameter-problem", 12, None),
    ("ip-header-bad", 12, Some(0)),
    ("required-option-missing", 12, Some(1)),
    ("timestamp-request", 13, None),
    ("timestamp-reply", 14, None),
    ("address-mask-request", 17, None),
    ("address-mask-reply", 18, None),
];

/// `echo-request`, `8`, `3/4` or `any` (type 255).
pub(crate) fn parse_icmp_type(s: &str) -> Result<(u8, Option<u8>), String> {
    if let Some((_, t, c)) = ICMP_TYPES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(s))
    {
        return Ok((*t, *c));
    }
    let bad = || {
        format!(
            "unknown ICMP type `{s}`: use a name like echo-request, a number like 8, or type/code like 3/4"
        )
    };
    match s.split_once('/') {
        Some((t, c)) => Ok((
            t.parse().map_err(|_| bad())?,
            Some(c.parse().map_err(|_| bad())?),
        )),
        None => Ok((s.parse().map_err(|_| bad())?, None)),
    }
}

pub(crate) fn parse_reject_with(s: &str) -> Result<RejectWith, String> {
    RejectWith::ALL
        .into_iter()
        .find(|r| r.name() == s || r.alias() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = RejectWith::ALL.iter().map(|r| r.name()).collect();
            format!(
                "unknown --reject-with `{s}`: use one of {}",
                names.join(", ")
            )
        })
}

/// `0`..`7` or a syslog level name.
pub(crate) fn parse_log_level(s: &str) -> Result<u8, String> {
    const NAMES: [(&str, u8); 11] = [
        ("emerg", 0),
        ("panic", 0),
        ("alert", 1),
        ("crit", 2),
        ("err", 3),
        ("error", 3),
        ("warning", 4),
        ("warn", 4),
        ("notice", 5),
        ("info", 6),
        ("debug", 7),
    ];
    if let Ok(n) = s.parse::<u8>()
        && n <= 7
    {
        return Ok(n);
    }
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, l)| *l)
        .ok_or_else(|| format!("unknown log level `{s}`: use 0-7 or emerg, alert, crit, error, warning, notice, info, debug"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nets() {
        assert_eq!(
            parse_net("10.1.2.3/8").map(|n| n.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!(
            parse_net("10.0.0.1").map(|n| n.to_string()),
            Ok("10.0.0.1/32".into())
        );
        assert_eq!(
            parse_net("10.0.0.0/255.255.0.0").map(|n| n.to_string()),
            Ok("10.0.0.0/16".into())
        );
        assert!(parse_net("10.0.0.0/255.0.255.0").is_err());
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("example.com").is_err());
    }

    #[test]
    fn ports_and_marks() {
        assert_eq!(parse_port_range(":1000"), Ok(PortRange { lo: 0, hi: 1000 }));
        assert_eq!(
            parse_port_range("1000:"),
            Ok(PortRange {
                lo: 1000,
                hi: 65535
            })
        );
        assert!(parse_port_range("2:1").is_err());
        assert!(parse_port_range("70000").is_err());
        assert_eq!(parse_mark("0x10/0xff"), Ok((16, 255)));
        assert_eq!(parse_mark("010"), Ok((8, u32::MAX)));
        assert_eq!(
            parse_nat_range(":53"),
            Ok(NatRange {
                addr: None,
                ports: Some((53, 53))
            })
        );
        assert!(parse_nat_range("").is_err());
        assert!(parse_port_list("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16").is_err());
    }
}
