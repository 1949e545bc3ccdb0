//! Image readers: an archive sniffed from its bytes (docker-archive, OCI-in-tar, a rootfs
//! tarball plain or gzip/zstd/xz), its manifest.json / index / manifest / config JSON, then
//! every layer walked through the tar header parser and the decompressors.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use plinth_image::NoFiles;
use plinth_image::reference::Reference;

fuzz_target!(|data: &[u8]| {
    let path = common::input_file("image", data);
    let name = path.display().to_string();
    let opened = Reference::parse(&name).and_then(|r| r.open_local(None));
    let walked = opened.and_then(|image| image.walk(&NoFiles).map(drop));
    if let Err(e) = walked {
        common::check_error(&e, &name);
    }
});
