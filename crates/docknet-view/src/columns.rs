//! Text tables padded into columns, as `docker ps` and `docknet grade` print them.

/// Each row's cells padded to their column's widest, separated by `gap`, trailing spaces
/// trimmed, one line per row.
pub fn aligned(rows: &[Vec<String>], gap: &str) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| format!("{s:<w$}", w = widths[c]))
            .collect();
        out.push_str(cells.join(gap).trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_all_but_trailing_space() {
        let rows = vec![
            vec!["NAME".into(), "X".into()],
            vec!["a".into(), "long".into()],
        ];
        assert_eq!(super::aligned(&rows, "   "), "NAME   X\na      long\n");
    }
}
