// dealbot admin: the phone menu and confirmations. Pages work without it.
document.addEventListener("click", (e) => {
  const t = e.target.closest("[data-toggle]");
  if (t) document.getElementById(t.dataset.toggle)?.classList.toggle("open");
});
document.addEventListener("submit", (e) => {
  const msg = e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// Shared by the scripted pages: JSON calls with the session's CSRF token, and element building.
const adminCsrf = () => document.querySelector("input[name=_csrf]")?.value || "";
const postJson = async (url, payload) => {
  const r = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": adminCsrf() },
    body: JSON.stringify(payload),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || data.message || "请求失败（" + r.status + "）");
  return data;
};
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
// 群发: preview and send through /admin/api/mass-posts with the session's CSRF token.
(() => {
  const form = document.getElementById("mass-form");
  if (!form) return;
  const status = document.getElementById("mass-status");
  const body = () => ({
    text: form.elements.text.value,
    link: form.elements.link.value,
    groups: [...form.querySelectorAll("input[name=groups]:checked")].map((c) => Number(c.value)),
    friends: [...form.querySelectorAll("input[name=friends]:checked")].map((c) => ({
      robot_id: Number(c.dataset.robotId),
      wxid: c.value,
    })),
    schedule: form.elements.schedule.value,
    at: form.elements.at.value,
    time: form.elements.time.value,
    image_media_id: form.elements.image_media_id.value,
  });
  form.elements.image.addEventListener("change", async () => {
    const file = form.elements.image.files[0];
    form.elements.image_media_id.value = "";
    if (!file) return;
    status.textContent = "正在上传图片…";
    const r = await fetch("/admin/api/mass-posts/images", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": adminCsrf() },
      body: file,
    });
    const data = await r.json().catch(() => ({}));
    if (r.ok) {
      form.elements.image_media_id.value = data.media_id;
      status.textContent = "图片已上传";
    } else {
      status.textContent = data.error || "图片上传失败（" + r.status + "）";
    }
  });
  // One recipient's preview: its poster and texts, the promotion link, or why it cannot be sent.
  const card = (cls, title, p) => {
    const c = el("div", "card " + cls);
    c.append(el("h3", "", title));
    for (const b of p.bodies) {
      if (b.type === "image") {
        const img = el("img", "mass-image");
        img.src = b.url;
        img.alt = "海报";
        c.append(img);
      } else if (b.type === "text") {
        c.append(el("pre", "mass-text", b.content));
      }
    }
    if (p.promotion_url) c.append(el("p", "mass-link", p.promotion_url));
    if (p.error) c.append(el("p", "mass-error warn", p.error));
    return c;
  };
  document.getElementById("mass-preview-button").addEventListener("click", async () => {
    const out = document.getElementById("mass-preview");
    out.replaceChildren();
    status.textContent = "正在生成预览…";
    try {
      const data = await postJson("/admin/api/mass-posts/preview", body());
      for (const g of data.groups) {
        const c = card("mass-preview-group", g.group_name, g);
        c.dataset.groupId = g.group_id;
        out.append(c);
      }
      for (const f of data.friends || []) {
        const c = card("mass-preview-friend", "私聊 " + f.wxid, f);
        c.dataset.wxid = f.wxid;
        out.append(c);
      }
      status.textContent = "预览已生成";
    } catch (e) {
      status.textContent = e.message;
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    status.textContent = "正在提交…";
    try {
      const data = await postJson("/admin/api/mass-posts", body());
      status.textContent = "已保存群发 #" + data.id + "，已发出 " + data.queued + " 个群或好友";
      setTimeout(() => window.location.reload(), 800);
    } catch (err) {
      status.textContent = err.message;
    }
  });
})();

// ---------------------------------------------------------------------------------------------------------------
// 采集: save a source, remove one, and the live preview through /admin/api/collection with the CSRF token.
(() => {
  const form = document.getElementById("collect-form");
  if (!form) return;
  const status = document.getElementById("collect-status");
  const checked = (name) => [...form.querySelectorAll("input[name=" + name + "]:checked")].map((c) => c.value);
  const number = (name) => (form.elements[name].value === "" ? null : Number(form.elements[name].value));
  const body = () => ({
    group_id: Number(form.elements.group_id.value),
    targets: checked("targets").map(Number),
    senders: form.elements.senders.value,
    announcers: form.elements.announcers.value,
    rules: form.elements.rules.value,
    include: form.elements.include.value,
    exclude: form.elements.exclude.value,
    platforms: checked("platforms"),
    min_price: form.elements.min_price.value,
    min_coupon: form.elements.min_coupon.value,
    min_commission: form.elements.min_commission.value,
    gap_secs: number("gap_secs"),
    cap_per_hour: number("cap_per_hour"),
    cap_per_day: number("cap_per_day"),
    max_wait_mins: number("max_wait_mins"),
    keep_images: form.elements.keep_images.checked,
    pair_window_secs: number("pair_window_secs"),
    dedup_hours: number("dedup_hours"),
    text: form.elements.text.value,
  });
  document.getElementById("collect-preview-button").addEventListener("click", async () => {
    const out = document.getElementById("collect-preview");
    out.replaceChildren();
    status.textContent = "正在生成预览…";
    try {
      const data = await postJson("/admin/api/collection/preview", body());
      for (const g of data.groups) {
        const card = el("div", "card collect-preview-group");
        card.dataset.groupId = g.group_id;
        card.append(el("h3", "", g.group_name));
        if (g.text) card.append(el("pre", "collect-preview-text", g.text));
        if (g.dropped) card.append(el("p", "collect-preview-dropped warn", "不转发：" + g.dropped));
        out.append(card);
      }
      status.textContent = data.groups.length ? "预览已生成" : "请先选择目标群";
    } catch (err) {
      status.textContent = err.message;
    }
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await postJson("/admin/api/collection/sources", body());
      status.textContent = "已保存";
      window.location.reload();
    } catch (err) {
      status.textContent = err.message;
    }
  });
  for (const b of document.querySelectorAll("button.collect-remove")) {
    b.addEventListener("click", async () => {
      try {
        await postJson("/admin/api/collection/sources/" + b.dataset.groupId + "/delete", {});
        window.location.reload();
      } catch (err) {
        status.textContent = err.message;
      }
    });
  }
})();
// 机器人扫码登录: polls /admin/api/robots/{id}/login and shows the QR's state (a refreshed QR replaces an expired one).
(() => {
  const box = document.getElementById("robot-login");
  if (!box) return;
  const status = document.getElementById("robot-login-status");
  const img = document.getElementById("robot-login-qr");
  const poll = async () => {
    let data = {};
    try {
      const r = await fetch("/admin/api/robots/" + box.dataset.robot + "/login", { credentials: "same-origin" });
      data = await r.json().catch(() => ({}));
      if (!r.ok) {
        status.textContent = data.error || "查询失败（" + r.status + "）";
        return setTimeout(poll, 3000);
      }
    } catch (e) {
      return setTimeout(poll, 3000);
    }
    box.dataset.status = data.status;
    if (data.qr_png) img.src = data.qr_png;
    if (data.status === "waiting") status.textContent = "等待扫码（二维码 " + data.expires_in + " 秒后过期，过期自动刷新）";
    else if (data.status === "scanned") status.textContent = data.nickname + " 已扫码，请在手机上确认登录";
    else if (data.status === "online") {
      img.hidden = true;
      status.textContent = "登录成功：" + data.nickname + "（" + data.wxid + "），已注册回调并同步群";
      return;
    } else if (data.status === "cancelled") return (status.textContent = "已在手机上取消登录，请刷新页面重新获取二维码");
    else if (data.status === "verify") status.textContent = "网关要求验证：" + data.detail;
    else if (data.status === "idle") return (status.textContent = "没有进行中的登录，请刷新页面");
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 1000);
})();
