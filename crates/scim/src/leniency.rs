//! Leniencies: the forms a client sent that RFC 7643/7644 or the 2026 interoperability profile
//! do not allow and that a configuration accepted anyway, each because one of its
//! compatibility switches is on. The readers note each one as they take a lenient branch;
//! [`tracked`] collects what a piece of reading noted, so that the provisioning log can say
//! which switch made a request succeed.
//!
//! Reading is synchronous, so the notes live in a thread-local set that [`tracked`] installs
//! for the length of one closure; without it, [`note`] does nothing.

use std::cell::Cell;
use std::fmt;

/// One lenient form, named after the switch that accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Leniency {
    /// `"True"` / `"False"` strings for booleans (Entra ID's `"active": "False"`).
    StringBooleans,
    /// PATCH `add` / `replace` without a `path` (Okta's deactivate, Entra's
    /// `aadOptscim062020`).
    PathlessPatch,
    /// A PATCH body whose `schemas` does not name the PatchOp message.
    PatchWithoutSchemas,
    /// A PATCH `op` not in lower case (Entra ID's `"Replace"`).
    AnyCaseOps,
    /// `remove` with a path and a value list, which removed only the listed values (Entra
    /// ID's member removal).
    RemoveListedValues,
    /// A filtered `replace` that matched no value and added one (Entra ID's work email).
    CreateMissingValues,
    /// Attributes or schema URIs the resource type does not define, kept or dropped.
    UnknownAttributes,
    /// A `password` accepted (Okta's placeholder password).
    PlaceholderPassword,
    /// A PUT (Okta's AIW apps), which the interoperability profile tells clients not to use.
    AcceptPut,
    /// A bare word read as a string in a filter (authentik's `userName eq akadmin`, Entra ID's
    /// tutorial's `externalId eq jyoung`).
    UnquotedFilterStrings,
    /// A bare string read as the `value` of a reference such as the manager (Entra ID's
    /// `"manager": "<id>"`).
    ManagerAsString,
    /// `=` for `eq` and single-quoted strings in a filter (xMatters' documented
    /// `emails[type ='Work Email'].value`).
    LooseFilterSyntax,
}

impl Leniency {
    /// Every leniency, in switch order.
    pub const ALL: [Self; 12] = [
        Self::StringBooleans,
        Self::PathlessPatch,
        Self::PatchWithoutSchemas,
        Self::AnyCaseOps,
        Self::RemoveListedValues,
        Self::CreateMissingValues,
        Self::UnknownAttributes,
        Self::PlaceholderPassword,
        Self::AcceptPut,
        Self::UnquotedFilterStrings,
        Self::ManagerAsString,
        Self::LooseFilterSyntax,
    ];

    /// The name of the switch that accepts it (as in a configuration's `compatibility`).
    pub fn switch(self) -> &'static str {
        match self {
            Self::StringBooleans => "stringBooleans",
            Self::PathlessPatch => "pathlessPatch",
            Self::PatchWithoutSchemas => "patchWithoutSchemas",
            Self::AnyCaseOps => "anyCaseOps",
            Self::RemoveListedValues => "removeListedValues",
            Self::CreateMissingValues => "createMissingValues",
            Self::UnknownAttributes => "unknownAttributes",
            Self::PlaceholderPassword => "placeholderPassword",
            Self::AcceptPut => "acceptPut",
            Self::UnquotedFilterStrings => "unquotedFilterStrings",
            Self::ManagerAsString => "managerAsString",
            Self::LooseFilterSyntax => "looseFilterSyntax",
        }
    }

    /// The leniency a switch name stands for.
    pub fn from_switch(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.switch() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Leniency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.switch())
    }
}

/// A set of leniencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Leniencies(u16);

impl Leniencies {
    /// The empty set.
    pub const NONE: Self = Self(0);

    /// Adds one.
    pub fn insert(&mut self, leniency: Leniency) {
        self.0 |= leniency.bit();
    }

    /// Adds every one of another set.
    pub fn extend(&mut self, other: Self) {
        self.0 |= other.0;
    }

    /// Whether it holds `leniency`.
    pub fn contains(self, leniency: Leniency) -> bool {
        self.0 & leniency.bit() != 0
    }

    /// Whether it is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Its members, in switch order.
    pub fn iter(self) -> impl Iterator<Item = Leniency> {
        Leniency::ALL.into_iter().filter(move |l| self.contains(*l))
    }

    /// Its switch names, in switch order.
    pub fn switches(self) -> Vec<&'static str> {
        self.iter().map(Leniency::switch).collect()
    }
}

impl FromIterator<Leniency> for Leniencies {
    fn from_iter<I: IntoIterator<Item = Leniency>>(iter: I) -> Self {
        let mut set = Self::NONE;
        for l in iter {
            set.insert(l);
        }
        set
    }
}

thread_local! {
    /// The set [`tracked`] collects into; `None` outside it.
    static NOTES: Cell<Option<Leniencies>> = const { Cell::new(None) };
}

/// Notes that a lenient branch was taken (nothing happens outside [`tracked`]).
pub fn note(leniency: Leniency) {
    NOTES.with(|notes| {
        if let Some(mut set) = notes.get() {
            set.insert(leniency);
            notes.set(Some(set));
        }
    });
}

/// Runs `f` and returns what it returned with the leniencies it noted. Calls nest: an inner
/// call's notes also count for the outer one.
pub fn tracked<T>(f: impl FnOnce() -> T) -> (T, Leniencies) {
    let outer = NOTES.with(|notes| notes.replace(Some(Leniencies::NONE)));
    let out = f();
    let noted = NOTES.with(|notes| notes.replace(outer)).unwrap_or_default();
    if let Some(mut outer) = outer {
        outer.extend(noted);
        NOTES.with(|notes| notes.set(Some(outer)));
    }
    (out, noted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_count_only_inside_tracked_and_nest() {
        note(Leniency::PathlessPatch);
        let ((), none) = tracked(|| ());
        assert!(none.is_empty());
        let (inner, outer) = tracked(|| {
            note(Leniency::StringBooleans);
            let ((), inner) = tracked(|| note(Leniency::AnyCaseOps));
            inner
        });
        assert_eq!(inner.switches(), ["anyCaseOps"]);
        assert_eq!(outer.switches(), ["stringBooleans", "anyCaseOps"]);
        let ((), after) = tracked(|| ());
        assert!(after.is_empty());
    }

    #[test]
    fn switch_names_round_trip() {
        for l in Leniency::ALL {
            assert_eq!(Leniency::from_switch(l.switch()), Some(l));
        }
        assert_eq!(Leniency::from_switch("nope"), None);
        let set: Leniencies = [Leniency::PlaceholderPassword, Leniency::PathlessPatch]
            .into_iter()
            .collect();
        assert_eq!(set.switches(), ["pathlessPatch", "placeholderPassword"]);
    }
}
