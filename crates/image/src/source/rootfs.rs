//! A root filesystem in one tar file: Alpine's minirootfs, debootstrap and mmdebstrap
//! tarballs, `docker export` output, Buildroot images. Plain, gzip, zstd or xz. There is no
//! manifest, config or history: the whole tree is read as one layer. There is no digest to
//! check; the bytes are walked with the same limits and `..` refusal as any layer's.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::source::Blob;

pub struct RootfsArchive {
    path: PathBuf,
    /// `tar`, `tar+gzip`, `tar+zstd` or `tar+xz`, sniffed from the first bytes.
    compression: &'static str,
    size: u64,
    /// Why a sniffed path was read as a root filesystem, for the user to see.
    note: Option<String>,
}

impl RootfsArchive {
    /// Opens the tar at `path`; `note` says why when the kind was sniffed, not named.
    pub fn open(path: &Path, note: Option<String>) -> Result<RootfsArchive> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if !file.metadata().map_err(|e| Error::io(path, e))?.is_file() {
            return Err(Error::format(
                path.display().to_string(),
                "not a file (rootfs-archive: wants a tar file; dir: reads a directory)",
            ));
        }
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut file, &mut magic).map_err(|e| Error::io(path, e))?;
        Ok(RootfsArchive {
            path: path.to_path_buf(),
            compression: compression_of(&magic[..n]),
            size,
            note,
        })
    }

    pub fn name(&self) -> String {
        format!("rootfs-archive:{}", self.path.display())
    }

    pub fn media_type(&self) -> String {
        format!("rootfs archive ({})", self.compression)
    }

    /// The file's size, which is what a layer blob's size means here.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The file's bytes as stored; the walk sniffs and decompresses them as it does a layer's.
    pub fn read(&self) -> Result<Blob<'static>> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(Box::new(BufReader::with_capacity(256 << 10, file)))
    }
}

/// The compression the first bytes of a file show.
pub fn compression_of(magic: &[u8]) -> &'static str {
    match magic {
        [0x1f, 0x8b, ..] => "tar+gzip",
        [0x28, 0xb5, 0x2f, 0xfd, ..] => "tar+zstd",
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => "tar+xz",
        _ => "tar",
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
