//! Layers shared by several images of one run, walked once.
//!
//! Images built on the same base carry the same base layers. A layer's diff_id is the SHA-256
//! of its uncompressed tar, so two images naming the same diff_id hold byte-identical
//! layers, and what one walk learned of it holds for both. [`SharedLayers`] is told up front
//! which images the run will walk, counts how often each diff_id is used, keeps a walked
//! layer only while a later image still needs it, and forgets it after its last use, so
//! memory holds the shared layers and nothing else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::digest::Digest;
use crate::walk::LayerFacts;
use crate::{Image, Result};

/// Walked layers, by diff_id, kept for the images of a run that still need them.
pub struct SharedLayers<T> {
    uses: Mutex<HashMap<Digest, Uses<T>>>,
}

struct Uses<T> {
    /// Walks of this layer still to come, counting the one in progress.
    remaining: usize,
    facts: Option<Arc<LayerFacts<T>>>,
}

impl<T> Default for SharedLayers<T> {
    /// Shares nothing: every layer is walked.
    fn default() -> Self {
        SharedLayers {
            uses: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> SharedLayers<T> {
    /// Prepares to share the layers these images have in common. Only a layer used more
    /// than once is ever kept.
    pub fn new<'a>(images: impl IntoIterator<Item = &'a Image>) -> Self {
        let mut counts: HashMap<Digest, usize> = HashMap::new();
        for image in images {
            for id in image.layers().into_iter().filter_map(|l| l.diff_id) {
                *counts.entry(id).or_default() += 1;
            }
        }
        let uses = counts
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .map(|(id, remaining)| {
                let uses = Uses {
                    remaining,
                    facts: None,
                };
                (id, uses)
            })
            .collect();
        SharedLayers {
            uses: Mutex::new(uses),
        }
    }

    /// The walk of `id`, if an earlier image made it; counts one use either way.
    fn take(&self, id: &Digest) -> Option<Arc<LayerFacts<T>>> {
        let mut uses = self.uses.lock().expect("no panics while holding");
        let entry = uses.get_mut(id)?;
        entry.remaining = entry.remaining.saturating_sub(1);
        let facts = entry.facts.clone();
        if entry.remaining == 0 {
            uses.remove(id);
        }
        facts
    }

    /// Keeps a fresh walk of `id` if a later image will use it.
    fn keep(&self, id: &Digest, facts: &Arc<LayerFacts<T>>) {
        let mut uses = self.uses.lock().expect("no panics while holding");
        if let Some(entry) = uses.get_mut(id) {
            entry.facts = Some(Arc::clone(facts));
        }
    }

    /// How many walked layers are being kept now (for tests and diagnostics).
    pub fn kept(&self) -> usize {
        let uses = self.uses.lock().expect("no panics while holding");
        uses.values().filter(|u| u.facts.is_some()).count()
    }
}

impl Image {
    /// Like [`Image::walk`], but takes the layers an earlier image of the run already walked
    /// from `shared`, and leaves there the ones a later image will need. `collector` must be
    /// the same for every image sharing `shared`: a kept layer holds what it collected.
    ///
    /// A layer taken from `shared` is not read again, so its blob in this image is not
    /// verified; its diff_id, which the config names, is what makes it the same layer.
    pub fn walk_shared<C: crate::Collector>(
        &self,
        collector: &C,
        shared: &SharedLayers<C::Item>,
    ) -> Result<Vec<Arc<LayerFacts<C::Item>>>> {
        let ids: Vec<Option<Digest>> = self.layers().into_iter().map(|l| l.diff_id).collect();
        let mut layers: Vec<Option<Arc<LayerFacts<C::Item>>>> = ids
            .iter()
            .map(|id| id.as_ref().and_then(|id| shared.take(id)))
            .collect();
        // A layer repeated within this image is walked once, at its first position.
        let mut first: HashMap<&Digest, usize> = HashMap::new();
        let mut missing = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let repeat = id.as_ref().is_some_and(|id| {
                let at = *first.entry(id).or_insert(i);
                at != i
            });
            if layers[i].is_none() && !repeat {
                missing.push(i);
            }
        }
        for (i, facts) in self.walk_layers(&missing, collector)? {
            let facts = Arc::new(facts);
            if let Some(id) = &ids[i] {
                shared.keep(id, &facts);
            }
            layers[i] = Some(facts);
        }
        for (i, id) in ids.iter().enumerate() {
            if layers[i].is_none() {
                let at = id.as_ref().and_then(|id| first.get(id)).copied();
                layers[i] = at.and_then(|at| layers[at].clone());
            }
        }
        Ok(layers
            .into_iter()
            .map(|l| l.expect("every layer is walked or shared"))
            .collect())
    }
}
