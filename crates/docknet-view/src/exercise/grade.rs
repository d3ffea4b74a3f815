//! Answer keys computed from a learner's variant, marking, and result files a teacher's
//! `docknet grade` verifies: the checksum (catches a hand-edited score), the exercise digest
//! (the same exercise file), and every score recomputed from the answers against a fresh
//! simulation with that learner's seed.

use super::query::{Goal, Run};
use super::{Exercise, Task, Variant, Wrong, digest, seed_for, text_digest};
use docknet_sim::docker::DockerScenario;
use docknet_sim::docker_cli as cli;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A learner's answer to one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Predict: the text typed or the option picked.
    Text(String),
    /// Fix: the commands run, in order.
    Commands(Vec<String>),
    /// Explain: the steps in the learner's order.
    Order(Vec<String>),
}

/// What a task expects for one variant.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    Text(String),
    Goal(Goal),
    Order(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskKey {
    pub id: String,
    pub expected: Expected,
    /// Multiple-choice options (the answer among them), or Explain's steps shuffled.
    pub options: Vec<String>,
    /// (a wrong answer, what to say about it).
    pub feedback: Vec<(String, String)>,
    pub points: u32,
    pub hint_cost: u32,
}

/// The answers for one learner's variant.
#[derive(Clone, Debug)]
pub struct Key {
    pub variant: Variant,
    pub tasks: Vec<TaskKey>,
}

/// The outcome of marking one answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub points: u32,
    pub max: u32,
    pub correct: bool,
    pub feedback: String,
}

/// Lowercase, trimmed, inner whitespace collapsed, a trailing full stop dropped.
pub fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .to_lowercase()
}

/// A deterministic shuffle (Fisher-Yates over a splitmix stream).
fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed;
    for i in (1..v.len()).rev() {
        x = super::splitmix(x);
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

impl Key {
    /// Compute every task's answer for the learner's seed.
    pub fn compute(ex: &Exercise, seed: u64) -> Result<Key, String> {
        Key::for_variant(ex.variant(seed)?)
    }

    /// Every task's answer for a variant already chosen.
    pub fn for_variant(variant: Variant) -> Result<Key, String> {
        let seed = variant.seed;
        let run = Run::new(&variant.exercise.scenario)?;
        let mut tasks = Vec::new();
        for (n, t) in variant.exercise.tasks.iter().enumerate() {
            let at = |e: String| format!("task `{}`: {e}", t.id());
            let task_seed = seed ^ ((n as u64 + 1) << 32);
            let (expected, options, feedback) = match t {
                Task::Predict(p) => {
                    let answer = run.answer(&p.query).map_err(at)?;
                    let options = if p.multiple_choice {
                        let mut others: Vec<String> = run
                            .alternatives(&p.query)
                            .into_iter()
                            .filter(|o| normalise(o) != normalise(&answer))
                            .collect();
                        shuffle(&mut others, task_seed);
                        // The teacher's distractors first, then what the run shows.
                        let mut picked: Vec<String> = Vec::new();
                        for o in p.distractors.iter().chain(&others) {
                            if normalise(o) != normalise(&answer)
                                && !picked.iter().any(|x| normalise(x) == normalise(o))
                            {
                                picked.push(o.clone());
                            }
                        }
                        let mut others = picked;
                        others.truncate(3);
                        others.push(answer.clone());
                        shuffle(&mut others, task_seed.rotate_left(7));
                        others
                    } else {
                        Vec::new()
                    };
                    let mut feedback = Vec::new();
                    for f in &p.feedback {
                        let wrong = match &f.when {
                            Wrong::Text(t) => t.clone(),
                            Wrong::Query(q) => run.answer(q).map_err(at)?,
                        };
                        feedback.push((wrong, f.say.clone()));
                    }
                    (Expected::Text(answer), options, feedback)
                }
                Task::Fix(f) => {
                    // A Fix's feedback is for an attempt whose commands contain a text.
                    let feedback = f
                        .feedback
                        .iter()
                        .filter_map(|fb| match &fb.when {
                            Wrong::Text(t) => Some((t.clone(), fb.say.clone())),
                            Wrong::Query(_) => None,
                        })
                        .collect();
                    (Expected::Goal(f.goal.clone()), Vec::new(), feedback)
                }
                Task::Explain(e) => {
                    let steps = run.path(&e.packet).map_err(at)?;
                    if steps.len() < 2 {
                        return Err(at(format!(
                            "the packet's path has {} step(s): nothing to order",
                            steps.len()
                        )));
                    }
                    let mut shuffled = steps.clone();
                    while shuffled == steps {
                        shuffle(&mut shuffled, task_seed);
                        if shuffled == steps {
                            shuffled.rotate_left(1);
                        }
                    }
                    (Expected::Order(steps), shuffled, Vec::new())
                }
            };
            tasks.push(TaskKey {
                id: t.id().to_string(),
                expected,
                options,
                feedback,
                points: t.points(),
                hint_cost: t.hint_cost(),
            });
        }
        Ok(Key { variant, tasks })
    }

    pub fn task(&self, id: &str) -> Option<&TaskKey> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Mark an answer, less the cost of the hints used.
    pub fn mark(&self, id: &str, answer: &Answer, hints_used: u32) -> Mark {
        let Some(k) = self.task(id) else {
            return Mark {
                points: 0,
                max: 0,
                correct: false,
                feedback: format!("no task `{id}`"),
            };
        };
        let (earned, correct, feedback) = match (&k.expected, answer) {
            (Expected::Text(want), Answer::Text(got)) => {
                if normalise(want) == normalise(got) {
                    (k.points, true, "Correct.".to_string())
                } else {
                    let remark = k
                        .feedback
                        .iter()
                        .find(|(wrong, _)| normalise(wrong) == normalise(got))
                        .map_or(
                            "Not what the network does. Step through the run and look again."
                                .to_string(),
                            |(_, say)| say.clone(),
                        );
                    (0, false, remark)
                }
            }
            (Expected::Goal(goal), Answer::Commands(cmds)) => {
                let fix = self.variant.exercise.tasks.iter().find_map(|t| match t {
                    Task::Fix(f) if f.id == id => Some(f),
                    _ => None,
                });
                // The key's goal comes from this Fix task (see `compute`); its check also
                // covers what must be kept.
                let outcome = fix
                    .ok_or_else(|| format!("task `{id}` is not a fix task of this exercise"))
                    .and_then(|f| {
                        apply_commands(&self.variant.exercise.scenario, cmds)
                            .and_then(|sc| f.check(&sc))
                    });
                // A common wrong attempt gets its own remark after the outcome.
                let remark = k
                    .feedback
                    .iter()
                    .find(|(text, _)| cmds.iter().any(|c| normalise(c).contains(&normalise(text))))
                    .map(|(_, say)| format!(" {say}"))
                    .unwrap_or_default();
                match outcome {
                    Ok(Ok(())) => (k.points, true, format!("Fixed: {}.", goal.describe())),
                    Ok(Err(missing)) => (0, false, format!("Not yet: {missing}.{remark}")),
                    Err(e) => (0, false, e),
                }
            }
            (Expected::Order(want), Answer::Order(got)) => {
                let right = want.iter().zip(got).filter(|(a, b)| a == b).count();
                let pts = k.points * right as u32 / want.len().max(1) as u32;
                (
                    pts,
                    right == want.len(),
                    format!("{right} of {} steps in the right place.", want.len()),
                )
            }
            _ => (
                0,
                false,
                "That kind of answer does not fit this task.".to_string(),
            ),
        };
        let points = earned.saturating_sub(hints_used.saturating_mul(k.hint_cost));
        Mark {
            points,
            max: k.points,
            correct,
            feedback,
        }
    }
}

/// The scenario after a learner's commands (`docker ...` or `iptables ...`), or the first
/// command that does not apply.
pub fn apply_commands(sc: &DockerScenario, cmds: &[String]) -> Result<DockerScenario, String> {
    let mut sc = sc.clone();
    for line in cmds {
        let l = line.trim();
        let l = l.strip_prefix("sudo ").unwrap_or(l);
        if l.starts_with("docker ") {
            cli::parse_command(l).map_err(|e| format!("`{l}`: {e}"))?;
            sc.commands.push(l.to_string());
        } else if l.starts_with("iptables ") {
            docknet_sim::netfilter::IptablesCommand::parse(l).map_err(|e| format!("`{l}`: {e}"))?;
            sc.iptables.push(l.to_string());
        } else {
            return Err(format!(
                "`{l}`: a fix is made of docker and iptables commands"
            ));
        }
    }
    Run::new(&sc).map_err(|e| format!("after your commands the setup does not build: {e}"))?;
    Ok(sc)
}

/// What a learner hands in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultFile {
    pub exercise: String,
    /// Digest of the exercise file's text.
    pub exercise_digest: String,
    pub learner: String,
    pub seed: u64,
    pub answers: BTreeMap<String, Answer>,
    /// Hints revealed per task.
    #[serde(default)]
    pub hints: BTreeMap<String, u32>,
    pub scores: BTreeMap<String, u32>,
    pub total: u32,
    pub max: u32,
    pub checksum: String,
}

impl ResultFile {
    /// Mark every answer and fill in scores, totals and the checksum.
    pub fn new(
        ex: &Exercise,
        exercise_text: &str,
        key: &Key,
        learner: &str,
        answers: BTreeMap<String, Answer>,
        hints: BTreeMap<String, u32>,
    ) -> ResultFile {
        let mut scores = BTreeMap::new();
        for t in &ex.tasks {
            let used = hints.get(t.id()).copied().unwrap_or(0);
            let pts = answers
                .get(t.id())
                .map_or(0, |a| key.mark(t.id(), a, used).points);
            scores.insert(t.id().to_string(), pts);
        }
        let mut r = ResultFile {
            exercise: ex.title.clone(),
            exercise_digest: text_digest(exercise_text),
            learner: learner.trim().to_string(),
            seed: key.variant.seed,
            total: scores.values().sum(),
            max: ex.tasks.iter().map(Task::points).sum(),
            answers,
            hints,
            scores,
            checksum: String::new(),
        };
        r.checksum = r.compute_checksum();
        r
    }

    fn compute_checksum(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.checksum.clear();
        let body = serde_json::to_string(&unsealed).unwrap_or_default();
        digest(format!("docknet-result\n{}\n{body}", self.exercise_digest).as_bytes())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<ResultFile, String> {
        serde_json::from_str(text).map_err(|e| format!("not a docknet result file: {e}"))
    }
}

/// Check a result against the exercise: its checksum, that it is this exercise, and that
/// every score follows from the answers. Returns the recomputed scores.
pub fn verify(
    ex: &Exercise,
    exercise_text: &str,
    r: &ResultFile,
) -> Result<BTreeMap<String, u32>, String> {
    if r.checksum != r.compute_checksum() {
        return Err("checksum mismatch: the file was edited after it was written".into());
    }
    if r.seed != seed_for(&r.learner) {
        return Err(format!(
            "seed {} is not the variant of learner `{}`: the file was made for someone else",
            r.seed, r.learner
        ));
    }
    if r.exercise_digest != text_digest(exercise_text) {
        return Err(format!(
            "written for another version of the exercise (digest {})",
            r.exercise_digest
        ));
    }
    let key = Key::compute(ex, r.seed)?;
    let fresh = ResultFile::new(
        ex,
        exercise_text,
        &key,
        &r.learner,
        r.answers.clone(),
        r.hints.clone(),
    );
    if fresh.scores != r.scores || fresh.total != r.total {
        return Err(format!(
            "scores do not follow from the answers (claimed {}, recomputed {})",
            r.total, fresh.total
        ));
    }
    Ok(fresh.scores)
}

/// Problems a teacher should hear about before handing the exercise out: queries that do not
/// compute (a capture point that does not exist, a packet that never passes there) and fix
/// goals that already hold before any change.
pub fn validate(ex: &Exercise) -> Vec<String> {
    let mut problems = Vec::new();
    let key = Key::compute(ex, 0);
    if let Err(e) = &key {
        problems.push(e.clone());
    }
    if let Some(p) = same_key_for_everyone(ex) {
        problems.push(p);
    }
    if let Ok(key) = key {
        for (t, k) in ex.tasks.iter().zip(&key.tasks) {
            if matches!(t, Task::Predict(p) if p.multiple_choice) && k.options.len() < 3 {
                problems.push(format!(
                    "task `{}`: multiple choice with {} option(s); add distractors so there \
                     are at least three",
                    k.id,
                    k.options.len()
                ));
            }
        }
    }
    let variant = match ex.variant(0) {
        Ok(v) => v,
        Err(e) => return vec![e],
    };
    for t in &variant.exercise.tasks {
        if let Task::Fix(f) = t {
            if f.feedback
                .iter()
                .any(|fb| matches!(fb.when, Wrong::Query(_)))
            {
                problems.push(format!(
                    "task `{}`: a fix's feedback names a text found in the learner's commands \
                     (when: Text(\"--dport 8080\")), not a query",
                    f.id
                ));
            }
            match f.goal.holds(&variant.exercise.scenario) {
                Ok(true) => problems.push(format!(
                    "task `{}`: the goal ({}) already holds before any change: nothing to fix",
                    f.id,
                    f.goal.describe()
                )),
                Ok(false) => {}
                Err(e) => problems.push(format!("task `{}`: {e}", f.id)),
            }
            if !f.solution.is_empty() {
                match apply_commands(&variant.exercise.scenario, &f.solution)
                    .and_then(|sc| f.check(&sc))
                {
                    Ok(Ok(())) => {}
                    Ok(Err(missing)) => problems.push(format!(
                        "task `{}`: the reference solution does not achieve the goal ({missing})",
                        f.id
                    )),
                    Err(e) => problems.push(format!(
                        "task `{}`: the reference solution fails: {e}",
                        f.id
                    )),
                }
            }
        }
    }
    problems
}

/// Learners' seeds tried when looking for two variants with different answers.
const VARIANT_PROBES: u64 = 24;

/// What a learner would copy from a neighbour: every task's expected answer.
/// For a fix, the goal and the reference solution (the commands a neighbour would copy).
fn answers(key: &Key) -> Vec<String> {
    key.tasks
        .iter()
        .map(|t| match &t.expected {
            Expected::Text(s) => normalise(s),
            Expected::Goal(g) => {
                let solution = key.variant.exercise.tasks.iter().find_map(|x| match x {
                    Task::Fix(f) if f.id == t.id => Some(f.solution.join("; ")),
                    _ => None,
                });
                format!("{} / {}", g.describe(), solution.unwrap_or_default())
            }
            Expected::Order(o) => o.join(" | "),
        })
        .collect()
}

/// Why every learner would get the same answers, if they would: no `vary`, or `vary`
/// choices that never change an answer. The scenario's own seed is held fixed while the
/// choices change, so MACs and random ports do not count as a difference.
fn same_key_for_everyone(ex: &Exercise) -> Option<String> {
    if ex.vary.is_empty() {
        return Some(
            "no `vary`: every learner gets the same answers and can copy a neighbour's; vary \
             a port, a name or a subnet that the answers depend on"
                .into(),
        );
    }
    let mut seen: Vec<Vec<String>> = Vec::new();
    for seed in 0..VARIANT_PROBES {
        let Ok(mut v) = ex.variant(seed) else {
            return None; // reported by the caller
        };
        v.exercise.scenario.seed = ex.scenario.seed;
        let Ok(key) = Key::for_variant(v) else {
            return None;
        };
        let a = answers(&key);
        if !seen.contains(&a) {
            seen.push(a);
        }
        if seen.len() > 1 {
            return None;
        }
    }
    Some(format!(
        "the vary choices never change an answer ({} learners tried): every learner gets the \
         same key; vary something the answers depend on",
        VARIANT_PROBES
    ))
}
