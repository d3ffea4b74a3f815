//! The open scenario and its timeline as Bevy resources, the commands the UI and keyboard
//! send, and the per-frame work: run the simulation ahead (bounded), advance playback, and
//! recompute what is shown when the cursor moves.

use bevy::prelude::*;
use docknet_view::connections::Connections;
use docknet_view::console::{self, Effect};
use docknet_view::cursor;
use docknet_view::document::Built;
use docknet_view::events::{EventIndex, Filter};
use docknet_view::exercise::{self, grade::Answer, session::Attempt};
use docknet_view::inspector::Inspection;
use docknet_view::layout::Layout;
use docknet_view::live;
use docknet_view::netfilter::NetfilterView;
use docknet_view::player::PUMP_BUDGET;
use docknet_view::scene::{self, Scene};
use docknet_view::{Document, Player};

/// Everything about the open scenario.
#[derive(Resource)]
pub struct Session {
    pub doc: Document,
    pub built: Built,
    pub player: Player,
    pub layout: Layout,
    pub conns: Connections,
    pub events: EventIndex,
    /// Bumped whenever the scenario is rebuilt (the picture must be redrawn).
    pub generation: u64,
    /// Trace length when `conns` was last computed.
    conns_at: usize,
    /// The first record `conns` was computed from ([`Player::around_start`]).
    conns_from: usize,
    /// The latest load or edit error, shown until dismissed.
    pub error: Option<String>,
    /// The console's transcript: (namespace, command, output).
    pub console: Vec<(String, String, String)>,
    /// The exercise being worked on, when an exercise file is open.
    pub attempt: Option<Attempt>,
    /// A message for the learner (where the result file went), shown until dismissed.
    pub notice: Option<String>,
}

impl Session {
    pub fn open(file: &str, text: &str) -> Result<Session, String> {
        Session::open_with(file, text, &[])
    }

    /// Open `file` with files given beside it (`side`: name and text, e.g. the `.env` of a
    /// compose file picked or dropped together with it on the web page).
    pub fn open_with(file: &str, text: &str, side: &[(String, String)]) -> Result<Session, String> {
        if exercise::is_exercise(text) {
            return Session::open_exercise(file, text, DEFAULT_LEARNER);
        }
        let read = |name: &str| side_file(file, side, name);
        let (doc, built) = Document::load_with(file, text, &read).map_err(|e| e.to_string())?;
        Ok(Session::from_parts(doc, built))
    }

    /// An exercise for a learner: their variant of its scenario, and the tasks.
    pub fn open_exercise(file: &str, text: &str, learner: &str) -> Result<Session, String> {
        let (attempt, doc) = Attempt::start(file, text, learner)?;
        let built = doc.build().map_err(|e| e.to_string())?;
        let mut s = Session::from_parts(doc, built);
        s.attempt = Some(attempt);
        Ok(s)
    }

    fn from_parts(doc: Document, built: Built) -> Session {
        let mut s = Session {
            layout: Layout::default(),
            player: Player::new(built.sim.clone()),
            conns: Connections::default(),
            events: EventIndex::default(),
            generation: 0,
            conns_at: 0,
            conns_from: 0,
            error: None,
            console: Vec::new(),
            attempt: None,
            notice: None,
            built,
            doc,
        };
        s.rebuild_layout();
        s
    }

    /// Open another file in place (keeps nothing of the old one but the generation count).
    pub fn replace_with(&mut self, other: Session) {
        let generation = self.generation + 1;
        *self = other;
        self.generation = generation;
    }

    /// Swap in a rebuilt simulation of the (edited) document and show it from `resume_at`.
    pub fn rebuilt(&mut self, built: Built, resume_at: docknet_sim::time::SimTime) {
        self.player = Player::new(built.sim.clone());
        self.built = built;
        self.events = EventIndex::default();
        self.conns = Connections::default();
        self.conns_at = 0;
        self.conns_from = 0;
        self.generation += 1;
        self.rebuild_layout();
        // Reveal everything before `resume_at`, so the new traffic is what plays next.
        self.player.run_to_end();
        let before = self.player.index_at(resume_at);
        self.player.seek(before);
    }

    fn rebuild_layout(&mut self) {
        self.layout = Layout::of_built(&self.built);
    }

    /// Keep the connection colours and the event list in step with the trace.
    fn index_trace(&mut self) {
        let len = self.player.len();
        self.events.follow(&mut self.player);
        // Connections are regrouped when the trace has grown by a quarter or is complete, or
        // when the records held around the cursor are another stretch of a long run.
        let from = self.player.around_start();
        let grown = len != self.conns_at
            && (self.player.complete() || len > self.conns_at + self.conns_at / 4 + 64);
        if grown || from != self.conns_from {
            self.conns = Connections::from_trace(self.player.around());
            self.conns_at = len;
            self.conns_from = from;
        }
    }
}

/// The learner name an exercise starts with until one is typed.
pub const DEFAULT_LEARNER: &str = "learner";

/// What the UI, the keyboard and the camera ask for.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum UiCommand {
    TogglePlay,
    StepForward,
    StepBack,
    /// Show exactly this many records.
    Seek(usize),
    /// Make this record the last one shown.
    JumpTo(usize),
    /// Show the event list's previous (or next, `later`) page.
    EventsPage {
        later: bool,
    },
    Speed(usize),
    /// Open a scenario (bundled name or path) from its text; `side` are files given with it
    /// (a compose file's `.env`, a compose file a scenario names), by name.
    Open {
        file: String,
        text: String,
        side: Vec<(String, String)>,
    },
    /// Run a console line in a namespace.
    Console {
        ns: String,
        line: String,
    },
    SetMode {
        container: String,
        mode: String,
    },
    SetDesktop(bool),
    /// Pin the inspector to a packet (None: follow the current one).
    Inspect(Option<u64>),
    /// The namespace the console talks to.
    SelectNs(String),
    Breakpoints(docknet_view::player::Breakpoints),
    /// Show a problem (or clear it with None).
    Problem(Option<String>),
    /// Restart the open exercise for a learner (their own variant).
    Learner(String),
    /// Answer an exercise task (a fix task's answer is the commands run so far).
    Answer {
        id: String,
        answer: Answer,
    },
    /// Reveal the next hint of a task.
    Hint(String),
    /// Write the result file to hand in.
    Submit,
    /// Clear the notice.
    DismissNotice,
}

/// What the user picked: the console's namespace and the inspected packet.
#[derive(Resource, Default, Debug)]
pub struct Selection {
    pub ns: Option<String>,
    pub pinned_pkt: Option<u64>,
    pub filter: Filter,
}

/// What is shown at the cursor, recomputed only when the cursor, clock or selection move.
#[derive(Resource, Default)]
pub struct ViewState {
    pub scene: Scene,
    pub netfilter: Option<NetfilterView>,
    pub inspection: Option<Inspection>,
    /// The narrated sentence for the current step.
    pub caption: String,
    /// The rule that decided at the current station: (namespace, short text).
    pub rule_line: Option<(String, String)>,
    pub conntrack: Vec<live::CtTable>,
    /// What bridge ports have learned.
    pub fdb: Vec<live::FdbNote>,
    key: Option<(u64, usize, u64, Option<u64>, bool, usize)>,
    /// What the kernel state at the cursor was last computed for (generation, cursor, pin,
    /// connection count).
    kernel_key: Option<(u64, usize, Option<u64>, usize)>,
}

/// Systems in order: commands, simulation, view.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum SessionSet {
    Commands,
    Advance,
    View,
}

pub struct SessionPlugin {
    pub file: String,
    pub text: String,
}

impl Plugin for SessionPlugin {
    fn build(&self, app: &mut App) {
        let session = Session::open(&self.file, &self.text).unwrap_or_else(|e| {
            // Fall back to the default lesson and show why.
            let b = crate::bundled::find(crate::bundled::DEFAULT)
                .expect("the default lesson is bundled");
            let mut s = Session::open(b.name, b.text).expect("the default lesson opens");
            s.error = Some(e);
            s
        });
        let ns = first_container(&session);
        app.insert_resource(session)
            .insert_resource(Selection { ns, ..default() })
            .init_resource::<ViewState>()
            .add_message::<UiCommand>()
            .configure_sets(
                Update,
                (SessionSet::Commands, SessionSet::Advance, SessionSet::View).chain(),
            )
            .add_systems(Update, apply_commands.in_set(SessionSet::Commands))
            .add_systems(Update, advance.in_set(SessionSet::Advance))
            .add_systems(Update, refresh_view.in_set(SessionSet::View));
    }
}

/// The console's default namespace: the first container, else the first namespace.
fn first_container(s: &Session) -> Option<String> {
    s.layout
        .boxes
        .iter()
        .find(|b| b.role == docknet_sim::scenario::NsRole::Container)
        .or(s.layout.boxes.first())
        .map(|b| b.ns.clone())
}

fn apply_commands(
    mut commands: MessageReader<UiCommand>,
    mut session: ResMut<Session>,
    mut selection: ResMut<Selection>,
) {
    let generation = session.generation;
    for c in commands.read() {
        let s = &mut *session;
        match c.clone() {
            UiCommand::TogglePlay => s.player.toggle_play(),
            UiCommand::StepForward => {
                s.player.step_forward();
            }
            UiCommand::StepBack => {
                s.player.step_back();
            }
            UiCommand::Seek(n) => {
                s.player.playing = false;
                s.player.seek(n);
            }
            UiCommand::JumpTo(i) => s.player.jump_to(i),
            UiCommand::EventsPage { later } => s.events.turn_page(&mut s.player, later),
            UiCommand::Speed(i) => s.player.speed = i.min(docknet_view::player::SPEEDS.len() - 1),
            UiCommand::Open { file, text, side } => match Session::open_with(&file, &text, &side) {
                Ok(next) => {
                    s.replace_with(next);
                    *selection = Selection {
                        ns: first_container(s),
                        ..default()
                    };
                }
                Err(e) => s.error = Some(e),
            },
            UiCommand::Console { ns, line } => {
                let now = s.player.clock();
                let state = s.player.state().clone();
                let (out, effect) = console::run(
                    &line,
                    console::Context {
                        ns: &ns,
                        state: &state,
                        now,
                        doc: &mut s.doc,
                        names: &s.built.names,
                        inventory: s.built.inventory.as_ref(),
                    },
                );
                if let Effect::Rebuilt { built, resume_at } = effect {
                    s.rebuilt(*built, resume_at);
                    // Setup changes are a fix task's answer.
                    let first = line.split_whitespace().next().unwrap_or("");
                    if let Some(a) = s.attempt.as_mut()
                        && matches!(first, "docker" | "sudo" | "iptables")
                    {
                        a.commands.push(line.trim().to_string());
                    }
                }
                s.console.push((ns, line, out));
            }
            UiCommand::SetMode { container, mode } => {
                match s.doc.set_network_mode(&container, &mode) {
                    Ok(b) => s.rebuilt(b, docknet_sim::time::SimTime::ZERO),
                    Err(e) => s.error = Some(e),
                }
            }
            UiCommand::SetDesktop(on) => match s.doc.set_platform(on) {
                Ok(b) => {
                    s.rebuilt(b, docknet_sim::time::SimTime::ZERO);
                    selection.ns = first_container(s);
                }
                Err(e) => s.error = Some(e),
            },
            UiCommand::Inspect(p) => selection.pinned_pkt = p,
            UiCommand::SelectNs(ns) => selection.ns = Some(ns),
            UiCommand::Breakpoints(b) => s.player.breakpoints = b,
            UiCommand::Problem(p) => s.error = p,
            UiCommand::Learner(name) => {
                if let Some(a) = &s.attempt {
                    match Session::open_exercise(&a.file.clone(), &a.text.clone(), &name) {
                        Ok(next) => {
                            s.replace_with(next);
                            selection.ns = first_container(s);
                        }
                        Err(e) => s.error = Some(e),
                    }
                }
            }
            UiCommand::Answer { id, answer } => {
                if let Some(a) = s.attempt.as_mut() {
                    a.answer(&id, answer);
                }
            }
            UiCommand::Hint(id) => {
                if let Some(a) = s.attempt.as_mut() {
                    a.take_hint(&id);
                }
            }
            UiCommand::Submit => {
                if let Some(a) = &s.attempt {
                    s.notice = Some(crate::results::hand_in(
                        &a.result_file_name(),
                        &a.result().to_json(),
                    ));
                }
            }
            UiCommand::DismissNotice => s.notice = None,
        }
    }
    // A rebuilt run has other packets under the same ids: unpin.
    if session.generation != generation {
        selection.pinned_pkt = None;
    }
}

fn advance(time: Res<Time>, mut session: ResMut<Session>) {
    let s = &mut *session;
    s.player.pump(PUMP_BUDGET);
    s.player.advance(f64::from(time.delta_secs()));
    s.index_trace();
}

fn refresh_view(
    mut session: ResMut<Session>,
    selection: Res<Selection>,
    mut view: ResMut<ViewState>,
) {
    let s = &mut *session;
    let key = (
        s.generation,
        s.player.cursor(),
        s.player.clock().0,
        selection.pinned_pkt,
        s.player.playing,
        s.conns.count(),
    );
    if view.key == Some(key) {
        return;
    }
    view.key = Some(key);
    view.scene = scene::compute(
        &s.layout,
        s.player.shown(),
        s.player.clock(),
        &s.conns,
        !s.player.playing,
    );
    // The rest changes only when the cursor (or the pinned packet) does, not with the clock.
    let kernel_key = (
        s.generation,
        s.player.cursor(),
        selection.pinned_pkt,
        s.conns.count(),
    );
    if view.kernel_key == Some(kernel_key) {
        return;
    }
    view.kernel_key = Some(kernel_key);
    let at = cursor::at(&mut s.player, &s.layout, &s.conns, selection.pinned_pkt);
    view.caption = at.caption;
    view.conntrack = at.conntrack;
    view.fdb = at.fdb;
    view.netfilter = at.netfilter;
    view.rule_line = at.rule_line;
    view.inspection = at.inspection;
}

/// A file named relative to the open `file` (a compose file's `.env`, the compose file a
/// scenario names): one given with it, else (natively) the file beside it on disk.
fn side_file(file: &str, side: &[(String, String)], name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if let Some((_, text)) = side.iter().find(|(n, _)| n == name || n == base) {
        return Some(text.clone());
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let dir = std::path::Path::new(file).parent()?;
        std::fs::read_to_string(dir.join(name)).ok()
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = file;
        None
    }
}
