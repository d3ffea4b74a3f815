//! What a real dockerd draws at random, made comparable: `br-<id>` bridge names become
//! `br-<network name>`, the embedded DNS's ports become `PORT`, packet counters are zeroed,
//! interface indexes, qdiscs and IPv6 lines (docknet models IPv4) are left out of `ip addr`.
//! Order is kept: iptables-save order is what the kernel evaluates.

/// `iptables-save` text as comparable lines. `bridges` maps each side's bridge names to the
/// network's name.
pub fn iptables_save(text: &str, bridges: &[(String, String)]) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut l = zero_counters(l);
            for (bridge, network) in bridges {
                l = replace_word(&l, bridge, &format!("br-{network}"));
            }
            // The embedded DNS's DNAT and SNAT rules name the resolver's random ports.
            if l.contains("127.0.0.11") {
                l = digits_after(&l, "127.0.0.11:", "PORT");
                l = digits_after(&l, "--sport ", "PORT");
            }
            l.trim_end().to_string()
        })
        .collect()
}

/// `:CHAIN POLICY [packets:bytes]` -> `[0:0]`.
fn zero_counters(line: &str) -> String {
    if line.starts_with(':')
        && let Some(open) = line.rfind(" [")
        && line.ends_with(']')
    {
        return format!("{} [0:0]", &line[..open]);
    }
    line.to_string()
}

/// Replace `word` where it is not part of a longer name.
fn replace_word(line: &str, word: &str, with: &str) -> String {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::new();
    let mut last = 0;
    for (i, _) in line.match_indices(word) {
        let end = i + word.len();
        let alone = !line[..i].ends_with(name_char) && !line[end..].starts_with(name_char);
        if alone && i >= last {
            out.push_str(&line[last..i]);
            out.push_str(with);
            last = end;
        }
    }
    out.push_str(&line[last..]);
    out
}

/// Replace the run of digits that follows each `needle` with `with`.
fn digits_after(line: &str, needle: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(needle) {
        out.push_str(&rest[..i + needle.len()]);
        rest = &rest[i + needle.len()..];
        let n = rest.chars().take_while(char::is_ascii_digit).count();
        if n > 0 {
            out.push_str(with);
            rest = &rest[n..];
        }
    }
    out.push_str(rest);
    out
}

/// `ip addr` as one line per interface (name, flags, MTU, state), its MAC and its IPv4
/// addresses. `random_macs` lists interfaces whose MAC the engine draws at random.
pub fn ip_addr(text: &str, random_mac: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut iface = String::new();
    for line in text.lines() {
        let t = line.trim();
        if !line.starts_with(' ') {
            // `5: eth0@if6: <FLAGS> mtu 1500 qdisc noqueue state UP group default qlen 1000`
            let mut words = t.split_whitespace();
            let _index = words.next();
            let name = words.next().unwrap_or("").trim_end_matches(':');
            iface = name.split('@').next().unwrap_or(name).to_string();
            let words: Vec<&str> = words.collect();
            let flags = words.first().copied().unwrap_or("");
            let field = |key: &str| {
                words
                    .iter()
                    .position(|w| *w == key)
                    .and_then(|i| words.get(i + 1))
                    .copied()
                    .unwrap_or("?")
            };
            out.push(format!(
                "{iface} {flags} mtu {} state {}",
                field("mtu"),
                field("state")
            ));
        } else if let Some(rest) = t.strip_prefix("link/ether ") {
            let mac = rest.split_whitespace().next().unwrap_or("");
            let mac = if random_mac(&iface) { "(random)" } else { mac };
            out.push(format!("  link/ether {mac}"));
        } else if t.starts_with("link/") {
            out.push(format!("  {}", t.split_whitespace().next().unwrap_or("")));
        } else if t.starts_with("inet ") {
            out.push(format!("  {t}"));
        }
    }
    out
}

/// `ip route` lines (a route to a bridge without ports says `linkdown` there, and docknet's
/// bridges have no carrier state).
pub fn ip_route(text: &str, bridges: &[(String, String)]) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut l = l.replace(" linkdown", "");
            for (bridge, network) in bridges {
                l = replace_word(&l, bridge, &format!("br-{network}"));
            }
            l.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridge_ids_dns_ports_and_counters_are_normalised() {
        let text = "# Generated by iptables-save\n*nat\n:PREROUTING ACCEPT [12:720]\n\
            -A POSTROUTING -s 172.18.0.0/16 ! -o br-0123456789ab -j MASQUERADE\n\
            -A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:45873\n\
            -A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 45873 -j SNAT --to-source :53\n\
            -A DOCKER-USER -p tcp -m tcp --sport 8080 -j ACCEPT\n\
            -A X -i br-0123456789abcd -j RETURN\n";
        let lines = iptables_save(text, &[("br-0123456789ab".into(), "appnet".into())]);
        assert_eq!(
            lines,
            [
                "*nat",
                ":PREROUTING ACCEPT [0:0]",
                "-A POSTROUTING -s 172.18.0.0/16 ! -o br-appnet -j MASQUERADE",
                "-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:PORT",
                "-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport PORT -j SNAT --to-source :53",
                "-A DOCKER-USER -p tcp -m tcp --sport 8080 -j ACCEPT",
                "-A X -i br-0123456789abcd -j RETURN",
            ]
        );
    }

    #[test]
    fn ip_addr_keeps_names_flags_macs_and_ipv4() {
        let text = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host
       valid_lft forever preferred_lft forever
5: eth0@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default
    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff link-netns dkn-try
    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0
       valid_lft forever preferred_lft forever
";
        assert_eq!(
            ip_addr(text, |i| i == "eth0"),
            [
                "lo <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN",
                "  link/loopback",
                "  inet 127.0.0.1/8 scope host lo",
                "eth0 <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP",
                "  link/ether (random)",
                "  inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0",
            ]
        );
    }
}
