//! Content digests (`sha256:<hex>`) and a reader that verifies one while bytes stream through.

use std::fmt;
use std::io::{self, Read};

use ring::digest::{Context, SHA256};

use crate::error::StreamFault;

/// A `sha256:<64 hex>` content digest. Other algorithms are rejected at parse time: every
/// image format plinth reads uses sha256, and an unknown algorithm could not be verified.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    pub fn parse(s: &str) -> Option<Digest> {
        let hex = s.strip_prefix("sha256:")?;
        Self::from_hex(hex)
    }

    pub fn from_hex(hex: &str) -> Option<Digest> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2)?;
            // Digests are lowercase hex by spec; reject anything else rather than normalise.
            if pair
                .bytes()
                .any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return None;
            }
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Digest(out))
    }

    pub fn of(bytes: &[u8]) -> Digest {
        let mut out = [0u8; 32];
        out.copy_from_slice(ring::digest::digest(&SHA256, bytes).as_ref());
        Digest(out)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn hex(&self) -> String {
        // Two table lookups a byte: every finding's layer and every cache key prints one
        // (`format!` per byte made digests a tenth of a server scan's time).
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 15)]));
        }
        out
    }

    /// The first 12 hex digits, as `docker images` shows them.
    pub fn short(&self) -> String {
        self.hex()[..12].to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Digest::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a sha256 digest: {s:?}")))
    }
}

/// Hashes everything read through it and, at end of stream, fails the read unless the bytes
/// hashed to `expected`. Without an expectation it only counts bytes: hashing is the most
/// expensive thing plinth does, so it is never done for nothing.
pub struct Verify<R> {
    inner: R,
    hasher: Option<Context>,
    expected: Option<Digest>,
    count: u64,
    done: bool,
}

impl<R: Read> Verify<R> {
    pub fn new(inner: R, expected: Option<Digest>) -> Self {
        Verify {
            inner,
            hasher: expected.as_ref().map(|_| Context::new(&SHA256)),
            expected,
            count: 0,
            done: false,
        }
    }

    /// Bytes read so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Reads the stream to its end (tar leaves padding unread), so the digest check runs.
    pub fn finish(&mut self) -> io::Result<()> {
        io::copy(self, &mut io::sink()).map(|_| ())
    }
}

impl<R: Read> Read for Verify<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n > 0 {
            if let Some(h) = &mut self.hasher {
                h.update(&buf[..n]);
            }
            self.count += n as u64;
            return Ok(n);
        }
        self.done = true;
        let (Some(hasher), Some(expected)) = (self.hasher.take(), &self.expected) else {
            return Ok(0);
        };
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(hasher.finish().as_ref());
        let actual = Digest(bytes);
        if *expected != actual {
            return Err(StreamFault::Digest {
                expected: expected.to_string(),
                actual: actual.to_string(),
            }
            .into());
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d = Digest::of(b"");
        assert_eq!(
            d.to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Digest::parse(&d.to_string()), Some(d));
        assert_eq!(Digest::parse("sha256:E3B0"), None);
        assert_eq!(Digest::parse("sha512:00"), None);
    }

    #[test]
    fn verify_rejects_wrong_bytes() {
        let mut ok = Verify::new(&b"abc"[..], Some(Digest::of(b"abc")));
        ok.finish().unwrap();
        let mut bad = Verify::new(&b"abd"[..], Some(Digest::of(b"abc")));
        let err = bad.finish().unwrap_err();
        assert!(err.to_string().contains("digest mismatch"), "{err}");
    }
}
