//! A validation problem before it is placed in the file: where it is (a value after an anchor,

//! a position in an embedded text, or a place already located) and what to do about it.
use super::{Diagnostic, Source};

/// Where a problem is in the file: the first `"value"` after the anchor's `"name"`, or a
/// line/column inside an embedded text (an iptables block, found verbatim in a raw string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loc {
    Value {
        anchor: Option<String>,
        value: String,
    },
    Embedded {
        anchor: Option<String>,
        text: String,
        line: usize,
        column: usize,
    },
    /// Already located, possibly in another file (a compose file a scenario brings up).
    File {
        file: String,
        line: usize,
        column: usize,
    },
}

/// One validation problem before it is placed in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub loc: Loc,
    pub message: String,
    pub help: String,
}

impl Problem {
    pub fn at(
        anchor: Option<&str>,
        value: &str,
        message: String,
        help: impl Into<String>,
    ) -> Problem {
        Problem {
            loc: Loc::Value {
                anchor: anchor.map(str::to_string),
                value: value.to_string(),
            },
            message,
            help: help.into(),
        }
    }

    /// Place the problem in the scenario's source text.
    pub fn locate(&self, src: &Source<'_>) -> Diagnostic {
        match &self.loc {
            Loc::File { file, line, column } => Diagnostic {
                file: file.clone(),
                line: *line,
                column: *column,
                message: self.message.clone(),
                help: self.help.clone(),
            },
            Loc::Value { anchor, value } => src.at_value(
                anchor.as_deref(),
                value,
                self.message.clone(),
                self.help.clone(),
            ),
            Loc::Embedded {
                anchor,
                text,
                line,
                column,
            } => {
                let from = anchor
                    .as_deref()
                    .and_then(|a| src.find_quoted(a, 0))
                    .unwrap_or(0);
                let Some(start) = src.find(text, from) else {
                    return src.at_value(
                        anchor.as_deref(),
                        "iptables",
                        self.message.clone(),
                        self.help.clone(),
                    );
                };
                let line_start: usize = text
                    .split_inclusive('\n')
                    .take(line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                let (l, c) = src.line_col(start + line_start);
                let column = if *line == 1 { c + column - 1 } else { *column };
                src.at_position(l, column, self.message.clone(), self.help.clone())
            }
        }
    }
}
