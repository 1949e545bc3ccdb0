//! Finding image references: `FROM` lines of Dockerfiles (through parse-dockerfile, the parser
//! plinth-lint uses), and `image:` keys of compose files and Kubernetes manifests. Each comes
//! with the byte range of its text in the file, so a rewrite touches nothing else.

use std::collections::HashMap;
use std::ops::Range;

use parse_dockerfile as pd;
use plinth_registry::ImageRef;

/// One image reference found in a file.
#[derive(Debug, Clone)]
pub struct Found {
    pub file: String,
    pub line: usize,
    /// The reference as written, `ARG` defaults expanded.
    pub text: String,
    pub image: ImageRef,
    /// Whether the text names a tag (without one, `latest` is implied).
    pub tag_written: bool,
    /// `FROM --platform=os/arch` when it is literal.
    pub platform: Option<String>,
    /// Where `text` sits in the file; `None` when it is assembled from `ARG`s and cannot be
    /// rewritten in one place.
    pub span: Option<Range<usize>>,
    /// Said in the report, e.g. that the reference comes from an `ARG` default.
    pub note: Option<String>,
}

/// A reference that could not be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skip {
    pub file: String,
    pub line: usize,
    pub image: String,
    pub reason: String,
}

/// What one file yields.
#[derive(Debug, Default)]
pub struct Extracted {
    pub found: Vec<Found>,
    pub skipped: Vec<Skip>,
}

/// Whether a path is read as YAML (compose, Kubernetes) rather than as a Dockerfile.
pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".yaml")
}

/// Extracts the references of a file's text; `file` names it in results.
pub fn extract(file: &str, text: &str) -> Extracted {
    if is_yaml(file) {
        yaml(file, text)
    } else {
        dockerfile(file, text)
    }
}

/// An `ARG` default and where it is written in the file.
type ArgDefault = (String, Range<usize>);

/// A global `ARG` (before the first `FROM`): its default, if it has one.
struct Arg {
    line: usize,
    value: Option<ArgDefault>,
}

fn dockerfile(file: &str, text: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut buffer = text.to_string();
    // A line the parser refuses is reported and blanked (keeping every offset), then the
    // file is parsed again, so one bad line does not hide the others.
    for _ in 0..64 {
        match parse_all(&buffer) {
            Ok(instructions) => {
                walk(file, text, &instructions, &mut out);
                break;
            }
            Err((line, message)) => {
                out.skipped.push(Skip {
                    file: file.to_string(),
                    line,
                    image: line_text(text, line).trim().to_string(),
                    reason: format!("cannot parse: {message}"),
                });
                blank_line(&mut buffer, line);
            }
        }
    }
    out.skipped.sort_by_key(|s| s.line);
    out
}

/// The parser's view, reduced to what matters here and owned (offsets index the file).
enum Inst {
    From {
        line: usize,
        image: String,
        image_span: Range<usize>,
        platform: Option<String>,
        stage: Option<String>,
    },
    Arg {
        line: usize,
        span: Range<usize>,
    },
}

fn parse_all(text: &str) -> Result<Vec<Inst>, (usize, String)> {
    let lines = LineStarts::new(text);
    let err = |e: pd::Error| (e.line().max(1), format!("{e}"));
    let mut out = Vec::new();
    for item in pd::parse_iter(text).map_err(err)? {
        match item.map_err(err)? {
            pd::Instruction::From(f) => out.push(Inst::From {
                line: lines.line(f.from.span.start),
                image: f.image.value.to_string(),
                image_span: f.image.span.clone(),
                platform: f
                    .options
                    .iter()
                    .find(|o| o.name.value == "platform")
                    .and_then(|o| o.value.as_ref())
                    .map(|v| v.value.to_string()),
                stage: f.as_.map(|(_, n)| n.value.to_ascii_lowercase()),
            }),
            pd::Instruction::Arg(a) => out.push(Inst::Arg {
                line: lines.line(a.arg.span.start),
                span: a.arguments.span.clone(),
            }),
            _ => {}
        }
    }
    Ok(out)
}

fn walk(file: &str, text: &str, instructions: &[Inst], out: &mut Extracted) {
    let mut args: HashMap<String, Arg> = HashMap::new();
    let mut stages: Vec<String> = Vec::new();
    let mut seen_from = false;
    for inst in instructions {
        match inst {
            Inst::Arg { line, span } if !seen_from => {
                for (name, value) in arg_defaults(text, span.clone()) {
                    args.insert(name, Arg { line: *line, value });
                }
            }
            Inst::Arg { .. } => {}
            Inst::From {
                line,
                image,
                image_span,
                platform,
                stage,
            } => {
                seen_from = true;
                let written = &text[image_span.clone()];
                // The parser unescapes; a rewrite needs the text exactly as it is in the file.
                let span = (written == image).then(|| image_span.clone());
                let lower = image.to_ascii_lowercase();
                if lower != "scratch" && !stages.contains(&lower) {
                    let platform = platform.clone().filter(|p| !p.contains('$'));
                    match resolve(image, span, &args) {
                        Ok((resolved, span, note)) => {
                            if !resolved.eq_ignore_ascii_case("scratch") {
                                push(out, file, *line, &resolved, platform, span, note);
                            }
                        }
                        Err(reason) => out.skipped.push(Skip {
                            file: file.into(),
                            line: *line,
                            image: image.clone(),
                            reason,
                        }),
                    }
                }
                stages.extend(stage.clone());
            }
        }
    }
}

/// Expands `$NAME`, `${NAME}` and `${NAME:-default}` from global `ARG` defaults. A reference
/// that is one `ARG` is rewritten at that `ARG`'s default; one assembled from several, nowhere.
#[allow(clippy::type_complexity)]
fn resolve(
    image: &str,
    span: Option<Range<usize>>,
    args: &HashMap<String, Arg>,
) -> Result<(String, Option<Range<usize>>, Option<String>), String> {
    if !image.contains('$') {
        return Ok((image.to_string(), span, None));
    }
    let whole = image
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| image.strip_prefix('$'))
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if let Some(name) = whole {
        return match args.get(name) {
            Some(Arg {
                line,
                value: Some((value, at)),
            }) => Ok((
                value.clone(),
                Some(at.clone()),
                Some(format!("from ARG {name} on line {line}")),
            )),
            Some(_) => Err(format!("ARG {name} has no default value")),
            None => Err(format!("uses ${name}, which no ARG before FROM declares")),
        };
    }
    let mut out = String::new();
    let mut rest = image;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (body, after) = match rest.strip_prefix('{') {
            Some(inner) => {
                let close = inner
                    .find('}')
                    .ok_or_else(|| format!("unclosed ${{ in {image:?}"))?;
                (&inner[..close], &inner[close + 1..])
            }
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        let (name, default) = match body.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (body, None),
        };
        let value = args
            .get(name)
            .and_then(|a| a.value.as_ref())
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
            .or(default)
            .ok_or_else(|| format!("ARG {name} has no default value"))?;
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    Ok((out, None, Some("assembled from ARGs: not rewritten".into())))
}

/// `NAME=value NAME2="v 2" NAME3` of an `ARG` at `span`: each name with its default and the
/// default's byte range (quotes excluded).
fn arg_defaults(text: &str, span: Range<usize>) -> Vec<(String, Option<ArgDefault>)> {
    let body = &text[span.clone()];
    let mut out = Vec::new();
    let mut i = 0;
    let bytes = body.as_bytes();
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        let name = body[start..i].to_string();
        if name.is_empty() {
            break;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            let quote = bytes.get(i).copied().filter(|q| *q == b'"' || *q == b'\'');
            if quote.is_some() {
                i += 1;
            }
            let vstart = i;
            while i < bytes.len()
                && match quote {
                    Some(q) => bytes[i] != q,
                    None => !bytes[i].is_ascii_whitespace(),
                }
            {
                i += 1;
            }
            let value = body[vstart..i].to_string();
            let at = span.start + vstart..span.start + i;
            if quote.is_some() {
                i += 1;
            }
            out.push((name, Some((value, at))));
        } else {
            out.push((name, None));
        }
    }
    out
}

/// `image:` keys of compose files and Kubernetes manifests (a line scan: a YAML parser would
/// lose the byte offsets a rewrite needs; the key is always a plain scalar line).
fn yaml(file: &str, text: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if let Some((at, value)) = image_value(line) {
            let start = offset + at;
            if value.contains('$') {
                out.skipped.push(Skip {
                    file: file.into(),
                    line: n + 1,
                    image: value.to_string(),
                    reason: "uses a variable, resolved only when the file is deployed".into(),
                });
            } else if !value.is_empty() {
                let span = start..start + value.len();
                push(&mut out, file, n + 1, value, None, Some(span), None);
            }
        }
        offset += line.len();
    }
    out
}

/// The value of an `image:` line and its byte offset in the line, quotes and comments
/// excluded.
fn image_value(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let trimmed = trimmed
        .strip_prefix("- ")
        .map(str::trim_start)
        .unwrap_or(trimmed);
    let after = trimmed.strip_prefix("image:")?;
    let rest = after.trim_start();
    let mut at = line.len() - rest.len();
    let mut value = rest.trim_end();
    if let Some(c) = value.find(" #") {
        value = value[..c].trim_end();
    }
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            value = inner;
            at += 1;
        }
    }
    Some((at, value))
}

fn push(
    out: &mut Extracted,
    file: &str,
    line: usize,
    text: &str,
    platform: Option<String>,
    span: Option<Range<usize>>,
    note: Option<String>,
) {
    match ImageRef::parse(text) {
        Ok(image) => out.found.push(Found {
            file: file.into(),
            line,
            text: text.to_string(),
            tag_written: tag_written(text),
            image,
            platform,
            span,
            note,
        }),
        Err(e) => out.skipped.push(Skip {
            file: file.into(),
            line,
            image: text.to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Whether the name part (before any `@`) ends in `:tag` after its last `/`.
fn tag_written(text: &str) -> bool {
    let name = text.split('@').next().unwrap_or(text);
    name.rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'))
}

fn line_text(text: &str, line: usize) -> &str {
    text.lines().nth(line.saturating_sub(1)).unwrap_or("")
}

/// Replaces a line's characters with spaces, keeping its length and every offset after it.
fn blank_line(buffer: &mut String, line: usize) {
    let starts = LineStarts::new(buffer);
    let Some(&start) = starts.0.get(line.saturating_sub(1)) else {
        return;
    };
    let end = buffer[start..]
        .find('\n')
        .map_or(buffer.len(), |e| start + e);
    let blank = " ".repeat(end - start);
    buffer.replace_range(start..end, &blank);
}

struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let mut v = vec![0];
        v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(v)
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Extracted {
        extract("Dockerfile", text)
    }

    #[test]
    fn from_lines() {
        let text = "ARG BASE=python:3.12-slim\nARG NOVAL\n\
            FROM --platform=linux/arm64 golang:1.22-alpine AS build\n\
            FROM build AS again\nFROM scratch\nFROM ${BASE}\nFROM ${NOVAL}\n\
            FROM node:${NODE:-20}-alpine\nFROM ghcr.io/org/app@sha256:0000000000000000000000000000000000000000000000000000000000000000\n";
        let got = refs(text);
        let names: Vec<_> = got.found.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            names,
            [
                "golang:1.22-alpine",
                "python:3.12-slim",
                "node:20-alpine",
                "ghcr.io/org/app@sha256:0000000000000000000000000000000000000000000000000000000000000000"
            ]
        );
        let golang = &got.found[0];
        assert_eq!(golang.platform.as_deref(), Some("linux/arm64"));
        assert_eq!(&text[golang.span.clone().unwrap()], "golang:1.22-alpine");
        let python = &got.found[1];
        assert_eq!(python.line, 6);
        assert_eq!(&text[python.span.clone().unwrap()], "python:3.12-slim");
        assert!(got.found[2].span.is_none(), "assembled: not rewritable");
        assert!(!got.found[3].tag_written);
        assert_eq!(got.skipped.len(), 1);
        assert_eq!(got.skipped[0].line, 7);
        assert!(got.skipped[0].reason.contains("NOVAL has no default"));
    }

    #[test]
    fn bad_lines_are_skipped_and_the_rest_read() {
        let got = refs("FROM alpine:3.19\nFROM Not A Valid::Ref\nFROM debian:bookworm\n");
        assert_eq!(got.found.len(), 2, "{:?}", got.skipped);
        assert_eq!(got.skipped.len(), 1);
        assert_eq!(got.skipped[0].line, 2);
    }

    #[test]
    fn yaml_image_keys() {
        let text = "services:\n  web:\n    image: \"nginx:1.25-alpine\"  # pinned\n  db:\n    image: ${DB_IMAGE}\n\
            spec:\n  containers:\n  - image: redis:7.2\n    name: r\n";
        let got = extract("compose.yaml", text);
        let spans: Vec<_> = got
            .found
            .iter()
            .map(|f| &text[f.span.clone().unwrap()])
            .collect();
        assert_eq!(spans, ["nginx:1.25-alpine", "redis:7.2"]);
        assert_eq!(got.found[1].line, 8);
        assert_eq!(got.skipped.len(), 1);
    }
}
