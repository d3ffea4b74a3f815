//! One learner working through an exercise: their variant, answers, hints taken, marks so far,
//! the commands they ran for fix tasks, and the result file they hand in.

use super::grade::{Answer, Key, Mark, ResultFile};
use super::{Exercise, Task, seed_for};
use crate::Document;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Attempt {
    pub file: String,
    /// The exercise file's text (its digest identifies it in the result).
    pub text: String,
    pub exercise: Exercise,
    pub learner: String,
    pub key: Key,
    pub answers: BTreeMap<String, Answer>,
    pub hints: BTreeMap<String, u32>,
    pub marks: BTreeMap<String, Mark>,
    /// `docker ...` and `iptables ...` lines run in the console (a fix task's answer).
    pub commands: Vec<String>,
}

impl Attempt {
    /// Start (or restart, for another learner name) an exercise; returns the attempt and the
    /// learner's variant of the scenario to open.
    pub fn start(file: &str, text: &str, learner: &str) -> Result<(Attempt, Document), String> {
        let exercise = Exercise::parse(file, text).map_err(|e| e.to_string())?;
        let key = Key::compute(&exercise, seed_for(learner))?;
        let doc = Document::from_docker(
            &format!("{file} (your variant)"),
            key.variant.exercise.scenario.clone(),
        );
        Ok((
            Attempt {
                file: file.to_string(),
                text: text.to_string(),
                learner: learner.trim().to_string(),
                exercise: key.variant.exercise.clone(),
                key,
                answers: BTreeMap::new(),
                hints: BTreeMap::new(),
                marks: BTreeMap::new(),
                commands: Vec::new(),
            },
            doc,
        ))
    }

    /// The tasks as this learner sees them (variant text).
    pub fn tasks(&self) -> &[Task] {
        &self.exercise.tasks
    }

    /// Reveal the next hint of a task, if any is left.
    pub fn take_hint(&mut self, id: &str) -> Option<String> {
        let task = self.exercise.tasks.iter().find(|t| t.id() == id)?;
        let used = self.hints.get(id).copied().unwrap_or(0) as usize;
        let hint = task.hints().get(used)?.clone();
        self.hints.insert(id.to_string(), used as u32 + 1);
        Some(hint)
    }

    /// The hints already revealed for a task.
    pub fn shown_hints(&self, id: &str) -> Vec<String> {
        let used = self.hints.get(id).copied().unwrap_or(0) as usize;
        self.exercise
            .tasks
            .iter()
            .find(|t| t.id() == id)
            .map_or(Vec::new(), |t| {
                t.hints().iter().take(used).cloned().collect()
            })
    }

    /// Answer a task and keep the mark (answering again replaces it).
    pub fn answer(&mut self, id: &str, answer: Answer) -> Mark {
        let hints = self.hints.get(id).copied().unwrap_or(0);
        let mark = self.key.mark(id, &answer, hints);
        self.answers.insert(id.to_string(), answer);
        self.marks.insert(id.to_string(), mark.clone());
        mark
    }

    pub fn score(&self) -> (u32, u32) {
        let got = self.marks.values().map(|m| m.points).sum();
        (got, self.exercise.tasks.iter().map(Task::points).sum())
    }

    /// The file to hand in.
    pub fn result(&self) -> ResultFile {
        ResultFile::new(
            &self.exercise_as_written(),
            &self.text,
            &self.key,
            &self.learner,
            self.answers.clone(),
            self.hints.clone(),
        )
    }

    /// The exercise as the teacher wrote it (not the variant), which results are checked against.
    fn exercise_as_written(&self) -> Exercise {
        Exercise::parse(&self.file, &self.text).unwrap_or_else(|_| self.exercise.clone())
    }

    /// `learner-exercise.json`, safe as a file name.
    pub fn result_file_name(&self) -> String {
        let clean = |s: &str| {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        };
        let stem = self
            .file
            .rsplit('/')
            .next()
            .unwrap_or(&self.file)
            .trim_end_matches(".ron");
        format!("{}-{}.json", clean(&self.learner), clean(stem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::grade::{self, Expected};

    #[test]
    fn a_learner_answers_takes_a_hint_and_hands_in_a_file_the_teacher_accepts() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenarios/exercises/publish-fix.ron"
        );
        let text = std::fs::read_to_string(file).unwrap();
        let (mut a, doc) = Attempt::start("publish-fix.ron", &text, "Grace").unwrap();
        assert!(doc.build().is_ok());
        let hint = a.take_hint("host-answer-to-syn").unwrap();
        assert!(hint.contains("Nothing listens"), "{hint}");
        let Expected::Text(flags) = &a.key.task("host-answer-to-syn").unwrap().expected else {
            unreachable!()
        };
        let m = a.answer("host-answer-to-syn", Answer::Text(flags.clone()));
        assert!(m.correct);
        assert_eq!(m.points, 0, "1 point less 1 for the hint");
        let port = a.key.variant.choices[0].1.clone();
        let m = a.answer(
            "publish-nginx",
            Answer::Commands(vec![
                "docker rm -f web".into(),
                format!("docker run -d --name web -p {port}:80 nginx"),
            ]),
        );
        assert!(m.correct, "{}", m.feedback);
        assert_eq!(a.score(), (3, 4));
        let r = a.result();
        assert_eq!(r.total, 3);
        assert!(grade::verify(&Exercise::parse("x", &text).unwrap(), &text, &r).is_ok());
        assert_eq!(a.result_file_name(), "grace-publish-fix.json");
    }
}
