//! `docker stop`, `kill`, `start`, `restart` and `rm`: a stopped container's endpoints leave
//! their networks (the addresses go back to the pool, the published ports are released, its
//! names leave the embedded DNS) while its name stays taken; `docker start` rejoins the same
//! networks with the same aliases and publishes the same ports again, possibly at other
//! addresses (only `--ip` is kept).

use super::{Compiler, Container, JoinOptions, Mode, StoppedInfo};
use crate::docker_cli::{ContainerAction, NetworkConnect};
use crate::scenario::Problem;

/// A stopped container and the attachments `docker start` restores.
pub(super) struct Stopped {
    container: Container,
    attachments: Vec<Attachment>,
}

/// One network a stopped container rejoins on start.
struct Attachment {
    network: String,
    opts: JoinOptions,
}

impl Stopped {
    pub(super) fn container(&self) -> &Container {
        &self.container
    }
}

impl Compiler<'_> {
    pub(super) fn is_stopped(&self, name: &str) -> bool {
        self.stopped.iter().any(|s| s.container.name == name)
    }

    pub(super) fn stopped_info(&self) -> Vec<StoppedInfo> {
        self.stopped
            .iter()
            .map(|s| StoppedInfo {
                name: s.container.name.clone(),
                id: s.container.short_id(),
                image: s.container.image.clone(),
            })
            .collect()
    }

    /// Whether `name` is taken by a running or stopped container.
    pub(super) fn name_taken(&self, name: &str) -> bool {
        self.containers.iter().any(|c| c.name == name) || self.is_stopped(name)
    }

    /// Apply one lifecycle command to one container.
    pub(super) fn lifecycle(&mut self, anchor: &str, action: ContainerAction, name: &str) {
        let running = self.containers.iter().position(|c| c.name == name);
        let stopped = self.stopped.iter().position(|s| s.container.name == name);
        match (action, running, stopped) {
            (_, None, None) => self.fail(
                anchor,
                name,
                format!("No such container: {name}"),
                "check the name: docker ps lists the running containers",
            ),
            // Stopping a stopped container and starting a running one change nothing; a
            // signal that does not end the process changes nothing either.
            (ContainerAction::Stop, None, Some(_))
            | (ContainerAction::Start, Some(_), _)
            | (ContainerAction::Kill { stops: false }, Some(_), _) => {}
            (ContainerAction::Kill { .. }, None, Some(_)) => self.fail(
                anchor,
                name,
                format!("Cannot kill container: {name}: container is not running"),
                &format!("`docker start {name}` first"),
            ),
            (ContainerAction::Stop | ContainerAction::Kill { stops: true }, Some(i), _) => {
                if self.stop(anchor, i)
                    && self
                        .stopped
                        .last()
                        .is_some_and(|s| s.container.remove_on_stop)
                {
                    // `docker run --rm`: gone once stopped, name and all.
                    self.stopped.pop();
                }
            }
            (ContainerAction::Start | ContainerAction::Restart, None, Some(i)) => {
                self.start(anchor, i);
            }
            // A restart keeps a `--rm` container: it does not stop for good.
            (ContainerAction::Restart, Some(i), _) => {
                if self.stop(anchor, i) {
                    self.start(anchor, self.stopped.len() - 1);
                }
            }
            (ContainerAction::Remove { force: false }, Some(_), _) => self.fail(
                anchor,
                name,
                format!(
                    "cannot remove container \"/{name}\": container is running: stop the \
                     container before removing or force remove"
                ),
                "use `docker rm -f`, or `docker stop` it first",
            ),
            (ContainerAction::Remove { force: true }, Some(i), _) => {
                if self.stop(anchor, i) {
                    self.stopped.pop();
                }
            }
            (ContainerAction::Remove { .. }, None, Some(i)) => {
                self.stopped.remove(i);
            }
        }
    }

    /// Stop running container `i`: release its addresses and ports, keep its name.
    fn stop(&mut self, anchor: &str, i: usize) -> bool {
        let name = self.containers[i].name.clone();
        if let Some(dep) = self
            .containers
            .iter()
            .find(|c| matches!(&c.mode, Mode::Shared(x) if *x == name))
        {
            let dep = dep.name.clone();
            self.fail(
                anchor,
                &name,
                format!("container {dep} shares {name}'s network namespace (--network container:{name})"),
                &format!("stop or remove {dep} first: the simulator does not model a namespace that outlives its container"),
            );
            return false;
        }
        let mut container = self.containers.remove(i);
        let mut attachments = Vec::new();
        for ep in container.endpoints.drain(..) {
            let net = &mut self.networks[ep.net];
            net.used.remove(&ep.ip);
            attachments.push(Attachment {
                network: net.name.clone(),
                opts: ep.opts,
            });
        }
        container.ports.clear();
        container.next_if = 0;
        container.hosts_addrs.clear();
        container.ports_net = None;
        self.stopped.push(Stopped {
            container,
            attachments,
        });
        true
    }

    /// Start stopped container `i`: rejoin its networks, publish its ports again.
    fn start(&mut self, anchor: &str, i: usize) {
        if let Mode::Shared(x) = &self.stopped[i].container.mode
            && !self.containers.iter().any(|c| c.name == *x)
        {
            let x = x.clone();
            self.fail(
                anchor,
                &self.stopped[i].container.name.clone(),
                format!("cannot join network namespace of a non running container: {x}"),
                &format!("start {x} first"),
            );
            return;
        }
        let Stopped {
            container,
            attachments,
        } = self.stopped.remove(i);
        self.containers.push(container);
        let ct = self.containers.len() - 1;
        for a in attachments {
            self.connect(anchor, ct, &a.network, a.opts);
        }
        self.publish(anchor, ct);
    }

    /// `docker network connect` to a stopped container: remembered for its start. Returns
    /// whether the container was a stopped one.
    pub(super) fn connect_stopped(&mut self, anchor: &str, c: &NetworkConnect) -> bool {
        let Some(i) = self
            .stopped
            .iter()
            .position(|s| s.container.name == c.container)
        else {
            return false;
        };
        let s = &self.stopped[i];
        let joined: Vec<&str> = s.attachments.iter().map(|a| a.network.as_str()).collect();
        match self.may_join(&s.container, &joined, &c.network) {
            Ok(_) => self.stopped[i].attachments.push(Attachment {
                network: c.network.clone(),
                opts: JoinOptions {
                    aliases: c.aliases.clone(),
                    ip: c.ip,
                    gw_priority: c.gw_priority,
                },
            }),
            Err((message, help)) => self.fail(anchor, &c.network, message, &help),
        }
        true
    }

    /// `docker network disconnect` from a stopped container. Returns whether it was one.
    pub(super) fn disconnect_stopped(&mut self, network: &str, container: &str) -> bool {
        let Some(s) = self
            .stopped
            .iter_mut()
            .find(|s| s.container.name == container)
        else {
            return false;
        };
        let before = s.attachments.len();
        s.attachments.retain(|a| a.network != network);
        before != s.attachments.len()
    }

    /// Traffic cannot start in a stopped container: it has no network namespace.
    pub(super) fn check_stopped_senders(&mut self) {
        for t in &self.sc.traffic {
            let from = t.from();
            if self.is_stopped(from) {
                self.problems.push(Problem::at(
                    None,
                    from,
                    format!("container {from} is not running, so it cannot send traffic"),
                    format!("`docker start {from}`, or remove this flow"),
                ));
            }
        }
    }
}
