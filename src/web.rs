//! The browser build's glue: the scenario named by the address (`?scenario=modes/bridge`, or a
//! whole scenario in `#s=...`), a small JavaScript API (`window.docknet` in web/index.html
//! wraps these exports) for the page's "Open file" button and for tests, and copying share
//! links through the page.

use crate::Scenario;
use crate::session::{Session, SessionSet, UiCommand};
use bevy::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// Commands from JavaScript, applied at the next frame.
    static INBOX: RefCell<Vec<UiCommand>> = const { RefCell::new(Vec::new()) };
    /// The latest status as JSON, for `window.docknet.status()`.
    static STATUS: RefCell<String> = const { RefCell::new(String::new()) };
    /// The current scenario as a share link fragment (`s=...`).
    static SHARE: RefCell<String> = const { RefCell::new(String::new()) };
}

#[wasm_bindgen]
extern "C" {
    /// Defined by web/index.html: copies text to the clipboard (and shows it).
    #[wasm_bindgen(js_namespace = window, js_name = docknet_copy)]
    fn copy_to_clipboard(text: &str);
    /// Defined by web/index.html: offers `text` as a file download.
    #[wasm_bindgen(js_namespace = window, js_name = docknet_download)]
    pub fn download(name: &str, text: &str);
    /// Defined by web/index.html: opens the file picker (its result comes back through
    /// `open_scenario`).
    #[wasm_bindgen(js_namespace = window, js_name = docknet_pick_file)]
    pub fn pick_file();
}

/// `{ "event": 12, "total": 304, "complete": true, "playing": false, "title": "...",
/// "file": "default", "error": null }`.
#[wasm_bindgen]
pub fn status() -> String {
    STATUS.with(|s| s.borrow().clone())
}

/// Open a scenario from its text (the page's "Open file" button).
#[wasm_bindgen]
pub fn open_scenario(name: String, text: String) {
    INBOX.with(|i| {
        i.borrow_mut().push(UiCommand::Open {
            file: name,
            text,
            side: Vec::new(),
        })
    });
}

/// Open several files picked or dropped together, given as JSON `[{"name": ..., "text":
/// ...}]`: a RON scenario or exercise if there is one, else the first compose file, with the
/// others (a `.env`, the compose file a scenario names) beside it.
#[wasm_bindgen]
pub fn open_files(json: String) {
    let files: Vec<(String, String)> = serde_json::from_str::<Vec<serde_json::Value>>(&json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| {
            Some((
                f["name"].as_str()?.to_string(),
                f["text"].as_str()?.to_string(),
            ))
        })
        .collect();
    let cmd = match main_file(&files) {
        Some(i) => {
            let mut side = files;
            let (file, text) = side.remove(i);
            UiCommand::Open { file, text, side }
        }
        None => UiCommand::Problem(Some(
            "no scenario among the files: open a .ron scenario or exercise, or a compose .yaml/.yml"
                .into(),
        )),
    };
    INBOX.with(|i| i.borrow_mut().push(cmd));
}

/// Which of the files to open: a `.ron` first, else the first `.yaml`/`.yml`.
fn main_file(files: &[(String, String)]) -> Option<usize> {
    let ends = |n: &str, exts: &[&str]| {
        let l = n.to_ascii_lowercase();
        exts.iter().any(|e| l.ends_with(e))
    };
    files
        .iter()
        .position(|(n, _)| ends(n, &[".ron"]))
        .or_else(|| files.iter().position(|(n, _)| ends(n, &[".yaml", ".yml"])))
}

/// Play or pause.
#[wasm_bindgen]
pub fn toggle_play() {
    INBOX.with(|i| i.borrow_mut().push(UiCommand::TogglePlay));
}

/// The fragment (`s=...`) that carries the current scenario, edits included.
#[wasm_bindgen]
pub fn share_fragment() -> String {
    SHARE.with(|s| s.borrow().clone())
}

/// Copy a share link for the current scenario (the page prefixes its own address).
pub fn copy_share_link(link: &str) {
    copy_to_clipboard(link);
}

/// The page's address without its query and fragment.
pub fn page_base() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let origin = loc
        .as_ref()
        .and_then(|l| l.origin().ok())
        .unwrap_or_default();
    let path = loc
        .as_ref()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}

/// The scenario the address asks for, or the default lesson (with the reason it was not used).
pub fn initial_scenario() -> (Scenario, Option<String>) {
    let default =
        || Scenario::resolve(crate::bundled::DEFAULT).expect("the default lesson is bundled");
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return (default(), None);
    };
    let hash = loc.hash().unwrap_or_default();
    if let Some(packed) = hash.strip_prefix("#s=") {
        return match docknet_view::share::decode(packed) {
            Ok(text) => (
                Scenario {
                    file: "shared link".into(),
                    text,
                },
                None,
            ),
            Err(e) => (default(), Some(e)),
        };
    }
    let search = loc.search().unwrap_or_default();
    let wanted = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("scenario="))
        .map(|v| {
            js_sys::decode_uri_component(v)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| v.to_string())
        });
    match wanted {
        Some(name) => match crate::bundled::find(&name) {
            Some(b) => (
                Scenario {
                    file: b.name.into(),
                    text: b.text.into(),
                },
                None,
            ),
            None => (
                default(),
                Some(format!(
                    "?scenario={name}: no bundled scenario by that name"
                )),
            ),
        },
        None => (default(), None),
    }
}

pub struct WebPlugin {
    /// Why the address's scenario was not opened, shown once.
    pub problem: Option<String>,
}

impl Plugin for WebPlugin {
    fn build(&self, app: &mut App) {
        let problem = self.problem.clone();
        app.add_systems(Startup, move |mut s: ResMut<Session>| {
            if let Some(p) = &problem {
                s.error = Some(p.clone());
            }
        })
        .add_systems(Update, drain_inbox.before(SessionSet::Commands))
        .add_systems(Update, publish_status.after(SessionSet::View));
    }
}

fn drain_inbox(mut out: MessageWriter<UiCommand>) {
    for c in INBOX.with(|i| std::mem::take(&mut *i.borrow_mut())) {
        out.write(c);
    }
}

fn publish_status(session: Res<Session>, mut last_generation: Local<Option<u64>>) {
    let p = &session.player;
    let json = serde_json::json!({
        "event": p.cursor(),
        "total": p.len(),
        "complete": p.complete(),
        "playing": p.playing,
        "title": session.doc.title(),
        "file": session.doc.file,
        "error": session.error,
    });
    STATUS.with(|s| *s.borrow_mut() = json.to_string());
    if *last_generation != Some(session.generation) {
        *last_generation = Some(session.generation);
        // An exercise is shared as the exercise (each learner gets their own variant).
        let text = session
            .attempt
            .as_ref()
            .map_or_else(|| session.doc.to_ron(), |a| a.text.clone());
        let fragment = format!("s={}", docknet_view::share::encode(&text));
        SHARE.with(|s| *s.borrow_mut() = fragment);
    }
}
