//! The simulated JD union gateway's Chinese (affiliates spec §2, feeds spec §2): its error messages, verbatim from
//! the spec, and the names of its `eliteId` channels.

// Channels

/// `eliteId` channels the simulator lists (feeds spec §2.1: the ones useful for group posts), with their names.
pub const ELITE_IDS: [(u64, &str); 9] = [
    (1, "好券商品"),
    (10, "9.9包邮"),
    (22, "实时热销榜"),
    (31, "今日必推"),
    (33, "京东秒杀"),
    (40, "高收益榜"),
    (129, "高佣榜单"),
    (153, "历史最低价商品榜"),
    (1001, "选品库"),
];

// Gateway errors (`zh_desc`)

pub fn missing_system_param(name: &str) -> String {
    format!("缺少系统参数:{name}")
}

pub const INVALID_APP_KEY: &str = "无效的app_key";
pub const INVALID_SIGN: &str = "无效签名";
pub const INVALID_TIMESTAMP: &str = "无效的时间戳";
pub const INVALID_METHOD: &str = "不存在的方法名";
pub const INVALID_ACCESS_TOKEN: &str = "无效access_token";

// Business errors (`message`)

/// 2001609, also what JD answers when an app calls too often.
pub const THROTTLED: &str = "服务降级，请稍后重试！";
/// 2002408.
pub const DEGRADED: &str = "接口降级处理";
/// 2002500.
pub const SYSTEM_ERROR: &str = "系统异常，请稍后重试";
/// A parameter error without a name.
pub const PARAM_ERROR: &str = "参数错误";

/// `参数错误:<name>`.
pub fn param_error(name: &str) -> String {
    format!("{PARAM_ERROR}:{name}")
}

/// `参数错误:<name>不能为空`.
pub fn param_missing(name: &str) -> String {
    format!("{PARAM_ERROR}:{name}不能为空")
}

/// `参数错误:pageSize最大为<max>`.
pub fn page_size_over(max: u64) -> String {
    format!("{PARAM_ERROR}:pageSize最大为{max}")
}

pub const NO_PERMISSION: &str = "无调用权限，请联系联盟运营申请";
pub const POSITION_ID_ERROR: &str = "pid错误:positionId";
pub const SUB_UNION_ID_MALFORMED: &str = "subUnionId入参格式有误";
pub const PID_AND_SUB_UNION_ID: &str = "pid和subUnionId不能同时使用";
pub const MATERIAL_INVALID: &str = "物料链接不合法或商品不存在，请检查materialId";
pub const NOT_IN_PROMOTION: &str = "该商品不在推广中";
pub const TOO_MANY_SKUS: &str = "数组参数个数不符合业务规定";
pub const PAGE_LIMIT: &str = "已达到分页上限";
pub const START_AFTER_END: &str = "参数错误:startTime不能晚于endTime";
pub const WINDOW_TOO_LONG: &str = "查询时间范围超过规定限制";
