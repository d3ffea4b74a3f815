//! The curated scenarios, compiled into the binary so the desktop and web builds list the
//! same lessons without touching the file system.

/// A bundled scenario: its path under `scenarios/` without `.ron` (or `.yaml` for a compose
/// file), and its text.
pub struct Bundled {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! bundle {
    ($($name:literal $(. $ext:ident)?),* $(,)?) => {
        &[$(Bundled { name: $name, text: bundle!(@text $name $($ext)?) }),*]
    };
    (@text $name:literal) => { include_str!(concat!("../scenarios/", $name, ".ron")) };
    (@text $name:literal $ext:ident) => {
        include_str!(concat!("../scenarios/", $name, ".", stringify!($ext)))
    };
}

/// Every file under `scenarios/` (a test checks none is missing). The picker lists them in
/// the course order of `docknet_view::course`, which a test there keeps complete.
pub const SCENARIOS: &[Bundled] = bundle![
    "default",
    "modes/bridge",
    "modes/container",
    "modes/host",
    "modes/none",
    "modes/user-defined",
    "nat/container-to-outside-snat",
    "host-access/desktop-mac-host-docker-internal",
    "host-access/linux-docker0-gateway",
    "host-access/linux-host-gateway",
    "host-access/linux-host-mode",
    "confusions/desktop-older-host-names",
    "confusions/host-service-bind-address",
    "confusions/lan-cannot-reach-container-address",
    "confusions/localhost-in-container",
    "confusions/network-connect-moves-the-gateway",
    "confusions/publish-all-picks-host-ports",
    "confusions/host-mode-port-clash",
    "confusions/published-port-from-the-host",
    "confusions/published-port-without-userland-proxy",
    "confusions/published-ports-bypass-firewall",
    "confusions/udp-published-port-from-a-container",
    "kernel/bridge-three",
    "kernel/bridge-loop",
    "kernel/dnat-port-forward",
    "kernel/firewall-established",
    "kernel/router-masquerade",
    "kernel/veth-pair",
    "conformance/hairpin-nat",
    "conformance/masquerade-port-collision",
    "conformance/publish-localhost",
    "conformance/reject",
    "conformance/tcp-options",
    "conformance/ttl-expiry",
    "conformance/two-published-ports",
    "conformance/udp-port-unreachable",
    "conformance/udp-reply",
    "compose/shop".yaml,
    "compose/tiers".yaml,
    "compose/proxy-replicas".yaml,
    "exercises/compose-worker-fix",
    "exercises/desktop-host-internal",
    "exercises/dnat-published-port",
    "exercises/docker-user-firewall",
    "exercises/hairpin",
    "exercises/host-mode",
    "exercises/host-via-gateway",
    "exercises/internal-network",
    "exercises/isolation-fix",
    "exercises/masquerade-out",
    "exercises/publish-fix",
    "exercises/user-defined-dns",
    "exercises/host-bind-address",
    "exercises/lan-direct-access",
    "exercises/localhost-in-container",
    "exercises/network-connect",
];

/// The scenario the app opens without arguments.
pub const DEFAULT: &str = "default";

/// Lessons that were renamed or merged, so old links and scripts still open them.
const RENAMED: &[(&str, &str)] = &[("nat/outside-to-container-dnat", "default")];

pub fn find(name: &str) -> Option<&'static Bundled> {
    let name = name.trim_end_matches(".ron").trim_end_matches(".yaml");
    let name = name.strip_prefix("scenarios/").unwrap_or(name);
    let name = RENAMED
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| *new);
    SCENARIOS.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_file_is_bundled_and_opens() {
        let mut on_disk = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios"
        ))];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "ron" || x == "yaml") {
                    let rel = p
                        .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/"))
                        .unwrap();
                    on_disk.push(rel.with_extension("").display().to_string());
                }
            }
        }
        on_disk.sort();
        let mut bundled: Vec<String> = SCENARIOS.iter().map(|b| b.name.to_string()).collect();
        bundled.sort();
        assert_eq!(
            bundled, on_disk,
            "add new scenario files to SCENARIOS in src/bundled.rs"
        );
        for b in SCENARIOS {
            if docknet_view::exercise::is_exercise(b.text) {
                docknet_view::exercise::Exercise::parse(b.name, b.text)
                    .unwrap_or_else(|e| panic!("{}: {e}", b.name));
            } else {
                docknet_view::Document::load(b.name, b.text)
                    .unwrap_or_else(|e| panic!("{}: {e}", b.name));
            }
        }
        assert_eq!(
            find("scenarios/modes/bridge.ron").unwrap().name,
            "modes/bridge"
        );
        assert_eq!(
            find("nat/outside-to-container-dnat").unwrap().name,
            "default"
        );
        for (_, entry) in docknet_view::course::entries() {
            assert!(find(entry.name).is_some(), "{} is not bundled", entry.name);
        }
    }
}
