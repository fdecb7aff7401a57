//! What every step of the flow needs: the browser, the site profile, the (scaled) knobs, the
//! site's address and the incoming download directory.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::browser::Driver;
use crate::config::{Knobs, SiteProfile};

use super::incoming::IncomingDir;
use super::mix_limiter::MixLimiter;

pub struct FlowContext<'a> {
    pub driver: &'a Driver,
    pub site: &'a SiteProfile,
    /// Already multiplied by the run's time scale.
    pub knobs: &'a Knobs,
    pub base_url: &'a Url,
    pub incoming: &'a IncomingDir,
    /// The run's shared limit on concurrent mix requests (one for all sessions).
    pub mix_limiter: &'a Arc<MixLimiter>,
}

impl FlowContext<'_> {
    /// An absolute URL for a path or URL of the site.
    pub fn url(&self, path_or_url: &str) -> String {
        self.base_url
            .join(path_or_url)
            .map(String::from)
            .unwrap_or_else(|_| path_or_url.to_string())
    }

    /// A knob in seconds as a `Duration`.
    pub fn seconds(&self, seconds: f64) -> Duration {
        crate::config::knobs::seconds_to_duration(seconds)
    }
}
