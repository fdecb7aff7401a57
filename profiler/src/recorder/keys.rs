//! Interning of span keys: each distinct `component.name` gets a small integer once, so
//! the hot path carries a `KeyId` and never hashes a string.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};

use crate::tier::Tier;

/// Index of an interned key in the recorder's key table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct KeyId(pub(crate) u32);

impl KeyId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a key stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyInfo {
    pub(crate) tier: Tier,
    pub(crate) component: String,
    pub(crate) name: String,
    /// `component.name`.
    pub(crate) key: String,
}

/// Append-only table of keys. Interning takes a lock, but it runs once per (thread,
/// callsite, component) thanks to the per-thread callsite cache in front of it.
#[derive(Debug, Default)]
pub(crate) struct KeyTable {
    index: Mutex<HashMap<(String, String), KeyId>>,
    infos: RwLock<Vec<KeyInfo>>,
}

impl KeyTable {
    /// The id of `component.name`, creating it on first sight. A key keeps the tier it was
    /// first seen with: the same key under two tiers is a labelling mistake, and splitting
    /// it would make the report list one name twice.
    pub(crate) fn intern(&self, tier: Tier, component: &str, name: &str) -> KeyId {
        let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&id) = index.get(&(component.to_owned(), name.to_owned())) {
            return id;
        }
        let mut infos = self.infos.write().unwrap_or_else(PoisonError::into_inner);
        let id = KeyId(u32::try_from(infos.len()).unwrap_or(u32::MAX));
        infos.push(KeyInfo {
            tier,
            component: component.to_owned(),
            name: name.to_owned(),
            key: format!("{component}.{name}"),
        });
        index.insert((component.to_owned(), name.to_owned()), id);
        id
    }

    /// A copy of every key, indexed by `KeyId`.
    pub(crate) fn all(&self) -> Vec<KeyInfo> {
        self.infos
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_component_and_name_get_the_same_id() {
        let table = KeyTable::default();
        let first = table.intern(Tier::Method, "tracks", "solo");
        let other = table.intern(Tier::Method, "tracks", "mute");
        let again = table.intern(Tier::Operation, "tracks", "solo");
        assert_eq!(first, again);
        assert_ne!(first, other);
        let all = table.all();
        assert_eq!(all[first.index()].key, "tracks.solo");
        assert_eq!(all[first.index()].tier, Tier::Method, "first tier wins");
    }
}
