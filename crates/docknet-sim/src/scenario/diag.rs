//! Diagnostics that point into the scenario file.

use std::fmt;

/// One problem, located in the file, with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: String,
}

impl Diagnostic {
    /// `file:line:column: {severity}: message`, then the help line.
    fn write(&self, f: &mut fmt::Formatter<'_>, severity: &str) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {severity}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }

    /// Shown as a warning (the scenario runs, but not as its author may expect).
    pub fn warning(&self) -> Warning<'_> {
        Warning(self)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, "error")
    }
}

/// A diagnostic displayed as `file:line:column: warning: ...`.
pub struct Warning<'a>(&'a Diagnostic);

impl fmt::Display for Warning<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, "warning")
    }
}

/// Every problem found in a scenario, reported together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioError {
    pub fn single(d: Diagnostic) -> Self {
        ScenarioError {
            diagnostics: vec![d],
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The scenario text, for turning offsets and searched-for values into line:column.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Source { file, text }
    }

    pub fn at_position(
        &self,
        line: usize,
        column: usize,
        message: String,
        help: String,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            line: line.max(1),
            column: column.max(1),
            message,
            help,
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
        (line, col)
    }

    /// Offset of `needle` at or after `from`, if present.
    pub fn find(&self, needle: &str, from: usize) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        self.text.get(from..)?.find(needle).map(|i| i + from)
    }

    /// Offset of the quoted string `"value"` (inside the quotes) after `from`.
    pub fn find_quoted(&self, value: &str, from: usize) -> Option<usize> {
        self.find(&format!("\"{value}\""), from).map(|i| i + 1)
    }

    /// A diagnostic at the first `"value"` after the anchor (e.g. the namespace's name),
    /// falling back to the anchor itself, then to the top of the file.
    pub fn at_value(
        &self,
        anchor: Option<&str>,
        value: &str,
        message: String,
        help: String,
    ) -> Diagnostic {
        let start = anchor.and_then(|a| self.find_quoted(a, 0)).unwrap_or(0);
        let at = self
            .find_quoted(value, start)
            .or_else(|| self.find(value, start))
            .or_else(|| anchor.and_then(|a| self.find_quoted(a, 0)))
            .unwrap_or(0);
        let (line, column) = self.line_col(at);
        self.at_position(line, column, message, help)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_after_their_anchor() {
        let text = "(\n  name: \"a\",\n  x: \"eth0\",\n  name: \"b\",\n  x: \"eth0\",\n)";
        let src = Source::new("f.ron", text);
        let d = src.at_value(Some("b"), "eth0", "m".into(), String::new());
        assert_eq!((d.line, d.column), (5, 7));
        let d = src.at_value(None, "eth0", "m".into(), String::new());
        assert_eq!((d.line, d.column), (3, 7));
        assert_eq!(d.to_string(), "f.ron:3:7: error: m");
        assert_eq!(d.warning().to_string(), "f.ron:3:7: warning: m");
    }
}
