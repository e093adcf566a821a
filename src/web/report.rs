//! `/r/<token>`, `/r/<token>.csv`, `/r/<token>.xlsx`: a shared report, computed when opened
//! with the link owner's rights at that moment, in their time zone (so rolling ranges roll).
//!
//! Drill-down filters arrive as query parameters (`?project=12`) and may only narrow the
//! link's own query, never widen it: a parameter outside the link's filter is ignored.

use std::time::Instant;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde::Deserialize;

use super::pages::{self, CSS};
use super::Web;
use crate::app::report_links::{self, Resolved, ValidLink};
use crate::app::reports::{self, GroupKey, Report, ReportGroup};
use crate::chart::{self, Bar};
use crate::domain::csv::decimal_hours;
use crate::domain::links::LinkKind;
use crate::domain::projects::{Currency, Money};
use crate::domain::report::{GroupBy, ReportOptions, ReportQuery};
use crate::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Format {
    Html,
    Csv,
    Xlsx,
}

/// Narrowing parameters. Unknown or malformed ones are ignored (the page shows the link's
/// own report), so a mistyped address never turns into an error page.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct Drill {
    project: Option<i64>,
    client: Option<i64>,
    member: Option<i64>,
    task: Option<i64>,
    tag: Option<i64>,
    billable: Option<bool>,
}

impl Drill {
    fn is_empty(&self) -> bool {
        self.project.is_none()
            && self.client.is_none()
            && self.member.is_none()
            && self.task.is_none()
            && self.tag.is_none()
            && self.billable.is_none()
    }

    /// Applies the parameters that narrow `query`; returns the ones actually applied.
    fn narrow(&self, query: &mut ReportQuery, options: &ReportOptions) -> Drill {
        fn one(list: &mut Vec<i64>, wanted: Option<i64>) -> Option<i64> {
            let id = wanted?;
            // An empty list means "every one": narrowing to `id` is allowed. A non-empty list
            // allows only its own members.
            if list.is_empty() || list.contains(&id) {
                *list = vec![id];
                Some(id)
            } else {
                None
            }
        }
        let mut applied = Drill {
            project: one(&mut query.projects, self.project),
            client: one(&mut query.clients, self.client),
            task: one(&mut query.tasks, self.task),
            tag: one(&mut query.tags, self.tag),
            ..Drill::default()
        };
        // Member ids are hidden on links that hide people; don't let them be probed.
        if !options.hide_members {
            applied.member = one(&mut query.members, self.member);
        }
        if let Some(b) = self.billable {
            if query.billable.is_none() || query.billable == Some(b) {
                query.billable = Some(b);
                applied.billable = Some(b);
            }
        }
        applied
    }

    fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("project", self.project),
            ("client", self.client),
            ("member", self.member),
            ("task", self.task),
            ("tag", self.tag),
        ] {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        }
        if let Some(b) = self.billable {
            parts.push(format!("billable={b}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

pub(super) async fn report(
    State(web): State<Web>,
    Path(file): Path<String>,
    drill: Result<Query<Drill>, axum::extract::rejection::QueryRejection>,
) -> Response<Body> {
    let drill = drill.map(|Query(d)| d).unwrap_or_default();
    let (token, format) = match file.split_once('.') {
        None => (file.as_str(), Format::Html),
        Some((token, "csv")) => (token, Format::Csv),
        Some((token, "xlsx")) => (token, Format::Xlsx),
        Some(_) => return pages::plain(StatusCode::NOT_FOUND),
    };
    // Signature first (no database work for forged tokens), then the per-link limit.
    let Some(claims) = web.signer.verify(token) else {
        return pages::plain(StatusCode::NOT_FOUND);
    };
    if !web.limiter.allow(claims.id, Instant::now()) {
        return pages::plain(StatusCode::TOO_MANY_REQUESTS);
    }
    let valid = match report_links::resolve(&web.app, &web.signer, LinkKind::Report, token).await {
        Ok(Resolved::Valid(valid)) => valid,
        Ok(Resolved::Gone) => return pages::plain(StatusCode::GONE),
        Ok(Resolved::NotFound) => return pages::plain(StatusCode::NOT_FOUND),
        Err(e) => return failure(&e),
    };
    let key = PageKey {
        link_id: valid.link_id,
        drill: drill.to_query_string(),
        format,
    };
    let cell = web.pages.cell(key, Instant::now());
    let produced = cell
        .get_or_try_init(|| produce(&web, token, format, &valid, &drill))
        .await;
    match produced {
        Ok(page) => page.response(),
        Err(e) => failure(&e),
    }
}

/// A rendered page or download, as kept in the page cache.
#[derive(Debug, Clone)]
pub(super) struct Rendered {
    content_type: &'static str,
    /// Set for downloads (a fixed name: nothing user-provided goes into a header).
    filename: Option<&'static str>,
    body: Bytes,
}

impl Rendered {
    fn response(&self) -> Response<Body> {
        let mut response = Response::new(Body::from(self.body.clone()));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if let Some(name) = self.filename {
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
        }
        response
    }
}

/// Which cached rendering a request may reuse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct PageKey {
    link_id: i64,
    drill: String,
    format: Format,
}

/// Runs the report and renders it in the requested format.
async fn produce(
    web: &Web,
    token: &str,
    format: Format,
    valid: &ValidLink,
    drill: &Drill,
) -> Result<Rendered, AppError> {
    let (report, applied) = run(web, valid, drill).await?;
    Ok(match format {
        Format::Html => Rendered {
            content_type: "text/html; charset=utf-8",
            filename: None,
            body: Bytes::from(html(token, &report, &applied, valid)?),
        },
        Format::Csv => Rendered {
            content_type: "text/csv; charset=utf-8",
            filename: Some("report.csv"),
            body: Bytes::from(report.to_csv()),
        },
        Format::Xlsx => Rendered {
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename: Some("report.xlsx"),
            body: Bytes::from(xlsx(&report).map_err(AppError::internal)?),
        },
    })
}

/// Runs the link's report as its owner, narrowed by the drill-down, redacted as the link says.
async fn run(web: &Web, valid: &ValidLink, drill: &Drill) -> Result<(Report, Drill), AppError> {
    let mut query: ReportQuery = serde_json::from_str(&valid.query_json)
        .map_err(|e| AppError::internal(format!("link {}: stored query: {e}", valid.link_id)))?;
    let options = ReportOptions {
        hide_amounts: valid.options.hide_amounts,
        hide_members: valid.options.hide_members,
    };
    let applied = if drill.is_empty() {
        Drill::default()
    } else {
        drill.narrow(&mut query, &options)
    };
    let mut report = reports::summary(&web.app, &valid.owner, &query).await?;
    report.redact(&options);
    Ok((report, applied))
}

/// The page for an error: the owner lost access (410), the database is away (503), or our
/// own fault (500). The cause goes to the log only.
pub(super) fn failure(error: &AppError) -> Response<Body> {
    match error {
        AppError::Denied(_) | AppError::NotFound(_) => pages::plain(StatusCode::GONE),
        AppError::Internal(internal) if internal.unavailable => {
            pages::plain(StatusCode::SERVICE_UNAVAILABLE)
        }
        AppError::Internal(_) => pages::plain(StatusCode::INTERNAL_SERVER_ERROR),
        other => {
            tracing::warn!(kind = other.kind(), message = %other, "shared report refused");
            pages::plain(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

// ---------------------------------------------------------------------------------------
// The HTML page
// ---------------------------------------------------------------------------------------

struct Row {
    depth: usize,
    label: String,
    /// A drill-down address for this group, when it can narrow the report.
    href: Option<String>,
    hours: String,
    billable: Option<String>,
    amounts: Option<String>,
}

struct Chip {
    label: String,
    /// Where clicking goes (removing this drill-down); `None` for the link's own filters.
    href: Option<String>,
}

struct BudgetRow {
    project: String,
    tracked: String,
    budget: String,
    percent: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    css: &'a str,
    title: String,
    range: String,
    time_zone: &'a str,
    generated: String,
    total: String,
    entries: i64,
    billable_total: Option<String>,
    amount_total: Option<String>,
    level_header: String,
    rows: Vec<Row>,
    chips: Vec<Chip>,
    budgets: Vec<BudgetRow>,
    /// Our own SVG: every label in it went through plotters' XML escaping.
    chart_svg: String,
    chart_caption: String,
    csv_href: String,
    xlsx_href: String,
    expires: String,
}

/// `H:MM`, as people read durations.
pub(super) fn hm(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

fn money_text(amounts: &[Money]) -> String {
    if amounts.is_empty() {
        return "—".into();
    }
    amounts
        .iter()
        .map(Money::display)
        .collect::<Vec<_>>()
        .join(" + ")
}

fn level_name(level: GroupBy) -> &'static str {
    match level {
        GroupBy::Project => "Project",
        GroupBy::Client => "Client",
        GroupBy::Member => "Person",
        GroupBy::Task => "Task",
        GroupBy::Tag => "Tag",
        GroupBy::Billable => "Billable",
        GroupBy::Day => "Day",
        GroupBy::Week => "Week",
        GroupBy::Month => "Month",
    }
}

/// The drill-down that narrowing to `group` would add, if its level can be narrowed.
fn drill_for(group: &ReportGroup, current: &Drill, hide_members: bool) -> Option<Drill> {
    let mut next = current.clone();
    match (group.level, &group.key) {
        (GroupBy::Project, GroupKey::Id(Some(id))) => next.project = Some(*id),
        (GroupBy::Client, GroupKey::Id(Some(id))) => next.client = Some(*id),
        (GroupBy::Task, GroupKey::Id(Some(id))) => next.task = Some(*id),
        (GroupBy::Tag, GroupKey::Id(Some(id))) => next.tag = Some(*id),
        (GroupBy::Member, GroupKey::Id(Some(id))) if !hide_members => next.member = Some(*id),
        (GroupBy::Billable, GroupKey::Flag(b)) => next.billable = Some(*b),
        _ => return None,
    }
    Some(next)
}

fn flatten(
    groups: &[ReportGroup],
    depth: usize,
    base: &str,
    drill: &Drill,
    hide_members: bool,
    out: &mut Vec<Row>,
) {
    for g in groups {
        out.push(Row {
            depth,
            label: g.label.clone(),
            href: drill_for(g, drill, hide_members)
                .map(|d| format!("{base}{}", d.to_query_string())),
            hours: hm(g.seconds),
            billable: g.billable_seconds.map(hm),
            amounts: g.amounts.as_deref().map(money_text),
        });
        flatten(&g.children, depth + 1, base, drill, hide_members, out);
    }
}

/// Chips for the drill-downs in force, each linking to the page without it, plus one plain
/// chip per filter of the link itself (named by kind and count: the link carries ids).
fn chips(base: &str, applied: &Drill, report: &Report, query: Option<&ReportQuery>) -> Vec<Chip> {
    let mut chips = Vec::new();
    let label_of = |level: GroupBy, key: &GroupKey| -> Option<String> {
        fn find(groups: &[ReportGroup], level: GroupBy, key: &GroupKey) -> Option<String> {
            for g in groups {
                if g.level == level && &g.key == key {
                    return Some(g.label.clone());
                }
                if let Some(found) = find(&g.children, level, key) {
                    return Some(found);
                }
            }
            None
        }
        find(&report.groups, level, key)
    };
    let mut add = |level: GroupBy, key: GroupKey, without: Drill| {
        let name = label_of(level, &key).unwrap_or_else(|| "one".into());
        chips.push(Chip {
            label: format!("{}: {name} ✕", level_name(level)),
            href: Some(format!("{base}{}", without.to_query_string())),
        });
    };
    if let Some(id) = applied.project {
        add(
            GroupBy::Project,
            GroupKey::Id(Some(id)),
            Drill {
                project: None,
                ..applied.clone()
            },
        );
    }
    if let Some(id) = applied.client {
        add(
            GroupBy::Client,
            GroupKey::Id(Some(id)),
            Drill {
                client: None,
                ..applied.clone()
            },
        );
    }
    if let Some(id) = applied.member {
        add(
            GroupBy::Member,
            GroupKey::Id(Some(id)),
            Drill {
                member: None,
                ..applied.clone()
            },
        );
    }
    if let Some(id) = applied.task {
        add(
            GroupBy::Task,
            GroupKey::Id(Some(id)),
            Drill {
                task: None,
                ..applied.clone()
            },
        );
    }
    if let Some(id) = applied.tag {
        add(
            GroupBy::Tag,
            GroupKey::Id(Some(id)),
            Drill {
                tag: None,
                ..applied.clone()
            },
        );
    }
    if let Some(b) = applied.billable {
        add(
            GroupBy::Billable,
            GroupKey::Flag(b),
            Drill {
                billable: None,
                ..applied.clone()
            },
        );
    }
    if let Some(q) = query {
        for (name, n) in [
            ("projects", q.projects.len()),
            ("clients", q.clients.len()),
            ("people", q.members.len()),
            ("tasks", q.tasks.len()),
            ("tags", q.tags.len()),
        ] {
            if n > 0 {
                chips.push(Chip {
                    label: format!("Shared for {n} {name}"),
                    href: None,
                });
            }
        }
        if let Some(b) = q.billable {
            chips.push(Chip {
                label: if b {
                    "Billable only"
                } else {
                    "Non-billable only"
                }
                .into(),
                href: None,
            });
        }
    }
    chips
}

fn html(
    token: &str,
    report: &Report,
    applied: &Drill,
    valid: &ValidLink,
) -> Result<String, AppError> {
    let base = format!("/r/{token}");
    let levels: Vec<&str> = report.group_by.iter().map(|l| level_name(*l)).collect();
    let title = format!("Time by {}", levels.join(" › ").to_lowercase());
    let mut rows = Vec::new();
    flatten(
        &report.groups,
        0,
        &base,
        applied,
        valid.options.hide_members,
        &mut rows,
    );
    let bars: Vec<Bar> = report
        .groups
        .iter()
        .map(|g| Bar {
            label: g.label.clone(),
            seconds: g.seconds,
        })
        .collect();
    let chart_title = format!(
        "Hours by {}",
        levels.first().unwrap_or(&"group").to_lowercase()
    );
    let chart_svg = chart::bar_chart_svg(&chart_title, &bars).map_err(AppError::internal)?;
    let link_query: Option<ReportQuery> = serde_json::from_str(&valid.query_json).ok();
    let range = if report.range.is_rolling() {
        format!("{} ({} to {})", report.range.text(), report.from, report.to)
    } else {
        format!("{} to {}", report.from, report.to)
    };
    let page = ReportPage {
        css: CSS,
        title,
        range,
        time_zone: &report.time_zone,
        generated: report.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        total: hm(report.total_seconds),
        entries: report.entries,
        billable_total: report.billable_seconds.map(hm),
        // No rates anywhere: no money column, rather than a column of dashes.
        amount_total: report
            .amounts
            .as_deref()
            .filter(|a| !a.is_empty())
            .map(money_text),
        level_header: levels.join(" › "),
        rows,
        chips: chips(&base, applied, report, link_query.as_ref()),
        budgets: report
            .budgets
            .iter()
            .map(|b| BudgetRow {
                project: b.project.clone(),
                tracked: hm(b.tracked_seconds),
                budget: b
                    .budget
                    .as_ref()
                    .map(|x| x.display(&b.currency))
                    .unwrap_or_else(|| "—".into()),
                percent: b
                    .percent
                    .map(|p| format!("{p}%"))
                    .unwrap_or_else(|| "—".into()),
            })
            .collect(),
        chart_svg,
        chart_caption: format!("{chart_title}; the table below has the exact figures."),
        csv_href: format!("{base}.csv{}", applied.to_query_string()),
        xlsx_href: format!("{base}.xlsx{}", applied.to_query_string()),
        expires: valid.expires_at.format("%Y-%m-%d").to_string(),
    };
    page.render().map_err(AppError::internal)
}

// ---------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------

fn currencies(report: &Report) -> Vec<Currency> {
    fn walk(groups: &[ReportGroup], out: &mut Vec<Currency>) {
        for g in groups {
            for m in g.amounts.iter().flatten() {
                if !out.contains(&m.currency) {
                    out.push(m.currency.clone());
                }
            }
            walk(&g.children, out);
        }
    }
    let mut out = Vec::new();
    for m in report.amounts.iter().flatten() {
        if !out.contains(&m.currency) {
            out.push(m.currency.clone());
        }
    }
    walk(&report.groups, &mut out);
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out
}

/// The report as a spreadsheet: the same rows as the CSV, with real numbers. Names are
/// written as strings (never formulas), so a name like `=HYPERLINK(…)` stays text.
fn xlsx(report: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as Cell, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Report")?;
    let bold = Cell::new().set_bold();
    let hours_format = Cell::new().set_num_format("0.00");
    let levels = report.group_by.len();
    let currencies = if report.amounts.is_some() {
        currencies(report)
    } else {
        Vec::new()
    };
    let mut col: u16 = 0;
    for level in &report.group_by {
        sheet.write_string_with_format(0, col, level_name(*level), &bold)?;
        col += 1;
    }
    sheet.write_string_with_format(0, col, "Hours", &bold)?;
    let billable_col = report.billable_seconds.map(|_| {
        col += 1;
        col
    });
    if let Some(c) = billable_col {
        sheet.write_string_with_format(0, c, "Billable hours", &bold)?;
    }
    for currency in &currencies {
        col += 1;
        sheet.write_string_with_format(0, col, format!("Amount {}", currency.as_str()), &bold)?;
    }
    let hours_col = levels as u16;
    let hours = |s: i64| decimal_hours(s).parse::<f64>().unwrap_or(0.0);

    struct Out<'a> {
        row: u32,
        hours_col: u16,
        billable_col: Option<u16>,
        currencies: &'a [Currency],
    }
    fn values(
        sheet: &mut rust_xlsxwriter::Worksheet,
        out: &Out<'_>,
        seconds: i64,
        billable: Option<i64>,
        amounts: &Option<Vec<Money>>,
        fmt: &rust_xlsxwriter::Format,
        hours: &dyn Fn(i64) -> f64,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.write_number_with_format(out.row, out.hours_col, hours(seconds), fmt)?;
        if let (Some(c), Some(b)) = (out.billable_col, billable) {
            sheet.write_number_with_format(out.row, c, hours(b), fmt)?;
        }
        let first_money = out.billable_col.unwrap_or(out.hours_col) + 1;
        for (i, currency) in out.currencies.iter().enumerate() {
            let Some(m) = amounts.iter().flatten().find(|m| &m.currency == currency) else {
                continue;
            };
            let scale = 10f64.powi(currency.minor_digits() as i32);
            sheet.write_number(out.row, first_money + i as u16, m.minor as f64 / scale)?;
        }
        Ok(())
    }
    fn walk(
        sheet: &mut rust_xlsxwriter::Worksheet,
        out: &mut Out<'_>,
        groups: &[ReportGroup],
        path: &mut Vec<String>,
        fmt: &rust_xlsxwriter::Format,
        hours: &dyn Fn(i64) -> f64,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        for g in groups {
            path.push(g.label.clone());
            out.row += 1;
            for (i, label) in path.iter().enumerate() {
                sheet.write_string(out.row, i as u16, label)?;
            }
            values(
                sheet,
                out,
                g.seconds,
                g.billable_seconds,
                &g.amounts,
                fmt,
                hours,
            )?;
            walk(sheet, out, &g.children, path, fmt, hours)?;
            path.pop();
        }
        Ok(())
    }
    let mut out = Out {
        row: 0,
        hours_col,
        billable_col,
        currencies: &currencies,
    };
    walk(
        sheet,
        &mut out,
        &report.groups,
        &mut Vec::new(),
        &hours_format,
        &hours,
    )?;
    out.row += 1;
    sheet.write_string_with_format(out.row, 0, "Total", &bold)?;
    values(
        sheet,
        &out,
        report.total_seconds,
        report.billable_seconds,
        &report.amounts,
        &hours_format,
        &hours,
    )?;
    sheet.set_column_width(0, 30)?;
    book.save_to_buffer()
}
