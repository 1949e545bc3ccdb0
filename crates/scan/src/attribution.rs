//! Where the base image ends: how many of an image's layers came from its `FROM`.
//!
//! The config history is the evidence. A Dockerfile's base ends with the base's own
//! `CMD`/`ENTRYPOINT` (Docker records it as `/bin/sh -c #(nop)  CMD [...]`, BuildKit as
//! `CMD [...]`); when such an entry is followed by more layers, the layers before it are the
//! base. A history that switches from entries without BuildKit's comment to entries with it
//! marks the same boundary. Failing both, the last root filesystem put at `/` (`ADD file:… in
//! /` from Docker's classic builder, `ADD rootfs.tar.xz /` or `COPY --from=build / /` from
//! BuildKit) ends the base when more layers follow: a base without a `CMD` is at least that.
//! Anything else (`umoci repack`, squashed images, no history) says nothing, and the answer
//! is `None`: plinth reports "unknown" rather than guess.

use plinth_image::spec::History;

/// Which history entry marks where the base ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The base's own `CMD`/`ENTRYPOINT`, more layers after it.
    StageEnd,
    /// The first entry BuildKit made after entries it did not.
    BuildKitStart,
    /// The last root filesystem added at `/`.
    RootFilesystem,
}

impl Mark {
    pub fn describe(self) -> &'static str {
        match self {
            Mark::StageEnd => "the base's CMD/ENTRYPOINT, more layers after it",
            Mark::BuildKitStart => "the switch to BuildKit's entries",
            Mark::RootFilesystem => "the last root filesystem added at /",
        }
    }
}

/// The instruction an entry records, without the classic builder's `/bin/sh -c #(nop)` and
/// BuildKit's `# buildkit` suffix.
fn instruction(created_by: &str) -> &str {
    let c = created_by.trim();
    let c = c
        .split_once("#(nop)")
        .map_or(c, |(_, rest)| rest.trim_start());
    c.strip_suffix("# buildkit").unwrap_or(c).trim_end()
}

fn ends_a_stage(created_by: &str) -> bool {
    let instruction = instruction(created_by);
    instruction.starts_with("CMD ")
        || instruction.starts_with("ENTRYPOINT ")
        || instruction == "CMD"
        || instruction.starts_with("CMD[")
        || instruction.starts_with("ENTRYPOINT[")
}

/// `ADD file:… in /`, `COPY dir:… in /`, `ADD rootfs.tar.xz /`, `COPY --from=build / /`.
fn adds_a_root_filesystem(created_by: &str) -> bool {
    let mut words = instruction(created_by).split_whitespace();
    if !matches!(words.next(), Some("ADD" | "COPY")) {
        return false;
    }
    let args: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
    let [sources @ .., dest] = args.as_slice() else {
        return false;
    };
    if *dest != "/" {
        return false;
    }
    match sources {
        [hashed, "in"] => hashed.starts_with("file:") || hashed.starts_with("dir:"),
        [one] => *one == "/" || is_tarball(one),
        _ => false,
    }
}

fn is_tarball(name: &str) -> bool {
    [
        ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tar.bz2",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

fn is_buildkit(h: &History) -> bool {
    h.comment
        .as_deref()
        .is_some_and(|c| c.starts_with("buildkit.dockerfile"))
}

/// The number of layers that belong to the base image, or `None` when history does not show
/// the boundary. Never 0 and never all layers.
pub fn base_layers(history: &[History], layer_count: usize) -> Option<usize> {
    boundary(history, layer_count).map(|(n, _)| n)
}

/// As [`base_layers`], with the kind of entry that marks the boundary.
pub fn boundary(history: &[History], layer_count: usize) -> Option<(usize, Mark)> {
    let mut made = 0usize;
    let mut stage_ends = Vec::new();
    let mut last_rootfs = None;
    for h in history {
        let created_by = h.created_by.as_deref().unwrap_or("");
        if ends_a_stage(created_by) {
            stage_ends.push(made);
        }
        if !h.empty_layer {
            made += 1;
            if adds_a_root_filesystem(created_by) {
                last_rootfs = Some(made);
            }
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
    let fits = |n: &usize| *n > 0 && *n < layer_count && made == layer_count;
    // The last stage end that more layers follow; a CMD at the very end is the image's own.
    let stage_end = stage_ends.into_iter().rev().find(|&b| b < made);
    stage_end
        .filter(fits)
        .map(|n| (n, Mark::StageEnd))
        .or_else(|| by_buildkit().filter(fits).map(|n| (n, Mark::BuildKitStart)))
        .or_else(|| last_rootfs.filter(fits).map(|n| (n, Mark::RootFilesystem)))
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

    #[test]
    fn the_last_root_filesystem_ends_a_base_without_cmd() {
        let bk = Some("buildkit.dockerfile.v0");
        let all_buildkit = vec![
            h("ADD rootfs.tar.xz / # buildkit", false, bk),
            h("ENV PATH=/usr/local/bin:/usr/bin", true, bk),
            h(
                "RUN /bin/sh -c apt-get install -y curl # buildkit",
                false,
                bk,
            ),
            h("COPY app /app # buildkit", false, bk),
        ];
        assert_eq!(boundary(&all_buildkit, 3), Some((1, Mark::RootFilesystem)));
        // The classic builder's file: and dir: sources, and BuildKit's copy of a whole stage.
        let classic = vec![
            h("/bin/sh -c #(nop) ADD file:4b03b5f5 in / ", false, None),
            h("/bin/sh -c #(nop) COPY dir:9c1e in / ", false, None),
            h(
                "/bin/sh -c #(nop) COPY file:77aa in /etc/motd ",
                false,
                None,
            ),
        ];
        assert_eq!(boundary(&classic, 3), Some((2, Mark::RootFilesystem)));
        let stage = vec![
            h("COPY --from=build / / # buildkit", false, bk),
            h("COPY app /app # buildkit", false, bk),
        ];
        assert_eq!(boundary(&stage, 2), Some((1, Mark::RootFilesystem)));
        // Not a root filesystem: another destination, a plain file at /, or nothing after it.
        for not_rootfs in [
            "ADD rootfs.tar.xz /srv/ # buildkit",
            "COPY run.sh / # buildkit",
            "ADD https://example.com/x.tar.gz /opt # buildkit",
        ] {
            let hist = vec![
                h(not_rootfs, false, bk),
                h("COPY app /app # buildkit", false, bk),
            ];
            assert_eq!(boundary(&hist, 2), None, "{not_rootfs}");
        }
        let alone = vec![h("ADD rootfs.tar.xz / # buildkit", false, bk)];
        assert_eq!(boundary(&alone, 1), None);
        // A CMD boundary comes first.
        let both = vec![
            h("ADD rootfs.tar.xz / # buildkit", false, bk),
            h("CMD [\"sh\"]", true, bk),
            h("ADD app.tar /", false, bk),
            h("COPY x /x # buildkit", false, bk),
        ];
        assert_eq!(boundary(&both, 3), Some((1, Mark::StageEnd)));
    }
}
