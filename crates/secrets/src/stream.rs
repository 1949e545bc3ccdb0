//! Searching a file of any size in bounded memory: windows of [`WINDOW`] bytes, each
//! starting with the last [`OVERLAP`] bytes of the one before, so a match up to that long
//! is seen whole in some window, and found once. A file whose first bytes hold a NUL is
//! binary and is not searched.

use std::cell::RefCell;
use std::io::{self, Read};

use crate::matcher::{Hit, Scanner, Window, count_lines};

/// Bytes read per window.
pub const WINDOW: usize = 1 << 20;
/// Bytes carried into the next window: the longest match that is always found whole
/// (a 4096-bit RSA key in PEM is about 3.3 kB).
pub const OVERLAP: usize = 64 << 10;
/// How much of the start of a file decides whether it is binary (as git and grep do).
const SNIFF: usize = 8 << 10;

/// What searching a file found.
#[derive(Debug)]
pub enum Outcome {
    /// A NUL byte near the start: not text, not searched.
    Binary,
    Text(Vec<Hit>),
}

thread_local! {
    /// One window buffer per walking thread, reused from file to file.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Searches `data` (the file at `path`, no leading `/`) window by window.
pub fn search(scanner: &Scanner, path: &str, data: &mut dyn Read) -> io::Result<Outcome> {
    let applicable = scanner.rules_for(path);
    BUFFER.with_borrow_mut(|buf| {
        buf.resize(WINDOW + OVERLAP, 0);
        search_in(scanner, &applicable, path, data, buf)
    })
}

fn search_in(
    scanner: &Scanner,
    applicable: &[usize],
    path: &str,
    data: &mut dyn Read,
    buf: &mut [u8],
) -> io::Result<Outcome> {
    let Some(mut n) = fill_first(data, &mut buf[..WINDOW])? else {
        return Ok(Outcome::Binary);
    };
    let mut hits = Vec::new();
    let mut carry = 0;
    let mut from = 0;
    let mut lines_before = 0;
    loop {
        let end = carry + n;
        let last = n < WINDOW;
        let accept_before = if last { end + 1 } else { end - OVERLAP };
        let window = Window {
            buf: &buf[..end],
            from,
            accept_before,
            lines_before,
        };
        let reach = if applicable.is_empty() {
            from
        } else {
            scanner.search(applicable, path, &window, &mut hits)
        };
        if last {
            return Ok(Outcome::Text(hits));
        }
        let keep_from = end - OVERLAP;
        lines_before += count_lines(&buf[..keep_from]);
        buf.copy_within(keep_from..end, 0);
        carry = OVERLAP;
        from = reach.saturating_sub(keep_from);
        n = fill(data, &mut buf[carry..carry + WINDOW])?;
    }
}

/// Fills `buf` from the start of a file, or says `None` when its first bytes hold a NUL.
/// Those are read on their own first, so a binary costs one small read, not a window.
fn fill_first(data: &mut dyn Read, buf: &mut [u8]) -> io::Result<Option<usize>> {
    let n = fill(data, &mut buf[..SNIFF])?;
    if buf[..n].contains(&0) {
        return Ok(None);
    }
    if n < SNIFF {
        return Ok(Some(n));
    }
    Ok(Some(n + fill(data, &mut buf[SNIFF..])?))
}

/// Reads until `buf` is full or the stream ends.
fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
