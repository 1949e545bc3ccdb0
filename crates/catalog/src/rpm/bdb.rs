//! BerkeleyDB hash databases (`Packages` of rpm < 4.16): a metadata page, then hash pages whose
//! values point at chains of overflow pages holding each header blob. Facts from BerkeleyDB's
//! `dbinc/db_page.h`. Only little-endian files are read (rpm writes host order; x86/arm hosts).

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;
const H_OFFPAGE: u8 = 3;
/// A header blob larger than this is not a package header.
const MAX_BLOB: usize = 256 * 1024 * 1024;

pub fn is_bdb(data: &[u8]) -> bool {
    le32(data, 12) == Some(HASH_MAGIC)
}

/// The header blob of every off-page value (rpm's headers never fit on the hash page).
pub fn blobs(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let page_size = le32(data, 20).ok_or("BerkeleyDB: metadata page cut short")? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("BerkeleyDB: bad page size {page_size}"));
    }
    let last_page = le32(data, 32).ok_or("BerkeleyDB: metadata page cut short")? as usize;
    let pages = data.len() / page_size;
    if last_page >= pages {
        return Err(format!(
            "BerkeleyDB: last page {last_page} lies beyond the file's {pages} pages (truncated?)"
        ));
    }
    let mut out = Vec::new();
    for no in 1..=last_page {
        let page = &data[no * page_size..(no + 1) * page_size];
        if matches!(page[25], P_HASH | P_HASH_UNSORTED) {
            hash_page(data, page, page_size, &mut out)?;
        }
    }
    Ok(out)
}

/// Values are the odd entries of a hash page's index; rpm's are all off-page.
fn hash_page(
    data: &[u8],
    page: &[u8],
    page_size: usize,
    out: &mut Vec<Vec<u8>>,
) -> Result<(), String> {
    let entries = le16(page, 20).unwrap_or(0) as usize;
    for i in (1..entries).step_by(2) {
        let Some(at) = le16(page, PAGE_HEADER + 2 * i) else {
            break;
        };
        let at = at as usize;
        if page.get(at) != Some(&H_OFFPAGE) {
            continue;
        }
        let (Some(first), Some(len)) = (le32(page, at + 4), le32(page, at + 8)) else {
            return Err("BerkeleyDB: off-page entry cut short".to_owned());
        };
        out.push(overflow_chain(
            data,
            page_size,
            first as usize,
            len as usize,
        )?);
    }
    Ok(())
}

/// Concatenates the data of an overflow page chain.
fn overflow_chain(
    data: &[u8],
    page_size: usize,
    mut no: usize,
    len: usize,
) -> Result<Vec<u8>, String> {
    if len > MAX_BLOB {
        return Err(format!("BerkeleyDB: value of {len} bytes is too large"));
    }
    let pages = data.len() / page_size;
    let mut blob = Vec::with_capacity(len);
    // Every hop adds page data, so a chain longer than the file is a loop.
    for _ in 0..pages {
        if no == 0 || no >= pages {
            return Err(format!(
                "BerkeleyDB: overflow chain points at page {no} of {pages}"
            ));
        }
        let page = &data[no * page_size..(no + 1) * page_size];
        if page[25] != P_OVERFLOW {
            return Err(format!("BerkeleyDB: page {no} is not an overflow page"));
        }
        let next = le32(page, 16).unwrap_or(0) as usize;
        // On overflow pages the "free area offset" field holds the bytes used.
        let used = (le16(page, 22).unwrap_or(0) as usize).min(page_size - PAGE_HEADER);
        let chunk = if next == 0 {
            used
        } else {
            page_size - PAGE_HEADER
        };
        blob.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + chunk]);
        if next == 0 || blob.len() >= len {
            blob.truncate(len);
            return Ok(blob);
        }
        no = next;
    }
    Err("BerkeleyDB: overflow chain loops".to_owned())
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
