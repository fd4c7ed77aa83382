(() => {
  'use strict';

  // The page is served at …/gewe/playground (with or without a trailing slash); its API sits below that path.
  const BASE = location.pathname.replace(/\/+$/, '');
  const POLL_MS = 1000;
  const HIDDEN_POLL_MS = 5000;
  const TYPING_MS = 20000;
  const NICKNAMES = ['阿明', '小红', '老王', '琪琪', '大刘', '阿杰'];
  const MEMBER_SAMPLES = [
    { label: '拼多多链接', text: 'https://mobile.yangkeduo.com/goods.html?goods_id=386512047723' },
    { label: '京东链接', text: 'https://item.jd.com/100087654321.html' },
    { label: '淘口令', text: '￥Rt7bQm2XzPa￥' },
    {
      label: '京东卡片',
      card: {
        title: '【京东】加厚抽纸24包',
        desc: '京东价 ¥39.90',
        url: 'https://item.m.jd.com/product/100056781234.html?utm_source=share&utm_medium=weixin',
      },
    },
    { label: '签到', text: '签到' },
    { label: '积分', text: '积分' },
    { label: '查券 耳机', text: '查券 耳机' },
    { label: '下一页', text: '下一页' },
    { label: '我的', text: '我的' },
    { label: '帮助', text: '帮助' },
  ];
  // Money commands: they answer in private chat only.
  const PRIVATE_SAMPLES = [
    { label: '我的', text: '我的' },
    { label: '订单', text: '订单' },
    { label: '提现 1', text: '提现 1' },
    { label: '帮助', text: '帮助' },
  ];
  const GROUP_ROOM = '45810326871@chatroom';
  const PRIVATE_ROOM = 'private';
  // Owner commands; those without arguments make the robot ask for them.
  const OWNER_SAMPLES = [
    { label: '#帮助', text: '#帮助' },
    { label: '#群状态', text: '#群状态' },
    { label: '#关闭 签到', text: '#关闭 签到' },
    { label: '#开启 签到', text: '#开启 签到' },
    { label: '#设置关键词 发货 …', text: '#设置关键词 发货 下单后 48 小时内发货' },
    { label: '#设置关键词（追问）', text: '#设置关键词' },
    { label: '#关键词列表', text: '#关键词列表' },
    { label: '#设置问答 …', text: '#设置问答 如何领取优惠券 点商品链接里的「领券」按钮就行' },
    { label: '#设置欢迎语 …', text: '#设置欢迎语 欢迎{新人}！发链接给我领券省钱～' },
    { label: '#设置文案 …', text: '#设置文案 🔥{标题}\n到手 {券后价}\n{链接}' },
    { label: '#绑定推广位 京东 …', text: '#绑定推广位 京东 3100000002' },
    { label: '#设置免打扰 23-7', text: '#设置免打扰 23-7' },
    { label: '#关闭免打扰', text: '#关闭免打扰' },
  ];

  const $ = (id) => document.getElementById(id);
  const log = $('log');
  const input = $('text');
  const sendButton = $('send');
  const statusBar = $('status');
  const typing = $('typing');
  const toast = $('toast');
  const viewer = $('viewer');

  let member = localStorage.getItem('pg.nickname') || NICKNAMES[Math.floor(Math.random() * NICKNAMES.length)];
  let owner = { nickname: '群主老王', wxid: '' };
  let asOwner = localStorage.getItem('pg.owner') === '1';
  let me = asOwner ? owner.nickname : member;
  let bot = { nickname: '省钱小助手', wxid: '' };
  let rooms = [{ room: GROUP_ROOM, name: '省钱福利群' }];
  let room = localStorage.getItem('pg.room') || GROUP_ROOM;
  let myWxid = '';
  let groupInfo = { name: '省钱福利群', memberCount: 0 };
  const entries = [];
  // Robot messages a buyer has paid through (their 下单 stays pressed when the room is shown again).
  const bought = new Set();
  let after = 0;
  let lastShownAt = 0;
  let waitingSince = 0;
  let pollTimer = 0;
  let toastTimer = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showMe() {
    me = asOwner ? owner.nickname : member;
    $('me').textContent = me;
    $('role').textContent = asOwner ? '切换为群友' : '切换为群主';
    localStorage.setItem('pg.nickname', member);
    localStorage.setItem('pg.owner', asOwner ? '1' : '0');
    showSamples();
    loadRooms();
  }

  // The rooms, and the wxid of the current identity (the peer of its private chat).
  async function loadRooms() {
    try {
      const r = await fetch(`${BASE}/rooms?nickname=${encodeURIComponent(me)}`, { cache: 'no-store' });
      if (!r.ok) return;
      rooms = await r.json();
      const mine = rooms.find((x) => x.room === PRIVATE_ROOM);
      myWxid = (mine && mine.peer) || '';
      if (!rooms.some((x) => x.room === room)) room = GROUP_ROOM;
      showRooms();
      rerender();
    } catch (e) {
      // The poll reports connection problems.
    }
  }

  function showRooms() {
    const nav = $('rooms');
    nav.replaceChildren();
    for (const x of rooms) {
      const tab = el('button', x.room === room ? 'room active' : 'room', x.name);
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', x.room === room ? 'true' : 'false');
      tab.dataset.room = x.room;
      tab.addEventListener('click', () => {
        room = x.room;
        localStorage.setItem('pg.room', room);
        showRooms();
        showSamples();
        rerender();
      });
      nav.append(tab);
    }
    showTitle();
  }

  function showTitle() {
    const current = rooms.find((x) => x.room === room);
    if (room === PRIVATE_ROOM) {
      $('room-name').textContent = `${bot.nickname}（私聊）`;
      $('member-count').textContent = '';
    } else if (room === GROUP_ROOM) {
      $('room-name').textContent = groupInfo.name;
      $('member-count').textContent = groupInfo.memberCount ? `(${groupInfo.memberCount})` : '';
    } else {
      $('room-name').textContent = current ? current.name : room;
      $('member-count').textContent = '';
    }
  }

  function visible(entry) {
    if (entry.room !== room) return false;
    return room !== PRIVATE_ROOM || entry.peer === myWxid;
  }

  function rerender() {
    log.querySelectorAll('.msg, .sys, .time').forEach((n) => n.remove());
    lastShownAt = 0;
    for (const entry of entries) if (visible(entry)) render(entry);
    scrollToEnd(true);
  }

  function showToast(message) {
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 3500);
  }

  function setStatus(message) {
    statusBar.textContent = message || '';
    statusBar.hidden = !message;
  }

  function hue(s) {
    let h = 0;
    for (const ch of s) h = (h * 31 + ch.codePointAt(0)) % 360;
    return h;
  }

  function avatar(entry) {
    const isBot = entry.from === 'bot';
    const a = el('div', isBot ? 'avatar bot' : 'avatar', Array.from(entry.nickname || '?')[0]);
    if (!isBot) a.style.background = `hsl(${hue(entry.wxid || entry.nickname)}, 45%, 58%)`;
    a.setAttribute('aria-hidden', 'true');
    return a;
  }

  // Text with links and @mentions marked up, built from text nodes only.
  const TOKENS = /(https?:\/\/[^\s<>"'，。！？；「」【】《》（）()[\]{}￥¥\u2005]+)|((?<![^\s\u2005])@[^@\s\u2005]{1,32})(?=[\u2005 ]|$)/g;
  function richText(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(TOKENS)) {
      if (m.index > last) frag.append(text.slice(last, m.index));
      if (m[1]) {
        const a = el('a', '', m[1]);
        a.href = m[1];
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        frag.append(a);
      } else {
        frag.append(el('span', 'at', m[2]));
      }
      last = m.index + m[0].length;
    }
    frag.append(text.slice(last));
    return frag;
  }

  function card(link) {
    const c = el('a', 'card');
    c.href = link.url;
    c.target = '_blank';
    c.rel = 'noopener noreferrer';
    c.append(el('b', '', link.title));
    const row = el('div', 'row');
    row.append(el('div', 'desc', link.desc || link.url));
    row.append(el('div', 'thumb', Array.from(link.title.replace(/^【(.)/, '$1'))[0] || '链'));
    c.append(row, el('div', 'foot', '链接'));
    return c;
  }

  function timeLabel(ms) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function render(entry) {
    if (entry.at - lastShownAt > 5 * 60 * 1000) {
      log.append(el('div', 'time', timeLabel(entry.at)));
    }
    lastShownAt = entry.at;
    if (entry.from === 'system') {
      const sys = el('div', 'sys');
      sys.append(el('span', '', entry.text));
      log.append(sys);
      return;
    }
    const mine = entry.from === 'member' && entry.nickname === me;
    const row = el('div', mine ? 'msg mine' : 'msg');
    const body = el('div', 'body');
    if (!mine) {
      const name = el('div', 'name', entry.nickname);
      if (entry.from === 'bot') name.append(el('span', 'tag', '机器人'));
      body.append(name);
    }
    if (entry.kind === 'image' && entry.image) {
      const img = el('img', 'photo');
      img.src = `${BASE}/${entry.image}`;
      img.alt = '海报';
      img.loading = 'lazy';
      img.addEventListener('click', () => openViewer(img.src));
      img.addEventListener('load', () => scrollToEnd(true), { once: true });
      body.append(img);
    } else if (entry.kind === 'link' && entry.link) {
      body.append(card(entry.link));
    } else {
      const bubble = el('div', 'bubble');
      bubble.append(richText(entry.text));
      body.append(bubble);
    }
    if (entry.from === 'bot' && PROMOTION.test(entry.text + (entry.link ? ` ${entry.link.url}` : ''))) {
      const buy = el('button', 'buy', bought.has(entry.seq) ? '已下单' : '下单');
      buy.type = 'button';
      buy.disabled = bought.has(entry.seq);
      buy.dataset.seq = entry.seq;
      buy.title = '模拟一位买家通过这个推广链接付款';
      buy.addEventListener('click', () => order(entry.seq, buy));
      body.append(buy);
    }
    row.append(avatar(entry), body);
    log.append(row);
  }

  // A union link or 淘口令 in a robot message: a promotion a buyer can pay through.
  const PROMOTION = /https?:\/\/|￥[^￥\s]{6,}￥/;

  async function order(seq, button) {
    button.disabled = true;
    const answer = await action('order', { seq });
    if (answer) {
      bought.add(seq);
      button.textContent = '已下单';
      const names = { jd: '京东', pdd: '拼多多', taobao: '淘宝' };
      showToast(`买家已付款：${names[answer.platform] || answer.platform}订单 ${answer.order}。点「快进」让订单收货、结算`);
    } else {
      button.disabled = false;
    }
  }

  async function advance(days, button) {
    button.disabled = true;
    setStatus(`快进 ${days} 天：联盟的时间前进，dealbot 正在同步订单…`);
    const answer = await action('advance', { days });
    button.disabled = false;
    setStatus('');
    if (answer) showToast(`已快进 ${days} 天，订单已同步。到「私聊」发「我的」看返利，到管理后台看佣金`);
  }

  // POSTs to the playground; the answer, or null after showing its error.
  async function action(path, payload, what = '操作') {
    try {
      const r = await fetch(`${BASE}/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const answer = await r.json().catch(() => ({ ok: false, error: `HTTP ${r.status}` }));
      if (!answer.ok) {
        showToast(answer.error || `${what}失败`);
        return null;
      }
      return answer;
    } catch (e) {
      showToast(`${what}失败：连不上模拟网关`);
      return null;
    } finally {
      poll();
    }
  }

  function nearEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function scrollToEnd(force) {
    if (force || nearEnd()) log.scrollTop = log.scrollHeight;
  }

  function openViewer(src) {
    viewer.querySelector('img').src = src;
    viewer.hidden = false;
  }
  viewer.addEventListener('click', () => { viewer.hidden = true; });

  function updateTyping() {
    const waiting = waitingSince && Date.now() - waitingSince < TYPING_MS;
    typing.hidden = !waiting;
    if (waiting) typing.querySelector('span').textContent = `${bot.nickname} 正在输入`;
  }

  async function poll() {
    clearTimeout(pollTimer);
    try {
      const r = await fetch(`${BASE}/messages?after=${after}`, { cache: 'no-store' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const page = await r.json();
      bot = page.bot;
      if (page.owner && page.owner.nickname !== owner.nickname) {
        owner = page.owner;
        showMe();
      }
      groupInfo = page.room;
      showTitle();
      const dashboard = $('dashboard');
      dashboard.hidden = !page.dashboard;
      if (page.dashboard) dashboard.href = page.dashboard;
      setStatus(page.connected ? '' : 'dealbot 还没有连上：模拟网关没有设置回调地址，消息只会显示在这里。');
      if (page.reset) {
        entries.length = 0;
        bought.clear();
        rerender();
      }
      const stick = nearEnd();
      const shown = [];
      for (const entry of page.messages) {
        entries.push(entry);
        if (visible(entry)) {
          render(entry);
          shown.push(entry);
        }
        if (entry.from === 'bot') waitingSince = 0;
      }
      after = page.last;
      if (shown.length) scrollToEnd(stick || shown.some((m) => m.nickname === me));
    } catch (e) {
      setStatus('与模拟网关的连接中断，正在重试…');
    }
    updateTyping();
    pollTimer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  }

  async function post(path, payload) {
    sendButton.disabled = true;
    const answer = await action(path, payload, '发送');
    sendButton.disabled = false;
    if (answer) waitingSince = Date.now();
    return Boolean(answer);
  }

  function say(text) {
    return post('say', { nickname: me, text, room });
  }

  function autoGrow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }

  $('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (await say(text)) {
      input.value = '';
      autoGrow();
    }
  });

  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $('form').requestSubmit();
    }
  });
  input.addEventListener('input', autoGrow);

  $('at-bot').addEventListener('click', () => {
    const mention = `@${bot.nickname} `;
    const start = input.selectionStart ?? input.value.length;
    input.value = input.value.slice(0, start) + mention + input.value.slice(input.selectionEnd ?? start);
    input.focus();
    input.selectionStart = input.selectionEnd = start + mention.length;
    autoGrow();
  });

  $('who').addEventListener('click', () => {
    if (asOwner) {
      showToast('群主身份的昵称是固定的；先切换为群友再改昵称');
      return;
    }
    const name = (prompt('你的群昵称（1–16 个字，不含 @）', member) || '').trim();
    if (!name) return;
    if (name.length > 16 || name.includes('@') || name === owner.nickname) {
      showToast('昵称需为 1–16 个字，不含 @，也不能用群主的昵称');
      return;
    }
    member = name;
    showMe();
  });

  $('role').addEventListener('click', () => {
    asOwner = !asOwner;
    showMe();
    showToast(asOwner ? `现在你是群主「${owner.nickname}」，可以试 # 开头的群主命令` : `现在你是群友「${member}」`);
  });

  // The sample chips of the current identity.
  function showSamples() {
    const samples = $('samples');
    samples.replaceChildren();
    const list = room === PRIVATE_ROOM ? PRIVATE_SAMPLES : asOwner ? OWNER_SAMPLES : MEMBER_SAMPLES;
    const ownerChips = asOwner && room !== PRIVATE_ROOM;
    for (const sample of list) {
      const chip = el('button', ownerChips ? 'chip owner' : 'chip');
      chip.type = 'button';
      chip.append(el('em', '', sample.card ? '▣' : '↗'), sample.label);
      chip.title = sample.text || sample.card.url;
      chip.addEventListener('click', () => {
        if (sample.card) post('share', { nickname: me, room, ...sample.card });
        else say(sample.text);
      });
      samples.append(chip);
    }
  }

  $('advance-1').addEventListener('click', (ev) => advance(1, ev.currentTarget));
  $('advance-30').addEventListener('click', (ev) => advance(30, ev.currentTarget));
  // Plays the phone: scans the newest login QR shown on the dashboard and confirms the login.
  $('scan').addEventListener('click', async () => {
    if (await action('scan', {}, '扫码')) showToast('已扫码并确认登录，管理后台的机器人随即上线');
  });

  document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });

  showMe();
  poll();
})();
