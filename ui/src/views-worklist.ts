// The Worklist screen (desk only): choose or drop a list (CSV or XLSX), confirm its column
// mapping, follow the check (progress, counts per outcome, rate, time left; pause, resume,
// cancel), read the results (people who need a conversation first, filterable and sortable), open
// a row in the usual result view, export (an audited export, written by the engine).
//
// Safety: everything this screen knows about patients (the preview, the results, the row open)
// lives in this object. `clear()` forgets all of it and empties the DOM; the App calls it on
// every lock, role change and when leaving the screen, then drops the object. Every answer
// that arrives after a `clear()` (or after the user moved on) is dropped: `seq` guards it. A
// row shows as the engine judged it: a mismatch is "Check identity", never its status as if
// settled; an error is an error box, never a banner.

import type { BannerColour } from "./bindings/BannerColour";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { IpcError } from "./bindings/IpcError";
import type { JobSummary } from "./bindings/JobSummary";
import type { LookupReport } from "./bindings/LookupReport";
import type { ResultRow } from "./bindings/ResultRow";
import type { RowCheck } from "./bindings/RowCheck";
import type { WorklistExport } from "./bindings/WorklistExport";
import type { WorklistPreview } from "./bindings/WorklistPreview";
import type { WorklistProgress } from "./bindings/WorklistProgress";
import { type Child, h, hidden, replace, svg } from "./dom";
import { adviceFor, sentence } from "./errors";
import { plural } from "./format";
import { button, errorSummary } from "./forms";
import { type IconName, icon } from "./icons";
import { type ColumnMapping, type Ipc, toIpcError } from "./ipc";
import { formatNhsNumber } from "./nhs-number";
import { failureView, type ResultHandlers, resultView } from "./views-result";

/** What the results table says for a row whose details differ from PDS (the engine's words). */
export const CHECK_IDENTITY = "Check identity: the list's details differ from PDS";
/** Rows drawn in the results table at most (the export has every row). */
export const MAX_TABLE_ROWS = 500;

/** What a row shows, in the order the table groups them. */
export type RowKind = "red" | "amber" | "mismatch" | "error" | "problem" | "grey" | "green" | "pending";
export type Filter = "all" | "red" | "amber" | "mismatch" | "green" | "grey" | "not_checked";
export type Sort = "attention" | "row";

/** Colour, icon and words of each kind: never colour alone. */
export const KIND_LOOK: Record<RowKind, { tag: string; icon: IconName; words: string }> = {
  red: { tag: "red", icon: "cross", words: "Chargeable" },
  amber: { tag: "amber", icon: "warning", words: "Check needed" },
  mismatch: { tag: "amber", icon: "warning", words: "Check identity" },
  green: { tag: "green", icon: "tick", words: "Not chargeable" },
  grey: { tag: "grey", icon: "info", words: "No status" },
  error: { tag: "error", icon: "warning", words: "Could not be checked" },
  problem: { tag: "error", icon: "warning", words: "Row cannot be checked" },
  pending: { tag: "pending", icon: "info", words: "Not checked yet" },
};

const FILTERS: Array<[Filter, string]> = [
  ["all", "All rows"],
  ["red", "Chargeable (red)"],
  ["amber", "Check needed (amber), with identity checks"],
  ["mismatch", "Check identity (details differ from PDS)"],
  ["green", "Not chargeable (green)"],
  ["grey", "No status (grey)"],
  ["not_checked", "Could not be checked, or not checked yet"],
];

const STATE_WORDS: Record<JobSummary["state"], string> = {
  running: "Checking",
  paused: "Paused",
  done: "Finished",
  cancelled: "Cancelled",
};

/** The kind of a row, as the engine judged it. */
export function rowKind(r: ResultRow): RowKind {
  if (r.problem !== null) return "problem";
  const c = r.check;
  if (!c) return "pending";
  if (c.outcome === "error" || c.shown === null) return "error";
  if (!c.identity_settled) return "mismatch";
  return c.shown;
}

export function matchesFilter(r: ResultRow, filter: Filter): boolean {
  const kind = rowKind(r);
  switch (filter) {
    case "all":
      return true;
    case "amber":
      return kind === "amber" || kind === "mismatch";
    case "not_checked":
      return kind === "error" || kind === "problem" || kind === "pending";
    default:
      return kind === filter;
  }
}

/** The fields of the cross-check, as the engine serialises it. */
const CROSS_FIELDS: Array<[string, string]> = [
  ["family", "Family name"],
  ["given", "Given name"],
  ["birth_date", "Date of birth"],
  ["gender", "Gender"],
  ["postcode", "Postcode"],
];

/** The fields whose value on the list differs from PDS. */
export function mismatchedFields(check: RowCheck): string[] {
  const cross = check.cross_check as Record<string, { result?: string } | undefined> | null;
  if (!cross || typeof cross !== "object") return [];
  return CROSS_FIELDS.filter(([key]) => cross[key]?.result === "mismatch").map(([, label]) => label);
}

function tag(kind: RowKind, id?: string): HTMLElement {
  const look = KIND_LOOK[kind];
  return h("strong", { class: `vm-tag vm-tag--${look.tag}`, id, "data-kind": kind }, icon(look.icon, "vm-tag__icon"), look.words);
}

function rowDetail(r: ResultRow): Child {
  const c = r.check;
  const kind = rowKind(r);
  const parts: Child[] = [];
  if (kind === "problem") parts.push(sentence(r.problem ?? ""));
  else if (kind === "pending" || !c) parts.push("Waiting to be checked.");
  else if (kind === "error") parts.push(sentence(c.error_message ?? "The check could not be completed"));
  else if (kind === "mismatch") {
    const fields = mismatchedFields(c);
    parts.push(fields.length > 0 ? `${CHECK_IDENTITY} (${fields.join(", ").toLowerCase()}).` : `${CHECK_IDENTITY}.`);
  } else parts.push(c.headline ?? KIND_LOOK[kind].words);
  if (r.duplicate_of !== null) parts.push(h("br"), h("span", { class: "nhsuk-body-s" }, `Same NHS number as row ${r.duplicate_of}.`));
  if (c?.found_by_search && kind !== "problem") parts.push(h("br"), h("span", { class: "nhsuk-body-s" }, "Found by a PDS search on the list's details."));
  return parts;
}

function reportOf(c: RowCheck | null): LookupReport | null {
  const r = c?.report;
  return r && typeof r === "object" && "outcome" in r ? (r as LookupReport) : null;
}

export interface WorklistHost {
  ipc: Ipc;
  /** Speaks through the page's live region (no patient details). */
  announce(text: string): void;
  resultHandlers: ResultHandlers;
  /** Leaves the worklist for the lookup screen. */
  close(): void;
}

type Stage = { kind: "start" } | { kind: "mapping"; preview: WorklistPreview; mapping: ColumnMapping } | { kind: "job" } | { kind: "row"; row: ResultRow };

/** The Worklist screen and everything it holds. */
export class WorklistScreen {
  readonly element: HTMLElement;
  private stage: Stage = { kind: "start" };
  private jobs: JobSummary[] | null = null;
  private job: JobSummary | null = null;
  private results: ResultRow[] | null = null;
  private filter: Filter = "all";
  private sort: Sort = "attention";
  private error: IpcError | null = null;
  private busy = false;
  /** A run started here and its last event not yet seen. */
  private running = false;
  /** Pause or cancel asked; the run ends after its requests in flight. */
  private stopping = false;
  private exported: WorklistExport | null = null;
  private exportError: IpcError | null = null;
  private rate: { since: number; done: number; perMinute: number | null } | null = null;
  /** Bumped by `clear()` and by every move to another list or stage: older answers are dropped. */
  private seq = 0;
  private cleared = false;
  private statusArea: HTMLElement | null = null;
  private resultsArea: HTMLElement | null = null;

  constructor(
    private readonly host: WorklistHost,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.element = h("section", { class: "vm-worklist", id: "worklist", "aria-labelledby": "worklist-heading" });
  }

  // Stryker restore all
  /** Forgets every patient detail (preview, results, the row open) and empties the screen. */
  clear(): void {
    this.cleared = true;
    this.seq++;
    this.stage = { kind: "start" };
    this.jobs = null;
    this.job = null;
    this.results = null;
    this.exported = null;
    this.error = null;
    this.exportError = null;
    this.statusArea = null;
    this.resultsArea = null;
    this.element.replaceChildren();
  }

  /** Whether an answer asked for at `seq` may still be used. */
  private current(seq: number): boolean {
    return !this.cleared && seq === this.seq;
  }
  // Stryker disable all

  /** Shows the start stage and loads the user's lists. */
  open(): void {
    this.toStart();
  }

  private toStart(): void {
    const seq = ++this.seq;
    this.stage = { kind: "start" };
    this.job = null;
    this.results = null;
    this.running = false;
    this.stopping = false;
    this.error = null;
    this.exported = null;
    this.exportError = null;
    this.render("#worklist-heading");
    this.host.ipc.worklistJobs().then(
      (jobs) => {
        if (!this.current(seq)) return;
        this.jobs = jobs;
        this.render();
      },
      (e: unknown) => {
        if (!this.current(seq)) return;
        this.error = toIpcError(e);
        this.render();
      },
    );
  }

  // ---- choosing a file -------------------------------------------------------------------

  /** Reads a file chosen or dropped and asks for its preview. */
  chooseFile(file: File): void {
    const seq = ++this.seq;
    this.error = null;
    this.busy = true;
    this.render();
    readBytes(file)
      .then((bytes) => this.host.ipc.worklistPreview(file.name, bytes))
      .then(
        (preview) => {
          if (!this.current(seq)) return;
          this.busy = false;
          this.stage = { kind: "mapping", preview, mapping: { ...preview.mapping } };
          this.render("#worklist-heading");
          this.host.announce(`${preview.file_name} read: ${plural(preview.row_count, "row", "rows")}. Confirm the columns.`);
        },
        (e: unknown) => {
          if (!this.current(seq)) return;
          this.busy = false;
          this.error = toIpcError(e);
          this.render("#worklist-error");
        },
      );
  }

  private setColumn(field: string, value: string): void {
    const st = this.stage;
    if (st.kind !== "mapping") return;
    if (value === "") {
      delete st.mapping[field];
    } else {
      const column = Number(value);
      // A column holds one field: the field that had it gives it up.
      for (const [other, col] of Object.entries(st.mapping)) {
        if (other !== field && col === column) {
          delete st.mapping[other];
          const select = this.element.querySelector<HTMLSelectElement>(`#map-${other}`);
          if (select) select.value = "";
        }
      }
      st.mapping[field] = column;
    }
  }

  /** Creates the job with the mapping confirmed, then starts it. */
  private confirm(): void {
    const st = this.stage;
    if (st.kind !== "mapping" || this.busy) return;
    const seq = this.seq;
    this.busy = true;
    this.error = null;
    this.render();
    this.host.ipc.worklistCreate(st.preview.preview_id, { ...st.mapping }).then(
      (job) => {
        if (!this.current(seq)) return;
        this.busy = false;
        this.stage = { kind: "job" };
        this.job = job;
        this.results = null;
        this.render("#worklist-heading");
        this.start();
      },
      (e: unknown) => {
        if (!this.current(seq)) return;
        this.busy = false;
        this.error = toIpcError(e);
        this.render("#worklist-error");
      },
    );
  }

  // ---- a job -----------------------------------------------------------------------------

  /** Opens one of the user's lists. */
  openJob(job: JobSummary): void {
    const seq = ++this.seq;
    this.stage = { kind: "job" };
    this.job = job;
    this.results = null;
    this.error = null;
    this.exported = null;
    this.exportError = null;
    this.running = job.state === "running";
    this.stopping = false;
    this.filter = "all";
    this.sort = "attention";
    this.render("#worklist-heading");
    if (!this.running) this.loadResults(seq);
  }

  private loadResults(seq: number): void {
    const job = this.job;
    if (!job) return;
    this.host.ipc.worklistResults(job.id).then(
      (rows) => {
        if (!this.current(seq) || this.job?.id !== job.id) return;
        this.results = rows;
        this.renderResults();
      },
      (e: unknown) => {
        if (!this.current(seq)) return;
        this.error = toIpcError(e);
        this.render();
      },
    );
  }

  /** Starts or resumes the job. */
  private start(): void {
    const job = this.job;
    if (!job || this.busy) return;
    const seq = this.seq;
    this.busy = true;
    this.error = null;
    this.host.ipc.worklistStart(job.id).then(
      (summary) => {
        if (!this.current(seq) || this.job?.id !== summary.id) return;
        this.busy = false;
        this.job = summary;
        this.running = summary.state === "running";
        this.stopping = false;
        this.rate = { since: this.now(), done: summary.counts.total - summary.counts.pending, perMinute: null };
        this.render();
        this.host.announce(this.running ? "Checking the list." : `The list is ${STATE_WORDS[summary.state].toLowerCase()}.`);
      },
      (e: unknown) => {
        if (!this.current(seq)) return;
        this.busy = false;
        this.error = toIpcError(e);
        this.render("#worklist-error");
      },
    );
    this.render();
  }

  private stop(how: "pause" | "cancel"): void {
    const job = this.job;
    if (!job || this.busy) return;
    const seq = this.seq;
    this.busy = true;
    const call = how === "pause" ? this.host.ipc.worklistPause(job.id) : this.host.ipc.worklistCancel(job.id);
    call.then(
      (summary) => {
        if (!this.current(seq) || this.job?.id !== summary.id) return;
        this.busy = false;
        this.job = summary;
        // A run in flight stops after its requests; its last event says so.
        this.stopping = this.running;
        if (!this.running) this.loadResults(seq);
        this.render();
      },
      (e: unknown) => {
        if (!this.current(seq)) return;
        this.busy = false;
        this.error = toIpcError(e);
        this.render("#worklist-error");
      },
    );
    this.render();
  }

  /** A progress event of the shell (the App passes them all; only this job's are used). */
  onProgress(p: WorklistProgress): void {
    if (this.cleared || this.job?.id !== p.summary.id || (this.stage.kind !== "job" && this.stage.kind !== "row")) return;
    this.job = p.summary;
    const done = p.summary.counts.total - p.summary.counts.pending;
    if (p.finished) {
      this.running = false;
      this.stopping = false;
      this.rate = null;
      if (p.error) this.error = p.error;
      this.host.announce(`The list is ${STATE_WORDS[p.summary.state].toLowerCase()}: ${done} of ${plural(p.summary.counts.total, "row", "rows")} done.`);
      if (this.stage.kind === "job") {
        this.render();
        this.loadResults(this.seq);
      }
      return;
    }
    this.running = true;
    if (this.rate) {
      const minutes = (this.now() - this.rate.since) / 60000;
      const checked = done - this.rate.done;
      if (minutes > 0 && checked > 0) this.rate.perMinute = checked / minutes;
    }
    if (this.stage.kind === "job") this.renderStatus();
  }

  private export(format: ExportFormat): void {
    const job = this.job;
    if (!job || this.busy) return;
    const seq = this.seq;
    this.busy = true;
    this.exported = null;
    this.exportError = null;
    this.renderStatus();
    this.host.ipc.worklistExport(job.id, format).then(
      (done) => {
        if (!this.current(seq)) return;
        this.busy = false;
        this.exported = done;
        this.renderStatus("#worklist-export-status");
      },
      (e: unknown) => {
        if (!this.current(seq)) return;
        this.busy = false;
        this.exportError = toIpcError(e);
        this.renderStatus("#worklist-export-status");
      },
    );
  }

  private openRow(row: ResultRow): void {
    this.stage = { kind: "row", row };
    this.render("#worklist-row-heading");
  }

  private backToResults(row: number): void {
    this.stage = { kind: "job" };
    this.render(`#wl-open-${row}`);
  }

  // ---- rendering -------------------------------------------------------------------------

  /** Draws the whole screen; focus goes to `focus`, else stays on the element it was on. */
  private render(focus?: string): void {
    if (this.cleared) return;
    const doc = this.element.ownerDocument;
    const active = doc.activeElement as HTMLElement | null;
    const activeId = active && this.element.contains(active) ? active.id : "";
    this.statusArea = null;
    this.resultsArea = null;
    const st = this.stage;
    switch (st.kind) {
      case "start":
        replace(this.element, this.startView());
        break;
      case "mapping":
        replace(this.element, this.mappingView(st.preview, st.mapping));
        break;
      case "job":
        replace(this.element, this.jobView());
        break;
      case "row":
        replace(this.element, this.rowView(st.row));
        break;
    }
    this.refocus(focus, activeId);
  }

  private refocus(focus: string | undefined, activeId: string): void {
    const pick = (sel: string) => this.element.querySelector<HTMLElement>(sel);
    const byId = (id: string) => Array.from(this.element.querySelectorAll<HTMLElement>("[id]")).find((e) => e.id === id) ?? null;
    // The button pressed may have turned into its opposite (Pause ↔ Resume).
    const el = (focus ? pick(focus) : null) ?? (activeId ? byId(activeId) : null) ?? (activeId ? pick("#worklist-resume, #worklist-pause, #worklist-heading") : null);
    el?.focus();
  }

  private heading(text: string): HTMLElement {
    return h("h1", { class: "nhsuk-heading-l", id: "worklist-heading", tabindex: "-1" }, text);
  }

  private errorBox(): Child {
    const e = this.error;
    if (!e) return null;
    const action = e.detail ?? adviceFor(e).action;
    return errorSummary(
      "worklist-error",
      "There is a problem",
      h("p", { id: "worklist-error-message" }, sentence(e.message)),
      action ? h("p", null, h("strong", null, "What to do: "), sentence(action)) : null,
      e.trace_id ? h("p", { class: "nhsuk-body-s" }, `Trace ID: ${e.trace_id}`) : null,
    );
  }

  private startView(): HTMLElement {
    const input = h("input", {
      class: "nhsuk-file-upload vm-file",
      id: "worklist-file",
      name: "worklist-file",
      type: "file",
      accept: ".csv,.tsv,.txt,.xlsx",
      "aria-describedby": "worklist-file-hint",
      disabled: this.busy,
      onchange: () => {
        const file = input.files?.[0];
        if (file) this.chooseFile(file);
      },
    });
    const drop = h(
      "div",
      {
        class: "vm-drop nhsuk-form-group",
        id: "worklist-drop",
        ondragover: (e: Event) => {
          e.preventDefault();
          drop.classList.add("vm-drop--over");
        },
        ondragleave: () => drop.classList.remove("vm-drop--over"),
        ondrop: (e: Event) => {
          e.preventDefault();
          drop.classList.remove("vm-drop--over");
          const file = (e as DragEvent).dataTransfer?.files?.[0];
          if (file && !this.busy) this.chooseFile(file);
        },
      },
      h("label", { class: "nhsuk-label nhsuk-label--m", for: "worklist-file" }, "Choose a list"),
      h("div", { class: "nhsuk-hint", id: "worklist-file-hint" }, "A CSV or XLSX file exported from the PAS, up to 100,000 rows. You can also drop the file here."),
      input,
      this.busy ? h("p", { class: "nhsuk-body", id: "worklist-reading", role: "status" }, "Reading the list…") : null,
    );
    return h(
      "div",
      { id: "worklist-start" },
      this.heading("Worklist"),
      h("p", { class: "nhsuk-body-l" }, "Check a whole list of patients, such as today's admissions, in one go."),
      this.errorBox(),
      drop,
      this.jobsTable(),
    );
  }

  private jobsTable(): Child {
    const jobs = this.jobs;
    if (jobs === null) return h("p", { id: "worklist-jobs-loading" }, "Loading your lists…");
    if (jobs.length === 0) return h("p", { id: "worklist-no-jobs" }, "You have no lists yet.");
    return h(
      "table",
      { class: "nhsuk-table", id: "worklist-jobs" },
      h("caption", { class: "nhsuk-table__caption nhsuk-table__caption--m" }, "Your lists"),
      h(
        "thead",
        { class: "nhsuk-table__head" },
        h("tr", { class: "nhsuk-table__row" }, ["List", "State", "Rows done", ""].map((t) => h("th", { class: "nhsuk-table__header", scope: "col" }, t === "" ? hidden("Action") : t))),
      ),
      h(
        "tbody",
        { class: "nhsuk-table__body" },
        jobs.map((j, i) =>
          h(
            "tr",
            { class: "nhsuk-table__row" },
            h("th", { class: "nhsuk-table__header", scope: "row" }, j.source),
            h("td", { class: "nhsuk-table__cell" }, STATE_WORDS[j.state]),
            h("td", { class: "nhsuk-table__cell" }, `${j.counts.total - j.counts.pending} of ${j.counts.total}`),
            h(
              "td",
              { class: "nhsuk-table__cell" },
              button(`wl-job-${i}`, ["Open", hidden(` ${j.source}`)], { variant: "secondary", small: true, onclick: () => this.openJob(j) }),
            ),
          ),
        ),
      ),
    );
  }

  private mappingView(preview: WorklistPreview, mapping: ColumnMapping): HTMLElement {
    const columnName = (i: number) => `Column ${i + 1}: ${preview.headers[i] || "(no heading)"}`;
    const selects = preview.fields.map((f) => {
      const id = `map-${f.key}`;
      const chosen = mapping[f.key];
      return h(
        "div",
        { class: "nhsuk-form-group vm-map" },
        h("label", { class: "nhsuk-label", for: id }, capitalise(f.label)),
        h(
          "select",
          { class: "nhsuk-select", id, name: id, onchange: (e: Event) => this.setColumn(f.key, (e.target as HTMLSelectElement).value) },
          h("option", { value: "", selected: chosen === undefined ? "selected" : null }, "Not in this list"),
          preview.headers.map((_, i) => h("option", { value: String(i), selected: chosen === i ? "selected" : null }, columnName(i))),
        ),
      );
    });
    const sample = h(
      "div",
      { class: "vm-table-scroll", tabindex: "0", role: "region", "aria-labelledby": "worklist-sample-caption" },
      h(
        "table",
        { class: "nhsuk-table vm-sample", id: "worklist-sample" },
        h("caption", { class: "nhsuk-table__caption nhsuk-table__caption--s", id: "worklist-sample-caption" }, `The first ${plural(preview.rows.length, "row", "rows")} of the list`),
        h("thead", { class: "nhsuk-table__head" }, h("tr", { class: "nhsuk-table__row" }, preview.headers.map((t, i) => h("th", { class: "nhsuk-table__header", scope: "col" }, t || `Column ${i + 1}`)))),
        h(
          "tbody",
          { class: "nhsuk-table__body" },
          preview.rows.map((r) => h("tr", { class: "nhsuk-table__row" }, preview.headers.map((_, i) => h("td", { class: "nhsuk-table__cell" }, r[i] ?? "")))),
        ),
      ),
    );
    return h(
      "div",
      { id: "worklist-mapping" },
      this.heading("Confirm the columns"),
      h("p", { class: "nhsuk-body-l", id: "worklist-file-summary" }, `${preview.file_name}: ${plural(preview.row_count, "patient row", "patient rows")}.`),
      this.errorBox(),
      h(
        "form",
        {
          id: "worklist-mapping-form",
          novalidate: true,
          onsubmit: (e: Event) => {
            e.preventDefault();
            this.confirm();
          },
        },
        h(
          "fieldset",
          { class: "nhsuk-fieldset" },
          h("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--m" }, "Which column holds what"),
          h("div", { class: "nhsuk-hint" }, "Check each one and change it if needed. Your choice is remembered for lists with the same headings. A row needs an NHS number, or a family name, date of birth and gender to search PDS with."),
          h("div", { class: "vm-map-grid" }, selects),
        ),
        sample,
        h(
          "div",
          { class: "vm-actions" },
          button("worklist-confirm", this.busy ? "Starting…" : "Start checking", { type: "submit" }),
          button("worklist-choose-again", "Choose another file", { variant: "secondary", onclick: () => this.toStart() }),
        ),
      ),
    );
  }

  private jobView(): HTMLElement {
    const job = this.job;
    if (!job) return h("div", null);
    this.statusArea = h("div", { id: "worklist-status" });
    this.resultsArea = h("div", { id: "worklist-results" });
    this.fillStatus();
    this.fillResults();
    return h(
      "div",
      { id: "worklist-job" },
      this.heading(job.source),
      button("worklist-lists", "Your lists", { variant: "secondary", small: true, onclick: () => this.toStart() }),
      this.errorBox(),
      this.statusArea,
      this.resultsArea,
    );
  }

  private renderStatus(focus?: string): void {
    if (this.cleared || !this.statusArea) return;
    const active = this.element.ownerDocument.activeElement as HTMLElement | null;
    const activeId = active && this.statusArea.contains(active) ? active.id : "";
    this.fillStatus();
    if (focus || activeId) this.refocus(focus, activeId);
  }

  private renderResults(): void {
    if (this.cleared || !this.resultsArea) return;
    const active = this.element.ownerDocument.activeElement as HTMLElement | null;
    const activeId = active && this.resultsArea.contains(active) ? active.id : "";
    this.fillResults();
    if (activeId) this.refocus(undefined, activeId);
  }

  private fillStatus(): void {
    const job = this.job;
    const area = this.statusArea;
    if (!job || !area) return;
    const c = job.counts;
    const done = c.total - c.pending;
    const state = this.stopping ? "Stopping after the checks in flight…" : this.running ? STATE_WORDS.running : STATE_WORDS[job.state === "running" ? "paused" : job.state];
    const facts: string[] = [];
    if (this.running && this.rate?.perMinute) {
      const perMinute = this.rate.perMinute;
      facts.push(`About ${Math.round(perMinute)} ${Math.round(perMinute) === 1 ? "row" : "rows"} a minute`);
      const minutes = c.pending / perMinute;
      facts.push(minutes < 1 ? "less than a minute left" : `about ${plural(Math.ceil(minutes), "minute", "minutes")} left`);
    }
    const canResume = !this.running && job.state !== "done" && job.state !== "cancelled" && c.pending > 0;
    const canCancel = (this.running && !this.stopping) || canResume;
    replace(
      area,
      h(
        "div",
        { class: "vm-progress-box" },
        h("h2", { class: "nhsuk-heading-m", id: "worklist-progress-heading" }, "Progress ", h("span", { class: "vm-job-state", id: "worklist-state", "data-state": this.running ? "running" : job.state }, state)),
        h("label", { class: "nhsuk-label", for: "worklist-progress-bar", id: "worklist-progress-text" }, `${done} of ${plural(c.total, "row", "rows")} done`),
        h("progress", { class: "vm-progress-bar", id: "worklist-progress-bar", max: String(Math.max(c.total, 1)), value: String(done) }, `${done} of ${c.total}`),
        facts.length > 0 ? h("p", { class: "nhsuk-body-s", id: "worklist-rate" }, `${facts.join(", ")}.`) : null,
        h(
          "div",
          { class: "vm-actions" },
          this.running && !this.stopping ? button("worklist-pause", "Pause", { variant: "secondary", onclick: () => this.stop("pause") }) : null,
          canResume ? button("worklist-resume", "Resume", { onclick: () => this.start() }) : null,
          canCancel ? button("worklist-cancel", "Cancel the check", { variant: "secondary", onclick: () => this.stop("cancel") }) : null,
        ),
      ),
      outcomeChart(job),
      this.exportBox(),
    );
  }

  private exportBox(): HTMLElement {
    const status = h("div", { id: "worklist-export-status", role: "status", tabindex: "-1" });
    if (this.exported) {
      status.append(h("p", { class: "vm-export-done", id: "worklist-exported" }, `${plural(this.exported.rows, "row", "rows")} saved to `, h("code", { id: "worklist-export-path" }, this.exported.path), "."));
    } else if (this.exportError) {
      status.append(errorSummary("worklist-export-error", "The results could not be exported", h("p", null, sentence(this.exportError.message))));
    }
    return h(
      "div",
      { class: "vm-export", id: "worklist-export" },
      h("h2", { class: "nhsuk-heading-m" }, "Export the results"),
      h("p", { class: "nhsuk-body-s" }, "Saved to your Documents folder, with the list's columns and what was found. The export is recorded in the audit log."),
      h(
        "div",
        { class: "vm-actions" },
        button("worklist-export-csv", "Export as CSV", { variant: "secondary", onclick: () => this.export("csv") }),
        button("worklist-export-xlsx", "Export as Excel (XLSX)", { variant: "secondary", onclick: () => this.export("xlsx") }),
      ),
      status,
    );
  }

  private fillResults(): void {
    const area = this.resultsArea;
    if (!area) return;
    const rows = this.results;
    if (rows === null) {
      replace(area, h("p", { class: "nhsuk-body", id: "worklist-results-waiting" }, this.running ? "The results show here when the check pauses or finishes." : "Loading the results…"));
      return;
    }
    const shown = rows.filter((r) => matchesFilter(r, this.filter));
    if (this.sort === "row") shown.sort((a, b) => a.row_number - b.row_number);
    const drawn = shown.slice(0, MAX_TABLE_ROWS);
    const select = <T extends string>(id: string, label: string, value: T, options: Array<[T, string]>, set: (v: T) => void) =>
      h(
        "div",
        { class: "nhsuk-form-group vm-control" },
        h("label", { class: "nhsuk-label", for: id }, label),
        h(
          "select",
          { class: "nhsuk-select", id, name: id, onchange: (e: Event) => set((e.target as HTMLSelectElement).value as T) },
          options.map(([v, text]) => h("option", { value: v, selected: v === value ? "selected" : null }, text)),
        ),
      );
    replace(
      area,
      h("h2", { class: "nhsuk-heading-m", id: "worklist-results-heading" }, "Results"),
      h(
        "div",
        { class: "vm-controls" },
        select("worklist-filter", "Show", this.filter, FILTERS, (v) => {
          this.filter = v;
          this.renderResults();
        }),
        select(
          "worklist-sort",
          "Order",
          this.sort,
          [
            ["attention", "Needs attention first (red, amber, identity checks)"],
            ["row", "As in the list (row number)"],
          ],
          (v) => {
            this.sort = v;
            this.renderResults();
          },
        ),
      ),
      h("p", { class: "nhsuk-body-s", id: "worklist-shown", role: "status" }, shown.length > drawn.length ? `Showing the first ${drawn.length} of ${shown.length} rows: choose what to show, or export every row.` : `${plural(shown.length, "row", "rows")} shown.`),
      drawn.length === 0
        ? null
        : h(
            "div",
            { class: "vm-table-scroll" },
            h(
              "table",
              { class: "nhsuk-table vm-results", id: "worklist-table" },
              h("caption", { class: "nhsuk-table__caption nhsuk-u-visually-hidden" }, "Results, one row of the list each"),
              h(
                "thead",
                { class: "nhsuk-table__head" },
                h("tr", { class: "nhsuk-table__row" }, ["Row", "Result", "NHS number", "Name on PDS", "What it means", ""].map((t) => h("th", { class: "nhsuk-table__header", scope: "col" }, t === "" ? hidden("Action") : t))),
              ),
              h("tbody", { class: "nhsuk-table__body" }, drawn.map((r) => this.resultRow(r))),
            ),
          ),
    );
  }

  private resultRow(r: ResultRow): HTMLElement {
    const kind = rowKind(r);
    const c = r.check;
    const report = reportOf(c);
    const nhs = c?.nhs_number ?? null;
    const openable = c !== null && kind !== "problem";
    return h(
      "tr",
      { class: `nhsuk-table__row vm-row vm-row--${KIND_LOOK[kind].tag}`, id: `wl-row-${r.row_number}`, "data-kind": kind },
      h("th", { class: "nhsuk-table__header", scope: "row" }, String(r.row_number)),
      h("td", { class: "nhsuk-table__cell" }, tag(kind)),
      h("td", { class: "nhsuk-table__cell vm-nowrap" }, nhs ? formatNhsNumber(nhs) : "—"),
      h("td", { class: "nhsuk-table__cell" }, report?.patient?.name || "—"),
      h("td", { class: "nhsuk-table__cell" }, rowDetail(r)),
      h(
        "td",
        { class: "nhsuk-table__cell" },
        openable ? button(`wl-open-${r.row_number}`, ["View", hidden(` row ${r.row_number}`)], { variant: "secondary", small: true, onclick: () => this.openRow(r) }) : null,
      ),
    );
  }

  /** One row in the usual result view: its own NHS number on the banner; a mismatch is not
   *  shown as settled; an error is an error box. */
  private rowView(r: ResultRow): HTMLElement {
    const c = r.check;
    const kind = rowKind(r);
    const back = button("worklist-back", "Back to the results", { variant: "secondary", small: true, onclick: () => this.backToResults(r.row_number) });
    const report = reportOf(c);
    let body: Child;
    if (!c) {
      body = h("p", null, "This row has not been checked yet.");
    } else if (kind === "error" || !report) {
      body = report
        ? resultView({ lookup_id: 0, report, raw_response: null }, this.host.resultHandlers)
        : failureView(
            c.nhs_number ?? "",
            { code: (c.error_code ?? "UNKNOWN") as IpcError["code"], message: c.error_message ?? "The check could not be completed", detail: null, trace_id: c.trace_id || null },
            "Check the row's details, or look the patient up on their own.",
            this.host.resultHandlers,
          );
    } else if (kind === "mismatch") {
      const fields = mismatchedFields(c);
      const shownAsCheck: LookupReport = {
        ...report,
        banner: "amber" satisfies BannerColour,
        headline: CHECK_IDENTITY,
        basic: null,
        category: null,
        category_display: null,
        category_definition: null,
        effective_display: null,
        effective_older_than_12_months: false,
        effective_in_future: false,
      };
      body = [
        h(
          "div",
          { class: "nhsuk-warning-callout", id: "identity-mismatch" },
          h("h2", { class: "nhsuk-warning-callout__label" }, h("span", { role: "text" }, hidden("Important: "), "Check identity")),
          h("p", null, fields.length > 0 ? `The list's ${fields.join(", ").toLowerCase()} ${fields.length === 1 ? "differs" : "differ"} from PDS for this NHS number.` : "The list's details differ from PDS for this NHS number."),
          h("p", null, "This row may be another patient. Confirm who the patient is, then check them on their own from Check a patient, before relying on any status."),
        ),
        resultView({ lookup_id: 0, report: shownAsCheck, raw_response: null }, this.host.resultHandlers),
      ];
    } else {
      body = resultView({ lookup_id: 0, report, raw_response: null }, this.host.resultHandlers);
    }
    return h(
      "div",
      { id: "worklist-row" },
      back,
      h("h1", { class: "nhsuk-heading-l", id: "worklist-row-heading", tabindex: "-1" }, `Row ${r.row_number}`, h("span", { class: "nhsuk-caption-m" }, this.job?.source ?? "")),
      body,
    );
  }
}

/** Checked rows by outcome as labelled bars (words + count beside each bar; colour is extra). */
export function outcomeChart(job: JobSummary): HTMLElement {
  const o = job.outcomes;
  const bars: Array<[RowKind, number]> = [
    ["red", o.red],
    ["amber", Math.max(0, o.amber - o.mismatches)],
    ["mismatch", o.mismatches],
    ["green", o.green],
    ["grey", o.grey],
    ["error", o.errors],
    ["pending", job.counts.pending],
  ];
  const max = Math.max(1, ...bars.map(([, n]) => n));
  return h(
    "figure",
    { class: "vm-chart", id: "worklist-chart", "aria-labelledby": "worklist-chart-caption" },
    h("figcaption", { class: "nhsuk-heading-s", id: "worklist-chart-caption" }, "Outcomes so far"),
    h(
      "ul",
      { class: "vm-chart__bars nhsuk-list" },
      bars.map(([kind, n]) => {
        const look = KIND_LOOK[kind];
        const width = n === 0 ? 0 : Math.max(1, Math.round((n / max) * 100));
        return h(
          "li",
          { class: "vm-chart__row", id: `worklist-count-${kind}`, "data-count": String(n) },
          h("span", { class: "vm-chart__label" }, icon(look.icon, `vm-chart__icon vm-chart__icon--${look.tag}`), look.words),
          bar(look.tag, width),
          h("span", { class: "vm-chart__count" }, String(n)),
        );
      }),
    ),
  );
}

function bar(tagClass: string, width: number): Node {
  const el = svg("svg", { class: "vm-chart__bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", focusable: "false", "aria-hidden": "true" }, svg("rect", { class: "vm-chart__track", x: 0, y: 0, width: 100, height: 10 }), svg("rect", { class: `vm-chart__fill vm-chart__fill--${tagClass}`, x: 0, y: 0, width, height: 10 }));
  return el;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A file's bytes (FileReader: works in every webview and in the tests' DOM). */
export function readBytes(file: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject({ code: "WORKLIST_FILE", message: "The file could not be read", detail: "Choose the file again.", trace_id: null });
    reader.readAsArrayBuffer(file);
  });
}
