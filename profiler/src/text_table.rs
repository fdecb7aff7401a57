//! Aligned plain-text tables for terminal reports (gate verdicts, baselines, A/B results).

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table of strings, rendered with columns padded to their widest cell.
#[derive(Debug, Clone)]
pub(crate) struct TextTable {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    pub(crate) fn new(columns: &[(&str, Align)]) -> TextTable {
        TextTable {
            columns: columns
                .iter()
                .map(|(title, align)| (title.to_string(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra cells are dropped.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn render(&self) -> String {
        let width = |text: &str| text.chars().count();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, (title, _))| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(index))
                    .map(|cell| width(cell))
                    .chain([width(title)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<&str>| -> String {
            let padded: Vec<String> = self
                .columns
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(index, ((_, align), &column_width))| {
                    let cell = cells.get(index).copied().unwrap_or("");
                    let pad = " ".repeat(column_width.saturating_sub(width(cell)));
                    match align {
                        Align::Left => format!("{cell}{pad}"),
                        Align::Right => format!("{pad}{cell}"),
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let mut text = line(
            self.columns
                .iter()
                .map(|(title, _)| title.as_str())
                .collect(),
        );
        text.push('\n');
        for row in &self.rows {
            text.push_str(&line(row.iter().map(String::as_str).collect()));
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
