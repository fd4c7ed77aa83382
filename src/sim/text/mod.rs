//! The simulators' Chinese text, one catalogue for `src/sim`: what the simulated systems answer, push and list,
//! each simulator's text in its submodule. The simulators name these constants; no Chinese literal stands anywhere
//! else in `src/sim`. The unions' messages are byte for byte what the specs (`affiliates.md`, `feeds.md`) record:
//! the clients match on them.

pub mod catalog;
pub mod gewe;
pub mod jd;
pub mod pdd;
pub mod playground;
pub mod taobao;

// The image CDN

/// The page a CDN answers instead of an image (a captcha wall).
pub const CAPTCHA_PAGE: &str = "<html><body>验证码</body></html>";

// WeCom

/// The simulated 智能机器人's name.
pub const DEFAULT_AIBOT_NAME: &str = "省钱助手";
