//! Netfilter: iptables rules, tables and chain traversal.
