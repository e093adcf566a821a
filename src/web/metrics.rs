//! Request metrics in Prometheus' text format: a count and a latency histogram per route and
//! status. Routes are labelled by their pattern (`/r/{token}`), never by the token, so the
//! number of series stays small and no link ever appears in the metrics.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Per bucket (not cumulative); the +Inf bucket is `count`.
    buckets: [u64; BUCKETS.len()],
}

#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(&'static str, u16), Series>>,
}

/// The route pattern a path belongs to: a fixed, small set of labels.
pub fn route_label(path: &str) -> &'static str {
    match path {
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        p if p.starts_with("/r/") && p.ends_with(".csv") => "/r/{token}.csv",
        p if p.starts_with("/r/") && p.ends_with(".xlsx") => "/r/{token}.xlsx",
        p if p.starts_with("/r/") => "/r/{token}",
        p if p.starts_with("/p/") => "/p/{token}",
        _ => "other",
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    pub fn observe(&self, route: &'static str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        // A poisoned lock only means another request panicked mid-update; the counts are
        // still usable, so keep counting rather than fail the request.
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let s = series.entry((route, status)).or_default();
        s.count += 1;
        s.sum_seconds += seconds;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            s.buckets[i] += 1;
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let series = self
            .series
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut out = String::new();
        out.push_str(
            "# HELP crewclock_http_requests_total HTTP requests served, by route and status.\n",
        );
        out.push_str("# TYPE crewclock_http_requests_total counter\n");
        for ((route, status), s) in &series {
            let _ = writeln!(
                out,
                "crewclock_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP crewclock_http_request_duration_seconds Time to answer, by route and status.\n",
        );
        out.push_str("# TYPE crewclock_http_request_duration_seconds histogram\n");
        for ((route, status), s) in &series {
            let labels = format!("route=\"{route}\",status=\"{status}\"");
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "crewclock_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "crewclock_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "crewclock_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "crewclock_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_patterns_not_tokens() {
        assert_eq!(route_label("/r/abc"), "/r/{token}");
        assert_eq!(route_label("/r/abc.csv"), "/r/{token}.csv");
        assert_eq!(route_label("/r/abc.xlsx"), "/r/{token}.xlsx");
        assert_eq!(route_label("/p/abc"), "/p/{token}");
        assert_eq!(route_label("/wp-admin"), "other");
    }

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::new();
        m.observe("/r/{token}", 200, Duration::from_micros(800));
        m.observe("/r/{token}", 200, Duration::from_millis(7));
        m.observe("/r/{token}", 404, Duration::from_secs(10));
        let text = m.render();
        assert!(
            text.contains("crewclock_http_requests_total{route=\"/r/{token}\",status=\"200\"} 2")
        );
        assert!(text.contains("status=\"200\",le=\"0.001\"} 1"));
        assert!(text.contains("status=\"200\",le=\"0.01\"} 2"));
        assert!(text.contains("status=\"404\",le=\"2.5\"} 0"));
        assert!(text.contains("status=\"404\",le=\"+Inf\"} 1"));
    }
}
