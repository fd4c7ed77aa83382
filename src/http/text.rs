//! The Chinese of the public HTTP pages (not the dashboard's): the page a member lands on after consenting to
//! the Taobao registration, and its refusals.

// `/taobao/registered`.
pub const TAOBAO_PAGE_TITLE: &str = "淘宝授权";
pub const TAOBAO_REGISTERED: &str = "授权成功！之后你的淘宝订单会自动计入返利，可以关闭此页面了。";
pub const TAOBAO_LINK_INCOMPLETE: &str = "授权链接不完整";
pub const TAOBAO_LINK_EXPIRED: &str = "授权链接已失效";
