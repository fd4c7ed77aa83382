//! The product catalogue's words: titles and shop names are built from these (`sim::catalog`), and the category
//! list every union renders (`sim::feed`).

// Titles: `<tag><brand> <noun>`

pub const BRANDS: &[&str] =
    &["小米", "南极人", "三只松鼠", "蓝月亮", "维达", "美的", "苏泊尔", "安踏", "百草味", "良品铺子", "洁柔", "九阳"];
pub const NOUNS: &[&str] = &[
    "加厚抽纸24包",
    "不锈钢保温杯大容量",
    "迷你电煮锅 宿舍可用",
    "运动速干T恤",
    "珊瑚绒毯子冬季保暖",
    "人体工学椅 家用",
    "坚果礼盒1.5kg",
    "洗衣液 薰衣草香 3kg",
    "蓝牙耳机 降噪",
    "空气炸锅 5L",
    "儿童保温水杯",
    "纯棉四件套",
    "焗油膏 护发",
    "啰汉果 茶 罐装",
    "玥石 手链",
    "珺瑶 香薰蜡烛",
    "镕金 不粘锅",
    "喆记 牛肉干",
    "堃元 电动牙刷",
    "昇阳 护眼台灯",
];
pub const TAGS: &[&str] = &["【官方旗舰店】", "【限时秒杀】", "【百亿补贴】", "【第2件0元】", "", "【顺丰包邮】"];
/// Where a title's tag ends.
pub const TAG_END: char = '】';

// Shops: `<brand><shop>`

pub const SHOPS: &[&str] = &["官方旗舰店", "自营店", "专卖店", "生活馆", "优选店"];

// Categories

/// `(category id, name)`: the legacy PDD category list (spec §1.1), used by every simulated union.
pub const CATEGORIES: &[(u32, &str)] = &[
    (20100, "百货"),
    (20200, "母婴"),
    (20300, "食品"),
    (20400, "女装"),
    (20500, "电器"),
    (20800, "美妆"),
    (21100, "家纺"),
    (21300, "运动"),
];
