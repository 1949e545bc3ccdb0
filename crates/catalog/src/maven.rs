//! Java build files: Maven's `pom.xml` (the project and the dependencies it declares, `${…}` properties
//! resolved from the same file, versions from its own `dependencyManagement`; a parent POM
//! elsewhere is not read) and Gradle's `gradle.lockfile` (every resolved module with the
//! configurations that need it).

use std::collections::HashMap;

use roxmltree::{Document, Node};

use crate::paths::basename;
use crate::text::lockfile_text;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_pom(meta: &FileMeta) -> bool {
    basename(meta.path) == "pom.xml"
}

pub fn wants_gradle(meta: &FileMeta) -> bool {
    basename(meta.path) == "gradle.lockfile"
}

pub fn parse_pom(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let doc = Document::parse(text).map_err(|e| format!("invalid XML: {e}"))?;
    let project = doc.root_element();
    if project.tag_name().name() != "project" {
        return Err("no <project> element".into());
    }
    let props = properties(project);
    let resolve = |s: &str| resolve(s, &props);
    let managed: HashMap<(String, String), String> = child(project, "dependencyManagement")
        .and_then(|m| child(m, "dependencies"))
        .into_iter()
        .flat_map(|d| children(d, "dependency"))
        .filter_map(|d| {
            let key = (
                resolve(text_of(d, "groupId")?),
                resolve(text_of(d, "artifactId")?),
            );
            Some((key, resolve(text_of(d, "version")?)))
        })
        .collect();
    let mut out = Vec::new();
    // The project itself, as Syft reports it: its coordinates, inherited from the parent
    // where the file leaves them out.
    if let (Some(group), Some(artifact)) =
        (props.get("project.groupId"), text_of(project, "artifactId"))
    {
        let version = props.get("project.version").cloned().unwrap_or_default();
        let mut p = Package::new(
            PackageType::JavaArchive,
            resolve(artifact),
            version,
            file.path,
        );
        p.namespace = Some(group.clone());
        p.line = Some(doc.text_pos_at(project.range().start).row);
        out.push(p);
    }
    for d in child(project, "dependencies")
        .into_iter()
        .flat_map(|d| children(d, "dependency"))
    {
        let (Some(group), Some(artifact)) = (text_of(d, "groupId"), text_of(d, "artifactId"))
        else {
            continue;
        };
        let (group, artifact) = (resolve(group), resolve(artifact));
        let version = match text_of(d, "version") {
            Some(v) => resolve(v),
            None => managed
                .get(&(group.clone(), artifact.clone()))
                .cloned()
                .unwrap_or_default(),
        };
        let mut p = Package::new(PackageType::JavaArchive, artifact, version, file.path);
        p.namespace = Some(group);
        p.direct = Some(true);
        p.dev = Some(text_of(d, "scope") == Some("test"));
        p.line = Some(doc.text_pos_at(d.range().start).row);
        out.push(p);
    }
    Ok(out)
}

/// `<properties>`, plus the `project.*` names Maven defines from the file itself.
fn properties(project: Node) -> HashMap<String, String> {
    let mut props: HashMap<String, String> = child(project, "properties")
        .into_iter()
        .flat_map(|p| p.children().filter(|c| c.is_element()))
        .map(|c| {
            (
                c.tag_name().name().to_owned(),
                c.text().unwrap_or("").trim().to_owned(),
            )
        })
        .collect();
    let parent = child(project, "parent");
    for key in ["groupId", "artifactId", "version"] {
        let own = text_of(project, key);
        let inherited = parent.and_then(|p| text_of(p, key));
        if let Some(v) = own.or(if key == "artifactId" { None } else { inherited }) {
            props.insert(format!("project.{key}"), v.to_owned());
            props.insert(format!("pom.{key}"), v.to_owned());
        }
        if let Some(v) = inherited {
            props.insert(format!("project.parent.{key}"), v.to_owned());
        }
    }
    props
}

/// Substitutes `${name}` references, following chains a few levels deep; an unknown name is
/// left as written.
fn resolve(s: &str, props: &HashMap<String, String>) -> String {
    let mut out = s.trim().to_owned();
    for _ in 0..8 {
        let Some(start) = out.find("${") else { break };
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let name = &out[start + 2..start + len];
        let Some(value) = props.get(name) else { break };
        out = format!("{}{}{}", &out[..start], value, &out[start + len + 1..]);
    }
    out
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.tag_name().name() == name)
}

fn children<'a, 'i: 'a>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.tag_name().name() == name)
}

fn text_of<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).and_then(|c| c.text()).map(str::trim)
}

pub fn parse_gradle(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coordinates, configurations) = line.split_once('=').unwrap_or((line, ""));
        let mut parts = coordinates.split(':');
        let (Some(group), Some(artifact), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {line_no}: not group:artifact:version"));
        };
        let mut p = Package::new(PackageType::JavaArchive, artifact, version, file.path);
        p.namespace = Some(group.to_owned());
        p.line = Some(line_no);
        if !configurations.is_empty() {
            p.dev = Some(
                configurations
                    .split(',')
                    .all(|c| c.trim().starts_with("test")),
            );
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pom_properties_and_management() {
        let pom = r#"<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>org.p</groupId><artifactId>parent</artifactId><version>3.0</version></parent>
  <artifactId>app</artifactId>
  <properties><jackson.version>2.17.0</jackson.version><v>${jackson.version}</v></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${v}</version></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>sib</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><scope>test</scope></dependency>
  </dependencies>
</project>"#;
        let p = parse_pom(&FileInput {
            path: "/pom.xml",
            data: pom.as_bytes(),
            mode: 0,
        })
        .unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|p| {
                (
                    p.namespace.as_deref().unwrap(),
                    p.name.as_str(),
                    p.version.as_str(),
                    p.dev,
                    p.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("org.p", "app", "3.0", None, Some(2)),
                (
                    "com.fasterxml.jackson.core",
                    "jackson-databind",
                    "2.17.0",
                    Some(false),
                    Some(10)
                ),
                ("org.p", "sib", "3.0", Some(false), Some(11)),
                ("junit", "junit", "4.13.2", Some(true), Some(12)),
            ]
        );
    }

    #[test]
    fn gradle_lockfile() {
        let text = "# comment\ncom.google.guava:guava:33.0.0-jre=compileClasspath,runtimeClasspath\njunit:junit:4.13.2=testCompileClasspath\nempty=annotationProcessor\n";
        let p = parse_gradle(&FileInput {
            path: "/gradle.lockfile",
            data: text.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].dev, p[0].line),
            ("guava", Some(false), Some(2))
        );
        assert_eq!(p[1].dev, Some(true));
    }
}
