//! Where the base image ends: how many of an image's layers came from its `FROM`.
//!
//! The config history is the only evidence. A Dockerfile's base ends with the base's own
//! `CMD`/`ENTRYPOINT` (Docker records it as `/bin/sh -c #(nop)  CMD [...]`, BuildKit as
//! `CMD [...]`); when such an entry is followed by more layers, the layers before it are the
//! base. A history that switches from entries without BuildKit's comment to entries with it
//! marks the same boundary. Anything else (`umoci repack`, squashed images, no history) says
//! nothing, and the answer is `None`: plinth reports "unknown" rather than guess.

use plinth_image::spec::History;

fn ends_a_stage(created_by: &str) -> bool {
    let c = created_by.trim();
    let nop = c.split_once("#(nop)").map(|(_, rest)| rest.trim_start());
    let instruction = nop.unwrap_or(c);
    instruction.starts_with("CMD ")
        || instruction.starts_with("ENTRYPOINT ")
        || instruction == "CMD"
        || instruction.starts_with("CMD[")
        || instruction.starts_with("ENTRYPOINT[")
}

fn is_buildkit(h: &History) -> bool {
    h.comment
        .as_deref()
        .is_some_and(|c| c.starts_with("buildkit.dockerfile"))
}

/// The number of layers that belong to the base image, or `None` when history does not show
/// the boundary. Never 0 and never all layers.
pub fn base_layers(history: &[History], layer_count: usize) -> Option<usize> {
    let mut made = 0usize;
    let mut boundaries = Vec::new();
    for h in history {
        if h.created_by.as_deref().is_some_and(ends_a_stage) {
            boundaries.push(made);
        }
        if !h.empty_layer {
            made += 1;
        }
    }
    let by_buildkit = || {
        let first = history.iter().position(is_buildkit)?;
        let before = &history[..first];
        if before.is_empty() || before.iter().any(is_buildkit) {
            return None;
        }
        Some(before.iter().filter(|h| !h.empty_layer).count())
    };
    // The last stage end that more layers follow; a CMD at the very end is the image's own.
    let boundary = boundaries.into_iter().rev().find(|&b| b < made);
    boundary
        .or_else(by_buildkit)
        .filter(|&n| n > 0 && n < layer_count && made == layer_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(created_by: &str, empty: bool, comment: Option<&str>) -> History {
        History {
            created: None,
            created_by: Some(created_by.into()),
            comment: comment.map(Into::into),
            empty_layer: empty,
        }
    }

    #[test]
    fn classic_builder_cmd_marks_the_base() {
        let hist = vec![
            h("/bin/sh -c #(nop) ADD file:abc in / ", false, None),
            h("/bin/sh -c #(nop)  CMD [\"bash\"]", true, None),
            h("/bin/sh -c apt-get install -y curl", false, None),
            h("/bin/sh -c #(nop) COPY dir:x in /app ", false, None),
            h("/bin/sh -c #(nop)  CMD [\"/app/run\"]", true, None),
        ];
        assert_eq!(base_layers(&hist, 3), Some(1));
    }

    #[test]
    fn buildkit_cmd_and_comment() {
        let hist = vec![
            h(
                "ADD alpine-minirootfs.tar.gz / # buildkit",
                false,
                Some("buildkit.dockerfile.v0"),
            ),
            h("CMD [\"/bin/sh\"]", true, Some("buildkit.dockerfile.v0")),
            h(
                "RUN /bin/sh -c apk add curl # buildkit",
                false,
                Some("buildkit.dockerfile.v0"),
            ),
        ];
        assert_eq!(base_layers(&hist, 2), Some(1));
        let comment_only = vec![
            h("/bin/sh -c #(nop) ADD file:abc in / ", false, None),
            h("/bin/sh -c #(nop) ADD file:def in / ", false, None),
            h(
                "RUN pip install x # buildkit",
                false,
                Some("buildkit.dockerfile.v0"),
            ),
        ];
        assert_eq!(base_layers(&comment_only, 3), Some(2));
    }

    #[test]
    fn silent_history_is_unknown() {
        let hist = vec![
            h("umoci repack", false, None),
            h("umoci repack", false, None),
        ];
        assert_eq!(base_layers(&hist, 2), None);
        assert_eq!(base_layers(&[], 3), None);
        // A CMD only at the very end is the image's own, not a base boundary.
        let end = vec![
            h("/bin/sh -c #(nop) ADD x", false, None),
            h("/bin/sh -c #(nop)  CMD [\"sh\"]", true, None),
        ];
        assert_eq!(base_layers(&end, 1), None);
    }
}
