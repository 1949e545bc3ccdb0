//! Allocation-free path tests shared by the `wants` predicates.

/// The path without a leading `/` or `./`, so `etc/x`, `/etc/x` and `./etc/x` compare equal.
pub fn relative(path: &str) -> &str {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.trim_start_matches('/')
}

/// The last path component.
pub fn basename(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// The directory part (without the trailing `/`), empty for a bare name.
pub fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// True if the tar mode says "regular file" or carries no type bits at all (tar headers
/// usually store only permission bits).
pub fn is_regular(mode: u32) -> bool {
    let kind = mode & 0o170000;
    kind == 0 || kind == 0o100000
}
