//! docknet-lab: the simulator's counterpart on a real Linux machine. [`lab`] writes the bash
//! script that builds a scenario's topology in network namespaces and runs its traffic;
//! [`conform`] reduces the kernel's captures and chain walks and the simulator's trace to the
//! same terms so the two can be compared. Nothing here runs a command: the CLI does.

pub mod conform;
pub mod lab;
