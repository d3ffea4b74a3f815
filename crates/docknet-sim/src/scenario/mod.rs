//! Scenario files: the kernel-level RON format, loading with diagnostics that name the file,
//! line and column, and validation of everything the model would otherwise trip over.

mod diag;
mod problem;
mod types;

pub use diag::{Diagnostic, ScenarioError, Source, Warning};
pub use problem::{Loc, Problem};
pub use types::*;

/// Parse a scenario from RON text. `file` is used only in diagnostics.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    parse_ron(file, text)
}

/// Is this a Docker-level file (`DockerScenario(...)`) rather than a kernel-level one?
pub fn is_docker_level(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"))
        .is_some_and(|l| l.starts_with("DockerScenario"))
}

/// Parse any scenario-shaped RON type, with diagnostics located in the file.
pub fn parse_ron<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, ScenarioError> {
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options.from_str::<T>(text).map_err(|e| {
        let src = Source::new(file, text);
        ScenarioError::single(src.at_position(
            e.span.start.line,
            e.span.start.col,
            e.code.to_string(),
            ron_help(&e.code),
        ))
    })
}

/// A hint for the most common RON mistakes.
fn ron_help(code: &ron::Error) -> String {
    match code {
        ron::Error::NoSuchStructField { expected, .. } => {
            format!("this section accepts only: {}", expected.join(", "))
        }
        ron::Error::ExpectedString | ron::Error::ExpectedStringEnd => {
            "strings are written in double quotes, e.g. \"10.0.0.1/24\"".into()
        }
        ron::Error::NoSuchEnumVariant { expected, .. } => {
            format!("use one of: {}", expected.join(", "))
        }
        _ => "check the RON syntax near this position (brackets, commas, quotes)".into(),
    }
}
