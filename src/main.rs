fn main() {
    println!(
        "The docknet app will live here (Bevy + bevy_egui). For now use the CLI: cargo run -p docknet-cli -- --help"
    );
}
