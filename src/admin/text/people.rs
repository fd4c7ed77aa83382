//! The dashboard text of the pages about people and the house: overview, groups, partners, members, settings, 客服, authorization, login, errors.

// Login.
pub const LOG_IN: &str = "登录";
pub const USERNAME: &str = "用户名";
pub const PASSWORD: &str = "密码";
pub const WRONG_PASSWORD: &str = "用户名或密码错误";

// Errors.
pub const ERROR_TITLE: &str = "出错了";
pub const BACK_HOME: &str = "返回首页";
pub const LOG_IN_FIRST: &str = "请先登录";
pub const FORBIDDEN: &str = "无权访问";
pub const CSRF_REJECTED: &str = "表单已失效（缺少安全校验），请刷新页面后重试";
pub const NOT_FOUND: &str = "页面不存在";
pub const INTERNAL: &str = "服务器内部错误";

pub fn too_many_attempts(minutes: u64) -> String {
    format!("尝试次数过多，请 {minutes} 分钟后再试")
}

pub fn upstream(message: &str) -> String {
    format!("联盟接口出错：{message}")
}
