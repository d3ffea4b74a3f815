//! `dockerd` networking options and `daemon.json`.

use super::*;

/// Parses Docker daemon networking options: `dockerd` flags (`--icc=false --bip 10.200.0.1/24
/// --default-address-pool base=10.10.0.0/16,size=24`), the same as bare words (`icc=false`,
/// `icc false`, `bip: 10.200.0.1/24`), or a `daemon.json` object (`{"icc": false}`). A leading
/// `dockerd` (or `sudo dockerd`) is optional. Options not given keep Docker's defaults.
///
/// # Errors
/// A [`CliError`] for unknown options, bad values, and networking options the simulator does
/// not model yet.
pub fn parse_daemon_args(line: &str) -> Result<DaemonOptions, CliError> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') {
        return parse_daemon_json(line);
    }
    let toks = tokenize(line)?;
    reject_shell_operators(&toks)?;
    let mut i = 0;
    if toks.get(i).is_some_and(|t| t.text == "sudo") {
        i += 1;
    }
    if toks.get(i).is_some_and(|t| t.text == "dockerd") {
        i += 1;
    }
    let rest = toks.get(i..).unwrap_or_default();
    let (occs, pos) = parse_flags(&DAEMON, rest)?;
    if let Some(p) = pos.first() {
        return Err(err(
            p,
            format!("unexpected argument \"{}\"", p.text),
            "dockerd takes only options, e.g. --icc=false --bip 10.200.0.1/24",
        ));
    }
    let mut opts = DaemonOptions::default();
    let mut pools_given = false;
    for o in &occs {
        match o.long {
            "userland-proxy" => opts.userland_proxy = o.on,
            "icc" => opts.icc = o.on,
            "ip-forward" => opts.ip_forward = o.on,
            "iptables" => opts.iptables = o.on,
            "bip" => opts.bip = Some(parse_cidr4(&o.value, "--bip", false)?),
            "default-address-pool" => {
                if !pools_given {
                    opts.default_pools.clear();
                    pools_given = true;
                }
                opts.default_pools.push(parse_pool(&o.value)?);
            }
            _ => {}
        }
    }
    Ok(opts)
}

pub(super) fn parse_daemon_json(line: &str) -> Result<DaemonOptions, CliError> {
    let lead = line.chars().take_while(|c| c.is_whitespace()).count();
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        let column = if e.line() <= 1 {
            e.column().max(1)
        } else {
            lead + 1
        };
        CliError {
            column,
            token: String::new(),
            message: format!("invalid daemon.json: {e}"),
            help: "write a JSON object like {\"icc\": false, \"bip\": \"10.200.0.1/24\"}".into(),
        }
    })?;
    let whole = |message: String, help: &str| CliError {
        column: lead + 1,
        token: String::new(),
        message,
        help: help.into(),
    };
    let serde_json::Value::Object(map) = value else {
        return Err(whole(
            "daemon.json must be a JSON object".into(),
            "write {\"icc\": false, ...}",
        ));
    };
    let mut opts = DaemonOptions::default();
    for (key, v) in &map {
        let at = Tok::synthetic(key.clone(), json_key_col(line, key));
        let Some(spec) = lookup_long(&DAEMON, key) else {
            return Err(unknown_long(&DAEMON, &at, key));
        };
        check_unsimulated(spec, &at)?;
        if spec.handling == Handling::Ignore {
            continue;
        }
        let want_bool = || {
            v.as_bool().ok_or_else(|| {
                err(
                    &at,
                    format!("\"{key}\" must be true or false"),
                    format!("e.g. \"{key}\": false"),
                )
            })
        };
        let want_str = |example: &str| {
            v.as_str()
                .map(|s| Tok::synthetic(s.to_string(), at.col))
                .ok_or_else(|| {
                    err(
                        &at,
                        format!("\"{key}\" must be a string"),
                        format!("e.g. \"{key}\": \"{example}\""),
                    )
                })
        };
        match spec.long {
            "userland-proxy" => opts.userland_proxy = want_bool()?,
            "icc" => opts.icc = want_bool()?,
            "ip-forward" => opts.ip_forward = want_bool()?,
            "iptables" => opts.iptables = want_bool()?,
            "bip" => opts.bip = Some(parse_cidr4(&want_str("10.200.0.1/24")?, "bip", false)?),
            "default-address-pool" => {
                let pool_help =
                    "e.g. \"default-address-pools\": [{\"base\": \"10.10.0.0/16\", \"size\": 24}]";
                let Some(list) = v.as_array() else {
                    return Err(err(
                        &at,
                        format!("\"{key}\" must be a list of pools"),
                        pool_help,
                    ));
                };
                opts.default_pools.clear();
                for p in list {
                    let base = p.get("base").and_then(|b| b.as_str());
                    let size = p.get("size").and_then(serde_json::Value::as_u64);
                    let (Some(base), Some(size)) = (base, size) else {
                        return Err(err(
                            &at,
                            "each pool needs \"base\" (a CIDR) and \"size\" (a prefix length)",
                            pool_help,
                        ));
                    };
                    let base_tok = Tok::synthetic(base.to_string(), at.col);
                    let base = parse_cidr4(&base_tok, "pool base", false)?.trunc();
                    let size = u8::try_from(size).unwrap_or(u8::MAX);
                    check_pool_size(&at, base, size)?;
                    opts.default_pools.push((base, size));
                }
            }
            _ => {}
        }
    }
    Ok(opts)
}

pub(super) fn json_key_col(line: &str, key: &str) -> usize {
    let needle = format!("\"{key}\"");
    match line.find(&needle) {
        Some(byte) => line.get(..byte).map_or(1, |s| s.chars().count() + 1),
        None => 1,
    }
}
