//! `rpmdb.sqlite`: table `Packages(hnum, blob)`, opened from memory with SQLite's deserialize.

use std::io::Read;

use rusqlite::{Connection, MAIN_DB, OpenFlags};

/// Calls `each` with every header blob of the `Packages` table, in `hnum` order, borrowing
/// the blob from SQLite instead of copying it out.
pub fn for_each_blob(data: &[u8], mut each: impl FnMut(&[u8])) -> Result<(), String> {
    let err = |e: rusqlite::Error| format!("sqlite: {e}");
    if data.len() > i32::MAX as usize {
        return Err("sqlite: database larger than 2 GiB".to_owned());
    }
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    // rpm writes in WAL mode (header bytes 18 and 19 = 2), which an in-memory database cannot
    // use; the main file of a checkpointed WAL database reads the same in rollback mode.
    let patched = data
        .get(..18)
        .unwrap_or(data)
        .chain(&[1u8, 1][..data.len().saturating_sub(18).min(2)])
        .chain(data.get(20..).unwrap_or(&[]));
    conn.deserialize_read_exact(MAIN_DB, patched, data.len(), true)
        .map_err(err)?;
    // A crafted file could make `Packages` a view running an endless query; read tables only.
    let kind: String = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |row| row.get(0),
        )
        .map_err(|e| format!("sqlite: no Packages table ({e})"))?;
    if kind != "table" {
        return Err(format!("sqlite: Packages is a {kind}, not a table"));
    }
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        match row.get_ref(0).map_err(err)? {
            rusqlite::types::ValueRef::Blob(b) => each(b),
            other => {
                let kind = other.data_type();
                return Err(format!("sqlite: Packages.blob holds {kind:?}, not a blob"));
            }
        }
    }
    Ok(())
}
