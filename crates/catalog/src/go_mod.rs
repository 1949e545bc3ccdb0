//! Go modules from `go.mod`: every `require` (a `// indirect` comment marks a transitive
//! one), with `replace` directives applied; a replacement by a local directory keeps the
//! required module, as the build still reports it under that path.

use std::collections::HashMap;

use crate::paths::basename;
use crate::text::lockfile_text;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    basename(meta.path) == "go.mod"
}

/// A module path with its version, if one is given.
type Module<'a> = (&'a str, Option<&'a str>);

/// One directive line: `require a v1` inside or outside a block.
struct Directive<'a> {
    verb: &'a str,
    args: Vec<&'a str>,
    comment: &'a str,
    line: u32,
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let directives = directives(text)?;
    // `replace old [v] => new [v]`: keyed by the old path, and version when one is given.
    let mut replaced: HashMap<Module, Module> = HashMap::new();
    for d in directives.iter().filter(|d| d.verb == "replace") {
        let Some(arrow) = d.args.iter().position(|a| *a == "=>") else {
            return Err(format!("line {}: replace without =>", d.line));
        };
        let (old, new) = d.args.split_at(arrow);
        let new = &new[1..];
        if let (Some(o), Some(n)) = (old.first(), new.first()) {
            replaced.insert((o, old.get(1).copied()), (n, new.get(1).copied()));
        }
    }
    let mut out = Vec::new();
    for d in directives.iter().filter(|d| d.verb == "require") {
        let [name, version] = d.args[..] else {
            return Err(format!(
                "line {}: require needs a module and a version",
                d.line
            ));
        };
        let (name, version) = match replaced
            .get(&(name, Some(version)))
            .or_else(|| replaced.get(&(name, None)))
        {
            Some((new, Some(v))) => (*new, *v),
            _ => (name, version),
        };
        let mut p = Package::new(PackageType::GoModule, name, version, file.path);
        p.line = Some(d.line);
        p.direct = Some(!d.comment.split(';').any(|c| c.trim() == "indirect"));
        out.push(p);
    }
    Ok(out)
}

fn directives(text: &str) -> Result<Vec<Directive<'_>>, String> {
    let mut out = Vec::new();
    let mut block: Option<&str> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let (code, comment) = match raw.find("//") {
            Some(c) => (&raw[..c], raw[c + 2..].trim()),
            None => (raw, ""),
        };
        let mut words: Vec<&str> = code.split_whitespace().map(unquote_go).collect();
        if words.is_empty() {
            continue;
        }
        if let Some(verb) = block {
            if words == [")"] {
                block = None;
                continue;
            }
            out.push(Directive {
                verb,
                args: words,
                comment,
                line,
            });
            continue;
        }
        let verb = words.remove(0);
        if words == ["("] {
            block = Some(verb);
        } else {
            out.push(Directive {
                verb,
                args: words,
                comment,
                line,
            });
        }
    }
    match block {
        Some(verb) => Err(format!("{verb} block not closed")),
        None => Ok(out),
    }
}

fn unquote_go(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_and_replaces() {
        let text = "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/a/b v1.2.3\n\tgolang.org/x/sys v0.1.0 // indirect\n)\n\nrequire github.com/c/d v0.0.0-2020-abc\n\nreplace github.com/a/b => github.com/fork/b v1.2.4\nreplace github.com/c/d => ../d\n";
        crate::text::assert_rows(
            parse,
            "/go.mod",
            text,
            &[
                ("github.com/fork/b", "v1.2.4", Some(true), Some(6)),
                ("golang.org/x/sys", "v0.1.0", Some(false), Some(7)),
                ("github.com/c/d", "v0.0.0-2020-abc", Some(true), Some(10)),
            ],
        );
        assert!(
            parse(&FileInput {
                path: "/go.mod",
                data: b"require (\na v1\n",
                mode: 0
            })
            .is_err()
        );
    }
}
