//! Compose files: a `compose.yaml` read as Docker Compose v2 reads it and brought up as the
//! Docker commands Compose sends the engine (networks created, containers run and connected,
//! in Compose's order), so the Docker compiler builds it exactly as it builds `docker run`
//! lines, for the chosen Engine version.
//!
//! No I/O: the caller gives the file's text, the `.env` text beside it and the directory's
//! name ([`ComposeFile`]), and any variables ([`interpolate::Vars`]).

pub mod envfile;
pub mod interpolate;
pub mod project;
mod up;
pub mod yaml;

pub use project::{Project, normalize_project_name};
pub use up::{Step, Up, up};

use crate::scenario::Diagnostic;
use interpolate::{InterpolationError, Vars, interpolate};
use serde::{Deserialize, Serialize};
use yaml::{Key, Node, Pos, Value};

/// A compose file as its reader found it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComposeFile {
    /// The path shown in diagnostics.
    pub file: String,
    pub text: String,
    /// The `.env` file beside it, if there is one.
    pub env: Option<String>,
    /// The name of its directory (Compose's default project name, normalised).
    pub dir_name: String,
}

impl ComposeFile {
    /// A compose file at `path` (`/`- or `\`-separated) whose directory names the project.
    pub fn at(path: &str, text: &str, env: Option<String>) -> ComposeFile {
        let parts: Vec<&str> = path.split(['/', '\\']).collect();
        let dir = match parts.as_slice() {
            [.., dir, _file] if !dir.is_empty() && *dir != "." => dir.to_string(),
            _ => String::new(),
        };
        ComposeFile {
            file: path.to_string(),
            text: text.to_string(),
            env,
            dir_name: dir,
        }
    }
}

/// A problem in the compose file, at a place in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposeError {
    pub pos: Pos,
    pub message: String,
    pub help: String,
}

/// A key accepted but not simulated (volumes, healthcheck, build, environment, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotSimulated {
    /// `services.db.volumes`.
    pub path: String,
    pub pos: Pos,
}

/// A compose file loaded: the project, the `x-docknet` block (if any), and what Compose
/// would have warned about.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub project: Project,
    pub extension: Option<(Key, Node)>,
    /// `The "X" variable is not set. Defaulting to a blank string.`
    pub warnings: Vec<String>,
}

/// Is this file a compose file (by its name, else by its first key)?
pub fn is_compose(file: &str, text: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return true;
    }
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|l| {
            [
                "services:",
                "name:",
                "networks:",
                "version:",
                "x-",
                "volumes:",
                "include:",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
}

/// Read, interpolate and check a compose file. `vars` win over the `.env` file's.
///
/// # Errors
/// Every problem found, located in the compose file (or in `.env`).
pub fn load(f: &ComposeFile, vars: &Vars) -> Result<Loaded, Vec<Diagnostic>> {
    let at = |pos: Pos, message: String, help: &str| Diagnostic {
        file: f.file.clone(),
        line: pos.line.max(1),
        column: pos.column.max(1),
        message,
        help: help.to_string(),
    };
    let vars = match &f.env {
        Some(env) => envfile::parse_env(env, vars).map_err(|e| {
            vec![Diagnostic {
                file: env_path(&f.file),
                line: e.line,
                column: 1,
                message: e.message,
                help: "write one KEY=VALUE per line".into(),
            }]
        })?,
        None => vars.clone(),
    };
    let root = yaml::parse(&f.text).map_err(|e| {
        vec![at(
            e.pos,
            e.message,
            "check the YAML near this position (indentation, colons, quotes)",
        )]
    })?;
    let Some(mut root) = root else {
        return Err(vec![at(
            Pos::default(),
            "empty compose file".into(),
            "add `services:` with at least one service",
        )]);
    };
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    interpolate_tree(&mut root, "", &vars, &mut warnings, &mut errors);
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| at(e.pos, e.message, &e.help))
            .collect());
    }
    let profiles: Vec<String> = vars
        .get("COMPOSE_PROFILES")
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    // compose-go: COMPOSE_PROJECT_NAME (given or from .env) wins over `name:`, which wins
    // over the directory's name.
    let from_env = vars
        .get("COMPOSE_PROJECT_NAME")
        .filter(|n| !n.is_empty())
        .cloned();
    let mut default_name = from_env
        .clone()
        .unwrap_or_else(|| normalize_project_name(&f.dir_name));
    let named = from_env.is_some() || root.get("name").is_some();
    if default_name.is_empty() && !named {
        // No directory (a file opened in the browser): Compose would use the working
        // directory's name; say which name stands in for it.
        let stem = f.file.rsplit(['/', '\\']).next().unwrap_or(&f.file);
        let stem = stem.split('.').next().unwrap_or(stem);
        default_name = Some(normalize_project_name(stem))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "compose".into());
        warnings.push(format!(
            "the compose file's directory is not known here: the project is named \"{default_name}\" (add `name:` to the file to choose)"
        ));
    }
    let mut loader = project::Loader {
        errors: Vec::new(),
        not_simulated: Vec::new(),
        profiles: &profiles,
        disabled: Vec::new(),
    };
    let project = loader.project(&root, &default_name, from_env.is_some());
    let mut errors = loader.errors;
    if from_env.is_some() && !project::valid_project_name(&default_name) {
        errors.push(ComposeError {
            pos: root.pos,
            message: format!(
                "invalid project name \"{default_name}\" in COMPOSE_PROJECT_NAME: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
            ),
            help: "set COMPOSE_PROJECT_NAME to a name like shop".into(),
        });
    }
    if let Some(p) = &project {
        errors.extend(up::check(p, &loader.disabled));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.pos);
        return Err(errors
            .into_iter()
            .map(|e| at(e.pos, e.message, &e.help))
            .collect());
    }
    let extension = root
        .entries()
        .iter()
        .find(|(k, _)| k.text == "x-docknet")
        .cloned();
    let Some(project) = project else {
        return Err(vec![at(
            root.pos,
            "Top-level object must be a mapping".into(),
            "a compose file starts with `services:`",
        )]);
    };
    Ok(Loaded {
        project,
        extension,
        warnings,
    })
}

fn env_path(compose: &str) -> String {
    match compose.rfind(['/', '\\']) {
        Some(i) => format!("{}.env", &compose[..=i]),
        None => ".env".into(),
    }
}

/// Interpolate every scalar value (not keys) in place, as compose-go does before it reads
/// the model; `path` is the dotted path for messages.
fn interpolate_tree(
    node: &mut Node,
    path: &str,
    vars: &Vars,
    warnings: &mut Vec<String>,
    errors: &mut Vec<ComposeError>,
) {
    match &mut node.value {
        Value::Scalar { text, quoted } => {
            let mut unset = Vec::new();
            match interpolate(text, vars, &mut unset) {
                Ok(v) => *text = v,
                Err(InterpolationError { offset, message }) => {
                    let shift = offset + usize::from(*quoted);
                    errors.push(ComposeError {
                        pos: node.pos.shifted(shift),
                        message: format!("{message} in {path}"),
                        help:
                            "You may need to escape any $ with another $ (write $$ for a literal $)"
                                .into(),
                    });
                }
            }
            for u in unset {
                let w = format!("The \"{u}\" variable is not set. Defaulting to a blank string.");
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
        }
        Value::Seq(items) => {
            for i in items {
                interpolate_tree(i, &format!("{path}.[]"), vars, warnings, errors);
            }
        }
        Value::Map(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.text.clone()
                } else {
                    format!("{path}.{}", k.text)
                };
                interpolate_tree(v, &p, vars, warnings, errors);
            }
        }
        Value::Null => {}
    }
}
