// The studio: uploads, price, submission and the live job panel. Plain JavaScript, no framework.
//
// Everything goes through the public API with the browser's session and CSRF token, so a video
// made here spends user credits. Texts come from Django's JavaScript catalog (/jsi18n/), so
// they follow the language chosen in the page header.
(function () {
  "use strict";

  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((text) => text);
  const tr = (text, values) => (values ? interpolate(text, values, true) : text); // text: gettext("...")
  const POLL_MS = 1500;

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // fetch() with the session cookie and CSRF header; resolves to {ok, status, data}.
  async function callApi(method, url, body) {
    const headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
    const options = { method, headers, credentials: "same-origin" };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (err) {
      return { ok: false, status: 0, data: null };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  }

  function networkOrServerError(result) {
    if (result.status === 0) return tr(gettext("The server could not be reached. Check your connection and try again."));
    if (result.status === 413) return tr(gettext("This file is too large."));
    if (result.status === 429) return tr(gettext("Too many requests; wait a moment and try again."));
    if (result.data && result.data.error) return result.data.error;
    return tr(gettext("Something went wrong (error %(status)s). Try again."), { status: result.status });
  }

  function formatSeconds(seconds) {
    return (Math.round(seconds * 10) / 10).toFixed(1);
  }

  // The studio's "N user credits available" badge, read again after a job holds, is charged
  // or gives back its credits. Pages without the badge (a job's page) skip the request.
  async function refreshBalance() {
    const badge = document.getElementById("user-balance");
    if (!badge) return;
    const result = await callApi("GET", badge.dataset.balanceUrl);
    if (!result.ok || !result.data) return;
    const available = Number(result.data.available);
    badge.dataset.available = String(available);
    badge.textContent = tr(gettext("%(available)s user credits available"),
                           { available: available.toLocaleString(document.documentElement.lang || undefined) });
  }

  // --- The job panel: poll GET /api/v1/jobs/{id} until the job finishes. --------------------

  function JobPanel(panel) {
    this.panel = panel;
    this.jobsUrl = panel.dataset.jobsUrl;
    this.pageUrl = panel.dataset.jobPageUrl;
    this.el = (id) => panel.querySelector("#" + id);
    this.timer = null;
    this.el("job-cancel").addEventListener("click", () => this.cancel());
  }

  JobPanel.prototype.watch = function (jobId, initial) {
    this.jobId = jobId;
    this.panel.dataset.jobId = jobId;
    this.panel.hidden = false;
    this.el("job-result").hidden = true;
    this.el("job-error").hidden = true;
    this.lastStatus = initial ? initial.status : "processing";
    const details = this.el("job-details");
    details.href = this.pageUrl + jobId + "/";
    details.hidden = window.location.pathname === details.pathname; // already on its page
    if (initial) {
      this.render(initial);
      if (initial.status !== "processing") return;
    } else {
      this.render({ status: "processing", progress: 0 });
    }
    this.schedule();
  };

  JobPanel.prototype.schedule = function () {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  };

  JobPanel.prototype.poll = async function () {
    const result = await callApi("GET", this.jobsUrl + this.jobId);
    if (!result.ok) {
      this.el("job-status-text").textContent = networkOrServerError(result);
      this.schedule(); // a blip: keep watching
      return;
    }
    this.render(result.data);
    if (result.data.status === "processing") this.schedule();
  };

  JobPanel.prototype.render = function (job) {
    // A job that ended, well or not, fills its bar: a failed one in red, labelled "Failed".
    const percent = Math.round((job.status === "processing" ? job.progress || 0 : 1) * 100);
    const bar = this.el("job-progress");
    bar.value = percent;
    bar.setAttribute("aria-valuenow", String(percent));
    this.el("job-progress-text").textContent = job.status === "failed"
      ? tr(gettext("Failed")) : percent + "%";
    const badge = this.el("job-status");
    badge.className = "badge status-" + job.status;
    this.panel.dataset.status = job.status;
    this.el("job-cancel").hidden = job.status !== "processing";
    this.showWarnings(job.warnings || []);
    if (job.status !== this.lastStatus) refreshBalance(); // charged, or its hold given back
    this.lastStatus = job.status;
    if (job.status === "processing") {
      badge.textContent = tr(gettext("Processing"));
      this.el("job-status-text").textContent = percent > 0
        ? tr(gettext("Making your video…"))
        : tr(gettext("Waiting for a worker…"));
      return;
    }
    if (job.status === "completed") {
      badge.textContent = tr(gettext("Completed"));
      this.el("job-status-text").textContent = job.credits != null
        ? tr(gettext("Done. %(credits)s credits were charged."), { credits: job.credits })
        : tr(gettext("Done."));
      if (job.output) {
        const video = this.el("job-video");
        if (video.getAttribute("src") !== job.output) video.src = job.output;
        this.el("job-download").href = job.output;
        this.el("job-result").hidden = false;
      } else {
        this.el("job-status-text").textContent = tr(gettext("Done. The video is no longer available."));
      }
      return;
    }
    badge.textContent = tr(gettext("Failed"));
    this.el("job-status-text").textContent = tr(gettext("No credits were charged."));
    this.showFailure(job);
  };

  // Why it failed, worded by the site in the reader's language (the API's `error` is English
  // and names fields such as formState.image); the API's text only if the site cannot answer.
  JobPanel.prototype.showFailure = async function (job) {
    const error = this.el("job-error");
    let message = job.failureMessage;
    if (!message) {
      error.textContent = tr(gettext("The job failed: %(error)s"), { error: job.error });
      const response = await fetch(this.pageUrl + job.id + "/failure/",
                                   { credentials: "same-origin" }).catch(() => null);
      const body = response && response.ok ? await response.json() : {};
      message = body.message;
    }
    if (message) error.textContent = tr(gettext("The job failed: %(error)s"), { error: message });
    error.hidden = false;
  };

  // What the engine wants the user to know (e.g. the prompt was not used).
  JobPanel.prototype.showWarnings = function (warnings) {
    const box = this.el("job-warnings");
    const list = box.querySelector("ul");
    list.replaceChildren(...warnings.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    box.hidden = warnings.length === 0;
  };

  JobPanel.prototype.cancel = async function () {
    const button = this.el("job-cancel");
    button.disabled = true;
    this.el("job-status-text").textContent = tr(gettext("Cancelling…"));
    const result = await callApi("POST", this.jobsUrl + this.jobId + "/cancel");
    button.disabled = false;
    if (!result.ok) {
      this.el("job-status-text").textContent = networkOrServerError(result);
      return;
    }
    this.render(result.data);
    if (result.data.status === "processing") this.schedule();
  };

  // --- The studio form: inputs, price and submission. ----------------------------------------

  function Studio(form, panel, pricing) {
    this.form = form;
    this.panel = panel;
    this.pricing = pricing;
    this.durations = {}; // formState field -> seconds, for audio we uploaded and probed
    this.uploadErrors = {}; // formState field -> why its file was refused, until another is picked
    this.uploading = 0;
    this.inputs = Array.from(form.querySelectorAll(".media-input"));

    form.querySelectorAll("input[name=mode]").forEach((radio) => {
      radio.addEventListener("change", () => this.modeChanged());
    });
    this.inputs.forEach((box) => {
      box.querySelector("[data-role=file]").addEventListener("change", (event) => {
        this.upload(box, event.target.files[0]);
      });
      box.querySelector("[data-role=url]").addEventListener("input", () => {
        // A pasted URL: its length is only known once a worker reads it.
        delete this.durations[box.dataset.field];
        delete this.uploadErrors[box.dataset.field];
        this.setFieldError("formState." + box.dataset.field, "");
        box.querySelector("[data-role=status]").textContent = "";
        this.showPrice();
      });
    });
    ["resolution", "order"].forEach((name) => {
      form.elements[name].addEventListener("change", () => this.showPrice());
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.modeChanged();
  }

  Studio.prototype.mode = function () {
    return this.form.querySelector("input[name=mode]:checked").value;
  };

  Studio.prototype.modeChanged = function () {
    const mode = this.mode();
    this.form.querySelectorAll("[data-modes]").forEach((element) => {
      element.hidden = !element.dataset.modes.split(" ").includes(mode);
    });
    this.clearErrors();
    this.showPrice();
  };

  Studio.prototype.activeInputs = function () {
    return this.inputs.filter((box) => !box.hidden);
  };

  Studio.prototype.upload = async function (box, file) {
    if (!file) return;
    const field = box.dataset.field;
    const status = box.querySelector("[data-role=status]");
    const urlInput = box.querySelector("[data-role=url]");
    this.setFieldError("formState." + field, "");
    delete this.durations[field];
    delete this.uploadErrors[field];
    urlInput.value = "";
    status.textContent = tr(gettext("Uploading %(name)s…"), { name: file.name });
    this.uploading += 1;
    this.showPrice();
    const data = new FormData();
    data.append("file", file);
    data.append("kind", box.dataset.kind);
    const result = await callApi("POST", this.form.dataset.uploadUrl, data);
    this.uploading -= 1;
    if (!result.ok) {
      status.textContent = "";
      this.uploadErrors[field] = tr(gettext("This file cannot be used: %(error)s"),
                                    { error: networkOrServerError(result) });
      this.setFieldError("formState." + field, this.uploadErrors[field]);
      this.showPrice();
      return;
    }
    urlInput.value = result.data.url;
    const seconds = result.data.info && result.data.info.duration_s;
    if (typeof seconds === "number") {
      if (box.dataset.kind === "audio") this.durations[field] = seconds;
      status.textContent = tr(gettext("Uploaded %(name)s (%(seconds)s s)."),
                              { name: file.name, seconds: formatSeconds(seconds) });
    } else {
      status.textContent = tr(gettext("Uploaded %(name)s."), { name: file.name });
    }
    this.showPrice();
  };

  // Seconds of output the job will be billed for, or null while an audio length is unknown.
  // The same rules as billing.pricing.billed_seconds on the server.
  Studio.prototype.billedSeconds = function () {
    const mode = this.mode();
    if (mode === "lipsync-image-multi") {
      const left = this.durations.left_audio;
      const right = this.durations.right_audio;
      if (left === undefined || right === undefined) return null;
      return this.form.elements.order.value === "meanwhile" ? Math.max(left, right) : left + right;
    }
    return this.durations.audio === undefined ? null : this.durations.audio;
  };

  Studio.prototype.showPrice = function () {
    const price = document.getElementById("price");
    const resolution = this.form.elements.resolution.value;
    const rate = this.pricing.perSecond[resolution];
    const minimum = this.pricing.minSeconds * rate;
    const seconds = this.billedSeconds();
    price.dataset.credits = "";
    if (this.uploading > 0) {
      price.textContent = tr(gettext("Uploading… the price is shown once the audio is read."));
      return;
    }
    if (seconds === null) {
      const pasted = this.activeInputs().some((box) => box.dataset.kind === "audio"
        && box.querySelector("[data-role=url]").value.trim() !== "");
      price.textContent = pasted
        ? tr(gettext("Price: at least %(credits)s credits; the exact price is set once the audio is read."),
             { credits: minimum })
        : tr(gettext("Choose the audio to see the price."));
      return;
    }
    if (seconds > this.pricing.maxSeconds) {
      price.textContent = tr(gettext("The video would be %(seconds)s s long; the maximum is %(max)s s."),
                             { seconds: formatSeconds(seconds), max: this.pricing.maxSeconds });
      return;
    }
    // Rounded to the millisecond first, then up to whole seconds, as the server does.
    const whole = Math.ceil(Math.round(seconds * 1000) / 1000);
    const billed = Math.max(whole, this.pricing.minSeconds);
    const credits = billed * rate;
    price.dataset.credits = String(credits);
    price.textContent = tr(gettext("Price: %(credits)s credits (%(billed)s s at %(rate)s credits per second)."),
                           { credits: credits, billed: billed, rate: rate });
  };

  Studio.prototype.clearErrors = function () {
    this.form.querySelectorAll("[data-error-for]").forEach((element) => {
      element.textContent = "";
    });
    const summary = document.getElementById("form-error");
    summary.hidden = true;
    summary.textContent = "";
    // A refused file's reason stays until another file (or a URL) replaces it.
    Object.entries(this.uploadErrors).forEach(([field, text]) => {
      this.setFieldError("formState." + field, text);
    });
  };

  Studio.prototype.setFieldError = function (name, text) {
    const element = this.form.querySelector('[data-error-for="' + name + '"]');
    if (element) element.textContent = text;
    return Boolean(element);
  };

  Studio.prototype.showError = function (text, link) {
    const summary = document.getElementById("form-error");
    summary.textContent = text;
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      summary.append(" ", anchor);
    }
    summary.hidden = false;
  };

  Studio.prototype.formState = function () {
    const mode = this.mode();
    const state = { resolution: this.form.elements.resolution.value };
    this.activeInputs().forEach((box) => {
      const url = box.querySelector("[data-role=url]").value.trim();
      if (url) state[box.dataset.field] = url;
    });
    if (mode === "lipsync-image-multi") state.order = this.form.elements.order.value;
    const prompt = this.form.elements.prompt.value.trim();
    if (prompt) state.prompt = prompt;
    const seed = this.form.elements.seed.value.trim();
    if (seed !== "") state.seed = Number(seed);
    return state;
  };

  Studio.prototype.validate = function (state) {
    let ok = true;
    this.activeInputs().forEach((box) => {
      if (this.uploadErrors[box.dataset.field]) {
        ok = false; // its specific reason is already shown next to it
      } else if (box.dataset.required && !state[box.dataset.field]) {
        this.setFieldError("formState." + box.dataset.field, tr(gettext("Upload a file or paste its URL.")));
        ok = false;
      }
    });
    if ("seed" in state && (!Number.isInteger(state.seed) || state.seed < -1)) {
      this.setFieldError("formState.seed", tr(gettext("Enter a whole number (-1 or more).")));
      ok = false;
    }
    return ok;
  };

  Studio.prototype.submit = async function () {
    this.clearErrors();
    if (this.uploading > 0) {
      this.showError(tr(gettext("Wait for the uploads to finish.")));
      return;
    }
    const state = this.formState();
    if (!this.validate(state)) {
      this.showError(tr(gettext("Check the fields marked in red.")));
      return;
    }
    const button = document.getElementById("submit-job");
    button.disabled = true;
    const result = await callApi("POST", this.form.dataset.submitUrl + this.mode(),
                                 { formState: state });
    button.disabled = false;
    if (result.ok) {
      refreshBalance(); // its credits are held now
      this.panel.watch(result.data.id);
      this.panel.panel.scrollIntoView({ behavior: "smooth", block: "start" });
      return;
    }
    if (result.status === 402) {
      this.showError(tr(gettext("Not enough user credits for this video.")),
                     { href: this.form.dataset.billingUrl, text: tr(gettext("Buy credits")) });
      return;
    }
    if (result.status === 400 && result.data && result.data.fields) {
      let shown = false;
      Object.entries(result.data.fields).forEach(([name, messages]) => {
        shown = this.setFieldError(name, messages.join(" ")) || shown;
      });
      this.showError(shown ? tr(gettext("Check the fields marked in red.")) : result.data.error);
      return;
    }
    this.showError(networkOrServerError(result));
  };

  // --- Start ---------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    const panelElement = document.getElementById("job-panel");
    if (!panelElement) return;
    const panel = new JobPanel(panelElement);
    const initial = document.getElementById("job-initial");
    if (initial && panelElement.dataset.jobId) {
      panel.watch(panelElement.dataset.jobId, JSON.parse(initial.textContent));
    }
    const form = document.getElementById("studio-form");
    if (form) {
      const pricing = JSON.parse(document.getElementById("studio-pricing").textContent);
      new Studio(form, panel, pricing);
    }
  });
})();
