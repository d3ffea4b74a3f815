//! Classroom exercises: a Docker-level scenario plus tasks whose answers the simulator
//! computes, never the teacher.
//!
//! - Predict: a question about something observable (a field of a packet at a capture point,
//!   the chain that drops a packet, the rule that rewrites it, whether a name resolves or a
//!   port is reachable), answered as free text or by multiple choice.
//! - Fix: a broken setup and a goal checked by running a probe connection; the learner's
//!   answer is the list of commands (`docker ...`, `iptables ...`) that fix it.
//! - Explain: put the steps of a packet's path in order.
//!
//! A learner's seed picks a variant: every `vary` token (a port, a name, a subnet) is replaced
//! by one of its choices, and the scenario's own seed changes MACs, ports and ISNs; answers are
//! computed for that variant. [`grade`] checks answers and verifies result files.

pub mod grade;
pub mod query;
pub mod session;

use docknet_sim::docker::DockerScenario;
use docknet_sim::scenario::{ScenarioError, Source};
use serde::{Deserialize, Serialize};

/// An exercise file (`Exercise(...)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub title: String,
    /// What the learner reads first.
    #[serde(default)]
    pub intro: String,
    pub scenario: DockerScenario,
    /// Tokens replaced per learner, in the scenario and in every task's text.
    #[serde(default)]
    pub vary: Vec<Vary>,
    pub tasks: Vec<Task>,
}

/// `token` is replaced by one of `choices` (chosen by the learner's seed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vary {
    pub token: String,
    pub choices: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Task {
    Predict(Predict),
    Fix(Fix),
    Explain(Explain),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predict {
    pub id: String,
    pub points: u32,
    pub question: String,
    pub query: query::Query,
    /// Offer options (the answer and distractors seen in the same run) instead of free text.
    #[serde(default)]
    pub multiple_choice: bool,
    /// Plausible wrong options the teacher adds to the ones seen in the run (a learner's
    /// usual mistakes, such as `127.0.0.1` or `INPUT`).
    #[serde(default)]
    pub distractors: Vec<String>,
    #[serde(default)]
    pub hints: Vec<String>,
    /// Points taken per hint revealed.
    #[serde(default)]
    pub hint_cost: u32,
    /// What to say for common wrong answers.
    #[serde(default)]
    pub feedback: Vec<Feedback>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub id: String,
    pub points: u32,
    /// What to achieve, in words.
    pub task: String,
    pub goal: query::Goal,
    /// What must still hold after the fix (e.g. the laptop still reaches the site while the
    /// intruder is blocked), so "block everything" is not a fix.
    #[serde(default)]
    pub keep: Vec<query::Goal>,
    /// A reference fix (the teacher's; checked against the goal, never shown to learners).
    #[serde(default)]
    pub solution: Vec<String>,
    #[serde(default)]
    pub hints: Vec<String>,
    #[serde(default)]
    pub hint_cost: u32,
    /// What to say when an attempt that does not fix it contains a text (`Text("-A INPUT")`).
    #[serde(default)]
    pub feedback: Vec<Feedback>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explain {
    pub id: String,
    pub points: u32,
    pub question: String,
    /// The packet whose path is put in order.
    pub packet: query::PacketRef,
    #[serde(default)]
    pub hints: Vec<String>,
    #[serde(default)]
    pub hint_cost: u32,
}

/// A wrong answer worth a specific remark: a value computed by a query, or a literal text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub when: Wrong,
    pub say: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Wrong {
    Query(query::Query),
    Text(String),
}

impl Fix {
    /// Whether the goal and everything to keep hold for a scenario; the first that does not,
    /// described, otherwise.
    pub fn check(&self, sc: &DockerScenario) -> Result<Result<(), String>, String> {
        for (g, main) in
            std::iter::once((&self.goal, true)).chain(self.keep.iter().map(|g| (g, false)))
        {
            if !g.holds(sc)? {
                let what = if main { "" } else { "still " };
                return Ok(Err(format!("{what}{}", g.describe())));
            }
        }
        Ok(Ok(()))
    }
}

impl Task {
    pub fn id(&self) -> &str {
        match self {
            Task::Predict(t) => &t.id,
            Task::Fix(t) => &t.id,
            Task::Explain(t) => &t.id,
        }
    }

    fn set_id(&mut self, id: &str) {
        let slot = match self {
            Task::Predict(t) => &mut t.id,
            Task::Fix(t) => &mut t.id,
            Task::Explain(t) => &mut t.id,
        };
        *slot = id.to_string();
    }

    pub fn points(&self) -> u32 {
        match self {
            Task::Predict(t) => t.points,
            Task::Fix(t) => t.points,
            Task::Explain(t) => t.points,
        }
    }

    pub fn hints(&self) -> &[String] {
        match self {
            Task::Predict(t) => &t.hints,
            Task::Fix(t) => &t.hints,
            Task::Explain(t) => &t.hints,
        }
    }

    pub fn hint_cost(&self) -> u32 {
        match self {
            Task::Predict(t) => t.hint_cost,
            Task::Fix(t) => t.hint_cost,
            Task::Explain(t) => t.hint_cost,
        }
    }

    /// The question or task text.
    pub fn prompt(&self) -> &str {
        match self {
            Task::Predict(t) => &t.question,
            Task::Fix(t) => &t.task,
            Task::Explain(t) => &t.question,
        }
    }
}

/// Is this text an exercise file (`Exercise(...)`) rather than a scenario?
pub fn is_exercise(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"))
        .is_some_and(|l| l.starts_with("Exercise"))
}

/// The digest of an exercise file's text, the same whatever its line endings or BOM.
pub fn text_digest(text: &str) -> String {
    digest(
        text.trim_start_matches('\u{feff}')
            .replace("\r\n", "\n")
            .as_bytes(),
    )
}

/// A short stable digest (FNV-1a, 64 bits) as 16 hex digits: the exercise's identity in
/// result files and the base of their checksum.
pub fn digest(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A number from a learner's name, for when no seed is given.
pub fn seed_for(learner: &str) -> u64 {
    u64::from_str_radix(&digest(learner.trim().to_lowercase().as_bytes())[..12], 16).unwrap_or(0)
}

/// An exercise with one learner's variant applied: the text and the scenario to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub seed: u64,
    pub exercise: Exercise,
    /// (token, replacement) as chosen for this seed.
    pub choices: Vec<(String, String)>,
}

impl Exercise {
    /// Parse an exercise file, with diagnostics that point into it.
    pub fn parse(file: &str, text: &str) -> Result<Exercise, ScenarioError> {
        let ex: Exercise = docknet_sim::scenario::parse_ron(file, text)?;
        let src = Source::new(file, text);
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for t in &ex.tasks {
            if !seen.insert(t.id().to_string()) {
                problems.push(src.at_value(
                    None,
                    t.id(),
                    format!("two tasks are called `{}`", t.id()),
                    "give every task its own id".into(),
                ));
            }
            if t.hints().len() > 3 {
                problems.push(src.at_value(
                    None,
                    t.id(),
                    format!("task `{}` has {} hints", t.id(), t.hints().len()),
                    "three hints at most".into(),
                ));
            }
        }
        for v in &ex.vary {
            if v.choices.is_empty() || v.token.is_empty() {
                problems.push(src.at_value(
                    Some("vary"),
                    &v.token,
                    format!("vary `{}` needs a token and at least one choice", v.token),
                    "e.g. (token: \"8080\", choices: [\"8080\", \"8081\", \"9090\"])".into(),
                ));
            }
        }
        if problems.is_empty() {
            Ok(ex)
        } else {
            Err(ScenarioError {
                diagnostics: problems,
            })
        }
    }

    /// The variant for a seed: tokens replaced (deterministically) everywhere but in task
    /// ids, and the scenario reseeded.
    pub fn variant(&self, seed: u64) -> Result<Variant, String> {
        let mut text = ron::ser::to_string(self).expect("an exercise serialises");
        let mut choices = Vec::new();
        for (i, v) in self.vary.iter().enumerate() {
            let pick = (splitmix(seed ^ (i as u64).wrapping_mul(0x9e37_79b9))
                % v.choices.len() as u64) as usize;
            let to = v.choices[pick].clone();
            choices.push((v.token.clone(), to.clone()));
            text = replace_token(&text, &v.token, &to);
        }
        let mut exercise: Exercise = ron::from_str(&text).map_err(|e| {
            format!("the variant for seed {seed} ({choices:?}) does not parse: {e}; check the vary choices")
        })?;
        for (t, original) in exercise.tasks.iter_mut().zip(&self.tasks) {
            t.set_id(original.id());
        }
        exercise.vary.clear();
        exercise.scenario.seed = self.scenario.seed ^ seed;
        Ok(Variant {
            seed,
            exercise,
            choices,
        })
    }
}

/// A 64-bit mix so neighbouring seeds pick unrelated choices.
pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Replace whole-token occurrences of `token` (not inside a longer word or number), so the
/// token `80` does not touch `8080` and `web` does not touch `website`. `text` is serialised
/// RON, so an escape such as `\n` before the token is a boundary, not a letter `n`.
fn replace_token(text: &str, token: &str, to: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let starts_word = token.chars().next().is_some_and(is_word);
    let ends_word = token.chars().next_back().is_some_and(is_word);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(token) {
        out.push_str(&rest[..i]);
        let joins_before =
            starts_word && out.chars().next_back().is_some_and(is_word) && !ends_in_escape(&out);
        let after = &rest[i + token.len()..];
        let joins_after = ends_word && after.chars().next().is_some_and(is_word);
        out.push_str(if joins_before || joins_after {
            token
        } else {
            to
        });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Whether `text` ends in a string escape like `\n` or `\t` (an odd run of backslashes
/// before its last character).
fn ends_in_escape(text: &str) -> bool {
    let mut chars = text.chars().rev();
    chars.next();
    chars.take_while(|&c| c == '\\').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_replaced_whole() {
        assert_eq!(
            replace_token("8080 80 :80 808", "80", "81"),
            "8080 81 :81 808"
        );
        assert_eq!(
            replace_token("web website web:eth0", "web", "site"),
            "site website site:eth0"
        );
        // In serialised RON a newline is `\n`: the token after it is whole, `\\n` is not.
        assert_eq!(
            replace_token(r#"a\nweb b\\nweb \tweb"#, "web", "site"),
            r#"a\nsite b\\nweb \tsite"#
        );
    }

    #[test]
    fn seeds_from_names_are_stable_and_spread() {
        assert_eq!(seed_for("Ada Lovelace"), seed_for(" ada lovelace "));
        assert_ne!(seed_for("ada"), seed_for("alan"));
    }
}
