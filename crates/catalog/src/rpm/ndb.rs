//! rpm's NDB format (`Packages.db`, SUSE): a slot table of 16-byte entries pointing at blobs,
//! both little-endian. Facts from rpm's `lib/backend/ndb/rpmpkg.c`.

const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
/// Blob offsets and lengths are counted in 16-byte blocks.
const BLOCK_SIZE: usize = 16;
const BLOB_HEAD_SIZE: usize = 16;

pub fn is_ndb(data: &[u8]) -> bool {
    le32(data, 0) == Some(HEADER_MAGIC)
}

/// The header blob of every used slot.
pub fn blobs(data: &[u8]) -> Result<Vec<&[u8]>, String> {
    let version = le32(data, 4).ok_or("NDB: header cut short")?;
    if version != 0 {
        return Err(format!("NDB: unsupported version {version}"));
    }
    let pages = le32(data, 12).ok_or("NDB: header cut short")? as usize;
    // The first two slot-sized entries of page 0 are the file header.
    let slot_bytes = pages
        .checked_mul(PAGE_SIZE)
        .ok_or("NDB: slot page count overflows")?;
    if slot_bytes > data.len() {
        return Err(format!(
            "NDB: {pages} slot pages but the file has {} bytes",
            data.len()
        ));
    }
    let mut out = Vec::new();
    for at in (2 * SLOT_SIZE..slot_bytes).step_by(SLOT_SIZE) {
        let (Some(magic), Some(pkg), Some(block), Some(_count)) = (
            le32(data, at),
            le32(data, at + 4),
            le32(data, at + 8),
            le32(data, at + 12),
        ) else {
            break;
        };
        if magic != SLOT_MAGIC {
            return Err(format!("NDB: bad slot magic at byte {at}"));
        }
        if pkg == 0 {
            continue; // a free slot
        }
        out.push(blob(data, pkg, block as usize)?);
    }
    Ok(out)
}

fn blob(data: &[u8], pkg: u32, block: usize) -> Result<&[u8], String> {
    let at = block
        .checked_mul(BLOCK_SIZE)
        .ok_or("NDB: blob offset overflows")?;
    let bad = || format!("NDB: blob of package {pkg} at byte {at} is missing or cut short");
    if le32(data, at) != Some(BLOB_MAGIC) || le32(data, at + 4) != Some(pkg) {
        return Err(bad());
    }
    let len = le32(data, at + 12).ok_or_else(bad)? as usize;
    let start = at + BLOB_HEAD_SIZE;
    data.get(start..start.checked_add(len).ok_or_else(bad)?)
        .ok_or_else(bad)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
