//! The generic flag parser (cobra/pflag rules: `--flag value`, `--flag=value`, combined
//! short booleans, attached short values, `--`), with suggestions for misspelled flags.

use super::*;

/// One flag occurrence.
pub(super) struct Occ {
    /// Canonical long name.
    pub(super) long: &'static str,
    /// The flag as typed (`--net`, `-p`), located.
    pub(super) flag: Tok,
    /// The value (the flag itself for booleans given without `=value`).
    pub(super) value: Tok,
    /// For booleans: the value.
    pub(super) on: bool,
}

pub(super) fn lookup_long(cmd: &CmdSpec, name: &str) -> Option<&'static FlagSpec> {
    cmd.flags
        .iter()
        .find(|f| f.long == name || f.alias == Some(name))
}

pub(super) fn lookup_short(cmd: &CmdSpec, c: char) -> Option<&'static FlagSpec> {
    cmd.flags.iter().find(|f| f.short == Some(c))
}

pub(super) fn looks_like_flag(cmd: &CmdSpec, s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("--") {
        let name = rest.split('=').next().unwrap_or(rest);
        name == "help" || lookup_long(cmd, name).is_some()
    } else if let Some(rest) = s.strip_prefix('-') {
        rest.chars()
            .next()
            .is_some_and(|c| lookup_short(cmd, c).is_some())
    } else {
        false
    }
}

pub(super) fn check_unsimulated(spec: &FlagSpec, at: &Tok) -> Result<(), CliError> {
    match spec.handling {
        Handling::Unsimulated(why) => Err(err(
            at,
            format!("flag --{} is not simulated yet", spec.long),
            why,
        )),
        _ => Ok(()),
    }
}

pub(super) fn help_error(cmd: &CmdSpec, at: &Tok) -> CliError {
    let describe = |f: &FlagSpec| {
        let mut s = format!("--{}", f.long);
        if let Some(c) = f.short {
            s = format!("-{c}, {s}");
        }
        if let Some(a) = f.alias {
            s.push_str(&format!(" (--{a})"));
        }
        if f.arity == Arity::Value {
            s.push_str(&format!(" {}", f.example));
        }
        s
    };
    let used: Vec<String> = cmd
        .flags
        .iter()
        .filter(|f| f.handling == Handling::Apply)
        .map(describe)
        .collect();
    let ignored: Vec<String> = cmd
        .flags
        .iter()
        .filter(|f| f.handling == Handling::Ignore)
        .map(|f| format!("--{}", f.long))
        .collect();
    let mut help = format!("flags: {}", used.join("; "));
    if !ignored.is_empty() {
        help.push_str(&format!("; accepted and ignored: {}", ignored.join(", ")));
    }
    err(at, format!("usage: {}", cmd.usage), help)
}

pub(super) fn unknown_long(cmd: &CmdSpec, at: &Tok, name: &str) -> CliError {
    let names: Vec<&str> = cmd
        .flags
        .iter()
        .filter(|f| !matches!(f.handling, Handling::Unsimulated(_)))
        .flat_map(|f| std::iter::once(f.long).chain(f.alias))
        .collect();
    let help = match suggest(name, &names) {
        Some(s) => format!("did you mean --{s}?"),
        None => format!(
            "see `{} --help` for the flags the simulator understands",
            cmd.name
        ),
    };
    err(at, format!("unknown flag: --{name}"), help)
}

pub(super) fn parse_bool_tok(v: &Tok, flag: &Tok) -> Result<bool, CliError> {
    go_bool(&v.text).ok_or_else(|| {
        err(
            v,
            format!(
                "invalid argument \"{}\" for \"{}\" flag: expected true or false",
                v.text, flag.text
            ),
            format!("write {}=true or {}=false", flag.text, flag.text),
        )
    })
}

/// Go's `strconv.ParseBool`.
pub(super) fn go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Turns a daemon word (`icc=false`, `bip:`, `bip:10.0.0.1/24`, `icc`) into a long flag.
pub(super) fn wordify(t: &Tok) -> Tok {
    let mut t = t.clone();
    if t.text.ends_with(',') {
        t = t.slice(0, t.len().saturating_sub(1));
    }
    let key_end = t.text.chars().position(|c| c == '=' || c == ':');
    let mut out = Tok::synthetic("--".into(), t.col);
    for (k, (c, &col)) in t.text.chars().zip(&t.cols).enumerate() {
        let c = if Some(k) == key_end && c == ':' {
            '='
        } else {
            c
        };
        out.push(c, col);
    }
    if out.text.ends_with('=')
        && key_end == Some(t.len().saturating_sub(1))
        && t.text.ends_with(':')
    {
        out = out.slice(0, out.len().saturating_sub(1));
    }
    out.quoted = t.quoted;
    out
}

/// pflag-style parsing: flags into occurrences, everything else into positionals.
pub(super) fn parse_flags(cmd: &CmdSpec, toks: &[Tok]) -> Result<(Vec<Occ>, Vec<Tok>), CliError> {
    let mut occs = Vec::new();
    let mut pos = Vec::new();
    let mut only_pos = false;
    let mut i = 0;
    while let Some(orig) = toks.get(i) {
        i += 1;
        if only_pos {
            pos.push(orig.clone());
            continue;
        }
        if orig.text == "--" {
            only_pos = true;
            continue;
        }
        let word = if cmd.words_as_flags && !orig.text.starts_with('-') && !orig.text.is_empty() {
            Some(wordify(orig))
        } else {
            None
        };
        let t = word.as_ref().unwrap_or(orig);
        if t.text.starts_with("--") {
            let (name, inline) = match t.find('=') {
                Some(k) => (t.slice(2, k), Some(t.tail(k + 1))),
                None => (t.tail(2), None),
            };
            if name.text == "help" {
                return Err(help_error(cmd, orig));
            }
            let Some(spec) = lookup_long(cmd, &name.text) else {
                return Err(unknown_long(cmd, orig, &name.text));
            };
            let flag = t.slice(0, 2 + name.len());
            check_unsimulated(spec, orig)?;
            match spec.arity {
                Arity::Bool => {
                    let (on, value) = match inline {
                        Some(v) => (parse_bool_tok(&v, &flag)?, v),
                        None => match toks.get(i).and_then(|n| go_bool(&n.text).map(|b| (b, n))) {
                            Some((b, n)) if cmd.words_as_flags => {
                                i += 1;
                                (b, n.clone())
                            }
                            _ => (true, flag.clone()),
                        },
                    };
                    occs.push(Occ {
                        long: spec.long,
                        flag,
                        value,
                        on,
                    });
                }
                Arity::Value => {
                    let value = match inline {
                        Some(v) => v,
                        None => take_value(cmd, toks, &mut i, spec, &flag, None)?,
                    };
                    occs.push(Occ {
                        long: spec.long,
                        flag,
                        value,
                        on: true,
                    });
                }
            }
        } else if t.text.starts_with('-') && t.len() > 1 {
            let chars: Vec<char> = t.text.chars().collect();
            let mut k = 1;
            while let Some(&c) = chars.get(k) {
                // A lone short flag is located at its dash, a combined one at its letter.
                let fcol = if k == 1 { t.col } else { t.col_at(k) };
                let flag = Tok::synthetic(format!("-{c}"), fcol);
                if c == 'h' && cmd.h_is_help {
                    return Err(help_error(cmd, t));
                }
                let Some(spec) = lookup_short(cmd, c) else {
                    return Err(unknown_short(cmd, t, c));
                };
                check_unsimulated(spec, &flag)?;
                let eq = chars.get(k + 1) == Some(&'=');
                match spec.arity {
                    Arity::Bool if eq => {
                        let v = t.tail(k + 2);
                        let on = parse_bool_tok(&v, &flag)?;
                        occs.push(Occ {
                            long: spec.long,
                            flag,
                            value: v,
                            on,
                        });
                        break;
                    }
                    Arity::Bool => {
                        occs.push(Occ {
                            long: spec.long,
                            flag: flag.clone(),
                            value: flag,
                            on: true,
                        });
                        k += 1;
                    }
                    Arity::Value => {
                        let start = if eq { k + 2 } else { k + 1 };
                        let value = if eq || start < chars.len() {
                            t.tail(start)
                        } else {
                            take_value(cmd, toks, &mut i, spec, &flag, Some(c))?
                        };
                        occs.push(Occ {
                            long: spec.long,
                            flag,
                            value,
                            on: true,
                        });
                        break;
                    }
                }
            }
        } else {
            pos.push(orig.clone());
            if !cmd.interspersed {
                only_pos = true;
            }
        }
    }
    Ok((occs, pos))
}

pub(super) fn take_value(
    cmd: &CmdSpec,
    toks: &[Tok],
    i: &mut usize,
    spec: &FlagSpec,
    flag: &Tok,
    short: Option<char>,
) -> Result<Tok, CliError> {
    let message = match short {
        Some(c) => format!("flag needs an argument: '{c}' in -{c}"),
        None => format!("flag needs an argument: {}", flag.text),
    };
    let example = format!("give it a value, e.g. {} {}", flag.text, spec.example);
    match toks.get(*i) {
        None => Err(err(flag, message, example)),
        Some(n) if !n.quoted && looks_like_flag(cmd, &n.text) => Err(err(
            flag,
            message,
            format!(
                "`{}` is a flag, not a value for {}; {example}",
                n.text, flag.text
            ),
        )),
        Some(n) => {
            *i += 1;
            Ok(n.clone())
        }
    }
}

pub(super) fn unknown_short(cmd: &CmdSpec, t: &Tok, c: char) -> CliError {
    let rest = t.text.get(1..).unwrap_or_default();
    let name = rest.split('=').next().unwrap_or(rest);
    let help = if lookup_long(cmd, name).is_some() {
        format!("did you mean --{name}? long flags take two dashes")
    } else {
        format!(
            "see `{} --help` for the flags the simulator understands",
            cmd.name
        )
    };
    err(
        t,
        format!("unknown shorthand flag: '{c}' in {}", t.text),
        help,
    )
}

/// The closest candidate: a unique prefix match, else the smallest edit distance (at most 2,
/// and less than half the word).
pub(super) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if word.chars().count() >= 3 {
        let prefixed: Vec<&&str> = candidates.iter().filter(|c| c.starts_with(word)).collect();
        if let [only] = prefixed.as_slice() {
            return Some(only);
        }
    }
    let limit = (word.chars().count() / 2).clamp(1, 2);
    candidates
        .iter()
        .map(|c| (crate::suggest::distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub(super) fn err(at: &Tok, message: impl Into<String>, help: impl Into<String>) -> CliError {
    CliError {
        column: at.col,
        token: at.text.clone(),
        message: message.into(),
        help: help.into(),
    }
}

pub(super) fn missing(end: usize, message: impl Into<String>, help: impl Into<String>) -> CliError {
    CliError {
        column: end,
        token: String::new(),
        message: message.into(),
        help: help.into(),
    }
}

/// Checks the number of positional arguments.
pub(super) fn exact_args<'a>(
    cmd: &CmdSpec,
    pos: &'a [Tok],
    what: &[&str],
    end: usize,
) -> Result<&'a [Tok], CliError> {
    let n = what.len();
    let message = format!(
        "\"{}\" requires exactly {n} argument{}",
        cmd.name,
        if n == 1 { "" } else { "s" }
    );
    if let Some(extra) = pos.get(n) {
        return Err(err(
            extra,
            message,
            format!(
                "unexpected extra argument \"{}\"; usage: {}",
                extra.text, cmd.usage
            ),
        ));
    }
    if pos.len() < n {
        let missing_what = what.get(pos.len()).copied().unwrap_or("argument");
        return Err(missing(
            end,
            message,
            format!("missing {missing_what}; usage: {}", cmd.usage),
        ));
    }
    Ok(pos)
}
