//! A streaming tar reader: ustar, GNU long names and PAX records (path, linkpath, size), no
//! more. Used for the outer tar of archives (`docker save`, OCI layouts in a tar) and for
//! every layer.
//!
//! Hand-written because plinth needs what general tar readers don't give: owned, `Send`
//! readers over one member of a sequential (gzip) stream, byte-exact names, and skipping
//! member data through one reused buffer (a layer of a million files must not zero a fresh
//! buffer per file).

use std::io::{self, Read};

/// One member's header.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The name as stored (PAX or GNU long name when present), not normalised.
    pub name: Vec<u8>,
    pub size: u64,
    pub kind: MemberKind,
    /// Permission bits.
    pub mode: u32,
    /// For symlinks and hard links: the target.
    pub link: Vec<u8>,
}

impl Member {
    pub fn name_lossy(&self) -> String {
        clean(&String::from_utf8_lossy(&self.name))
    }

    pub fn link_lossy(&self) -> String {
        String::from_utf8_lossy(&self.link).into_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// Devices and FIFOs.
    Special,
    /// Anything else (sparse files, vendor extensions): listed, never read.
    Other,
}

/// Walks members of a tar stream in order.
pub(crate) struct OuterTar<R> {
    inner: R,
    /// Bytes of the current member's data (plus padding) not yet consumed.
    pending: u64,
    /// Position in the uncompressed stream.
    pos: u64,
    /// Reused for skipping data by reading (allocated on first use).
    scratch: Vec<u8>,
}

const BLOCK: u64 = 512;

impl<R: Read> OuterTar<R> {
    pub fn new(inner: R) -> Self {
        OuterTar {
            inner,
            pending: 0,
            pos: 0,
            scratch: Vec::new(),
        }
    }

    /// Where the current member's data starts, in the uncompressed stream.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Moves to the next member of a stream that can only be read, skipping what is left of
    /// the current one through a reused buffer.
    pub fn next_entry(&mut self) -> io::Result<Option<Member>> {
        let mut scratch = std::mem::take(&mut self.scratch);
        if scratch.is_empty() {
            scratch = vec![0; 64 << 10];
        }
        let result = self.next_member(|r, mut n| {
            while n > 0 {
                let want = n.min(scratch.len() as u64) as usize;
                let got = r.read(&mut scratch[..want])?;
                if got == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "tar truncated in a member's data",
                    ));
                }
                n -= got as u64;
            }
            Ok(())
        });
        self.scratch = scratch;
        result
    }

    /// Moves to the next member, skipping what is left of the current one.
    pub fn next_member(
        &mut self,
        mut skip: impl FnMut(&mut R, u64) -> io::Result<()>,
    ) -> io::Result<Option<Member>> {
        skip(&mut self.inner, self.pending)?;
        self.pos += self.pending;
        self.pending = 0;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
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
            let typeflag = header[156];
            let size = match (typeflag, pax_size.take()) {
                (b'x' | b'g' | b'L' | b'K', _) | (_, None) => parse_size(&header[124..136])?,
                (_, Some(size)) => size,
            };
            let padded = size.div_ceil(BLOCK) * BLOCK;
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
                        b'L' => long_name = Some(cstr(&data).to_vec()),
                        b'K' => long_link = Some(cstr(&data).to_vec()),
                        b'x' => {
                            let pax = parse_pax(&data);
                            long_name = pax.path.or(long_name);
                            long_link = pax.link.or(long_link);
                            pax_size = pax.size;
                        }
                        _ => {} // global headers carry nothing we need
                    }
                }
                _ => {
                    let name = long_name.take().unwrap_or_else(|| ustar_name(&header));
                    let link = long_link
                        .take()
                        .unwrap_or_else(|| cstr(&header[157..257]).to_vec());
                    let kind = match typeflag {
                        b'0' | 0 | b'7' => MemberKind::File,
                        b'5' => MemberKind::Dir,
                        b'2' => MemberKind::Symlink,
                        b'1' => MemberKind::Hardlink,
                        b'3' | b'4' | b'6' => MemberKind::Special,
                        _ => MemberKind::Other,
                    };
                    // Old tars mark directories only by a trailing slash.
                    let kind = if kind == MemberKind::File && name.ends_with(b"/") {
                        MemberKind::Dir
                    } else {
                        kind
                    };
                    let mode = parse_octal(&header[100..108]).unwrap_or(0) as u32;
                    self.pending = padded;
                    return Ok(Some(Member {
                        name,
                        size,
                        kind,
                        mode,
                        link,
                    }));
                }
            }
        }
    }

    /// The underlying stream, positioned after the end-of-archive marker.
    pub fn into_inner(self) -> R {
        self.inner
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

/// The header checksum: the sum of its bytes with the checksum field counted as spaces. Summed
/// whole and corrected for the field, so the loop has no branch and vectorises (a layer of a
/// million files has half a gigabyte of headers).
fn checksum_ok(h: &[u8; BLOCK as usize]) -> bool {
    let Some(stored) = parse_octal(&h[148..156]) else {
        return false;
    };
    let sum = |bytes: &[u8]| bytes.iter().map(|&b| u32::from(b)).sum::<u32>();
    u64::from(sum(h) - sum(&h[148..156]) + 8 * u32::from(b' ')) == stored
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

/// An octal field, padded with NULs or spaces on either side; empty is 0.
fn parse_octal(field: &[u8]) -> Option<u64> {
    let pad = |b: &u8| *b == 0 || *b == b' ';
    let start = field.iter().position(|b| !pad(b)).unwrap_or(field.len());
    let end = field.iter().rposition(|b| !pad(b)).map_or(start, |i| i + 1);
    field[start..end].iter().try_fold(0u64, |acc, &b| {
        let digit = b.wrapping_sub(b'0');
        if digit >= 8 {
            return None;
        }
        acc.checked_mul(8).map(|v| v + u64::from(digit))
    })
}

fn cstr(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

/// POSIX ustar splits long names into prefix + name; GNU headers use those bytes for times.
fn ustar_name(h: &[u8]) -> Vec<u8> {
    let name = cstr(&h[0..100]);
    let prefix = if &h[257..263] == b"ustar\0" {
        cstr(&h[345..500])
    } else {
        &[]
    };
    if prefix.is_empty() {
        return name.to_vec();
    }
    [prefix, b"/", name].concat()
}

/// What a PAX extended header says about the next member.
#[derive(Default)]
struct Pax {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    size: Option<u64>,
}

/// PAX records: "<len> key=value\n".
fn parse_pax(data: &[u8]) -> Pax {
    let mut pax = Pax::default();
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
            let value = &record[eq + 1..];
            match &record[..eq] {
                b"path" => pax.path = Some(value.to_vec()),
                b"linkpath" => pax.link = Some(value.to_vec()),
                b"size" => pax.size = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()),
                _ => {}
            }
        }
        rest = &rest[len..];
    }
    pax
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

    #[test]
    fn octal_fields_and_checksums() {
        assert_eq!(parse_octal(b"0000644\0"), Some(0o644));
        assert_eq!(parse_octal(b"  17 \0\0"), Some(0o17));
        assert_eq!(parse_octal(b"\0\0\0\0"), Some(0));
        assert_eq!(parse_octal(b"0009"), None);
        assert_eq!(parse_octal(b"1 2"), None);
        assert_eq!(parse_octal(b"7777777777777777777777"), None);
        // A header as GNU tar writes it, then one byte flipped.
        let mut header = [0u8; BLOCK as usize];
        header[..5].copy_from_slice(b"a.txt");
        header[100..108].copy_from_slice(b"0000644\0");
        header[156] = b'0';
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        assert!(checksum_ok(&header));
        header[0] = b'b';
        assert!(!checksum_ok(&header));
    }
}
