//! CycloneDX JSON, spec 1.6 (default) or 1.5.
//!
//! The image is `metadata.component` (type `container`, version = manifest digest or chain
//! ID); each package is a component (type `library`, or `application` for the main module of
//! a Go or Rust binary) with its purl, licences and properties naming where it was found
//! (`plinth:location:0:path`, `plinth:location:0:layerID` = the layer's diff_id,
//! `plinth:location:0:layerIndex`), like Syft's `syft:location:0:layerID`; the distribution is
//! an `operating-system` component. `dependencies` says the image holds every component.
//! Catalogers that met unreadable files are named in `metadata.properties`
//! (`plinth:cataloger:incomplete`) and the image's composition is marked `incomplete`.
//!
//! 1.5 and 1.6 differ here only in `specVersion` and `$schema`: nothing 1.6 added is used.

use std::collections::HashSet;
use std::io::{self, Write};

use serde::Serialize;

use super::license::{self, License};
use super::{Options, image_name, image_version, inventory_hash, is_application, layer_of, time};
use crate::{Found, Inventory};

/// Which CycloneDX specification to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CycloneDxVersion {
    V1_5,
    #[default]
    V1_6,
}

impl CycloneDxVersion {
    fn as_str(self) -> &'static str {
        match self {
            CycloneDxVersion::V1_5 => "1.5",
            CycloneDxVersion::V1_6 => "1.6",
        }
    }
}

#[derive(Serialize)]
struct Bom<'a> {
    #[serde(rename = "$schema")]
    schema: String,
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "serialNumber")]
    serial_number: String,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<Component<'a>>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    compositions: Vec<Composition>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: String,
    tools: Tools,
    component: Component<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Tool>,
}

#[derive(Serialize)]
struct Tool {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    version: String,
}

#[derive(Serialize)]
struct Component<'a> {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    /// The first CPE the package is known by (Syft's choice); the rest are properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

/// CycloneDX's license choice: either licence objects, or a single expression.
#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: LicenseObj },
    Expression { expression: String },
}

#[derive(Serialize)]
struct LicenseObj {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct Composition {
    aggregate: &'static str,
    assemblies: Vec<String>,
}

fn prop(name: impl Into<String>, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        value: value.into(),
    }
}

/// Renders `inv` as a CycloneDX JSON BOM.
pub fn cyclonedx_json(
    inv: &Inventory,
    spec: CycloneDxVersion,
    opts: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bom = bom(inv, spec, opts);
    serde_json::to_writer_pretty(&mut *out, &bom)?;
    writeln!(out)
}

fn bom<'a>(inv: &'a Inventory, spec: CycloneDxVersion, opts: &Options) -> Bom<'a> {
    let hash = inventory_hash(inv);
    let image_ref = format!("image-{}", &hash[..16]);
    let mut components = Vec::with_capacity(inv.packages.len() + 1);
    if let Some(os) = &inv.os {
        components.push(Component {
            bom_ref: format!("os:{}@{}", os.id, os.version_id.as_deref().unwrap_or("")),
            kind: "operating-system",
            name: &os.id,
            version: os.version_id.clone(),
            description: os.pretty_name.as_deref(),
            licenses: Vec::new(),
            cpe: None,
            purl: None,
            properties: os
                .codename
                .iter()
                .map(|c| prop("plinth:distro:codename", c))
                .collect(),
        });
    }
    let mut refs = HashSet::new();
    for (i, f) in inv.packages.iter().enumerate() {
        components.push(package(inv, f, i, &mut refs));
    }
    let incomplete = inv.incomplete_catalogers();
    let mut properties: Vec<Property> = incomplete
        .iter()
        .map(|c| prop("plinth:cataloger:incomplete", *c))
        .collect();
    properties.extend(inv.warnings.iter().map(|w| {
        prop(
            "plinth:warning",
            format!("{}: {}: {}", w.cataloger, w.path, w.message),
        )
    }));
    let image = Component {
        bom_ref: image_ref.clone(),
        kind: "container",
        name: image_name(inv),
        version: image_version(inv),
        description: None,
        licenses: Vec::new(),
        cpe: None,
        purl: None,
        properties: Vec::new(),
    };
    let mut dependencies = vec![Dependency {
        reference: image_ref.clone(),
        depends_on: components.iter().map(|c| c.bom_ref.clone()).collect(),
    }];
    dependencies.extend(components.iter().map(|c| Dependency {
        reference: c.bom_ref.clone(),
        depends_on: Vec::new(),
    }));
    let compositions = if incomplete.is_empty() {
        Vec::new()
    } else {
        vec![Composition {
            aggregate: "incomplete",
            assemblies: vec![image_ref],
        }]
    };
    Bom {
        schema: format!(
            "http://cyclonedx.org/schema/bom-{}.schema.json",
            spec.as_str()
        ),
        bom_format: "CycloneDX",
        spec_version: spec.as_str(),
        serial_number: format!("urn:uuid:{}", uuid_from_hash(&hash)),
        version: 1,
        metadata: Metadata {
            timestamp: time::rfc3339(opts.created),
            tools: Tools {
                components: vec![Tool {
                    kind: "application",
                    name: "plinth",
                    version: opts.tool_version.clone(),
                }],
            },
            component: image,
            properties,
        },
        components,
        dependencies,
        compositions,
    }
}

fn package<'a>(
    inv: &'a Inventory,
    f: &'a Found,
    index: usize,
    refs: &mut HashSet<String>,
) -> Component<'a> {
    let p = &f.package;
    let mut properties = vec![
        prop("plinth:package:type", super::type_name(p.kind)),
        prop("plinth:location:0:path", &p.found_at),
    ];
    if let Some((layer, diff_id)) = layer_of(inv, f) {
        if let Some(d) = diff_id {
            properties.push(prop("plinth:location:0:layerID", d));
        }
        properties.push(prop("plinth:location:0:layerIndex", layer.to_string()));
    }
    if let Some(arch) = &p.arch {
        properties.push(prop("plinth:package:arch", arch));
    }
    if let Some(src) = &p.source_name {
        properties.push(prop("plinth:package:sourceName", src));
    }
    if let Some(v) = &p.source_version {
        properties.push(prop("plinth:package:sourceVersion", v));
    }
    if let Some(m) = &p.modularity_label {
        properties.push(prop("plinth:package:modularityLabel", m));
    }
    // What a lockfile says of the package, where it says it.
    if let Some(line) = p.line {
        properties.push(prop("plinth:location:0:line", line.to_string()));
    }
    if let Some(direct) = p.direct {
        properties.push(prop("plinth:package:direct", direct.to_string()));
    }
    if let Some(dev) = p.dev {
        properties.push(prop("plinth:package:dev", dev.to_string()));
    }
    if let Some(c) = &p.constraint {
        properties.push(prop("plinth:package:constraint", c));
    }
    let mut cpes = plinth_catalog::cpes(p).into_iter();
    let cpe = cpes.next();
    for more in cpes {
        properties.push(prop("syft:cpe23", &more));
    }
    // The purl plus a package id, as Syft does: a purl alone repeats when the same package
    // sits in two places (two copies of one npm module).
    let sep = if f.purl.contains('?') { '&' } else { '?' };
    let mut bom_ref = format!("{}{sep}package-id={}", f.purl, package_id(f));
    if !refs.insert(bom_ref.clone()) {
        bom_ref = format!("{bom_ref}-{index}");
        refs.insert(bom_ref.clone());
    }
    Component {
        bom_ref,
        kind: if is_application(p) {
            "application"
        } else {
            "library"
        },
        name: &p.name,
        version: Some(p.version.clone()),
        description: None,
        licenses: licenses(&p.licenses),
        cpe,
        purl: Some(&f.purl),
        properties,
    }
}

/// A short stable id of one found package (its identity and where it was found).
fn package_id(f: &Found) -> String {
    let p = &f.package;
    let key = format!(
        "{}\0{}\0{}\0{}\0{:?}",
        super::type_name(p.kind),
        p.name,
        p.version,
        p.found_at,
        f.layer
    );
    plinth_image::Digest::of(key.as_bytes()).hex()[..16].to_owned()
}

/// CycloneDX licences: SPDX ids as `license.id`, free text as `license.name`. A single
/// compound expression goes in `expression`; several licences that include an expression
/// become one `AND` expression when all parts are valid SPDX, else named licences.
fn licenses(list: &[String]) -> Vec<LicenseChoice> {
    let classified: Vec<License> = list
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| license::classify(l))
        .collect();
    let has_expression = classified
        .iter()
        .any(|l| matches!(l, License::Expression(_)));
    let all_spdx = classified.iter().all(|l| !matches!(l, License::Text(_)));
    if has_expression && all_spdx {
        let joined: Vec<String> = classified
            .iter()
            .map(|l| match l {
                License::Id(s) => s.clone(),
                License::Expression(s) if classified.len() == 1 => s.clone(),
                License::Expression(s) | License::Text(s) => format!("({s})"),
            })
            .collect();
        return vec![LicenseChoice::Expression {
            expression: joined.join(" AND "),
        }];
    }
    classified
        .into_iter()
        .map(|l| match l {
            License::Id(id) => LicenseChoice::License {
                license: LicenseObj {
                    id: Some(id),
                    name: None,
                },
            },
            License::Expression(s) | License::Text(s) => LicenseChoice::License {
                license: LicenseObj {
                    id: None,
                    name: Some(s),
                },
            },
        })
        .collect()
}

/// A version-4-shaped UUID from the first 16 bytes of a hex digest, so serial numbers are
/// reproducible yet unique per inventory.
fn uuid_from_hash(hex: &str) -> String {
    let mut b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
