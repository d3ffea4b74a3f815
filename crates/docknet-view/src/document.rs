//! The open scenario: what the learner loaded plus the edits made since (console `docker ...`
//! commands, injected traffic, a quick switch of network mode or platform). The document is
//! the single source of truth: every edit rebuilds the simulation from it and replays, so what
//! is shown is always what the model computes for the edited scenario.

use docknet_sim::Sim;
use docknet_sim::docker::scenario::{MacVm, Platform};
use docknet_sim::docker::{self, DockerScenario, Inventory};
use docknet_sim::docker_cli as cli;
use docknet_sim::scenario::Problem;
use docknet_sim::scenario::{self, Scenario, ScenarioError, Source, TrafficSpec};
use std::collections::BTreeMap;

/// What the file is written in.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// `DockerScenario(...)`: compiled by the Docker compiler.
    Docker(Box<DockerScenario>),
    /// A kernel-level `(namespaces: ..., links: ...)` scenario.
    Kernel(Scenario),
}

/// An open scenario file and the edits made to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// File name shown in diagnostics (a path or a bundled name such as `modes/bridge`).
    pub file: String,
    /// The text as loaded; diagnostics point into it while the document is unedited.
    original: String,
    pub source: Origin,
    /// Whether anything changed since loading.
    pub edited: bool,
}

/// A document turned into a runnable simulation.
#[derive(Clone, Debug)]
pub struct Built {
    /// The kernel-level scenario the simulation runs.
    pub scenario: Scenario,
    pub sim: Sim,
    /// Docker names (containers, peers, `host`, `mac`) -> the namespace running them.
    pub names: BTreeMap<String, String>,
    /// Containers and networks, for `docker ps` and `docker network inspect`.
    pub inventory: Option<Inventory>,
    /// `Linux`, `Docker Desktop (Mac)`, ...; empty for kernel-level scenarios.
    pub platform: String,
}

impl Document {
    /// Parse a scenario file (Docker- or kernel-level, or a compose file). Validation happens
    /// in [`Document::build`].
    pub fn open(file: &str, text: &str) -> Result<Document, ScenarioError> {
        Document::open_with(file, text, &|_| None)
    }

    /// [`Document::open`], with `read` giving files named relative to the scenario (a
    /// compose file it names, the `.env` beside a compose file).
    pub fn open_with(
        file: &str,
        text: &str,
        read: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Document, ScenarioError> {
        let source = match docknet_sim::load::docker_level(file, text, read)? {
            Some(d) => Origin::Docker(Box::new(d)),
            None => Origin::Kernel(scenario::parse(file, text)?),
        };
        // A compose project's RON form carries the compose text (and .env), so saving or
        // sharing it loses nothing; a plain RON scenario keeps its own text.
        let original = match &source {
            Origin::Docker(d) if !scenario::is_docker_level(text) || d.compose.is_some() => {
                origin_text(&source)
            }
            _ => text.to_string(),
        };
        Ok(Document {
            file: file.to_string(),
            original,
            source,
            edited: false,
        })
    }

    /// Whether the scenario brings up a Compose project.
    pub fn is_compose(&self) -> bool {
        matches!(&self.source, Origin::Docker(d) if d.compose_file.is_some())
    }

    /// Parse and build in one go, as opening a file in the app does.
    pub fn load(file: &str, text: &str) -> Result<(Document, Built), ScenarioError> {
        Document::load_with(file, text, &|_| None)
    }

    /// [`Document::load`] with files beside it (see [`Document::open_with`]).
    pub fn load_with(
        file: &str,
        text: &str,
        read: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Document, Built), ScenarioError> {
        let doc = Document::open_with(file, text, read)?;
        let built = doc.build()?;
        Ok((doc, built))
    }

    pub fn title(&self) -> &str {
        match &self.source {
            Origin::Docker(d) => &d.title,
            Origin::Kernel(k) => &k.title,
        }
    }

    pub fn description(&self) -> &str {
        match &self.source {
            Origin::Docker(d) => &d.description,
            Origin::Kernel(k) => &k.description,
        }
    }

    /// The current scenario as RON text (the loaded text while unedited).
    pub fn to_ron(&self) -> String {
        if !self.edited {
            return self.original.clone();
        }
        origin_text(&self.source)
    }

    /// A document for a Docker-level scenario held as data (an exercise's variant), its text
    /// written out so diagnostics and share links have one.
    pub fn from_docker(file: &str, scenario: DockerScenario) -> Document {
        let source = Origin::Docker(Box::new(scenario));
        Document {
            file: file.to_string(),
            original: origin_text(&source),
            source,
            edited: false,
        }
    }

    /// Compile (Docker-level) and build the simulation, or every problem located in the text.
    pub fn build(&self) -> Result<Built, ScenarioError> {
        let text = self.to_ron();
        let located = |problems: Vec<Problem>| {
            let src = Source::new(&self.file, &text);
            ScenarioError {
                diagnostics: problems.iter().map(|p| p.locate(&src)).collect(),
            }
        };
        let (scenario, names, inventory, platform) = match &self.source {
            Origin::Docker(d) => {
                let compiled = docker::compile(d).map_err(located)?;
                let platform = match &d.platform {
                    Platform::Linux { engine } => format!("Linux, Docker Engine {engine}"),
                    Platform::DesktopMac { release, vm } => {
                        format!("Docker Desktop for Mac {release} ({vm:?})")
                    }
                    Platform::DesktopWindows { backend, .. } => {
                        format!("Docker Desktop for Windows ({backend:?})")
                    }
                };
                (
                    compiled.scenario,
                    compiled.namespaces,
                    Some(compiled.inventory),
                    platform,
                )
            }
            Origin::Kernel(k) => (k.clone(), BTreeMap::new(), None, String::new()),
        };
        let sim = Sim::from_scenario(&scenario).map_err(located)?;
        Ok(Built {
            scenario,
            sim,
            names,
            inventory,
            platform,
        })
    }

    /// Run a `docker ...` command line against the scenario (Docker-level files only). The
    /// document is changed only if the command parses and the result still builds.
    pub fn run_docker(&mut self, line: &str) -> Result<Built, String> {
        let Origin::Docker(_) = &self.source else {
            return Err(
                "this is a kernel-level scenario: there is no Docker engine to talk to".into(),
            );
        };
        cli::parse_command(line).map_err(|e| e.to_string())?;
        self.try_edit(|doc| {
            if let Origin::Docker(d) = &mut doc.source {
                d.commands.push(line.trim().to_string());
            }
        })
    }

    /// Run an `iptables` command on the engine's host (Docker-level files only), e.g.
    /// `iptables -I DOCKER-USER -s 10.12.91.66 -j DROP`; kept only if it applies.
    pub fn run_iptables(&mut self, line: &str) -> Result<Built, String> {
        let Origin::Docker(_) = &self.source else {
            return Err("this is a kernel-level scenario: edit its iptables text instead".into());
        };
        docknet_sim::netfilter::IptablesCommand::parse(line).map_err(|e| e.to_string())?;
        self.try_edit(|doc| {
            if let Origin::Docker(d) = &mut doc.source {
                d.iptables.push(line.trim().to_string());
            }
        })
    }

    /// Add a flow (from the console's `ping`, `curl`, `nc`), then rebuild.
    pub fn add_traffic(&mut self, t: TrafficSpec) -> Result<Built, String> {
        self.try_edit(|doc| match &mut doc.source {
            Origin::Docker(d) => d.traffic.push(t),
            Origin::Kernel(k) => k.traffic.push(t),
        })
    }

    /// Names of the containers a mode switch can target.
    pub fn containers(&self) -> Vec<String> {
        let Origin::Docker(d) = &self.source else {
            return Vec::new();
        };
        let mut names: Vec<String> = d.containers.iter().map(|c| c.name.clone()).collect();
        for line in &d.commands {
            if let Ok(cli::DockerCommand::Run(r)) = cli::parse_command(line)
                && let Some(n) = r.name
                && !names.contains(&n)
            {
                names.push(n);
            }
        }
        names
    }

    /// Re-run `container` with `--network MODE` (`bridge`, `host`, `none`,
    /// `container:NAME` or a network name), keeping its other options.
    pub fn set_network_mode(&mut self, container: &str, mode: &str) -> Result<Built, String> {
        self.try_edit(|doc| {
            let Origin::Docker(d) = &mut doc.source else {
                return;
            };
            for c in d.containers.iter_mut().filter(|c| c.name == container) {
                c.network = Some(mode.to_string());
            }
            // Without a namespace of its own (host, none, container:X) the container's
            // interfaces are gone, and so are capture points on them.
            if matches!(mode, "host" | "none") || mode.starts_with("container:") {
                let prefix = format!("{container}:");
                d.observe.retain(|o| !o.starts_with(&prefix));
            }
            for line in &mut d.commands {
                let is_it = matches!(cli::parse_command(line),
                    Ok(cli::DockerCommand::Run(r)) if r.name.as_deref() == Some(container));
                if is_it {
                    *line = with_network(line, mode);
                }
            }
        })
    }

    /// Move the scenario to Linux or Docker Desktop for Mac; traffic from the machine
    /// (`host` on Linux, `mac` on Desktop) follows.
    pub fn set_platform(&mut self, desktop: bool) -> Result<Built, String> {
        self.try_edit(|doc| {
            let Origin::Docker(d) = &mut doc.source else {
                return;
            };
            let (platform, from, to) = if desktop {
                let p = Platform::DesktopMac {
                    release: "current".into(),
                    vm: MacVm::Virtualization,
                };
                (p, "host", "mac")
            } else {
                (Platform::default(), "mac", "host")
            };
            d.platform = platform;
            for t in &mut d.traffic {
                if t.from() == from {
                    *t.from_mut() = to.to_string();
                }
            }
        })
    }

    pub fn is_desktop(&self) -> bool {
        matches!(&self.source, Origin::Docker(d) if !matches!(d.platform, Platform::Linux { .. }))
    }

    /// Apply `edit`, rebuild, and keep the edit only if the result builds.
    fn try_edit(&mut self, edit: impl FnOnce(&mut Document)) -> Result<Built, String> {
        let mut next = self.clone();
        next.edited = true;
        edit(&mut next);
        match next.build() {
            Ok(built) => {
                *self = next;
                Ok(built)
            }
            Err(e) => Err(e
                .diagnostics
                .iter()
                .map(|d| {
                    if d.help.is_empty() {
                        d.message.clone()
                    } else {
                        format!("{}\nhelp: {}", d.message, d.help)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")),
        }
    }
}

/// A scenario as pretty RON with its type's name, as files write it.
fn origin_text(source: &Origin) -> String {
    let pretty = ron::ser::PrettyConfig::default().struct_names(true);
    let body = match source {
        Origin::Docker(d) => ron::ser::to_string_pretty(d, pretty),
        Origin::Kernel(k) => ron::ser::to_string_pretty(k, pretty),
    };
    body.unwrap_or_else(|e| format!("// could not serialise the scenario: {e}\n"))
}

/// `line` with any `--network`/`--net` option replaced by `--network MODE`.
fn with_network(line: &str, mode: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut toks = line.split_whitespace().peekable();
    let mut inserted = false;
    while let Some(t) = toks.next() {
        if t == "--network" || t == "--net" {
            toks.next();
            continue;
        }
        if t.starts_with("--network=") || t.starts_with("--net=") {
            continue;
        }
        out.push(t);
        if t == "run" && !inserted {
            out.push("--network");
            out.push(mode);
            inserted = true;
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEB: &str = r#"DockerScenario(
        title: "t",
        peers: [(name: "laptop", addr: "10.12.91.1/24")],
        commands: ["docker run -d --name web --network=bridge -p 8080:80 nginx"],
        traffic: [Tcp(from: "laptop", to: "10.12.91.17:8080")],
    )"#;

    #[test]
    fn network_mode_switch_rewrites_the_run_line() {
        assert_eq!(
            with_network("docker run -d --name web --net x -p 8080:80 nginx", "host"),
            "docker run --network host -d --name web -p 8080:80 nginx"
        );
        let (mut doc, _) = Document::load("t.ron", WEB).unwrap();
        let built = doc.set_network_mode("web", "host").unwrap();
        assert_eq!(built.names["web"], "host");
        assert!(doc.edited);
        let inv = built.inventory.unwrap();
        assert_eq!(inv.containers[0].mode, "host");
    }

    #[test]
    fn a_failing_edit_leaves_the_document_alone() {
        let (mut doc, _) = Document::load("t.ron", WEB).unwrap();
        let before = doc.clone();
        let err = doc
            .run_docker("docker network connect nosuchnet web")
            .unwrap_err();
        assert!(err.contains("nosuchnet"), "{err}");
        assert_eq!(doc, before);
        assert!(doc.run_docker("docker frobnicate").is_err());
    }

    #[test]
    fn edits_survive_a_round_trip_through_ron() {
        let (mut doc, _) = Document::load("t.ron", WEB).unwrap();
        doc.run_docker("docker run -d --name db redis").unwrap();
        let text = doc.to_ron();
        let (again, built) = Document::load("t.ron", &text).unwrap();
        assert_eq!(again.source, doc.source);
        assert!(built.names.contains_key("db"));
    }

    #[test]
    fn a_compose_document_saves_and_shares_with_its_compose_text() {
        let yaml = "name: p\nservices:\n  web:\n    image: nginx\n    ports: [\"${PORT}:80\"]\n";
        let read = |f: &str| (f == ".env").then(|| "PORT=8081\n".to_string());
        let (mut doc, built) = Document::load_with("p/compose.yaml", yaml, &read).unwrap();
        assert!(doc.is_compose());
        assert_eq!(
            built.inventory.unwrap().containers[0].ports,
            ["0.0.0.0:8081->80/tcp"]
        );
        doc.run_docker("docker run -d --name probe alpine").unwrap();
        // The RON form (what a share link carries) opens with no file system at all.
        let (again, built) = Document::load("shared", &doc.to_ron()).unwrap();
        assert!(again.is_compose());
        let names: Vec<String> = built
            .inventory
            .unwrap()
            .containers
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(names, ["p-web-1", "probe"]);
    }

    #[test]
    fn platform_switch_moves_the_engine_into_a_vm() {
        let (mut doc, linux) = Document::load("t.ron", WEB).unwrap();
        assert!(linux.platform.starts_with("Linux"));
        let desk = doc.set_platform(true).unwrap();
        assert!(desk.platform.contains("Desktop"), "{}", desk.platform);
        let vm = &desk.names["vm"];
        let role = |n: &str| {
            desk.scenario
                .namespaces
                .iter()
                .find(|s| s.name == n)
                .unwrap()
                .role
        };
        assert_eq!(role(vm), docknet_sim::scenario::NsRole::Vm);
        assert!(doc.is_desktop());
        doc.set_platform(false).unwrap();
        assert!(!doc.is_desktop());
    }
}
