//! Docker Desktop releases: which Engine each shipped, which host names its containers can
//! resolve, and where `host.docker.internal` points.
//!
//! Releases are numbered as Docker for Mac/Windows were (`17.06` ... `18.06`, year.month),
//! then Docker Desktop `2.x`, `3.x` and `4.0` ... today; `current` is today's (Engine 29).
//! The engine per release follows Docker Desktop's release notes (recalled; there is no
//! Desktop on this machine to check). Releases that shipped an engine older than 20.10 use
//! the 20.10 rules (the oldest modelled); releases after the newest modelled engine are
//! refused.

use super::{DESKTOP_HOST, DESKTOP_HOST_OLD};
use crate::docker::rules::EngineVersion;
use std::net::Ipv4Addr;

/// What a Desktop release means for the compiler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DesktopRelease {
    /// The engine whose rules the VM gets.
    pub engine: EngineVersion,
    /// The names of the host (and the VM's gateway) containers resolve, newest first.
    pub names: Vec<String>,
    /// Where the host names point.
    pub host: Ipv4Addr,
}

/// `(major, minor)` of a release.
type Version = (u32, u32);

/// Desktop 4.x release -> the engine minor it shipped (the first release of each).
const ENGINES: &[(Version, Version)] = &[
    ((4, 0), (20, 10)),
    ((4, 17), (23, 0)),
    ((4, 19), (24, 0)),
    ((4, 27), (25, 0)),
    ((4, 29), (26, 0)),
    ((4, 31), (26, 1)),
    ((4, 32), (27, 0)),
    ((4, 33), (27, 1)),
    ((4, 34), (27, 2)),
    ((4, 35), (27, 3)),
    ((4, 37), (27, 4)),
    ((4, 38), (27, 5)),
    ((4, 39), (28, 0)),
    ((4, 41), (28, 1)),
    ((4, 42), (28, 2)),
    ((4, 43), (28, 3)),
    ((4, 46), (28, 4)),
    ((4, 48), (28, 5)),
];

/// The newest numbered Desktop release whose engine docknet knows (it shipped 28.5).
const NEWEST: (u32, u32) = (4, 48);

/// `current`: today's Docker Desktop, which ships Engine 29 (modelled as 29.7).
const CURRENT_ENGINE: (u32, u32) = (29, 7);

/// Read `release` (`os` is `mac` or `win`, as in `docker.for.mac.localhost`).
pub(super) fn desktop_release(release: &str, os: &str) -> Result<DesktopRelease, String> {
    let current = release.trim() == "current";
    let v = if current {
        NEWEST
    } else {
        parse(release).ok_or_else(|| {
            format!(
                "Docker Desktop release `{release}`: write it as it is numbered, e.g. \"4.36\", \
                 \"3.6\", \"18.03\", or \"current\""
            )
        })?
    };
    if (5..17).contains(&v.0) || v.0 == 1 || v.0 > 18 {
        return Err(format!("Docker Desktop release `{release}` does not exist"));
    }
    if v.0 == 4 && v > NEWEST {
        return Err(format!(
            "Docker Desktop {release}: docknet does not know which Engine it shipped (it \
             knows releases up to {}.{}); write `current` for today's Desktop (Engine 29)",
            NEWEST.0, NEWEST.1
        ));
    }
    let desktop4 = v.0 == 4;
    let engine = if current {
        EngineVersion::new(CURRENT_ENGINE.0, CURRENT_ENGINE.1)
    } else if desktop4 {
        let (major, minor) = ENGINES
            .iter()
            .rev()
            .find(|(r, _)| *r <= v)
            .map_or((20, 10), |(_, e)| *e);
        EngineVersion::new(major, minor)
    } else {
        // 17.x-18.x, 2.x and 3.x shipped Engine 17.03-20.10: the 20.10 rules.
        EngineVersion::new(20, 10)
    };
    // 2.x-4.x came after 18.06: they all know host.docker.internal.
    let year_style = v.0 >= 17;
    let mut names = Vec::new();
    if !year_style || v >= (18, 3) {
        names.push("host.docker.internal".to_string());
        names.push("gateway.docker.internal".to_string());
    } else if v >= (17, 12) {
        names.push(format!("docker.for.{os}.host.internal"));
    } else if v >= (17, 6) {
        names.push(format!("docker.for.{os}.localhost"));
    }
    Ok(DesktopRelease {
        engine,
        names,
        // 192.168.65.2 through 3.x; 4.x resolves the host to 192.168.65.254.
        host: if desktop4 {
            DESKTOP_HOST
        } else {
            DESKTOP_HOST_OLD
        },
    })
}

/// `major.minor[.patch...]`.
fn parse(release: &str) -> Option<(u32, u32)> {
    let mut it = release.trim().split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
    it.all(|p| p.parse::<u32>().is_ok())
        .then_some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(r: &str) -> Vec<String> {
        desktop_release(r, "mac").expect(r).names
    }

    #[test]
    fn host_names_follow_the_release() {
        assert!(names("17.03").is_empty());
        assert_eq!(names("17.06"), ["docker.for.mac.localhost"]);
        assert_eq!(names("17.12"), ["docker.for.mac.host.internal"]);
        assert_eq!(names("18.03")[0], "host.docker.internal");
        assert_eq!(
            names("4.36"),
            ["host.docker.internal", "gateway.docker.internal"]
        );
        assert_eq!(names("2.5")[0], "host.docker.internal");
        assert_eq!(names("current")[0], "host.docker.internal");
    }

    #[test]
    fn each_release_gets_the_engine_it_shipped() {
        let engine = |r: &str| desktop_release(r, "mac").expect(r).engine.to_string();
        assert_eq!(engine("4.36"), "27.3");
        assert_eq!(engine("4.36.1"), "27.3");
        assert_eq!(engine("4.0"), "20.10");
        assert_eq!(engine("4.19"), "24.0");
        assert_eq!(engine("4.39"), "28.0");
        assert_eq!(engine("current"), "29.7");
        assert_eq!(engine("3.6"), "20.10");
        assert_eq!(engine("18.03"), "20.10");
    }

    #[test]
    fn the_host_address_moved_with_desktop_4() {
        let host = |r: &str| desktop_release(r, "mac").expect(r).host.to_string();
        assert_eq!(host("18.03"), "192.168.65.2");
        assert_eq!(host("4.36"), "192.168.65.254");
    }

    #[test]
    fn unknown_and_unmodelled_releases_are_refused() {
        assert!(
            desktop_release("4.60", "mac")
                .unwrap_err()
                .contains("write `current`")
        );
        assert!(
            desktop_release("9.1", "mac")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            desktop_release("four", "mac")
                .unwrap_err()
                .contains("e.g. \"4.36\"")
        );
    }
}
