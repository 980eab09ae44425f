//! The compiled current plan of each configuration, cached under the shared epoch stamp (see
//! [`crate::auth_cache`]) until any process changes a plan.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::plan::CompiledPlan;
use crate::auth_cache::Stamp;
use crate::configuration::ConfigurationId;

/// A configuration's compiled current plan (None: it has none), as read under an epoch stamp.
type CachedPlan = (Stamp, Option<Arc<CompiledPlan>>);

/// The compiled current plan of each configuration.
#[derive(Debug, Default)]
pub(crate) struct PlanCache {
    pub(super) entries: Mutex<HashMap<ConfigurationId, CachedPlan>>,
    /// Whether imported users wait to be linked, per configuration, as read under a stamp.
    imported: Mutex<HashMap<ConfigurationId, (Stamp, bool)>>,
}

impl PlanCache {
    /// The cached answer to "do imported users wait?", if still valid.
    pub(crate) fn imported(&self, configuration: ConfigurationId, stamp: Stamp) -> Option<bool> {
        self.imported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&configuration)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, waiting)| *waiting)
    }

    /// Remembers the answer.
    pub(crate) fn set_imported(&self, configuration: ConfigurationId, stamp: Stamp, waiting: bool) {
        self.imported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(configuration, (stamp, waiting));
    }
}
