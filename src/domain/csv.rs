//! CSV as spreadsheets read it (RFC 4180): comma-separated, CRLF line ends, cells quoted when
//! they hold a comma, quote or line break, quotes doubled.
//!
//! Cells come from people (project names, descriptions), and a spreadsheet runs a cell that
//! starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula. Such
//! text cells get a leading apostrophe, the OWASP-recommended guard, so they open as text.
//! Numbers we write ourselves (`-1.5` never happens, but hours and amounts) go through
//! [`Csv::number`] and are not guarded.

/// A CSV document being written.
#[derive(Debug, Default, Clone)]
pub struct Csv {
    out: String,
    row_open: bool,
}

fn needs_guard(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

fn push_quoted(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

impl Csv {
    pub fn new() -> Csv {
        Csv::default()
    }

    fn separator(&mut self) {
        if self.row_open {
            self.out.push(',');
        }
        self.row_open = true;
    }

    /// A text cell, quoted and guarded against formulas.
    pub fn text(&mut self, text: &str) -> &mut Csv {
        self.separator();
        if needs_guard(text) {
            let guarded = format!("'{text}");
            push_quoted(&mut self.out, &guarded);
        } else {
            push_quoted(&mut self.out, text);
        }
        self
    }

    /// A cell we computed (a number, a date): written as is.
    pub fn number(&mut self, value: impl std::fmt::Display) -> &mut Csv {
        self.separator();
        let text = value.to_string();
        push_quoted(&mut self.out, &text);
        self
    }

    /// An empty cell.
    pub fn empty(&mut self) -> &mut Csv {
        self.separator();
        self
    }

    /// Ends the current row.
    pub fn end_row(&mut self) -> &mut Csv {
        self.out.push_str("\r\n");
        self.row_open = false;
        self
    }

    /// A whole row of text cells.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> &mut Csv {
        for cell in cells {
            self.text(cell);
        }
        self.end_row()
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Hours with two decimals from seconds: `5400` → `1.50`.
pub fn decimal_hours(seconds: i64) -> String {
    let hundredths = (i128::from(seconds) * 100 + 1800) / 3600;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// A money amount in major units for a spreadsheet: `123456` with 2 digits → `1234.56`.
pub fn decimal_money(minor: i64, digits: u32) -> String {
    if digits == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_guards() {
        let mut csv = Csv::new();
        csv.row([
            "plain",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "=SUM(A1)",
            "+1",
            "-2",
            "@x",
        ]);
        csv.text("\t=1").number("-1.50").empty().end_row();
        assert_eq!(
            csv.finish(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=SUM(A1),'+1,'-2,'@x\r\n'\t=1,-1.50,\r\n"
        );
    }

    #[test]
    fn guarded_cells_that_need_quotes_are_quoted_after_the_guard() {
        let mut csv = Csv::new();
        csv.text("=HYPERLINK(\"http://x\",\"y\")").end_row();
        assert_eq!(
            csv.finish(),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(decimal_hours(5400), "1.50");
        assert_eq!(decimal_hours(0), "0.00");
        assert_eq!(decimal_hours(59), "0.02");
        assert_eq!(decimal_money(123456, 2), "1234.56");
        assert_eq!(decimal_money(5, 2), "0.05");
        assert_eq!(decimal_money(700, 0), "700");
    }
}
