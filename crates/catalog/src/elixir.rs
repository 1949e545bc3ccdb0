//! Elixir and Erlang packages from Mix's `mix.lock`, an Elixir map literal with one entry a
//! line: `"name": {:hex, :name, "version", …}`. Git and path dependencies name no release
//! and are skipped.

use crate::paths::basename;
use crate::text::lockfile_text;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    basename(meta.path) == "mix.lock"
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.trim().strip_prefix('"') else {
            continue;
        };
        let Some((_, tuple)) = rest.split_once("\": {") else {
            return Err(format!("line {}: not \"name\": {{…}}", i + 1));
        };
        let mut parts = tuple.splitn(4, ", ");
        if parts.next() != Some(":hex") {
            continue;
        }
        let (Some(name), Some(version)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "line {}: hex entry without name and version",
                i + 1
            ));
        };
        let name = name.trim_start_matches(':');
        let version = version.trim_matches('"');
        let mut p = Package::new(PackageType::Hex, name, version, file.path);
        p.line = Some(i as u32 + 1);
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_entries() {
        let text = "%{\n  \"castore\": {:hex, :castore, \"1.0.5\", \"9eeebb\", [:mix], [], \"hexpm\", \"8d7c\"},\n  \"dep\": {:git, \"https://x/dep.git\", \"abc\", []},\n}\n";
        let p = parse(&FileInput {
            path: "/mix.lock",
            data: text.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str(), p[0].line),
            ("castore", "1.0.5", Some(2))
        );
    }
}
