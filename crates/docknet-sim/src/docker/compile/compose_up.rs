//! `docker compose up -d` inside the compiler: the compose file's commands run like any other
//! Docker command, and the engine's refusals (a port already allocated, an address in use)
//! are located at the compose file's line and column.

use super::Compiler;
use crate::compose::{self, Loaded};
use crate::scenario::{Loc, Problem};

/// `docker compose ps` as data: the project and which container runs which service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposeInventory {
    pub project: String,
    /// (container, service, replica number), in creation order.
    pub containers: Vec<(String, String, u32)>,
    /// `services.db.volumes` ...: accepted, not simulated.
    pub not_simulated: Vec<String>,
    /// Compose's warnings (unset variables).
    pub warnings: Vec<String>,
}

/// Is this `commands` line `docker compose up` (where the project comes up)?
pub(super) fn is_up_line(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let words = match words.as_slice() {
        ["sudo", rest @ ..] => rest,
        all => all,
    };
    matches!(
        words,
        ["docker", "compose", "up", ..] | ["docker-compose", "up", ..]
    )
}

impl Compiler<'_> {
    /// The scenario's compose file, loaded; problems are recorded.
    pub(super) fn load_compose(&mut self) -> Option<Loaded> {
        let wanted = self.sc.compose.as_deref()?;
        let Some(f) = &self.sc.compose_file else {
            self.problems.push(Problem::at(
                None,
                wanted,
                format!("the compose file `{wanted}` was not read"),
                "put it beside the scenario (paths are relative to the scenario file)",
            ));
            return None;
        };
        match compose::load(f, &self.sc.compose_env) {
            Ok(l) => Some(l),
            Err(diags) => {
                self.problems.extend(diags.into_iter().map(|d| Problem {
                    loc: Loc::File {
                        file: d.file,
                        line: d.line,
                        column: d.column,
                    },
                    message: d.message,
                    help: d.help,
                }));
                None
            }
        }
    }

    /// Bring the project up.
    pub(super) fn compose_up(&mut self, loaded: &Loaded) {
        let file = self
            .sc
            .compose_file
            .as_ref()
            .map(|f| f.file.clone())
            .unwrap_or_default();
        let up = compose::up(&loaded.project);
        for (name, pos) in &up.external {
            if !self.networks.iter().any(|n| n.name == *name) {
                self.problems.push(Problem {
                    loc: Loc::File {
                        file: file.clone(),
                        line: pos.line,
                        column: pos.column,
                    },
                    message: format!("network {name} declared as external, but could not be found"),
                    help: format!("create it in the scenario first (networks: or `docker network create {name}` in commands), or remove `external: true`"),
                });
            }
        }
        for step in &up.steps {
            let before = self.problems.len();
            let anchor = match &step.cmd {
                crate::docker_cli::DockerCommand::Run(r) => r.name.clone().unwrap_or_default(),
                _ => String::new(),
            };
            self.exec(&anchor, step.cmd.clone());
            if let crate::docker_cli::DockerCommand::Run(r) = &step.cmd {
                self.listen_where_published(r);
            }
            for p in &mut self.problems[before..] {
                let pos = match &p.loc {
                    Loc::Value { value, .. } => step
                        .at
                        .iter()
                        .find(|(v, _)| v == value)
                        .map_or(step.pos, |(_, pos)| *pos),
                    _ => step.pos,
                };
                p.loc = Loc::File {
                    file: file.clone(),
                    line: pos.line,
                    column: pos.column,
                };
            }
        }
        self.compose_info = Some(ComposeInventory {
            project: loaded.project.name.clone(),
            containers: up.containers,
            not_simulated: loaded
                .project
                .not_simulated
                .iter()
                .map(|n| n.path.clone())
                .collect(),
            warnings: loaded.warnings.clone(),
        });
    }
}

impl Compiler<'_> {
    /// An image docknet does not know (the team's own app) listens on the container ports
    /// its service publishes or exposes: the compose file is the only word on them.
    fn listen_where_published(&mut self, r: &crate::docker_cli::RunSpec) {
        if !crate::docker_cli::image_ports(&r.image).is_empty() {
            return;
        }
        let Some(ct) = self
            .containers
            .iter_mut()
            .find(|c| Some(&c.name) == r.name.as_ref())
        else {
            return;
        };
        let mut ports: Vec<(u16, crate::docker_cli::PortProto)> = r
            .publish
            .iter()
            .map(|b| (b.container_port, b.proto))
            .chain(r.expose.iter().copied())
            .collect();
        ports.sort();
        ports.dedup();
        ct.services = ports
            .into_iter()
            .map(|(port, proto)| crate::scenario::ProcessSpec::Listen {
                proto: super::kernel_proto(proto),
                port,
                addr: None,
                reply: 200,
                name: Some(super::image_name(&r.image)),
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_lines() {
        assert!(is_up_line("docker compose up -d"));
        assert!(is_up_line("sudo docker-compose up"));
        assert!(!is_up_line("docker compose ps"));
        assert!(!is_up_line("docker run -d nginx"));
    }
}
