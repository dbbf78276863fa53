/*
 * kbqa widget: one <script> tag adds a question-answering chat to any page.
 *
 *   <script src="http://HOST:7860/widget.js" data-title="智慧城市报告问答" async></script>
 *
 * Settings (data-* attributes): title, position ("right" | "left"), open ("true" to open on
 * load), question (pre-filled question), accent (any CSS colour). The /embed page sets
 * data-embed="true" and may pass the same settings as URL parameters.
 *
 * The panel lives in a shadow root inside a top-layer popover, so the host page's CSS and
 * z-index cannot reach it. Text from the server or the visitor is only ever inserted as
 * text nodes (textContent / append), never parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript || unclaimedScript();
  if (!script || script.hasAttribute("data-kbqa-started")) return;
  script.setAttribute("data-kbqa-started", "");

  var SRC = new URL(script.src, document.baseURI);
  var BASE = SRC.origin + SRC.pathname.replace(/\/widget\.js$/, "");
  var HISTORY_TURNS = 5;
  var TIMEOUT_MS = 30000;
  var DEFAULT_ACCENT = "#1d4ed8";

  var TEXT = {
    open: "打开问答",
    close: "关闭",
    newChat: "新对话",
    greeting: "你好!请输入关于报告的问题。回答摘自报告原文,[n] 标出引用的段落。",
    placeholder: "输入问题,按 Enter 发送",
    send: "发送",
    loading: "正在查找报告中的相关段落…",
    sources: "引用段落",
    more: "其他相关段落",
    suggestions: "可以看看这些章节:",
    generated: "由语言模型依据引用段落撰写,每句已与原文核对",
    footer: "Enter 发送 · Shift+Enter 换行 · Esc 关闭",
    unreachable: "无法连接到问答服务器,请检查网络或稍后再试。",
    notAllowed: "此网站未获授权使用该问答服务。",
    notAllowedHint: "网站管理员:请把 {origin} 加入问答服务器的 KBQA_ALLOWED_ORIGINS。",
    rateLimited: "提问太频繁了,请 {s} 秒后再试。",
    rateLimitedSoon: "提问太频繁了,请稍后再试。",
    timeout: "服务器响应超时,请稍后再试。",
    serverError: "服务器出错了,请稍后再试。",
    httpError: "服务器返回了错误(HTTP {status})。",
    feedbackAsk: "这个回答有帮助吗?",
    feedbackUp: "有帮助",
    feedbackDown: "没帮助",
    feedbackThanks: "谢谢你的反馈!",
    feedbackWhy: "哪里不好?写下意见能帮我们改进(选填)",
    feedbackSend: "提交意见",
    feedbackSent: "已收到你的意见,谢谢!",
    feedbackFailed: "反馈没有发送成功:",
  };

  function unclaimedScript() {
    // document.currentScript is null when the tag was injected by a loader that ran us later.
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#].*)?$/.test(all[i].src) && !all[i].hasAttribute("data-kbqa-started")) return all[i];
    }
    return null;
  }

  function readOptions() {
    var data = script.dataset;
    var embed = data.embed === "true";
    var params = embed ? new URLSearchParams(location.search) : null;
    function get(name, fallback) {
      var value = params && params.get(name);
      if (value === null || value === undefined) value = data[name];
      value = value === undefined || value === null ? "" : String(value).trim();
      return value || fallback;
    }
    var accent = get("accent", DEFAULT_ACCENT);
    var supports = window.CSS && CSS.supports;
    return {
      embed: embed,
      title: get("title", "报告问答"),
      left: get("position", "right") === "left",
      open: embed || get("open", "false") === "true",
      question: get("question", ""),
      accent: supports && CSS.supports("color", accent) ? accent : DEFAULT_ACCENT,
    };
  }

  var CSS_TEXT = [
    ":host { all: initial !important; display: block !important; position: fixed !important;",
    "  inset: auto 20px 20px auto !important; width: 56px !important; height: 56px !important;",
    "  margin: 0 !important; padding: 0 !important; border: 0 !important; background: transparent !important;",
    "  overflow: visible !important; transform: none !important; filter: none !important; opacity: 1 !important;",
    "  visibility: visible !important; clip-path: none !important; pointer-events: none !important;",
    "  z-index: 2147483647 !important; }",
    ":host(.left) { inset: auto auto 20px 20px !important; }",
    ":host(.embed) { inset: 0 !important; width: 100% !important; height: 100% !important; }",
    ":host::backdrop { display: none !important; }",
    "* { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".root { --accent: " + DEFAULT_ACCENT + "; position: absolute; inset: 0; pointer-events: auto;",
    "  font: 14px/1.6 system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB',",
    "  'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif; color: #1f2937; text-align: left; }",
    "button { font: inherit; color: inherit; cursor: pointer; }",
    "button:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }",
    ".launcher { position: absolute; inset: 0; width: 56px; height: 56px; border: 0; border-radius: 50%;",
    "  background: var(--accent); color: #fff; display: grid; place-items: center; padding: 0;",
    "  box-shadow: 0 6px 20px rgba(0,0,0,.25); transition: transform .15s; }",
    ".launcher:hover { transform: scale(1.06); }",
    ".launcher svg { width: 26px; height: 26px; }",
    ".panel { position: absolute; right: 0; bottom: 72px; width: 380px; height: 600px;",
    "  max-height: calc(100vh - 112px); max-width: calc(100vw - 40px); display: flex; flex-direction: column;",
    "  background: #fff; border-radius: 14px; overflow: hidden; box-shadow: 0 12px 40px rgba(0,0,0,.28);",
    "  border: 1px solid rgba(0,0,0,.08); }",
    ".left .panel { right: auto; left: 0; }",
    ".embed .panel { inset: 0; width: auto; height: auto; max-height: none; max-width: none;",
    "  border-radius: 0; border: 0; box-shadow: none; }",
    "header { display: flex; align-items: center; gap: 6px; padding: 10px 10px 10px 16px;",
    "  background: var(--accent); color: #fff; flex: none; }",
    "h2 { margin: 0; flex: 1; font-size: 15px; font-weight: 600; white-space: nowrap; overflow: hidden;",
    "  text-overflow: ellipsis; }",
    "header button { border: 0; background: rgba(255,255,255,.16); color: #fff; border-radius: 8px;",
    "  height: 30px; padding: 0 10px; font-size: 13px; display: inline-flex; align-items: center; gap: 4px; }",
    "header button:hover { background: rgba(255,255,255,.28); }",
    "header .close { width: 30px; padding: 0; justify-content: center; }",
    "header svg { width: 16px; height: 16px; }",
    ".log { flex: 1; overflow-y: auto; padding: 14px; background: #f6f7f9; display: flex;",
    "  flex-direction: column; gap: 10px; overscroll-behavior: contain; }",
    ".msg { max-width: 92%; padding: 9px 12px; border-radius: 12px; white-space: pre-wrap;",
    "  overflow-wrap: anywhere; }",
    ".user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }",
    ".bot { align-self: flex-start; background: #fff; border: 1px solid #e5e7eb; border-bottom-left-radius: 4px; }",
    ".bot p { margin: 0; }",
    ".refused { background: #fffbeb; border-color: #fcd34d; }",
    ".error { background: #fef2f2; border-color: #fca5a5; color: #991b1b; }",
    ".hint { display: block; margin-top: 4px; font-size: 12px; color: #7f1d1d; }",
    ".mode { display: block; margin-top: 4px; font-size: 11px; color: #6b7280; }",
    ".cite { border: 0; background: none; margin: 0; padding: 0 1px; color: var(--accent); font-weight: 600;",
    "  font-size: 11px; line-height: 1; vertical-align: super; }",
    ".cite:hover { text-decoration: underline; }",
    ".sources { margin-top: 8px; border-top: 1px solid #eef0f3; padding-top: 6px; white-space: normal; }",
    ".sources h3 { margin: 0 0 4px; font-size: 12px; font-weight: 600; color: #6b7280; }",
    ".sources ol, .sources ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; }",
    ".source { border: 1px solid #e5e7eb; border-radius: 8px; background: #fafafa; }",
    ".source.flash { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }",
    ".source summary { cursor: pointer; padding: 5px 8px; font-size: 13px; display: flex; gap: 6px;",
    "  align-items: baseline; list-style: none; }",
    ".source summary::-webkit-details-marker { display: none; }",
    ".source summary::before { content: '▸'; color: #9ca3af; font-size: 11px; }",
    ".source[open] summary::before { content: '▾'; }",
    ".n { color: var(--accent); font-weight: 600; flex: none; }",
    ".sec { font-weight: 600; }",
    ".doc { color: #6b7280; font-size: 12px; }",
    ".stitle { color: #374151; }",
    ".source p { margin: 0; padding: 0 10px 8px; font-size: 13px; color: #374151; white-space: pre-wrap; }",
    "mark { background: #fef08a; color: inherit; padding: 0 1px; border-radius: 2px; }",
    ".more { margin-top: 6px; }",
    ".more > summary { cursor: pointer; font-size: 12px; color: #6b7280; }",
    ".more ol { margin-top: 4px; }",
    ".suggest { margin: 6px 0 0; padding-left: 18px; white-space: normal; }",
    ".loading { color: #6b7280; }",
    ".dots::after { content: ''; display: inline-block; width: 1.5em; text-align: left;",
    "  animation: dots 1.2s steps(4, end) infinite; }",
    "@keyframes dots { 0% { content: ''; } 25% { content: '.'; } 50% { content: '..'; } 75% { content: '...'; } }",
    "@media (prefers-reduced-motion: reduce) { .dots::after { animation: none; content: '…'; } }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e5e7eb; background: #fff; flex: none; }",
    "textarea { flex: 1; resize: none; border: 1px solid #d1d5db; border-radius: 10px; padding: 8px 10px;",
    "  font: inherit; color: inherit; background: #fff; height: 40px; max-height: 120px; line-height: 1.5; }",
    "textarea:focus { outline: none; border-color: var(--accent); }",
    "form button { flex: none; border: 0; border-radius: 10px; background: var(--accent); color: #fff;",
    "  padding: 0 16px; font-weight: 600; }",
    "form button:disabled { opacity: .5; cursor: default; }",
    ".foot { margin: 0; padding: 0 12px 8px; font-size: 11px; color: #9ca3af; background: #fff; flex: none; }",
    ".feedback { margin-top: 8px; border-top: 1px solid #eef0f3; padding-top: 6px; display: flex; flex-wrap: wrap;",
    "  gap: 6px; align-items: center; font-size: 12px; color: #6b7280; white-space: normal; }",
    ".feedback .vote { border: 1px solid #d1d5db; background: #fff; border-radius: 999px; padding: 1px 10px;",
    "  font-size: 12px; color: #374151; }",
    ".feedback .vote:hover, .feedback .vote[aria-pressed='true'] { border-color: var(--accent); color: var(--accent); }",
    ".feedback .why { display: flex; flex-direction: column; gap: 4px; width: 100%; }",
    ".feedback .why textarea { height: 56px; max-height: none; font-size: 13px; }",
    ".feedback .why button { align-self: flex-end; border: 0; border-radius: 8px; background: var(--accent);",
    "  color: #fff; padding: 3px 12px; font-size: 12px; }",
    "@media (max-width: 480px) {",
    "  .panel { position: fixed; inset: 0; width: auto; height: auto; max-width: none; max-height: none;",
    "    border-radius: 0; border: 0; }",
    "  .open .launcher { display: none; }",
    "  .foot { display: none; }",
    "}",
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.append(child); // strings become text nodes
    });
    return node;
  }

  function icon(paths) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    paths.forEach(function (d) {
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      svg.append(path);
    });
    return svg;
  }

  var ICON_CHAT = ["M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z", "M8.5 11h.01M12 11h.01M15.5 11h.01"];
  var ICON_CLOSE = ["M6 6l12 12", "M18 6L6 18"];
  var ICON_DOWN = ["M6 9l6 6 6-6"];
  var ICON_NEW = ["M12 5v14", "M5 12h14"];

  /* Passage text with its highlight spans (code-point offsets, as the server counts) as <mark>. */
  function highlighted(text, spans) {
    var chars = Array.from(text);
    var frag = document.createDocumentFragment();
    var at = 0;
    (Array.isArray(spans) ? spans.slice() : [])
      .filter(function (s) { return Array.isArray(s) && s.length === 2; })
      .sort(function (a, b) { return a[0] - b[0]; })
      .forEach(function (span) {
        var start = Math.max(Number(span[0]) || 0, at);
        var end = Math.min(Number(span[1]) || 0, chars.length);
        if (end <= start) return;
        frag.append(chars.slice(at, start).join(""), el("mark", { text: chars.slice(start, end).join("") }));
        at = end;
      });
    frag.append(chars.slice(at).join(""));
    return frag;
  }

  function Widget(options) {
    this.options = options;
    this.history = [];
    this.busy = false;
    this.conversation = 0;
    this.build();
  }

  Widget.prototype.build = function () {
    var o = this.options;
    var self = this;
    var host = (this.host = document.createElement("kbqa-widget"));
    if (o.left) host.classList.add("left");
    if (o.embed) host.classList.add("embed");
    var shadow = host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in shadow && window.CSSStyleSheet) {
      var sheet = new CSSStyleSheet(); // not subject to the host page's style-src CSP
      sheet.replaceSync(CSS_TEXT);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.append(el("style", { text: CSS_TEXT }));
    }

    this.root = el("div", { class: "root" + (o.left ? " left" : "") + (o.embed ? " embed" : ""), lang: "zh-CN" });
    this.root.style.setProperty("--accent", o.accent);

    this.launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
      "aria-label": TEXT.open + ":" + o.title, title: o.title });
    this.launcher.append(icon(ICON_CHAT));

    this.title = el("h2", { text: o.title });
    this.newButton = el("button", { class: "new", type: "button", title: TEXT.newChat }, [icon(ICON_NEW), TEXT.newChat]);
    var headerItems = [this.title, this.newButton];
    if (!o.embed) {
      this.closeButton = el("button", { class: "close", type: "button", "aria-label": TEXT.close, title: TEXT.close });
      this.closeButton.append(icon(ICON_CLOSE));
      headerItems.push(this.closeButton);
    }
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite" });
    this.input = el("textarea", { rows: "1", "aria-label": TEXT.placeholder, placeholder: TEXT.placeholder,
      enterkeyhint: "send" });
    this.input.value = o.question;
    this.sendButton = el("button", { type: "submit", text: TEXT.send });
    this.form = el("form", {}, [this.input, this.sendButton]);
    this.panel = el("section", { class: "panel", role: "dialog", "aria-label": o.title }, [
      el("header", {}, headerItems),
      this.log,
      this.form,
      el("p", { class: "foot", text: o.embed ? TEXT.footer.replace(/ · Esc .*$/, "") : TEXT.footer }),
    ]);
    this.panel.hidden = true;
    this.root.append(this.panel);
    if (!o.embed) this.root.append(this.launcher);
    shadow.append(this.root);
    this.greet();

    this.launcher.addEventListener("click", function () {
      if (self.isOpen()) self.close(); else self.open(true);
    });
    if (this.closeButton) this.closeButton.addEventListener("click", function () { self.close(); });
    this.newButton.addEventListener("click", function () { self.reset(); });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.ask(self.input.value);
    });
    this.input.addEventListener("keydown", function (event) {
      // Enter while an IME is composing Chinese picks a candidate; it must not send.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        self.ask(self.input.value);
      }
    });
    this.input.addEventListener("input", function () { self.fitInput(); });
    this.root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !o.embed && self.isOpen()) {
        event.stopPropagation();
        self.close();
      }
    });

    document.body.append(host);
    if (!o.embed && typeof host.showPopover === "function") {
      // The top layer sits above every z-index of the host page.
      host.setAttribute("popover", "manual");
      host.showPopover();
    }
    if (o.open) this.open(false);
  };

  Widget.prototype.isOpen = function () {
    return !this.panel.hidden;
  };

  Widget.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.root.classList.add("open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", TEXT.close);
    this.launcher.replaceChildren(icon(ICON_DOWN));
    if (focus) this.input.focus();
    this.fitInput();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.root.classList.remove("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", TEXT.open + ":" + this.options.title);
    this.launcher.replaceChildren(icon(ICON_CHAT));
    this.launcher.focus();
  };

  Widget.prototype.greet = function () {
    this.log.replaceChildren(el("div", { class: "msg bot greeting" }, [el("p", { text: TEXT.greeting })]));
  };

  Widget.prototype.reset = function () {
    this.conversation += 1; // an answer still on its way belongs to the old conversation
    this.history = [];
    this.setBusy(false);
    this.greet();
    this.input.value = "";
    this.input.focus();
  };

  Widget.prototype.fitInput = function () {
    this.input.style.height = "40px";
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 120) + "px";
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.log.setAttribute("aria-busy", String(busy));
  };

  Widget.prototype.add = function (node) {
    this.log.append(node);
    return node;
  };

  Widget.prototype.ask = async function (raw) {
    var question = String(raw || "").trim();
    if (!question || this.busy) return;
    var conversation = this.conversation;
    var history = this.history.slice(-HISTORY_TURNS);
    this.setBusy(true);
    this.input.value = "";
    this.fitInput();
    var asked = this.add(el("div", { class: "msg user", text: question }));
    var pending = this.add(el("div", { class: "msg bot loading" }, [el("span", { class: "dots", text: TEXT.loading })]));
    this.log.scrollTop = this.log.scrollHeight;

    var outcome = await request(question, history);
    if (conversation !== this.conversation) return;
    pending.remove();
    if (outcome.body) {
      this.history.push(question);
      var answer = this.add(renderAnswer(outcome.body));
      if (typeof outcome.body.id === "string" && outcome.body.id) answer.append(feedbackBar(outcome.body.id));
    } else {
      this.add(el("div", { class: "msg bot error", role: "alert" }, [
        el("p", { text: outcome.error }),
      ].concat(outcome.hint ? [el("small", { class: "hint", text: outcome.hint })] : [])));
    }
    // Show the question at the top (the answer and its passages may be taller than the log).
    this.log.scrollTop = Math.max(0, asked.offsetTop - this.log.offsetTop - 10);
    this.setBusy(false);
    if (this.isOpen()) this.input.focus();
  };

  async function request(question, history) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    try {
      var response = await fetch(BASE + "/api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-KBQA-Channel": "widget" },
        body: JSON.stringify({ question: question, history: history }),
        credentials: "omit",
        signal: controller.signal,
      });
      var body = null;
      try {
        body = await response.json();
      } catch (ignored) {
        body = null;
      }
      if (response.ok && body && typeof body.answer === "string") return { body: body };
      return failure(response.status, body, response.headers.get("Retry-After"));
    } catch (err) {
      if (err && err.name === "AbortError") return { error: TEXT.timeout };
      // A refused origin gets no CORS headers, so the browser reports it like a network
      // failure; a request the page may not read, but which succeeds, tells the two apart.
      return (await reachable()) ? notAllowed() : { error: TEXT.unreachable };
    } finally {
      clearTimeout(timer);
    }
  }

  async function reachable() {
    try {
      await fetch(BASE + "/healthz", { mode: "no-cors", cache: "no-store", credentials: "omit" });
      return true;
    } catch (ignored) {
      return false;
    }
  }

  function notAllowed() {
    return { error: TEXT.notAllowed, hint: TEXT.notAllowedHint.replace("{origin}", location.origin) };
  }

  function failure(status, body, retryAfter) {
    // The server says what went wrong in `display`, in the visitor's language; the widget's own
    // sentences are for what it cannot read from a body.
    var error = (body && body.error) || {};
    if (status === 403 || error.code === "origin_not_allowed") return notAllowed();  // with the hint for the site's admin
    if (typeof error.display === "string" && error.display) return { error: error.display };
    if (status === 429) {
      var seconds = parseInt(retryAfter, 10);
      return { error: seconds ? TEXT.rateLimited.replace("{s}", seconds) : TEXT.rateLimitedSoon };
    }
    if (status >= 500) return { error: TEXT.serverError };
    return { error: TEXT.httpError.replace("{status}", status) };
  }

  function renderAnswer(body) {
    var passages = (Array.isArray(body.passages) ? body.passages : []).filter(function (p) { return p && typeof p === "object"; });
    var cards = {};
    var message = el("div", { class: "msg bot" + (body.refused ? " refused" : "") });
    var text = el("p", { class: "answer" });
    var cited = [];
    String(body.answer).split(/(\[\d+\])/).forEach(function (part) {
      var marker = /^\[(\d+)\]$/.exec(part);
      var n = marker && Number(marker[1]);
      var passage = marker && passages.find(function (p) { return Number(p.n) === n; });
      if (!passage) {
        if (part) text.append(part);
        return;
      }
      if (cited.indexOf(n) < 0) cited.push(n);
      var button = el("button", { class: "cite", type: "button", text: part, "aria-label": "查看引用段落 " + n });
      button.addEventListener("click", function () { reveal(cards[n]); });
      text.append(button);
    });
    message.append(text);
    if (body.mode === "generated") message.append(el("small", { class: "mode", text: TEXT.generated }));

    if (body.refused && !passages.length) {
      var suggestions = Array.isArray(body.suggestions) ? body.suggestions : [];
      if (suggestions.length) {
        message.append(el("div", { class: "sources" }, [
          el("h3", { text: TEXT.suggestions }),
          el("ul", { class: "suggest" }, suggestions.map(function (s) {
            return el("li", { text: (String(s.section || "") + " " + String(s.title || "")).trim() });
          })),
        ]));
      }
      return message;
    }

    var primary = passages.filter(function (p) { return cited.indexOf(Number(p.n)) >= 0; });
    var others = passages.filter(function (p) { return cited.indexOf(Number(p.n)) < 0; });
    if (!primary.length) {
      primary = others;
      others = [];
    }
    if (primary.length) {
      var sources = el("div", { class: "sources" }, [el("h3", { text: TEXT.sources })]);
      sources.append(el("ol", {}, primary.map(function (p, i) {
        return (cards[Number(p.n)] = passageCard(p, i === 0));
      })));
      if (others.length) {
        var more = el("details", { class: "more" }, [el("summary", { text: TEXT.more + "(" + others.length + ")" })]);
        more.append(el("ol", {}, others.map(function (p) {
          return (cards[Number(p.n)] = passageCard(p, false));
        })));
        sources.append(more);
      }
      message.append(sources);
    }
    return message;
  }

  /* 👍 / 👎 under an answer: a vote is sent at once; after 👎 an optional comment follows it. */
  function feedbackBar(id) {
    var note = el("span", { class: "note", role: "status" });
    var up = el("button", { class: "vote up", type: "button", "aria-pressed": "false", text: "👍 " + TEXT.feedbackUp });
    var down = el("button", { class: "vote down", type: "button", "aria-pressed": "false",
      text: "👎 " + TEXT.feedbackDown });
    var bar = el("div", { class: "feedback" }, [el("span", { text: TEXT.feedbackAsk }), up, down, note]);
    var why = null;
    async function vote(value, comment) {
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      var sent = await sendFeedback(id, value, comment);
      note.textContent = sent.error ? TEXT.feedbackFailed + sent.error : comment ? TEXT.feedbackSent : TEXT.feedbackThanks;
      return !sent.error;
    }
    up.addEventListener("click", function () {
      if (why) { why.remove(); why = null; }
      vote("up", null);
    });
    down.addEventListener("click", async function () {
      if (!(await vote("down", null)) || why) return;
      var box = el("textarea", { rows: "2", maxlength: "1000", "aria-label": TEXT.feedbackWhy,
        placeholder: TEXT.feedbackWhy });
      var send = el("button", { type: "button", text: TEXT.feedbackSend });
      why = el("div", { class: "why" }, [box, send]);
      send.addEventListener("click", async function () {
        var comment = box.value.trim();
        if (!comment) return;
        send.disabled = true;
        if (await vote("down", comment)) why.remove(); else send.disabled = false;
      });
      bar.append(why);
      box.focus();
    });
    return bar;
  }

  async function sendFeedback(id, vote, comment) {
    try {
      var response = await fetch(BASE + "/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-KBQA-Channel": "widget" },
        body: JSON.stringify({ id: id, vote: vote, comment: comment }),
        credentials: "omit",
      });
      if (response.ok) return {};
      var body = null;
      try { body = await response.json(); } catch (ignored) { body = null; }
      return failure(response.status, body, response.headers.get("Retry-After"));
    } catch (err) {
      return { error: TEXT.unreachable };
    }
  }

  function passageCard(p, open) {
    // Where the passage is: its document (when the server names it) and heading path
    // (`heading`, or `path` joined); a server without them sends only section and title.
    var heading = typeof p.heading === "string" && p.heading ? p.heading
      : Array.isArray(p.path) && p.path.length ? p.path.map(String).join(" \u203a ") : "";
    var where = heading
      ? [el("span", { class: "sec", text: heading })]
      : [el("span", { class: "sec", text: String(p.section || "") }), el("span", { class: "stitle", text: String(p.title || "") })];
    if (p.doc_title) where.push(el("span", { class: "doc", text: "《" + String(p.doc_title).replace(/^《|》$/g, "") + "》" }));
    var card = el("details", { class: "source" }, [
      el("summary", { title: String(p.doc_title || p.doc || "") }, [el("span", { class: "n", text: "[" + p.n + "]" })].concat(where)),
      el("p", {}, [highlighted(String(p.text || ""), p.highlights)]),
    ]);
    card.open = open;
    return el("li", {}, [card]);
  }

  function reveal(item) {
    if (!item) return;
    var card = item.firstChild;
    var group = item.closest("details.more");
    if (group) group.open = true;
    card.open = true;
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.add("flash");
    setTimeout(function () { card.classList.remove("flash"); }, 1200);
  }

  function start() {
    new Widget(readOptions());
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
