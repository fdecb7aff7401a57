//! Aligned plain-text tables for the text reports (profile, gate verdicts, baselines, A/B
//! results) and the automator's per-track summary, laid out by `comfy-table`: columns padded to
//! their widest cell and two spaces apart, no borders, no colour. Given a width (a terminal's),
//! the widest cells wrap onto more lines so every line fits; report files are rendered
//! [`TableWidth::Unlimited`], so they read the same whatever terminal wrote them.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

/// Spaces between two columns.
const GAP: u16 = 2;

/// How wide a rendered table may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableWidth {
    /// As wide as the cells need: the layout of report files, the same on every machine.
    #[default]
    Unlimited,
    /// At most this many characters per line (a terminal's width): when the table would be
    /// wider, the widest text cells wrap onto more lines, between words. A table whose columns
    /// cannot shrink that far (a text column keeps at least its longest word, so a key name
    /// stays whole, and a figure column its widest figure) is as narrow as they allow.
    Columns(u16),
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: padded on the right.
    Left,
    /// Figures: padded on the left, so units and decimals line up.
    Right,
}

/// A table of strings with a title row.
#[derive(Debug, Clone)]
pub struct TextTable {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// An empty table with these column titles and alignments.
    pub fn new(columns: &[(&str, Align)]) -> TextTable {
        TextTable {
            columns: columns
                .iter()
                .map(|(title, align)| (title.to_string(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra cells are dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines of text, each ending in a newline, without trailing spaces, as wide
    /// as its cells need ([`TableWidth::Unlimited`]).
    pub fn render(&self) -> String {
        self.render_within(TableWidth::Unlimited)
    }

    /// The table as lines of text (each ending in a newline, without trailing spaces) of at
    /// most `width` characters where the column titles allow it.
    pub fn render_within(&self, width: TableWidth) -> String {
        self.render_indented(width, 0)
    }

    /// [`TextTable::render_within`] with every line indented by `indent` spaces, counted in
    /// the width.
    pub fn render_indented(&self, width: TableWidth, indent: usize) -> String {
        let count = self.columns.len();
        let mut table = Table::new();
        table
            .load_preset(comfy_table::presets::NOTHING)
            .set_header(self.columns.iter().map(|(title, _)| title.as_str()));
        for row in &self.rows {
            table.add_row((0..count).map(|index| row.get(index).map_or("", String::as_str)));
        }
        match width {
            TableWidth::Unlimited => table.set_content_arrangement(ContentArrangement::Disabled),
            TableWidth::Columns(columns) => table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(columns.saturating_sub(indent as u16)),
        };
        for (index, column) in table.column_iter_mut().enumerate() {
            let (title, align) = &self.columns[index];
            column.set_cell_alignment(match align {
                Align::Left => CellAlignment::Left,
                Align::Right => CellAlignment::Right,
            });
            let gap = if index + 1 < count { GAP } else { 0 };
            column.set_padding((0, gap));
            // Cells wrap between words, never inside one: a key name stays whole.
            let longest_word = std::iter::once(title.as_str())
                .chain(
                    self.rows
                        .iter()
                        .filter_map(|row| row.get(index).map(String::as_str)),
                )
                .flat_map(str::split_whitespace)
                .map(|word| word.chars().count())
                .max()
                .unwrap_or(0);
            if longest_word > 0 && matches!(width, TableWidth::Columns(_)) {
                // comfy-table's boundaries include the padding.
                let floor = u16::try_from(longest_word)
                    .unwrap_or(u16::MAX)
                    .saturating_add(gap);
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(floor)));
            }
        }
        let margin = " ".repeat(indent);
        let mut text = String::new();
        for line in table.lines() {
            text.push_str(&margin);
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TextTable {
        let mut table = TextTable::new(&[
            ("key", Align::Left),
            ("time", Align::Right),
            ("last error", Align::Left),
        ]);
        table.row(vec![
            "track_management.finalize_solo_activation".into(),
            "12.3 µs".into(),
            "the solo button did not light up within the configured wait".into(),
        ]);
        table.row(vec!["b".into(), "4 s".into()]);
        table
    }

    fn widest(text: &str) -> usize {
        text.lines()
            .map(|line| line.chars().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn pads_columns_to_the_widest_cell_with_unicode_counted_as_one() {
        let mut table = TextTable::new(&[("key", Align::Left), ("time", Align::Right)]);
        table.row(vec!["a.long_key".into(), "12.3 µs".into()]);
        table.row(vec!["b".into(), "4 s".into()]);
        assert_eq!(
            table.render(),
            "key            time\na.long_key  12.3 µs\nb               4 s\n"
        );
    }

    #[test]
    fn unlimited_keeps_one_line_per_row_whatever_its_length() {
        let text = sample().render();
        assert_eq!(text.lines().count(), 3, "{text}");
        let error = "the solo button did not light up within the configured wait";
        assert_eq!(widest(&text), 41 + 2 + 7 + 2 + error.len(), "{text}");
        assert!(text.lines().all(|line| line == line.trim_end()));
    }

    #[test]
    fn a_width_wraps_the_widest_cells_and_every_line_fits() {
        for columns in [100u16, 80, 70] {
            let text = sample().render_within(TableWidth::Columns(columns));
            assert!(widest(&text) <= columns as usize, "{columns}:\n{text}");
            assert!(
                text.lines().count() > 3,
                "{columns}: nothing wrapped:\n{text}"
            );
            let words: Vec<&str> = text.split_whitespace().collect();
            for word in [
                "track_management.finalize_solo_activation",
                "12.3",
                "µs",
                "configured",
            ] {
                assert!(words.contains(&word), "{columns}: {word} lost:\n{text}");
            }
            let header = text.lines().next().unwrap();
            assert!(
                header.starts_with("key")
                    && header.contains("time")
                    && header.contains("last error"),
                "{header}"
            );
        }
    }

    #[test]
    fn a_table_that_fits_is_laid_out_as_without_a_width() {
        let mut table = TextTable::new(&[("key", Align::Left), ("time", Align::Right)]);
        table.row(vec!["a.long_key".into(), "12.3 µs".into()]);
        assert_eq!(table.render_within(TableWidth::Columns(80)), table.render());
    }

    #[test]
    fn an_indent_counts_in_the_width_and_words_never_break() {
        let text = sample().render_indented(TableWidth::Columns(70), 2);
        assert!(widest(&text) <= 70, "{text}");
        assert!(text.lines().all(|line| line.starts_with("  ")), "{text}");
        // Too narrow for the key and the longest words: as narrow as they allow.
        let narrow = sample().render_within(TableWidth::Columns(20));
        assert_eq!(
            widest(&narrow),
            41 + 2 + 4 + 2 + "configured".len(),
            "{narrow}"
        );
        assert!(narrow.lines().next().unwrap().contains("last"), "{narrow}");
    }

    #[test]
    fn tables_are_plain_text() {
        let text = sample().render_within(TableWidth::Columns(50));
        assert!(!text.contains('\u{1b}'), "no escape sequences: {text:?}");
    }
}
