//! The browser: chromedriver's lifetime, the Chromium session, the one wrapper every
//! WebDriver command goes through, and the files a Grid node keeps (managed downloads).

pub mod chromedriver;
pub mod command;
pub mod error;
pub mod leftovers;
pub mod managed_downloads;
pub mod processes;
pub mod session;
pub mod watchdog;

pub use command::{Driver, Navigation};
pub use error::BrowserError;
pub use session::{Browser, BrowserOptions};
