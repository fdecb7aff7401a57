//! Everything a run is configured by: timing knobs, the songs, the credentials and the site
//! profile.

pub mod credentials;
pub mod knobs;
pub mod site_profile;
pub mod songs;

pub use credentials::{Credentials, CredentialsError, Secret};
pub use knobs::{DownloadWait, KnobError, Knobs, SoloWait};
pub use site_profile::{SiteProfile, SiteProfileError};
pub use songs::{Song, SongsError, load_songs};
