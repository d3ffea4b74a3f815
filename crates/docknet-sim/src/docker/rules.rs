//! The iptables rules each Docker Engine version installs (work in progress).
