//! The shell-like tokenizer: quotes, escapes, continuations, comments, and each
//! character's column.

use super::*;

/// A shell word with the source column of each of its characters.
#[derive(Clone, Debug, Default)]
pub(super) struct Tok {
    pub(super) text: String,
    pub(super) cols: Vec<usize>,
    /// Column where the word starts (its opening quote, if quoted).
    pub(super) col: usize,
    /// Some part of the word was quoted or escaped.
    pub(super) quoted: bool,
}

impl Tok {
    pub(super) fn new(col: usize) -> Self {
        Tok {
            col,
            ..Tok::default()
        }
    }

    pub(super) fn synthetic(text: String, col: usize) -> Self {
        let n = text.chars().count();
        Tok {
            text,
            cols: vec![col; n],
            col,
            quoted: false,
        }
    }

    pub(super) fn push(&mut self, c: char, col: usize) {
        self.text.push(c);
        self.cols.push(col);
    }

    pub(super) fn len(&self) -> usize {
        self.cols.len()
    }

    pub(super) fn col_at(&self, i: usize) -> usize {
        match self.cols.get(i) {
            Some(&c) => c,
            None => self.cols.last().map_or(self.col, |&c| c + 1),
        }
    }

    /// Characters `start..end` (char indices), keeping their columns.
    pub(super) fn slice(&self, start: usize, end: usize) -> Tok {
        let end = end.min(self.len());
        let start = start.min(end);
        Tok {
            text: self.text.chars().skip(start).take(end - start).collect(),
            cols: self
                .cols
                .get(start..end)
                .map(<[usize]>::to_vec)
                .unwrap_or_default(),
            col: if start == 0 {
                self.col
            } else {
                self.col_at(start)
            },
            quoted: self.quoted,
        }
    }

    pub(super) fn tail(&self, start: usize) -> Tok {
        self.slice(start, self.len())
    }

    pub(super) fn find(&self, c: char) -> Option<usize> {
        self.text.chars().position(|x| x == c)
    }

    pub(super) fn rfind(&self, c: char) -> Option<usize> {
        let chars: Vec<char> = self.text.chars().collect();
        chars.iter().rposition(|&x| x == c)
    }

    pub(super) fn split_once(&self, c: char) -> Option<(Tok, Tok)> {
        let k = self.find(c)?;
        Some((self.slice(0, k), self.tail(k + 1)))
    }

    pub(super) fn split(&self, c: char) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut start = 0;
        for (k, x) in self.text.chars().enumerate() {
            if x == c {
                out.push(self.slice(start, k));
                start = k + 1;
            }
        }
        out.push(self.tail(start));
        out
    }
}

pub(super) fn unterminated(col: usize, quote: char) -> CliError {
    let kind = if quote == '\'' { "single" } else { "double" };
    CliError {
        column: col,
        token: quote.to_string(),
        message: format!("unterminated {kind} quote"),
        help: format!("close the quote that opens here with a matching {quote}"),
    }
}

/// Splits a line into words the way a POSIX shell would (without expansions).
pub(super) fn tokenize(line: &str) -> Result<Vec<Tok>, CliError> {
    let chars: Vec<char> = line.chars().collect();
    let mut toks = Vec::new();
    let mut cur: Option<Tok> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let col = i + 1;
        if c.is_whitespace() {
            if let Some(t) = cur.take() {
                toks.push(t);
            }
            i += 1;
        } else if c == '#' && cur.is_none() {
            while chars.get(i).is_some_and(|&d| d != '\n') {
                i += 1;
            }
        } else if c == '\'' {
            let t = cur.get_or_insert_with(|| Tok::new(col));
            t.quoted = true;
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(unterminated(col, '\'')),
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&d) => {
                        t.push(d, i + 1);
                        i += 1;
                    }
                }
            }
        } else if c == '"' {
            let t = cur.get_or_insert_with(|| Tok::new(col));
            t.quoted = true;
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(unterminated(col, '"')),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => match chars.get(i + 1) {
                        Some(&e @ ('"' | '\\' | '$' | '`')) => {
                            t.push(e, i + 2);
                            i += 2;
                        }
                        Some('\n') => i += 2,
                        _ => {
                            t.push('\\', i + 1);
                            i += 1;
                        }
                    },
                    Some(&d) => {
                        t.push(d, i + 1);
                        i += 1;
                    }
                }
            }
        } else if c == '\\' {
            match chars.get(i + 1) {
                None => i += 1,
                Some('\n') => i += 2,
                Some(&d) => {
                    let t = cur.get_or_insert_with(|| Tok::new(col));
                    t.quoted = true;
                    t.push(d, i + 2);
                    i += 2;
                }
            }
        } else {
            cur.get_or_insert_with(|| Tok::new(col)).push(c, col);
            i += 1;
        }
    }
    if let Some(t) = cur {
        toks.push(t);
    }
    Ok(toks)
}

pub(super) fn reject_shell_operators(toks: &[Tok]) -> Result<(), CliError> {
    const OPS: &[&str] = &[
        "&&", "||", "|", ";", "&", ">", ">>", "<", "2>", "2>&1", "&>",
    ];
    match toks
        .iter()
        .find(|t| !t.quoted && OPS.contains(&t.text.as_str()))
    {
        Some(t) => Err(err(
            t,
            format!("shell operator `{}` is not supported", t.text),
            "enter one docker command per line (quote the character if it is part of an argument)",
        )),
        None => Ok(()),
    }
}
