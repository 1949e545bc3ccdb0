//! SPDX 2.3 JSON.
//!
//! The document DESCRIBES the image (a package with purpose `CONTAINER`), which CONTAINS the
//! distribution (`OPERATING-SYSTEM`) and every package. Each package has its purl as a
//! `PACKAGE-MANAGER` external reference, `downloadLocation` NOASSERTION, and its declared
//! licences in `licenseDeclared` as a valid SPDX expression: licence strings that are not
//! valid SPDX become `LicenseRef-…` entries in `hasExtractedLicensingInfos` holding the
//! original text. `licenseConcluded` is NOASSERTION: plinth reports what packages declare
//! and concludes nothing (as Syft does).
//!
//! `documentNamespace` is built from a hash of the inventory, so it is unique per inventory
//! and the output reproducible; `created` comes from [`Options`]. Catalogers that met
//! unreadable files are named in the document `comment`.

use std::io::{self, Write};

use serde::Serialize;

use super::license::{Refs, spdx_expression};
use super::{Options, image_name, image_version, inventory_hash, is_application, layer_of, time};
use crate::{Found, Inventory};

const DOCUMENT: &str = "SPDXRef-DOCUMENT";
const NOASSERTION: &str = "NOASSERTION";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdxid: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<Extracted>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    name: String,
    #[serde(rename = "SPDXID")]
    spdxid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Extracted {
    license_id: String,
    extracted_text: String,
    name: String,
}

/// Renders `inv` as an SPDX 2.3 JSON document.
pub fn spdx_json(inv: &Inventory, opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(inv, opts))?;
    writeln!(out)
}

fn document(inv: &Inventory, opts: &Options) -> Document {
    let hash = inventory_hash(inv);
    let name = image_name(inv).to_owned();
    let image_id = "SPDXRef-Image".to_owned();
    let mut refs = Refs::default();
    let mut packages = vec![Package {
        name: name.clone(),
        spdxid: image_id.clone(),
        version_info: image_version(inv),
        download_location: NOASSERTION,
        files_analyzed: false,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.into(),
        copyright_text: NOASSERTION,
        source_info: Some(format!("image {}", inv.source)),
        description: None,
        primary_package_purpose: Some("CONTAINER"),
        external_refs: Vec::new(),
    }];
    if let Some(os) = &inv.os {
        packages.push(Package {
            name: os.id.clone(),
            spdxid: format!("SPDXRef-OperatingSystem-{}", id_part(&os.id)),
            version_info: os.version_id.clone(),
            download_location: NOASSERTION,
            files_analyzed: false,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.into(),
            copyright_text: NOASSERTION,
            source_info: Some("from os-release".into()),
            description: os.pretty_name.clone(),
            primary_package_purpose: Some("OPERATING-SYSTEM"),
            external_refs: Vec::new(),
        });
    }
    for (i, f) in inv.packages.iter().enumerate() {
        packages.push(package(inv, f, i, &mut refs));
    }
    let mut relationships = vec![Relationship {
        spdx_element_id: DOCUMENT.into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: image_id.clone(),
    }];
    relationships.extend(packages[1..].iter().map(|p| Relationship {
        spdx_element_id: image_id.clone(),
        relationship_type: "CONTAINS",
        related_spdx_element: p.spdxid.clone(),
    }));
    let incomplete = inv.incomplete_catalogers();
    let comment = (!incomplete.is_empty()).then(|| {
        let mut c = format!(
            "Incomplete catalogers: {}. Files they could not read:",
            incomplete.join(", ")
        );
        for w in &inv.warnings {
            c.push_str(&format!(" {}: {}: {};", w.cataloger, w.path, w.message));
        }
        c
    });
    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdxid: DOCUMENT,
        document_namespace: format!(
            "https://plinth.invalid/spdx/{}-{hash}",
            id_part(short_name(&name))
        ),
        name,
        creation_info: CreationInfo {
            created: time::rfc3339(opts.created),
            creators: vec![format!("Tool: plinth-{}", opts.tool_version)],
        },
        comment,
        packages,
        relationships,
        has_extracted_licensing_infos: refs
            .extracted()
            .map(|(id, text)| Extracted {
                license_id: id.to_owned(),
                extracted_text: text.to_owned(),
                name: text.to_owned(),
            })
            .collect(),
    }
}

fn package(inv: &Inventory, f: &Found, index: usize, refs: &mut Refs) -> Package {
    let p = &f.package;
    let mut source_info = format!("found at {}", p.found_at);
    if let Some((layer, diff_id)) = layer_of(inv, f) {
        source_info.push_str(&format!(" in layer {layer}"));
        if let Some(d) = diff_id {
            source_info.push_str(&format!(" ({d})"));
        }
    }
    Package {
        name: p.name.clone(),
        // The index keeps ids unique when one package is found in two places.
        spdxid: format!(
            "SPDXRef-Package-{}-{}-{index}",
            super::type_name(p.kind),
            id_part(&p.name)
        ),
        version_info: Some(p.version.clone()),
        download_location: NOASSERTION,
        files_analyzed: false,
        license_concluded: NOASSERTION,
        license_declared: spdx_expression(&p.licenses, refs).unwrap_or_else(|| NOASSERTION.into()),
        copyright_text: NOASSERTION,
        source_info: Some(source_info),
        description: None,
        primary_package_purpose: Some(if is_application(p) {
            "APPLICATION"
        } else {
            "LIBRARY"
        }),
        // CPEs first, as Syft writes them, for scanners that match on CPEs.
        external_refs: plinth_catalog::cpes(p)
            .into_iter()
            .map(|cpe| ExternalRef {
                reference_category: "SECURITY",
                reference_type: "cpe23Type",
                reference_locator: cpe,
            })
            .chain([ExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: f.purl.clone(),
            }])
            .collect(),
    }
}

/// The last path segment of an image name (`app.tar` for `/images/app.tar`), so the
/// namespace does not carry the machine's directories.
fn short_name(name: &str) -> &str {
    name.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("image")
}

/// `s` with every character SPDX ids do not allow (`[A-Za-z0-9.-]` only) replaced by `-`.
fn id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
