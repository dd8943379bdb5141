//! The shape of `src/`, checked on every test run: which module may import which, no import
//! cycles, no file over 600 lines and no function over 80 lines without a reason beside it.
//!
//! It reads the source text (no compiler plugin): `use crate::…`, `use super::…` and inline
//! `crate::…` / `super::…` paths, each resolved to the deepest module that exists. Run
//! `cargo test --test architecture -- --nocapture` to see the import graph and the sizes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;
/// A function longer than `MAX_FN_LINES` says why in a comment starting with this, just above it.
const LONG_FN_MARK: &str = "// Long:";

/// The top-level modules and what each may import. `api → service → (domain, store, mail, pdf)`;
/// the drivers (`cli`, `startup`, `scenario`, `demo`, `scheduler`) sit above the API and the
/// services and only start or call them; `error`, `clock` and `config` are leaves everyone may use.
const LAYERS: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("clock", &[]),
    ("memory", &[]),
    ("config", &[]),
    ("domain", &["error"]),
    ("pdf", &["domain", "error"]),
    ("store", &["domain", "error", "config", "clock"]),
    ("mail", &["store", "domain", "error", "config", "clock"]),
    ("service", &["store", "mail", "pdf", "domain", "error", "config", "clock", "memory"]),
    ("api", &["service", "domain", "error", "config", "clock"]),
    ("web", &["service", "domain", "error", "config", "clock"]),
    ("scheduler", &["service", "domain", "error", "config", "clock", "memory"]),
    (
        "scenario",
        &["startup", "api", "service", "store", "mail", "domain", "error", "config", "clock"],
    ),
    (
        "startup",
        &[
            "web",
            "api",
            "scheduler",
            "service",
            "store",
            "mail",
            "domain",
            "error",
            "config",
            "clock",
        ],
    ),
    ("demo", &["startup", "scenario", "service", "store", "domain", "error", "config", "clock"]),
    (
        "bench",
        &[
            "startup", "demo", "scenario", "api", "service", "store", "pdf", "domain", "error",
            "config", "clock",
        ],
    ),
    (
        "cli",
        &[
            "bench",
            "demo",
            "startup",
            "scenario",
            "scheduler",
            "api",
            "service",
            "store",
            "mail",
            "pdf",
            "domain",
            "error",
            "config",
            "clock",
        ],
    ),
];

type Module = Vec<String>;

struct SourceFile {
    path: PathBuf,
    module: Module,
    text: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/service/letters/compose.rs` → `service::letters::compose`; `mod.rs`, `lib.rs` and
/// `main.rs` name their directory.
fn module_of(path: &Path) -> Module {
    let rel = path.strip_prefix(src_dir()).unwrap().with_extension("");
    let mut parts: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

fn sources() -> Vec<SourceFile> {
    let mut paths = Vec::new();
    rust_files(&src_dir(), &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            SourceFile { module: module_of(&path), path, text }
        })
        .collect()
}

/// The source without comments and string literals, so a path in a doc comment or a message does
/// not count as an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r' && matches!(b.get(i + 1), Some(b'"' | b'#')) && !ident(b, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"'
                    && b[j + 1..].iter().take(hashes).filter(|c| **c == b'#').count() == hashes
                {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal like '{' (a lifetime has no closing quote two bytes on).
            i += 3;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            i += 2;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

fn ident(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// Expands a use tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Module>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let base: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap()];
        let mut depth = 0;
        let mut start = 0;
        let mut parts = Vec::new();
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&inner[start..]);
        let mut p = prefix.to_vec();
        p.extend(base);
        for part in parts.into_iter().filter(|s| !s.trim().is_empty()) {
            expand(part, &p, out);
        }
    } else {
        let mut p = prefix.to_vec();
        let path = tree.split(" as ").next().unwrap_or("");
        p.extend(path.split("::").map(str::trim).filter(|s| !s.is_empty()).map(String::from));
        out.push(p);
    }
}

/// The paths a file refers to, relative to the crate root.
fn referenced_paths(file: &SourceFile) -> Vec<Module> {
    let code = code_only(&file.text);
    let mut raw: Vec<(String, Module)> = Vec::new();
    // `use` statements, braces included.
    let mut rest = code.as_str();
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        let stmt = rest[..end].trim();
        for root in ["crate::", "super::", "self::"] {
            if let Some(tree) = stmt.strip_prefix(root) {
                let mut paths = Vec::new();
                expand(tree, &[], &mut paths);
                raw.extend(paths.into_iter().map(|p| (root.to_string(), p)));
            }
        }
    }
    // Inline paths: `crate::a::b::f(…)`, `super::x::y`.
    for root in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(root) {
            let at = from + i;
            from = at + root.len();
            if ident(code.as_bytes(), at) {
                continue;
            }
            let tail: String = code[from..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path: Module =
                tail.split("::").filter(|s| !s.is_empty()).map(String::from).collect();
            if !path.is_empty() {
                raw.push((root.to_string(), path));
            }
        }
    }
    raw.into_iter()
        .map(|(root, path)| {
            let mut full = match root.as_str() {
                "crate::" => Vec::new(),
                "super::" => file.module[..file.module.len().saturating_sub(1)].to_vec(),
                _ => file.module.clone(),
            };
            for seg in path {
                if seg == "super" {
                    full.pop();
                } else {
                    full.push(seg);
                }
            }
            full
        })
        .collect()
}

/// Every module import as (from, to), each side the deepest module that exists.
fn imports(files: &[SourceFile]) -> BTreeSet<(Module, Module)> {
    let modules: BTreeSet<Module> = files.iter().map(|f| f.module.clone()).collect();
    let mut edges = BTreeSet::new();
    for f in files {
        for path in referenced_paths(f) {
            let target =
                (1..=path.len()).rev().map(|k| path[..k].to_vec()).find(|m| modules.contains(m));
            if let Some(t) = target
                && t != f.module
            {
                edges.insert((f.module.clone(), t));
            }
        }
    }
    edges
}

fn name(m: &[String], depth: usize) -> String {
    m[..m.len().min(depth)].join("::")
}

/// The import graph at a depth (1: `service`; 2: `service::letters`), without a module's imports of
/// its own parent or children (a `mod.rs` declaring its parts, a part using its parent's types).
fn graph(edges: &BTreeSet<(Module, Module)>, depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in edges {
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let (na, nb) = (name(a, depth), name(b, depth));
        let nested = na.starts_with(&format!("{nb}::")) || nb.starts_with(&format!("{na}::"));
        if na != nb && !nested {
            g.entry(na).or_default().insert(nb);
        }
    }
    g
}

/// The cycles of a graph, as its strongly connected components with more than one node.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        v: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        order: &mut BTreeMap<String, (usize, usize)>,
        stack: &mut Vec<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        let n = order.len();
        order.insert(v.to_string(), (n, n));
        stack.push(v.to_string());
        for w in g.get(v).into_iter().flatten() {
            if !order.contains_key(w) {
                visit(w, g, order, stack, found);
                let low = order[w].1.min(order[v].1);
                order.get_mut(v).unwrap().1 = low;
            } else if stack.contains(w) {
                let low = order[w].0.min(order[v].1);
                order.get_mut(v).unwrap().1 = low;
            }
        }
        if order[v].0 == order[v].1 {
            let mut component = Vec::new();
            while let Some(w) = stack.pop() {
                let done = w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                found.push(component);
            }
        }
    }
    let mut order = BTreeMap::new();
    let mut found = Vec::new();
    for v in g.keys() {
        if !order.contains_key(v) {
            visit(v, g, &mut order, &mut Vec::new(), &mut found);
        }
    }
    found
}

#[test]
fn top_level_modules_import_only_downward() {
    let files = sources();
    let edges = imports(&files);
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut wrong = Vec::new();
    for (from, to) in graph(&edges, 1) {
        let Some(may) = allowed.get(from.as_str()) else {
            wrong.push(format!("{from}: not in LAYERS (say what it may import)"));
            continue;
        };
        for t in to {
            if !may.contains(&t.as_str()) {
                let why: Vec<String> = edges
                    .iter()
                    .filter(|(a, b)| name(a, 1) == from && name(b, 1) == t)
                    .map(|(a, b)| format!("{} -> {}", a.join("::"), b.join("::")))
                    .collect();
                wrong.push(format!("{from} -> {t}: {}", why.join(", ")));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn no_import_cycles_between_modules() {
    let files = sources();
    let edges = imports(&files);
    for depth in 1..=3 {
        let g = graph(&edges, depth);
        if depth == 2 {
            for (from, to) in &g {
                let to: Vec<&str> = to.iter().map(String::as_str).collect();
                println!("{from} -> {}", to.join(" "));
            }
        }
        let found = cycles(&g);
        assert!(found.is_empty(), "import cycles at depth {depth}: {found:?}");
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    // Guards the checker itself: a → b → c → a must be reported.
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        g.entry(a.into()).or_default().insert(b.into());
    }
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    let edges: BTreeSet<(Module, Module)> = [(vec!["x".to_string()], vec!["y".to_string()])].into();
    assert!(cycles(&graph(&edges, 1)).is_empty());
}

#[test]
fn use_trees_and_paths_are_read() {
    let file = SourceFile {
        path: PathBuf::from("src/service/letters/compose.rs"),
        module: vec!["service".into(), "letters".into(), "compose".into()],
        text: "use crate::{domain::{money::Money, call}, store as s};\nuse super::outcome::X;\n\
               // crate::api::nothing\nlet m = \"crate::mail\"; crate::pdf::render();"
            .into(),
    };
    let got: BTreeSet<String> = referenced_paths(&file).iter().map(|p| p.join("::")).collect();
    let want: BTreeSet<String> = [
        "domain::money::Money",
        "domain::call",
        "store",
        "service::letters::outcome::X",
        "pdf::render",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert!(want.is_subset(&got), "{got:?}");
    assert!(!got.iter().any(|p| p.is_empty() || p.starts_with("api") || p.starts_with("mail")));
}

/// Functions as (name, first line, line count), by matching braces from each `fn` line.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(pos) = t.find("fn ") else { continue };
        let head = &t[..pos];
        let is_fn = head.split_whitespace().all(|w| {
            matches!(w, "pub" | "pub(crate)" | "pub(super)" | "async" | "const" | "unsafe")
        });
        if !is_fn {
            continue;
        }
        let name: String =
            t[pos + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let mut depth = 0i32;
        let mut opened = false;
        let mut end = None;
        'outer: for (j, l) in lines.iter().enumerate().skip(i) {
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => {
                        depth -= 1;
                        if opened && depth == 0 {
                            end = Some(j);
                            break 'outer;
                        }
                    }
                    ';' if !opened && depth == 0 => break 'outer,
                    _ => {}
                }
            }
        }
        if let Some(end) = end {
            out.push((name, i + 1, end - i + 1));
        }
    }
    out
}

#[test]
fn files_and_functions_stay_small() {
    let mut too_long = Vec::new();
    let mut largest = (0, String::new());
    let mut longest = (0, String::new());
    for f in sources() {
        let shown = f.path.strip_prefix(src_dir().parent().unwrap()).unwrap().display().to_string();
        let lines = f.text.lines().count();
        if lines > largest.0 {
            largest = (lines, shown.clone());
        }
        if lines > MAX_FILE_LINES {
            too_long.push(format!("{shown}: {lines} lines (at most {MAX_FILE_LINES})"));
        }
        let text_lines: Vec<&str> = f.text.lines().collect();
        for (name, start, len) in functions(&f.text) {
            if len > longest.0 {
                longest = (len, format!("{shown}:{start} {name}"));
            }
            let above = &text_lines[start.saturating_sub(6)..start - 1];
            let explained = above.iter().any(|l| l.trim_start().starts_with(LONG_FN_MARK));
            if len > MAX_FN_LINES && !explained {
                too_long.push(format!(
                    "{shown}:{start} fn {name}: {len} lines (at most {MAX_FN_LINES}, or a \
                     `{LONG_FN_MARK} <reason>` comment above it)"
                ));
            }
        }
    }
    println!("largest file: {} ({} lines)", largest.1, largest.0);
    println!("longest function: {} ({} lines)", longest.1, longest.0);
    assert!(too_long.is_empty(), "too long:\n{}", too_long.join("\n"));
}

#[test]
fn function_lengths_are_measured() {
    let text = "pub async fn a(x: u8) -> u8 {\n    if x > 0 {\n        x\n    } else { 0 }\n}\n\
                fn b();\nconst S: &str = \"fn c() {\";\nfn d() { let c = '{'; }\n";
    let got = functions(text);
    assert_eq!(got, vec![("a".to_string(), 1, 5), ("d".to_string(), 8, 1)]);
}
