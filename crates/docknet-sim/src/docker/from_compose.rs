//! A compose file as a whole scenario: the `x-docknet:` block carries what Compose does not
//! say (title, platform, traffic, capture points, peers, ...) with the fields and spelling of
//! a Docker-level RON scenario:
//!
//! ```yaml
//! x-docknet:
//!   title: "Shop: web, database, cache"
//!   platform: {Linux: {engine: "27.5"}}
//!   traffic:
//!     - Tcp: {from: shop-web-1, to: "db:5432", send: 40}
//!   observe: ["shop-web-1:eth0"]
//! ```

use super::DockerScenario;
use crate::compose::interpolate::Vars;
use crate::compose::yaml::{Key, Node, Value};
use crate::compose::{ComposeFile, load};
use crate::scenario::{Diagnostic, ScenarioError};

impl DockerScenario {
    /// The Docker-level scenario a compose file stands for: its `x-docknet` block, bringing
    /// the file's project up.
    ///
    /// # Errors
    /// Every problem in the compose file, or a field of `x-docknet` that does not fit.
    pub fn from_compose(f: ComposeFile, vars: &Vars) -> Result<DockerScenario, ScenarioError> {
        let loaded = load(&f, vars).map_err(|diagnostics| ScenarioError { diagnostics })?;
        let mut sc = match &loaded.extension {
            Some((key, node)) => from_block(&f.file, key, node)?,
            None => DockerScenario::default(),
        };
        if sc.title.is_empty() {
            sc.title = format!("Compose project {}", loaded.project.name);
        }
        sc.compose = Some(
            f.file
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(&f.file)
                .to_string(),
        );
        sc.compose_env = vars.clone();
        sc.compose_file = Some(f);
        Ok(sc)
    }
}

const NOT_IN_BLOCK: &[&str] = &["compose", "compose_env", "compose_file"];

fn from_block(file: &str, key: &Key, node: &Node) -> Result<DockerScenario, ScenarioError> {
    let at = |line: usize, column: usize, message: String, help: &str| Diagnostic {
        file: file.to_string(),
        line,
        column,
        message,
        help: help.to_string(),
    };
    let Value::Map(entries) = &node.value else {
        return Err(ScenarioError::single(at(
            key.pos.line,
            key.pos.column,
            "x-docknet must be a mapping".into(),
            "write its fields (title, platform, traffic, observe, ...) indented below it",
        )));
    };
    let mut diagnostics = Vec::new();
    for (k, v) in entries {
        if NOT_IN_BLOCK.contains(&k.text.as_str()) {
            diagnostics.push(at(
                k.pos.line,
                k.pos.column,
                format!("x-docknet.{} does not belong in a compose file", k.text),
                "this file is the compose file; remove the field",
            ));
            continue;
        }
        // Each field alone, so an error points at its own key.
        let one = serde_json::Value::Object([(k.text.clone(), to_json(v))].into_iter().collect());
        if let Err(e) = serde_json::from_value::<DockerScenario>(one) {
            diagnostics.push(at(
                k.pos.line,
                k.pos.column,
                format!("x-docknet.{}: {e}", k.text),
                "the fields are those of a Docker-level scenario, e.g. traffic: [{Tcp: {from: web, to: \"db:5432\"}}]",
            ));
        }
    }
    if !diagnostics.is_empty() {
        return Err(ScenarioError { diagnostics });
    }
    serde_json::from_value::<DockerScenario>(to_json(node)).map_err(|e| {
        ScenarioError::single(at(
            key.pos.line,
            key.pos.column,
            format!("x-docknet: {e}"),
            "check the block's fields",
        ))
    })
}

/// YAML -> JSON for serde: unquoted integers and booleans become numbers and booleans,
/// everything else a string.
fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Scalar { text, quoted } => {
            if !quoted {
                if let Ok(n) = text.parse::<i64>() {
                    return J::from(n);
                }
                if let Ok(n) = text.parse::<u64>() {
                    return J::from(n);
                }
                match text.as_str() {
                    "true" => return J::Bool(true),
                    "false" => return J::Bool(false),
                    _ => {}
                }
            }
            J::String(text.clone())
        }
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.text.clone(), to_json(v)))
                .collect(),
        ),
    }
}
