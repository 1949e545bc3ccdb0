//! Where command output goes: stdout, or a file written atomically (temp file + rename), or
//! a device or FIFO written in place.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// True when the error is stdout closing under us (`plinth files … | head`): exit 0, like ripgrep.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Writes to `path` through a temporary file in the same directory, renamed into place on
/// success, so a failed run leaves no partial file. `None` writes to stdout.
pub fn write_to(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let Some(path) = path else {
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        render(&mut out)?;
        out.flush()?;
        return Ok(());
    };
    // `-o /dev/null`, `-o /dev/stdout` or a FIFO: written in place, since renaming a file over
    // a device would replace the device itself (as root, /dev/null for the whole machine).
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let result = (|| {
            let mut out = BufWriter::new(fs::OpenOptions::new().write(true).open(path)?);
            render(&mut out)?;
            out.flush()
        })();
        return result.with_context(|| format!("writing {}", path.display()));
    }
    let tmp = temp_path(path);
    let result = (|| {
        let mut out = BufWriter::new(fs::File::create(&tmp)?);
        render(&mut out)?;
        // No fsync: the rename alone keeps readers from ever seeing a partial file, and
        // waiting for the disk cost 1–4 ms a run here, most of a warm scan; a report lost to a
        // power cut is made again by running the command again.
        out.into_inner().map_err(|e| e.into_error())?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(anyhow::Error::new(e).context(format!("writing {}", path.display())));
    }
    Ok(())
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.plinth-{}.tmp", std::process::id()))
}
