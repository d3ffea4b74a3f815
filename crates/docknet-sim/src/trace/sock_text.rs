//! What a socket event says.

use crate::intern::Name;
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::SocketAddrV4;

/// The text of a socket event. The data path's texts ("write N bytes", "read N bytes",
/// "received N bytes from A:P") keep their numbers and are written out when read, so a run of
/// a million datagrams neither formats nor interns a million texts; the rest are interned.
/// It prints and serializes as the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockText {
    /// A TCP write of `n` bytes.
    Write(u32),
    /// A TCP read of `n` bytes.
    Read(u32),
    /// A datagram of `n` bytes from `from`; `relayed`: sent back where it came from.
    Received {
        n: u32,
        from: SocketAddrV4,
        relayed: bool,
    },
    /// Anything else.
    Text(Name),
}

impl fmt::Display for SockText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockText::Write(n) => write!(f, "write {n} bytes"),
            SockText::Read(n) => write!(f, "read {n} bytes"),
            SockText::Received { n, from, relayed } => {
                write!(f, "received {n} bytes from {from}")?;
                if *relayed {
                    f.write_str(": relayed back")?;
                }
                Ok(())
            }
            SockText::Text(t) => f.write_str(t.as_str()),
        }
    }
}

impl Serialize for SockText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<String> for SockText {
    fn from(text: String) -> Self {
        SockText::Text(text.into())
    }
}

impl From<&str> for SockText {
    fn from(text: &str) -> Self {
        SockText::Text(text.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_serializes_as_the_text() {
        let from = SocketAddrV4::new([10, 12, 91, 1].into(), 40000);
        let cases = [
            (SockText::Write(5), "write 5 bytes"),
            (SockText::Read(7), "read 7 bytes"),
            (
                SockText::Received {
                    n: 22,
                    from,
                    relayed: false,
                },
                "received 22 bytes from 10.12.91.1:40000",
            ),
            (
                SockText::Received {
                    n: 22,
                    from,
                    relayed: true,
                },
                "received 22 bytes from 10.12.91.1:40000: relayed back",
            ),
            (SockText::from("connected"), "connected"),
        ];
        for (what, text) in cases {
            assert_eq!(what.to_string(), text);
            assert_eq!(serde_json::to_string(&what).unwrap(), format!("\"{text}\""));
        }
    }
}
