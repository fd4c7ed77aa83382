//! Owner and admin commands as scripted group conversations: success, refusal for members, usage on bad
//! arguments, and the dialog that asks for a missing argument.

use crate::conversation::*;
use dealbot::chat::OutboundBody;
use dealbot::platform::Platform;
use dealbot::store::pids::PidOwner;

const JD_LINK: &str = "https://item.jd.com/100087654321.html";

#[tokio::test]
async fn admins_bind_owners_and_admins_others_are_refused_and_a_missing_mention_is_asked_for() {
    let chat = Chat::start().await;
    let refused = chat.ask(ALICE, &format!("#设置群主 {}", ALICE.at())).await;
    assert!(refused.contains("只有管理员可以使用"), "{refused}");
    assert!(chat.ask(OWNER, "#群状态").await.contains("只有群主或管理员可以使用"));
    // Without the prefix an owner command is ordinary chat.
    chat.silent(OWNER, "群状态").await;

    let ask = chat.ask(ADMIN, "#设置群主").await;
    assert!(ask.contains("请@要设为群主的成员"), "{ask}");
    let done = chat.ask(ADMIN, &OWNER.at()).await;
    assert!(done.contains("已把 群主老王 设为本群群主"), "{done}");
    assert!(chat.ask(OWNER, "#群状态").await.contains("群主：群主老王"));

    assert!(chat.ask(OWNER, &format!("#添加管理员 {}", BOB.at())).await.contains("只有管理员可以使用"));
    // 小波 has not spoken yet: the name is known only once the group's member list is synced from the gateway.
    let added = chat.ask(ADMIN, &format!("#添加管理员 {}", BOB.at())).await;
    assert!(added.contains("已添加管理员✅") || added.contains("已添加管理员 小波 ✅"), "{added}");
    assert!(chat.ask(BOB, "帮助").await.contains("#设置群主"), "小波 is an admin now");
    assert!(chat.ask(ADMIN, &format!("#添加管理员 {}", BOB.at())).await.contains("小波已经是管理员了"));
    // The new admin (from the database) hands the group to another owner.
    assert!(chat.ask(BOB, &format!("#绑定群主 {}", ALICE.at())).await.contains("已把 阿明 设为本群群主"));
    assert!(chat.ask(ALICE, "#群状态").await.contains("本群状态"));
    assert!(chat.ask(OWNER, "#群状态").await.contains("只有群主或管理员可以使用"), "the old owner is a member again");
    assert!(chat.ask(OWNER, &format!("#设置群主 {} {}", OWNER.at(), "多余")).await.contains("只有管理员"));
    assert!(
        chat.ask(ADMIN, &format!("#设置群主 {} 多余", OWNER.at())).await.contains("参数太多了\n用法：#设置群主 @成员")
    );
}

#[tokio::test]
async fn feature_switches_turn_link_conversion_off_and_on() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#关闭 转链").await.contains("只有群主或管理员可以使用"));
    let bad = chat.ask(OWNER, "#开启 飞行").await;
    assert!(bad.contains("没有「飞行」这个功能") && bad.contains("用法：#开启 <功能>"), "{bad}");
    assert!(chat.ask(OWNER, "#关闭").await.contains("请发送要关闭的功能"));
    assert!(chat.ask(OWNER, "转链").await.contains("已关闭转链"));
    chat.silent(ALICE, JD_LINK).await;
    assert!(chat.ask(OWNER, "#开启转链").await.contains("已开启转链"));
    assert_eq!(chat.say(ALICE, JD_LINK).await.len(), 2, "poster and text again");
    assert!(chat.ask(OWNER, "#群状态").await.contains("转链 开"));
}

#[tokio::test]
async fn keyword_replies_are_set_through_a_dialog_matched_exactly_by_contains_or_regex_and_deleted() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#设置关键词 发货 马上发").await.contains("只有群主或管理员可以使用"));
    assert!(chat.ask(OWNER, "#设置关键词").await.contains("请发送关键词"));
    assert!(chat.ask(OWNER, "发货").await.contains("请发送回复内容"));
    assert!(chat.ask(OWNER, "下单后 48 小时内发货").await.contains("已添加关键词「发货」"));
    assert_eq!(chat.ask(ALICE, "请问什么时候发货呀").await, "下单后 48 小时内发货");

    let image = "https://cdn.example.com/hello.png";
    assert!(chat.ask(OWNER, &format!("#设置关键词 =你好 {image}")).await.contains("已添加关键词「=你好」"));
    let replies = chat.say(ALICE, "你好").await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].body, OutboundBody::Image { url: image.into() });
    chat.silent(ALICE, "你好呀").await;

    assert!(chat.ask(OWNER, "#设置关键词 /^几点.*(开抢|开始)$/ 每晚 8 点开抢").await.contains("已添加"));
    assert_eq!(chat.ask(BOB, "几点开抢").await, "每晚 8 点开抢");
    let bad = chat.ask(OWNER, "#设置关键词 /(/ 回复").await;
    assert!(bad.contains("正则表达式有误") && bad.contains("用法：#设置关键词 <词> <回复>"), "{bad}");

    let list = chat.ask(OWNER, "#关键词列表").await;
    assert!(list.contains("本群自动回复 3 条") && list.contains("发货 → 下单后 48 小时内发货（命中 1 次）"), "{list}");
    assert!(list.contains("=你好 → [图片]（命中 1 次）") && list.contains("/^几点.*(开抢|开始)$/"), "{list}");

    assert!(chat.ask(OWNER, "#设置关键词 发货 今天发").await.contains("已更新关键词「发货」"));
    assert_eq!(chat.ask(ALICE, "发货了吗").await, "今天发");
    assert!(chat.ask(OWNER, "#删除关键词 发货").await.contains("已删除关键词「发货」"));
    chat.silent(ALICE, "发货了吗").await;
    assert!(chat.ask(OWNER, "#删除关键词 发货").await.contains("本群没有关键词「发货」"));
    assert!(chat.ask(OWNER, "#删除关键词").await.contains("请发送要删除的关键词"));
    assert!(chat.ask(OWNER, "=你好").await.contains("已删除关键词「你好」"));

    // The whole auto-reply feature switches off.
    chat.ask(OWNER, "#关闭 自动回复").await;
    chat.silent(BOB, "几点开抢").await;
}

#[tokio::test]
async fn a_dialog_is_cancelled_replaced_by_another_command_or_forgotten_after_its_timeout() {
    let chat = Chat::with_owner().await;
    chat.ask(OWNER, "#设置关键词 早安").await;
    assert!(chat.ask(OWNER, "取消").await.contains("已取消"));
    chat.silent(OWNER, "早上好").await;

    chat.ask(OWNER, "#设置关键词 早安").await;
    assert!(chat.ask(OWNER, "#群状态").await.contains("本群状态"), "a command replaces the question");
    chat.silent(OWNER, "早上好").await;

    chat.ask(OWNER, "#设置关键词 早安").await;
    // Another member's message is not the answer.
    chat.silent(ALICE, "早上好").await;
    chat.advance_secs(121);
    chat.silent(OWNER, "早上好").await;
    chat.silent(ALICE, "早安").await;
    assert!(chat.ask(OWNER, "#关键词列表").await.contains("本群还没有自动回复"));
}

#[tokio::test]
async fn qa_entries_answer_similar_questions_and_count_hits() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#设置问答 如何领取优惠券 点链接领券").await.contains("只有群主或管理员可以使用"));
    let bad = chat.ask(OWNER, "#设置问答 券 去领").await;
    assert!(bad.contains("问题太短了") && bad.contains("用法：#设置问答 <问题> <答案>"), "{bad}");
    assert!(chat.ask(OWNER, "#设置问答").await.contains("请发送问题"));
    assert!(chat.ask(OWNER, "如何领取优惠券").await.contains("请发送答案"));
    assert!(chat.ask(OWNER, "点商品链接里的「领券」按钮就行").await.contains("已添加问答「如何领取优惠券」"));
    chat.ask(OWNER, "#设置问答 返利什么时候到账 确认收货后 7 天内到账").await;

    assert_eq!(chat.ask(ALICE, "怎么领券").await, "点商品链接里的「领券」按钮就行");
    assert_eq!(chat.ask(BOB, "请问优惠卷怎么领取呀？").await, "点商品链接里的「领券」按钮就行");
    assert_eq!(chat.ask(BOB, "返现多久到帐").await, "确认收货后 7 天内到账");
    chat.silent(ALICE, "今天天气不错").await;
    chat.silent(ALICE, "哈哈哈").await;

    let list = chat.ask(OWNER, "#问答列表").await;
    assert!(
        list.contains("本群问答 2 条") && list.contains("如何领取优惠券 → 点商品链接里的「领券」按钮就行（命中 2 次）"),
        "{list}"
    );
    assert!(chat.ask(OWNER, "#删除问答 如何领取优惠券").await.contains("已删除问答"));
    chat.silent(ALICE, "怎么领券").await;
}

#[tokio::test]
async fn the_welcome_text_is_set_by_dialog_restored_and_switched_off() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#设置欢迎语 大家好").await.contains("只有群主或管理员可以使用"));
    assert!(chat.ask(OWNER, "#设置欢迎语").await.contains("请发送欢迎语"));
    assert!(chat.ask(OWNER, "欢迎{新人}！先看群公告哦").await.contains("欢迎语已设置"));
    let carol = Person { wxid: "wxid_car0l", nick: "小卡" };
    let w = chat.join(BOB, &[carol]).await;
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].body,
        OutboundBody::Text {
            content: "欢迎@小卡\u{2005}！先看群公告哦".into(), ats: vec![carol.wxid.into()]
        }
    );

    assert!(chat.ask(OWNER, "#设置欢迎语 默认").await.contains("已恢复默认欢迎语"));
    let dave = Person { wxid: "wxid_dav3", nick: "大卫" };
    let w = chat.join(BOB, &[dave]).await;
    assert!(w[0].text().contains("欢迎@大卫\u{2005}加入本群"), "{w:?}");

    chat.ask(OWNER, "#关闭欢迎语").await;
    let erin = Person { wxid: "wxid_3rin", nick: "小艾" };
    assert!(chat.join(BOB, &[erin]).await.is_empty());
}

#[tokio::test]
async fn the_copy_template_is_validated_applied_to_conversions_and_restored() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#设置文案 {标题}{链接}").await.contains("只有群主或管理员可以使用"));
    let bad = chat.ask(OWNER, "#设置文案 {标题} 只要{券后价}").await;
    assert!(bad.contains("{链接} 或 {口令}") && bad.contains("用法：#设置文案 <模板>"), "{bad}");
    assert!(chat.ask(OWNER, "#设置文案 {标题}{价格}{链接}").await.contains("不认识 {价格}"));
    assert!(chat.ask(OWNER, "#设置文案").await.contains("请发送文案模板"));
    assert!(chat.ask(OWNER, "🔥{标题}\n到手价 {券后价}\n戳 {链接}").await.contains("文案模板已设置"));

    let replies = chat.say(ALICE, JD_LINK).await;
    let text = replies.iter().find(|r| !r.is_image()).unwrap().text().to_string();
    let conv = chat.app.store.recent_conversions(1).await.unwrap().remove(0);
    let link = conv.short_url.clone().unwrap_or(conv.promotion_url.clone());
    assert!(text.starts_with(&format!("{}🔥", ALICE.at())), "{text}");
    assert!(text.contains("\n到手价 ¥") && text.ends_with(&format!("戳 {link}")), "{text}");

    assert!(chat.ask(OWNER, "#设置文案 默认").await.contains("已恢复默认文案"));
    let replies = chat.say(ALICE, "https://item.jd.com/100087654322.html").await;
    assert!(replies.iter().any(|r| r.text().contains("下单链接：")), "{replies:?}");
}

#[tokio::test]
async fn the_poster_template_must_exist() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#设置海报 classic").await.contains("只有群主或管理员可以使用"));
    let unknown = chat.ask(OWNER, "#设置海报 星空").await;
    assert!(unknown.contains("没有「星空」这个海报模板，可选：card、classic、festival"), "{unknown}");
    assert!(chat.ask(OWNER, "#设置海报 ../x").await.contains("用法：#设置海报 <模板名>"));
    assert!(chat.ask(OWNER, "#设置海报").await.contains("请发送海报模板名"));
    assert!(chat.ask(OWNER, "classic").await.contains("海报模板已设为「classic」"));
    assert!(chat.ask(OWNER, "#群状态").await.contains("海报：classic\n"));
    assert!(chat.ask(OWNER, "#设置海报 festival").await.contains("海报模板已设为「festival」"));
    let replies = chat.say(ALICE, JD_LINK).await;
    let url = replies.iter().find_map(|r| match &r.body {
        dealbot::chat::OutboundBody::Image { url } => Some(url.clone()),
        _ => None,
    });
    let id = url.as_deref().and_then(|u| u.rsplit('/').next()).and_then(|f| f.strip_suffix(".jpg")).unwrap();
    let media = chat.app.store.get_media(id, 0).await.unwrap().expect("the poster is stored");
    let poster = image::load_from_memory(&media.bytes).unwrap();
    assert_eq!((poster.width(), poster.height()), (750, 1334), "drawn with the festival template");
    assert!(chat.ask(OWNER, "#设置海报 默认").await.contains("已恢复默认海报模板"));
    assert!(chat.ask(OWNER, "#群状态").await.contains("海报：classic（默认）"));
}

#[tokio::test]
async fn binding_a_pid_checks_its_format_and_owner_and_conversions_use_it() {
    let chat = Chat::with_owner().await;
    for position in [3100000010, 3100000077] {
        chat.app.sim.sims.jd.add_position(position, "聊天推广位");
    }
    assert!(chat.ask(ALICE, "#绑定推广位 京东 3100000009").await.contains("只有群主或管理员可以使用"));
    let bad = chat.ask(OWNER, "#绑定推广位 淘宝 123").await;
    assert!(bad.contains("淘宝推广位格式不对") && bad.contains("用法：#绑定推广位 <平台> <PID>"), "{bad}");
    assert!(chat.ask(OWNER, "#绑定推广位 唯品会 123").await.contains("平台可选"));
    assert!(chat.ask(OWNER, "#绑定推广位 京东").await.contains("请发送推广位 PID"));
    assert!(chat.ask(OWNER, "3100000009").await.contains("本群京东推广位已绑定为 3100000009"));

    assert_eq!(chat.say(ALICE, JD_LINK).await.len(), 2);
    let conv = chat.app.store.recent_conversions(1).await.unwrap().remove(0);
    assert_eq!(conv.pid, "3100000009", "the group's own PID");
    assert!(chat.ask(OWNER, "#群状态").await.contains("京东 3100000009（本群）"));

    let taken = "3100000077";
    chat.app.store.set_pid(Platform::Jd, taken, "别人的", PidOwner::Partner(424242), 1).await.unwrap();
    assert!(chat.ask(OWNER, &format!("#绑定推广位 京东 {taken}")).await.contains("已被其他群或合伙人使用"));
    assert!(chat.ask(OWNER, "#绑定推广位 jd 3100000010").await.contains("已绑定为 3100000010"));
}

#[tokio::test]
async fn group_status_shows_switches_pids_and_todays_conversions() {
    let chat = Chat::with_owner().await;
    assert_eq!(chat.say(ALICE, JD_LINK).await.len(), 2);
    chat.ask(OWNER, "#关闭查券").await;
    chat.ask(OWNER, "#设置关键词 发货 48 小时内").await;
    assert!(chat.ask(ALICE, "#群状态").await.contains("只有群主或管理员可以使用"));
    assert!(chat.ask(OWNER, "#群状态 详细").await.contains("参数太多了\n用法：#群状态"));
    let status = chat.ask(OWNER, "#群状态").await;
    for part in [
        "功能：转链 开 · 签到 开 · 查券 关 · 欢迎语 开 · 自动回复 开",
        "群主：群主老王",
        "免打扰：无",
        &format!("京东 {}（默认）", dealbot::demo::DEMO_JD_PID),
        "自动回复 1 条，问答 0 条",
        "今日转链：1 次",
    ] {
        assert!(status.contains(part), "{part} in {status}");
    }
}
