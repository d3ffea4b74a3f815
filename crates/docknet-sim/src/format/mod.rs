//! Text views of a trace and of kernel state, in the shapes real tools print:
//! JSONL, tcpdump lines, `nft monitor trace`, a narrated walk, and `ip`/`iptables-save`/
//! `conntrack`/`bridge` state.

pub mod explain;
pub mod jsonl;
pub mod mentions;
pub mod nft;
pub mod show;
pub mod tcpdump;
