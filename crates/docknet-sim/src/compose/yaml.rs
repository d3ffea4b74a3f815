//! YAML text -> a tree whose every node and key knows its line and column. Anchors and
//! aliases are resolved (an alias is a copy of its anchor's node), and so are YAML 1.1 merge
//! keys (`<<: *defaults`, `<<: [*a, *b]`) as Compose's YAML library applies them: keys written
//! in the mapping win, then the merged mappings in the order given.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The position `chars` characters further on the same line.
    pub fn shifted(self, chars: usize) -> Pos {
        Pos {
            line: self.line,
            column: self.column + chars,
        }
    }
}

/// A mapping key and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub text: String,
    pub pos: Pos,
}

/// A node's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `~`, `null`, or nothing at all.
    Null,
    /// A scalar as written; `quoted` for single- or double-quoted and block scalars (no
    /// escaping of `$` is implied: interpolation applies to every scalar, as in Compose).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A YAML syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// How many nodes aliases may copy in one file (against "billion laughs" expansions).
const ALIAS_BUDGET: usize = 100_000;

impl Node {
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.value == Value::Null
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    /// The node's kind as Compose's schema errors name it.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar { .. } => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(m) => m.iter().map(|(_, v)| 1 + v.count()).sum(),
            _ => 0,
        }
    }
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

/// The position after the last character (lines broken at `\n`, `\r\n` or a lone `\r`).
fn end_of(text: &str) -> Pos {
    let lines = text.replace("\r\n", "\n").replace('\r', "\n");
    Pos {
        line: lines.split('\n').count(),
        column: lines
            .split('\n')
            .next_back()
            .map_or(0, |l| l.chars().count())
            + 1,
    }
}

/// `pos`, or `end` when it lies past the last line: saphyr places what ends the input (an
/// error, an empty key) on the line after a last line that has no line break.
fn within(pos: Pos, end: Pos) -> Pos {
    if pos.line > end.line { end } else { pos }
}

/// A collection being built: its position, anchor, and content so far.
enum Open {
    Seq(Pos, usize, Vec<Node>),
    /// Entries, and a key waiting for its value.
    Map(Pos, usize, Vec<(Key, Node)>, Option<Key>),
}

/// Parse one YAML document. An empty document is `None`.
///
/// # Errors
/// The first syntax error, a second document, a complex (non-scalar) key, a duplicate key,
/// an unknown alias or a merge key whose value is not a mapping.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    let mut budget = ALIAS_BUDGET;
    let end = end_of(text);
    while let Some(ev) = parser.next_event() {
        let (event, span) = ev.map_err(|e| YamlError {
            pos: within(
                Pos {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                },
                end,
            ),
            message: e.info().to_string(),
        })?;
        let pos = within(pos_of(&span), end);
        let done = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        pos,
                        message: "a second YAML document (`---`) in one compose file is not supported by docknet".into(),
                    });
                }
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(tag) = tag {
                    return Err(unsupported_tag(pos, &tag.handle, &tag.suffix));
                }
                let node = scalar(pos, &text, style);
                remember(&mut anchors, anchor, &node);
                Some(node)
            }
            Event::Alias(id) => {
                let Some((_, node)) = anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(YamlError {
                        pos,
                        message: "unknown anchor".into(),
                    });
                };
                let n = node.count();
                if n > budget {
                    return Err(YamlError {
                        pos,
                        message: "aliases expand to too many nodes".into(),
                    });
                }
                budget -= n;
                Some(Node {
                    pos,
                    value: node.value.clone(),
                })
            }
            Event::SequenceStart(anchor, tag) => {
                if let Some(tag) = tag {
                    return Err(unsupported_tag(pos, &tag.handle, &tag.suffix));
                }
                too_deep(pos, stack.len())?;
                stack.push(Open::Seq(pos, anchor, Vec::new()));
                None
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(tag) = tag {
                    return Err(unsupported_tag(pos, &tag.handle, &tag.suffix));
                }
                too_deep(pos, stack.len())?;
                stack.push(Open::Map(pos, anchor, Vec::new(), None));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(p, anchor, items)) => {
                    let node = Node {
                        pos: p,
                        value: Value::Seq(items),
                    };
                    remember(&mut anchors, anchor, &node);
                    Some(node)
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(p, anchor, entries, _)) => {
                    let node = Node {
                        pos: p,
                        value: Value::Map(merge(entries)?),
                    };
                    remember(&mut anchors, anchor, &node);
                    Some(node)
                }
                _ => None,
            },
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
        };
        if let Some(node) = done {
            match stack.last_mut() {
                None => root = Some(node),
                Some(Open::Seq(_, _, items)) => items.push(node),
                Some(Open::Map(_, _, entries, pending)) => match pending.take() {
                    None => {
                        let text = match &node.value {
                            Value::Scalar { text, .. } => text.clone(),
                            Value::Null => String::new(),
                            _ => {
                                return Err(YamlError {
                                    pos: node.pos,
                                    message: "a mapping key must be a plain string".into(),
                                });
                            }
                        };
                        if let Some((first, _)) = entries.iter().find(|(k, _)| k.text == text) {
                            return Err(YamlError {
                                pos: node.pos,
                                message: format!(
                                    "mapping key \"{text}\" already defined at line {}",
                                    first.pos.line
                                ),
                            });
                        }
                        *pending = Some(Key {
                            text,
                            pos: node.pos,
                        });
                    }
                    Some(key) => entries.push((key, node)),
                },
            }
        }
    }
    Ok(root.filter(|r| !r.is_null()))
}

fn unsupported_tag(pos: Pos, handle: &str, suffix: &str) -> YamlError {
    YamlError {
        pos,
        message: format!(
            "the YAML tag {handle}{suffix} is not supported by docknet (Compose's !reset and !override only matter when files are merged)"
        ),
    }
}

fn remember(anchors: &mut Vec<(usize, Node)>, anchor: usize, node: &Node) {
    if anchor > 0 {
        anchors.push((anchor, node.clone()));
    }
}

fn scalar(pos: Pos, text: &str, style: ScalarStyle) -> Node {
    let plain = style == ScalarStyle::Plain;
    let value = if plain && matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        Value::Null
    } else {
        Value::Scalar {
            text: text.to_string(),
            quoted: !plain,
        }
    };
    Node { pos, value }
}

/// Apply the mapping's `<<` merge keys: the mapping's own keys first, then each merged
/// mapping's keys that are not there yet.
fn merge(entries: Vec<(Key, Node)>) -> Result<Vec<(Key, Node)>, YamlError> {
    if !entries.iter().any(|(k, _)| k.text == "<<") {
        return Ok(entries);
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in entries {
        if k.text != "<<" {
            own.push((k, v));
            continue;
        }
        let sources = match v.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => items
                .into_iter()
                .map(|i| match i.value {
                    Value::Map(m) => Ok(m),
                    _ => Err(bad_merge(i.pos)),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(bad_merge(v.pos)),
        };
        merged.extend(sources);
    }
    for source in merged {
        for (k, v) in source {
            if !own.iter().any(|(o, _): &(Key, Node)| o.text == k.text) {
                own.push((k, v));
            }
        }
    }
    Ok(own)
}

fn bad_merge(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: "map merge requires map or sequence of maps as the value".into(),
    }
}

/// Deepest nesting of sequences and mappings a file may have: a compose file needs about six;
/// the bound keeps recursive walks of the tree (and freeing it) off the end of the stack.
const MAX_DEPTH: usize = 64;

fn too_deep(pos: Pos, open: usize) -> Result<(), YamlError> {
    if open < MAX_DEPTH {
        return Ok(());
    }
    Err(YamlError {
        pos,
        message: format!("nested more than {MAX_DEPTH} levels deep"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        parse(text).expect("parses").expect("not empty")
    }

    #[test]
    fn positions_are_one_based() {
        let d = doc("services:\n  web:\n    image: nginx\n");
        let web = d.get("services").and_then(|s| s.get("web")).unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(
            image.pos,
            Pos {
                line: 3,
                column: 12
            }
        );
        assert_eq!(web.entries()[0].0.pos, Pos { line: 3, column: 5 });
    }

    #[test]
    fn merge_keys_give_way_to_explicit_keys_wherever_written() {
        let d = doc("x: &d\n  a: 1\n  b: 2\ny:\n  b: 3\n  <<: *d\n  c: 4\n");
        let y = d.get("y").unwrap();
        let keys: Vec<(&str, &str)> = y
            .entries()
            .iter()
            .map(|(k, v)| (k.text.as_str(), v.scalar().unwrap()))
            .collect();
        assert_eq!(keys, [("b", "3"), ("c", "4"), ("a", "1")]);
    }

    #[test]
    fn a_list_of_merges_takes_the_first_mapping_first() {
        let d = doc("a: &a {p: 1}\nb: &b {p: 2, q: 2}\nc:\n  <<: [*a, *b]\n");
        let c = d.get("c").unwrap();
        assert_eq!(c.get("p").and_then(Node::scalar), Some("1"));
        assert_eq!(c.get("q").and_then(Node::scalar), Some("2"));
    }

    #[test]
    fn duplicate_keys_and_bad_merges_are_located() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.pos, Pos { line: 3, column: 1 });
        assert!(
            e.message.contains("already defined at line 1"),
            "{}",
            e.message
        );
        let e = parse("a:\n  <<: 5\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
        let e = parse("a: [1, 2\n").unwrap_err();
        assert!(e.pos.line >= 1);
    }

    #[test]
    fn null_forms_and_quoted_scalars() {
        let d = doc("a:\nb: ~\nc: 'null'\nd: \"\"\n");
        assert!(d.get("a").unwrap().is_null());
        assert!(d.get("b").unwrap().is_null());
        assert_eq!(d.get("c").and_then(Node::scalar), Some("null"));
        assert_eq!(d.get("d").and_then(Node::scalar), Some(""));
        assert_eq!(parse("# nothing\n").unwrap(), None);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text += &format!("a{i}: &a{i} [{refs}]\n");
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("too many"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = format!("{}x\n", "- ".repeat(50_000));
        let e = parse(&text).expect_err("refused");
        assert!(e.message.contains("nested more than 64"), "{}", e.message);
    }
}
