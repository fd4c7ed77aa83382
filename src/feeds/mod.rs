//! The selection library (选品库): items pulled from the unions' own feeds on a schedule, normalized
//! ([`FeedItem`]), stored once per (platform, item key) and refreshed in place, listed through one typed
//! [`FeedFilter`]. Nothing here sends anything: the posting engine picks from the library.

mod filter;
mod item;
mod refresh;
mod text;

pub use filter::{FeedFilter, FeedSort, MAX_TERM_CHARS, MAX_TERMS};
pub use item::{FeedItem, StoredFeedItem, sales_number};
pub use refresh::{FeedRefresh, FeedsError, RefreshReport, worker};
