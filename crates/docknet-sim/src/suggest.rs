//! The one edit distance behind every "did you mean ...?" (flags, chains, targets).

/// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions (`--dprot` is one edit from `--dport`).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpositions_count_once() {
        assert_eq!(distance("--dprot", "--dport"), 1);
        assert_eq!(distance("netwrok", "network"), 1);
        assert_eq!(distance("icc", "ip"), 2);
        assert_eq!(distance("", "abc"), 3);
    }
}
