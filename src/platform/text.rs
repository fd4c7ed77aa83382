//! The platforms' Chinese names: shown wherever a platform is named, and read where one is typed. (Each area
//! keeps its own text in its own `text` module; a top-level module with text is a directory with one too.)

pub const PDD: &str = "拼多多";
pub const JD: &str = "京东";
pub const TAOBAO: &str = "淘宝";
/// Taobao's mall, typed for Taobao.
pub const TMALL: &str = "天猫";
