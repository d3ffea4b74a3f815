//! The lesson picker's course: every shipped lesson and exercise in a suggested order, under
//! headings, each with one sentence saying what it teaches. The kernel checks (scenarios the
//! simulator is compared with the real kernel on) come last, under a heading of their own:
//! they are not lessons.

/// One entry of the picker: a scenario's name under `scenarios/` (without `.ron` or `.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    /// What it teaches, in one sentence.
    pub teaches: &'static str,
}

/// A heading and the entries under it, in course order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: &'static str,
    pub entries: &'static [Entry],
}

/// The heading of the scenarios that check the simulator against the kernel.
pub const KERNEL_CHECKS: &str = "Kernel checks (not lessons)";

const fn e(name: &'static str, teaches: &'static str) -> Entry {
    Entry { name, teaches }
}

/// The suggested course, first lesson first.
pub const COURSE: &[Section] = &[
    Section {
        heading: "1. Start here",
        entries: &[
            e(
                "default",
                "How a published port carries a laptop's request to a container and back: DNAT in, un-DNAT out.",
            ),
            e(
                "exercises/dnat-published-port",
                "Exercise: predict the addresses and the DNAT rule of a published port.",
            ),
        ],
    },
    Section {
        heading: "2. Network modes",
        entries: &[
            e(
                "modes/none",
                "What --network none leaves a container: only its loopback.",
            ),
            e(
                "modes/bridge",
                "The default bridge: containers reach each other by address but not by name.",
            ),
            e(
                "modes/user-defined",
                "User-defined networks: names through the embedded DNS, and isolation from other networks.",
            ),
            e(
                "exercises/user-defined-dns",
                "Exercise: where a container's DNS query goes and which names resolve.",
            ),
            e(
                "modes/host",
                "--network host: the container uses the host's own network stack, without NAT.",
            ),
            e(
                "exercises/host-mode",
                "Exercise: what a host-mode container's packets look like on the host's loopback.",
            ),
            e(
                "modes/container",
                "--network container: two containers sharing one network namespace.",
            ),
            e(
                "exercises/internal-network",
                "Exercise: an --internal network has no way out but still connects its members.",
            ),
        ],
    },
    Section {
        heading: "3. Leaving the host, publishing ports",
        entries: &[
            e(
                "nat/container-to-outside-snat",
                "How a container's traffic leaves the host as the host's address (MASQUERADE).",
            ),
            e(
                "exercises/masquerade-out",
                "Exercise: the source address a server sees and the rule that rewrites it.",
            ),
            e(
                "exercises/publish-fix",
                "Exercise: publish a port so the laptop reaches nginx.",
            ),
            e(
                "confusions/publish-all-picks-host-ports",
                "-P publishes on host ports Docker picks, not on the container's port numbers.",
            ),
            e(
                "confusions/host-mode-port-clash",
                "Two --network host containers cannot both listen on one port: the second exits.",
            ),
            e(
                "confusions/published-port-from-the-host",
                "The host's own connections to a published port go through docker-proxy, the LAN's through DNAT.",
            ),
            e(
                "confusions/published-port-without-userland-proxy",
                "With --userland-proxy=false the host's connections are NATed in nat OUTPUT instead.",
            ),
            e(
                "exercises/hairpin",
                "Exercise: a container calling its own published port, with docker-proxy on or off.",
            ),
            e(
                "confusions/udp-published-port-from-a-container",
                "Why a container gets no UDP answer through docker-proxy's published port.",
            ),
            e(
                "confusions/lan-cannot-reach-container-address",
                "Why a LAN machine cannot use a container's 172.17.0.x address, and what -p does instead.",
            ),
            e(
                "exercises/lan-direct-access",
                "Exercise: a LAN route to a container's address, on Engine 27 and 28.",
            ),
            e(
                "confusions/network-connect-moves-the-gateway",
                "docker network connect can move a container's default route and published ports.",
            ),
            e(
                "exercises/network-connect",
                "Exercise: where a published port leads after docker network connect.",
            ),
        ],
    },
    Section {
        heading: "4. Firewalls",
        entries: &[
            e(
                "confusions/published-ports-bypass-firewall",
                "Why an INPUT rule does not protect published ports and DOCKER-USER must name the container's port.",
            ),
            e(
                "exercises/docker-user-firewall",
                "Exercise: block one client of a published port with DOCKER-USER.",
            ),
            e(
                "exercises/isolation-fix",
                "Exercise: keep a container away from a database on a network it should not be on.",
            ),
        ],
    },
    Section {
        heading: "5. Reaching the host from a container",
        entries: &[
            e(
                "confusions/localhost-in-container",
                "127.0.0.1 inside a container is the container itself, not the host.",
            ),
            e(
                "exercises/localhost-in-container",
                "Exercise: what 127.0.0.1 and docker0's address reach from a container.",
            ),
            e(
                "host-access/linux-docker0-gateway",
                "Reaching a host service from a container through docker0's address, 172.17.0.1.",
            ),
            e(
                "exercises/host-via-gateway",
                "Exercise: a container reaching a host service through docker0's address.",
            ),
            e(
                "confusions/host-service-bind-address",
                "A host service bound to 127.0.0.1 is out of the containers' reach; bound to 0.0.0.0 it is not.",
            ),
            e(
                "exercises/host-bind-address",
                "Exercise: which host services a container can reach, by their bind address.",
            ),
            e(
                "host-access/linux-host-gateway",
                "host.docker.internal on Linux exists only with --add-host host.docker.internal:host-gateway.",
            ),
            e(
                "host-access/linux-host-mode",
                "With --network host, the container reaches host services on 127.0.0.1.",
            ),
            e(
                "host-access/desktop-mac-host-docker-internal",
                "Docker Desktop: host.docker.internal leads from the Linux VM back to the Mac.",
            ),
            e(
                "exercises/desktop-host-internal",
                "Exercise: host.docker.internal on Docker Desktop, release by release.",
            ),
            e(
                "confusions/desktop-older-host-names",
                "Old Docker for Mac names for the host (docker.for.mac.host.internal) and when they work.",
            ),
        ],
    },
    Section {
        heading: "6. Under the hood: the Linux kernel",
        entries: &[
            e(
                "kernel/veth-pair",
                "Two namespaces on a veth pair: ARP, ping and a TCP exchange.",
            ),
            e(
                "kernel/bridge-three",
                "A Linux bridge floods unknown destinations and learns where each MAC lives.",
            ),
            e(
                "kernel/bridge-loop",
                "Two bridges joined twice and no STP: a broadcast storm, until the simulator stops it.",
            ),
            e(
                "kernel/router-masquerade",
                "A router masquerades a private network and conntrack undoes it on replies.",
            ),
            e(
                "kernel/dnat-port-forward",
                "A port forward by hand: the DNAT rule Docker writes for -p, without Docker.",
            ),
            e(
                "kernel/firewall-established",
                "A FORWARD policy of DROP with a rule that lets replies back in.",
            ),
        ],
    },
    Section {
        heading: "7. Your own compose file",
        entries: &[
            e(
                "compose/shop",
                "A compose.yaml as it is: web, database and cache on the project's default network, found by service name.",
            ),
            e(
                "compose/tiers",
                "Frontend and backend networks in Compose: only the service on both reaches the database.",
            ),
            e(
                "compose/proxy-replicas",
                "One published port in front of two replicas: the embedded DNS answers the service name with both.",
            ),
            e(
                "exercises/compose-worker-fix",
                "Exercise: a worker on the wrong Compose network cannot resolve the database; fix it.",
            ),
        ],
    },
    Section {
        heading: KERNEL_CHECKS,
        entries: &[
            e(
                "conformance/hairpin-nat",
                "Hairpin NAT with the userland proxy off, checked against the kernel.",
            ),
            e(
                "conformance/masquerade-port-collision",
                "MASQUERADE giving the second of two clients with the same source port another port.",
            ),
            e(
                "conformance/publish-localhost",
                "A port published on 127.0.0.1 without docker-proxy: the host reaches it, the LAN does not.",
            ),
            e(
                "conformance/reject",
                "A router rejecting SSH with a TCP reset and UDP with ICMP port unreachable.",
            ),
            e(
                "conformance/tcp-options",
                "TCP options (MSS, SACK, timestamps, window scale) as the kernel sets them.",
            ),
            e(
                "conformance/ttl-expiry",
                "Pings with TTL 1, 2 and 3 dying at successive routers, each answering time exceeded.",
            ),
            e(
                "conformance/two-published-ports",
                "Two published ports of one container, each with its own DNAT rule.",
            ),
            e(
                "conformance/udp-port-unreachable",
                "UDP to a closed port: ICMP port unreachable comes back through the router as RELATED.",
            ),
            e(
                "conformance/udp-reply",
                "UDP datagrams and their answers through a masquerading router's conntrack.",
            ),
        ],
    },
];

/// Every entry in course order, with its section's heading.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static Entry)> {
    COURSE
        .iter()
        .flat_map(|s| s.entries.iter().map(move |e| (s.heading, e)))
}

/// The entry for a scenario name, if the course lists it.
pub fn find(name: &str) -> Option<&'static Entry> {
    entries().map(|(_, e)| e).find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn scenario_names() -> Vec<String> {
        let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios"));
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "ron" || x == "yaml") {
                    let rel: &Path = p.strip_prefix(&root).unwrap();
                    out.push(rel.with_extension("").to_string_lossy().replace('\\', "/"));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn the_course_lists_every_scenario_file_once() {
        let mut listed: Vec<String> = entries().map(|(_, e)| e.name.to_string()).collect();
        let count = listed.len();
        listed.sort();
        listed.dedup();
        assert_eq!(listed.len(), count, "a scenario is listed twice");
        assert_eq!(
            listed,
            scenario_names(),
            "add new scenario files to COURSE in crates/docknet-view/src/course.rs"
        );
        assert_eq!(find("default").map(|e| e.name), Some("default"));
    }

    #[test]
    fn kernel_checks_are_apart_and_last() {
        for (heading, e) in entries() {
            assert_eq!(
                e.name.starts_with("conformance/"),
                heading == KERNEL_CHECKS,
                "{}",
                e.name
            );
        }
        assert_eq!(COURSE.last().map(|s| s.heading), Some(KERNEL_CHECKS));
        assert_eq!(
            COURSE[0].entries[0].name, "default",
            "the app opens it first"
        );
    }

    #[test]
    fn every_entry_says_what_it_teaches_in_one_sentence() {
        for (_, e) in entries() {
            let t = e.teaches;
            assert!(
                t.ends_with('.') && !t.trim_end_matches('.').contains(". ") && t.len() <= 120,
                "{}: one sentence, at most 120 characters: {t:?}",
                e.name
            );
            assert_eq!(
                e.name.starts_with("exercises/"),
                t.starts_with("Exercise: "),
                "{}",
                e.name
            );
        }
    }
}
