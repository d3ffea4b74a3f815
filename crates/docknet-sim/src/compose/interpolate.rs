//! Variable interpolation as Compose does it (compose-go's template package): `$VAR`,
//! `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
//! `${VAR:?error}` / `${VAR?error}` (required), `${VAR:+alt}` / `${VAR+alt}`, nested
//! defaults (`${A:-${B}}`), and `$$` for a literal `$`. Variables come only from what the
//! caller gives (the `.env` file and the scenario's values), never from the process.

use std::collections::BTreeMap;

/// The variables a compose file is interpolated with.
pub type Vars = BTreeMap<String, String>;

/// Why a value could not be interpolated; `offset` is the character where the problem starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpolationError {
    pub offset: usize,
    pub message: String,
}

/// Substitute every variable in `text`. Unset variables without a default become empty and
/// are added to `unset` (Compose warns about each).
///
/// # Errors
/// A `${` without its `}`, a bad variable name, or a required variable that is missing.
pub fn interpolate(
    text: &str,
    vars: &Vars,
    unset: &mut Vec<String>,
) -> Result<String, InterpolationError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some('{') => {
                let end = closing_brace(&chars, i + 2).ok_or_else(|| InterpolationError {
                    offset: i,
                    message: format!("invalid interpolation format: \"{text}\": missing `}}`"),
                })?;
                let inner: String = chars[i + 2..end].iter().collect();
                out += &braced(&inner, i, vars, unset)?;
                i = end + 1;
            }
            Some(c) if is_name_start(*c) => {
                let mut j = i + 1;
                while j < chars.len() && is_name_char(chars[j]) {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                out += &lookup(&name, vars, unset);
                i = j;
            }
            _ => {
                return Err(InterpolationError {
                    offset: i,
                    message: format!(
                        "invalid interpolation format: \"{text}\": a `$` must start a variable"
                    ),
                });
            }
        }
    }
    Ok(out)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// The index of the `}` closing a `${` whose body starts at `from` (nested `${...}` count).
fn closing_brace(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '$' if chars.get(i + 1) == Some(&'{') => {
                depth += 1;
                i += 1;
            }
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn lookup(name: &str, vars: &Vars, unset: &mut Vec<String>) -> String {
    match vars.get(name) {
        Some(v) => v.clone(),
        None => {
            if !unset.iter().any(|u| u == name) {
                unset.push(name.to_string());
            }
            String::new()
        }
    }
}

fn braced(
    inner: &str,
    at: usize,
    vars: &Vars,
    unset: &mut Vec<String>,
) -> Result<String, InterpolationError> {
    let name_len = inner.chars().take_while(|c| is_name_char(*c)).count();
    let name: String = inner.chars().take(name_len).collect();
    let rest: String = inner.chars().skip(name_len).collect();
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(InterpolationError {
            offset: at,
            message: format!("invalid interpolation format: \"${{{inner}}}\": bad variable name"),
        });
    }
    let value = vars.get(&name);
    let empty = value.is_none_or(String::is_empty);
    let (op, arg) = if let Some(a) = rest.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = rest.strip_prefix(":?") {
        (":?", a)
    } else if let Some(a) = rest.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = rest.strip_prefix('-') {
        ("-", a)
    } else if let Some(a) = rest.strip_prefix('?') {
        ("?", a)
    } else if let Some(a) = rest.strip_prefix('+') {
        ("+", a)
    } else if rest.is_empty() {
        ("", "")
    } else {
        return Err(InterpolationError {
            offset: at,
            message: format!("invalid interpolation format: \"${{{inner}}}\""),
        });
    };
    let sub = |s: &str, unset: &mut Vec<String>| {
        interpolate(s, vars, unset).map_err(|e| InterpolationError {
            offset: at,
            message: e.message,
        })
    };
    match op {
        "" => Ok(lookup(&name, vars, unset)),
        ":-" if empty => sub(arg, unset),
        "-" if value.is_none() => sub(arg, unset),
        ":?" if empty => Err(required(&name, &sub(arg, unset)?, at)),
        "?" if value.is_none() => Err(required(&name, &sub(arg, unset)?, at)),
        ":+" if !empty => sub(arg, unset),
        "+" if value.is_some() => sub(arg, unset),
        ":+" | "+" => Ok(String::new()),
        _ => Ok(value.cloned().unwrap_or_default()),
    }
}

fn required(name: &str, reason: &str, at: usize) -> InterpolationError {
    let message = if reason.is_empty() {
        format!("required variable {name} is missing a value")
    } else {
        format!("required variable {name} is missing a value: {reason}")
    };
    InterpolationError {
        offset: at,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, vars: &[(&str, &str)]) -> Result<String, InterpolationError> {
        let vars: Vars = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        interpolate(text, &vars, &mut Vec::new())
    }

    #[test]
    fn the_forms_compose_documents() {
        let v = [("PORT", "8080"), ("EMPTY", "")];
        assert_eq!(run("${PORT}:80", &v).unwrap(), "8080:80");
        assert_eq!(run("$PORT:80", &v).unwrap(), "8080:80");
        assert_eq!(run("${NOPE:-9090}:80", &v).unwrap(), "9090:80");
        assert_eq!(run("${EMPTY:-x}", &v).unwrap(), "x");
        assert_eq!(run("${EMPTY-x}", &v).unwrap(), "");
        assert_eq!(run("${NOPE-x}", &v).unwrap(), "x");
        assert_eq!(run("${PORT:+set}", &v).unwrap(), "set");
        assert_eq!(run("${NOPE:+set}", &v).unwrap(), "");
        assert_eq!(run("$$HOME and $${PORT}", &v).unwrap(), "$HOME and ${PORT}");
        assert_eq!(run("${NOPE:-${PORT}}", &v).unwrap(), "8080");
    }

    #[test]
    fn required_variables_and_bad_syntax_fail() {
        let e = run("${DB_HOST:?set DB_HOST in .env}", &[]).unwrap_err();
        assert_eq!(
            e.message,
            "required variable DB_HOST is missing a value: set DB_HOST in .env"
        );
        assert!(run("${EMPTY?x}", &[("EMPTY", "")]).is_ok());
        assert!(run("${EMPTY:?x}", &[("EMPTY", "")]).is_err());
        let e = run("abc ${PORT", &[]).unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(run("cost: 5$", &[]).is_err());
        assert!(run("${1X}", &[]).is_err());
    }

    #[test]
    fn unset_variables_are_reported_once() {
        let mut unset = Vec::new();
        let out = interpolate("${A}${A}$B", &Vars::new(), &mut unset).unwrap();
        assert_eq!(out, "");
        assert_eq!(unset, ["A", "B"]);
    }
}
