//! Reading the profiler's fields (`tier`, `component`, `error`) out of spans and events.

use std::fmt::{Debug, Write};

use tracing::Metadata;
use tracing::field::{Field, Visit};

use crate::tier::Tier;

/// Error texts are cut to this many characters so a huge error cannot bloat the profile.
const MAX_ERROR_CHARS: usize = 500;

/// A new span's `tier` value. `Copy`, so that setting it is one small store on the path of
/// every span; an invalid value's text is kept aside in the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TierField {
    Missing,
    Valid(Tier),
    Invalid,
}

/// Where a new span's `component` value ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComponentField {
    Missing,
    /// Equal to the component this callsite had last time (nothing copied).
    SameAsCached,
    /// Copied into the visitor's buffer.
    Buffered,
}

/// The positions of the fields the profiler reads in a callsite's field set, so that
/// visiting a span compares indices instead of field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldRoles {
    tier: usize,
    component: usize,
    error: usize,
}

/// What a field is to the profiler.
enum Role {
    Tier,
    Component,
    Error,
}

impl FieldRoles {
    const ABSENT: usize = usize::MAX;

    pub(crate) fn of(metadata: &Metadata<'_>) -> FieldRoles {
        let index = |name| {
            let field = metadata.fields().field(name);
            field.map_or(FieldRoles::ABSENT, |field| field.index())
        };
        FieldRoles {
            tier: index("tier"),
            component: index("component"),
            error: index("error"),
        }
    }

    #[inline]
    fn role(&self, field: &Field) -> Option<Role> {
        let index = field.index();
        if index == self.tier {
            Some(Role::Tier)
        } else if index == self.component {
            Some(Role::Component)
        } else if index == self.error {
            Some(Role::Error)
        } else {
            None
        }
    }
}

/// Collects a new span's fields. The component is compared with the callsite's cached one
/// and only copied when it differs, so the common case allocates and copies nothing.
pub(crate) struct SpanFieldVisitor<'a> {
    roles: FieldRoles,
    pub(crate) tier: TierField,
    /// The text of an invalid `tier` value, for the warning.
    pub(crate) invalid_tier: Option<String>,
    cached_component: Option<&'a str>,
    buffer: &'a mut String,
    pub(crate) component: ComponentField,
    pub(crate) error: Option<String>,
}

impl<'a> SpanFieldVisitor<'a> {
    pub(crate) fn new(
        roles: FieldRoles,
        cached_component: Option<&'a str>,
        buffer: &'a mut String,
    ) -> Self {
        SpanFieldVisitor {
            roles,
            tier: TierField::Missing,
            invalid_tier: None,
            cached_component,
            buffer,
            component: ComponentField::Missing,
            error: None,
        }
    }

    #[inline]
    fn tier_from(&mut self, value: &str) {
        match Tier::parse(value) {
            Some(tier) => self.tier = TierField::Valid(tier),
            None => self.invalid_tier_from(value),
        }
    }

    #[cold]
    fn invalid_tier_from(&mut self, value: &str) {
        self.tier = TierField::Invalid;
        self.invalid_tier = Some(value.to_owned());
    }
}

impl Visit for SpanFieldVisitor<'_> {
    #[inline]
    fn record_str(&mut self, field: &Field, value: &str) {
        match self.roles.role(field) {
            Some(Role::Tier) => self.tier_from(value),
            Some(Role::Component) => {
                if self.cached_component == Some(value) {
                    self.component = ComponentField::SameAsCached;
                } else {
                    self.buffer.clear();
                    self.buffer.push_str(value);
                    self.component = ComponentField::Buffered;
                }
            }
            Some(Role::Error) => self.error = Some(truncate(value.to_owned())),
            None => {}
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if matches!(self.roles.role(field), Some(Role::Error)) && value {
            self.error = Some("error = true".to_owned());
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if matches!(self.roles.role(field), Some(Role::Error)) {
            self.error = Some(truncate(value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        match self.roles.role(field) {
            Some(Role::Tier) => {
                let text = format!("{value:?}");
                self.tier_from(text.trim_matches('"'));
            }
            Some(Role::Component) => {
                self.buffer.clear();
                let _ = write!(self.buffer, "{value:?}");
                self.component = ComponentField::Buffered;
            }
            Some(Role::Error) => self.error = Some(truncate(format!("{value:?}"))),
            None => {}
        }
    }
}

/// Only the `error` field, for values recorded on a span after it was created.
#[derive(Default)]
pub(crate) struct ErrorFieldVisitor {
    pub(crate) error: Option<String>,
}

impl Visit for ErrorFieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "error" {
            self.error = Some(truncate(value.to_owned()));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "error" && value {
            self.error = Some("error = true".to_owned());
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if field.name() == "error" {
            self.error = Some(truncate(value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "error" {
            self.error = Some(truncate(format!("{value:?}")));
        }
    }
}

/// The text of an ERROR event: its `error` field (what `#[instrument(err)]` records), else
/// its message, else every field.
#[derive(Default)]
pub(crate) struct ErrorEventVisitor {
    error: Option<String>,
    message: Option<String>,
    others: String,
}

impl ErrorEventVisitor {
    pub(crate) fn text(self) -> String {
        let text = self
            .error
            .or(self.message)
            .unwrap_or_else(|| match self.others.is_empty() {
                true => "ERROR event".to_owned(),
                false => self.others,
            });
        truncate(text)
    }
}

impl Visit for ErrorEventVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_text(field, value.to_owned());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_text(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.record_text(field, format!("{value:?}"));
    }
}

impl ErrorEventVisitor {
    fn record_text(&mut self, field: &Field, text: String) {
        match field.name() {
            "error" => self.error = Some(text),
            "message" => self.message = Some(text),
            name => {
                if !self.others.is_empty() {
                    self.others.push(' ');
                }
                let _ = write!(self.others, "{name}={text}");
            }
        }
    }
}

fn truncate(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_ERROR_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_error_texts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        let cut = truncate(long);
        assert_eq!(cut.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short".into()), "short");
    }
}
