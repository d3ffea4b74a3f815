//! The Docker compiler: Docker-level scenarios (`docker run`, `docker network create`) turned
//! into the kernel-level model exactly as a given Docker Engine would build it.

pub mod compile;
#[cfg(test)]
mod compose_tests;
#[cfg(test)]
mod flag_audit;
mod from_compose;
pub mod rules;
pub mod scenario;

pub use compile::{Compiled, ContainerInfo, Inventory, NetworkInfo, StoppedInfo, compile};
pub use scenario::DockerScenario;
