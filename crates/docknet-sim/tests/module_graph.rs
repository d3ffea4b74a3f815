//! The core's top-level modules form a DAG: every `.rs` file under `src/` belongs to its
//! top-level module (`src/X.rs` and `src/X/**`), each `crate::X` it names (in `use`
//! statements and paths, outside comments and string literals) is an edge, and the graph
//! must have no cycle. `cargo test --test module_graph -- --nocapture` prints the graph as
//! `module -> deps`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module -> (dependency -> where the first reference to it is, `file:line`).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn the_core_modules_have_no_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    println!("{}", listing(&graph));
    assert!(
        graph.len() > 10 && graph.values().any(|deps| !deps.is_empty()),
        "the scan found too little to be right: {graph:?}"
    );
    let problems: Vec<String> = cycles(&graph)
        .iter()
        .map(|scc| {
            format!(
                "import cycle: {}; move what they share into a module below them",
                describe_cycle(&graph, scc)
            )
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The graph of the crate rooted at `src/lib.rs`.
fn module_graph(src: &Path) -> Graph {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let lib = strip_comments_and_strings(&lib);
    let modules = declared_modules(&lib);
    let reexports = root_reexports(&lib, &modules);
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a path");
        let first = first.as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(deps) = graph.get_mut(&module) else {
            continue; // lib.rs itself
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (name, line) in crate_references(&strip_comments_and_strings(&text)) {
            let target = match reexports.get(&name) {
                Some(m) => m.clone(),
                None if modules.contains(&name) => name,
                None => continue,
            };
            if target != module {
                deps.entry(target)
                    .or_insert_with(|| format!("src/{}:{line}", rel.display()));
            }
        }
    }
    graph
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

/// `mod X;` and `pub mod X;` (any visibility) in the crate root.
fn declared_modules(lib: &str) -> BTreeSet<String> {
    lib.split(';')
        .filter_map(|stmt| {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            match words.as_slice() {
                [.., "mod", name] => Some(name.to_string()),
                _ => None,
            }
        })
        .collect()
}

/// Items the crate root re-exports (`pub use sim::Sim;`, `pub use load::{load, load_with};`),
/// mapped to the module they come from, so `crate::Sim` counts as `engine`.
fn root_reexports(lib: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim().trim_start_matches("crate::");
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        if !modules.contains(module) {
            continue;
        }
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = item.split(" as ").last().unwrap_or(item).trim();
            let name = name.rsplit("::").next().unwrap_or(name);
            if !name.is_empty() {
                out.insert(name.to_string(), module.to_string());
            }
        }
    }
    out
}

/// The first segment of every path after `crate::`, with its 1-based line; in a grouped
/// `use crate::{a::X, b}` each member counts.
fn crate_references(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at;
        from = start + "crate::".len();
        let preceded_by_ident = start > 0 && is_ident(bytes[start - 1]);
        if preceded_by_ident {
            continue; // `my_crate::`, `$crate::`
        }
        let line = code[..start].matches('\n').count() + 1;
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            for member in top_level_members(group) {
                if let Some(name) = leading_ident(member) {
                    out.push((name.to_string(), line));
                }
            }
        } else if let Some(name) = leading_ident(rest) {
            out.push((name.to_string(), line));
        }
    }
    out
}

/// The comma-separated members of a `{...}` group (given the text after its `{`), nested
/// groups kept whole.
fn top_level_members(group: &str) -> Vec<&str> {
    let mut members = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                members.push(&group[start..i]);
                return members;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                members.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    members
}

fn leading_ident(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let end = s.bytes().position(|b| !is_ident(b)).unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The code with comments and string and char literals blanked (newlines kept, so line
/// numbers still hold). Lifetimes are left alone.
fn strip_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &[char]| {
        out.extend(s.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    };
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        let end = if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len())
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            block_comment_end(&c, i)
        } else if c[i] == '"' {
            quoted_end(&c, i + 1, '"')
        } else if !prev_ident && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) {
            match raw_string_end(&c, if c[i] == 'b' { i + 1 } else { i }) {
                Some(end) => end,
                None => {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
            }
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            quoted_end(&c, i + 1, '\'')
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i + 3
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        };
        let end = end.min(c.len());
        blank(&mut out, &c[i..end]);
        i = end;
    }
    out
}

/// Just past the `*/` closing the (nestable) block comment opening at `i`.
fn block_comment_end(c: &[char], i: usize) -> usize {
    let (mut depth, mut j) = (0usize, i);
    while j + 1 < c.len() {
        match (c[j], c[j + 1]) {
            ('/', '*') => {
                depth += 1;
                j += 2;
            }
            ('*', '/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return j;
                }
            }
            _ => j += 1,
        }
    }
    c.len()
}

/// Just past the `close` ending a literal whose body starts at `j` (backslash escapes).
fn quoted_end(c: &[char], mut j: usize, close: char) -> usize {
    while j < c.len() {
        match c[j] {
            '\\' => j += 2,
            ch if ch == close => return j + 1,
            _ => j += 1,
        }
    }
    c.len()
}

/// Just past a raw string `r#"..."#` starting at the `r` at `i`, or `None` if it is not one.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
    let open = i + 1 + hashes;
    if c.get(open) != Some(&'"') {
        return None;
    }
    let mut j = open + 1;
    while j < c.len() {
        if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

/// The strongly connected components with more than one module: each holds a cycle.
/// Tarjan's algorithm, iteration order fixed by the sorted maps.
fn cycles(graph: &Graph) -> BTreeSet<BTreeSet<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        out: BTreeSet<BTreeSet<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            let deps = self.graph.get(v).into_iter().flat_map(|d| d.keys());
            for w in deps {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    scc.insert(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    self.out.insert(scc);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: BTreeSet::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out
}

/// One cycle through the component, as `a -> b (src/a.rs:3) -> a (src/b/x.rs:9)`.
fn describe_cycle(graph: &Graph, scc: &BTreeSet<String>) -> String {
    let first = scc.iter().next().expect("a non-empty component");
    // Breadth-first from `first` inside the component, back to `first`.
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([first.as_str()]);
    let mut last = None;
    while let Some(v) = queue.pop_front() {
        for w in graph[v].keys().filter(|w| scc.contains(*w)) {
            if w == first {
                last = Some(v);
                break;
            }
            if !parent.contains_key(w.as_str()) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
        if last.is_some() {
            break;
        }
    }
    let mut back = Vec::new();
    let mut v = last.expect("a component has a cycle through each member");
    while v != first {
        back.push(v);
        v = parent[v];
    }
    let path: Vec<&str> = std::iter::once(first.as_str())
        .chain(back.into_iter().rev())
        .chain(std::iter::once(first.as_str()))
        .collect();
    let mut text = first.clone();
    for pair in path.windows(2) {
        text.push_str(&format!(" -> {} ({})", pair[1], graph[pair[0]][pair[1]]));
    }
    text
}

/// `module -> dep, dep`, one line per module.
fn listing(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(m, deps)| {
            let deps: Vec<&str> = deps.keys().map(String::as_str).collect();
            format!("{m} -> {}", deps.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn graph_of(edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new();
    for (a, b) in edges {
        g.entry(a.to_string())
            .or_default()
            .insert(b.to_string(), format!("src/{a}.rs:1"));
        g.entry(b.to_string()).or_default();
    }
    g
}

#[test]
fn the_cycle_finder_finds_hand_made_cycles_and_passes_a_dag() {
    let dag = graph_of(&[("a", "b"), ("b", "c"), ("a", "c"), ("d", "a")]);
    assert!(cycles(&dag).is_empty());
    let g = graph_of(&[
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),
        ("c", "d"),
        ("d", "e"),
        ("e", "d"),
    ]);
    let found = cycles(&g);
    let set = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        found,
        BTreeSet::from([set(&["a", "b", "c"]), set(&["d", "e"])])
    );
    assert_eq!(
        describe_cycle(&g, &set(&["a", "b", "c"])),
        "a -> b (src/a.rs:1) -> c (src/b.rs:1) -> a (src/c.rs:1)"
    );
}

#[test]
fn references_are_found_in_uses_and_paths_but_not_in_comments_or_strings() {
    let code = r##"
        use crate::{engine::Sim, wire::{Frame, L4}, time};
        use crate::model::Net; // crate::apps in a comment
        /* crate::stack /* nested crate::lint */ still crate::pcap */
        let s = "crate::trace"; let r = r#"crate::docker "quoted""#; let c = '"';
        fn f<'a>(x: &'a str) -> crate::ids::NsId { my_crate::format::x(); crate::Sim::new() }
    "##;
    let refs: Vec<(String, usize)> = crate_references(&strip_comments_and_strings(code));
    let names: Vec<&str> = refs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["engine", "wire", "time", "model", "ids", "Sim"]);
    assert_eq!(refs[3].1, 3, "line numbers survive the blanking");
}
