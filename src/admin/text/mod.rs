//! The dashboard's Chinese text, one catalogue for the admin area: the shell and words every page uses here,
//! each page family's text in its submodule. Pages and handlers name these constants; no Chinese literal stands
//! anywhere else in `src/admin`.

pub mod api;
pub mod money;
pub mod people;
pub mod posting;

/// The product's name in the header and the window title.
pub const BRAND: &str = "dealbot 管理后台";
pub const MENU: &str = "菜单";
pub const LOGOUT: &str = "退出";
pub const ROLE_ADMIN: &str = "管理员";
pub const ROLE_PARTNER: &str = "合伙人";
/// A filter's "no filter" choice.
pub const ALL: &str = "全部";
/// An empty table's only row.
pub const NO_DATA: &str = "暂无数据";
