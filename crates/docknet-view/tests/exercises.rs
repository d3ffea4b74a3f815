//! Every shipped exercise: it validates, a correct answer file scores full marks and verifies,
//! a wrong one scores less (with the feedback meant for it), a tampered one is rejected, and a
//! changed seed changes the variant and its computed answers. Malformed exercises get
//! diagnostics.

use docknet_view::exercise::grade::{self, Answer, Expected, Key, ResultFile};
use docknet_view::exercise::{Exercise, Task, seed_for};
use std::collections::BTreeMap;

fn exercises() -> Vec<(String, String, Exercise)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/exercises");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let ex = Exercise::parse(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            (name, text, ex)
        })
        .collect()
}

fn exercise(name: &str) -> (String, Exercise) {
    let (_, text, ex) = exercises().into_iter().find(|(n, _, _)| n == name).unwrap();
    (text, ex)
}

/// The right answer to every task of a key (fix tasks: the reference solution).
fn correct(ex: &Exercise, key: &Key) -> BTreeMap<String, Answer> {
    let variant = &key.variant.exercise;
    key.tasks
        .iter()
        .map(|t| {
            let a = match &t.expected {
                // Upper case: answers are compared normalised.
                Expected::Text(s) => Answer::Text(s.to_uppercase()),
                Expected::Order(o) => Answer::Order(o.clone()),
                Expected::Goal(_) => {
                    let Some(Task::Fix(f)) = variant.tasks.iter().find(|x| x.id() == t.id) else {
                        unreachable!()
                    };
                    assert!(
                        !f.solution.is_empty(),
                        "{}: fix task {} needs a reference solution",
                        ex.title,
                        t.id
                    );
                    Answer::Commands(f.solution.clone())
                }
            };
            (t.id.clone(), a)
        })
        .collect()
}

fn wrong(key: &Key) -> BTreeMap<String, Answer> {
    key.tasks
        .iter()
        .map(|t| {
            let a = match &t.expected {
                Expected::Text(s) if s == "yes" => Answer::Text("no".into()),
                Expected::Text(s) if s == "no" => Answer::Text("yes".into()),
                Expected::Text(s) => Answer::Text(format!("{s}x")),
                Expected::Order(o) => Answer::Order(o.iter().rev().cloned().collect()),
                Expected::Goal(_) => Answer::Commands(vec![]),
            };
            (t.id.clone(), a)
        })
        .collect()
}

#[test]
fn at_least_ten_exercises_validate() {
    let all = exercises();
    assert!(all.len() >= 10, "{} exercises", all.len());
    for (name, _, ex) in &all {
        assert_eq!(grade::validate(ex), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn correct_answers_score_full_marks_and_verify_wrong_ones_do_not() {
    for (name, text, ex) in exercises() {
        let key = Key::compute(&ex, seed_for("Ada")).unwrap();
        let good = ResultFile::new(&ex, &text, &key, "Ada", correct(&ex, &key), BTreeMap::new());
        assert_eq!(good.total, good.max, "{name}: {:?}", good.scores);
        assert_eq!(
            grade::verify(&ex, &text, &good).unwrap(),
            good.scores,
            "{name}"
        );

        let bob = Key::compute(&ex, seed_for("Bob")).unwrap();
        let bad = ResultFile::new(&ex, &text, &bob, "Bob", wrong(&bob), BTreeMap::new());
        assert!(bad.total < bad.max / 2, "{name}: {:?}", bad.scores);
        assert!(
            grade::verify(&ex, &text, &bad).is_ok(),
            "{name}: an honest low score verifies"
        );

        // Hints cost points.
        let first = &ex.tasks[0];
        if first.hint_cost() > 0 {
            let hints = BTreeMap::from([(first.id().to_string(), 1)]);
            let hinted = ResultFile::new(&ex, &text, &key, "Ada", correct(&ex, &key), hints);
            assert_eq!(hinted.total, good.total - first.hint_cost(), "{name}");
        }
    }
}

#[test]
fn tampering_is_caught() {
    let (text, ex) = exercise("dnat-published-port.ron");
    let key = Key::compute(&ex, seed_for("Eve")).unwrap();
    let bad = ResultFile::new(&ex, &text, &key, "Eve", wrong(&key), BTreeMap::new());
    // A raised total.
    let mut edited = bad.clone();
    edited.total = edited.max;
    assert!(
        grade::verify(&ex, &text, &edited)
            .unwrap_err()
            .contains("checksum")
    );
    // Raised scores with a checksum made to match still do not follow from the answers.
    let mut forged = bad.clone();
    forged.scores.values_mut().for_each(|v| *v = 2);
    forged.total = forged.scores.values().sum();
    forged.checksum.clear();
    let body = serde_json::to_string(&forged).unwrap();
    forged.checksum = docknet_view::exercise::digest(
        format!("docknet-result\n{}\n{body}", forged.exercise_digest).as_bytes(),
    );
    let err = grade::verify(&ex, &text, &forged).unwrap_err();
    assert!(err.contains("do not follow from the answers"), "{err}");
    // A classmate's file with the name changed: the seed is not the new name's variant.
    let ada = Key::compute(&ex, seed_for("Ada")).unwrap();
    let mut copied = ResultFile::new(&ex, &text, &ada, "Ada", correct(&ex, &ada), BTreeMap::new());
    copied.learner = "Eve".into();
    copied.checksum.clear();
    let body = serde_json::to_string(&copied).unwrap();
    copied.checksum = docknet_view::exercise::digest(
        format!("docknet-result\n{}\n{body}", copied.exercise_digest).as_bytes(),
    );
    assert!(
        grade::verify(&ex, &text, &copied)
            .unwrap_err()
            .contains("made for someone else")
    );
    // The same text with Windows line endings is the same exercise.
    assert!(grade::verify(&ex, &text.replace('\n', "\r\n"), &bad).is_ok());
    // Another version of the exercise.
    assert!(
        grade::verify(&ex, &format!("{text}\n"), &bad)
            .unwrap_err()
            .contains("another version")
    );
}

#[test]
fn the_seed_picks_the_variant_and_the_answers_follow() {
    let (_, ex) = exercise("dnat-published-port.ron");
    let keys: Vec<Key> = (0..6).map(|s| Key::compute(&ex, s).unwrap()).collect();
    let answers: std::collections::BTreeSet<String> = keys
        .iter()
        .map(
            |k| match &k.task("synack-source-at-laptop").unwrap().expected {
                Expected::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert!(answers.len() > 1, "six seeds gave one answer: {answers:?}");
    for k in &keys {
        let port = &k
            .variant
            .choices
            .iter()
            .find(|(t, _)| t == "8080")
            .unwrap()
            .1;
        let Expected::Text(ans) = &k.task("synack-source-at-laptop").unwrap().expected else {
            unreachable!()
        };
        assert_eq!(
            ans,
            &format!("10.12.91.17:{port}"),
            "the answer follows the variant's port"
        );
    }
    // The same seed gives the same key.
    assert_eq!(Key::compute(&ex, 4).unwrap().tasks, keys[4].tasks);
}

/// The mark for answering fix task `id` with console commands, no hints taken.
fn mark_fix(key: &Key, id: &str, commands: &[&str]) -> docknet_view::exercise::grade::Mark {
    let commands = commands.iter().map(|c| c.to_string()).collect();
    key.mark(id, &Answer::Commands(commands), 0)
}

/// What `token` became in this learner's variant.
fn chosen(key: &Key, token: &str) -> String {
    key.variant
        .choices
        .iter()
        .find(|(t, _)| t == token)
        .map(|(_, to)| to.clone())
        .unwrap_or_else(|| panic!("no vary token {token}"))
}

#[test]
fn blocking_everyone_is_not_a_fix_when_others_must_keep_access() {
    let (_, ex) = exercise("docker-user-firewall.ron");
    let key = Key::compute(&ex, 5).unwrap();
    let (intruder, port) = (chosen(&key, "10.12.91.66"), chosen(&key, "8080"));
    let all = mark_fix(&key, "block-intruder", &["iptables -I DOCKER-USER -j DROP"]);
    assert!(
        !all.correct && all.feedback.contains("still laptop must reach"),
        "{}",
        all.feedback
    );
    // The usual wrong attempts get their own explanation.
    let input = format!("iptables -I INPUT -s {intruder} -p tcp --dport {port} -j DROP");
    let m = mark_fix(&key, "block-intruder", &[&input]);
    assert!(
        !m.correct && m.feedback.contains("never INPUT"),
        "{}",
        m.feedback
    );
    let published = format!("iptables -I DOCKER-USER -s {intruder} -p tcp --dport {port} -j DROP");
    let m = mark_fix(&key, "block-intruder", &[&published]);
    assert!(
        !m.correct && m.feedback.contains("after the DNAT"),
        "{}",
        m.feedback
    );
    let one = mark_fix(
        &key,
        "block-intruder",
        &[&format!(
            "iptables -I DOCKER-USER -s {intruder} -p tcp --dport 80 -j DROP"
        )],
    );
    assert!(one.correct, "{}", one.feedback);
}

#[test]
fn stopping_the_database_is_not_an_isolation_fix() {
    let (_, ex) = exercise("isolation-fix.ron");
    let key = Key::compute(&ex, 6).unwrap();
    let (db, backend) = (chosen(&key, "db"), chosen(&key, "backend"));
    let id = "isolate-frontend-from-db";
    let stop = mark_fix(&key, id, &[&format!("docker stop {db}")]);
    assert!(
        !stop.correct
            && stop
                .feedback
                .contains(&format!("still api must reach {db}:6379")),
        "{}",
        stop.feedback
    );
    let gone = mark_fix(&key, id, &["docker rm -f frontend"]);
    assert!(!gone.correct, "{}", gone.feedback);
    // Bridged traffic between two containers of one network does not cross the host's
    // iptables (Docker leaves bridge-nf-call-iptables off here): a DOCKER-USER rule fails.
    let Expected::Text(front) = &key.task("source-db-sees").unwrap().expected else {
        unreachable!()
    };
    let rule = format!("iptables -I DOCKER-USER -s {front} -j DROP");
    let m = mark_fix(&key, id, &[&rule]);
    assert!(
        !m.correct && m.feedback.contains("bridge-nf-call-iptables off"),
        "{}",
        m.feedback
    );
    let fix = mark_fix(
        &key,
        id,
        &[&format!("docker network disconnect {backend} frontend")],
    );
    assert!(fix.correct, "{}", fix.feedback);
}

#[test]
fn a_wrong_answer_gets_the_feedback_written_for_it() {
    let (_, ex) = exercise("masquerade-out.ron");
    let key = Key::compute(&ex, 1).unwrap();
    let m = key.mark("source-server-sees", &Answer::Text("172.17.0.2".into()), 0);
    assert_eq!(m.points, 0);
    assert!(
        m.feedback.contains("Remember MASQUERADE on the way out"),
        "{}",
        m.feedback
    );
}

#[test]
fn malformed_exercises_get_clear_diagnostics() {
    let (base, _) = exercise("publish-fix.ron");
    // A query naming a capture point that does not exist.
    let text = base.replace(
        "at: \"laptop:eth0\", packet: (proto: \"tcp\", dir",
        "at: \"laptop:eth9\", packet: (proto: \"tcp\", dir",
    );
    let ex = Exercise::parse("bad.ron", &text).unwrap();
    let problems = grade::validate(&ex);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("host-answer-to-syn")
                && p.contains("`laptop` has no interface `eth9`")),
        "{problems:?}"
    );
    // A fix goal that already holds before any change.
    let text = base.replace(
        "\"docker run -d --name web nginx\"",
        "\"docker run -d --name web -p 8080:80 nginx\"",
    );
    let ex = Exercise::parse("bad.ron", &text).unwrap();
    let problems = grade::validate(&ex);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`publish-nginx`") && p.contains("already holds")),
        "{problems:?}"
    );
    // Two tasks with one id, located in the file.
    let text = base.replace("id: \"publish-nginx\"", "id: \"host-answer-to-syn\"");
    let err = Exercise::parse("bad.ron", &text).unwrap_err().to_string();
    assert!(
        err.starts_with("bad.ron:") && err.contains("two tasks are called `host-answer-to-syn`"),
        "{err}"
    );
    // A RON syntax error carries line and column.
    let err = Exercise::parse("bad.ron", &base.replacen("points: 1,", "points: one,", 1))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bad.ron:"), "{err}");
}

#[test]
fn an_exercise_whose_learners_all_get_the_same_key_is_rejected() {
    let (base, ex) = exercise("publish-fix.ron");
    assert!(
        grade::validate(&ex).is_empty(),
        "{:?}",
        grade::validate(&ex)
    );
    // No vary at all.
    let text = base.replace(
        "vary: [(token: \"8080\", choices: [\"8080\", \"8000\", \"8888\"])],",
        "",
    );
    let problems = grade::validate(&Exercise::parse("same.ron", &text).unwrap());
    assert!(
        problems.iter().any(|p| p.contains("no `vary`")),
        "{problems:?}"
    );
    // A vary whose choices change no answer (a word of the intro only).
    let text = base.replace(
        "vary: [(token: \"8080\", choices: [\"8080\", \"8000\", \"8888\"])],",
        "vary: [(token: \"nowhere\", choices: [\"nowhere\", \"no answer\"])],",
    );
    let problems = grade::validate(&Exercise::parse("same.ron", &text).unwrap());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("never change an answer")),
        "{problems:?}"
    );
}

#[test]
fn multiple_choice_needs_three_options() {
    let (base, _) = exercise("publish-fix.ron");
    let text = base.replace(
        "distractors: [\"S.\", \"no answer: the SYN is dropped\", \"F.\"],",
        "",
    );
    let problems = grade::validate(&Exercise::parse("few.ron", &text).unwrap());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("host-answer-to-syn") && p.contains("at least three")),
        "{problems:?}"
    );
}

#[test]
fn every_bundled_multiple_choice_offers_three_options_or_more() {
    for (name, _, ex) in exercises() {
        let key = Key::compute(&ex, 7).unwrap();
        for t in &key.tasks {
            if !t.options.is_empty() {
                assert!(t.options.len() >= 3, "{name} `{}`: {:?}", t.id, t.options);
            }
        }
    }
}

#[test]
fn every_exercise_text_names_only_what_its_run_shows() {
    let mut problems = Vec::new();
    for (name, _, ex) in exercises() {
        let v = ex.variant(0).unwrap().exercise;
        let compiled = docknet_sim::docker::compile(&v.scenario)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
            .scenario;
        let mut sim = docknet_sim::Sim::from_scenario(&compiled).unwrap();
        sim.run_to_end();
        let seen = docknet_sim::format::mentions::evidence(sim.timed_trace(), &sim.net, sim.now());
        // What every learner reads: the intro and the questions (feedback and hints may
        // speak of the other variants).
        let texts = std::iter::once(v.intro.as_str()).chain(v.tasks.iter().map(Task::prompt));
        for text in texts {
            for what in docknet_sim::format::mentions::unshown(text, &seen) {
                problems.push(format!("{name}: {what} in {text:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
