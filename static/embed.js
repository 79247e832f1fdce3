/* Comment widget: <div id="comments"></div>
   <script src="https://SERVICE/embed.js" data-thread="/path/" data-title="Title" data-lang="de" async></script>
   Draws the approved comments and the reply form (on a closed thread, a line saying so) with
   the same markup as the /embed fragment, and posts the form without leaving the page. No
   framework, no build step, no innerHTML except the server's sanitised comment bodies. Every
   text is English in _("..."), translated by the service's catalog for the page's language
   (data-lang; without it, the site's). data-theme="light|dark" sets the colours; "auto" (or
   none) follows the reader's prefers-color-scheme (see embed.css). */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = script.src.replace(/[?#].*$/, "").replace(/\/embed\.js$/, "");
  var thread = script.getAttribute("data-thread") || location.pathname;
  var title = script.getAttribute("data-title") || document.title;
  var lang = script.getAttribute("data-lang") || "";
  var theme = script.getAttribute("data-theme") || "";
  var language = "en"; // the language the service answers in: lang if it ships, else the site's
  var messages = {}; // English text -> the page language's, from the service
  var target = null;

  /* A message in the page's language; %(name)s places are filled from `values`. */
  function _(message, values) {
    var text = messages[message] || message;
    return text.replace(/%\((\w+)\)s/g, function (place, name) {
      return values && name in values ? String(values[name]) : place;
    });
  }

  /* The element to draw into, once the page has been parsed (the script may come before it). */
  function whenReady(draw) {
    return function (value) {
      if (document.readyState === "loading") {
        return document.addEventListener("DOMContentLoaded", function () { whenReady(draw)(value); });
      }
      try {
        target = document.querySelector(script.getAttribute("data-target") || "#comments");
      } catch (e) { /* an invalid selector: fall back to a new element */ }
      if (!target) {
        target = el("div");
        (script.parentNode || document.body).insertBefore(target, script.nextSibling);
      }
      draw(value);
    };
  }

  var LIMITS = { body: 10000, name: 100, email: 254 };
  /* Functions, not values: the messages arrive after the script has run. */
  var REQUIRED = {
    body: function () { return _("Please write a comment."); },
    name: function () { return _("Please enter your name."); },
    email: function () { return _("Please enter your email address."); }
  };
  var FAILED = {
    400: function () { return _("Your comment could not be sent. Please reload the page and try again."); },
    413: function () { return _("Your comment is too large to send. Please shorten it."); },
    429: function () { return _("You have posted several comments in a short time. Please wait a minute, then try again."); }
  };
  var FORM_MIN_AGE = 3100; // ms: the service takes faster posts for a bot's (see spam.py)
  function serverDown() {
    return _("The comment service is not answering right now. Please try again in a moment; what you wrote is still here.");
  }
  function offline() {
    return _("Your comment could not be sent. Check your connection and try again; what you wrote is still here.");
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function attrs(node, values) {
    for (var name in values) node.setAttribute(name, values[name]);
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }

  function stylesheet() {
    var href = base + "/static/embed.css";
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    for (var i = 0; i < links.length; i++) if (links[i].href === href) return;
    add(document.head, attrs(el("link"), { rel: "stylesheet", href: href }));
  }

  function required() {
    return attrs(el("span", "mod-required", "*"), { "aria-hidden": "true" });
  }

  /* The service writes dates ("27 November 2026", "27. November 2026") and counts for the page's
     language, as the fragment does; these are for an answer without them. */
  function plural(count) {
    return count + (count === 1 ? " comment" : " comments");
  }

  function formatDate(iso) {
    var date = new Date(iso);
    if (isNaN(date)) return iso;
    return date.toLocaleDateString(language, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  /* One comment, as _comments.html draws it; `body` fills .mod-body; `answers` is the name of
     the comment it replies to. */
  function commentItem(comment, body, badge, answers) {
    var header = el("header", "mod-meta");
    // The reader's own pending comment has no avatar key (the service never reveals one for an
    // address it was only given); it gets the neutral picture, in line with the others.
    var src = comment.avatar ? "/avatar/" + encodeURIComponent(comment.avatar) + ".svg" : "/static/avatar.svg";
    add(header, attrs(el("img", "mod-avatar"), { src: base + src, alt: "", width: "40", height: "40" }));
    if (comment.website && /^https?:\/\//i.test(comment.website)) {
      add(header, attrs(el("a", "mod-author", comment.name), { href: comment.website, rel: "nofollow ugc noopener" }));
    } else {
      add(header, el("span", "mod-author", comment.name));
    }
    if (comment.created) {
      add(header, attrs(el("time", "mod-date", comment.date || formatDate(comment.created)), { datetime: comment.created }));
    }
    if (answers) add(header, el("span", "mod-in-reply-to", _("In reply to %(name)s", { name: answers })));
    if (badge) add(header, el("span", "mod-badge", badge));
    var item = el("li", "mod-comment");
    item.id = "comment-" + comment.id;
    return add(item, add(el("article"), header, add(el("div", "mod-body"), body)));
  }

  function replyButton(comment) {
    var button = attrs(el("button", "mod-reply", _("Reply")), { type: "button", "aria-label": _("Reply to %(name)s", { name: comment.name }) });
    button.addEventListener("click", function () { form.replyTo(comment, button); });
    return button;
  }

  /* The approved comments, replies under their parents (parent === null at the top), each reply
     saying whom it answers (parentName); with a Reply button each unless the thread is closed. */
  function commentList(children, parent, closed, parentName) {
    var list = children[parent];
    if (!list) return null;
    var ol = el("ol", parent == null ? "mod-list" : "mod-list mod-replies");
    list.forEach(function (comment) {
      if (comment.deleted) { // only the place its replies hang from, as _comments.html draws it
        var gone = add(el("article", "mod-deleted"), el("p", null, _("This comment was deleted by its author.")));
        var placeholder = add(el("li", "mod-comment"), gone);
        placeholder.id = "comment-" + comment.id;
        add(ol, add(placeholder, commentList(children, comment.id, closed)));
        return;
      }
      var body = el("template"); // parsed inert; the service has rendered and sanitised it
      body.innerHTML = comment.body_html;
      var item = commentItem(comment, body.content, comment.by_site ? _("From the site") : null, parentName);
      add(ol, add(item, closed ? null : replyButton(comment), commentList(children, comment.id, closed, comment.name)));
    });
    return ol;
  }

  /* What the reader typed, shown as plain text: paragraphs and line breaks, no Markdown. */
  function textBody(text) {
    var fragment = document.createDocumentFragment();
    text.split(/\n[ \t]*\n+/).forEach(function (para) {
      var p = el("p");
      para.split("\n").forEach(function (line, i) {
        if (i) add(p, el("br"));
        add(p, document.createTextNode(line));
      });
      add(fragment, p);
    });
    return fragment;
  }

  function field(name, label, control, mark) {
    var id = "mod-" + name;
    control.id = id;
    control.name = name;
    var labelNode = attrs(el("label", null, label), { "for": id });
    if (mark) add(labelNode, document.createTextNode(" "), required());
    return add(el("p", "mod-field"), labelNode, control);
  }

  function input(type, max, autocomplete, isRequired) {
    var node = attrs(el("input"), { type: type, maxlength: String(max), autocomplete: autocomplete });
    node.required = isRequired;
    return node;
  }

  var form; // the reply form, built once

  function makeForm(root) {
    var node = attrs(el("form", "mod-form"), { method: "post", action: base + "/api/comments", novalidate: "" });
    var body = attrs(el("textarea"), { rows: "6", maxlength: String(LIMITS.body) });
    body.required = true;
    var fields = {
      body: body,
      name: input("text", LIMITS.name, "name", true),
      email: input("email", LIMITS.email, "email", true),
      website: input("url", 512, "url", false)
    };
    var button = attrs(el("button", null, _("Post Comment")), { type: "submit" });
    var status = attrs(el("p", "mod-status"), { role: "status", "aria-live": "polite" });
    var alertBox = attrs(el("p", "mod-error"), { role: "alert" });
    var notes = add(el("p", "mod-notes", _("Your email address will not be published. Required fields are marked") + " "), required());
    // Where readers see, download or erase what is kept under their address (the /mydata page).
    var yourData = add(el("p", "mod-notes mod-your-data"),
      attrs(el("a", null, _("Your data")), { href: base + "/mydata?lang=" + encodeURIComponent(language) }));
    // The field people never see (bots fill it in), as in the server's form.
    var honeypot = attrs(input("text", 100, "off", false), { id: "mod-homepage", name: "homepage", tabindex: "-1" });
    var trap = add(attrs(el("p", "mod-hp"), { "aria-hidden": "true" }),
      attrs(el("label", null, _("Leave this field empty")), { "for": "mod-homepage" }), honeypot);
    // Unticked by default: readers are mailed only if they ask, and confirm (see the README).
    var notify = attrs(el("input"), { type: "checkbox", id: "mod-notify", name: "notify", value: "1" });
    var notifyLine = add(el("p", "mod-check"), notify, document.createTextNode(" "),
      attrs(el("label", null, _("Email me when my comment is published and when someone replies")), { "for": "mod-notify" }));
    add(node, notes, yourData, trap,
      field("body", _("Comment"), body, true), field("name", _("Name"), fields.name, true),
      field("email", _("Email"), fields.email, true), field("website", _("Website"), fields.website, false),
      notifyLine, add(el("p", "mod-submit"), button), status);

    var respond = root.querySelector(".mod-respond");
    var heading = respond.querySelector(".mod-reply-title");
    var cancel = attrs(el("button", "mod-reply mod-cancel-reply", _("Cancel reply")), { type: "button" });
    cancel.hidden = true;
    add(respond, cancel, node);
    var home = respond.nextSibling;
    var parent = null, parentName = null;
    var replyButtonUsed = null;
    var stamp = null, stampedAt = 0, stamping = null;

    /* The service's signed note of when the form was handed out, asked for when the reader
       starts writing; without it (an older service, a network hiccup) the post goes without. */
    function getStamp() {
      stamping = stamping || fetch(base + "/api/comments/form", { mode: "cors", credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (answer) {
          if (answer.issued) { stamp = answer.issued; stampedAt = Date.now(); }
        }, function () { stamping = null; });
      return stamping;
    }
    node.addEventListener("focusin", getStamp);

    /* A reader quicker than the service's bot threshold waits a moment rather than being
       taken for a bot (which would keep the comment as spam, silently). */
    function stampAged() {
      return getStamp().then(function () {
        var wait = stamp ? FORM_MIN_AGE - (Date.now() - stampedAt) : 0;
        return new Promise(function (resolve) { setTimeout(resolve, Math.max(0, wait)); });
      });
    }

    function say(message) { status.textContent = message; }

    function clearErrors() {
      if (alertBox.parentNode) node.removeChild(alertBox);
      var spans = node.querySelectorAll("span.mod-error");
      for (var i = 0; i < spans.length; i++) spans[i].parentNode.removeChild(spans[i]);
      for (var name in fields) {
        fields[name].removeAttribute("aria-invalid");
        fields[name].removeAttribute("aria-describedby");
      }
    }

    function showErrors(errors) {
      var first = null, general = [];
      for (var name in errors) {
        var control = fields[name];
        if (!control) { general.push(errors[name]); continue; }
        var span = el("span", "mod-error", errors[name]);
        span.id = control.id + "-error";
        add(control.parentNode, span);
        attrs(control, { "aria-invalid": "true", "aria-describedby": span.id });
        if (!first || order(control) < order(first)) first = control;
      }
      if (general.length) {
        alertBox.textContent = general.join(" ");
        node.insertBefore(alertBox, notes.nextSibling);
      }
      say(_("Your comment was not posted: please check the highlighted fields."));
      if (first) first.focus();
    }

    function order(control) {
      return ["mod-body", "mod-name", "mod-email", "mod-website"].indexOf(control.id);
    }

    function validate(values) {
      var errors = {};
      for (var name in REQUIRED) if (!values[name]) errors[name] = REQUIRED[name]();
      for (name in LIMITS) {
        if (values[name].length > LIMITS[name]) {
          errors[name] = _("Please keep this to %(most)s characters or fewer.", { most: LIMITS[name].toLocaleString(language) });
        }
      }
      /* Bidi controls, which can make a name read backwards; then controls, zero-width
         formatting, line and paragraph separators. */
      if (/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(values.name)) {
        errors.name = _("Please remove the characters that change the direction of text from your name.");
      } else if (/[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200d\u2028\u2029\u2060-\u2065\u206a-\u206f\ufeff]/.test(values.name)) {
        errors.name = _("Please use only printable characters in your name.");
      }
      if (values.email && !errors.email && !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(values.email)) {
        errors.email = _("Please enter a valid email address.");
      }
      if (values.website && !/^https?:\/\/\S*$/i.test(values.website)) {
        errors.website = _("Please enter a web address starting with http:// or https://.");
      }
      return errors;
    }

    function moveHome() {
      parent = parentName = null;
      cancel.hidden = true;
      heading.textContent = _("Leave a Reply");
      root.insertBefore(respond, home);
    }

    form = {
      replyTo: function (comment, from) {
        parent = comment.id;
        parentName = comment.name;
        replyButtonUsed = from;
        heading.textContent = _("Leave a Reply to %(name)s", { name: comment.name });
        cancel.hidden = false;
        from.parentNode.insertBefore(respond, from.nextSibling);
        body.focus();
      }
    };

    cancel.addEventListener("click", function () {
      var back = replyButtonUsed;
      moveHome();
      if (back) back.focus();
    });

    node.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      clearErrors();
      var values = {};
      for (var name in fields) values[name] = fields[name].value.trim();
      var errors = validate(values);
      if (Object.keys(errors).length) return showErrors(errors);
      var data = {
        thread: thread, title: title, name: values.name, email: values.email,
        website: values.website, body: values.body, parent: parent, homepage: honeypot.value,
        notify: notify.checked, lang: lang
      };
      button.disabled = true;
      node.setAttribute("aria-busy", "true");
      say(_("Posting your comment…"));
      stampAged().then(function () {
        data.issued = stamp;
        return send(data, 2);
      }).then(function (sent) {
        var response = sent.response, answer = sent.answer;
        if (response.status === 202) return posted(data, answer);
        if (response.status === 422 && answer.errors) return showErrors(answer.errors);
        var failure = FAILED[response.status];
        say(failure ? failure() : (response.status >= 500 ? serverDown() : answer.error || serverDown()));
      }, function () {
        say(offline());
      }).then(function () {
        button.disabled = false;
        node.removeAttribute("aria-busy");
        // Disabling the focused button dropped the focus; give it back to keyboard users.
        if (!document.activeElement || document.activeElement === document.body) button.focus();
      });
    });

    /* The post and its answer; when the service asks for a proof of work (a 428), the reader
       waits a moment while it is found, and the post goes again with it, `tries` times at most. */
    function send(data, tries) {
      return fetch(base + "/api/comments", {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(data)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          var sent = { response: response, answer: answer };
          if (response.status !== 428 || !answer.challenge || !tries) return sent;
          say(_("Checking…"));
          return proofOfWork(answer.challenge).then(function (solution) {
            data.altcha = solution;
            return send(data, tries - 1);
          }, function () { return sent; }); // it cannot be solved here: the service's sentence says why
        });
      });
    }

    function posted(data, answer) {
      var item = commentItem(
        { id: answer.id, name: data.name, website: data.website, created: new Date().toISOString(), date: answer.date },
        textBody(data.body),
        _("Awaiting moderation"),
        parentName
      );
      item.className += " mod-pending";
      var notice = safetyNotice(answer);
      if (notice) item.insertBefore(notice, item.firstChild);
      if (answer.manage) add(item, manageNote(answer.manage));
      placePending(root, item, data.parent);
      body.value = "";
      moveHome();
      say(_("Thank you: your comment is awaiting moderation. Only you can see it until a moderator approves it."));
      var crisis = notice && notice.querySelector(".mod-crisis");
      if (crisis) crisis.focus(); // read out first, before anything else on the page
    }
  }

  /* The proof of work a 428 asks for, found by the service's pow-worker.js in a Web Worker, so
     that typing never stalls. A page may start a worker only from its own origin or a blob, so
     the script is fetched and started from a blob (the site's policy needs worker-src blob:);
     where no worker can be made, the same script runs on the page, in short slices. Resolves to
     ALTCHA's payload: the base64 of the JSON the service checks. */
  var workerScript = null, pageSolver = null;
  function proofOfWork(challenge) {
    return inWorker(challenge).catch(function () { return onPage(challenge); }).then(function (number) {
      if (number == null) throw new Error("no solution");
      return btoa(JSON.stringify({ algorithm: challenge.algorithm, challenge: challenge.challenge,
        number: number, salt: challenge.salt, signature: challenge.signature }));
    });
  }

  function inWorker(challenge) {
    workerScript = workerScript || fetch(base + "/static/pow-worker.js", { mode: "cors", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.blob();
      }).catch(function (error) { workerScript = null; throw error; });
    return workerScript.then(function (script) {
      return new Promise(function (resolve, reject) {
        var url = URL.createObjectURL(script), worker;
        function done(settle, value) { worker.terminate(); URL.revokeObjectURL(url); settle(value); }
        try { worker = new Worker(url); } catch (e) { URL.revokeObjectURL(url); return reject(e); }
        worker.onmessage = function (event) { done(resolve, event.data); };
        worker.onerror = function (event) { event.preventDefault(); done(reject, event); };
        worker.postMessage(challenge);
      });
    });
  }

  function onPage(challenge) {
    pageSolver = pageSolver || new Promise(function (resolve, reject) {
      var tag = attrs(el("script"), { src: base + "/static/pow-worker.js" });
      tag.onload = function () { resolve(window.moderationProofOfWork); };
      tag.onerror = function (error) { pageSolver = null; reject(error); };
      add(document.head, tag);
    });
    return pageSolver.then(function (solve) { return solve(challenge, true); });
  }

  /* The personal details a moderator may remove, in words (the 202's "kinds"). */
  var DETAIL_WORDS = {
    phone: function () { return _("phone number"); },
    email: function () { return _("email address"); },
    street_address: function () { return _("street address"); },
    date_of_birth: function () { return _("date of birth"); },
    id_number: function () { return _("ID number"); }
  };

  /* What the writer of a held comment is told at once, above it, as the service's pages do:
     where to get help (the service's message, already in the reader's language), and that a
     moderator may remove the personal details found. */
  function safetyNotice(answer) {
    var kinds = (answer.kinds || []).filter(function (kind) { return DETAIL_WORDS[kind]; });
    if (answer.notice !== "crisis" && !kinds.length) return null;
    var earlier = document.getElementById("comment-notice"); // of a comment posted before: one id
    if (earlier) earlier.removeAttribute("id");
    var box = attrs(el("div", "mod-safety"), { id: "comment-notice" });
    if (answer.notice === "crisis" && answer.message) {
      add(box, attrs(el("p", "mod-crisis", answer.message), { role: "alert", tabindex: "-1" }));
    }
    if (kinds.length) {
      var words = kinds.map(function (kind) { return DETAIL_WORDS[kind](); }).join(", ");
      add(box, attrs(el("p", "mod-details",
        _("Comments are public. A moderator may remove the personal details (%(kinds)s) before publishing.", { kinds: words })),
        { role: "status" }));
    }
    return box.firstChild ? box : null;
  }

  /* The writer's private link to their own comment (the 202's "manage"), beside it: for them alone. */
  function manageNote(url) {
    var link = attrs(el("a", null, url), { href: url, rel: "noreferrer" });
    var note = el("p", "mod-manage", _("Your private link to withdraw or edit this comment, and to delete it once published:") + " ");
    add(note, link, document.createTextNode(" " + _("Keep it to yourself.")));
    return note;
  }

  /* A pending comment goes last under its parent (or the thread), where it will appear. */
  function placePending(root, item, parent) {
    var holder = parent == null ? root : root.querySelector("#comment-" + parent) || root;
    var list = holder.querySelector(":scope > ol.mod-list");
    if (!list) {
      list = el("ol", holder === root ? "mod-list" : "mod-list mod-replies");
      holder.insertBefore(list, holder === root ? root.querySelector(".mod-notice") : null);
    }
    add(list, item);
  }

  /* The reader's own pending comment, which the page drew when a plain form (sent before this
     script arrived) brought them back: kept, under the same parent. */
  function keepPending(old, root) {
    var items = old.querySelectorAll("li.mod-pending");
    for (var i = 0; i < items.length; i++) {
      var parent = items[i].parentNode.closest("li.mod-comment");
      placePending(root, items[i], parent ? parent.id.replace("comment-", "") : null);
    }
  }

  /* What the reader already typed into the server-rendered form, which the widget is about to
     draw over: each field by name (ticks too), and where the focus and caret were. */
  function typedSoFar(old) {
    var kept = { values: {}, focus: null };
    var oldForm = old.querySelector("form.mod-form");
    if (!oldForm) return kept;
    for (var i = 0; i < oldForm.elements.length; i++) {
      var control = oldForm.elements[i];
      if (!control.name || control.type === "hidden" || control.name === "homepage") continue;
      kept.values[control.name] = control.type === "checkbox" ? control.checked : control.value;
    }
    var active = document.activeElement;
    if (active && active.form === oldForm && active.name) {
      kept.focus = { name: active.name, start: active.selectionStart, end: active.selectionEnd };
    }
    return kept;
  }

  function putBack(newForm, kept) {
    if (!newForm) return; // a closed thread: nowhere to put it
    for (var name in kept.values) {
      var control = newForm.elements[name];
      if (!control) continue;
      if (control.type === "checkbox") control.checked = kept.values[name];
      else if (kept.values[name]) control.value = kept.values[name];
    }
    var focus = kept.focus && newForm.elements[kept.focus.name];
    if (!focus) return;
    focus.focus();
    // Email fields have no caret to set (their selectionStart is null).
    if (kept.focus.start != null) focus.setSelectionRange(kept.focus.start, kept.focus.end);
  }

  /* The page's choice of theme, on the thread's root; "auto" (or none) leaves it to embed.css. */
  function themed(root) {
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    return root;
  }

  function render(answer) {
    var comments = answer.comments || [];
    var children = {};
    comments.forEach(function (comment) {
      (children[comment.parent] = children[comment.parent] || []).push(comment);
    });
    var root = themed(attrs(el("div", "mod-comments"), { lang: language }));
    var count = el("h2", "mod-count", answer.count_text || plural(answer.count != null ? answer.count : comments.length));
    var notice = attrs(el("p", "mod-notice", _("Thank you: your comment is awaiting moderation.")), { id: "comment-pending", role: "status" });
    add(root, count, commentList(children, null, answer.closed), notice);
    if (answer.closed) {
      add(root, el("p", "mod-closed", _("Comments are closed."))); // the comments stay; the form does not
    } else {
      add(root, add(el("div", "mod-respond"), el("h2", "mod-reply-title", _("Leave a Reply"))));
      makeForm(root);
    }
    var kept = typedSoFar(target);
    keepPending(target, root);
    /* The fragment's JSON-LD stays for search engines, which read the page as drawn. */
    var data = target.querySelectorAll('script[type="application/ld+json"]');
    target.textContent = "";
    add(target, root);
    for (var i = 0; i < data.length; i++) target.appendChild(data[i]);
    putBack(root.querySelector("form.mod-form"), kept);
  }

  function failed(text) {
    var message = attrs(el("p", "mod-error", text || _("The comments could not be loaded. Please try again later.")), { role: "alert" });
    var existing = target.querySelector(".mod-comments");
    if (existing) existing.insertBefore(message, existing.firstChild); // keep the server-rendered copy
    else add(target, add(themed(el("div", "mod-comments")), message));
  }

  stylesheet();
  var query = "lang=" + encodeURIComponent(lang);
  /* The messages, fetched beside the comments; without them (an older service, a hiccup) English. */
  var translated = fetch(base + "/api/comments/messages?" + query, {
    mode: "cors", credentials: "omit", headers: { "Accept": "application/json" }
  }).then(function (response) {
    return response.ok ? response.json() : {};
  }).then(function (answer) {
    messages = answer.messages || {};
    language = answer.lang || language;
  }, function () { /* English it is */ });
  fetch(base + "/api/comments?thread=" + encodeURIComponent(thread) + "&" + query, {
    mode: "cors", credentials: "omit", headers: { "Accept": "application/json" }
  }).then(function (response) {
    if (!response.ok) throw new Error(response.status);
    return response.json();
  }).then(function (answer) {
    return translated.then(function () { return answer; });
  }).then(whenReady(render)).catch(function (error) {
    return translated.then(function () { explain(error); });
  });

  /* Why the comments did not load, if the page can tell. */
  function explain(error) {
    if (!(error instanceof TypeError)) return whenReady(failed)();
    // The browser hides why a request failed. If the service answers a request the page may
    // not read, it is up and refuses this page's origin: retrying cannot help, its owner can.
    fetch(base + "/embed.js", { mode: "no-cors", credentials: "omit" }).then(function () {
      console.error("Comments: " + base + " does not serve this page's origin, " + location.origin +
        ". Add it to MODERATION_ALLOWED_ORIGINS (comma-separated) on the comment service and restart it.");
      whenReady(failed)(_("Comments are not available on this page."));
    }, function () { whenReady(failed)(); });
  }
})();
