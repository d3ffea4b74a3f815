fn main() {
    let text = std::fs::read_to_string("scenarios/kernel/dnat-port-forward.ron").unwrap();
    let (_, mut sim) = docknet_sim::load("x", &text).unwrap();
    while !sim.is_finished() && sim.now().0 < 341_000 {
        sim.step();
    }
    let host = sim.net.ns_by_name("host").unwrap();
    let ct = &sim.net.ns(host).conntrack;
    println!("{:?}", ct);
}
