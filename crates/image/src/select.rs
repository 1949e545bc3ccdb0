//! Choosing one image manifest from an index: by tag, by digest, by platform, through
//! nested indexes.

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::source::{Source, read_small};
use crate::spec::{Descriptor, Index, MAX_JSON, MediaKind, Platform, parse_json};

/// Which image to take when a source holds several.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// `org.opencontainers.image.ref.name` in an OCI layout, or a `RepoTags` entry in a
    /// docker archive.
    pub tag: Option<String>,
    /// A manifest or index digest.
    pub digest: Option<Digest>,
    /// The platform to pick from an index; `None` means the host's, when there is a choice.
    pub platform: Option<Platform>,
}

/// Nested indexes deeper than this are treated as hostile.
const MAX_DEPTH: usize = 8;

/// Walks from the top-level `index` to one image manifest descriptor.
pub fn manifest_in(source: &dyn Source, index: &Index, sel: &Selector) -> Result<Descriptor> {
    let what = source.name();
    let chosen = if let Some(digest) = &sel.digest {
        find_digest(source, index, digest, 0)?
            .ok_or_else(|| Error::select(what, format!("no manifest {digest} in the index")))?
    } else if let Some(tag) = &sel.tag {
        let tagged: Vec<&Descriptor> = index.manifests.iter().filter(|d| has_tag(d, tag)).collect();
        match tagged.as_slice() {
            [one] => (*one).clone(),
            [] => {
                return Err(Error::select(
                    what,
                    format!("no image tagged {tag:?} (tags: {})", tags(index)),
                ));
            }
            many => pick_platform(source, many.iter().map(|d| (*d).clone()).collect(), sel)?,
        }
    } else {
        pick_platform(source, index.manifests.clone(), sel)?
    };
    descend(source, chosen, sel, 0)
}

/// If `desc` is an index, keeps choosing inside it until a manifest is reached.
fn descend(
    source: &dyn Source,
    desc: Descriptor,
    sel: &Selector,
    depth: usize,
) -> Result<Descriptor> {
    match desc.kind() {
        MediaKind::Manifest => Ok(desc),
        MediaKind::Index => {
            if depth >= MAX_DEPTH {
                return Err(Error::format(
                    source.name(),
                    "image indexes nested too deeply",
                ));
            }
            let inner = load_index(source, &desc.digest)?;
            let picked = pick_platform(source, inner.manifests, sel)?;
            descend(source, picked, sel, depth + 1)
        }
        _ => Err(Error::format(
            source.name(),
            format!(
                "{} is a {:?}, not an image manifest or index",
                desc.digest, desc.media_type
            ),
        )),
    }
}

/// Picks one entry of a list by platform. With one candidate and no platform asked for, it is
/// taken whatever its platform; otherwise the requested (or host) platform must match.
fn pick_platform(source: &dyn Source, list: Vec<Descriptor>, sel: &Selector) -> Result<Descriptor> {
    let what = source.name();
    let list: Vec<Descriptor> = list.into_iter().filter(is_image_entry).collect();
    if list.is_empty() {
        return Err(Error::select(what, "the index lists no images"));
    }
    if list.len() == 1 && sel.platform.is_none() {
        return Ok(list.into_iter().next().expect("one entry"));
    }
    let want = sel.platform.clone().unwrap_or_else(Platform::host);
    let matching: Vec<&Descriptor> = list
        .iter()
        .filter(|d| d.platform.as_ref().is_some_and(|p| p.satisfies(&want)))
        .collect();
    if let Some(first) = matching.first() {
        return Ok((*first).clone());
    }
    // Entries without a platform (tagged single images in one layout) can't be chosen by it.
    if list.iter().all(|d| d.platform.is_none()) {
        if list.len() == 1 {
            return Ok(list.into_iter().next().expect("one entry"));
        }
        return Err(Error::select(
            what,
            format!(
                "holds {} images; choose one with :TAG or @sha256:… (tags: {})",
                list.len(),
                tag_list(&list)
            ),
        ));
    }
    let platforms: Vec<String> = list
        .iter()
        .filter_map(|d| d.platform.as_ref())
        .map(|p| p.to_string())
        .collect();
    Err(Error::select(
        what,
        format!(
            "no image for platform {want} (available: {})",
            platforms.join(", ")
        ),
    ))
}

/// Attestation manifests (BuildKit's `unknown/unknown`) are not images.
fn is_image_entry(d: &Descriptor) -> bool {
    let attestation = d
        .platform
        .as_ref()
        .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown");
    !attestation && matches!(d.kind(), MediaKind::Manifest | MediaKind::Index)
}

fn find_digest(
    source: &dyn Source,
    index: &Index,
    digest: &Digest,
    depth: usize,
) -> Result<Option<Descriptor>> {
    if let Some(d) = index.manifests.iter().find(|d| &d.digest == digest) {
        return Ok(Some(d.clone()));
    }
    if depth >= MAX_DEPTH {
        return Ok(None);
    }
    for nested in index
        .manifests
        .iter()
        .filter(|d| d.kind() == MediaKind::Index)
    {
        let inner = load_index(source, &nested.digest)?;
        if let Some(found) = find_digest(source, &inner, digest, depth + 1)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn load_index(source: &dyn Source, digest: &Digest) -> Result<Index> {
    let what = format!("{}: index {digest}", source.name());
    parse_json(&what, &read_small(source, digest, &what, MAX_JSON)?)
}

fn has_tag(d: &Descriptor, tag: &str) -> bool {
    d.ref_name() == Some(tag)
        || d.annotations
            .get("io.containerd.image.name")
            .is_some_and(|n| n == tag || n.ends_with(&format!(":{tag}")))
}

fn tags(index: &Index) -> String {
    tag_list(&index.manifests)
}

fn tag_list(list: &[Descriptor]) -> String {
    let names: Vec<&str> = list.iter().filter_map(Descriptor::ref_name).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
