//! Prometheus metrics (`GET /metrics`, OpenMetrics text): requests by
//! route and status, refusals by code, bytes in and out, and latency
//! histograms by route. Labels are routes and codes only: no account, no
//! record id.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteStatus {
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Code {
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Route {
    pub route: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RouteStatus, Counter>,
    pub refusals: Family<Code, Counter>,
    pub bytes_in: Counter,
    pub bytes_out: Counter,
    pub releases: Counter,
    pub latency: Family<Route, Histogram>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("medrec_gateway");
        let requests = Family::<RouteStatus, Counter>::default();
        let refusals = Family::<Code, Counter>::default();
        let bytes_in = Counter::default();
        let bytes_out = Counter::default();
        let releases = Counter::default();
        let latency = Family::<Route, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register("requests", "Requests by route and status", requests.clone());
        registry.register(
            "refusals",
            "Refused requests by error code",
            refusals.clone(),
        );
        registry.register("bytes_in", "Ciphertext bytes received", bytes_in.clone());
        registry.register("bytes_out", "Ciphertext bytes served", bytes_out.clone());
        registry.register("key_releases", "Data keys released", releases.clone());
        registry.register(
            "request_duration_seconds",
            "Request latency by route",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            refusals,
            bytes_in,
            bytes_out,
            releases,
            latency,
        }
    }
}

impl Metrics {
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
