//! Sets `cfg(tcpdump)` when a `tcpdump` is on PATH: the test that reads a capture back with
//! the real tcpdump runs there, and is reported as ignored, with the reason, elsewhere.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tcpdump)");
    println!("cargo::rerun-if-env-changed=PATH");
    let dirs: Vec<_> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        // A tcpdump installed (or removed) later changes its directory: probe again.
        println!("cargo::rerun-if-changed={}", dir.display());
    }
    if dirs.iter().any(|d| d.join("tcpdump").is_file()) {
        println!("cargo::rustc-cfg=tcpdump");
    }
}
