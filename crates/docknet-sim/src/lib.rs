//! docknet-sim: a deterministic discrete-event model of the Linux network stack as Docker
//! uses it (namespaces, veth, bridges, routing, ARP, netfilter, conntrack, NAT), the trace it
//! emits, and the scenario format that drives it. No wall clock, no threads, no I/O.

mod apps;
pub mod build;
pub mod compose;
pub mod conntrack;
pub mod docker;
pub mod docker_cli;
pub mod engine;
pub mod format;
pub mod fuzzing;
pub mod ids;
pub mod intern;
pub mod limits;
pub mod lint;
pub mod load;
pub mod model;
pub mod netfilter;
pub mod pcap;
pub mod replay;
pub mod scenario;
mod sim;
mod stack;
mod suggest;
pub mod time;
pub mod timer_wheel;
pub mod trace;
pub mod wire;

pub use load::{load, load_with};
pub use sim::Sim;
