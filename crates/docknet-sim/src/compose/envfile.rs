//! The `.env` file beside a compose file, read as Compose reads it: `KEY=VALUE` lines,
//! optional `export `, `#` comments, single quotes (literal), double quotes (`\n` and `\"`
//! escapes), unquoted values trimmed and cut at ` #`, and `${VAR}` in unquoted and
//! double-quoted values taken from the lines above (and the caller's variables).

use super::interpolate::{Vars, interpolate};

/// A problem in the `.env` file, at a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    pub line: usize,
    pub message: String,
}

/// Parse `text`; `given` are variables that win over the file's (and that its values may use).
///
/// # Errors
/// A line that is not `KEY=VALUE`, or an unterminated quote.
pub fn parse_env(text: &str, given: &Vars) -> Result<Vars, EnvError> {
    let mut vars = given.clone();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            return Err(EnvError {
                line: line_no,
                message: format!(
                    "unexpected character in variable name \"{line}\": expected KEY=VALUE"
                ),
            });
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(EnvError {
                line: line_no,
                message: format!("unexpected character in variable name \"{key}\""),
            });
        }
        let value = value.trim_start();
        let value = if let Some(rest) = value.strip_prefix('\'') {
            let Some(end) = rest.find('\'') else {
                return Err(unterminated(line_no));
            };
            rest[..end].to_string()
        } else if let Some(rest) = value.strip_prefix('"') {
            let Some(body) = double_quoted(rest) else {
                return Err(unterminated(line_no));
            };
            expand(&body, &vars, line_no)?
        } else {
            let cut = value.find(" #").map_or(value, |i| &value[..i]);
            expand(cut.trim_end(), &vars, line_no)?
        };
        if !given.contains_key(key) {
            vars.insert(key.to_string(), value);
        }
    }
    Ok(vars)
}

fn unterminated(line: usize) -> EnvError {
    EnvError {
        line,
        message: "unterminated quoted value".into(),
    }
}

/// The body of a double-quoted value (after the opening quote), escapes applied.
fn double_quoted(rest: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            other => out.push(other),
        }
    }
    None
}

fn expand(value: &str, vars: &Vars, line: usize) -> Result<String, EnvError> {
    interpolate(value, vars, &mut Vec::new()).map_err(|e| EnvError {
        line,
        message: e.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_as_compose_reads_them() {
        let text = "# ports\nexport WEB_PORT=8080 # the web\nDB='p@ss $x'\nMSG=\"a\\\"b\"\nURL=http://db:${DB_PORT:-5432}\n\nEMPTY=\n";
        let vars = parse_env(text, &Vars::new()).unwrap();
        assert_eq!(vars["WEB_PORT"], "8080");
        assert_eq!(vars["DB"], "p@ss $x");
        assert_eq!(vars["MSG"], "a\"b");
        assert_eq!(vars["URL"], "http://db:5432");
        assert_eq!(vars["EMPTY"], "");
    }

    #[test]
    fn given_values_win_and_bad_lines_are_located() {
        let given = Vars::from([("WEB_PORT".to_string(), "9000".to_string())]);
        let vars = parse_env("WEB_PORT=8080\nX=${WEB_PORT}\n", &given).unwrap();
        assert_eq!(vars["WEB_PORT"], "9000");
        assert_eq!(vars["X"], "9000");
        let e = parse_env("A=1\nthis is wrong\n", &Vars::new()).unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(parse_env("A='x\n", &Vars::new()).unwrap_err().line, 1);
    }
}
