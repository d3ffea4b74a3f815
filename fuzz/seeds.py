#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the repo's real inputs: scenarios/**/*.ron, the engine
scripts in crates/docknet-cli/tests/engine, compose files, the docker and iptables lines quoted
in them, and the iptables testdata. Run from the repo root; writes /tmp/seeds/<target>/."""
import glob, os, re, hashlib
out = "/tmp/seeds"
def put(t, text):
    d = f"{out}/{t}"; os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(text.encode()).hexdigest()
    open(f"{d}/{h}", "w").write(text)
rons = sorted(glob.glob("scenarios/**/*.ron", recursive=True) + glob.glob("crates/docknet-cli/tests/engine/*.ron"))
for p in rons:
    text = open(p).read()
    first = next((l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("//")), "")
    docker = first.startswith("DockerScenario")
    put("scenario_docker" if docker else "scenario_kernel", text)
    # docker command lines and iptables lines quoted in the file
    cmds = re.findall(r'"((?:sudo )?docker [^"\\]*(?:\\.[^"\\]*)*)"', text)
    if cmds: put("docker_cli", "\n".join(c.replace('\\"','"') for c in cmds) + "\n")
    ipt = re.findall(r'"(iptables [^"]*)"', text)
    for block in re.findall(r'r#"(.*?)"#', text, re.S):
        if "-A " in block or "*filter" in block or "*nat" in block:
            put("iptables", block.strip() + "\n")
    if ipt: put("iptables", "\n".join(ipt) + "\n")
for p in glob.glob("scenarios/**/*.yaml", recursive=True) + glob.glob("crates/docknet-cli/tests/engine/*.yaml"):
    put("compose", open(p).read())
for p in glob.glob("crates/docknet-sim/src/netfilter/testdata/*.in") + glob.glob("crates/docknet-sim/src/netfilter/testdata/*.save"):
    put("iptables", open(p).read())
