//! What is installed in an image: the [`Inventory`].
//!
//! [`inventory`] walks an image once with every cataloger of `plinth-catalog` attached,
//! keeps the packages whose database or manifest file survives in the merged filesystem,
//! attributes each package to the layer that introduced it, detects the distribution and
//! gives each package its purl. The [`format`] module renders an inventory as a table,
//! plinth's JSON, CycloneDX JSON or SPDX JSON.
//!
//! It does not match vulnerabilities, and knows images only through `plinth-image`.

mod binaries;
mod buildinfo;
pub mod format;
mod inventory;

pub use inventory::{
    Collected, Found, Inventory, LayerRef, Layers, Problem, inventory, inventory_with,
};
