//! Typed errors for the iptables parsers and commands.
//!
//! Every variant carries the 1-based line, the 1-based column of the offending token (0 when
//! the error concerns a whole command rather than one token), the token itself and a message
//! that says what to do about it.

use std::fmt;

/// An error found while parsing iptables-save text or an iptables command, or while applying
/// a command to a [`super::Ruleset`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetfilterError {
    /// The text is not well-formed (quotes, stray lines, missing arguments).
    #[error("{0}")]
    Syntax(ErrorSite),
    /// `*table` or `-t table` names a table that does not exist.
    #[error("{0}")]
    UnknownTable(ErrorSite),
    /// A chain (to append to, jump to, delete...) does not exist.
    #[error("{0}")]
    UnknownChain(ErrorSite),
    /// An option, match module or target that docknet does not know.
    #[error("{0}")]
    UnknownOption(ErrorSite),
    /// An option's value is malformed (address, port, state list...).
    #[error("{0}")]
    InvalidValue(ErrorSite),
    /// Well-formed but refused by iptables or the kernel (target in the wrong table/chain,
    /// `-o` in INPUT, a policy on a user chain, a jump loop...).
    #[error("{0}")]
    NotAllowed(ErrorSite),
    /// A `*table` section was not closed by `COMMIT`.
    #[error("{0}")]
    MissingCommit(ErrorSite),
}

/// Where an error happened and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSite {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters) of `token`; 0 when not tied to one token.
    pub column: usize,
    /// The offending token (may be empty, e.g. at end of input).
    pub token: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ErrorSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

impl NetfilterError {
    /// The location and message, whatever the kind.
    pub fn site(&self) -> &ErrorSite {
        match self {
            NetfilterError::Syntax(s)
            | NetfilterError::UnknownTable(s)
            | NetfilterError::UnknownChain(s)
            | NetfilterError::UnknownOption(s)
            | NetfilterError::InvalidValue(s)
            | NetfilterError::NotAllowed(s)
            | NetfilterError::MissingCommit(s) => s,
        }
    }

    fn site_mut(&mut self) -> &mut ErrorSite {
        match self {
            NetfilterError::Syntax(s)
            | NetfilterError::UnknownTable(s)
            | NetfilterError::UnknownChain(s)
            | NetfilterError::UnknownOption(s)
            | NetfilterError::InvalidValue(s)
            | NetfilterError::NotAllowed(s)
            | NetfilterError::MissingCommit(s) => s,
        }
    }

    pub fn line(&self) -> usize {
        self.site().line
    }

    pub fn column(&self) -> usize {
        self.site().column
    }

    pub fn token(&self) -> &str {
        &self.site().token
    }

    pub fn message(&self) -> &str {
        &self.site().message
    }

    /// The same error reported on another line (parsers work line by line).
    pub(crate) fn at_line(mut self, line: usize) -> Self {
        self.site_mut().line = line;
        self
    }
}

/// Shorthand constructors used by the parsers.
pub(crate) fn site(column: usize, token: &str, message: impl Into<String>) -> ErrorSite {
    ErrorSite {
        line: 1,
        column,
        token: token.to_string(),
        message: message.into(),
    }
}

/// The closest candidate to `word` (edit distance at most 2, or a prefix relation), for
/// "did you mean" hints.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = crate::suggest::distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        let limit = if word.len() <= 4 { 1 } else { 2 };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` did you mean `x`?` or empty.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match suggest(word, candidates) {
        Some(s) => format!(": did you mean `{s}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("--dprot", ["--dport", "--sport", "--tcp-flags"]),
            Some("--dport")
        );
        assert_eq!(suggest("DOCKR", ["DOCKER", "INPUT"]), Some("DOCKER"));
        assert_eq!(suggest("--zzzzzz", ["--dport"]), None);
    }
}
