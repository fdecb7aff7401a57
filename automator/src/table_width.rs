//! How wide the tables printed on stdout may be: the terminal's width when stdout is one, else
//! `COLUMNS` when set (as clap's help does), else unlimited, so piped or redirected output does
//! not depend on whatever terminal started the program.

use std::io::IsTerminal;

use profiler::text_table::TableWidth;

/// The width for tables printed on stdout now.
pub fn stdout_table_width() -> TableWidth {
    let stdout = std::io::stdout();
    let terminal = match stdout.is_terminal() {
        true => terminal_size::terminal_size_of(&stdout).map(|(width, _)| width.0),
        false => None,
    };
    table_width(terminal, std::env::var("COLUMNS").ok().as_deref())
}

/// The width from the terminal's columns (`None`: stdout is not a terminal) and the `COLUMNS`
/// variable.
pub fn table_width(terminal_columns: Option<u16>, columns_variable: Option<&str>) -> TableWidth {
    let from_variable = || {
        columns_variable
            .and_then(|text| text.trim().parse::<u16>().ok())
            .filter(|&columns| columns > 0)
    };
    match terminal_columns
        .filter(|&columns| columns > 0)
        .or_else(from_variable)
    {
        Some(columns) => TableWidth::Columns(columns),
        None => TableWidth::Unlimited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_wins_then_columns_then_no_limit() {
        assert_eq!(table_width(Some(132), Some("80")), TableWidth::Columns(132));
        assert_eq!(table_width(None, Some("80")), TableWidth::Columns(80));
        assert_eq!(table_width(None, None), TableWidth::Unlimited);
        assert_eq!(table_width(None, Some("wide")), TableWidth::Unlimited);
        assert_eq!(table_width(None, Some("0")), TableWidth::Unlimited);
    }
}
