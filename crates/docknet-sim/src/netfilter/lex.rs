//! Splitting a line into tokens the way iptables-restore does: whitespace separates tokens,
//! double quotes group (and may produce an empty token, `""`), and inside quotes a
//! backslash escapes the next character.

use super::error::{NetfilterError, site};

/// A token and the 1-based character column where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub col: usize,
}

/// Splits one line into tokens. Errors (on line 1; callers relocate) for an unterminated
/// quote.
pub(crate) fn tokenize(line: &str) -> Result<Vec<Token>, NetfilterError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut quote_open: Option<usize> = None;
    let mut escaped = false;
    for (i, c) in line.chars().enumerate() {
        let col = i + 1;
        if quote_open.is_some() {
            if escaped {
                cur.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quote_open = None;
            } else {
                cur.push(c);
            }
            continue;
        }
        if c == '"' {
            quote_open = Some(col);
            start.get_or_insert(col);
        } else if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Token {
                    text: std::mem::take(&mut cur),
                    col: s,
                });
            }
        } else {
            start.get_or_insert(col);
            cur.push(c);
        }
    }
    if let Some(q) = quote_open {
        return Err(NetfilterError::Syntax(site(
            q,
            "\"",
            "unterminated double quote: close the quoted string with `\"` (escape a literal quote as `\\\"`)",
        )));
    }
    if let Some(s) = start {
        out.push(Token { text: cur, col: s });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            texts(r#"-m comment --comment "hello world" -j X"#),
            ["-m", "comment", "--comment", "hello world", "-j", "X"]
        );
        assert_eq!(texts(r#"--comment "" x"#), ["--comment", "", "x"]);
        assert_eq!(
            texts(r#"--log-prefix "say \"hi\" ""#),
            ["--log-prefix", "say \"hi\" "]
        );
        assert_eq!(texts(r#"a"b c"d"#), ["ab cd"]);
        let t = tokenize("  -A  INPUT").unwrap_or_default();
        assert_eq!((t[0].col, t[1].col), (3, 7));
        assert!(tokenize("\"open").is_err());
    }
}
