//! Route tables: connected routes from addresses, static routes in `ip route` syntax,
//! longest-prefix match.

use crate::ids::IfaceId;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// What a route does with a matching packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteType {
    Unicast,
    /// Silently discarded.
    Blackhole,
    /// ICMP host unreachable to the sender (EHOSTUNREACH locally).
    Unreachable,
    /// ICMP administratively prohibited (EACCES locally).
    Prohibit,
}

/// One entry of the main table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub(crate) dst: Ipv4Net,
    pub(crate) via: Option<Ipv4Addr>,
    pub(crate) dev: Option<IfaceId>,
    pub(crate) src: Option<Ipv4Addr>,
    pub(crate) kind: RouteType,
    /// Added by the kernel for a configured address (`proto kernel scope link`).
    pub(crate) connected: bool,
}

/// A route in the text `ip route add` takes, before interface names are resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteText {
    pub dst: Ipv4Net,
    pub via: Option<Ipv4Addr>,
    pub dev: Option<String>,
    pub src: Option<Ipv4Addr>,
    pub kind: RouteType,
}

/// Why a route line could not be read; `token` is the offending word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RouteParseError {
    pub token: String,
    pub message: String,
}

fn err(token: &str, message: impl Into<String>) -> RouteParseError {
    RouteParseError {
        token: token.to_string(),
        message: message.into(),
    }
}

/// Parse `default via 10.0.0.1 [dev eth0] [src X]`, `10.1.0.0/16 dev eth1`, `blackhole 10.9.0.0/16`.
pub fn parse_route(text: &str) -> Result<RouteText, RouteParseError> {
    let mut words = text.split_whitespace().peekable();
    let mut kind = RouteType::Unicast;
    let first = words
        .next()
        .ok_or_else(|| err("", "empty route: write e.g. `default via 10.0.0.1`"))?;
    let dst_word = match first {
        "blackhole" | "unreachable" | "prohibit" => {
            kind = match first {
                "blackhole" => RouteType::Blackhole,
                "unreachable" => RouteType::Unreachable,
                _ => RouteType::Prohibit,
            };
            words.next().ok_or_else(|| {
                err(
                    first,
                    format!("`{first}` needs a prefix, e.g. `{first} 10.9.0.0/16`"),
                )
            })?
        }
        w => w,
    };
    let dst = parse_prefix(dst_word)?;
    let mut route = RouteText {
        dst,
        via: None,
        dev: None,
        src: None,
        kind,
    };
    while let Some(key) = words.next() {
        let value = words
            .next()
            .ok_or_else(|| err(key, format!("`{key}` needs a value")))?;
        match key {
            "via" => route.via = Some(parse_addr(value)?),
            "dev" => route.dev = Some(value.to_string()),
            "src" => route.src = Some(parse_addr(value)?),
            "proto" | "scope" | "metric" => {}
            other => {
                return Err(err(
                    other,
                    format!("unknown route keyword `{other}`: use via, dev or src"),
                ));
            }
        }
    }
    if route.kind == RouteType::Unicast && route.via.is_none() && route.dev.is_none() {
        return Err(err(dst_word, "a route needs `via GATEWAY` or `dev IFACE`"));
    }
    Ok(route)
}

fn parse_addr(w: &str) -> Result<Ipv4Addr, RouteParseError> {
    w.parse()
        .map_err(|_| err(w, format!("`{w}` is not an IPv4 address")))
}

fn parse_prefix(w: &str) -> Result<Ipv4Net, RouteParseError> {
    if w == "default" {
        return Ok(Ipv4Net::default());
    }
    let net = if w.contains('/') {
        w.parse::<Ipv4Net>()
            .map_err(|_| err(w, format!("`{w}` is not a prefix like 10.1.0.0/16")))?
    } else {
        Ipv4Net::new(parse_addr(w)?, 32).map_err(|_| err(w, "bad prefix"))?
    };
    if net.trunc() != net {
        return Err(err(
            w,
            format!("`{w}` has host bits set: did you mean {}?", net.trunc()),
        ));
    }
    Ok(net)
}

/// The main routing table of a namespace.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    pub(crate) routes: Vec<Route>,
}

impl RouteTable {
    /// Longest-prefix match; among equal prefixes the first added wins (metric 0 for all).
    pub fn lookup(&self, dst: Ipv4Addr) -> Option<&Route> {
        self.routes
            .iter()
            .filter(|r| r.dst.contains(&dst))
            .fold(None, |best: Option<&Route>, r| match best {
                Some(b) if b.dst.prefix_len() >= r.dst.prefix_len() => Some(b),
                _ => Some(r),
            })
    }

    pub fn add(&mut self, route: Route) {
        self.routes.push(route);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(dst: &str, dev: u32) -> Route {
        Route {
            dst: dst.parse().unwrap(),
            via: None,
            dev: Some(IfaceId(dev)),
            src: None,
            kind: RouteType::Unicast,
            connected: false,
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let mut t = RouteTable::default();
        t.add(r("0.0.0.0/0", 1));
        t.add(r("10.0.0.0/8", 2));
        t.add(r("10.1.0.0/16", 3));
        assert_eq!(
            t.lookup("10.1.2.3".parse().unwrap()).unwrap().dev,
            Some(IfaceId(3))
        );
        assert_eq!(
            t.lookup("10.2.2.3".parse().unwrap()).unwrap().dev,
            Some(IfaceId(2))
        );
        assert_eq!(
            t.lookup("8.8.8.8".parse().unwrap()).unwrap().dev,
            Some(IfaceId(1))
        );
        assert!(
            RouteTable::default()
                .lookup("8.8.8.8".parse().unwrap())
                .is_none()
        );
    }

    #[test]
    fn parses_ip_route_syntax() {
        let d = parse_route("default via 10.0.0.1").unwrap();
        assert_eq!(d.dst.prefix_len(), 0);
        assert_eq!(d.via, Some("10.0.0.1".parse().unwrap()));
        let c = parse_route("10.1.0.0/16 dev eth1 src 10.1.0.5").unwrap();
        assert_eq!(c.dev.as_deref(), Some("eth1"));
        assert_eq!(
            parse_route("blackhole 10.9.0.0/16").unwrap().kind,
            RouteType::Blackhole
        );
        assert_eq!(
            parse_route("10.1.0.0/16 vai 1.2.3.4").unwrap_err().token,
            "vai"
        );
        assert_eq!(
            parse_route("10.1.0.1/16 dev eth0").unwrap_err().token,
            "10.1.0.1/16"
        );
        assert!(parse_route("10.1.0.0/16").is_err());
        assert!(parse_route("").is_err());
    }
}
