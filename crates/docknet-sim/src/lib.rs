//! docknet-sim: a deterministic discrete-event model of the Linux network stack as Docker
//! uses it (namespaces, veth, bridges, routing, ARP, netfilter, conntrack, NAT), the trace it
//! emits, and the scenario format that drives it. No wall clock, no threads, no I/O.

pub mod ids;
pub mod netfilter;
pub mod time;
pub mod wire;
