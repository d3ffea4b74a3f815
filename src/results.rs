//! Handing in an exercise's result file: written next to the app on the desktop (or into
//! `DOCKNET_RESULTS_DIR`), downloaded by the browser on the web.

/// Save the result and say where it went.
#[cfg(not(target_arch = "wasm32"))]
pub fn hand_in(name: &str, json: &str) -> String {
    let dir = std::env::var_os("DOCKNET_RESULTS_DIR")
        .map_or_else(|| std::path::PathBuf::from("."), std::path::PathBuf::from);
    let path = dir.join(name);
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, json)) {
        Ok(()) => format!("Saved {}: hand this file to your teacher.", path.display()),
        Err(e) => format!("Could not write {}: {e}", path.display()),
    }
}

#[cfg(target_arch = "wasm32")]
pub fn hand_in(name: &str, json: &str) -> String {
    crate::web::download(name, json);
    format!("Downloaded {name}: hand this file to your teacher.")
}
