//! How one value is framed in a store: a versioned header and a checksum, so that a
//! truncated, corrupt or foreign entry (a torn copy, a disk error, a Redis key someone else
//! wrote, a newer plinth's format) reads as a miss instead of as wrong facts.

use plinth_image::Digest;

const MAGIC: &[u8; 4] = b"PLNC";
/// The framing's version: entries of any other version are misses, never errors.
const VERSION: u8 = 1;
/// Magic, version, three reserved bytes, payload length, SHA-256 of the payload.
const HEADER: usize = 4 + 1 + 3 + 8 + 32;

/// Frames `payload` for storage, in one buffer (what Redis is sent).
pub fn seal(payload: &[u8]) -> Vec<u8> {
    [&header(payload)[..], payload].concat()
}

/// The frame's header for `payload`: a store that writes the two one after the other never
/// holds a second copy of a big entry (a layer of a million files encodes to 45 MB).
pub fn header(payload: &[u8]) -> [u8; HEADER] {
    let mut out = [0u8; HEADER];
    out[..4].copy_from_slice(MAGIC);
    out[4] = VERSION;
    out[8..16].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[16..].copy_from_slice(&checksum(payload));
    out
}

/// The payload of a sealed entry, or `None` when it is not one this version wrote whole.
pub fn open(mut entry: Vec<u8>) -> Option<Vec<u8>> {
    let header = entry.get(..HEADER)?;
    if &header[..4] != MAGIC || header[4] != VERSION {
        return None;
    }
    let len = u64::from_le_bytes(header[8..16].try_into().expect("8 bytes"));
    if len != (entry.len() - HEADER) as u64 || header[16..HEADER] != checksum(&entry[HEADER..]) {
        return None;
    }
    entry.drain(..HEADER);
    Some(entry)
}

fn checksum(payload: &[u8]) -> [u8; 32] {
    *Digest::of(payload).as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_open_and_damaged_ones_do_not() {
        let sealed = seal(b"layer facts");
        assert_eq!(open(sealed.clone()).as_deref(), Some(&b"layer facts"[..]));
        for n in 0..sealed.len() {
            assert_eq!(open(sealed[..n].to_vec()), None, "truncated at {n}");
        }
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(open(flipped), None);
        let mut future = sealed;
        future[4] = VERSION + 1;
        assert_eq!(open(future), None);
        assert_eq!(open(b"OK\r\n".to_vec()), None);
    }
}
