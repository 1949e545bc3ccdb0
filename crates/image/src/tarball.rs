//! A minimal reader for the *outer* tar of an archive (`docker save`, an OCI layout in a tar):
//! member names, sizes and positions, no more. Layer tars inside are read by the `tar` crate.
//!
//! Hand-written because the outer archive needs things the `tar` crate's borrowing API can't
//! give: owned, `Send` readers over one member of a sequential (gzip) stream.

use std::io::{self, Read};

/// One member of the outer tar.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub name: String,
    pub size: u64,
    pub kind: MemberKind,
    /// For symlinks and hard links: the target.
    pub link: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberKind {
    File,
    Symlink,
    Hardlink,
    Other,
}

/// Walks members of a tar stream in order.
pub(crate) struct OuterTar<R> {
    inner: R,
    /// Bytes of the current member's data (plus padding) not yet consumed.
    pending: u64,
    /// Position in the uncompressed stream.
    pos: u64,
}

const BLOCK: u64 = 512;

impl<R: Read> OuterTar<R> {
    pub fn new(inner: R) -> Self {
        OuterTar {
            inner,
            pending: 0,
            pos: 0,
        }
    }

    /// Where the current member's data starts, in the uncompressed stream.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Moves to the next member, skipping what is left of the current one.
    pub fn next_member(
        &mut self,
        skip: impl Fn(&mut R, u64) -> io::Result<()>,
    ) -> io::Result<Option<Member>> {
        skip(&mut self.inner, self.pending)?;
        self.pos += self.pending;
        self.pending = 0;
        let mut long_name: Option<String> = None;
        let mut long_link: Option<String> = None;
        loop {
            let mut header = [0u8; BLOCK as usize];
            if !read_block(&mut self.inner, &mut header)? {
                return Ok(None);
            }
            self.pos += BLOCK;
            if header.iter().all(|&b| b == 0) {
                return Ok(None);
            }
            if !checksum_ok(&header) {
                return Err(invalid("bad tar header checksum"));
            }
            let size = parse_size(&header[124..136])?;
            let padded = size.div_ceil(BLOCK) * BLOCK;
            let typeflag = header[156];
            match typeflag {
                b'L' | b'K' | b'x' | b'g' => {
                    if size > 1 << 20 {
                        return Err(invalid("tar extended header larger than 1 MiB"));
                    }
                    let mut data = vec![0u8; padded as usize];
                    self.inner.read_exact(&mut data)?;
                    self.pos += padded;
                    data.truncate(size as usize);
                    match typeflag {
                        b'L' => long_name = Some(cstr(&data)),
                        b'K' => long_link = Some(cstr(&data)),
                        b'x' => {
                            let (path, link) = parse_pax(&data);
                            long_name = path.or(long_name);
                            long_link = link.or(long_link);
                        }
                        _ => {} // global headers carry nothing we need
                    }
                }
                _ => {
                    let name = long_name.take().unwrap_or_else(|| ustar_name(&header));
                    let link = long_link.take().unwrap_or_else(|| cstr(&header[157..257]));
                    let kind = match typeflag {
                        b'0' | 0 | b'7' => MemberKind::File,
                        b'2' => MemberKind::Symlink,
                        b'1' => MemberKind::Hardlink,
                        _ => MemberKind::Other,
                    };
                    self.pending = padded;
                    return Ok(Some(Member {
                        name: clean(&name),
                        size,
                        kind,
                        link,
                    }));
                }
            }
        }
    }

    /// The current member's data, `size` bytes of it. Consumes from the pending count so the
    /// next `next_member` skips only the rest.
    pub fn data(&mut self, size: u64) -> MemberData<'_, R> {
        MemberData {
            tar: self,
            left: size,
        }
    }
}

/// Reader over the current member's bytes.
pub(crate) struct MemberData<'a, R> {
    tar: &'a mut OuterTar<R>,
    left: u64,
}

impl<R: Read> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let max = buf.len().min(self.left as usize);
        let n = self.tar.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member truncated",
            ));
        }
        self.left -= n as u64;
        self.tar.pending -= n as u64;
        self.tar.pos += n as u64;
        Ok(n)
    }
}

fn read_block(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "archive truncated in a tar header",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn checksum_ok(h: &[u8]) -> bool {
    let stored = match parse_octal(&h[148..156]) {
        Some(v) => v,
        None => return false,
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    sum == stored
}

fn parse_size(field: &[u8]) -> io::Result<u64> {
    // GNU base-256 for sizes over 8 GiB: high bit set, big-endian binary in the rest.
    if field[0] & 0x80 != 0 {
        return field[1..].iter().try_fold(0u64, |acc, &b| {
            acc.checked_mul(256)
                .map(|v| v + u64::from(b))
                .ok_or_else(|| invalid("tar size overflows"))
        });
    }
    parse_octal(field).ok_or_else(|| invalid("bad tar size field"))
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn ustar_name(h: &[u8]) -> String {
    let name = cstr(&h[0..100]);
    let prefix = if &h[257..262] == b"ustar" {
        cstr(&h[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// PAX records: "<len> key=value\n".
fn parse_pax(data: &[u8]) -> (Option<String>, Option<String>) {
    let (mut path, mut link) = (None, None);
    let mut rest = data;
    while !rest.is_empty() {
        let Some(space) = rest.iter().position(|&b| b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= space || len > rest.len() {
            break;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=') {
            let value = String::from_utf8_lossy(&record[eq + 1..]).into_owned();
            match &record[..eq] {
                b"path" => path = Some(value),
                b"linkpath" => link = Some(value),
                _ => {}
            }
        }
        rest = &rest[len..];
    }
    (path, link)
}

/// `./a//b/` → `a/b`.
pub(crate) fn clean(name: &str) -> String {
    name.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Resolves a symlink member's target relative to the member's directory.
pub(crate) fn resolve_link(member: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        member.split('/').collect::<Vec<_>>()[..member.matches('/').count()].to_vec()
    };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_links() {
        assert_eq!(resolve_link("abc/layer.tar", "../123.tar"), "123.tar");
        assert_eq!(resolve_link("layer.tar", "x/y.tar"), "x/y.tar");
        assert_eq!(clean("./blobs//sha256/"), "blobs/sha256");
    }
}
