//! Base images and stages: tags, digests, registries, stage names, `COPY --from`.

use super::Findings;
use crate::config::Config;
use crate::model::{Dockerfile, Op};

pub fn check(df: &Dockerfile, config: &Config, out: &mut Findings) {
    for stage in &df.stages {
        let from = &df.instructions[stage.from];
        let image = stage.image.as_str();
        let is_stage_ref = stage.parent.is_some();
        if image.eq_ignore_ascii_case("scratch") || is_stage_ref || stage.unresolved {
            continue;
        }
        let r = ImageRef::parse(image);
        if r.tag.is_none() && r.digest.is_none() {
            out.add_msg("PL101", from, format!("FROM {image} has no tag"));
        }
        if r.tag == Some("latest") && r.digest.is_none() {
            out.add_msg("PL102", from, format!("FROM {image} uses the :latest tag"));
        }
        if r.digest.is_none() {
            out.add_msg(
                "PL107",
                from,
                format!("FROM {image} is not pinned by digest"),
            );
        }
        if !config.trusted_registries.is_empty()
            && !config
                .trusted_registries
                .iter()
                .any(|t| t.eq_ignore_ascii_case(r.registry))
        {
            out.add_msg(
                "PL108",
                from,
                format!("FROM {image}: registry {} is not trusted", r.registry),
            );
        }
    }
    duplicate_names(df, out);
    copy_from(df, out);
}

/// The parts of an image reference the rules need.
struct ImageRef<'a> {
    registry: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    fn parse(image: &'a str) -> ImageRef<'a> {
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (image, None),
        };
        let last = name.rsplit('/').next().unwrap_or(name);
        let tag = last.split_once(':').map(|(_, t)| t);
        let registry = match name.split_once('/') {
            Some((host, _)) if host.contains('.') || host.contains(':') || host == "localhost" => {
                host
            }
            _ => "docker.io",
        };
        ImageRef {
            registry,
            tag,
            digest,
        }
    }
}

fn duplicate_names(df: &Dockerfile, out: &mut Findings) {
    for (i, stage) in df.stages.iter().enumerate() {
        let Some(name) = &stage.name else { continue };
        if let Some(first) = df.stages[..i]
            .iter()
            .position(|s| s.name.as_ref() == Some(name))
        {
            let line = df.instructions[df.stages[first].from].line;
            let msg = format!("stage name {name:?} is already used at line {line}");
            out.add_msg("PL105", &df.instructions[stage.from], msg);
        }
    }
}

fn copy_from(df: &Dockerfile, out: &mut Findings) {
    for inst in &df.instructions {
        let (
            Op::Copy {
                from: Some(from),
                sources,
                ..
            },
            Some(current),
        ) = (&inst.op, inst.stage)
        else {
            continue;
        };
        if from.contains('$') {
            continue;
        }
        let from_lc = from.to_ascii_lowercase();
        let target = match from_lc.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => df
                .stages
                .iter()
                .position(|s| s.name.as_deref() == Some(from_lc.as_str())),
        };
        match target {
            Some(t) if t == current => {
                out.add_msg(
                    "PL104",
                    inst,
                    format!("COPY --from={from} names its own stage"),
                );
            }
            Some(t) if t > current => {
                let msg = format!("COPY --from={from} names a stage defined after it");
                out.add_msg("PL103", inst, msg);
            }
            None if !(from.contains(':') || from.contains('/')) => {
                let msg = format!("COPY --from={from}: no stage named {from} is defined before it");
                out.add_msg("PL103", inst, msg);
            }
            _ => {}
        }
        if sources.iter().any(|s| s == "/" || s == "/." || s == "/*") {
            let msg = format!("COPY --from={from} / copies the whole filesystem of {from}");
            out.add_msg("PL106", inst, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ImageRef;

    #[test]
    fn image_refs() {
        let r = ImageRef::parse("localhost:5000/app:1@sha256:ab");
        assert_eq!(
            (r.registry, r.tag, r.digest),
            ("localhost:5000", Some("1"), Some("sha256:ab"))
        );
        let r = ImageRef::parse("debian");
        assert_eq!((r.registry, r.tag, r.digest), ("docker.io", None, None));
        let r = ImageRef::parse("ghcr.io/o/app:latest");
        assert_eq!((r.registry, r.tag), ("ghcr.io", Some("latest")));
    }
}
