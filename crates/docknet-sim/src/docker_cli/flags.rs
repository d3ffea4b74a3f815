//! The flag specifications (pflag-style): arity, and whether docknet applies, ignores or
//! refuses each flag.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arity {
    Bool,
    Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Handling {
    /// Parsed into the request.
    Apply,
    /// Real Docker flag that does not affect networking: accepted and dropped.
    Ignore,
    /// Real Docker networking flag the simulator does not model; the text says what to do.
    Unsimulated(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub(super) struct FlagSpec {
    pub(super) long: &'static str,
    pub(super) alias: Option<&'static str>,
    pub(super) short: Option<char>,
    pub(super) arity: Arity,
    pub(super) handling: Handling,
    /// Example value, for help texts.
    pub(super) example: &'static str,
}

pub(super) const fn value(
    long: &'static str,
    short: Option<char>,
    example: &'static str,
) -> FlagSpec {
    FlagSpec {
        long,
        alias: None,
        short,
        arity: Arity::Value,
        handling: Handling::Apply,
        example,
    }
}

pub(super) const fn boolean(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        alias: None,
        short,
        arity: Arity::Bool,
        handling: Handling::Apply,
        example: "",
    }
}

impl FlagSpec {
    pub(super) const fn alias(mut self, alias: &'static str) -> Self {
        self.alias = Some(alias);
        self
    }
    pub(super) const fn ignored(mut self) -> Self {
        self.handling = Handling::Ignore;
        self
    }
    pub(super) const fn unsimulated(mut self, why: &'static str) -> Self {
        self.handling = Handling::Unsimulated(why);
        self
    }
}

pub(super) struct CmdSpec {
    /// `docker run`, for messages.
    pub(super) name: &'static str,
    pub(super) usage: &'static str,
    pub(super) flags: &'static [FlagSpec],
    /// Flags may follow positional arguments (everything but `docker run`).
    pub(super) interspersed: bool,
    /// `-h` means `--help` (not for `docker run`, where it is `--hostname`).
    pub(super) h_is_help: bool,
    /// Daemon words: bare `icc=false` means `--icc=false`, and `--icc false` consumes the bool.
    pub(super) words_as_flags: bool,
}

pub(super) const IPV6: &str = "IPv6 is not simulated yet; use IPv4 addresses";
