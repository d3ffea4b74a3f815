//! Opening a scenario file of any level: a compose file or a Docker-level scenario is
//! compiled to the kernel level first, then built into a [`Sim`].

use crate::compose::{self, ComposeFile};
use crate::docker::DockerScenario;
use crate::scenario::{Problem, Scenario, ScenarioError, Source};
use crate::sim::Sim;

/// Parse, validate and build: the one call the CLI and the app use to open a file.
/// Docker-level files (`DockerScenario(...)`) and compose files are compiled to the kernel
/// level first; the returned scenario is the kernel-level one the simulation runs. Files
/// beside it (a compose file a scenario names, a `.env`) are not read: see [`load_with`].
pub fn load(file: &str, text: &str) -> Result<(Scenario, Sim), ScenarioError> {
    load_with(file, text, &|_| None)
}

/// [`load`], with `read` giving the text of a file named relative to the scenario's
/// directory (`compose.yaml`, `.env`), or `None` when there is none. The core does no I/O:
/// the caller reads.
pub fn load_with(
    file: &str,
    text: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(Scenario, Sim), ScenarioError> {
    let located = |problems: Vec<Problem>| {
        let src = Source::new(file, text);
        ScenarioError {
            diagnostics: problems.iter().map(|p| p.locate(&src)).collect(),
        }
    };
    let scenario = match docker_level(file, text, read)? {
        Some(docker) => crate::docker::compile(&docker).map_err(located)?.scenario,
        None => crate::scenario::parse(file, text)?,
    };
    let sim = Sim::from_scenario(&scenario).map_err(located)?;
    Ok((scenario, sim))
}

/// The Docker-level scenario a file stands for: a compose file (with its `.env`), or a
/// `DockerScenario(...)` with the compose file it names read in; `None` for a kernel-level
/// file.
///
/// # Errors
/// The file's own problems, or a compose file it names that cannot be read.
pub fn docker_level(
    file: &str,
    text: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<DockerScenario>, ScenarioError> {
    if compose::is_compose(file, text) && !crate::scenario::is_docker_level(text) {
        let f = ComposeFile::at(file, text, read(".env"));
        return DockerScenario::from_compose(f, &Default::default()).map(Some);
    }
    if !crate::scenario::is_docker_level(text) {
        return Ok(None);
    }
    let mut docker: DockerScenario = crate::scenario::parse_ron(file, text)?;
    if let (Some(path), None) = (docker.compose.clone(), &docker.compose_file) {
        let Some(compose_text) = read(&path) else {
            let src = Source::new(file, text);
            return Err(ScenarioError::single(
                src.at_value(
                    None,
                    &path,
                    format!("cannot read the compose file `{path}`"),
                    "give its path relative to this scenario file, e.g. compose: \"compose.yaml\""
                        .into(),
                ),
            ));
        };
        let dir = match path.rfind(['/', '\\']) {
            Some(i) => format!("{}/", &path[..i]),
            None => String::new(),
        };
        let shown = match file.rfind(['/', '\\']) {
            Some(i) => format!("{}{path}", &file[..=i]),
            None => path.clone(),
        };
        docker.compose_file = Some(ComposeFile::at(
            &shown,
            &compose_text,
            read(&format!("{dir}.env")),
        ));
    }
    Ok(Some(docker))
}
