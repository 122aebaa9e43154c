// The rubric grading page (instructor/ta/server.py). Served as a same-origin file: the page's
// Content-Security-Policy allows no inline script. Student text arrives as HTML already
// cleaned by nh3 on the server; it is inserted as markup, never evaluated.
"use strict";
(function () {
  const main = document.getElementById("grader");
  if (!main) return;
  const token = document.querySelector("meta[name=ta-token]").content;
  const key = main.dataset.task;
  const $ = (id) => document.getElementById(id);
  let cur = null;          // the submission shown (JSON from /api/task)
  let savedComment = "";

  function say(text, bad) {
    const m = $("message");
    m.textContent = text || "";
    m.className = bad ? "bad" : "";
  }

  async function load(index) {
    const url = "/api/task/" + encodeURIComponent(key) + (index === undefined ? "" : "?i=" + index);
    const r = await fetch(url, {credentials: "same-origin"});
    const data = await r.json();
    if (!r.ok) { say(data.error, true); return; }
    if (!data.total) { $("progress").textContent = "no submission"; return; }
    cur = data;
    savedComment = data.comment;
    render();
  }

  function points() {
    let p = 0;
    for (const item of cur.rubric) if (cur.checked.includes(item.id)) p += item.points;
    return Math.min(p, cur.points);
  }

  function render() {
    $("progress").textContent = cur.graded + " / " + cur.total + " graded";
    $("who").textContent = cur.label + (cur.version ? " (graded by " + cur.graded_by + ")" : " (not graded yet)");
    $("answer").innerHTML = cur.answer_html;   // cleaned by nh3 on the server
    if (cur.problem) {
      const p = document.createElement("p");
      p.className = "problem";
      p.textContent = cur.problem;
      $("answer").appendChild(p);
    }
    const figs = $("figures");
    figs.replaceChildren();
    for (const n of cur.figures) {
      const img = document.createElement("img");
      img.src = "/img/" + encodeURIComponent(key) + "/" + cur.index + "/" + n + ".png";
      img.alt = "figure " + (n + 1) + " of the student's notebook";
      figs.appendChild(img);
    }
    if (cur.figures_dropped) {
      const p = document.createElement("p");
      p.textContent = cur.figures_dropped + " figure(s) not shown: not a readable PNG/JPEG";
      figs.appendChild(p);
    }
    const list = $("rubric");
    list.replaceChildren();
    cur.rubric.forEach((item, n) => {
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "item-" + item.id;
      box.dataset.item = item.id;
      box.checked = cur.checked.includes(item.id);
      box.addEventListener("change", () => queue(() => toggle(n)));
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = item.text + " (" + item.points + ")";
      li.append(box, label);
      list.appendChild(li);
    });
    $("points").textContent = points() + " / " + cur.points;
    $("comment").value = cur.comment;
    const cl = $("comments");
    cl.replaceChildren();
    cur.comments.forEach((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      cl.appendChild(li);
    });
  }

  // every action (a key, a click) runs after the previous one has finished: keys pressed
  // quickly save with the version the previous save returned and move from where it left
  let chain = Promise.resolve();
  function queue(action) {
    chain = chain.then(action, action);
    return chain;
  }

  async function save() {
    const body = {index: cur.index, items: cur.checked, comment: cur.comment, version: cur.version};
    const r = await fetch("/api/task/" + encodeURIComponent(key), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Token": token},
      body: JSON.stringify(body)});
    const data = await r.json();
    if (!r.ok) {
      say(data.error, true);
      await load(cur.index);   // show what is stored now
      say(data.error, true);
      return false;
    }
    const was = cur.version;
    cur.version = data.version;
    savedComment = cur.comment;
    if (!was) cur.graded += 1;
    cur.graded_by = "you";
    $("who").textContent = cur.label + " (graded by you)";
    say("saved");
    $("progress").textContent = cur.graded + " / " + cur.total + " graded";
    $("points").textContent = points() + " / " + cur.points;
    main.dataset.saved = String(cur.index) + ":" + cur.version;
    return true;
  }

  async function toggle(n) {
    if (!cur || n >= cur.rubric.length) return;
    const id = cur.rubric[n].id;
    cur.checked = cur.checked.includes(id) ? cur.checked.filter((x) => x !== id) : cur.checked.concat([id]);
    const box = document.getElementById("item-" + id);
    if (box) box.checked = cur.checked.includes(id);
    await save();
  }

  async function leave(step) {
    if (cur.comment !== savedComment && !(await save())) return;
    if (step === "u") {
      const next = cur.ungraded.find((i) => i > cur.index);
      await load(next === undefined ? (cur.ungraded[0] ?? cur.index) : next);
    } else {
      await load((cur.index + step + cur.total) % cur.total);
    }
  }

  async function remember() {
    const text = $("comment").value.trim();
    if (!text) return;
    const r = await fetch("/api/comments/" + encodeURIComponent(key), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Token": token},
      body: JSON.stringify({text})});
    const data = await r.json();
    if (r.ok) { cur.comments = data.comments; render(); say("comment kept"); } else say(data.error, true);
  }

  $("comment").addEventListener("input", () => { cur.comment = $("comment").value; });
  $("comment").addEventListener("keydown", (e) => {
    if (e.key === "Escape" || (e.key === "Enter" && e.ctrlKey)) {
      e.preventDefault();
      $("comment").blur();
      queue(async () => { if (cur.comment !== savedComment) await save(); });
    }
  });

  document.addEventListener("keydown", (e) => {
    if (!cur || e.target === $("comment") || e.ctrlKey || e.altKey || e.metaKey) return;
    const digit = /^Digit([1-9])$/.exec(e.code);
    let action = null;
    if (digit && e.shiftKey) {
      action = async () => {
        const text = cur.comments[Number(digit[1]) - 1];
        if (!text) return;
        cur.comment = cur.comment ? cur.comment + "\n" + text : text;
        $("comment").value = cur.comment;
        await save();
      };
    } else if (digit) action = () => toggle(Number(digit[1]) - 1);
    else if (e.key === "j" || e.key === "ArrowRight") action = () => leave(1);
    else if (e.key === "k" || e.key === "ArrowLeft") action = () => leave(-1);
    else if (e.key === "u") action = () => leave("u");
    else if (e.key === "m") action = remember;
    else if (e.key === "c") { e.preventDefault(); $("comment").focus(); return; }
    if (action) { e.preventDefault(); queue(action); }
  });

  load();
})();
